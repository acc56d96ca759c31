"""Can operators see the queues and failed jobs of their company, retry one, and run a periodic job now?"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry

from lms.extensions import db
from lms.jobs import enqueue, get_queue
from lms.models import ModuleGroup, Notification, Tenant, User
from lms.models.enums import AuditAction, NotificationType
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import assign, make_group, make_module
from tests.jobs.sample_jobs import always_fails
from tests.jobs.workers import run_burst_worker, worker_env

URL = "/admin/operations/"
REMINDERS = "lms.services.schedule:deadline_reminders"


def test_embedded_mode_says_jobs_run_inline(client_as: Callable[..., FlaskClient], companies: Companies) -> None:
    page = client_as("admin").get(URL).get_data(as_text=True)

    assert "Jobs run inline (no REDIS_URL)" in page
    assert REMINDERS in page
    assert "lms.services.schedule:daily_digest" in page
    assert "lms.services.schedule:weekly_digest" in page


@pytest.mark.parametrize(("who", "status"), [("owner", 200), ("admin", 200), ("hr", 403), ("employee", 403)])
def test_only_owners_and_admins_operate(
    client_as: Callable[..., FlaskClient], companies: Companies, who: str, status: int
) -> None:
    assert client_as(who).get(URL).status_code == status
    assert client_as(who).post(f"{URL}run", data={"job": REMINDERS}).status_code in (
        (302,) if status == 200 else (403,)
    )


def test_run_now_runs_the_job_inline_and_is_audited(
    app: Flask,
    client_as: Callable[..., FlaskClient],
    companies: Companies,
    rows: Callable[..., list[Any]],
    audit_rows: Callable[..., list[tuple[str, str | None, dict[str, Any]]]],
) -> None:
    with app.app_context(), tenant_context(companies.acme_id):
        acme = db.session.get(Tenant, companies.acme_id)
        ana = db.session.get(User, companies.user_ids["employee"])
        group = make_group(acme, "Floor", [ana])
        assign(make_module(acme, "Forklift"), group, 1, at=utcnow())
        db.session.commit()

    response = client_as("admin").post(f"{URL}run", data={"job": REMINDERS}, follow_redirects=True)

    assert "The job ran." in response.get_data(as_text=True)
    titles = rows(
        companies.acme_id,
        sa.select(Notification.title).where(Notification.type == NotificationType.DEADLINE_REMINDER),
    )
    assert [title for (title,) in titles] == ["Due within a day: Forklift"]
    assert audit_rows(companies.acme_id, AuditAction.RECORD_UPDATED) == [
        ("job", REMINDERS, {"operation": "run now", "all_tenants": False})
    ]
    assert rows(companies.acme_id, sa.select(ModuleGroup.id)), "the data is still there"


def test_a_company_admin_runs_the_job_for_their_company_only(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, rows: Callable[..., list[Any]]
) -> None:
    with app.app_context(), tenant_context(companies.globex_id):
        globex = db.session.get(Tenant, companies.globex_id)
        bor = db.session.get(User, companies.user_ids["globex_employee"])
        assign(make_module(globex, "Viličar"), make_group(globex, "Skladišče", [bor]), 1, at=utcnow())
        db.session.commit()

    client_as("admin").post(f"{URL}run", data={"job": REMINDERS})

    assert rows(companies.globex_id, sa.select(Notification.id)) == []


def test_an_unknown_job_cannot_be_run(client_as: Callable[..., FlaskClient], companies: Companies) -> None:
    assert client_as("owner").post(f"{URL}run", data={"job": "os:system"}).status_code == 404
    assert client_as("owner").post(f"{URL}run", data={}).status_code == 400


def test_with_redis_the_page_counts_the_queues_and_run_now_enqueues(
    client_as: Callable[..., FlaskClient], companies: Companies, redis: Redis
) -> None:
    client = client_as("owner")

    response = client.post(f"{URL}run", data={"job": REMINDERS}, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "The job is queued." in page
    assert "Jobs run inline" not in page
    queue = Queue("default", connection=redis)
    assert [job.description for job in queue.jobs] == ["lms.services.reminders:tenant_deadline_reminders"]
    assert [job.args[1] for job in queue.jobs] == [(companies.acme_id,)], "the owner's company only"
    assert '<tr class="lms-queue-default"><td>default</td><td>1</td>' in page


def test_a_second_run_now_the_same_day_says_so_and_queues_nothing(
    client_as: Callable[..., FlaskClient], companies: Companies, redis: Redis
) -> None:
    client = client_as("owner")
    client.post(f"{URL}run", data={"job": REMINDERS}, follow_redirects=True)

    response = client.post(f"{URL}run", data={"job": REMINDERS}, follow_redirects=True)

    page = response.get_data(as_text=True)
    assert "This job has already been queued or run for this period." in page
    assert "The job is queued." not in page
    assert len(Queue("default", connection=redis)) == 1


def test_a_failed_job_shows_its_error_to_its_company_and_retry_requeues_it(
    app: Flask,
    committed: None,
    companies: Companies,
    client_as: Callable[..., FlaskClient],
    audit_rows: Callable[..., list[tuple[str, str | None, dict[str, Any]]]],
    redis: Redis,
    database_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", (0,))  # one quick retry, then failed
    with app.app_context(), tenant_context(companies.acme_id):
        enqueue(always_fails)
        job_id = get_queue("default").job_ids[0]

    result = run_burst_worker(worker_env(app, database_url, redis_url))

    assert result.returncode == 0, result.stderr
    assert job_id in FailedJobRegistry("default", connection=redis).get_job_ids()
    page = client_as("owner").get(URL).get_data(as_text=True)
    assert job_id in page
    assert "RuntimeError: this job fails on purpose" in page
    assert job_id not in client_as("globex_owner", "globex").get(URL).get_data(as_text=True)
    assert client_as("globex_owner", "globex").post(f"{URL}retry", data={"job_id": job_id}).status_code == 404

    response = client_as("owner").post(f"{URL}retry", data={"job_id": job_id})

    assert response.status_code == 302
    assert Queue("default", connection=redis).job_ids == [job_id]
    assert job_id not in FailedJobRegistry("default", connection=redis).get_job_ids()
    (entry,) = audit_rows(companies.acme_id, AuditAction.RECORD_UPDATED)
    assert entry[:2] == ("job", job_id)
    assert entry[2]["operation"] == "retry"
