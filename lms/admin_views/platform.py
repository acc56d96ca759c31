"""Platform: tenants and the platform changelog, for platform staff (DESIGN.md: roles).

These tables are the platform's own, not any company's: Tenant is the scope itself and
ChangelogEntry is written once for every company. Neither is tenant-scoped, so their
views are ``PlatformModelView``s, open to global OWNER and SUPER_ADMIN users only, and
their audit rows belong to the platform rather than to a company.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_admin import BaseView
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import Regexp

from lms.admin_views import CATEGORIES
from lms.admin_views.base import PlatformModelView, TenantModelView
from lms.admin_views.forms import LANGUAGES
from lms.extensions import db
from lms.models import ChangelogEntry, Tenant
from lms.models.enums import AuditAction, TenantPlan
from lms.models.types import utcnow
from lms.services.plans import PlanLimitReached, check_plan_change
from lms.services.tenants import SLUG_PATTERN, timezones


class TenantView(PlatformModelView):
    """Companies: create, rename, change plan, switch off. No delete: a company's history is
    kept, and deactivating it signs its members out at their next request.

    A new company has no members; staff open it (support access) and invite its owner.
    """

    allow_delete = False
    audit_actions: ClassVar[dict[str, AuditAction]] = {
        **TenantModelView.audit_actions,
        "create": AuditAction.TENANT_CREATED,
        "update": AuditAction.TENANT_UPDATED,
    }
    column_list = ("slug", "name", "plan", "locale", "theme", "is_active", "created_at")
    column_labels: ClassVar[dict[str, Any]] = {
        "slug": _l("Slug"),
        "plan": _l("Plan"),
        "locale": _l("Language"),
        "theme": _l("Theme"),
        "timezone": _l("Time zone"),
    }
    column_searchable_list = ("slug", "name")
    column_filters = ("plan", "is_active")
    column_default_sort = ("created_at", True)
    form_columns = ("slug", "name", "plan", "locale", "theme", "timezone", "is_active")
    form_choices: ClassVar[dict[str, Any]] = {
        "locale": LANGUAGES,
        "timezone": [(zone, zone) for zone in timezones()],
    }
    # Flask-Admin adds a uniqueness check of its own for the unique slug column.
    form_args: ClassVar[dict[str, Any]] = {
        "slug": {
            "validators": [
                Regexp(SLUG_PATTERN, message=_l("Use lowercase letters, digits and dashes, e.g. acme-d-o-o.")),
            ],
        },
    }

    def update_model(self, form: Any, model: Tenant) -> Any:
        """A plan changes only past the plan rule (``plans.check_plan_change``): a downgrade below the
        company's usage is an error on the plan field, and nothing is saved."""
        try:
            check_plan_change(model, TenantPlan[form.plan.data])
        except PlanLimitReached as error:
            db.session.rollback()
            form.plan.errors = [*form.plan.errors, str(error)]
            return False
        return super().update_model(form, model)


class PublishedField(BooleanField):
    """A "published" checkbox over a publication time (``published_at``; null is a draft).

    Ticking it publishes the entry now, or keeps the time it was first published; clearing
    it takes the entry back to a draft. Flask-Admin cannot scaffold a ``UtcDateTime``
    column, and staff have no time to type: "now" is the one they mean.
    """

    def process_data(self, value: Any) -> None:
        self.data = value not in (None, False)

    def populate_obj(self, obj: Any, name: str) -> None:
        setattr(obj, name, (getattr(obj, name) or utcnow()) if self.data else None)


class ChangelogEntryView(PlatformModelView):
    """What is new on the platform, shown to every company (``/updates``) once published."""

    column_list = ("version", "title", "published_at", "created_at")
    column_labels: ClassVar[dict[str, Any]] = {"summary": _l("Summary"), "body": _l("Text")}
    column_searchable_list = ("version", "title")
    column_default_sort = ("created_at", True)
    form_columns = ("version", "title", "summary", "body", "published_at")
    form_extra_fields: ClassVar[dict[str, Any]] = {
        "published_at": PublishedField(
            _l("Published"),
            default=True,
            description=_l("Shown on What's new to every company; clear it to keep a draft."),
        ),
    }


def views() -> list[BaseView]:
    platform = CATEGORIES["platform"]
    return [
        TenantView(Tenant, name=_l("Companies"), category=platform, endpoint="tenants"),
        ChangelogEntryView(ChangelogEntry, name=_l("Changelog"), category=platform, endpoint="changelog"),
    ]
