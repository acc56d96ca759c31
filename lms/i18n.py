"""Locale selection: the tenant's locale wins, then the browser's, then the default (sl or en);
and the tenant's locale for text rendered outside the tenant's own requests (``tenant_locale``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, g, has_request_context, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import (
    Difficulty,
    ModuleStatus,
    Permission,
    QuestionType,
    RedemptionStatus,
    ReputationRank,
    SectionType,
    SuggestionStatus,
    TenantRole,
    VideoSourceType,
    XpSourceType,
)
from lms.tenancy import current_tenant_id


def select_locale() -> str:
    tenant = g.get("tenant")
    if tenant is not None:
        return tenant.locale
    locales = current_app.config["LMS_LOCALES"]
    if has_request_context():
        best = request.accept_languages.best_match(locales)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


@contextmanager
def tenant_locale(tenant_id: int | None = None) -> Iterator[None]:
    """Render text for a tenant's people in the tenant's language (the current tenant's by default).

    A job or a CLI command has no request to pick a locale from, and a platform admin may
    act on another tenant than the one their page speaks for: text written for a tenant's
    people (notifications, their mail, certificates) is rendered inside this block, so it
    never keeps whichever locale happened to be active (issue 11, item 6).
    """
    tenant = db.session.get(Tenant, current_tenant_id() if tenant_id is None else tenant_id)
    with force_locale(tenant.locale):
        yield


def select_timezone() -> str:
    """Dates are shown in the tenant's time zone (Tenant.timezone), UTC without a tenant."""
    tenant = g.get("tenant")
    return tenant.timezone if tenant is not None else "UTC"


def inject_locale() -> dict[str, str]:
    """Templates read ``current_locale`` for ``<html lang>`` and date formats."""
    from flask_babel import get_locale

    return {"current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])}


def _labels() -> dict[enum.Enum, LazyString]:
    return {
        Difficulty.BEGINNER: _l("Beginner"),
        Difficulty.INTERMEDIATE: _l("Intermediate"),
        Difficulty.ADVANCED: _l("Advanced"),
        TenantRole.OWNER: _l("Owner"),
        TenantRole.SUPER_ADMIN: _l("Super admin"),
        TenantRole.ADMIN: _l("Administrator"),
        TenantRole.HR: _l("HR"),
        TenantRole.EMPLOYEE: _l("Employee"),
        TenantRole.VIEWER: _l("Viewer"),
        Permission.MANAGE_ALL_MODULES: _l("Manage all modules"),
        Permission.MANAGE_OWN_MODULES: _l("Manage own modules"),
        Permission.VIEW_ALL_PROGRESS: _l("View everyone's progress"),
        Permission.VIEW_GROUP_PROGRESS: _l("View group progress"),
        Permission.MANAGE_USERS: _l("Manage people"),
        Permission.MANAGE_GROUPS: _l("Manage groups"),
        Permission.MANAGE_QUIZZES: _l("Manage quizzes"),
        Permission.OVERRIDE_PROGRESS: _l("Override progress"),
        Permission.VIEW_ANALYTICS: _l("View analytics"),
        Permission.VIEW_AUDIT_LOG: _l("View the audit log"),
        Permission.EXPORT_REPORTS: _l("Export reports"),
        Permission.MANAGE_REWARDS: _l("Manage rewards"),
        Permission.VIEW_MANAGER_DASHBOARD: _l("View the manager dashboard"),
        Permission.MANAGE_SUGGESTIONS: _l("Manage suggestions"),
        ModuleStatus.DRAFT: _l("Draft"),
        ModuleStatus.PUBLISHED: _l("Published"),
        ModuleStatus.ARCHIVED: _l("Archived"),
        SectionType.TEXT: _l("Text"),
        SectionType.VIDEO: _l("Video"),
        SectionType.ATTACHMENT: _l("Attachments"),
        SectionType.MIXED: _l("Mixed"),
        VideoSourceType.YOUTUBE_VIMEO_URL: _l("YouTube or Vimeo link"),
        VideoSourceType.UPLOAD: _l("Uploaded video"),
        VideoSourceType.CLOUDFLARE_STREAM: _l("Cloudflare Stream id"),
        VideoSourceType.TARGETVIDEO: _l("TargetVideo id"),
        QuestionType.SINGLE_CHOICE: _l("Single choice"),
        QuestionType.MULTIPLE_CHOICE: _l("Multiple choice"),
        QuestionType.TRUE_FALSE: _l("True / false"),
        ReputationRank.VAJENEC: _l("Apprentice"),
        ReputationRank.POMOCNIK: _l("Journeyman"),
        ReputationRank.MOJSTER: _l("Master"),
        ReputationRank.MENTOR: _l("Mentor"),
        XpSourceType.MODULE_COMPLETED: _l("Module completed"),
        XpSourceType.QUIZ_HIGH_SCORE: _l("Quiz high score"),
        XpSourceType.MENTOR_CONFIRMATION: _l("Answer confirmed by a mentor"),
        XpSourceType.TOP_SUGGESTION: _l("Suggestion accepted"),
        XpSourceType.COMPLIANCE_RENEWAL: _l("Compliance renewal"),
        XpSourceType.MANUAL: _l("Manual adjustment"),
        RedemptionStatus.PENDING: _l("Waiting for approval"),
        RedemptionStatus.APPROVED: _l("Approved"),
        RedemptionStatus.REJECTED: _l("Rejected"),
        RedemptionStatus.CANCELLED: _l("Cancelled"),
        SuggestionStatus.OPEN: _l("Open"),
        SuggestionStatus.APPROVED: _l("Approved"),
        SuggestionStatus.REJECTED: _l("Rejected"),
        SuggestionStatus.CONVERTED: _l("Converted to a module"),
    }


LABELS = _labels()


def label(value: enum.Enum) -> str:
    """The translated name of an enum value shown to people; its code name when none is set."""
    text = LABELS.get(value)
    return str(text) if text is not None else value.name.replace("_", " ").capitalize()
