"""Is a job queued twice under one id one job in Redis, and what does the embedded mode do with it? (issue 11)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from redis import Redis
from rq import Queue

from lms.extensions import db
from lms.jobs import NAMED_RESULT_TTL, enqueue, relay_outbox
from lms.models import ChangelogEntry, JobOutbox
from tests.jobs.sample_jobs import publish_changelog
from tests.redis_server import RedisServer


def _changelog_titles() -> list[str]:
    return list(db.session.scalars(sa.select(ChangelogEntry.title).order_by(ChangelogEntry.title)))


def test_a_job_queued_twice_under_one_id_is_one_rq_job(app_ctx: Flask, redis: Redis) -> None:
    enqueue(publish_changelog, "1.0.0", "first", job_id="release-1")
    enqueue(publish_changelog, "1.0.1", "second", job_id="release-1")

    (job,) = Queue("default", connection=redis).jobs
    assert job.id == "release-1"
    assert job.args[1] == ("1.0.0", "first"), "the first queueing is the job"
    assert job.result_ttl == NAMED_RESULT_TTL
    assert db.session.scalars(sa.select(JobOutbox.id)).all() == [], "the second row is done with too"


def test_an_unnamed_job_is_named_for_its_outbox_row_and_forgotten_soon_after_it_finished(
    app_ctx: Flask, redis: Redis
) -> None:
    enqueue(publish_changelog, "1.0.0", "first")

    (job,) = Queue("default", connection=redis).jobs
    assert job.id.startswith("outbox-")
    assert job.result_ttl is None, "RQ's default"


def test_a_named_job_waiting_in_the_outbox_goes_to_redis_once(app_ctx: Flask, redis_server: RedisServer) -> None:
    """Redis was down while both were queued: the relay hands both rows over, RQ takes one."""
    redis_server.stop()
    enqueue(publish_changelog, "1.0.0", "first", job_id="release-1")
    enqueue(publish_changelog, "1.0.1", "second", job_id="release-1")
    redis_server.start()

    assert relay_outbox() == 2
    assert Queue("default", connection=Redis.from_url(redis_server.url)).job_ids == ["release-1"]


def test_a_job_id_rq_would_refuse_is_refused_when_queued(app_ctx: Flask) -> None:
    with pytest.raises(ValueError, match="letters, numbers, underscores and dashes"):
        enqueue(publish_changelog, "1.0.0", "first", job_id="reminders:1:2026-01-02")


def test_without_redis_each_queueing_of_a_named_job_runs(app_ctx: Flask) -> None:
    """No Redis, no memory of ids: the embedded mode runs both, which idempotent jobs bear."""
    enqueue(publish_changelog, "1.0.0", "first", job_id="release-1")
    enqueue(publish_changelog, "1.0.1", "second", job_id="release-1")

    assert _changelog_titles() == ["first", "second"]
