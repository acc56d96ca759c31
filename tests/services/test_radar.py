"""Do radar posts keep their rules: who posts, which links, the status flow, new and saved? (issue 15, item 3)"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import AuditLog, MentorRadarPost, ModuleMentor, Notification, RadarSave, RadarSeen, User
from lms.models.enums import AuditAction, NotificationType, RadarPostStatus, TenantRole
from lms.models.types import utcnow
from lms.services import radar
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_module, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _mentor(world: TwoTenants, email: str = "mia@acme.test") -> User:
    """A plain employee who mentors a module: mentoring grants MANAGE_OWN_MODULES."""
    mentor = make_user(email, (world.acme, TenantRole.EMPLOYEE))
    module = make_module(world.acme, f"Module of {email}")
    with tenant_context(world.acme.id):
        db.session.add(ModuleMentor(module_id=module.id, user_id=mentor.id))
        db.session.flush()
    return mentor


def _post(world: TwoTenants, author: User, title: str = "Ladder guide") -> MentorRadarPost:
    with tenant_context(world.acme.id):
        return radar.submit(author, world.acme, "https://example.com/ladders", title, "Read it.")


def _statuses() -> list[RadarPostStatus]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(MentorRadarPost.status).order_by(MentorRadarPost.id)))


def _notices(user_id: int) -> list[tuple[NotificationType, str, str]]:
    rows = db.session.execute(
        sa.select(Notification.type, Notification.title, Notification.message).where(Notification.user_id == user_id)
    )
    return [tuple(row) for row in rows]


def test_a_mentor_posts_and_the_post_waits_for_approval(world: TwoTenants) -> None:
    mentor = _mentor(world)
    post = _post(world, mentor)
    with tenant_context(world.acme.id):
        assert (post.status, post.author_id, post.approved_at) == (RadarPostStatus.PENDING, mentor.id, None)
        assert radar.visit(world.ana.id).posts == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com/file",
        "//example.com/no-scheme",
        "https://",
        "https://user:secret@example.com/",
        "https://exa mple.com/",
        "https://example.com:port/",
        "https://example.com/\x00",
        "https://example.com/" + "a" * 2048,
        "   ",
    ],
)
def test_only_http_and_https_links_with_a_host_are_accepted(world: TwoTenants, url: str) -> None:
    mentor = _mentor(world)
    with tenant_context(world.acme.id), pytest.raises(radar.InvalidLink):
        radar.submit(mentor, world.acme, url, "Bad link")
    with tenant_context(world.acme.id):
        assert _statuses() == []


def test_the_address_is_stored_as_typed_without_surrounding_blanks(world: TwoTenants) -> None:
    assert radar.clean_url("  HTTPS://Example.com/a?b=1#c  ") == "HTTPS://Example.com/a?b=1#c"


@pytest.mark.parametrize("role", [TenantRole.EMPLOYEE, TenantRole.VIEWER])
def test_who_neither_mentors_nor_manages_modules_cannot_post(world: TwoTenants, role: TenantRole) -> None:
    person = world.ana if role is TenantRole.EMPLOYEE else make_user("vid@acme.test", (world.acme, role))
    with tenant_context(world.acme.id), pytest.raises(radar.PostNotAllowed):
        radar.submit(person, world.acme, "https://example.com/", "Mine")


def test_hr_manages_all_modules_and_may_post(world: TwoTenants) -> None:
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    assert _post(world, hr).status is RadarPostStatus.PENDING


def test_approving_notifies_and_audits_once_and_shows_the_post(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    post = _post(world, mentor)
    with tenant_context(world.acme.id):
        radar.approve(post, hr)
        with pytest.raises(radar.AlreadyDecided):
            radar.approve(post, hr)
        with pytest.raises(radar.AlreadyDecided):
            radar.reject(post, hr, "Too late")
        assert (post.status, post.approved_by_id) == (RadarPostStatus.APPROVED, hr.id)
        assert [n[0] for n in _notices(mentor.id)] == [NotificationType.RADAR_APPROVED]
        audited = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.entity_id == str(post.id))).all()
        assert audited == [AuditAction.RADAR_POST_APPROVED]
        assert [p.id for p in radar.visit(world.ana.id).posts] == [post.id]


def test_rejecting_needs_a_reason_which_the_author_reads(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    post = _post(world, mentor)
    with tenant_context(world.acme.id):
        with pytest.raises(radar.ReasonRequired):
            radar.reject(post, hr, "  ")
        assert _statuses() == [RadarPostStatus.PENDING]
        radar.reject(post, hr, "Behind a paywall")
        assert (post.status, post.rejection_reason) == (RadarPostStatus.REJECTED, "Behind a paywall")
        [(kind, _title, message)] = _notices(mentor.id)
        assert kind is NotificationType.RADAR_REJECTED
        assert "Behind a paywall" in message
        assert db.session.scalar(sa.select(AuditLog.action).where(AuditLog.entity_id == str(post.id))) == (
            AuditAction.RADAR_POST_REJECTED
        )
        assert radar.visit(world.ana.id).posts == []
        assert [p.id for p in radar.posted_by(mentor.id)] == [post.id]


def test_pinned_posts_come_first_then_newest_approval(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    first, second, third = (_post(world, mentor, title) for title in ("First", "Second", "Third"))
    with tenant_context(world.acme.id):
        for post in (first, second, third):
            radar.approve(post, hr)
        assert [p.title for p in radar.visit(world.ana.id).posts] == ["Third", "Second", "First"]
        radar.pin(first, hr)
        with pytest.raises(radar.AlreadyDecided):
            radar.pin(first, hr)
        assert [p.title for p in radar.visit(world.ana.id).posts] == ["First", "Third", "Second"]
        radar.unpin(first, hr)
        assert [p.title for p in radar.visit(world.ana.id).posts] == ["Third", "Second", "First"]


def test_archiving_takes_a_post_off_the_radar_and_out_of_saved(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    post = _post(world, mentor)
    with tenant_context(world.acme.id):
        with pytest.raises(radar.AlreadyDecided):
            radar.archive(post, hr)  # only a post on the radar is archived; a waiting one is rejected
        radar.approve(post, hr)
        radar.pin(post, hr)
        radar.save(world.ana.id, post.id, True)
        radar.archive(post, hr)
        assert (post.status, post.pinned) == (RadarPostStatus.ARCHIVED, False)
        assert radar.visit(world.ana.id).posts == []
        assert radar.saved_by(world.ana.id) == []
        with pytest.raises(radar.RadarPostNotFound):
            radar.save(world.ana.id, post.id, True)
        with pytest.raises(radar.AlreadyDecided):
            radar.pin(post, hr)


def test_new_marks_what_was_approved_since_the_previous_visit(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    old, fresh = _post(world, mentor, "Old"), _post(world, mentor, "Fresh")
    with tenant_context(world.acme.id):
        radar.approve(old, hr)
        assert radar.visit(world.ana.id).new_ids == {old.id}  # a first visit: everything is new
        assert radar.visit(world.ana.id).new_ids == set()
        radar.approve(fresh, hr)
        db.session.execute(
            sa.update(MentorRadarPost)
            .where(MentorRadarPost.id == fresh.id)
            .values(approved_at=utcnow() + timedelta(seconds=1))
        )
        assert radar.visit(world.ana.id).new_ids == {fresh.id}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RadarSeen)) == 1


def test_saving_twice_saves_once_and_only_approved_posts(world: TwoTenants) -> None:
    mentor = _mentor(world)
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    waiting, shown = _post(world, mentor, "Waiting"), _post(world, mentor, "Shown")
    with tenant_context(world.acme.id):
        radar.approve(shown, hr)
        assert radar.save(world.ana.id, shown.id, True) is True
        assert radar.save(world.ana.id, shown.id, True) is False
        with pytest.raises(radar.RadarPostNotFound):
            radar.save(world.ana.id, waiting.id, True)
        assert [p.id for p in radar.saved_by(world.ana.id)] == [shown.id]
        assert radar.visit(world.ana.id).saved_ids == {shown.id}
        assert radar.save(world.ana.id, shown.id, False) is True
        assert radar.save(world.ana.id, shown.id, False) is False
        assert radar.saved_by(world.ana.id) == []


def test_a_viewer_reads_but_cannot_save(world: TwoTenants) -> None:
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    post = _post(world, hr)
    with tenant_context(world.acme.id):
        radar.approve(post, hr)
        assert [p.id for p in radar.visit(viewer.id).posts] == [post.id]
        with pytest.raises(radar.PostNotAllowed):
            radar.save(viewer.id, post.id, True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RadarSave)) == 0


def test_another_tenants_post_is_not_found_and_not_listed(world: TwoTenants) -> None:
    hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
    post = _post(world, hr)
    with tenant_context(world.acme.id):
        radar.approve(post, hr)
    with tenant_context(world.globex.id):
        assert radar.visit(world.bor.id).posts == []
        with pytest.raises(radar.RadarPostNotFound):
            radar.get_approved(post.id)
        with pytest.raises(radar.RadarPostNotFound):
            radar.save(world.bor.id, post.id, True)


def test_two_curators_approving_at_once_notify_the_author_once(app: Flask, committed: None) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        curators = [make_user(f"hr{n}@acme.test", (world.acme, TenantRole.HR)) for n in range(8)]
        post_id = _post(world, curators[0]).id
        tenant_id, author_id, curator_ids = world.acme.id, curators[0].id, [c.id for c in curators]
        db.session.commit()
    barrier = threading.Barrier(len(curator_ids))
    outcomes: list[str] = []

    def decide(curator_id: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            post = db.session.get(MentorRadarPost, post_id)
            curator = db.session.get(User, curator_id)
            barrier.wait()
            try:
                radar.approve(post, curator)
                db.session.commit()
                outcomes.append("approved")
            except radar.AlreadyDecided:
                db.session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=decide, args=(curator_id,)) for curator_id in curator_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved"] + ["refused"] * 7
    with app.app_context(), tenant_context(tenant_id):
        assert len(_notices(author_id)) == 1
        audited = sa.select(sa.func.count()).where(AuditLog.action == AuditAction.RADAR_POST_APPROVED)
        assert db.session.scalar(audited) == 1
