"""Outgoing mail (DESIGN.md: jobs; issue 3: mail plumbing; issue 12, item 4: mail that scales).

Two ways out, on two queues, so that mail someone is waiting for never waits behind mass mail:

- ``send_mail`` renders one message where the caller is (its locale and data are at hand)
  and queues its delivery on ``urgent``, which workers serve first: a password reset, an
  invite, a certificate sent again.
- Mass notices (a sweep's reminders, the digests) go out in jobs on ``bulk`` of up to
  ``BATCH_SIZE`` recipients each, which render their messages from the database and send
  them over one SMTP connection (``send_batch``): a sweep of 35,000 notices is 70 jobs and
  70 connections, not 35,000 of each.

Either way a slow or failing SMTP server never holds a request, and a failed delivery is
retried. RQ delivers at least once: a worker killed after the SMTP server accepted a
message sends it again. Every message therefore carries a Message-ID fixed before its
first send — chosen when its delivery is queued, or derived from the row it tells about
(``stable_message_id``) — so mail systems and readers recognise a repeat as the same
message (issue 10). A batch records what went out in its job's transaction, and when the
SMTP server fails part way it commits that record before raising, so RQ's retry sends only
the rest; only a worker killed mid-batch repeats messages, each with its Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from lms.extensions import db
from lms.jobs import enqueue, job
from lms.storage import get_storage, read_bytes

log = logging.getLogger(__name__)

BATCH_SIZE = 500  # recipients per bulk mail job: messages per SMTP connection


@dataclass(frozen=True)
class Mail:
    """One rendered message, ready to send."""

    to: str
    subject: str
    text: str
    html: str
    message_id: str
    attachments: tuple[dict[str, str], ...] = ()


def render_mail(
    to: str,
    subject: str,
    template: str,
    *,
    message_id: str,
    attachments: Sequence[dict[str, str]] = (),
    **context: object,
) -> Mail:
    """Render ``templates/email/<template>.txt`` and ``.html`` in the current locale.

    ``attachments``: stored files, as ``{"file_name", "storage_key", "content_type"}``;
    the sending job reads them, so a queue carries keys, not file contents.
    """
    context.setdefault("base_url", current_app.config["BASE_URL"])
    text = render_template(f"email/{template}.txt", subject=subject, **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    return Mail(to, subject, text, html, message_id, tuple(attachments))


def _domain() -> str | None:
    return urlsplit(current_app.config["BASE_URL"]).hostname


def stable_message_id(*parts: object) -> str:
    """The Message-ID of the message about ``parts`` (``"notification", tenant_id, id``): the same at every send."""
    return f"<mojster.{'.'.join(str(part) for part in parts)}@{_domain()}>"


def send_mail(
    to: str, subject: str, template: str, *, attachments: list[dict[str, str]] | None = None, **context: object
) -> None:
    """Render one message and queue its delivery on ``urgent``, after the current transaction commits."""
    mail = render_mail(
        to, subject, template, message_id=make_msgid(domain=_domain()), attachments=attachments or (), **context
    )
    enqueue(deliver_mail, mail.to, mail.subject, mail.text, mail.html, list(mail.attachments), mail.message_id)


@job("urgent")
def deliver_mail(
    to: str, subject: str, text: str, html: str, attachments: list[dict[str, str]], message_id: str
) -> None:
    """Send one message queued by ``send_mail``, or write it to the log in the embedded mode."""
    send_batch([Mail(to, subject, text, html, message_id, tuple(attachments))])


def send_batch(mails: Sequence[Mail], record: Callable[[list[Mail]], None] | None = None) -> None:
    """Send ``mails`` over one SMTP connection, then ``record`` (in the job's transaction) those done.

    A recipient the server refuses is logged and counts as done: retrying would not change
    its answer, and it must not hold back the rest of the batch. When the server fails part
    way, what went out is recorded and committed before the error is raised, so the job's
    retry (RQ) sends only the rest.
    """
    done: list[Mail] = []
    try:
        _send(mails, done)
    except (smtplib.SMTPException, OSError):
        if done and record is not None:
            record(done)
            db.session.commit()
        log.warning(
            "the SMTP server failed after %d of %d message(s); the rest waits for the retry", len(done), len(mails)
        )
        raise
    if record is not None:
        record(done)


def _send(mails: Sequence[Mail], done: list[Mail]) -> None:
    """Send each message in turn, adding it to ``done`` once the server took (or refused) it."""
    config = current_app.config
    if not mails:
        return
    if not config["SMTP_HOST"]:
        for mail in mails:
            log.info(
                "mail (not sent: SMTP_HOST is not set)\nTo: %s\nSubject: %s\n\n%s", mail.to, mail.subject, mail.text
            )
            done.append(mail)
        return
    smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    with smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        for mail in mails:
            try:
                smtp.send_message(_message(mail))
            except smtplib.SMTPRecipientsRefused:
                log.warning("the SMTP server refused %s: %r not sent", mail.to, mail.subject)
            done.append(mail)
    log.info("mail sent: %d message(s) over one connection, the first to %s", len(mails), mails[0].to)


def _message(mail: Mail) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = mail.message_id
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    for attachment in mail.attachments:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            read_bytes(get_storage(), attachment["storage_key"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["file_name"],
        )
    return message
