"""The admin base: permissions per view and action, tenant rows only, audited writes.

``TenantModelView`` is the one way to put a tenant-owned table in the admin
(DESIGN.md: tenancy, roles; issue 4):
- access: ``permission`` (a Permission, or a callable of the role and permission set)
  for the view, and per action in ``action_permissions`` (list, create, edit, delete,
  export); anonymous users go to the sign-in page, the rest get 403;
- scoping comes from ``lms.tenancy``'s hook; a row id of another tenant is a 404;
- a scoped grant narrows every list, count, detail, action, export and write of the view
  to the groups it names (``scope_user`` / ``scope_group``, through ``permissions.Reach``);
- every create, update and delete writes AuditLog with the changed fields, in the same
  transaction as the change;
- ``tenant_id`` never appears; page sizes are capped; exports are bounded;
- bad input is never a 500 (issue 10): an id that can name no row is a 404 (``row_key``),
  a page number below or beyond the list the first or an empty page, a malformed filter
  value a flashed "invalid filter", a number beyond its column a form error, and a
  duplicate of a unique key an error on the form, shown again with what the user typed
  (``handle_view_exception``).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.model import typefmt
from flask_admin.model.form import converts
from flask_admin.tools import iterdecode
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.wrappers import Response
from wtforms import Field, Form
from wtforms.validators import NumberRange

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS, label
from lms.models import Group, Membership, User
from lms.models.enums import AuditAction, Permission, TenantRole
from lms.models.types import MAX_ID, integer_range, row_id
from lms.permissions import OutOfReach, Reach, current_reach, is_platform_staff
from lms.services.audit import audit
from lms.tenancy import set_tenant

log = logging.getLogger(__name__)

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


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """An export cell that a spreadsheet would run as a formula, quoted (issue 10; OWASP "CSV injection").

    Text starting with ``= + - @``, a tab or a CR gets a leading ``'``, so a learner named
    ``=HYPERLINK(...)`` is shown as text in HR's spreadsheet, not followed. Numbers stay
    numbers: -50 XP is a value, not a formula, and a quote would turn it into text.
    """
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def prefill(form: Any, field: str, model: type, argument: str) -> None:
    """Preselect a relation from the query string (``?group_id=3``) when a create form opens.

    The lookup is scoped like every query, so another tenant's id selects nothing.
    """
    pk = request.args.get(argument, type=row_id)
    if request.method == "GET" and pk is not None:
        getattr(form, field).data = db.session.get(model, pk)


def row_key(model: type, id: Any) -> tuple[str, ...] | None:
    """The primary key an admin URL or form names, or None when it can name no row.

    A word where a number belongs, ``1,2`` for a one-column key or a number beyond the
    column would reach PostgreSQL as an error; here it is simply no row, a 404 (issue 10).
    """
    values = iterdecode(str(id))
    columns = inspect(model).primary_key
    if len(values) != len(columns):
        return None
    for column, value in zip(columns, values, strict=True):
        bounds = integer_range(column.type)
        if bounds is not None and not (value.isascii() and value.isdigit() and int(value) <= bounds[1]):
            return None
    return values


def duplicate_columns(error: IntegrityError, table: sa.Table) -> list[str] | None:
    """The columns of ``table``'s unique key that ``error`` reports as taken; None for any other error.

    PostgreSQL names the violated constraint (SQLSTATE 23505), SQLite lists its columns.
    """
    reason = error.orig
    diag = getattr(reason, "diag", None)
    if diag is not None:
        if getattr(reason, "pgcode", None) != "23505" or diag.table_name != table.name:
            return None
        keys = [*table.constraints, *table.indexes]
        return next(([c.name for c in key.columns] for key in keys if key.name == diag.constraint_name), None)
    taken = str(reason).removeprefix("UNIQUE constraint failed: ")
    names = [name.strip() for name in taken.split(",")]
    if taken == str(reason) or not all(name.startswith(f"{table.name}.") for name in names):
        return None
    return [name.removeprefix(f"{table.name}.") for name in names]


def duplicate_field(form: Form | None, model: type, columns: list[str]) -> Field | None:
    """The form field to show a duplicate on: the last one editing the key's columns (adding
    someone to a group twice shows on the person, granting a permission twice on the permission)."""
    taken = set(columns) - {"tenant_id"}
    names = taken | {r.key for r in inspect(model).relationships if {c.name for c in r.local_columns} & taken}
    fields = [field for field in form or () if field.name in names]
    return fields[-1] if fields else None


class RangedModelConverter(AdminModelConverter):
    """Flask-Admin's form scaffolding, with every integer field refusing what its column cannot hold."""

    @converts("Integer")  # includes BigInteger and SmallInteger
    def handle_integer_types(self, column: Any, field_args: Any, **extra: Any) -> Any:
        low, high = integer_range(column.type) or (None, None)
        message = _l("Enter a number from %(min)s to %(max)s.")
        field_args["validators"].append(NumberRange(min=low, max=high, message=message))
        return super().handle_integer_types(column, field_args, **extra)


class _KnownMember:
    """A name that is no member of the enum is an invalid filter value: Flask-Admin's enum
    filters raise KeyError for it, where a filter must raise ValueError to be reported."""

    def clean(self, value: str) -> Any:
        try:
            return super().clean(value)  # type: ignore[misc]
        except KeyError:
            raise ValueError(value) from None


class _WithinColumn:
    """A number the column cannot hold is an invalid filter value, not a query that fails."""

    column: Any

    def clean(self, value: str) -> Any:
        cleaned = super().clean(value)  # type: ignore[misc]
        bounds = integer_range(self.column.type)
        numbers = cleaned if isinstance(cleaned, list) else [cleaned]
        if bounds is not None and any(not bounds[0] <= number <= bounds[1] for number in numbers):
            raise ValueError(value)
        return cleaned


def _refining(mixin: type, classes: tuple[type, ...]) -> tuple[type, ...]:
    """``classes`` with ``mixin`` in front of each that takes a value ("is empty" takes a yes or no)."""
    empty = sqla_filters.FilterEmpty
    return tuple(cls if issubclass(cls, empty) else type(cls.__name__, (mixin, cls), {}) for cls in classes)


class CheckedFilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's list filters, each malformed value flashed as invalid and never sent to the database."""

    int_filters = _refining(_WithinColumn, sqla_filters.FilterConverter.int_filters)
    enum = _refining(_KnownMember, sqla_filters.FilterConverter.enum)


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
        if row_key(self.model, pk) is None:
            return None
        with db.session.no_autoflush:
            return self.get_query().filter(self.model.id == int(pk)).one_or_none()

    def get_list(self, term: str, offset: int | None = 0, limit: int = 10) -> list[Any]:
        """A malformed offset (Flask-Admin hands over None) is the start; one beyond any table is nothing."""
        offset = max(offset or 0, 0)
        if offset > MAX_ID:
            return []
        return super().get_list(term, offset, min(max(limit, 1), self.limit))


class MemberLoader(TenantAjaxLoader):
    """Users are global: only active members of the current tenant can be chosen.

    ``within``: only people the signed-in user reaches with that permission (a scoped
    grant's groups); ``others_only``: never the signed-in user (nobody grants themselves).
    """

    def __init__(self, name: str, *, within: Permission | None = None, others_only: bool = False) -> None:
        super().__init__(name, User, fields=["name", "email"], order_by=User.name)
        self.within = within
        self.others_only = others_only

    def get_query(self) -> Any:
        query = super().get_query().join(Membership, Membership.user_id == User.id).filter(Membership.is_active)
        if self.others_only:
            query = query.filter(User.id != current_user.id)
        if self.within is not None:
            query = current_reach(self.within).narrow_people(query, User.id)
        return query


def groups_within(permission: Permission) -> Callable[[], Any]:
    """A group picker's choices: the groups the signed-in user reaches with ``permission``."""

    def groups() -> Any:
        return current_reach(permission).narrow_groups(db.session.query(Group).order_by(Group.name), Group.id)

    return groups


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
    # How a scoped grant of ``permission`` narrows the rows (DESIGN.md: roles): the column of
    # the person a row is about, or of the group it belongs to. A view with neither shows a
    # scoped holder nothing.
    scope_user: str | None = None
    scope_group: str | None = None
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
    model_form_converter = RangedModelConverter
    filter_converter = CheckedFilterConverter()
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

    def get_export_value(self, model: Any, name: str) -> Any:
        """Every export cell passes ``spreadsheet_safe``: the one place for CSV injection."""
        return spreadsheet_safe(super().get_export_value(model, name))

    def _handle_view(self, name: str, **kwargs: Any) -> Response | None:
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        action = _VIEW_ACTIONS.get(name)
        if name == "action_view" and request.form.get("action") == "delete":
            action = "delete"
        if name == "action_view" and any(row_key(self.model, pk) is None for pk in request.form.getlist("rowid")):
            abort(400)  # a list action reads its ids straight into a query
        if action is not None and action != "list" and not getattr(self, f"can_{action}"):
            abort(403)
        return None

    def get_one(self, id: Any) -> Any:
        """Another tenant's row, none at all, or an id that names no row (``abc``, ``1,2``) is a 404,
        not a redirect with a flash."""
        model = super().get_one(id) if row_key(self.model, id) is not None else None
        if model is None or not self.within_reach(model):
            abort(404)
        return model

    def reach(self, *permissions: Permission) -> Reach:
        """How far the user reaches here: the view's permission, EXPORT_REPORTS for an export,
        and any ``permissions`` an action needs besides."""
        needed = [self.permission] if isinstance(self.permission, Permission) else []
        if request.endpoint == f"{self.endpoint}.export":
            needed.append(Permission.EXPORT_REPORTS)
        return current_reach(*needed, *permissions)

    def narrow(self, query: Any, *permissions: Permission) -> Any:
        """``query`` kept to the rows within ``reach(*permissions)``: the one place scopes apply."""
        reach = self.reach(*permissions)
        if reach.everywhere:
            return query
        if self.scope_user is not None:
            return reach.narrow_people(query, getattr(self.model, self.scope_user))
        if self.scope_group is not None:
            return reach.narrow_groups(query, getattr(self.model, self.scope_group))
        return query.filter(sa.false())

    def within_reach(self, model: Any, *permissions: Permission) -> bool:
        if self.reach(*permissions).everywhere:
            return True
        keys = inspect(model).identity or ()
        columns = inspect(self.model).primary_key
        query = self.narrow(db.session.query(self.model), *permissions)
        return query.filter(*[column == key for column, key in zip(columns, keys, strict=True)]).count() == 1

    def get_query(self) -> Any:
        return self.narrow(super().get_query())

    def get_count_query(self) -> Any:
        return self.narrow(super().get_count_query())

    def get_list(self, page: int | None, *args: Any, **kwargs: Any) -> Any:
        """``?page=-1`` is the first page and a page beyond any table an empty one, never an
        OFFSET the database refuses."""
        return super().get_list(min(max(page or 0, 0), MAX_ID), *args, **kwargs)

    def create_model(self, form: Any) -> Any:
        g.admin_form = form  # for handle_view_exception, which Flask-Admin calls without it
        return super().create_model(form)

    def update_model(self, form: Any, model: Any) -> Any:
        g.admin_form = form
        return super().update_model(form, model)

    def save_refused(self, form: Any, error: Exception) -> bool:
        """For a ``create_model``/``update_model`` that calls a service instead of Flask-Admin's
        save: ``error`` shown as that save would show it (a duplicate on the form); False."""
        g.admin_form = form
        if not self.handle_view_exception(error):
            raise error
        return False

    def handle_view_exception(self, exc: Exception) -> bool:
        """Domain errors and constraint violations become a clear message, never a 500 (issue 10).

        The transaction is rolled back first: on PostgreSQL it is unusable after the failed
        statement, and even a flash may read the database. A duplicate of a unique key is an
        error on the form, which Flask-Admin shows again with what the user typed.
        """
        db.session.rollback()
        if isinstance(exc, LmsError):
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            columns = duplicate_columns(exc, self.model.__table__)
            field = duplicate_field(g.get("admin_form"), self.model, columns or [])
            if field is not None:
                field.errors = [*field.errors, _("This already exists: another record has the same values.")]
            else:
                flash(_("This conflicts with an existing record (a duplicate or a record still in use)."), "error")
            return True
        if isinstance(exc, DataError):
            log.warning("an admin form let through a value the database refused", exc_info=exc)
            flash(_("A value is out of range or too long."), "error")
            return True
        return super().handle_view_exception(exc)

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        changes = changed_fields(model, is_created)
        db.session.flush()
        if not self.within_reach(model):
            raise OutOfReach(_("This record is outside the groups you manage."))
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
