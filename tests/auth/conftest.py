"""Shared data for the sign-in tests: two tenants whose people have real passwords,
and a real SMTP server that keeps what the app sends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.services.accounts import set_password
from tests.factories import two_tenants
from tests.smtp import Inbox, smtp_server

PASSWORD = "Grey-heron-at-dawn-7"


@dataclass(frozen=True)
class People:
    """Ids of acme with Ana and globex with Bor; both sign in with ``PASSWORD``.

    Only ids: the tests keep no app context open while the client makes requests,
    since a request would then share that context's ``g`` and database session (Flask
    reuses a pushed app context), which hides what a real request does on its own.
    """

    acme_id: int
    globex_id: int
    ana_id: int
    bor_id: int


@pytest.fixture
def people(app: Flask) -> People:
    with app.app_context():
        world = two_tenants()
        set_password(world.ana, PASSWORD)
        set_password(world.bor, PASSWORD)
        db.session.commit()
        return People(world.acme.id, world.globex.id, world.ana.id, world.bor.id)


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        yield inbox


def text_of(message: Message) -> str:
    """The plain-text part of a received message."""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode()
    raise AssertionError("the message has no text part")


def link_in(message: Message) -> str:
    """The one link of the message's text part that leads somewhere (the footer names the site)."""
    links = [link for link in re.findall(r"https?://\S+", text_of(message)) if "/" in link.split("://", 1)[1]]
    assert len(links) == 1, links
    return links[0]


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def copy_cookies(source: FlaskClient, target: FlaskClient) -> None:
    """What an attacker with a stolen cookie jar holds: every cookie of ``source``."""
    for name in ("mojster_session", "mojster_remember"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)
