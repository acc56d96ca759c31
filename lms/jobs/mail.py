"""Outgoing mail (DESIGN.md: jobs; issue 3: mail plumbing).

``send_mail`` renders the message where the caller is (its locale and data are at hand)
and queues the delivery on the ``email`` queue, so a slow or failing SMTP server never
holds a request and a failed delivery is retried.

RQ delivers at least once: a worker killed after the SMTP server accepted a message
sends it again. The Message-ID is therefore chosen once, when the delivery is queued,
and travels with the job, so every send of one message carries the same ID and mail
systems and readers recognise a repeat as the same message (issue 10).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

from flask import current_app, render_template

from lms.jobs import enqueue, job
from lms.storage import get_storage

log = logging.getLogger(__name__)


def send_mail(
    to: str, subject: str, template: str, *, attachments: list[dict[str, str]] | None = None, **context: object
) -> None:
    """Render ``templates/email/<template>.txt`` and ``.html`` and queue the delivery.

    ``attachments``: stored files, as ``{"file_name", "storage_key", "content_type"}``;
    the delivery job reads them, so the queue carries keys, not file contents.
    The message goes out after the current transaction commits (see ``enqueue``).
    """
    config = current_app.config
    context.setdefault("base_url", config["BASE_URL"])
    text = render_template(f"email/{template}.txt", subject=subject, **context)
    html = render_template(f"email/{template}.html", subject=subject, **context)
    message_id = make_msgid(domain=urlsplit(config["BASE_URL"]).hostname)
    enqueue(deliver_mail, to, subject, text, html, attachments or [], message_id)


@job("email")
def deliver_mail(
    to: str, subject: str, text: str, html: str, attachments: list[dict[str, str]], message_id: str
) -> None:
    """Send one message by SMTP, or write it to the log in the embedded mode."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            get_storage().read(attachment["storage_key"]),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment["file_name"],
        )
    if not config["SMTP_HOST"]:
        log.info("mail (not sent: SMTP_HOST is not set)\nTo: %s\nSubject: %s\n\n%s", to, subject, text)
        return
    smtp_class = smtplib.SMTP_SSL if config["SMTP_SSL"] else smtplib.SMTP
    with smtp_class(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]) as smtp:
        if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USER"]:
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
    log.info("mail sent to %s: %s", to, subject)
