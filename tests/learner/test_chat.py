"""Can learners talk in the company room and a module's room, and mentors confirm answers? (issue 15, item 1)"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import ChatMessage, ModuleMentor, Tenant, XpTransaction
from lms.models.enums import ChatMessageType, TenantRole, XpSourceType
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user, signed_in_client
from tests.learner.conftest import Place

JSON = {"Accept": "application/json"}


def _rows(app: Flask, tenant_id: int) -> list[ChatMessage]:
    with app.app_context(), tenant_context(tenant_id):
        rows = list(db.session.scalars(sa.select(ChatMessage).order_by(ChatMessage.id)))
        db.session.expunge_all()
        return rows


def _member(app: Flask, place: Place, email: str, role: TenantRole, *, mentor_of: int | None = None) -> FlaskClient:
    with app.app_context():
        tenant = db.session.get(Tenant, place.acme_id)
        user = make_user(email, (tenant, role), name=email.split("@")[0].capitalize())
        if mentor_of is not None:
            with tenant_context(place.acme_id):
                db.session.add(ModuleMentor(module_id=mentor_of, user_id=user.id))
        login = user.get_id()
        db.session.commit()
    return signed_in_client(app, login, place.acme_id)


def test_top_bar_and_module_page_lead_to_the_rooms(ana: FlaskClient, place: Place) -> None:
    assert 'href="/chat"' in ana.get("/").get_data(as_text=True)
    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert f'href="/modules/{place.basics_id}/chat"' in page


def test_first_visit_to_a_room_writes_one_join(app: Flask, ana: FlaskClient, place: Place) -> None:
    for _ in range(2):
        assert ana.get("/chat").status_code == 200
        assert ana.get(f"/modules/{place.basics_id}/chat").status_code == 200
    joins = [(m.module_id, m.user_id) for m in _rows(app, place.acme_id) if m.type is ChatMessageType.JOIN]
    assert joins == [(None, place.ana_id), (place.basics_id, place.ana_id)]


def test_another_tenants_module_and_a_draft_have_no_room(ana: FlaskClient, place: Place) -> None:
    for module_id in (place.globex_module_id, place.draft_id):
        assert ana.get(f"/modules/{module_id}/chat").status_code == 404
        assert ana.get(f"/modules/{module_id}/chat/messages?after=0", headers=JSON).status_code == 404
        assert ana.post(f"/modules/{module_id}/chat/messages", data={"body": "Hi"}).status_code == 404


def test_a_posted_message_reaches_a_poll_after_the_last_id(app: Flask, ana: FlaskClient, place: Place) -> None:
    room = f"/modules/{place.basics_id}/chat/messages"
    response = ana.post(room, data={"body": "Which gloves?"}, headers=JSON)
    assert response.status_code == 201
    message_id = response.get_json()["id"]
    polled = ana.get(f"{room}?after=0").get_json()
    assert [entry["id"] for entry in polled["messages"]] == [message_id]
    assert "Which gloves?" in polled["messages"][0]["html"]
    assert ana.get(f"{room}?after={message_id}").get_json() == {"messages": [], "more": False}
    assert ana.get("/chat/messages?after=0").get_json()["messages"] == []  # the company room is another room


def test_a_scroll_up_gets_the_fifty_before(ana: FlaskClient, place: Place) -> None:
    ids = [ana.post("/chat/messages", data={"body": f"m{n}"}, headers=JSON).get_json()["id"] for n in range(12)]
    older = ana.get(f"/chat/messages?before={ids[5]}").get_json()
    assert [entry["id"] for entry in older["messages"]] == ids[:5]
    assert older["more"] is False


def test_a_malformed_position_is_400(ana: FlaskClient) -> None:
    for junk in ("abc", "99999999999999999999", "-1"):
        assert ana.get(f"/chat/messages?after={junk}").status_code == 400


def test_script_is_escaped_and_links_are_safe(ana: FlaskClient) -> None:
    body = "<script>alert(1)</script> see https://example.com/gloves and javascript:alert(2)"
    ana.post("/chat/messages", data={"body": body})
    page = ana.get("/chat").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '<a href="https://example.com/gloves" rel="noopener nofollow" target="_blank">' in page
    assert 'href="javascript:' not in page


def test_an_empty_or_100_kb_message_is_refused_and_nothing_written(app: Flask, ana: FlaskClient, place: Place) -> None:
    response = ana.post("/chat/messages", data={"body": "x" * 100_000})
    assert response.status_code == 400
    assert "at most 4000 characters" in response.get_data(as_text=True)
    response = ana.post("/chat/messages", data={"body": "   "}, headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert [m for m in _rows(app, place.acme_id) if m.type is ChatMessageType.MESSAGE] == []


def test_posting_is_rate_limited_per_user(app: Flask, ana: FlaskClient, place: Place) -> None:
    statuses = [ana.post("/chat/messages", data={"body": f"m{n}"}, headers=JSON).status_code for n in range(21)]
    assert statuses == [201] * 20 + [429]
    other = _member(app, place, "pia@acme.test", TenantRole.EMPLOYEE)
    assert other.post("/chat/messages", data={"body": "me too"}, headers=JSON).status_code == 201


def test_viewer_reads_but_cannot_post(app: Flask, ana: FlaskClient, viewer: FlaskClient, place: Place) -> None:
    ana.post("/chat/messages", data={"body": "Hello all"})
    page = viewer.get("/chat").get_data(as_text=True)
    assert "Hello all" in page
    assert 'id="chat-form"' not in page
    response = viewer.post("/chat/messages", data={"body": "Me too"}, headers=JSON)
    assert response.status_code == 403
    assert "can read the chat but not post" in response.get_json()["error"]
    assert [m.body for m in _rows(app, place.acme_id) if m.type is ChatMessageType.MESSAGE] == ["Hello all"]


def test_a_mentor_confirms_an_answer_and_its_author_gets_xp(app: Flask, ana: FlaskClient, place: Place) -> None:
    mentor = _member(app, place, "meta@acme.test", TenantRole.EMPLOYEE, mentor_of=place.basics_id)
    peer = _member(app, place, "pia@acme.test", TenantRole.EMPLOYEE)
    room = f"/modules/{place.basics_id}/chat"
    answer_id = ana.post(f"{room}/messages", data={"body": "Lock it out first."}, headers=JSON).get_json()["id"]
    assert "Confirm as the answer" in mentor.get(room).get_data(as_text=True)
    assert "Confirm as the answer" not in peer.get(room).get_data(as_text=True)
    assert peer.post(f"/chat/messages/{answer_id}/confirm").status_code == 403
    assert ana.post(f"/chat/messages/{answer_id}/confirm").status_code == 403
    for _ in range(2):
        assert mentor.post(f"/chat/messages/{answer_id}/confirm", headers=JSON).status_code == 200
    with app.app_context(), tenant_context(place.acme_id):
        amounts = db.session.scalars(
            sa.select(XpTransaction.amount).where(XpTransaction.source == XpSourceType.MENTOR_CONFIRMATION)
        ).all()
    assert amounts == [30]
    polled = ana.get(f"{room}/messages?after={answer_id}").get_json()["messages"]
    (action,) = [entry for entry in polled if entry.get("confirms") == answer_id]
    assert "lms-chat-confirmed" in action["confirmed_html"]
    assert "Confirmed answer" in ana.get(room).get_data(as_text=True)


def test_confirming_another_tenants_message_is_404(app: Flask, place: Place) -> None:
    hr = _member(app, place, "hana@acme.test", TenantRole.HR)
    with app.app_context(), unscoped("test: a globex message"):
        foreign = ChatMessage(tenant_id=place.globex_id, type=ChatMessageType.MESSAGE, body="Zdravo")
        db.session.add(foreign)
        db.session.commit()
        foreign_id = foreign.id
    assert hr.post(f"/chat/messages/{foreign_id}/confirm").status_code == 404
    with app.app_context(), unscoped("test"):
        assert db.session.get(ChatMessage, foreign_id).is_confirmed_answer is False


def test_an_empty_poll_reads_the_room_once_and_a_full_page_loads_authors_in_one_query(
    app: Flask, ana: FlaskClient, place: Place, count_queries: list[str]
) -> None:
    ids = [ana.post("/chat/messages", data={"body": f"m{n}"}, headers=JSON).get_json()["id"] for n in range(3)]
    for n in range(5):
        _member(app, place, f"p{n}@acme.test", TenantRole.EMPLOYEE).post(
            "/chat/messages", data={"body": f"from p{n}"}, headers=JSON
        )
    count_queries.clear()
    assert ana.get(f"/chat/messages?after={ids[-1] + 100}").get_json()["messages"] == []
    assert sum("FROM chat_message" in statement for statement in count_queries) == 1
    empty_poll = len(count_queries)
    count_queries.clear()
    assert len(ana.get(f"/chat/messages?after={ids[0]}").get_json()["messages"]) == 7
    assert sum('FROM "user"' in statement for statement in count_queries) <= 2
    assert len(count_queries) <= empty_poll + 2, "the messages and their authors; the rights come with the request"
