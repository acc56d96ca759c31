"""Does every learner route require sign-in and a tenant, and keep to that tenant? (issue 4: the sweep)

Routes are taken from the app's URL map (endpoints ``learner.*``), so routes added
later are swept without editing this file; a route argument needs its model in
``ARG_MODELS`` (the test says so when one is missing).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from lms.extensions import db
from lms.models import (
    Attachment,
    Certificate,
    ChatMessage,
    Comment,
    KnowledgeSuggestion,
    MediaAsset,
    MentorLiveEvent,
    MentorRadarPost,
    Module,
    ModulePrerequisite,
    Notification,
    Reward,
    RewardRedemption,
    Section,
)
from lms.models.enums import (
    ChatMessageType,
    MediaAssetStatus,
    ModuleStatus,
    RadarPostStatus,
    TenantRole,
    VideoSourceType,
)
from lms.tenancy import unscoped
from tests.sweep.world import ROLES, SWEEP_EVENT, TenantWorld, World, build_world

_PUBLISHED = sa.select(Module.id).where(Module.status == ModuleStatus.PUBLISHED)
_UNLOCKED = _PUBLISHED.where(
    ~sa.select(ModulePrerequisite.id).where(ModulePrerequisite.dependent_module_id == Module.id).exists()
)
ARG_MODELS: dict[str, tuple[type, object]] = {
    "module_id": (Module, Module.id.in_(_UNLOCKED)),
    "section_id": (Section, Section.module_id.in_(_UNLOCKED)),
    "attachment_id": (
        Attachment,
        Attachment.section_id.in_(sa.select(Section.id).where(Section.module_id.in_(_UNLOCKED))),
    ),
    # A section whose uploaded video and its poster may be streamed (the world adds one to each tenant).
    "video_section_id": (
        Section,
        sa.and_(
            Section.module_id.in_(_UNLOCKED),
            Section.video_source_type == VideoSourceType.UPLOAD,
            Section.media_asset_id.in_(
                sa.select(MediaAsset.id).where(
                    MediaAsset.status == MediaAssetStatus.READY, MediaAsset.poster_path.is_not(None)
                )
            ),
        ),
    ),
    "notification_id": (Notification, sa.true()),
    "certificate_id": (Certificate, Certificate.revoked_at.is_(None)),
    "reward_id": (Reward, Reward.active),
    "redemption_id": (RewardRedemption, sa.true()),
    "suggestion_id": (KnowledgeSuggestion, sa.true()),
    "comment_id": (Comment, Comment.module_id.in_(_PUBLISHED)),
    "radar_post_id": (MentorRadarPost, MentorRadarPost.status == RadarPostStatus.APPROVED),
    "message_id": (ChatMessage, ChatMessage.type == ChatMessageType.MESSAGE),
    # The world's event for a group of every role (another event may be for others only: a 404).
    "event_id": (MentorLiveEvent, MentorLiveEvent.title.startswith(SWEEP_EVENT)),
}
# Arguments naming a row of one user: the sweep asks with the signed-in user's own row
# (what they may use) and, in a test of its own, with another user's row of the same
# tenant (a 404, as another tenant's row is). A role owning no such row (no certificate)
# has no page to open there and is skipped.
OWNED_BY: dict[str, sa.ColumnElement[int]] = {
    "notification_id": Notification.user_id,
    "certificate_id": Certificate.user_id,
    "redemption_id": RewardRedemption.user_id,
}
# The POSTs a VIEWER may make, each changing only the viewer's own data: reading one's
# notifications, or the page's usage ping (reading is using), is not submitting, posting or
# earning XP (DESIGN.md: roles).
VIEWER_MAY_POST = {
    "learner.notification_read",
    "learner.notifications_read_all",
    "learner.usage_ping",
    "learner.save_settings",
    # One's own calendar link: a new one or none, seen by nobody else (issue 15, item 4).
    "learner.calendar_feed_regenerate",
    "learner.calendar_feed_revoke",
}
# What an allowed POST of the VIEWER sends, where an empty form would be a form error (400).
VIEWER_POSTS: dict[str, dict[str, str]] = {"learner.save_settings": {"frequency": "OFF"}}
# The pages a VIEWER is refused (403 with a sentence): a VIEWER earns no XP, so has no XP page (issue 14).
VIEWER_MAY_NOT_READ = {"learner.xp_page"}


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def learner_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("learner.")]


def _client_for(app: Flask, side: TenantWorld, role: TenantRole, *, with_tenant: bool = True) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = side.login_ids[role]
        session["_fresh"] = True
        if with_tenant:
            session["tenant_id"] = side.tenant_id
    return client


def _user_id(side: TenantWorld, role: TenantRole) -> int:
    return int(side.login_ids[role].partition(":")[0])


def _row_id(
    app: Flask, argument: str, side: TenantWorld, owner: int | None = None, *, others: bool = False
) -> int | None:
    """A row of the side's tenant; for a per-user argument, the ``owner``'s own (or, with ``others``, not theirs).

    None when the owner has none of their own.
    """
    model, condition = ARG_MODELS[argument]
    if argument in OWNED_BY and owner is not None:
        condition = sa.and_(condition, OWNED_BY[argument] != owner if others else OWNED_BY[argument] == owner)
    with app.app_context(), unscoped("sweep: a row of a tenant"):
        row_id = db.session.scalar(
            sa.select(model.id).where(model.tenant_id == side.tenant_id, condition).order_by(model.id).limit(1)
        )
    if row_id is None and argument in OWNED_BY and owner is not None and not others:
        return None
    assert row_id is not None, f"the world has no {argument} row for this request"
    return row_id


def _url(app: Flask, rule: Rule, side: TenantWorld, owner: int | None = None, *, others: bool = False) -> str | None:
    """The rule's URL with rows of ``side``; None when ``owner`` owns no row the rule needs."""
    values = {argument: _row_id(app, argument, side, owner, others=others) for argument in rule.arguments}
    if None in values.values():
        return None
    with app.test_request_context():
        return rule.build(values)[1]


def test_every_route_argument_has_a_model(app: Flask) -> None:
    missing = sorted({arg for rule in learner_rules(app) for arg in rule.arguments} - set(ARG_MODELS))
    assert missing == [], "add these arguments to ARG_MODELS"


def test_anonymous_users_are_sent_to_sign_in(app: Flask, world: World) -> None:
    client = app.test_client()
    failures = []
    for rule in learner_rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(app, rule, world.acme), method=method)
            if response.status_code != 302 or "/login" not in response.location:
                failures.append(f"{method} {rule.rule}: {response.status_code}")
    assert failures == []


def test_signed_in_without_a_tenant_is_asked_to_choose_one(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.EMPLOYEE, with_tenant=False)
    failures = []
    for rule in learner_rules(app):
        if "GET" not in rule.methods:
            continue
        response = client.get(_url(app, rule, world.acme))
        if response.status_code != 302 or "/tenants" not in response.location:
            failures.append(f"GET {rule.rule}: {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", ROLES, ids=[role.name for role in ROLES])
def test_every_role_can_read_every_page_of_its_tenant(app: Flask, world: World, role: TenantRole) -> None:
    client = _client_for(app, world.acme, role)
    failures = []
    for rule in learner_rules(app):
        if "GET" not in rule.methods:
            continue
        url = _url(app, rule, world.acme, _user_id(world.acme, role))
        if url is None:
            continue
        response = client.get(url)
        expected = 403 if role is TenantRole.VIEWER and rule.endpoint in VIEWER_MAY_NOT_READ else 200
        if response.status_code != expected:
            failures.append(f"GET {rule.rule}: {response.status_code}")
            continue
        if not response.mimetype.startswith("text/"):
            continue
        leaked = sorted(marker for marker in world.globex.markers if marker in response.get_data(as_text=True))
        if leaked:
            failures.append(f"GET {rule.rule} shows globex's {leaked[:3]}")
    assert failures == []


def test_the_other_tenants_rows_are_404(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.OWNER)
    failures = []
    for rule in learner_rules(app):
        if not rule.arguments:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(app, rule, world.globex), method=method)
            if response.status_code != 404:
                failures.append(f"{method} {rule.rule} with globex ids: {response.status_code}")
    assert failures == []


def test_another_users_rows_are_404(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.EMPLOYEE)
    employee = _user_id(world.acme, TenantRole.EMPLOYEE)
    failures = []
    for rule in learner_rules(app):
        if not rule.arguments & set(OWNED_BY):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(_url(app, rule, world.acme, employee, others=True), method=method)
            if response.status_code != 404:
                failures.append(f"{method} {rule.rule} with another user's ids: {response.status_code}")
    assert failures == []


def test_viewers_cannot_submit_anything(app: Flask, world: World) -> None:
    client = _client_for(app, world.acme, TenantRole.VIEWER)
    viewer = _user_id(world.acme, TenantRole.VIEWER)
    failures = []
    for rule in learner_rules(app):
        if "POST" not in rule.methods:
            continue
        url = _url(app, rule, world.acme, viewer)
        if url is None:
            continue
        response = client.post(url, data=VIEWER_POSTS.get(rule.endpoint))
        if rule.endpoint in VIEWER_MAY_POST:
            if response.status_code >= 400:
                failures.append(f"POST {rule.rule} as VIEWER (allowed): {response.status_code}")
        elif response.status_code != 403:
            failures.append(f"POST {rule.rule} as VIEWER: {response.status_code}")
    assert failures == []


def test_every_route_of_own_rows_is_opened_by_some_role(app: Flask, world: World) -> None:
    """A route of per-user rows that no swept role owns would be skipped by every role above."""
    unswept = [
        rule.rule
        for rule in learner_rules(app)
        if rule.arguments & set(OWNED_BY)
        and all(_url(app, rule, world.acme, _user_id(world.acme, role)) is None for role in ROLES)
    ]
    assert unswept == []
