"""Telling learners about a published module and about its updates (issue 15, item 6).

- **Publishing** a module is news for the people it is meant for: the active members of
  the groups it is assigned to get NEW_MODULE; a module assigned to no group is for the
  whole company, so every active member gets NEW_KNOWLEDGE. Each person hears of a module
  once: both types share the key ``module-published:<module>:<user>`` in NotificationDedup,
  so publishing again after an archive, or a second click, tells nobody twice — only
  someone who was not among the recipients before (e.g. joined the group since) is told.
- **Publishing an update** (DESIGN.md: module versions) concerns those who completed an
  earlier version: the holders of a certificate of the module (the newest of their chain,
  not revoked) whose ``module_version`` is older get MODULE_UPDATED with the change
  summary, once per version (``module-updated:<module>:<version>:<user>``).

Whoever publishes is not told about their own work. Every notice links to the module and
is worded in the tenant's language (``notifications.notify_many``, which also sends the
email copies by each recipient's preferences). The recipients cost one query however many
there are, then ``notify_many``'s few set-based statements; the caller commits, so the
notices are written in the same transaction as the publishing itself.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.models import Certificate, Membership, Module, ModuleGroup, NotificationDedup, User, UserGroup
from lms.models.enums import NotificationType
from lms.services.links import path_for
from lms.services.notifications import OutgoingNotification, Text, notify_many


def published_key(module_id: int) -> str:
    """The dedup prefix of a module's publishing notice; the recipient's id completes it."""
    return f"module-published:{module_id}:"


def updated_key(module_id: int, version: int) -> str:
    """The dedup prefix of one version's update notice; the recipient's id completes it."""
    return f"module-updated:{module_id}:{version}:"


def module_published(module: Module, actor_id: int | None) -> int:
    """Tell the module's audience it is published; how many were told. The caller commits."""
    prefix = published_key(module.id)
    assigned_groups = sa.select(ModuleGroup.group_id).where(ModuleGroup.module_id == module.id)
    in_assigned_group = (
        sa.select(UserGroup.user_id)
        .where(UserGroup.user_id == Membership.user_id, UserGroup.group_id.in_(assigned_groups))
        .exists()
    )
    is_assigned = assigned_groups.exists()
    rows = db.session.execute(
        _active_members()
        .add_columns(is_assigned)
        .where(
            sa.or_(~is_assigned, in_assigned_group),
            _not_told(prefix, Membership.user_id),
            *_not_the_actor(Membership.user_id, actor_id),
        )
        .order_by(Membership.user_id)
    ).all()
    if not rows:
        return 0
    if rows[0][1]:
        type_ = NotificationType.NEW_MODULE
        title, message = _l("New module: %(module)s", module=module.title), _l("It is assigned to your group.")
    else:
        type_ = NotificationType.NEW_KNOWLEDGE
        title = _l("New in the catalog: %(module)s", module=module.title)
        message = _l("A new module is published for everyone in the company.")
    return _send(module, [user_id for user_id, _ in rows], type_, title, message, prefix)


def module_updated(module: Module, summary: str, actor_id: int | None) -> int:
    """Tell those who completed an earlier version what changed; how many were told. The caller commits."""
    prefix = updated_key(module.id, module.version)
    user_ids = db.session.scalars(
        _active_members()
        .join(
            Certificate,
            sa.and_(Certificate.user_id == Membership.user_id, Certificate.tenant_id == Membership.tenant_id),
        )
        .where(
            Certificate.module_id == module.id,
            Certificate.module_version < module.version,
            Certificate.revoked_at.is_(None),
            _has_no_successor(),
            _not_told(prefix, Membership.user_id),
            *_not_the_actor(Membership.user_id, actor_id),
        )
        .distinct()
        .order_by(Membership.user_id)
    ).all()
    title = _l("Module updated: %(module)s", module=module.title)
    message = _l("Version %(version)d: %(summary)s", version=module.version, summary=summary)
    return _send(module, list(user_ids), NotificationType.MODULE_UPDATED, title, message, prefix)


def _active_members() -> sa.Select[tuple[int]]:
    """The current tenant's active members whose account is active too (a locked account gets nothing)."""
    return (
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.is_active, User.is_active)
    )


def _has_no_successor() -> sa.ColumnElement[bool]:
    """SQL: the certificate is the newest of its chain (as ``certificates.is_newest``, which this
    module cannot import: certificates reaches content, and content calls this module)."""
    successor = aliased(Certificate)
    return ~sa.select(successor.id).where(successor.previous_certificate_id == Certificate.id).exists()


def _not_told(prefix: str, user_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """SQL: the key ``prefix<user>`` is not used yet, so a repeat does not even build the notices."""
    key = sa.literal(prefix) + sa.cast(user_id, sa.String)
    return ~sa.select(NotificationDedup.id).where(NotificationDedup.dedup_key == key).exists()


def _not_the_actor(user_id: sa.ColumnElement[int], actor_id: int | None) -> list[sa.ColumnElement[bool]]:
    return [] if actor_id is None else [user_id != actor_id]


def _send(module: Module, user_ids: list[int], type_: NotificationType, title: Text, message: Text, prefix: str) -> int:
    """One notice per user, keyed ``prefix<user>`` (``notify_many`` cuts a title too long for its column)."""
    if not user_ids:
        return 0
    with tenant_locale(module.tenant_id):
        title, message = str(title), str(message)
    link = path_for("learner.module_page", module_id=module.id)
    return notify_many(
        [
            OutgoingNotification(
                user_id=user_id, type=type_, title=title, message=message, link=link, dedup_key=prefix + str(user_id)
            )
            for user_id in user_ids
        ]
    )
