"""Can learners discuss a module under it, and do the pages refuse what the rules refuse? (issue 15, item 2)"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Comment, Membership, Notification, Tenant
from lms.models.enums import NotificationType, TenantRole
from lms.services import comments
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user, signed_in_client
from tests.learner.conftest import Place


def _comment(
    app: Flask, tenant_id: int, module_id: int, author_id: int, body: str, parent_id: int | None = None
) -> int:
    with app.app_context(), tenant_context(tenant_id):
        comment = comments.post(author_id, module_id, body, parent_id)
        db.session.commit()
        return comment.id


def _bodies(app: Flask) -> list[str]:
    with app.app_context(), unscoped("test"):
        return db.session.scalars(sa.select(Comment.body).order_by(Comment.id)).all()


def _member(app: Flask, place: Place, email: str, role: TenantRole) -> tuple[int, str]:
    with app.app_context(), unscoped("test"):
        user = make_user(email, (db.session.get(Tenant, place.acme_id), role))
        db.session.commit()
        return user.id, user.get_id()


def test_post_and_reply_show_threaded_and_escaped(app: Flask, ana: FlaskClient, place: Place) -> None:
    response = ana.post(f"/modules/{place.basics_id}/comments", data={"body": "<script>alert(1)</script> Where?"})
    assert response.status_code == 302
    assert "#comment-" in response.location
    with app.app_context(), unscoped("test"):
        question_id = db.session.scalar(sa.select(Comment.id))
    reply = {"body": "Found it", "parent_id": question_id}
    assert ana.post(f"/modules/{place.basics_id}/comments", data=reply).status_code == 302
    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Where?" in page
    assert "<script>alert(1)" not in page
    assert f'id="comment-{question_id}"' in page
    assert page.index("Where?") < page.index("Found it")


def test_reply_notifies_the_author(app: Flask, ana: FlaskClient, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Question")
    eva_id, eva_login = _member(app, place, "eva@acme.test", TenantRole.EMPLOYEE)
    eva = signed_in_client(app, eva_login, place.acme_id)
    answer = {"body": "Answer", "parent_id": question}
    assert eva.post(f"/modules/{place.basics_id}/comments", data=answer).status_code == 302
    with app.app_context(), unscoped("test"):
        notices = db.session.scalars(
            sa.select(Notification).where(Notification.type == NotificationType.COMMENT_REPLY)
        ).all()
    assert [n.user_id for n in notices] == [place.ana_id]
    assert eva_id != place.ana_id


def test_empty_or_too_long_comment_is_a_form_error_and_nothing_is_written(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    response = ana.post(f"/modules/{place.basics_id}/comments", data={"body": ""})
    assert response.status_code == 400
    assert "Write a comment first." in response.get_data(as_text=True)
    response = ana.post(f"/modules/{place.basics_id}/comments", data={"body": "y" * 4001})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at most 4000 characters" in page
    assert "y" * 4001 in page  # what was typed is kept
    assert _bodies(app) == []


def test_viewer_reads_comments_but_cannot_post(app: Flask, viewer: FlaskClient, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Visible to all")
    page = viewer.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert "Visible to all" in page
    assert 'id="new-comment"' not in page
    assert viewer.post(f"/modules/{place.basics_id}/comments", data={"body": "Hi"}).status_code == 403
    assert viewer.post(f"/comments/{question}/edit", data={"body": "Hi"}).status_code == 403
    assert _bodies(app) == ["Visible to all"]


def test_another_tenants_comment_or_module_is_404(app: Flask, ana: FlaskClient, place: Place) -> None:
    with app.app_context(), unscoped("test"):
        bor_id = db.session.scalar(sa.select(Membership.user_id).where(Membership.tenant_id == place.globex_id))
    foreign = _comment(app, place.globex_id, place.globex_module_id, bor_id, "Živjo")
    assert ana.post(f"/modules/{place.globex_module_id}/comments", data={"body": "Hi"}).status_code == 404
    reply = {"body": "Hi", "parent_id": foreign}
    assert ana.post(f"/modules/{place.basics_id}/comments", data=reply).status_code == 400
    for action, data in (("edit", {"body": "Mine now"}), ("delete", {}), ("resolve", {"resolved": "1"})):
        assert ana.post(f"/comments/{foreign}/{action}", data=data).status_code == 404
    assert _bodies(app) == ["Živjo"]


def test_editing_someone_elses_comment_is_403(app: Flask, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Ana's")
    _, eva_login = _member(app, place, "eva@acme.test", TenantRole.EMPLOYEE)
    eva = signed_in_client(app, eva_login, place.acme_id)
    assert eva.post(f"/comments/{question}/edit", data={"body": "Eva's"}).status_code == 403
    assert eva.post(f"/comments/{question}/delete").status_code == 403
    page = eva.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert f'action="/comments/{question}/edit"' not in page
    assert _bodies(app) == ["Ana's"]


def test_late_edit_is_refused_with_a_clear_message(app: Flask, ana: FlaskClient, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Early words")
    assert ana.post(f"/comments/{question}/edit", data={"body": "Better words"}).status_code == 302
    with app.app_context(), unscoped("test"):
        comment = db.session.get(Comment, question)
        comment.created_at = comment.created_at - timedelta(minutes=16)
        db.session.commit()
    assert f'action="/comments/{question}/edit"' not in ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    response = ana.post(f"/comments/{question}/edit", data={"body": "Too late"})
    assert response.status_code == 403
    assert "first 15 minutes" in response.get_data(as_text=True)
    assert ana.post(f"/comments/{question}/delete").status_code == 403
    assert _bodies(app) == ["Better words"]


def test_author_deletes_a_fresh_comment(app: Flask, ana: FlaskClient, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Oops")
    assert ana.post(f"/comments/{question}/delete").status_code == 302
    assert _bodies(app) == []


def test_hr_resolves_and_reopens_a_learner_cannot(app: Flask, ana: FlaskClient, place: Place) -> None:
    question = _comment(app, place.acme_id, place.basics_id, place.ana_id, "Is it done?")
    assert "Mark as resolved" not in ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert ana.post(f"/comments/{question}/resolve", data={"resolved": "1"}).status_code == 403
    _, hr_login = _member(app, place, "hr@acme.test", TenantRole.HR)
    hr = signed_in_client(app, hr_login, place.acme_id)
    assert "Mark as resolved" in hr.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert hr.post(f"/comments/{question}/resolve", data={"resolved": "1"}).status_code == 302
    assert "Resolved" in ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert hr.post(f"/comments/{question}/resolve", data={"resolved": "2"}).status_code == 400
    assert hr.post(f"/comments/{question}/resolve", data={"resolved": "0"}).status_code == 302
    with app.app_context(), unscoped("test"):
        assert db.session.get(Comment, question).is_resolved is False


def test_module_page_query_count_does_not_grow_with_comments(
    app: Flask, ana: FlaskClient, place: Place, count_queries: list[str]
) -> None:
    def count() -> int:
        count_queries.clear()
        assert ana.get(f"/modules/{place.basics_id}").status_code == 200
        return len(count_queries)

    _comment(app, place.acme_id, place.basics_id, place.ana_id, "First")
    few = count()
    _, eva_login = _member(app, place, "eva@acme.test", TenantRole.EMPLOYEE)
    with app.app_context(), unscoped("test"):
        eva_id = int(eva_login.partition(":")[0])
    parent = None
    for n in range(30):
        parent = _comment(app, place.acme_id, place.basics_id, eva_id if n % 2 else place.ana_id, f"Reply {n}", parent)
    assert count() == few
