"""Can module managers read and moderate the chat of their own company only? (issue 15, item 1)"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import ChatMessage
from lms.models.enums import AuditAction
from lms.services import chat
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies


def _message(app: Flask, tenant_id: int, user_id: int, body: str) -> int:
    with app.app_context(), tenant_context(tenant_id):
        message = chat.post(user_id, chat.room(None), body)
        db.session.commit()
        return message.id


def test_the_list_shows_only_this_companys_messages(app: Flask, client_as: Callable, companies: Companies) -> None:
    _message(app, companies.acme_id, companies.user_ids["employee"], "Where are the gloves?")
    _message(app, companies.globex_id, companies.user_ids["globex_employee"], "Kje so rokavice?")
    page = client_as("hr").get("/admin/chat_messages/").get_data(as_text=True)
    assert "Where are the gloves?" in page
    assert "Kje so rokavice?" not in page
    assert "Company chat" in page


def test_a_learner_cannot_open_the_moderation_list(client_as: Callable) -> None:
    assert client_as("employee").get("/admin/chat_messages/").status_code == 403


def test_delete_removes_the_message_and_is_audited(
    app: Flask, client_as: Callable, rows: Callable, audit_rows: Callable, companies: Companies
) -> None:
    message_id = _message(app, companies.acme_id, companies.user_ids["employee"], "Buy cheap watches")
    response = client_as("hr").post("/admin/chat_messages/delete/", data={"id": str(message_id)})
    assert response.status_code == 302
    assert rows(companies.acme_id, sa.select(ChatMessage.id)) == []
    [(entity, entity_id, details)] = audit_rows(companies.acme_id, AuditAction.RECORD_DELETED)
    assert (entity, entity_id) == ("chat_message", str(message_id))
    assert details["body"] == "Buy cheap watches"


def test_another_companys_message_cannot_be_deleted(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    foreign_id = _message(app, companies.globex_id, companies.user_ids["globex_employee"], "Zdravo")
    response = client_as("owner").post("/admin/chat_messages/delete/", data={"id": str(foreign_id)})
    assert response.status_code in (302, 404)
    assert rows(companies.globex_id, sa.select(ChatMessage.id)) == [(foreign_id,)]
