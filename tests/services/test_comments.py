"""Do module comments keep their rules: threads, the edit window, resolving, reply notices? (issue 15, item 2)"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Comment, Module, ModuleMentor, Notification
from lms.models.enums import ModuleStatus, NotificationType, TenantRole
from lms.services import comments
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


@pytest.fixture
def module(world: TwoTenants) -> Module:
    return make_module(world.acme, "Safety basics")


def _age(comment: Comment, minutes: int) -> None:
    comment.created_at = comment.created_at - timedelta(minutes=minutes)
    db.session.flush()


def _replies_to(user_id: int) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == user_id, Notification.type == NotificationType.COMMENT_REPLY
        )
    ).all()


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Comment.id)))


def test_reply_notifies_the_parents_author_once_and_never_oneself(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        eva = make_user("eva@acme.test", (world.acme, TenantRole.EMPLOYEE))
        question = comments.post(world.ana.id, module.id, "Where is the first aid kit?")
        reply = comments.post(eva.id, module.id, "By the door.", question.id)
        comments.post(world.ana.id, module.id, "Thanks!", reply.id)
        comments.post(world.ana.id, module.id, "Found it.", question.id)
        ana_notices = _replies_to(world.ana.id)
        assert len(ana_notices) == 1
        assert ana_notices[0].link.endswith(f"#comment-{reply.id}")
        assert "Eva" in ana_notices[0].title
        assert len(_replies_to(eva.id)) == 1


def test_body_is_trimmed_and_limited(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        assert comments.post(world.ana.id, module.id, "  Hi  ").body == "Hi"
        assert len(comments.post(world.ana.id, module.id, "x" * comments.BODY_MAX).body) == comments.BODY_MAX
        for body in ("", "   ", "x" * (comments.BODY_MAX + 1)):
            with pytest.raises(comments.CommentError):
                comments.post(world.ana.id, module.id, body)
        assert _count() == 2


def test_viewer_cannot_post(world: TwoTenants, module: Module) -> None:
    viewer = make_user("vid@acme.test", (world.acme, TenantRole.VIEWER))
    with tenant_context(world.acme.id), pytest.raises(comments.CommentRefused):
        comments.post(viewer.id, module.id, "Hello")


def test_reply_to_another_modules_or_tenants_comment_is_refused(world: TwoTenants, module: Module) -> None:
    other = make_module(world.acme, "Ladders")
    foreign = make_module(world.globex, "Varnost")
    with tenant_context(world.globex.id):
        foreign_comment = comments.post(world.bor.id, foreign.id, "Živjo")
    with tenant_context(world.acme.id):
        elsewhere = comments.post(world.ana.id, other.id, "On ladders")
        for parent_id in (elsewhere.id, foreign_comment.id):
            with pytest.raises(comments.CommentError):
                comments.post(world.ana.id, module.id, "A reply", parent_id)
        with pytest.raises(comments.CommentNotFound):
            comments.post(world.ana.id, foreign.id, "Into globex")
        assert _count() == 1


def test_draft_module_takes_no_comments(world: TwoTenants) -> None:
    draft = make_module(world.acme, "Draft", status=ModuleStatus.DRAFT)
    with tenant_context(world.acme.id), pytest.raises(comments.CommentNotFound):
        comments.post(world.ana.id, draft.id, "Early")


def test_author_edits_and_deletes_within_fifteen_minutes_only(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        comment = comments.post(world.ana.id, module.id, "Typo heer")
        assert comments.edit(world.ana.id, comment.id, "Typo here").body == "Typo here"
        _age(comment, 16)
        with pytest.raises(comments.CommentRefused, match="15 minutes"):
            comments.edit(world.ana.id, comment.id, "Too late")
        with pytest.raises(comments.CommentRefused):
            comments.delete(world.ana.id, comment.id)
        db.session.expire_all()
        assert db.session.get(Comment, comment.id).body == "Typo here"


def test_nobody_edits_or_deletes_someone_elses_comment(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
        comment = comments.post(world.ana.id, module.id, "Mine")
        for change in (lambda: comments.edit(hr.id, comment.id, "Yours"), lambda: comments.delete(hr.id, comment.id)):
            with pytest.raises(comments.CommentRefused):
                change()
        db.session.expire_all()
        assert db.session.get(Comment, comment.id).body == "Mine"


def test_deleting_a_comment_takes_its_replies(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        question = comments.post(world.ana.id, module.id, "Question")
        reply = comments.post(world.ana.id, module.id, "Reply", question.id)
        comments.post(world.ana.id, module.id, "Reply to reply", reply.id)
        kept = comments.post(world.ana.id, module.id, "Another thread")
        comments.delete(world.ana.id, question.id)
        assert db.session.scalars(sa.select(Comment.id)).all() == [kept.id]


def test_another_tenants_comment_is_not_found(world: TwoTenants) -> None:
    foreign = make_module(world.globex, "Varnost")
    with tenant_context(world.globex.id):
        comment = comments.post(world.bor.id, foreign.id, "Živjo")
    with tenant_context(world.acme.id):
        for act in (
            lambda: comments.get(comment.id),
            lambda: comments.edit(world.ana.id, comment.id, "x"),
            lambda: comments.delete(world.ana.id, comment.id),
        ):
            with pytest.raises(comments.CommentNotFound):
                act()


def test_mentors_and_managers_resolve_others_do_not(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        mentor = make_user("mentor@acme.test", (world.acme, TenantRole.EMPLOYEE))
        hr = make_user("hr@acme.test", (world.acme, TenantRole.HR))
        other_mentor = make_user("other@acme.test", (world.acme, TenantRole.EMPLOYEE))
        db.session.add(ModuleMentor(module_id=module.id, user_id=mentor.id))
        other = make_module(world.acme, "Ladders")
        db.session.add(ModuleMentor(module_id=other.id, user_id=other_mentor.id))
        db.session.flush()
        question = comments.post(world.ana.id, module.id, "Is this right?")
        reply = comments.post(mentor.id, module.id, "Yes", question.id)
        for outsider in (world.ana, other_mentor):
            with pytest.raises(comments.CommentRefused):
                comments.set_resolved(outsider, question.id, True)
        assert comments.set_resolved(mentor, question.id, True).resolved_by_id == mentor.id
        assert comments.set_resolved(hr, question.id, False).is_resolved is False
        with pytest.raises(comments.CommentError):
            comments.set_resolved(mentor, reply.id, True)


def test_thread_shows_three_levels_and_flattens_deeper_replies(world: TwoTenants, module: Module) -> None:
    with tenant_context(world.acme.id):
        root = comments.post(world.ana.id, module.id, "1")
        second = comments.post(world.ana.id, module.id, "2", root.id)
        third = comments.post(world.ana.id, module.id, "3", second.id)
        fourth = comments.post(world.ana.id, module.id, "4", third.id)
        fifth = comments.post(world.ana.id, module.id, "5", fourth.id)
        threads = comments.thread_of(module.id)
        assert [t.comment.id for t in threads] == [root.id]
        level_two = threads[0].replies
        assert [s.comment.id for s in level_two] == [second.id]
        flat = level_two[0].replies
        assert [(s.comment.id, s.level) for s in flat] == [(third.id, 3), (fourth.id, 3), (fifth.id, 3)]
        assert [s.answers.id if s.answers else None for s in flat] == [None, third.id, fourth.id]
        assert all(not s.replies for s in flat)
