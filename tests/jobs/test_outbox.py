"""Is a job recorded with the change that needs it, delivered only after the real commit,
and never lost nor doubled when Redis is away? (issue 10, item 4: the transactional outbox)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs import enqueue, job_path, relay_outbox
from lms.models import ChangelogEntry, JobOutbox
from tests.jobs.sample_jobs import publish_changelog
from tests.redis_server import RedisServer


def _changelog_titles() -> list[str]:
    return list(db.session.scalars(sa.select(ChangelogEntry.title).order_by(ChangelogEntry.title)))


def _outbox() -> list[JobOutbox]:
    return list(db.session.scalars(sa.select(JobOutbox)))


def test_the_job_is_a_row_of_the_transaction_that_queues_it(app_ctx: Flask) -> None:
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "recorded")

    (row,) = _outbox()
    assert (row.queue, row.path, row.args, row.kwargs) == (
        "default",
        job_path(publish_changelog),
        ["1.0.0", "recorded"],
        {},
    )
    db.session.rollback()

    assert _outbox() == []
    assert _changelog_titles() == []


def test_an_inline_job_leaves_nothing_in_the_outbox(app_ctx: Flask) -> None:
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "ran")
    db.session.commit()

    assert _changelog_titles() == ["ran"]
    assert _outbox() == []


def test_a_released_savepoint_is_not_the_commit_the_job_waits_for(app_ctx: Flask) -> None:
    """A savepoint's release fires SQLAlchemy's after_commit too (an XP deduction opens one);
    a job queued before it ran there, seeing uncommitted rows, and on SQLite it then waited
    for the lock of its own request: seed-demo's "database is locked" tracebacks."""
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "after the commit")
    with db.session.begin_nested():
        db.session.add(ChangelogEntry(version="0.9.0", title="in the savepoint", summary="-"))

    assert _changelog_titles() == ["in the savepoint"], "the job ran at the savepoint's release"
    db.session.commit()
    assert _changelog_titles() == ["after the commit", "in the savepoint"]


def test_a_job_queued_in_a_rolled_back_savepoint_never_runs(app_ctx: Flask) -> None:
    db.session.connection()
    savepoint = db.session.begin_nested()
    enqueue(publish_changelog, "1.0.0", "rolled back")
    savepoint.rollback()
    enqueue(publish_changelog, "1.0.1", "kept")
    db.session.commit()

    assert _changelog_titles() == ["kept"]
    assert _outbox() == []


# --- With Redis ----------------------------------------------------------------------------


def test_with_redis_down_the_commit_stands_and_the_relay_hands_the_job_on_later(
    app_ctx: Flask, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.stop()
    db.session.connection()
    enqueue(publish_changelog, "1.0.0", "while Redis was down")
    db.session.add(ChangelogEntry(version="0.9.0", title="the change", summary="-"))
    db.session.commit()  # no error: the change is committed

    assert _changelog_titles() == ["the change"]
    (row,) = _outbox()
    assert "Redis is unreachable" in caplog.text

    assert relay_outbox() == 0, "Redis is still down: the row stays"
    redis_server.start()
    assert relay_outbox() == 1

    assert _outbox() == []
    assert Queue("default", connection=Redis.from_url(redis_server.url)).job_ids == [f"outbox-{row.id}"]


def test_a_row_handed_over_twice_is_one_job_in_redis(app_ctx: Flask, redis_server: RedisServer) -> None:
    """The relay may meet the request that wrote a row, or a row whose delete failed after its
    hand-over comes round again: the job id is the row's, and RQ takes it once."""
    enqueue(publish_changelog, "1.0.0", "once")
    queue = Queue("default", connection=Redis.from_url(redis_server.url))
    (job_id,) = queue.job_ids
    row_id = job_id.removeprefix("outbox-")
    db.session.add(JobOutbox(id=row_id, queue="default", path=job_path(publish_changelog), args=[], kwargs={}))
    db.session.commit()

    assert relay_outbox() == 1
    assert queue.job_ids == [job_id]
    assert _outbox() == []
