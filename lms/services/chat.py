"""Chat: the company room and one room per module, with mentor-confirmed answers (issue 15, item 1).

A room is the tenant's company room (``ChatMessage.module_id`` NULL) or a published
module's room. Every read goes through the ``(tenant_id, module_id, id)`` index: the
last ``PAGE_SIZE`` messages when a room opens, the ones before an id when the reader
scrolls up, and the ones after an id when the page polls.

The rules:
- VIEWER reads and never posts (DESIGN.md: roles); a body is 1..``MAX_BODY`` characters
  and is stored as typed; it becomes HTML only through ``render_body``, which escapes
  everything and links http/https addresses with ``rel="noopener nofollow"``.
- JOIN is written on a member's first visit to a room, once per user and room: a
  NotificationDedup key claimed with ON CONFLICT DO NOTHING decides, so two tabs opening
  the room at once write one JOIN (STYLE.md: check-then-insert is a race).
- SYSTEM tells a module's room that the module got a new version (``module_updated``,
  called by ``services.content.publish_update``).
- A module's mentor, or anyone holding MANAGE_ALL_MODULES, confirms a message as the
  answer; only they, and not for their own message. One guarded UPDATE claims the
  message (``is_confirmed_answer`` false → true), so of eight simultaneous clicks one
  wins; the winner pays MENTOR_CONFIRMATION XP through ``xp.award_confirmed_answer``
  (itself once per message by its unique key) and writes the ACTION message, all in the
  caller's transaction. Confirming a confirmed answer again changes nothing.

Text written by the app (JOIN, SYSTEM, ACTION) is stored in the tenant's language, as
notifications are (``i18n.tenant_locale``): everyone in a room reads the same line.
Every function changes rows and flushes at most; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.models import ChatMessage, Module, ModuleMentor, NotificationDedup, Tenant, User
from lms.models.enums import ChatMessageType, ModuleStatus, Permission
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.permissions import Rights, can_submit, rights_of
from lms.services import xp
from lms.tenancy import current_tenant_id

PAGE_SIZE = 50
MAX_BODY = 4000
# An address as people paste it; trailing punctuation belongs to the sentence, not the link.
_LINK = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""


class ChatError(LmsError):
    """A chat request the rules refuse; the message says why, and nothing was written."""


class RoomNotFound(ChatError):
    """No such room in this tenant: another tenant's module, a draft or an archived one (a 404)."""


class MessageNotFound(ChatError):
    """No such message in this tenant (a 404)."""


class PostNotAllowed(ChatError):
    """The user reads the chat but may not post (a VIEWER, or no longer a member)."""


class ConfirmNotAllowed(ChatError):
    """Only the module's mentors and module managers confirm answers, never their own."""


class InvalidMessage(ChatError):
    """An empty or too long body, or a message that cannot be an answer."""


@dataclass(frozen=True)
class Room:
    """The company room (``module`` None) or a module's room."""

    module: Module | None

    @property
    def module_id(self) -> int | None:
        return None if self.module is None else self.module.id

    @property
    def key(self) -> str:
        return "company" if self.module is None else f"module-{self.module.id}"

    def where(self) -> sa.ColumnElement[bool]:
        """The room's messages, as the ``(tenant_id, module_id, id)`` index reads them."""
        if self.module is None:
            return ChatMessage.module_id.is_(None)
        return ChatMessage.module_id == self.module.id


def room(module_id: int | None) -> Room:
    """The company room, or a published module's room of the current tenant; else RoomNotFound."""
    if module_id is None:
        return Room(None)
    module = db.session.scalar(sa.select(Module).where(Module.id == module_id, Module.status == ModuleStatus.PUBLISHED))
    if module is None:
        raise RoomNotFound(_l("This chat room does not exist."))
    return Room(module)


# --- Reading ---------------------------------------------------------------------------------


def _page(query: sa.Select[tuple[ChatMessage]]) -> list[ChatMessage]:
    return list(db.session.scalars(query.options(selectinload(ChatMessage.user).load_only(User.name, User.email))))


def recent(chat_room: Room, *, before: int | None = None) -> tuple[list[ChatMessage], bool]:
    """Up to PAGE_SIZE messages, oldest first: the newest, or the newest before the id ``before``.

    The second value says whether older messages remain (the page offers to load them).
    """
    query = sa.select(ChatMessage).where(chat_room.where())
    if before is not None:
        query = query.where(ChatMessage.id < before)
    rows = _page(query.order_by(ChatMessage.id.desc()).limit(PAGE_SIZE + 1))
    return list(reversed(rows[:PAGE_SIZE])), len(rows) > PAGE_SIZE


def newer(chat_room: Room, after: int) -> tuple[list[ChatMessage], bool]:
    """Up to PAGE_SIZE messages after the id ``after``, oldest first, and whether more follow.

    What a poll asks: with nothing new it is one index probe that returns no row.
    """
    query = sa.select(ChatMessage).where(chat_room.where(), ChatMessage.id > after)
    rows = _page(query.order_by(ChatMessage.id).limit(PAGE_SIZE + 1))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def messages(ids: set[int]) -> list[ChatMessage]:
    """The messages of these ids in the current tenant (the answers a poll's ACTION lines confirmed)."""
    if not ids:
        return []
    return _page(sa.select(ChatMessage).where(ChatMessage.id.in_(sorted(ids))))


def get_message(message_id: int) -> ChatMessage:
    """A message of the current tenant; another tenant's is MessageNotFound (a 404)."""
    message = db.session.scalar(sa.select(ChatMessage).where(ChatMessage.id == message_id))
    if message is None:
        raise MessageNotFound(_l("This message does not exist."))
    return message


def render_body(text: str) -> Markup:
    """The body as safe HTML: everything escaped, http/https addresses made links.

    Only addresses that start with ``http://`` or ``https://`` are matched, so no other
    scheme (``javascript:``, ``data:``) ever becomes a link; ``nofollow`` gives spam no
    ranking and ``noopener`` keeps the opened page away from this one.
    """
    link = Markup('<a href="{0}" rel="noopener nofollow" target="_blank">{0}</a>')
    parts: list[Markup] = []
    position = 0
    for match in _LINK.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        parts += [escape(text[position : match.start()]), link.format(address)]
        position = match.start() + len(address)
    parts.append(escape(text[position:]))
    return Markup().join(parts)


# --- Writing ---------------------------------------------------------------------------------


def ensure_may_post(user_id: int) -> None:
    """VIEWER reads but does not post (DESIGN.md: roles); ``xp.may_earn`` is that rule."""
    if not xp.may_earn(user_id):
        raise PostNotAllowed(_l("Your account can read the chat but not post in it."))


def post(user_id: int, chat_room: Room, body: str) -> ChatMessage:
    """A member's message in the room; raises PostNotAllowed or InvalidMessage (nothing written)."""
    ensure_may_post(user_id)
    body = (body or "").strip()
    if not body:
        raise InvalidMessage(_l("Write a message first."))
    if len(body) > MAX_BODY:
        raise InvalidMessage(_l("A message has at most %(max)d characters.", max=MAX_BODY))
    message = ChatMessage(module_id=chat_room.module_id, user_id=user_id, type=ChatMessageType.MESSAGE, body=body)
    db.session.add(message)
    db.session.flush()
    return message


def join(user: User, chat_room: Room) -> ChatMessage | None:
    """The JOIN line of a member's first visit to the room; None on any later visit, and for a VIEWER.

    A viewer only reads: announcing them would be posting in their name.
    """
    if not xp.may_earn(user.id):
        return None
    now = utcnow()
    claimed = insert_or_ignore(
        NotificationDedup,
        {
            "tenant_id": current_tenant_id(),
            "user_id": user.id,
            "dedup_key": f"chat-join:{chat_room.key}:{user.id}",
            "created_at": now,
            "updated_at": now,
        },
        conflict=["tenant_id", "dedup_key"],
    )
    if not claimed:
        return None
    with tenant_locale():
        body = _("%(name)s joined the chat.", name=user.name or user.email)
    return _app_line(chat_room.module_id, ChatMessageType.JOIN, body, user_id=user.id)


def module_updated(module: Module, version: int, summary: str) -> ChatMessage:
    """The SYSTEM line in the module's room when a new version is published (DESIGN.md: module versions)."""
    with tenant_locale(module.tenant_id):
        body = _("The module was updated to version %(version)d: %(summary)s", version=version, summary=summary)
    return _app_line(module.id, ChatMessageType.SYSTEM, body)


def _app_line(
    module_id: int | None,
    type_: ChatMessageType,
    body: str,
    *,
    user_id: int | None = None,
    reply_to_id: int | None = None,
) -> ChatMessage:
    message = ChatMessage(module_id=module_id, user_id=user_id, type=type_, body=body, reply_to_id=reply_to_id)
    db.session.add(message)
    db.session.flush()
    return message


def may_confirm(actor: User, module_id: int | None, rights: Rights) -> bool:
    """Module managers confirm in every room; a module's mentor (an active member who may post) in its room.

    ``rights`` are the actor's in the current company: a page has them already (``current_rights``).
    """
    if Permission.MANAGE_ALL_MODULES in rights.reaches:
        return True
    if module_id is None or not can_submit(rights.role):
        return False
    mentor = sa.select(ModuleMentor.user_id).where(
        ModuleMentor.module_id == module_id, ModuleMentor.user_id == actor.id
    )
    return bool(db.session.scalar(sa.select(mentor.exists())))


def confirm(message_id: int, actor: User) -> bool:
    """Mark the message as the confirmed answer; True when this call did (XP and the ACTION line with it).

    Raises MessageNotFound, ConfirmNotAllowed or InvalidMessage, before anything is written.
    """
    message = get_message(message_id)
    if message.type is not ChatMessageType.MESSAGE or message.user_id is None:
        raise InvalidMessage(_l("Only a member's message can be confirmed as an answer."))
    if message.user_id == actor.id:
        raise ConfirmNotAllowed(_l("You cannot confirm your own answer."))
    if not may_confirm(actor, message.module_id, rights_of(actor, db.session.get(Tenant, current_tenant_id()))):
        raise ConfirmNotAllowed(_l("Only the module's mentors and module managers confirm answers."))
    claimed = db.session.execute(
        sa.update(ChatMessage)
        .where(ChatMessage.id == message.id, ChatMessage.is_confirmed_answer.is_(False))
        .values(is_confirmed_answer=True, confirmed_by_id=actor.id, updated_at=utcnow())
        .returning(ChatMessage.id)
        .execution_options(synchronize_session=False)
    ).first()
    db.session.refresh(message)
    if claimed is None:
        return False
    xp.award_confirmed_answer(message)
    author = message.user
    with tenant_locale():
        body = _(
            "%(mentor)s confirmed the answer of %(author)s.",
            mentor=actor.name or actor.email,
            author=(author.name or author.email) if author is not None else "",
        )
    _app_line(message.module_id, ChatMessageType.ACTION, body, user_id=actor.id, reply_to_id=message.id)
    return True
