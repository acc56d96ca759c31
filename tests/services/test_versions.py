"""Which version of a module a learner has seen (``services/versions``): one row, the latest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Module, User, UserModuleReview
from lms.services import versions
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[TwoTenants]:
    tenants = two_tenants()
    with tenant_context(tenants.acme.id):
        yield tenants


def _seen(user: User, module: Module) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(UserModuleReview.last_seen_version).where(
                UserModuleReview.user_id == user.id, UserModuleReview.module_id == module.id
            )
        )
    )


def test_acknowledging_a_version_keeps_one_row_with_the_latest(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")

    versions.acknowledge_version(world.ana.id, safety)
    safety.version = 3
    db.session.flush()
    versions.acknowledge_version(world.ana.id, safety)

    assert _seen(world.ana, safety) == [3]


def test_acknowledging_one_module_marks_no_other(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")
    other = make_module(world.acme, "Forklifts")

    versions.acknowledge_version(world.ana.id, safety)

    assert _seen(world.ana, other) == []
