"""Does work queued under a job's old path still run after the job moved? (issue 11, item 2)"""

from __future__ import annotations

import importlib

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.jobs import enqueue, job_path, relay_outbox
from lms.jobs.paths import MOVED, resolve
from lms.models import JobOutbox, Notification
from lms.models.types import utcnow
from lms.services.schedule import deadline_reminders
from lms.tenancy import tenant_context
from tests.factories import assign, make_group, make_module, two_tenants


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_an_old_path_resolves_to_the_job_at_its_new_home(old: str, new: str) -> None:
    func = resolve(old)

    assert job_path(func) == new
    assert func is resolve(new)


@pytest.mark.parametrize("old", sorted(MOVED))
def test_no_module_answers_at_an_old_path_any_more(old: str) -> None:
    """An entry of the table is for work queued before the move, never for code still there."""
    module_name, _, _ = old.partition(":")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(module_name)


def test_an_outbox_row_written_before_the_move_runs_the_moved_job(app_ctx: Flask) -> None:
    """A row that waited in the outbox over the deploy, relayed after it (inline: the embedded mode)."""
    world = two_tenants()
    assign(make_module(world.acme, "Forklift"), make_group(world.acme, "Floor", [world.ana]), 1, at=utcnow())
    db.session.add(
        JobOutbox(id="a" * 32, queue="default", path="lms.jobs.reminders:deadline_reminders", args=[], kwargs={})
    )
    db.session.commit()

    assert relay_outbox() == 1

    with tenant_context(world.acme.id):
        assert db.session.scalars(sa.select(Notification.title)).all() == ["Due within a day: Forklift"]
    assert db.session.scalars(sa.select(JobOutbox.id)).all() == []


def test_a_job_is_queued_under_its_new_path(app_ctx: Flask) -> None:
    db.session.connection()
    enqueue(deadline_reminders)

    assert db.session.scalar(sa.select(JobOutbox.path)) == "lms.services.schedule:deadline_reminders"
    db.session.rollback()
