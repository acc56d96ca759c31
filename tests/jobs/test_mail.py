"""Does mail reach a real SMTP server, in both parts, only after the commit, and is a repeated
send recognisable as the same message?"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs.mail import send_mail
from tests.smtp import smtp_server


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch):
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        yield inbox


def test_mail_is_sent_with_text_and_html_parts(app_ctx: Flask, smtp) -> None:
    with app_ctx.test_request_context():
        send_mail("ana@acme.test", "Hello Ana", "test_message", note="Bring a notebook.")
        db.session.commit()

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "ana@acme.test"
    assert message["Subject"] == "Hello Ana"
    assert message["From"] == app_ctx.config["MAIL_FROM"]
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "Bring a notebook." in parts["text/plain"]
    assert "<p>Bring a notebook.</p>" in parts["text/html"]
    assert "http://lms.test" in parts["text/plain"]


def test_mail_of_a_rolled_back_transaction_is_never_sent(app_ctx: Flask, smtp) -> None:
    with app_ctx.test_request_context():
        db.session.connection()
        send_mail("ana@acme.test", "Hello", "test_message")
        db.session.rollback()
        db.session.commit()

    assert smtp.messages == []


def test_without_smtp_host_the_mail_is_written_to_the_log(app_ctx: Flask, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lms.jobs.mail")
    with app_ctx.test_request_context():
        send_mail("bor@globex.test", "Pozdravljen", "test_message", note="Embedded mode")
        db.session.commit()

    assert "To: bor@globex.test" in caplog.text
    assert "Embedded mode" in caplog.text


def test_a_repeated_delivery_carries_the_same_message_id(app_ctx: Flask, smtp, redis: Redis) -> None:
    """RQ delivers at least once: a worker killed after the SMTP server took the message sends it
    again. The Message-ID is fixed when the mail is queued, so the repeat is the same message."""
    with app_ctx.test_request_context():
        send_mail("ana@acme.test", "Hello Ana", "test_message")
        db.session.commit()
    (job,) = Queue("urgent", connection=redis).jobs

    job.perform()
    job.perform()  # the retry of a delivery whose worker died after sending

    first, again = smtp.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert first["Message-ID"].endswith("@lms.test>")
