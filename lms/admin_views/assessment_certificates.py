"""Assessment: progress overrides and certificates (issue 6, item 2).

An override (OVERRIDE_PROGRESS) is history, never edited or deleted: a learner, a module,
a required reason and whether it earns a certificate. Saving it is audited as
PROGRESS_OVERRIDDEN, tells the learner (PROGRESS_OVERRIDE) and is progress like any
other: ``completion.record_override`` evaluates the completion rule in the same
transaction. Certificates are listed for VIEW_ALL_PROGRESS, filtered by status, module
and learner; revoking (with a reason, audited), re-sending and regenerating the PDF need
OVERRIDE_PROGRESS, and keep the code and issue date.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla import filters
from flask_admin.helpers import get_form_data, get_redirect_target, validate_form_on_submit
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView, user_passes
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import AdminForm, required_text
from lms.admin_views.loaders import MemberLoader, ModuleLoader, with_people
from lms.errors import LmsError
from lms.extensions import db
from lms.models import Certificate, Module, ProgressOverride
from lms.models.enums import AuditAction, Permission
from lms.models.types import utcnow
from lms.services import certificates, completion

_REASON_REQUIRED = _l("Give a reason.")


class ProgressOverrideView(TenantModelView):
    """Mark a module completed for a learner, with a reason; optionally with a certificate."""

    permission = Permission.OVERRIDE_PROGRESS
    scope_user = "user_id"
    allow_edit = False
    allow_delete = False
    audit_actions: ClassVar = {
        "create": AuditAction.PROGRESS_OVERRIDDEN,
        "update": AuditAction.PROGRESS_OVERRIDDEN,
        "delete": AuditAction.RECORD_DELETED,
    }
    column_list = (
        "user.name",
        "user.email",
        "module.title",
        "reason",
        "allow_certificate",
        "override_by",
        "created_at",
    )
    column_details_list = column_list
    column_labels: ClassVar = {
        "allow_certificate": _l("Certificate"),
        "override_by": _l("By"),
        "created_at": _l("When"),
    }
    column_filters = ("module.title", "user.email", "allow_certificate")
    column_sortable_list = ("created_at", "allow_certificate")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    form_columns = ("user", "module", "reason", "allow_certificate")
    form_ajax_refs: ClassVar = {
        "user": MemberLoader("user", within=Permission.OVERRIDE_PROGRESS),
        "module": ModuleLoader("module", published_only=True),
    }
    form_args: ClassVar = {
        "user": {"validators": [InputRequired()]},
        "module": {"validators": [InputRequired()]},
        "reason": required_text(_REASON_REQUIRED, _l("Kept with the override and in the audit log.")),
        "allow_certificate": {
            "description": _l("The module counts as completed and the learner gets a certificate."),
        },
    }

    def get_query(self) -> Query[ProgressOverride]:
        return (
            super()
            .get_query()
            .options(
                *with_people(ProgressOverride.user, ProgressOverride.override_by),
                selectinload(ProgressOverride.module).load_only(Module.title),
            )
        )

    def on_model_change(self, form: Any, model: ProgressOverride, is_created: bool) -> None:
        model.override_by_id = current_user.id
        super().on_model_change(form, model, is_created)
        completed = completion.record_override(model)
        if completed:
            flash(_("The module is completed for this learner; the certificate is on its way."), "success")


# --- Certificates -------------------------------------------------------------------------


class StatusFilter(filters.FilterEqual):
    """Valid / renewal due / expired / revoked, as ``certificates.status_clause`` says now."""

    def __init__(self, name: Any) -> None:
        super().__init__(
            Certificate.id,
            name,
            options=[(status.value, label) for status, label in certificates.STATUS_LABELS.items()],
        )

    def apply(self, query: Any, value: Any, alias: Any = None) -> Any:
        return query.filter(certificates.status_clause(utcnow()) == value)


class RevokeForm(AdminForm):
    reason = TextAreaField(
        _l("Reason"),
        **required_text(
            _REASON_REQUIRED,
            _l("The learner's certificate stops being valid at once; the verification page says revoked."),
        ),
    )


def _status(view: Any, context: Any, model: Certificate, name: str) -> str:
    renewed = g.get("renewed_certificates")
    if renewed is None:
        renewed = set(
            db.session.scalars(
                sa.select(Certificate.previous_certificate_id).where(Certificate.previous_certificate_id == model.id)
            )
        )
    return str(certificates.STATUS_LABELS[certificates.status_of(model, utcnow(), renewed=model.id in renewed)])


def _evidence(view: Any, context: Any, model: Certificate, name: str) -> str:
    """What earned the certificate (issue 13, item 7): the passing attempt or the override."""
    attempt, override = model.quiz_attempt, model.progress_override
    if attempt is not None:
        return _(
            "Quiz passed with %(score)d %% (attempt %(number)d)",
            score=round(attempt.score or 0),
            number=attempt.attempt_number,
        )
    if override is not None:
        return _("Progress override: %(reason)s", reason=override.reason)
    return _("Sections completed; no quiz attempt or override recorded")


def _may_change() -> bool:
    return user_passes(Permission.OVERRIDE_PROGRESS)


class CertificateView(TenantModelView):
    """Every certificate of the company: list, details and a CSV export; revoke, re-send, regenerate."""

    permission = Permission.VIEW_ALL_PROGRESS
    scope_user = "user_id"
    allow_create = False
    allow_edit = False
    allow_delete = False
    allow_export = True
    simple_list_pager = True
    column_list = (
        "user.name",
        "user.email",
        "module.title",
        "status",
        "unique_code",
        "completed_at",
        "issued_at",
        "expires_at",
        "revoked_at",
    )
    column_details_list = (*column_list, "revoked_reason", "module_version", "evidence", "previous_certificate")
    column_labels: ClassVar = {
        "unique_code": _l("Code"),
        "completed_at": _l("Completed"),
        "issued_at": _l("Issued"),
        "expires_at": _l("Valid until"),
        "revoked_at": _l("Revoked"),
        "revoked_reason": _l("Reason for revoking"),
        "module_version": _l("Module version"),
        "evidence": _l("Earned by"),
        "previous_certificate": _l("Renews"),
    }
    column_formatters: ClassVar = {"status": _status}
    column_formatters_detail: ClassVar = {**column_formatters, "evidence": _evidence}
    column_filters = (
        StatusFilter(_l("Status")),
        "module.title",
        "user.email",
        "unique_code",
        *time_filters(Certificate.issued_at, _l("Issued")),
    )
    column_sortable_list = ("completed_at", "issued_at", "expires_at", "revoked_at")
    column_default_sort = ("issued_at", True)
    column_auto_select_related = False
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-ban", ".revoke_view", title=_l("Revoke")),
    ]

    def get_query(self) -> Query[Certificate]:
        return (
            super()
            .get_query()
            .options(*with_people(Certificate.user), selectinload(Certificate.module).load_only(Module.title))
        )

    def prepare_rows(self, rows: list[Certificate]) -> None:
        """Which of the shown (or exported) rows were renewed, in one query, for their status."""
        ids = [row.id for row in rows]
        g.renewed_certificates = set(
            db.session.scalars(
                sa.select(Certificate.previous_certificate_id).where(Certificate.previous_certificate_id.in_(ids))
            )
        )

    def is_action_allowed(self, name: str) -> bool:
        if name in ("resend", "regenerate"):
            return _may_change()
        return super().is_action_allowed(name)

    @action("resend", _l("Send again"), _l("Email the selected certificates to their holders again?"))
    def action_resend(self, ids: Sequence[str]) -> None:
        count = self._each(ids, certificates.resend)
        if count is not None:
            flash(
                ngettext("%(num)d certificate is sent again.", "%(num)d certificates are sent again.", count), "success"
            )

    @action("regenerate", _l("Regenerate PDF"), _l("Render the PDF of the selected certificates again?"))
    def action_regenerate(self, ids: Sequence[str]) -> None:
        count = self._each(ids, certificates.regenerate)
        if count is not None:
            flash(
                ngettext("%(num)d PDF is being regenerated.", "%(num)d PDFs are being regenerated.", count), "success"
            )

    def _each(self, ids: Sequence[str], change: Callable[[Certificate], None]) -> int | None:
        """All or nothing: one refusal (a revoked certificate cannot be sent) is flashed and changes nothing."""
        if not _may_change():
            abort(403)
        changed = self.change_all(
            self.rows_of(ids, self.narrow(self.get_query(), Permission.OVERRIDE_PROGRESS)), change
        )
        return None if changed is None else len(changed)

    @expose("/revoke/", methods=("GET", "POST"))
    def revoke_view(self) -> Response | str | tuple[str, int]:
        """Revoke one certificate with a reason; the row, its code and its PDF stay as history."""
        if not _may_change():
            abort(403)
        certificate = self.get_one(request.args.get("id", ""))
        if not self.within_reach(certificate, Permission.OVERRIDE_PROGRESS):
            abort(404)
        form = RevokeForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if validate_form_on_submit(form):
            try:
                certificates.revoke(certificate, form.reason.data)
            except LmsError as error:
                db.session.rollback()
                form.reason.errors = [str(error)]
            else:
                db.session.commit()
                flash(_("Certificate %(code)s is revoked.", code=certificate.unique_code), "success")
                return redirect(return_url)
        status = 400 if form.errors else 200
        return self.render(
            "admin/assessment/revoke_certificate.html", certificate=certificate, form=form, return_url=return_url
        ), status


def views() -> list[TenantModelView]:
    category = CATEGORIES["assessment"]
    return [
        ProgressOverrideView(
            ProgressOverride, name=_l("Progress overrides"), category=category, endpoint="progress_overrides"
        ),
        CertificateView(Certificate, name=_l("Certificates"), category=category, endpoint="certificates"),
    ]
