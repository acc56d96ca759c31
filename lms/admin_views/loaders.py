"""The admin's pickers: ajax loaders and choice queries, one per kind of row picked (issue 11).

Every picker's choices and every id posted back go through the loader's ``get_query``, so
the scoping hook keeps them to the tenant and a loader narrows further (published modules,
members within reach). DESIGN.md: admin screens at scale — relation dropdowns of large
tables are ajax lookups, capped whatever the browser asks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from flask import g
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_login import current_user
from sqlalchemy.orm import selectinload

from lms.admin_views.base import row_key
from lms.extensions import db
from lms.i18n import label
from lms.models import Group, MediaAsset, Membership, Module, Quiz, User
from lms.models.enums import MediaAssetStatus, MediaAssetType, MediaProvider, ModuleStatus, Permission
from lms.models.types import MAX_ID
from lms.permissions import current_reach
from lms.services import content


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


class ModuleLoader(TenantAjaxLoader):
    """Modules for a select box: this tenant's (the scoping hook), optionally only published
    ones, or only those the user may manage (MANAGE_OWN_MODULES: the ones they created or mentor)."""

    def __init__(self, name: str, *, published_only: bool = False, own_only: bool = False) -> None:
        super().__init__(name, Module, fields=["title"], order_by=Module.title)
        self.published_only = published_only
        self.own_only = own_only

    def get_query(self) -> Any:
        query = super().get_query()
        if self.published_only:
            query = query.filter(Module.status == ModuleStatus.PUBLISHED)
        if self.own_only and Permission.MANAGE_ALL_MODULES not in g.permissions:
            query = query.filter(Module.id.in_(content.own_module_ids(current_user.id)))
        return query


class VideoLoader(TenantAjaxLoader):
    """Videos of the media library that are not being deleted, of the given providers (our
    storage for an upload, Cloudflare Stream for a Stream video); each shown with its status."""

    def __init__(self, name: str, providers: Collection[MediaProvider]) -> None:
        super().__init__(name, MediaAsset, fields=["title", "file_name"], order_by=MediaAsset.title)
        self.providers = tuple(providers)

    def get_query(self) -> Any:
        return (
            super()
            .get_query()
            .filter(
                MediaAsset.type == MediaAssetType.VIDEO,
                MediaAsset.provider.in_(self.providers),
                MediaAsset.status.in_([MediaAssetStatus.PROCESSING, MediaAssetStatus.READY]),
            )
        )

    def format(self, model: MediaAsset | None) -> tuple[Any, str] | None:
        if model is None:
            return None
        return model.id, f"{model} ({label(model.status)})"


class QuizLoader(TenantAjaxLoader):
    def __init__(self, name: str) -> None:
        super().__init__(name, Quiz, fields=["title"], order_by=Quiz.title)


def with_people(*relations: Any) -> list[Any]:
    """Query options loading the people ``relations`` point at with their email and name only:
    a list needs no password hashes."""
    return [selectinload(relation).load_only(User.email, User.name) for relation in relations]


def groups_within(permission: Permission) -> Callable[[], Any]:
    """A group picker's choices: the groups the signed-in user reaches with ``permission``."""

    def groups() -> Any:
        return current_reach(permission).narrow_groups(db.session.query(Group).order_by(Group.name), Group.id)

    return groups
