"""Platform: tenants and the platform changelog, for platform staff (DESIGN.md: roles).

These tables are the platform's own, not any company's: Tenant is the scope itself and
ChangelogEntry is written once for every company. Neither is tenant-scoped, so their
views are ``PlatformModelView``s, open to global OWNER and SUPER_ADMIN users only, and
their audit rows belong to the platform rather than to a company.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, session, url_for
from flask_admin import BaseView, expose
from flask_admin.model.template import BaseListRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from lms.admin_views import CATEGORIES
from lms.admin_views.base import PlatformModelView, TenantModelView
from lms.admin_views.forms import LANGUAGES, stripped
from lms.admin_views.rich_text import RichTextField, RichTextMixin, rich_text_formatter
from lms.auth.context import TENANT_KEY, enter
from lms.extensions import db
from lms.forms import LmsForm
from lms.models import ChangelogEntry, Tenant
from lms.models.enums import AuditAction
from lms.models.types import utcnow
from lms.services import support_access
from lms.services.plans import PlanLimitReached, check_plan_change
from lms.services.tenants import SLUG_PATTERN, timezones


class EnterCompanyForm(LmsForm):
    reason = TextAreaField(
        _l("Reason"),
        filters=[stripped],
        validators=[Optional(), Length(max=support_access.MAX_REASON)],
        description=_l("Optional, e.g. the support request you are answering. The company sees it in its audit log."),
    )


class EnterRowAction(BaseListRowAction):
    """Each active company's "Enter company" button on the list: words, not an icon, so staff find it."""

    def render(self, context: Any, row_id: Any, row: Tenant) -> Any:
        if not row.is_active:
            return ""
        url = self._resolve_symbol(context, "get_url")(".enter_view", id=row_id)
        return Markup('<a class="btn btn-sm btn-outline-primary ml-1 lms-enter-company" href="{}">{}</a>').format(
            url, self.title
        )


class TenantView(PlatformModelView):
    """Companies: create, rename, change plan, switch off. No delete: a company's history is
    kept, and deactivating it signs its members out at their next request.

    A new company has no members; staff open it (support access: "Enter company", which
    ``services.support_access`` writes to that company's audit log) and invite its owner.
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
    column_extra_row_actions: ClassVar[list[BaseListRowAction]] = [EnterRowAction(title=_l("Enter company"))]
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
            check_plan_change(model, form.plan.data)
        except PlanLimitReached as error:
            db.session.rollback()
            form.plan.errors = [*form.plan.errors, str(error)]
            return False
        return super().update_model(form, model)

    @expose("/enter/", methods=("GET", "POST"))
    def enter_view(self) -> str | Response:
        """Support access (issue 14, item 6): the company becomes the session's, as SUPER_ADMIN, with
        the visit written to its audit log; a company that is not there or switched off is a 404."""
        company = self.get_one(request.args.get("id"))
        if not company.is_active:
            abort(404)
        form = EnterCompanyForm()
        if form.validate_on_submit():
            try:
                access = support_access.enter(current_user, company.id, form.reason.data, leaving=g.get("tenant"))
            except support_access.NoSuchCompany:
                abort(404)
            enter(access)
            db.session.commit()
            flash(_("You are in %(company)s as platform support.", company=company.name), "info")
            return redirect(url_for("admin.index"))
        return self.render("admin/platform/enter.html", form=form, company=company)

    @expose("/leave/", methods=("POST",))
    def leave_view(self) -> Response:
        """Ends a support visit (audited in the company), back to the company list; anything else
        (no company chosen, or one the staff member belongs to) leaves the session as it is."""
        company = g.get("tenant")
        if company is not None and support_access.leave(current_user, company):
            session.pop(TENANT_KEY, None)
            db.session.commit()
            flash(_("You left %(company)s.", company=company.name), "info")
        return redirect(self.get_url(".index_view"))


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


class ChangelogEntryView(RichTextMixin, PlatformModelView):
    """What is new on the platform, shown to every company (``/updates``) once published."""

    column_list = ("version", "title", "published_at", "created_at")
    column_labels: ClassVar[dict[str, Any]] = {"summary": _l("Summary"), "body": _l("Text")}
    column_searchable_list = ("version", "title")
    column_default_sort = ("created_at", True)
    form_columns = ("version", "title", "summary", "body", "published_at")
    form_overrides: ClassVar[dict[str, Any]] = {"body": RichTextField}
    column_formatters_detail: ClassVar[dict[str, Any]] = {"body": rich_text_formatter}
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
