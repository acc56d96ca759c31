"""The chat rooms: the company room at ``/chat`` and a module's at ``/modules/<id>/chat`` (issue 15, item 1).

New messages arrive by polling, not by server-sent events. A poll is a short GET of
``…/chat/messages?after=<last id>`` that reads one page of the ``(tenant_id, module_id,
id)`` index and returns; the state lives in the database, so any gunicorn worker on any
host answers any poll, and the embedded mode (``flask run`` or one gunicorn worker, no
Redis) works the same way. Server-sent events would hold one worker per open tab for
as long as the tab is open — a sync gunicorn worker serves nobody else meanwhile — and
would need Redis pub/sub to reach the worker holding each stream, which the embedded
mode does not have. The price is a delay of up to the poll interval (a few seconds,
``static/js/chat.js``, paused in a hidden tab), which a question-and-answer room bears.

Messages are rendered here, on the server, by one macro (``learner/_chat_message.html``)
for the page and for the JSON of a poll, so escaping and links are one rule
(``services.chat.render_body``). Refusals are the service's errors, answered by
``lms.error_pages`` (JSON for the script, a page otherwise); posting is limited per
user with Flask-Limiter, whose counters are in Redis when ``REDIS_URL`` is set, so the
limit holds across workers.
"""

from __future__ import annotations

from typing import Any

from flask import get_template_attribute, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.extensions import db, limiter
from lms.forms import LmsForm
from lms.learner import bp
from lms.models import ChatMessage
from lms.models.enums import ChatMessageType
from lms.models.types import MAX_ID
from lms.permissions import current_rights
from lms.services import chat

POST_LIMIT = "20 per minute"


class ChatPostForm(LmsForm):
    body = TextAreaField(
        _l("Message"),
        validators=[
            InputRequired(message=_l("Write a message first.")),
            Length(max=chat.MAX_BODY, message=_l("A message has at most %(max)d characters.")),
        ],
    )


class ChatCursorForm(LmsForm):
    """Where a poll or a scroll continues: after the newest message shown, or before the oldest."""

    class Meta:
        csrf = False

    after = IntegerField(validators=[Optional(), NumberRange(min=0, max=MAX_ID)])
    before = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])


def _per_user() -> str:
    """Posts are counted per person; a request that is not signed in counts by its address."""
    if current_user.is_authenticated:
        return f"chat-post:{current_user.id}"
    return f"chat-post-ip:{get_remote_address()}"


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(("text/html", "application/json")) == "application/json"


def _room_page(chat_room: chat.Room, form: ChatPostForm, status: int = 200) -> tuple[str, int]:
    messages, more = chat.recent(chat_room)
    return render_template(
        "learner/chat.html",
        room=chat_room,
        messages=messages,
        more=more,
        form=form,
        may_confirm=chat.may_confirm(current_user, chat_room.module_id, current_rights()),
        render_body=chat.render_body,
        messages_url=_url(chat_room, "messages"),
        post_url=_url(chat_room, "post"),
    ), status


def _url(chat_room: chat.Room, what: str = "") -> str:
    """The room's page (``what`` empty), its messages or its posting address, by the room's kind."""
    if chat_room.module is None:
        return url_for(f"learner.chat_{what or 'room'}")
    return url_for(f"learner.module_chat_{what or 'room'}", module_id=chat_room.module.id)


def _open(chat_room: chat.Room) -> tuple[str, int]:
    chat.join(current_user, chat_room)
    page = _room_page(chat_room, ChatPostForm())
    db.session.commit()  # the JOIN line of a first visit
    return page


@bp.get("/chat")
def chat_room() -> tuple[str, int]:
    return _open(chat.room(None))


@bp.get("/modules/<int:module_id>/chat")
def module_chat_room(module_id: int) -> tuple[str, int]:
    return _open(chat.room(module_id))


def _as_json(chat_room: chat.Room, messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Each message as the page's macro renders it; an ACTION line also re-renders the answer it confirmed."""
    if not messages:
        return []
    macro = get_template_attribute("learner/_chat_message.html", "chat_message")
    may_confirm = chat.may_confirm(current_user, chat_room.module_id, current_rights())
    answers = {m.reply_to_id for m in messages if m.type is ChatMessageType.ACTION and m.reply_to_id is not None}
    confirmed = {m.id: m for m in chat.messages(answers)}
    shown = []
    for message in messages:
        entry: dict[str, Any] = {
            "id": message.id,
            "html": str(macro(message, may_confirm, chat.render_body, current_user.id)),
        }
        if message.reply_to_id in confirmed:
            answer = confirmed[message.reply_to_id]
            entry["confirms"] = answer.id
            entry["confirmed_html"] = str(macro(answer, may_confirm, chat.render_body, current_user.id))
        shown.append(entry)
    return shown


def _messages(chat_room: chat.Room) -> tuple[dict[str, Any], int]:
    """A poll (``?after=<id>``: newer messages) or a scroll (``?before=<id>``: older ones), as JSON."""
    cursor = ChatCursorForm(request.args)
    if not cursor.validate():
        return {"error": str(_l("The message position must be a message id."))}, 400
    if cursor.before.data is not None:
        messages, more = chat.recent(chat_room, before=cursor.before.data)
    else:
        messages, more = chat.newer(chat_room, cursor.after.data or 0)
    return {"messages": _as_json(chat_room, messages), "more": more}, 200


@bp.get("/chat/messages")
def chat_messages() -> tuple[dict[str, Any], int]:
    return _messages(chat.room(None))


@bp.get("/modules/<int:module_id>/chat/messages")
def module_chat_messages(module_id: int) -> tuple[dict[str, Any], int]:
    return _messages(chat.room(module_id))


def _post(chat_room: chat.Room) -> Response | tuple[str | dict[str, Any], int]:
    chat.ensure_may_post(current_user.id)
    form = ChatPostForm()
    if not form.validate_on_submit():
        if _wants_json():
            errors = [str(error) for error in form.body.errors] or [str(_l("Reload the page and try again."))]
            return {"error": " ".join(errors)}, 400
        return _room_page(chat_room, form, 400)
    message = chat.post(current_user.id, chat_room, form.body.data)
    db.session.commit()
    if _wants_json():
        return {"id": message.id}, 201
    return redirect(_url(chat_room) + f"#message-{message.id}")


# One counter per person across every room: a flood moved to another room is the same flood.
_post_limit = limiter.shared_limit(POST_LIMIT, scope="chat-post", key_func=_per_user)


@bp.post("/chat/messages")
@_post_limit
def chat_post() -> Response | tuple[str | dict[str, Any], int]:
    return _post(chat.room(None))


@bp.post("/modules/<int:module_id>/chat/messages")
@_post_limit
def module_chat_post(module_id: int) -> Response | tuple[str | dict[str, Any], int]:
    return _post(chat.room(module_id))


@bp.post("/chat/messages/<int:message_id>/confirm")
def chat_confirm(message_id: int) -> Response | tuple[dict[str, Any], int]:
    """Mark an answer; the token is checked by CSRFProtect (in a header from the script)."""
    message = chat.get_message(message_id)
    confirmed = chat.confirm(message.id, current_user)
    db.session.commit()
    if _wants_json():
        return {"id": message.id, "confirmed": confirmed}, 200
    return redirect(_url(chat.Room(message.module)) + f"#message-{message.id}")
