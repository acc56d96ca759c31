"""Two tenants full of data for the sweep, and what each must never show of the other."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lms.demo.companies import TENANTS
from lms.demo.seed import seed_demo
from lms.extensions import db
from lms.models import (
    AuditLog,
    ChatMessage,
    Comment,
    Group,
    KnowledgeSuggestion,
    KnowledgeSuggestionComment,
    LiveEventGroup,
    MediaAsset,
    Membership,
    MentorLiveEvent,
    MentorRadarPost,
    Module,
    ModuleCategory,
    Section,
    Tag,
    Tenant,
    User,
    UserGroup,
    UserPermission,
)
from lms.models.enums import (
    AuditAction,
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    ModuleStatus,
    Permission,
    RadarPostStatus,
    SectionType,
    TenantRole,
    VideoSourceType,
    VideoStatus,
)
from lms.models.types import utcnow
from lms.services import email_preferences
from lms.storage import get_storage
from lms.tenancy import tenant_context, unscoped

ROLES = tuple(TenantRole)
SHARED_EMAILS = {"learner1@acme.test"}


@dataclass
class TenantWorld:
    """Plain values only: the test's requests run in app contexts of their own."""

    tenant_id: int
    slug: str
    login_ids: dict[TenantRole, str] = field(default_factory=dict)
    markers: set[str] = field(default_factory=set)


@dataclass
class World:
    acme: TenantWorld
    globex: TenantWorld

    def other(self, side: TenantWorld) -> TenantWorld:
        return self.globex if side is self.acme else self.acme


def _role_user(tenant: Tenant, role: TenantRole) -> User:
    with tenant_context(tenant.id):
        user = db.session.scalar(
            sa.select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.role == role, User.email.not_in(SHARED_EMAILS))
            .order_by(User.email)
            .limit(1)
        )
        if user is None:
            user = User(email=f"{role.name.lower()}@{tenant.slug}.test", name=f"{role.name.title()} {tenant.name}")
            db.session.add(user)
            db.session.flush()
            db.session.add(Membership(user_id=user.id, role=role))
    return user


def _extra_rows(tenant: Tenant, users: dict[TenantRole, User]) -> None:
    """Rows of the tables the demo seed leaves empty, so every admin list has something of each tenant."""
    employee = users[TenantRole.EMPLOYEE]
    with tenant_context(tenant.id):
        # A grant the ADMIN holds anyway: the row exists without changing what any swept role may do.
        db.session.add(UserPermission(user_id=users[TenantRole.ADMIN].id, permission=Permission.VIEW_GROUP_PROGRESS))
        email_preferences.ensure(employee.id)  # the demo seed may have made it already
        suggestion = KnowledgeSuggestion(author_id=employee.id, title=f"Suggestion {tenant.slug}-marker")
        db.session.add(suggestion)
        db.session.flush()
        db.session.add(KnowledgeSuggestionComment(suggestion_id=suggestion.id, user_id=employee.id, body="First"))
        module_id = db.session.scalar(
            sa.select(Module.id).where(Module.status == ModuleStatus.PUBLISHED).order_by(Module.id).limit(1)
        )
        question = Comment(module_id=module_id, user_id=employee.id, body=f"Comment {tenant.slug}-marker")
        db.session.add(question)
        db.session.flush()
        db.session.add(Comment(module_id=module_id, user_id=users[TenantRole.HR].id, parent_id=question.id, body="Yes"))
        for status in (RadarPostStatus.APPROVED, RadarPostStatus.PENDING):
            db.session.add(
                MentorRadarPost(
                    author_id=users[TenantRole.HR].id,
                    url=f"https://{tenant.slug}.example/{status.name.lower()}",
                    title=f"Radar {status.name.lower()} {tenant.slug}-marker",
                    status=status,
                    approved_at=utcnow() if status is RadarPostStatus.APPROVED else None,
                )
            )
        for room in (None, module_id):
            db.session.add(ChatMessage(module_id=room, user_id=employee.id, body=f"Chat {tenant.slug}-marker"))
        _live_event(tenant, users)
        _uploaded_video(tenant, module_id)
        db.session.add(
            AuditLog(
                action=AuditAction.RECORD_UPDATED,
                entity_type="module",
                entity_id="1",
                actor_id=users[TenantRole.HR].id,
                details={"marker": f"audit-{tenant.slug}-marker"},
            )
        )


SWEEP_EVENT = "Sweep live event"


def _uploaded_video(tenant: Tenant, module_id: int) -> None:
    """A READY uploaded video with its poster, stored, in a section of a published module: the video
    and poster routes have one to serve."""
    key = f"tenants/{tenant.id}/media/sweep.webm"
    get_storage().save(key, io.BytesIO(b"\x1a\x45\xdf\xa3" + b"\x00" * 60))
    get_storage().save(f"{key}.poster.jpg", io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 60))
    asset = MediaAsset(
        type=MediaAssetType.VIDEO,
        status=MediaAssetStatus.READY,
        provider=MediaProvider.LOCAL,
        title=f"Sweep video {tenant.slug}",
        file_name="sweep.webm",
        content_type="video/webm",
        storage_path=key,
        poster_path=f"{key}.poster.jpg",
        size_bytes=64,
    )
    db.session.add(asset)
    db.session.flush()
    db.session.add(
        Section(
            module_id=module_id,
            title=f"Sweep video {tenant.slug}",
            type=SectionType.VIDEO,
            sort_order=db.session.scalar(sa.select(sa.func.count()).where(Section.module_id == module_id)),
            video_source_type=VideoSourceType.UPLOAD,
            video_status=VideoStatus.READY,
            media_asset_id=asset.id,
        )
    )


def _live_event(tenant: Tenant, users: dict[TenantRole, User]) -> None:
    """An upcoming live event for a group of every swept role, so each may open its calendar file."""
    everyone = Group(name=f"Everyone {tenant.slug}-marker")
    db.session.add(everyone)
    db.session.flush()
    for user in users.values():
        db.session.add(UserGroup(user_id=user.id, group_id=everyone.id))
    event = MentorLiveEvent(
        title=f"{SWEEP_EVENT} {tenant.slug}",
        starts_at=utcnow() + timedelta(days=2),
        meet_url=f"https://{tenant.slug}.example/meet",
        host_id=users[TenantRole.HR].id,
    )
    db.session.add(event)
    db.session.flush()
    db.session.add(LiveEventGroup(event_id=event.id, group_id=everyone.id))


def _markers(tenant: Tenant) -> set[str]:
    """Strings that identify this tenant's rows: emails, names, titles (long enough to be unique)."""
    with tenant_context(tenant.id):
        emails = set(db.session.scalars(sa.select(User.email).join(Membership, Membership.user_id == User.id)))
        names = set(db.session.scalars(sa.select(Group.name)))
        names |= set(db.session.scalars(sa.select(ModuleCategory.name)))
        names |= set(db.session.scalars(sa.select(Tag.name)))
    demo = next(t for t in TENANTS if t.slug == tenant.slug)
    titles = {module.title for module in demo.modules}
    markers = (emails - SHARED_EMAILS) | names | titles | {f"audit-{tenant.slug}-marker", tenant.name}
    markers.add(f"Comment {tenant.slug}-marker")
    markers.add(f"Chat {tenant.slug}-marker")
    markers |= {f"Radar approved {tenant.slug}-marker", f"Radar pending {tenant.slug}-marker"}
    # A word of the app's own URLs (the menu links /admin/reports/compliance/ on every page)
    # marks no tenant, even when a tenant names a tag so.
    urls = " ".join(rule.rule for rule in current_app.url_map.iter_rules())
    return {marker for marker in markers if len(marker) >= 8 and marker not in urls}


def build_world() -> World:
    seed_demo()
    with unscoped("sweep world"):
        tenants = {t.slug: t for t in db.session.scalars(sa.select(Tenant))}
    sides = {}
    for slug in ("acme", "globex"):
        tenant = tenants[slug]
        users = {role: _role_user(tenant, role) for role in ROLES}
        _extra_rows(tenant, users)
        db.session.flush()
        sides[slug] = TenantWorld(
            tenant_id=tenant.id,
            slug=slug,
            login_ids={role: user.get_id() for role, user in users.items()},
            markers=_markers(tenant),
        )
    db.session.commit()
    return World(sides["acme"], sides["globex"])
