"""Content: how modules are organised and handed out — categories, tags, company pins and
group assignments (issue 5).

Categories and tags are named lists; pins and assignments link modules to the company's
dashboard and to groups, each link at most once (a form error; the database's unique key
is the guard). Access, scoping, 404s and the audit of writes come from ``base.TenantModelView``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.forms import optional_number, unique_name, unique_together
from lms.admin_views.loaders import ModuleLoader, groups_within
from lms.models import CompanyPinnedModule, ModuleCategory, ModuleGroup, Tag
from lms.models.enums import AuditAction, Permission


class _NamedListView(TenantModelView):
    """Categories and tags: a name unique in the company (a form error, the database the guard) and an order."""

    permission = Permission.MANAGE_ALL_MODULES
    column_list = ("name", "sort_order")
    column_searchable_list = ("name",)
    column_default_sort: ClassVar = [("sort_order", False), ("name", False)]
    form_columns = ("name", "sort_order")


class CategoryView(_NamedListView):
    form_args: ClassVar = {"name": unique_name(ModuleCategory, _l("A category with this name already exists."))}


class TagView(_NamedListView):
    form_args: ClassVar = {"name": unique_name(Tag, _l("A tag with this name already exists."))}


class PinnedModuleView(TenantModelView):
    """Modules pinned for everyone on the dashboard; only published modules can be pinned."""

    permission = Permission.MANAGE_ALL_MODULES
    column_list = ("module", "sort_order", "pinned_by", "created_at")
    column_default_sort: ClassVar = [("sort_order", False), ("id", False)]
    column_labels: ClassVar = {
        "pinned_by": _l("Pinned by"),
        "created_at": _l("Pinned"),
    }
    form_columns = ("module", "sort_order")
    form_ajax_refs: ClassVar = {"module": ModuleLoader("module", published_only=True)}
    form_args: ClassVar = {
        "module": {
            "validators": [
                unique_together(CompanyPinnedModule, _l("This module is already pinned."), module_id="module")
            ],
            "description": _l("Only published modules can be pinned."),
        }
    }

    def on_model_change(self, form: Any, model: CompanyPinnedModule, is_created: bool) -> None:
        if is_created:
            model.pinned_by_id = current_user.id
        super().on_model_change(form, model, is_created)


class AssignmentView(TenantModelView):
    """Modules assigned to groups, with deadlines; ``?group_id=`` shows one group's assignments."""

    permission = Permission.MANAGE_GROUPS
    scope_group = "group_id"
    parent_field = "group"
    audit_actions: ClassVar = {
        "create": AuditAction.MODULE_ASSIGNED,
        "update": AuditAction.RECORD_UPDATED,
        "delete": AuditAction.MODULE_UNASSIGNED,
    }
    column_list = ("group", "module", "deadline_days", "is_mandatory", "created_at")
    column_filters = ("group.name", "module.title", "is_mandatory")
    column_sortable_list = (
        ("group", "group.name"),
        ("module", "module.title"),
        "deadline_days",
        "is_mandatory",
        "created_at",
    )
    column_default_sort: ClassVar = ("created_at", True)
    column_labels: ClassVar = {
        "deadline_days": _l("Deadline (days)"),
        "is_mandatory": _l("Mandatory"),
        "created_at": _l("Assigned"),
    }
    form_columns = ("group", "module", "deadline_days", "is_mandatory")
    form_ajax_refs: ClassVar = {"module": ModuleLoader("module")}
    form_args: ClassVar = {
        "group": {"query_factory": groups_within(Permission.MANAGE_GROUPS)},
        "module": {
            "validators": [
                unique_together(
                    ModuleGroup,
                    _l("This module is already assigned to this group."),
                    module_id="module",
                    group_id="group",
                )
            ]
        },
        "deadline_days": optional_number(
            0,
            _l("A deadline cannot be negative; leave it empty for no deadline."),
            _l("Days from joining the group or from this assignment, whichever is later."),
        ),
    }


def views() -> list[TenantModelView]:
    category = CATEGORIES["content"]
    return [
        CategoryView(ModuleCategory, name=_l("Categories"), category=category, endpoint="categories"),
        TagView(Tag, name=_l("Tags"), category=category, endpoint="tags"),
        PinnedModuleView(CompanyPinnedModule, name=_l("Company pins"), category=category, endpoint="pinned_modules"),
        AssignmentView(ModuleGroup, name=_l("Group assignments"), category=category, endpoint="assignments"),
    ]
