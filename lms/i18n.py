"""Locale selection: the tenant's locale wins, then the browser's, then the default (sl or en);
and the tenant's locale for text rendered outside the tenant's own requests (``tenant_locale``);
and the template's ``_()``, which looks the catalog up once per page (``install_template_gettext``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import get_day_names, get_month_names
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from lms.extensions import db
from lms.models import Tenant
from lms.models.enums import (
    AiBuildSourceType,
    AiBuildStatus,
    AttachmentType,
    AuditAction,
    ChatMessageType,
    Difficulty,
    EmailFrequency,
    EmailTokenType,
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    ModuleStatus,
    NotificationType,
    Permission,
    QuestionType,
    RadarPostStatus,
    RedemptionStatus,
    ReputationRank,
    Role,
    SectionType,
    SuggestionStatus,
    TenantPlan,
    TenantRole,
    TenantTheme,
    VideoSourceType,
    VideoStatus,
    XpSourceType,
)
from lms.tenancy import current_tenant_id

# Flask-Admin's own strings (List, Save, Add Filter...) live in its ``admin`` translation domain,
# and Flask-Admin ships no Slovenian catalog. Ours is in this directory, compiled and committed
# next to its .po as ``lms/translations`` is (README: Translations). It is handed to the Admin
# as ``translations_path``: Flask-Admin's own domain (``flask_admin.babel.CustomDomain``) then
# reads this directory before its bundled one for every string of an admin view, so its
# templates, filters, flashes and widgets all speak Slovenian without a template or a string of
# Flask-Admin copied or monkeypatched. That domain caches a catalog per locale and only looks
# here while an admin view handles the request; only admin views render Flask-Admin's strings.
ADMIN_TRANSLATIONS = Path(__file__).resolve().parent / "translations_admin"


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


# The context variable holding the catalog of the page being rendered (``inject_locale``).
TEMPLATE_CATALOG = "lms_catalog"


def inject_locale() -> dict[str, Any]:
    """Templates read ``current_locale`` for ``<html lang>`` and date formats, and ``_()`` the
    catalog, looked up here once for the whole page (``install_template_gettext``)."""
    return {
        "current_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"]),
        TEMPLATE_CATALOG: get_translations(),
    }


def _catalog(context: Context) -> Any:
    catalog = context.get(TEMPLATE_CATALOG)
    return get_translations() if catalog is None else catalog


def _formatted(context: Context, text: str, variables: dict[str, Any]) -> str:
    """Jinja's new-style gettext result: marked safe under autoescape, then ``%``-formatted
    (``jinja2.ext._make_new_gettext``); text with no ``%`` and no variables is its own result."""
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 - our catalog, trusted as Jinja trusts it
    return text % variables if variables or "%" in text else text


@pass_context
def _template_gettext(context: Context, string: str, **variables: Any) -> str:
    return _formatted(context, _catalog(context).ugettext(string), variables)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _formatted(context, _catalog(context).ungettext(singular, plural, num), variables)


@pass_context
def _template_pgettext(context: Context, message_context: str, string: str, **variables: Any) -> str:
    variables.setdefault("context", message_context)
    return _formatted(context, _catalog(context).upgettext(message_context, string), variables)


@pass_context
def _template_npgettext(
    context: Context, message_context: str, singular: str, plural: str, num: int, **variables: Any
) -> str:
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return _formatted(context, _catalog(context).unpgettext(message_context, singular, plural, num), variables)


def install_template_gettext(app: Flask) -> None:
    """``_()`` in a template reads the catalog ``inject_locale`` put in the page's context.

    Flask-Babel's template callables look the catalog up on every call, through the
    request's locale and domain, and Jinja wraps them twice more (``_`` calls ``gettext``,
    which calls Flask-Babel's): about a hundred Python calls per label, a fifth of a cheap
    learner page (issue 12, item 1). The catalog cannot change while one template renders
    (``force_locale`` wraps a whole ``render_template``, and the context processor runs
    inside it), so once per page gives the same text; these functions do in one call what
    Jinja's new-style gettext does (Flask-Babel installs new-style: translations are marked
    safe, then ``%``-formatted with the keyword arguments). A template rendered without our
    context processors (a macro imported without context) falls back to Flask-Babel's lookup.
    """
    app.jinja_env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def picker_words() -> dict[str, Any]:
    """The words of Flask-Admin's pickers in the request's language: Select2 3.5 ("No matches
    found", "Searching…") and the date-range picker (Apply, month and day names) are English
    only and take their words from script, so the admin base page hands these over as JSON
    (``static/js/admin-pickers.js``; issue 14, item 4)."""
    locale = get_locale() or Locale.parse(current_app.config["BABEL_DEFAULT_LOCALE"])
    days = get_day_names("abbreviated", locale=locale)
    months = get_month_names("abbreviated", locale=locale)
    return {
        "select2": {
            "matches": _("Results are available; choose one with the up and down arrow keys."),
            "noMatches": _("Nothing found"),
            "ajaxError": _("Loading failed"),
            "inputTooShort": _("Keep typing to search"),
            "inputTooLong": _("The text is too long"),
            "selectionTooBig": _("No more can be chosen"),
            "loadMore": _("Loading more results…"),
            "searching": _("Searching…"),
        },
        "dates": {
            "applyLabel": _("Apply"),
            "cancelLabel": _("Cancel"),
            "fromLabel": _("From"),
            "toLabel": _("To"),
            "weekLabel": _("Wk"),
            "customRangeLabel": _("Custom range"),
            # Sunday first, as the picker counts; ``firstDay`` moves the locale's first day to the front.
            "daysOfWeek": [days[6], *(days[day] for day in range(6))],
            "monthNames": [months[month] for month in range(1, 13)],
            "firstDay": (locale.first_week_day + 1) % 7,
        },
    }


def _labels() -> dict[enum.Enum, LazyString]:
    """A label for every member of every enum of ``lms.models.enums``: whatever screen, export or
    filter shows a value, people read words in their language, never a code name such as
    ``SUPER_ADMIN`` (issue 14, item 4; ``tests/admin_views/test_slovenian_admin.py`` checks all are here)."""
    return {
        TenantTheme.DEFAULT: _l("Default"),
        TenantTheme.OCEAN: _l("Ocean"),
        TenantTheme.SUNSET: _l("Sunset"),
        TenantPlan.FREE: _l("Free"),
        TenantPlan.STARTER: _l("Starter"),
        TenantPlan.PRO: _l("Pro"),
        Role.OWNER: _l("Platform owner"),
        Role.SUPER_ADMIN: _l("Platform administrator"),
        Role.ADMIN: _l("Administrator"),
        Role.EMPLOYEE: _l("Employee"),
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
        VideoStatus.PENDING: _l("Processing"),
        VideoStatus.READY: _l("Ready"),
        VideoStatus.ERROR: _l("Error"),
        AttachmentType.PDF: _l("PDF"),
        AttachmentType.WORD: _l("Word"),
        AttachmentType.IMAGE: _l("Image"),
        AttachmentType.OTHER: _l("Other"),
        NotificationType.NEW_MODULE: _l("New module"),
        NotificationType.DEADLINE_REMINDER: _l("Deadline reminder"),
        NotificationType.QUIZ_RESULT: _l("Quiz result"),
        NotificationType.COMMENT_REPLY: _l("Reply to a comment"),
        NotificationType.CERTIFICATE_ISSUED: _l("Certificate issued"),
        NotificationType.PROGRESS_OVERRIDE: _l("Progress overridden"),
        NotificationType.MODULE_UPDATED: _l("Module updated"),
        NotificationType.SYSTEM: _l("System notice"),
        NotificationType.RADAR_APPROVED: _l("Radar post approved"),
        NotificationType.RADAR_REJECTED: _l("Radar post rejected"),
        NotificationType.NEW_KNOWLEDGE: _l("New knowledge"),
        NotificationType.XP_EARNED: _l("XP earned"),
        NotificationType.REWARD_APPROVED: _l("Reward approved"),
        NotificationType.REWARD_REJECTED: _l("Reward rejected"),
        NotificationType.SUGGESTION_POPULAR: _l("Popular suggestion"),
        NotificationType.SUGGESTION_STATUS_CHANGED: _l("Suggestion status changed"),
        NotificationType.MODULE_EXPIRING: _l("Certificate expiring"),
        NotificationType.MODULE_EXPIRED: _l("Certificate expired"),
        ChatMessageType.MESSAGE: _l("Message"),
        ChatMessageType.JOIN: _l("Joined"),
        ChatMessageType.SYSTEM: _l("System notice"),
        ChatMessageType.ACTION: _l("Action"),
        RadarPostStatus.PENDING: _l("Waiting for approval"),
        RadarPostStatus.APPROVED: _l("Approved"),
        RadarPostStatus.REJECTED: _l("Rejected"),
        RadarPostStatus.ARCHIVED: _l("Archived"),
        MediaAssetType.VIDEO: _l("Video"),
        MediaAssetType.DOCUMENT: _l("Document"),
        MediaAssetStatus.PROCESSING: _l("Processing"),
        MediaAssetStatus.READY: _l("Ready"),
        MediaAssetStatus.FAILED: _l("Failed"),
        MediaAssetStatus.DELETE_PENDING: _l("Waiting to be deleted"),
        MediaAssetStatus.DELETE_FAILED: _l("Deletion failed"),
        MediaProvider.CLOUDFLARE_STREAM: _l("Cloudflare Stream"),
        MediaProvider.VERCEL_BLOB: _l("Vercel Blob"),
        MediaProvider.LOCAL: _l("This server's disk"),
        MediaProvider.S3: _l("S3 bucket"),
        EmailTokenType.PASSWORD_RESET: _l("Password reset"),
        EmailTokenType.INVITE: _l("Invitation"),
        EmailFrequency.IMMEDIATE: _l("Immediately"),
        EmailFrequency.DAILY: _l("Daily digest"),
        EmailFrequency.WEEKLY: _l("Weekly digest"),
        EmailFrequency.OFF: _l("Never"),
        AiBuildSourceType.TEXT: _l("Text"),
        AiBuildSourceType.PDF: _l("PDF"),
        AiBuildSourceType.WORD: _l("Word"),
        AiBuildSourceType.URL: _l("URL"),
        AiBuildStatus.PENDING: _l("Waiting"),
        AiBuildStatus.EXTRACTING: _l("Reading the source"),
        AiBuildStatus.GENERATING: _l("Generating"),
        AiBuildStatus.READY: _l("Ready"),
        AiBuildStatus.FAILED: _l("Failed"),
        AiBuildStatus.APPLIED: _l("Applied"),
        AuditAction.USER_CREATED: _l("Person added"),
        AuditAction.USER_UPDATED: _l("Person changed"),
        AuditAction.USER_DEACTIVATED: _l("Person deactivated"),
        AuditAction.USER_REACTIVATED: _l("Person reactivated"),
        AuditAction.USER_INVITED: _l("Person invited"),
        AuditAction.USER_ROLE_CHANGED: _l("Role changed"),
        AuditAction.MEMBERSHIP_REMOVED: _l("Removed from the company"),
        AuditAction.LOGIN_SUCCEEDED: _l("Signed in"),
        AuditAction.LOGIN_FAILED: _l("Failed sign-in"),
        AuditAction.LOGOUT: _l("Signed out"),
        AuditAction.PASSWORD_RESET_REQUESTED: _l("Password reset requested"),
        AuditAction.PASSWORD_CHANGED: _l("Password changed"),
        AuditAction.PERMISSION_GRANTED: _l("Permission granted"),
        AuditAction.PERMISSION_REVOKED: _l("Permission revoked"),
        AuditAction.TENANT_CREATED: _l("Company created"),
        AuditAction.TENANT_UPDATED: _l("Company settings changed"),
        AuditAction.SUPPORT_ACCESS: _l("Support access"),
        AuditAction.RECORD_CREATED: _l("Record created"),
        AuditAction.RECORD_UPDATED: _l("Record changed"),
        AuditAction.RECORD_DELETED: _l("Record deleted"),
        AuditAction.GROUP_CREATED: _l("Group created"),
        AuditAction.GROUP_UPDATED: _l("Group changed"),
        AuditAction.GROUP_DELETED: _l("Group deleted"),
        AuditAction.GROUP_MEMBER_ADDED: _l("Added to a group"),
        AuditAction.GROUP_MEMBER_REMOVED: _l("Removed from a group"),
        AuditAction.MODULE_CREATED: _l("Module created"),
        AuditAction.MODULE_UPDATED: _l("Module changed"),
        AuditAction.MODULE_PUBLISHED: _l("Module published"),
        AuditAction.MODULE_ARCHIVED: _l("Module archived"),
        AuditAction.MODULE_DELETED: _l("Module deleted"),
        AuditAction.MODULE_VERSION_PUBLISHED: _l("New module version published"),
        AuditAction.MODULE_ASSIGNED: _l("Module assigned"),
        AuditAction.MODULE_UNASSIGNED: _l("Module unassigned"),
        AuditAction.QUIZ_UPDATED: _l("Quiz changed"),
        AuditAction.PROGRESS_OVERRIDDEN: _l("Progress overridden"),
        AuditAction.CERTIFICATE_REVOKED: _l("Certificate revoked"),
        AuditAction.ASSET_BULK_DELETED: _l("Media files deleted"),
        AuditAction.RADAR_POST_APPROVED: _l("Radar post approved"),
        AuditAction.RADAR_POST_REJECTED: _l("Radar post rejected"),
        AuditAction.XP_ADJUSTED: _l("XP adjusted"),
        AuditAction.REDEMPTION_APPROVED: _l("Reward redemption approved"),
        AuditAction.REDEMPTION_REJECTED: _l("Reward redemption rejected"),
        AuditAction.SUGGESTION_APPROVED: _l("Suggestion approved"),
        AuditAction.SUGGESTION_REJECTED: _l("Suggestion rejected"),
        AuditAction.SUGGESTION_CONVERTED: _l("Suggestion converted to a module"),
    }


LABELS = _labels()


def label(value: enum.Enum) -> str:
    """The translated name of an enum value shown to people; its code name when none is set."""
    text = LABELS.get(value)
    return str(text) if text is not None else value.name.replace("_", " ").capitalize()
