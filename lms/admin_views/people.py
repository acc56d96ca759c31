"""People: users and memberships, permissions, groups, email preferences, audit log, settings.

User is a global account, not tenant-owned, so the scoping hook cannot narrow a list of
users; ``MemberLoader`` does, by joining the tenant-owned Membership. Every user picker
of the admin uses it, so no form ever offers or accepts another company's people.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import flash, g, redirect, request
from flask_admin import BaseView, expose
from flask_admin.actions import action
from flask_admin.form import Select2Field, Select2Widget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query, lazyload, selectinload
from werkzeug.wrappers import Response
from wtforms import ColorField, EmailField, SelectMultipleField
from wtforms.validators import DataRequired, Length, Regexp

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AUDIT_ACTION_LABELS, ENTITY_LABELS, AuditDetails, TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import enum_choices, enum_coerce, unique_name
from lms.admin_views.loaders import MemberLoader, groups_within, with_people
from lms.auth.forms import email_address
from lms.errors import LmsError
from lms.extensions import db
from lms.forms import LmsForm
from lms.i18n import label
from lms.models import AuditLog, EmailPreference, Group, Membership, User, UserGroup, UserPermission
from lms.models.enums import AuditAction, Permission, TenantRole
from lms.permissions import current_rights
from lms.services import audit_chain, email_preferences, invites, memberships
from lms.services.invites import AlreadyMember
from lms.services.memberships import RightsRefused
from lms.services.plans import PlanLimitReached
from lms.tenancy import current_tenant_id

COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


def _refuse_on(form: Any, error: RightsRefused, fallback: str) -> None:
    """A refusal of ``services.memberships`` as an error on the field it concerns."""
    field = getattr(form, error.field, None) or getattr(form, fallback)
    field.errors = [*field.errors, str(error)]


def _offer_roles(field: Any, roles: list[TenantRole], current: TenantRole | None = None) -> None:
    """Only ``roles`` (and the one the member has now), in rank order."""
    field.choices = [(role.name, label(role)) for role in TenantRole if role in roles or role is current]


class RoleField(Select2Field):
    """A role picker offering only the roles the signed-in person may give (``_offer_roles``).

    A real role the list leaves out, which only a tampered form sends, is judged by
    ``services.memberships``: its refusal says why ("it ranks above yours") on this field,
    where "not a valid choice" would say nothing. Anything that is no role is refused here.
    """

    def pre_validate(self, form: Any) -> None:
        if not isinstance(self.data, TenantRole):
            super().pre_validate(form)


class GroupScopeField(SelectMultipleField):
    """A grant's scope picked as groups of the company (issue 14, item 5); none is the whole company.

    Stored as before, ``{"group_ids": [..]}`` or nothing (``scope``). The choices are the groups
    the granter reaches; an id outside them (another company's group, one deleted since the
    form was shown) is refused by ``memberships.grant`` with the ids it does not know, so this
    field checks only that the values are numbers.
    """

    widget = Select2Widget(multiple=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, coerce=int, validate_choice=False, **kwargs)

    def process_data(self, value: Any) -> None:
        ids = value.get("group_ids") if isinstance(value, dict) else None
        self.data = [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata([value for value in valuelist if value])

    @property
    def scope(self) -> dict[str, list[int]] | None:
        return {"group_ids": sorted(set(self.data))} if self.data else None


def _scope_text(view: Any, context: Any, model: UserPermission, name: str) -> str:
    """A grant's scope as its groups' names; the company's group names are read once per page."""
    scope = model.scope
    if not scope:
        return _("Whole company")
    ids = scope.get("group_ids") if isinstance(scope, dict) else None
    if not isinstance(ids, list):
        return str(scope)
    if "group_names" not in g:
        g.group_names = dict(db.session.execute(sa.select(Group.id, Group.name)).all())
    return ", ".join(g.group_names.get(i, f"#{i}") for i in ids)


class InviteForm(LmsForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), email_address(), Length(max=254)])
    role = RoleField(_l("Role"), default=TenantRole.EMPLOYEE.name, coerce=enum_coerce(TenantRole))


class MembershipView(TenantModelView):
    """Users & memberships (issue 4).

    People come in by invite, never by a bare "create"; editing changes the role;
    deactivating keeps the membership and its history (there is no delete). Role changes,
    (de)activations and invites go through ``services.memberships``: rights flow downward
    and the last owner stays.
    """

    permission = Permission.MANAGE_USERS
    scope_user = "user_id"
    allow_create = False
    allow_delete = False
    list_template = "admin/people/memberships.html"
    column_list = ("user.email", "user.name", "role", "is_active", "created_at")
    column_details_list = column_list
    column_labels: ClassVar[dict[str, Any]] = {"user.name": _l("Name"), "role": _l("Role"), "created_at": _l("Joined")}
    column_searchable_list = ("user.email", "user.name")
    column_sortable_list = ("user.email", "user.name", "role", "is_active", "created_at")
    column_filters = ("role", "is_active")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    form_columns = ("role",)
    form_overrides: ClassVar[dict[str, Any]] = {"role": RoleField}
    form_args: ClassVar[dict[str, Any]] = {"role": {"coerce": enum_coerce(TenantRole)}}

    def get_query(self) -> Query[Membership]:
        return super().get_query().options(*with_people(Membership.user), lazyload(Membership.tenant))

    def edit_form(self, obj: Membership | None = None) -> Any:
        form = super().edit_form(obj)
        _offer_roles(form.role, memberships.grantable_roles(current_rights()), obj.role if obj is not None else None)
        return form

    def update_model(self, form: Any, model: Membership) -> bool:
        """The edit form only changes the role; a refused change is an error on that field."""
        try:
            memberships.change_role(model, form.role.data, by=current_user)
        except LmsError as error:
            db.session.rollback()
            form.role.errors.append(str(error))
            return False
        db.session.commit()
        return True

    @expose("/invite/", methods=("GET", "POST"))
    def invite_view(self) -> str | Response:
        form = InviteForm()
        _offer_roles(form.role, invites.invitable_roles(g.tenant, current_user))
        if form.validate_on_submit():
            try:
                invites.invite(g.tenant, form.email.data, form.role.data, current_user)
            except RightsRefused as error:
                db.session.rollback()
                _refuse_on(form, error, "role")
            except (AlreadyMember, PlanLimitReached) as error:
                db.session.rollback()
                form.email.errors.append(str(error))
            else:
                db.session.commit()
                flash(_("An invitation is on its way to %(email)s.", email=form.email.data), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("admin/people/invite.html", form=form)

    @action(
        "deactivate",
        _l("Deactivate"),
        _l("Deactivate the selected people? They lose access to this company at once."),
    )
    def action_deactivate(self, ids: Sequence[str]) -> None:
        count = self._change_each(ids, memberships.deactivate)
        if count is not None:
            flash(_("People deactivated: %(count)d.", count=count), "success")

    @action("reactivate", _l("Reactivate"))
    def action_reactivate(self, ids: Sequence[str]) -> None:
        count = self._change_each(ids, memberships.reactivate)
        if count is not None:
            flash(_("People reactivated: %(count)d.", count=count), "success")

    def _change_each(self, ids: Sequence[str], change: Callable[..., None]) -> int | None:
        """All or nothing (``change_all``): the number of memberships changed, or None when one
        was refused (the last owner, the plan's limit)."""
        changed = self.change_all(self.rows_of(ids), lambda membership: change(membership, by=current_user))
        return None if changed is None else len(changed)


class UserPermissionView(TenantModelView):
    """Permissions granted to one member on top of their role (DESIGN.md: roles and permissions).

    Granting, changing and revoking go through ``services.memberships`` (audited there):
    the form offers only other people within reach, permissions the user holds and the
    groups they reach as the scope, and a tampered form is refused there with an error on
    its field.
    """

    permission = Permission.MANAGE_USERS
    scope_user = "user_id"
    column_list = ("user.email", "permission", "scope", "created_at")
    column_labels: ClassVar[dict[str, Any]] = {
        "user": _l("Member"),
        "user.email": _l("Member"),
        "permission": _l("Permission"),
        "scope": _l("Scope"),
        "created_at": _l("Granted"),
    }
    column_searchable_list = ("user.email", "user.name")
    column_filters = ("permission",)
    column_auto_select_related = False
    form_columns = ("user", "permission", "scope")
    form_ajax_refs: ClassVar[dict[str, Any]] = {
        "user": MemberLoader("user", within=Permission.MANAGE_USERS, others_only=True)
    }
    form_choices: ClassVar[dict[str, Any]] = {"permission": enum_choices(Permission)}
    form_overrides: ClassVar[dict[str, Any]] = {"scope": GroupScopeField}
    form_args: ClassVar[dict[str, Any]] = {
        "permission": {"coerce": enum_coerce(Permission)},
        "scope": {
            "label": _l("Groups"),
            "description": _l("Leave empty for the whole company, or pick the groups whose members it covers."),
        },
    }
    column_formatters: ClassVar[dict[str, Any]] = {"scope": _scope_text}

    def get_query(self) -> Query[UserPermission]:
        return super().get_query().options(*with_people(UserPermission.user))

    def create_form(self, obj: Any = None) -> Any:
        return self._offer_permissions(super().create_form(obj))

    def edit_form(self, obj: Any = None) -> Any:
        return self._offer_permissions(super().edit_form(obj))

    @staticmethod
    def _offer_permissions(form: Any) -> Any:
        held = memberships.grantable_permissions(current_rights())
        form.permission.choices = [(permission.name, label(permission)) for permission in held]
        form.scope.choices = [(group.id, group.name) for group in groups_within(Permission.MANAGE_USERS)()]
        return form

    def create_model(self, form: Any) -> UserPermission | bool:
        try:
            row = memberships.grant(g.tenant, form.user.data, form.permission.data, form.scope.scope, by=current_user)
        except RightsRefused as error:
            return self._refused(form, error)
        except IntegrityError as error:  # the member holds this permission already
            return self.save_refused(form, error)
        db.session.commit()
        return row

    def update_model(self, form: Any, model: UserPermission) -> bool:
        try:
            memberships.change_grant(model, form.permission.data, form.scope.scope, by=current_user)
        except RightsRefused as error:
            return self._refused(form, error)
        except IntegrityError as error:
            return self.save_refused(form, error)
        db.session.commit()
        return True

    def delete_model(self, model: UserPermission) -> bool:
        try:
            memberships.revoke(model, by=current_user)
        except RightsRefused as error:
            db.session.rollback()
            flash(str(error), "error")
            return False
        db.session.commit()
        return True

    @staticmethod
    def _refused(form: Any, error: RightsRefused) -> bool:
        db.session.rollback()
        _refuse_on(form, error, "permission")
        return False


class GroupView(TenantModelView):
    """Groups of employees; their members are kept in "Group members" (``UserGroupView``)."""

    permission = Permission.MANAGE_GROUPS
    scope_group = "id"
    audit_actions: ClassVar[dict[str, AuditAction]] = {
        "create": AuditAction.GROUP_CREATED,
        "update": AuditAction.GROUP_UPDATED,
        "delete": AuditAction.GROUP_DELETED,
    }
    column_list = ("name", "color", "description")
    column_labels: ClassVar[dict[str, Any]] = {"color": _l("Colour")}
    column_searchable_list = ("name",)
    form_columns = ("name", "color", "description")
    details_template = "admin/people/group_details.html"
    form_overrides: ClassVar[dict[str, Any]] = {"color": ColorField}
    form_args: ClassVar[dict[str, Any]] = {
        "name": unique_name(Group, _l("A group with this name already exists.")),
        "color": {"validators": [Regexp(COLOR_PATTERN, message=_l("Use a colour such as #1a7f37."))]},
    }


class UserGroupView(TenantModelView):
    """Who is in which group; adding and removing are audited as group membership changes."""

    permission = Permission.MANAGE_GROUPS
    scope_group = "group_id"
    parent_field = "group"
    allow_edit = False
    audit_actions: ClassVar[dict[str, AuditAction]] = {
        **TenantModelView.audit_actions,
        "create": AuditAction.GROUP_MEMBER_ADDED,
        "delete": AuditAction.GROUP_MEMBER_REMOVED,
    }
    column_list = ("group.name", "user.email", "user.name", "created_at")
    column_labels: ClassVar[dict[str, Any]] = {
        "user": _l("Member"),
        "user.name": _l("Name"),
        "created_at": _l("Joined"),
    }
    column_searchable_list = ("user.email", "user.name")
    column_filters = ("group.name",)
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    form_columns = ("group", "user")
    # Only people the user may manage: a group-scoped holder cannot pull anyone into reach.
    form_ajax_refs: ClassVar[dict[str, Any]] = {"user": MemberLoader("user", within=Permission.MANAGE_USERS)}
    form_args: ClassVar[dict[str, Any]] = {"group": {"query_factory": groups_within(Permission.MANAGE_GROUPS)}}

    def get_query(self) -> Query[UserGroup]:
        return (
            super()
            .get_query()
            .options(*with_people(UserGroup.user), selectinload(UserGroup.group).load_only(Group.name))
        )


class EmailPreferenceView(TenantModelView):
    """Members' email settings, for support: list and edit only (each member has one row)."""

    permission = Permission.MANAGE_USERS
    scope_user = "user_id"
    allow_create = False
    allow_delete = False
    column_list = ("user.email", "frequency", *email_preferences.FAMILIES)
    column_labels: ClassVar[dict[str, Any]] = {
        "user.email": _l("Member"),
        "frequency": _l("Frequency"),
        **email_preferences.FAMILIES,  # the settings page's names for the same toggles
    }
    column_searchable_list = ("user.email", "user.name")
    column_filters = ("frequency",)
    column_auto_select_related = False
    form_columns = column_list[1:]

    def get_query(self) -> Query[EmailPreference]:
        return super().get_query().options(*with_people(EmailPreference.user))


def _audit_details(model: AuditLog) -> AuditDetails:
    """The page's names (``AuditLogView.prepare_rows``), or this row's own where no page loaded them."""
    details = g.get("audit_details")
    return details if details is not None else AuditDetails([model])


class AuditLogView(TenantModelView):
    """The company's audit trail: read-only, newest first, exportable (DESIGN.md: audit).

    The table grows without bound, so the pager does not count rows. Entries read as people
    write them: actions and record types in words, details as "Field: old → new" with the
    names of the people, modules and groups they mention, looked up once per page
    (``base.AuditDetails``). Above the list, how far the tenant's hash chain is verified
    (``services.audit_chain.screen_check``: a bounded step from the checkpoint per visit).
    """

    permission = Permission.VIEW_AUDIT_LOG
    allow_create = False
    allow_edit = False
    allow_delete = False
    allow_export = True
    simple_list_pager = True
    list_template = "admin/audit/list.html"
    column_list = ("created_at", "actor.email", "action", "entity_type", "entity_id", "details", "ip_address")
    column_details_list = column_list
    column_export_list = column_list
    column_labels: ClassVar[dict[str, Any]] = {
        "created_at": _l("When"),
        "actor.email": _l("Who"),
        "action": _l("Action"),
        "entity_type": _l("Record type"),
        "entity_id": _l("Record"),
        "details": _l("Details"),
        "ip_address": _l("IP address"),
    }
    column_formatters: ClassVar = {
        "action": lambda view, context, model, name: str(AUDIT_ACTION_LABELS.get(model.action, label(model.action))),
        "entity_type": lambda view, context, model, name: str(
            ENTITY_LABELS.get(model.entity_type, model.entity_type.replace("_", " ").capitalize())
        ),
        "entity_id": lambda view, context, model, name: _audit_details(model).record(model),
        "details": lambda view, context, model, name: Markup("<br>").join(_audit_details(model).lines(model)),
    }
    column_formatters_detail: ClassVar = column_formatters
    column_formatters_export: ClassVar = {
        **column_formatters,
        "details": lambda view, context, model, name: "; ".join(_audit_details(model).lines(model)),
    }
    column_choices: ClassVar = {"action": [(action.name, text) for action, text in AUDIT_ACTION_LABELS.items()]}
    column_sortable_list = ("created_at",)
    column_filters = ("action", "actor.email", "entity_type", *time_filters(AuditLog.created_at, _l("When")))
    column_default_sort = ("created_at", True)
    column_auto_select_related = False

    @expose("/")
    def index_view(self) -> str | tuple[str, int]:
        """The list, below the state of the tenant's audit chain; the step it verified is kept."""
        if not self.beyond_depth(request.args.get("page", 0, type=int)):
            g.audit_chain = audit_chain.screen_check(current_tenant_id())
            db.session.commit()
        return super().index_view()

    def get_query(self) -> Query[AuditLog]:
        return super().get_query().options(selectinload(AuditLog.actor).load_only(User.email))

    def prepare_rows(self, rows: list[AuditLog]) -> None:
        g.audit_details = AuditDetails(rows)

    def get_one(self, id: Any) -> AuditLog:
        model = super().get_one(id)
        self.prepare_rows([model])
        return model


def views() -> list[BaseView]:
    people = CATEGORIES["people"]
    return [
        MembershipView(Membership, name=_l("Users & memberships"), category=people, endpoint="memberships"),
        UserPermissionView(UserPermission, name=_l("Permissions"), category=people, endpoint="user_permissions"),
        GroupView(Group, name=_l("Groups"), category=people, endpoint="groups"),
        UserGroupView(UserGroup, name=_l("Group members"), category=people, endpoint="group_members"),
        EmailPreferenceView(
            EmailPreference, name=_l("Email preferences"), category=people, endpoint="email_preferences"
        ),
        AuditLogView(AuditLog, name=_l("Audit log"), category=people, endpoint="audit_log"),
    ]
