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
- ``tenant_id`` never appears; page sizes are capped;
- bad input is never a 500 (issue 10): an id that can name no row is a 404 (``row_key``),
  a page number below or beyond the list the first or an empty page, a malformed filter
  value a flashed "invalid filter", a number beyond its column a form error, and a
  duplicate of a unique key an error on the form, shown again with what the user typed
  (``handle_view_exception``).

Lists at a million rows (issue 12, item 5; ``lists.ListAtScale``). A table that grows with
use — the XP ledger, the audit log, quiz attempts, certificates, redemptions, suggestions —
is listed with Flask-Admin's ``simple_list_pager``: no ``COUNT(*)``, which PostgreSQL can
only answer by visiting every row of the tenant. Tables bounded by headcount (memberships,
group members: ten thousand rows on a big tenant) keep their count, an index-only scan of a
few milliseconds that tells HR how many people there are. Each large list's default sort
has a tenant-first index, so its first page reads 50 index entries. Deep pages are not
paged by key (``?after=<created_at>,<id>``): Flask-Admin's pager, sort links, filters and
export all speak page numbers, a cursor would hold for the default sort only, and someone
looking for March lands there with one date filter, not a hundred clicks. Instead a list
opens at most ``deepest_page`` pages (an OFFSET of a few thousand index entries, tens of
milliseconds); the last one says so and points at the date filter, and a page past it is a
400 with that note, answered without a query. Exports stream every row of the filtered
list in chunks with constant memory; there is no row limit to cut a file silently.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView, tools
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.tools import iterdecode
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import inspect
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.wrappers import Response

from lms.admin_views.filters import CheckedFilterConverter
from lms.admin_views.forms import RangedModelConverter, ServiceForm, duplicate_columns, duplicate_field
from lms.admin_views.labels import COLUMN_LABELS, EXPORT_FORMATTERS, TYPE_FORMATTERS
from lms.admin_views.lists import ListAtScale
from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS, label, picker_words
from lms.models.enums import AuditAction, Permission, TenantPlan, TenantRole, TenantTheme
from lms.models.types import UtcDateTime, integer_range, is_row_id, row_id, utcnow
from lms.permissions import OutOfReach, Reach, current_reach, current_rights, is_platform_staff, progress_reach
from lms.services import desk, operations, tenants
from lms.services.audit import audit
from lms.services.desk import Count
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


def user_passes(rule: Rule) -> bool:
    """Does the signed-in user pass ``rule`` (a Permission, or a callable of role and permissions)
    in the request's tenant? None asks only for a signed-in member."""
    if not current_user.is_authenticated or g.get("tenant") is None:
        return False
    if rule is None:
        return True
    if isinstance(rule, Permission):
        return rule in g.permissions
    return rule(g.role, g.permissions)


def changed_fields(model: Any, created: bool) -> dict[str, Any]:
    """What a write changed, as audit metadata: ``changes`` holds the new values and, for an
    update, ``previous`` the old value of each changed column, so the trail reads
    "old → new" (issue 13, item 7). Secrets and timestamps are left out."""
    state = inspect(model)
    changes: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in _NEVER_AUDITED or attr.key == "tenant_id":
            continue
        history = state.attrs[attr.key].history
        if created:
            if (value := getattr(model, attr.key)) is not None:
                changes[attr.key] = value
        elif history.has_changes():
            changes[attr.key] = getattr(model, attr.key)
            if history.deleted:
                previous[attr.key] = history.deleted[0]
    return {"changes": changes} if created else {"changes": changes, "previous": previous}


# --- Audit details as people read them (issue 13, item 7) -----------------------------------
# The stored JSON is the evidence and stays as written; the audit screen, its details and its
# export show it as "Field: old → new" lines, with labels for columns, actions and record
# types, enum values by their names, and ids of people, modules and groups as their names.

# The audit actions' labels are ``lms.i18n.LABELS``, as every enum's; this name stays for the audit screen.
AUDIT_ACTION_LABELS: dict[AuditAction, Any] = {action: LABELS[action] for action in AuditAction}

ENTITY_LABELS: dict[str, Any] = {
    "user": _l("Person"),
    "membership": _l("Membership"),
    "user_permission": _l("Permission"),
    "email_preference": _l("Email preference"),
    "tenant": _l("Company"),
    "group": _l("Group"),
    "user_group": _l("Group member"),
    "module": _l("Module"),
    "module_group": _l("Assignment"),
    "module_category": _l("Category"),
    "section": _l("Section"),
    "attachment": _l("Attachment"),
    "tag": _l("Tag"),
    "quiz": _l("Quiz"),
    "quiz_question": _l("Quiz question"),
    "quiz_attempt": _l("Quiz attempt"),
    "certificate": _l("Certificate"),
    "progress_override": _l("Progress override"),
    "reward": _l("Reward"),
    "reward_redemption": _l("Reward redemption"),
    "xp_transaction": _l("XP entry"),
    "knowledge_suggestion": _l("Suggestion"),
    "mentor_radar_post": _l("Radar post"),
    "mentor_live_event": _l("Live event"),
    "media_asset": _l("Media file"),
    "changelog_entry": _l("Release note"),
    "job": _l("Background job"),
}

_DETAIL_LABELS: dict[str, Any] = {
    "email": _l("Email"),
    "role": _l("Role"),
    "previous": _l("Previous role"),
    "permission": _l("Permission"),
    "scope": _l("Scope"),
    "group_ids": _l("Groups"),
    "code": _l("Code"),
    "record": _l("Record"),
    "summary": _l("Summary"),
    "via": _l("Through"),
    "reward": _l("Reward"),
    "operation": _l("Operation"),
    "all_tenants": _l("All companies"),
    "deadline_days": _l("Days to finish"),
    "is_mandatory": _l("Mandatory"),
    "allow_certificate": _l("Certificate allowed"),
    "validity_months": _l("Valid for (months)"),
    "plan": _l("Plan"),
    "theme": _l("Theme"),
    "locale": _l("Language"),
    "timezone": _l("Time zone"),
    "slug": _l("Address name"),
    "email_frequency": _l("Email frequency"),
    "entered": _l("Entered the company"),
    "left": _l("Left the company"),
    "certificate_logo": _l("Certificate logo"),
    # The tenant settings screen's named fields, called in the log what the screen calls them.
    **{setting.name: setting.label for setting in tenants.NAMED_SETTINGS},
}

# Details keys outside ``changes`` that name records or enum values, whatever the table.
_DETAIL_KINDS = {"user_id": "user", "module_id": "module", "group_id": "group", "group_ids": "group"}
_DETAIL_ENUMS: dict[str, type[enum.Enum]] = {
    "role": TenantRole,
    "previous": TenantRole,
    "permission": Permission,
    "plan": TenantPlan,
    "theme": TenantTheme,
}


def _namers() -> dict[str, tuple[Any, Any, Any]]:
    """Per kind of record: its id column, its name, and what keeps it to the company's own."""
    from lms.models import Group, Membership, Module, ModuleCategory, Quiz, Reward, User

    member = sa.select(Membership.user_id).scalar_subquery()
    return {
        "user": (User.id, sa.func.coalesce(sa.func.nullif(User.name, ""), User.email), User.id.in_(member)),
        "module": (Module.id, Module.title, sa.true()),
        "group": (Group.id, Group.name, sa.true()),
        "quiz": (Quiz.id, Quiz.title, sa.true()),
        "module_category": (ModuleCategory.id, ModuleCategory.name, sa.true()),
        "reward": (Reward.id, Reward.title, sa.true()),
    }


def _mapper_of(table: str) -> Any:
    return next((m for m in db.Model.registry.mappers if m.local_table.name == table), None)


def _column(table: str, key: str) -> sa.Column[Any] | None:
    mapper = _mapper_of(table)
    return mapper.columns.get(key) if mapper is not None else None


def _kind_of(table: str, key: str) -> str | None:
    """The kind of record a details key names: the table a column's foreign key points at, or
    ``_DETAIL_KINDS`` for keys outside a table."""
    column = _column(table, key) if key != "tenant_id" else None
    if column is not None:
        referred = {fk.column.table.name for fk in column.foreign_keys} - {"tenant"}
        if len(referred) == 1:
            return referred.pop()
    return _DETAIL_KINDS.get(key)


class AuditDetails:
    """Audit rows as people read them, for one page or export chunk: every id the rows name is
    looked up in one query per kind of record (no query per row)."""

    def __init__(self, rows: Iterable[Any]) -> None:
        rows = list(rows)
        wanted: dict[str, set[int]] = {}
        for row in rows:
            if row.entity_id and row.entity_id.isdigit():
                wanted.setdefault(row.entity_type, set()).add(int(row.entity_id))
            for table, key, value in self._values(row):
                kind = _kind_of(table, key)
                if kind is not None:
                    wanted.setdefault(kind, set()).update(v for v in _as_list(value) if is_row_id(v))
        namers = _namers()
        self.names: dict[str, dict[int, str]] = {}
        for kind, ids in wanted.items():
            if kind in namers and ids:
                id_column, name, own = namers[kind]
                self.names[kind] = dict(
                    db.session.execute(sa.select(id_column, name).where(id_column.in_(ids), own)).all()
                )

    @staticmethod
    def _values(row: Any) -> Iterator[tuple[str, str, Any]]:
        """(table, key, value) of every detail, nested ones included; a changed field's table is the row's."""

        def walk(table: str, items: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str, Any]]:
            for key, value in items:
                if isinstance(value, dict):
                    yield from walk(row.entity_type if key in ("changes", "previous") else "", value.items())
                else:
                    yield table, key, value

        yield from walk("", row.details.items() if isinstance(row.details, dict) else ())

    def record(self, row: Any) -> str:
        """The record an entry is about: its name where it has one, else its number."""
        if row.entity_id is None:
            return ""
        named = self.names.get(row.entity_type, {})
        return named.get(int(row.entity_id), row.entity_id) if row.entity_id.isdigit() else row.entity_id

    def lines(self, row: Any) -> list[str]:
        """``Field: value`` per detail; a changed field as ``Field: old → new``."""
        details = row.details if isinstance(row.details, dict) else {"": row.details}
        previous = details.get("previous") if isinstance(details.get("previous"), dict) else {}
        lines = []
        for key, value in details.items():
            if key == "previous" and isinstance(value, dict):
                continue
            if key == "changes" and isinstance(value, dict):
                for field, new in value.items():
                    shown = self.value(row.entity_type, field, new)
                    if field in previous:
                        shown = f"{self.value(row.entity_type, field, previous[field])} → {shown}"
                    lines.append(f"{_field_label(field)}: {shown}")
            else:
                lines.append(f"{_field_label(key)}: {self.value('', key, value)}")
        return lines

    def value(self, table: str, key: str, value: Any) -> str:
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        if isinstance(value, dict):
            return "; ".join(f"{_field_label(k)}: {self.value(table, k, v)}" for k, v in value.items())
        if isinstance(value, list):
            return ", ".join(self.value(table, key, item) for item in value) or "—"
        kind = _kind_of(table, key) if table else _DETAIL_KINDS.get(key)
        if kind is not None and is_row_id(value):
            return self.names.get(kind, {}).get(value, f"#{value}")
        return _plain(table, key, value)


def _plain(table: str, key: str, value: Any) -> str:
    """A value without a record behind it: an enum by its label, a moment in the company's zone."""
    column = _column(table, key) if table else None
    enum_class = getattr(column.type, "enum_class", None) if column is not None else _DETAIL_ENUMS.get(key)
    if enum_class is not None and isinstance(value, str) and value in enum_class.__members__:
        return label(enum_class[value])
    if column is not None and isinstance(column.type, sa.DateTime | UtcDateTime) and isinstance(value, str):
        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    return str(value)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _field_label(key: str) -> str:
    text = COLUMN_LABELS.get(key) or _DETAIL_LABELS.get(key) or COLUMN_LABELS.get(key.removesuffix("_id"))
    return str(text) if text is not None else key.replace("_", " ").capitalize()


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


class AccessMixin:
    """Flask-Admin access control from ``lms.permissions``; the same for model and custom views."""

    permission: Rule = None

    def is_accessible(self) -> bool:
        return user_passes(self.permission)

    def is_visible(self) -> bool:
        return self.is_accessible()

    def picker_words(self) -> dict[str, Any]:
        """For the admin base page: the pickers' words in the page's language (``i18n.picker_words``)."""
        return picker_words()

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Response:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if g.get("tenant") is None and not is_platform_staff(current_user):
            return redirect(url_for("auth.choose_tenant", next=request.full_path))
        abort(403)


class TenantModelView(AccessMixin, ListAtScale, ModelView):
    """A model view of a tenant-owned table; subclasses set ``permission`` and columns.

    ``service_fields`` go to services instead of onto the model (``forms.ServiceForm``);
    ``form_columns`` orders every field, extra ones included; ``create_only_fields`` and
    ``edit_only_fields`` leave a field out of the other form (a section's module is chosen
    once; a cover can only be removed once there is one). ``column_labels`` add to or
    override the shared ``labels.COLUMN_LABELS``.
    """

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

    column_type_formatters: ClassVar = TYPE_FORMATTERS
    column_type_formatters_detail: ClassVar = TYPE_FORMATTERS
    column_type_formatters_export: ClassVar = EXPORT_FORMATTERS
    model_form_converter = RangedModelConverter
    form_base_class = ServiceForm
    service_fields: ClassVar[tuple[str, ...]] = ()
    # A list of one parent's rows: ``?<parent_field>_id=<id>`` (a quiz's questions, a group's
    # assignments) narrows it, shows the parent to the templates as ``parent`` and presets it
    # on a new row.
    parent_field: str | None = None
    create_only_fields: ClassVar[tuple[str, ...]] = ()
    edit_only_fields: ClassVar[tuple[str, ...]] = ()
    filter_converter = CheckedFilterConverter()
    can_view_details = True
    can_set_page_size = False
    page_size = 50
    form_excluded_columns = ("tenant", "tenant_id", "created_at", "updated_at")
    column_exclude_list = ("tenant", "tenant_id", "updated_at")
    column_details_exclude_list = ("tenant", "tenant_id")
    column_export_exclude_list = ("tenant", "tenant_id")

    def __init__(self, model: type, *args: Any, **kwargs: Any) -> None:
        self.column_labels = {**COLUMN_LABELS, **(self.column_labels or {})}
        super().__init__(model, db, *args, **kwargs)

    def _process_ajax_references(self) -> dict[str, Any]:
        """Every picker says what to do in an empty box (type to search) instead of Flask-Admin's
        "Please select model" (issue 14, item 5); a loader that names its own placeholder keeps it."""
        loaders = super()._process_ajax_references()
        for loader in loaders.values():
            loader.options.setdefault("placeholder", _l("Type to search"))
        return loaders

    def user_may(self, action: str) -> bool:
        """May the signed-in user ``action`` ("create", "edit", "delete", "export") here? The view's
        permission, the action's own (``action_permissions``), and EXPORT_REPORTS for an export."""
        rule = self.action_permissions.get(action, self.permission)
        if action == "export" and not user_passes(Permission.EXPORT_REPORTS):
            return False
        return user_passes(self.permission) and user_passes(rule)

    @property
    def can_create(self) -> bool:  # type: ignore[override]
        return self.allow_create and self.user_may("create")

    @property
    def can_edit(self) -> bool:  # type: ignore[override]
        return self.allow_edit and self.user_may("edit")

    @property
    def can_delete(self) -> bool:  # type: ignore[override]
        return self.allow_delete and self.user_may("delete")

    @property
    def can_export(self) -> bool:  # type: ignore[override]
        return self.allow_export and self.user_may("export")

    def scaffold_form(self) -> Any:
        form_class = super().scaffold_form()
        form_class.service_fields = frozenset(self.service_fields)
        return form_class

    def get_create_form(self) -> Any:
        form_class = self.get_form()
        for name in self.edit_only_fields:
            delattr(form_class, name)
        return form_class

    def get_edit_form(self) -> Any:
        form_class = self.get_form()
        for name in self.create_only_fields:
            delattr(form_class, name)
        return form_class

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
        return self.of_parent(self.narrow(super().get_query()))

    def get_count_query(self) -> Any:
        return self.of_parent(self.narrow(super().get_count_query()))

    def parent(self) -> Any:
        """The row ``?<parent_field>_id=`` names, through that field's picker (so only one the user
        may pick), or None."""
        parent_id = self._parent_id()
        if parent_id is None:
            return None
        loader = (self.form_ajax_refs or {}).get(self.parent_field)
        if loader is not None:
            return loader.get_one(parent_id)
        return db.session.get(inspect(self.model).relationships[self.parent_field].mapper.class_, parent_id)

    def _parent_id(self) -> int | None:
        return request.args.get(f"{self.parent_field}_id", type=row_id) if self.parent_field else None

    def of_parent(self, query: Any) -> Any:
        parent_id = self._parent_id()
        return query if parent_id is None else query.filter(getattr(self.model, f"{self.parent_field}_id") == parent_id)

    def render(self, template: str, **kwargs: Any) -> str:
        return super().render(template, **{"parent": self.parent(), **kwargs})

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        if request.method == "GET" and self.parent_field in form and (parent := self.parent()) is not None:
            form[self.parent_field].data = parent
        return form

    def create_model(self, form: Any) -> Any:
        g.admin_form = form  # for handle_view_exception, which Flask-Admin calls without it
        return super().create_model(form)

    def update_model(self, form: Any, model: Any) -> Any:
        g.admin_form = form
        return super().update_model(form, model)

    def rows_of(self, ids: Sequence[str], query: Any = None) -> list[Any]:
        """The rows a list action names, from the view's query (or ``query``, narrower still)."""
        return tools.get_query_for_ids(self.get_query() if query is None else query, self.model, ids).all()

    def commit_or_flash(self) -> bool:
        """Commit a custom page's change; a conflict (e.g. a double submit) is flashed and undone."""
        try:
            db.session.commit()
        except IntegrityError as error:
            if not self.handle_view_exception(error):
                raise
            return False
        return True

    def change_all(self, rows: Iterable[Any], change: Callable[[Any], Any]) -> list[Any] | None:
        """All or nothing: ``change`` each row and commit; one refusal (the last owner, a revoked
        certificate) keeps every row as it was and is flashed: None. Otherwise what each change returned."""
        try:
            results = [change(row) for row in rows]
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "error")
            return None
        return results if self.commit_or_flash() else None

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
        audit(action, model, entity_type=self.audit_entity, **changes)

    def on_model_delete(self, model: Any) -> None:
        audit(self.audit_actions["delete"], model, entity_type=self.audit_entity, record=str(model))


class PlatformModelView(TenantModelView):
    """Platform-wide tables (tenants, changelog) for platform staff; no tenant needed."""

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and is_platform_staff(current_user)

    def user_may(self, action: str) -> bool:
        return self.is_accessible()

    def _handle_view(self, name: str, **kwargs: Any) -> Response | None:
        """Platform screens act for no tenant, even when the staff member has one chosen: their
        audit rows are platform events (tenant_id NULL, see AuditLog), and a stray query of a
        tenant-owned table here fails closed instead of reading that tenant."""
        set_tenant(None)
        return super()._handle_view(name, **kwargs)


class AdminHome(AccessMixin, AdminIndexView):
    """/admin/: HR's desk (issue 13, item 8), the menu by category, and for platform staff the
    platform screens.

    The desk is a card per thing waiting for someone (``services.desk``), each a count that
    links to the screen listing those rows, filtered. A card is shown to whom may open its
    screen, and only when the app has that screen (the admin view of ``endpoint``): one rule,
    read from the views themselves, so a card never promises a list its viewer gets a 403
    for, and the radar posts card appears once a ``radar_posts`` view is registered.
    """

    # (count, endpoint of its screen, how its link filters that screen, label); a
    # ``("status", value)`` filter is the screen's own list filter "status equals value".
    DESK: ClassVar[tuple[tuple[Count, str, dict[str, str] | tuple[str, str], Any], ...]] = (
        (Count.OVERDUE, "progress_report", {"status": "overdue"}, _l("Overdue learners")),
        (Count.EXPIRING, "compliance_report", {"bucket": "expiring"}, _l("Certificates expiring this month")),
        (Count.REDEMPTIONS, "redemptions", ("status", "PENDING"), _l("Redemptions waiting for approval")),
        (Count.SUGGESTIONS, "suggestions", ("status", "OPEN"), _l("Suggestions waiting for a decision")),
        (Count.RADAR_POSTS, "radar_posts", ("status", "PENDING"), _l("Radar posts waiting for approval")),
    )

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
        return self.render("admin/home.html", desk=self._desk() if g.get("tenant") is not None else [])

    def _openable(self) -> dict[str, Any]:
        """The admin views the signed-in user may open, by endpoint."""
        return {view.endpoint: view for view in self.admin._views if view.is_accessible()}

    def _desk(self) -> list[desk.Card]:
        views = self._openable()
        shown = [card for card in self.DESK if card[1] in views]
        numbers = desk.counts(
            [card[0] for card in shown], progress_reach(current_rights()), utcnow(), ZoneInfo(g.tenant.timezone)
        )
        cards = [
            desk.Card(str(label), numbers[count], self._desk_link(views[endpoint], link))
            for count, endpoint, link, label in shown
        ]
        if "operations" in views and not operations.jobs_run_inline():
            failed = desk.failed_jobs(g.tenant.id, is_platform_staff(current_user))
            cards.append(desk.Card(_("Failed jobs"), failed, url_for("operations.index")))
        return cards

    @staticmethod
    def _desk_link(view: Any, link: dict[str, str] | tuple[str, str]) -> str:
        """The URL of ``view``'s screen filtered as a desk card says: query arguments of a report,
        or a model list's own equality filter on a column (the list unfiltered if it has none)."""
        if isinstance(link, dict):
            return url_for(f"{view.endpoint}.index", **link)
        column, value = link
        for arg, (_index, flt) in (getattr(view, "_filter_args", None) or {}).items():
            if isinstance(flt, FilterEqual) and getattr(flt.column, "key", None) == column:
                return url_for(f"{view.endpoint}.index_view", **{f"flt0_{arg}": value})
        return url_for(f"{view.endpoint}.index_view")
