"""Community: chat moderation (issue 15, item 1; MANAGE_ALL_MODULES).

Module managers already confirm answers in every room (``services.chat``); the same people
read the tenant's messages here, newest first, and delete one that does not belong. A
message is never edited: the list shows what was said. Deleting is audited (RECORD_DELETED
with the message, its author and room, by ``on_model_delete``) in the delete's transaction;
an ACTION line about a deleted answer goes with it (ON DELETE CASCADE of ``reply_to_id``),
while XP already paid for it stays in the ledger (DESIGN.md: XP).
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Query, selectinload

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import label_formatter
from lms.models import ChatMessage, Module, User
from lms.models.enums import AuditAction, Permission
from lms.services.audit import audit

SHOWN_CHARACTERS = 200


def _room(view: Any, context: Any, model: ChatMessage, name: str) -> Any:
    return model.module.title if model.module is not None else _l("Company chat")


def _shortened(view: Any, context: Any, model: ChatMessage, name: str) -> Any:
    """The list shows the start of a long message; its details page shows all of it (escaped)."""
    body = model.body or ""
    return body if len(body) <= SHOWN_CHARACTERS else body[:SHOWN_CHARACTERS] + "…"


def _whole(view: Any, context: Any, model: ChatMessage, name: str) -> Any:
    return Markup('<div style="white-space: pre-wrap">{}</div>').format(model.body or "")


class ChatMessageView(TenantModelView):
    """Every room's messages of the tenant, newest first; delete only."""

    permission = Permission.MANAGE_ALL_MODULES
    allow_create = False
    allow_edit = False
    allow_delete = True
    can_view_details = True
    simple_list_pager = True
    audit_entity = "chat_message"
    column_list = ("created_at", "module.title", "user.name", "type", "body", "is_confirmed_answer")
    column_details_list = column_list
    column_labels: ClassVar = {
        "created_at": _l("Posted"),
        "module.title": _l("Room"),
        "user.name": _l("Author"),
        "type": _l("Type"),
        "body": _l("Message"),
        "is_confirmed_answer": _l("Confirmed answer"),
    }
    column_formatters: ClassVar = {"type": label_formatter, "module.title": _room, "body": _shortened}
    column_formatters_detail: ClassVar = {"type": label_formatter, "module.title": _room, "body": _whole}
    column_filters = ("type", "is_confirmed_answer", *time_filters(ChatMessage.created_at, _l("Posted")))
    column_searchable_list = ("body",)
    column_sortable_list = ("created_at",)
    column_default_sort = ("created_at", True)
    column_auto_select_related = False

    def get_query(self) -> Query[ChatMessage]:
        return (
            super()
            .get_query()
            .options(
                selectinload(ChatMessage.user).load_only(User.name),
                selectinload(ChatMessage.module).load_only(Module.title),
            )
        )

    def on_model_delete(self, model: ChatMessage) -> None:
        audit(
            AuditAction.RECORD_DELETED,
            model,
            entity_type=self.audit_entity,
            body=model.body,
            author_id=model.user_id,
            module_id=model.module_id,
            type=model.type,
        )


def views() -> list[TenantModelView]:
    return [ChatMessageView(ChatMessage, name=_l("Chat"), category=CATEGORIES["community"], endpoint="chat_messages")]
