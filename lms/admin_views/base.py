"""The admin base: permissions per view and action, tenant rows only, audited writes.

``TenantModelView`` is the one way to put a tenant-owned table in the admin
(DESIGN.md: tenancy, roles; issue 4):
- access: ``permission`` (a Permission, or a callable of the role and permission set)
  for the view, and per action in ``action_permissions`` (list, create, edit, delete,
  export); anonymous users go to the sign-in page, the rest get 403;
- scoping comes from ``lms.tenancy``'s hook; a row id of another tenant is a 404;
- every create, update and delete writes AuditLog with the changed fields, in the same
  transaction as the change;
- ``tenant_id`` never appears; page sizes are capped; exports are bounded.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.model import typefmt
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS, label
from lms.models import Membership, User
from lms.models.enums import AuditAction, Permission, TenantRole
from lms.permissions import is_platform_staff
from lms.services.audit import audit
from lms.tenancy import set_tenant

Rule = Permission | Callable[[TenantRole | None, frozenset[Permission]], bool] | None

_VIEW_ACTIONS = {
    "index_view": "list",
    "details_view": "list",
    "ajax_lookup": "list",
    "create_view": "create",
    "edit_view": "edit",
    "ajax_update": "edit",
    "delete_view": "delete",
    "export": "export",
}
_NEVER_AUDITED = {"created_at", "updated_at", "password_hash"}


def allowed(rule: Rule) -> bool:
    """Does the request's user pass ``rule`` in the request's tenant?"""
    if not current_user.is_authenticated or g.get("tenant") is None:
        return False
    if rule is None:
        return True
    if isinstance(rule, Permission):
        return rule in g.permissions
    return rule(g.role, g.permissions)


def changed_fields(model: Any, created: bool) -> dict[str, Any]:
    """The columns a write changed, new values only; secrets and timestamps left out."""
    state = inspect(model)
    changes: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _NEVER_AUDITED or attr.key == "tenant_id":
            continue
        history = state.attrs[attr.key].history
        if created or history.has_changes():
            value = getattr(model, attr.key)
            if created and value is None:
                continue
            changes[attr.key] = value
    return changes


def enum_choices(enum_cls: type[enum.Enum]) -> list[tuple[str, Any]]:
    """Select choices of an enum: member names as values, translated labels (``lms.i18n.LABELS``)."""
    return [(member.name, LABELS[member]) for member in enum_cls]


def enum_coerce(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    """Form values are member names; the model and the services get members."""

    def coerce(value: Any) -> Any:
        if value is None or isinstance(value, enum_cls):
            return value
        try:
            return enum_cls[value]
        except KeyError:
            raise ValueError(value) from None

    return coerce


def label_formatter(view: Any, context: Any, model: Any, name: str) -> Any:
    """A list/detail column showing an enum's translated label."""
    value = getattr(model, name)
    return label(value) if isinstance(value, enum.Enum) else value


def prefill(form: Any, field: str, model: type, argument: str) -> None:
    """Preselect a relation from the query string (``?group_id=3``) when a create form opens.

    The lookup is scoped like every query, so another tenant's id selects nothing.
    """
    row_id = request.args.get(argument, type=int)
    if request.method == "GET" and row_id is not None:
        getattr(form, field).data = db.session.get(model, row_id)


class TenantAjaxLoader(QueryAjaxModelLoader):
    """An ajax picker whose choices and posted ids both go through ``get_query``.

    The scoping hook keeps tenant-owned targets to the tenant; subclasses narrow further
    (published modules, members). A posted id outside the query is "not a valid choice",
    never a link to another tenant's row. Lists are capped, whatever the browser asks.
    """

    limit = 50

    def __init__(self, name: str, model: type, fields: list[str], order_by: Any) -> None:
        super().__init__(name, db, model, fields=fields, order_by=order_by)

    def get_one(self, pk: Any) -> Any:
        if not str(pk).isdigit():
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(self.model.id == int(pk)).one_or_none()

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> list[Any]:
        return super().get_list(term, offset, min(limit, self.limit))


class MemberLoader(TenantAjaxLoader):
    """Users are global: only active members of the current tenant can be chosen."""

    def __init__(self, name: str) -> None:
        super().__init__(name, User, fields=["name", "email"], order_by=User.name)

    def get_query(self) -> Any:
        return super().get_query().join(Membership, Membership.user_id == User.id).filter(Membership.is_active)


class AccessMixin:
    """Flask-Admin access control from ``lms.permissions``; the same for model and custom views."""

    permission: Rule = None

    def is_accessible(self) -> bool:
        return allowed(self.permission)

    def is_visible(self) -> bool:
        return self.is_accessible()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if g.get("tenant") is None and not is_platform_staff(current_user):
            return redirect(url_for("auth.choose_tenant", next=request.full_path))
        abort(403)


class TenantModelView(AccessMixin, ModelView):
    """A model view of a tenant-owned table; subclasses set ``permission`` and columns."""

    action_permissions: ClassVar[dict[str, Rule]] = {}
    allow_create = True
    allow_edit = True
    allow_delete = True
    allow_export = False
    audit_entity: str | None = None
    # The AuditAction of a create, an update and a delete: a view whose writes have an
    # action of their own (GROUP_CREATED, PERMISSION_GRANTED...) names it here.
    audit_actions: ClassVar[dict[str, AuditAction]] = {
        "create": AuditAction.RECORD_CREATED,
        "update": AuditAction.RECORD_UPDATED,
        "delete": AuditAction.RECORD_DELETED,
    }

    column_type_formatters: ClassVar = {
        **typefmt.BASE_FORMATTERS,
        datetime: lambda view, value, name: format_datetime(value, "short"),
    }
    column_type_formatters_detail: ClassVar = column_type_formatters
    can_view_details = True
    can_set_page_size = False
    page_size = 50
    export_max_rows = 10_000
    form_excluded_columns = ("tenant", "tenant_id", "created_at", "updated_at")
    column_exclude_list = ("tenant", "tenant_id", "updated_at")
    column_details_exclude_list = ("tenant", "tenant_id")
    column_export_exclude_list = ("tenant", "tenant_id")

    def __init__(self, model: type, *args: Any, **kwargs: Any) -> None:
        super().__init__(model, db, *args, **kwargs)

    def may(self, action: str) -> bool:
        rule = self.action_permissions.get(action, self.permission)
        if action == "export" and not allowed(Permission.EXPORT_REPORTS):
            return False
        return allowed(self.permission) and allowed(rule)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allow_create and self.may("create")

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allow_edit and self.may("edit")

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allow_delete and self.may("delete")

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allow_export and self.may("export")

    def _handle_view(self, name: str, **kwargs: Any) -> Response | None:
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        action = _VIEW_ACTIONS.get(name)
        if name == "action_view" and request.form.get("action") == "delete":
            action = "delete"
        if action is not None and action != "list" and not getattr(self, f"can_{action}"):
            abort(403)
        return None

    def get_one(self, id: Any) -> Any:
        """Another tenant's row (or none at all) is a 404, not a redirect with a flash."""
        model = super().get_one(id)
        if model is None:
            abort(404)
        return model

    def handle_view_exception(self, exc: Exception) -> bool:
        """Domain errors and constraint violations become a clear message, never a 500."""
        if isinstance(exc, LmsError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("This conflicts with an existing record (a duplicate or a record still in use)."), "error")
            return True
        return super().handle_view_exception(exc)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        changes = changed_fields(model, is_created)
        db.session.flush()
        action = self.audit_actions["create" if is_created else "update"]
        audit(action, model, entity_type=self.audit_entity, changes=changes)

    def on_model_delete(self, model: Any) -> None:
        audit(self.audit_actions["delete"], model, entity_type=self.audit_entity, record=str(model))


class PlatformModelView(TenantModelView):
    """Platform-wide tables (tenants, changelog) for platform staff; no tenant needed."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and is_platform_staff(current_user)

    def may(self, action: str) -> bool:
        return self.is_accessible()

    def _handle_view(self, name: str, **kwargs: Any) -> Response | None:
        """Platform screens act for no tenant, even when the staff member has one chosen: their
        audit rows are platform events (tenant_id NULL, see AuditLog), and a stray query of a
        tenant-owned table here fails closed instead of reading that tenant."""
        set_tenant(None)
        return super()._handle_view(name, **kwargs)


class AdminHome(AccessMixin, AdminIndexView):
    """/admin/: the menu by category, and for platform staff the platform screens."""

    def is_accessible(self) -> bool:
        if not current_user.is_authenticated:
            return False
        return (
            bool(g.get("permissions"))
            or g.get("role") in (TenantRole.OWNER, TenantRole.SUPER_ADMIN)
            or (is_platform_staff(current_user))
        )

    @expose("/")
    def index(self) -> str:
        return self.render("admin/home.html")
