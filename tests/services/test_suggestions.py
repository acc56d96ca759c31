"""Do votes, comments and reviews of suggestions keep their rules? (DESIGN.md: suggestions; issue 7, item 8)"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    KnowledgeSuggestion,
    KnowledgeSuggestionComment,
    KnowledgeSuggestionVote,
    Module,
    Notification,
    XpTransaction,
)
from lms.models.enums import ModuleStatus, NotificationType, SuggestionStatus, TenantRole, XpSourceType
from lms.services import suggestions
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _count(suggestion_id: int) -> tuple[int, int]:
    """(vote_count, votes) as the database has them."""
    db.session.expire_all()
    stored = db.session.scalar(sa.select(KnowledgeSuggestion.vote_count).where(KnowledgeSuggestion.id == suggestion_id))
    votes = db.session.scalar(sa.select(sa.func.count()).where(KnowledgeSuggestionVote.suggestion_id == suggestion_id))
    return stored, votes


def _notices(type_: NotificationType) -> list[Notification]:
    return db.session.scalars(sa.select(Notification).where(Notification.type == type_)).all()


def test_double_vote_counts_once_and_unvote_twice_removes_once(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Forklift basics", "Nobody explains the forklift.")
        assert suggestions.vote(world.ana.id, suggestion.id, True) is True
        assert suggestions.vote(world.ana.id, suggestion.id, True) is False
        assert _count(suggestion.id) == (1, 1)
        assert suggestions.vote(world.ana.id, suggestion.id, False) is True
        assert suggestions.vote(world.ana.id, suggestion.id, False) is False
        assert _count(suggestion.id) == (0, 0)


def test_vote_count_equals_the_votes_of_several_users(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        users = [make_user(f"v{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(4)]
        suggestion = suggestions.submit(world.ana.id, "Ladders", "")
        for user in users:
            suggestions.vote(user.id, suggestion.id, True)
        suggestions.vote(users[0].id, suggestion.id, False)
        assert _count(suggestion.id) == (3, 3)


def test_viewer_cannot_submit_vote_or_comment(world: TwoTenants) -> None:
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Ladders", "")
        with pytest.raises(suggestions.PostNotAllowed):
            suggestions.submit(viewer.id, "Mine", "")
        with pytest.raises(suggestions.PostNotAllowed):
            suggestions.vote(viewer.id, suggestion.id, True)
        with pytest.raises(suggestions.PostNotAllowed):
            suggestions.comment(viewer.id, suggestion.id, "Hello")
        assert _count(suggestion.id) == (0, 0)


def test_popular_threshold_notifies_every_manager_once(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    admin = make_user("admin@acme.test", (world.acme, TenantRole.ADMIN))
    voters = [make_user(f"v{n}@acme.test", (world.acme, TenantRole.EMPLOYEE)) for n in range(3)]
    world.acme.settings = {**(world.acme.settings or {}), "suggestion_popular_threshold": 2}
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Ladders", "")
        suggestions.vote(voters[0].id, suggestion.id, True)
        assert _notices(NotificationType.SUGGESTION_POPULAR) == []
        suggestions.vote(voters[1].id, suggestion.id, True)
        suggestions.vote(voters[1].id, suggestion.id, False)
        suggestions.vote(voters[1].id, suggestion.id, True)
        suggestions.vote(voters[2].id, suggestion.id, True)
        notices = _notices(NotificationType.SUGGESTION_POPULAR)
        assert sorted(n.user_id for n in notices) == sorted([hr.id, admin.id])
        assert suggestion.popular_notified_at is not None


def test_reply_must_answer_a_comment_of_the_same_suggestion(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        first = suggestions.submit(world.ana.id, "Ladders", "")
        second = suggestions.submit(world.ana.id, "Forklifts", "")
        comment = suggestions.comment(world.ana.id, first.id, "Yes please")
        reply = suggestions.comment(world.ana.id, first.id, "Agreed", parent_id=comment.id)
        assert reply.parent_id == comment.id
        with pytest.raises(suggestions.InvalidParent):
            suggestions.comment(world.ana.id, second.id, "Wrong thread", parent_id=comment.id)
        assert db.session.scalar(sa.select(sa.func.count(KnowledgeSuggestionComment.id))) == 2


def test_another_tenants_suggestion_is_not_found(world: TwoTenants) -> None:
    with tenant_context(world.globex.id):
        foreign = suggestions.submit(world.bor.id, "Varnost", "")
    with tenant_context(world.acme.id):
        with pytest.raises(suggestions.SuggestionNotFound):
            suggestions.comment(world.ana.id, foreign.id, "Hello")
        with pytest.raises(suggestions.SuggestionNotFound):
            suggestions.vote(world.ana.id, foreign.id, True)


def _top_xp(user_id: int) -> list[int]:
    return db.session.scalars(
        sa.select(XpTransaction.amount).where(
            XpTransaction.user_id == user_id, XpTransaction.source == XpSourceType.TOP_SUGGESTION
        )
    ).all()


def test_convert_creates_a_draft_module_and_pays_the_author_once(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Forklift basics", "Nobody explains the forklift.")
        module = suggestions.convert(suggestion, hr)
        assert (module.status, module.title, module.description) == (
            ModuleStatus.DRAFT,
            "Forklift basics",
            "Nobody explains the forklift.",
        )
        assert module.created_by_id == hr.id
        assert (suggestion.status, suggestion.converted_module_id) == (SuggestionStatus.CONVERTED, module.id)
        assert _top_xp(world.ana.id) == [200]
        assert [n.user_id for n in _notices(NotificationType.SUGGESTION_STATUS_CHANGED)] == [world.ana.id]
        with pytest.raises(suggestions.AlreadyReviewed):
            suggestions.convert(suggestion, hr)


def test_approve_then_convert_pays_once(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Ladders", "")
        suggestions.approve(suggestion, hr)
        suggestions.convert(suggestion, hr)
        assert _top_xp(world.ana.id) == [200]
        assert len(_notices(NotificationType.SUGGESTION_STATUS_CHANGED)) == 2
        assert db.session.scalar(sa.select(sa.func.count(Module.id))) == 1


def test_reject_needs_a_reason_and_tells_the_author(world: TwoTenants) -> None:
    hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
    with tenant_context(world.acme.id):
        suggestion = suggestions.submit(world.ana.id, "Ladders", "")
        with pytest.raises(suggestions.ReasonRequired):
            suggestions.reject(suggestion, hr, "  ")
        assert suggestion.status is SuggestionStatus.OPEN
        suggestions.reject(suggestion, hr, "Already covered")
        assert (suggestion.status, suggestion.rejection_reason) == (SuggestionStatus.REJECTED, "Already covered")
        assert _top_xp(world.ana.id) == []
        assert "Already covered" in _notices(NotificationType.SUGGESTION_STATUS_CHANGED)[0].message


def test_fifty_threads_voting_leave_vote_count_equal_to_distinct_voters(app: Flask, committed: None) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        tenants = two_tenants()
        users = [make_user(f"u{n}@acme.test", (tenants.acme, TenantRole.EMPLOYEE)) for n in range(50)]
        with tenant_context(tenants.acme.id):
            suggestion_id = suggestions.submit(tenants.ana.id, "Ladders", "").id
        tenant_id, user_ids = tenants.acme.id, [user.id for user in users]
        db.session.commit()
    # Every user clicks twice (a double click), all released at once.
    clicks = user_ids + user_ids
    barrier = threading.Barrier(len(clicks))
    failures: list[BaseException] = []

    def click(user_id: int) -> None:
        with app.app_context(), tenant_context(tenant_id):
            barrier.wait()
            try:
                suggestions.vote(user_id, suggestion_id, True)
                db.session.commit()
            except Exception as error:  # a failure must reach the assertion below, not vanish in the thread
                db.session.rollback()
                failures.append(error)

    threads = [threading.Thread(target=click, args=(user_id,)) for user_id in clicks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with app.app_context(), tenant_context(tenant_id):
        assert _count(suggestion_id) == (50, 50)
