"""A real SMTP server (aiosmtpd) on a free local port, keeping what it receives."""

from __future__ import annotations

import email
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask import Flask


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextmanager
def smtp_for(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server, with the app's mail settings pointing at it for the test."""
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        yield inbox


def plain_text(message: Message) -> str:
    """The text/plain part of a received message."""
    part = next(part for part in message.walk() if part.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode()
