"""Jobs that exist only for the tests of the job plumbing."""

from __future__ import annotations

import logging

from lms.extensions import db
from lms.jobs import job, last_attempt
from lms.models import ChangelogEntry, Tag
from lms.tenancy import tenant_context

log = logging.getLogger(__name__)


@job()
def publish_changelog(version: str, title: str) -> None:
    db.session.add(ChangelogEntry(version=version, title=title, summary=title))


@job()
def add_tag(tenant_id: int, name: str) -> None:
    with tenant_context(tenant_id):
        db.session.add(Tag(name=name))


@job()
def always_fails() -> None:
    db.session.add(ChangelogEntry(version="0.0.0", title="never", summary="never"))
    raise RuntimeError("this job fails on purpose")


@job()
def say(text: str) -> None:
    log.warning("sample job says %s", text)


@job()
def fails_unless_last() -> None:
    """Fails while RQ has retries left, as a job whose trouble may pass; succeeds on its last try."""
    log.warning("last attempt: %s", last_attempt())
    if not last_attempt():
        raise RuntimeError("failing while retries are left")
