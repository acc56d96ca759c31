"""What the learner's start page lists: assigned by due date, what to continue, pins, updates (issue 5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import CompanyPinnedModule, Module, User, UserModuleLastAccess
from lms.models.enums import ModuleStatus, TenantRole
from lms.models.types import utcnow
from lms.services import dashboard, progress, reader, versions
from lms.services.certificates import CertificateStatus
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, assign, make_group, make_module, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[TwoTenants]:
    tenants = two_tenants()
    with tenant_context(tenants.acme.id):
        yield tenants


def _assign(world: TwoTenants, module: Module, days: int | None, *, ago: int = 0, mandatory: bool = False) -> None:
    """Assign to a group Ana joined, both ``ago`` days ago: due ``days - ago`` days from now."""
    at = utcnow() - timedelta(days=ago)
    group = make_group(world.acme, f"For {module.title}", [world.ana], joined=at)
    assign(module, group, days, mandatory=mandatory, at=at)


def _complete(user: User, module: Module) -> None:
    for section in module.sections:
        progress.complete_section(user.id, section)


def _titles(cards: list[dashboard.Card]) -> list[str]:
    return [card.module.title for card in cards]


def test_assigned_modules_come_soonest_due_first_and_undated_last(world: TwoTenants) -> None:
    later = make_module(world.acme, "Later")
    soon = make_module(world.acme, "Soon")
    whenever = make_module(world.acme, "Whenever")
    _assign(world, later, 30)
    _assign(world, whenever, None)
    _assign(world, soon, 7, mandatory=True)

    board = dashboard.dashboard(world.ana.id)

    assert _titles(board.assigned) == ["Soon", "Later", "Whenever"]
    assert [card.mandatory for card in board.assigned] == [True, False, False]
    assert board.assigned[2].due_at is None


def test_an_assigned_module_past_due_is_overdue_until_completed(world: TwoTenants) -> None:
    late = make_module(world.acme, "Late", sections=1)
    _assign(world, late, 7, ago=10)
    (card,) = dashboard.dashboard(world.ana.id).assigned
    assert card.overdue(utcnow()) is True

    _complete(world.ana, late)

    page = dashboard.dashboard(world.ana.id)
    (card,) = page.completed  # done, it leaves "Assigned to me" (issue 14, item 7)
    assert page.assigned == []
    assert (card.completed, card.overdue(utcnow()), card.progress.percent) == (True, False, 100)


def test_continue_with_is_the_latest_opened_module_not_yet_completed(world: TwoTenants) -> None:
    first = make_module(world.acme, "First", sections=1)
    second = make_module(world.acme, "Second", sections=1)
    for module, minutes_ago in [(first, 10), (second, 5)]:
        reader.open_module(world.ana.id, module, None)
        db.session.execute(
            sa.update(UserModuleLastAccess)
            .where(UserModuleLastAccess.module_id == module.id)
            .values(accessed_at=utcnow() - timedelta(minutes=minutes_ago))
        )
    assert dashboard.dashboard(world.ana.id).continue_with.module == second

    _complete(world.ana, second)

    assert dashboard.dashboard(world.ana.id).continue_with.module == first
    assert dashboard.dashboard(world.bor.id).continue_with is None


def test_own_pins_and_the_companys_pins_are_listed_and_drafts_never(world: TwoTenants) -> None:
    mine = make_module(world.acme, "Mine")
    company = make_module(world.acme, "Company")
    draft = make_module(world.acme, "Draft", status=ModuleStatus.DRAFT)
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    reader.set_pinned(world.ana.id, mine, True)
    reader.set_pinned(world.ana.id, draft, True)
    reader.set_pinned(cene.id, company, True)
    db.session.add_all(
        [CompanyPinnedModule(module_id=company.id, sort_order=1), CompanyPinnedModule(module_id=draft.id)]
    )
    db.session.flush()

    board = dashboard.dashboard(world.ana.id)

    assert (_titles(board.pinned), _titles(board.company_pinned)) == (["Mine"], ["Company"])


def test_a_new_version_of_a_module_seen_before_is_listed_as_updated(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=1)
    never_seen = make_module(world.acme, "Never seen")
    _complete(world.ana, safety)
    versions.acknowledge_version(world.ana.id, safety)
    for module in (safety, never_seen):
        module.version = 2
    db.session.flush()

    assert _titles(dashboard.dashboard(world.ana.id).updated) == ["Safety"]
    versions.acknowledge_version(world.ana.id, safety)
    assert dashboard.dashboard(world.ana.id).updated == []


def test_an_expired_certification_shows_as_expired_and_the_module_stays_completed(world: TwoTenants) -> None:
    forklift = make_module(world.acme, "Forklift", sections=1)
    forklift.validity_months = 12
    _assign(world, forklift, 30)
    _complete(world.ana, forklift)
    (card,) = dashboard.dashboard(world.ana.id).completed
    assert (card.completed, card.compliance(utcnow())) == (True, None)

    after_expiry = card.certificate.expires_at + timedelta(days=1)

    assert card.compliance(after_expiry) is CertificateStatus.EXPIRED
    assert card.compliance(card.certificate.expires_at - timedelta(days=3)) is CertificateStatus.RENEWAL_DUE


def test_the_page_costs_the_same_queries_for_one_module_or_many(world: TwoTenants, count_queries: list[str]) -> None:
    counts = []
    for batch in (1, 6):
        for number in range(batch):
            module = make_module(world.acme, f"M{batch}-{number}", sections=2)
            _assign(world, module, 10 + number)
            reader.set_pinned(world.ana.id, module, True)
            reader.open_module(world.ana.id, module, None)
            progress.complete_section(world.ana.id, module.sections[0])
        db.session.flush()
        count_queries.clear()
        assert len(dashboard.dashboard(world.ana.id).assigned) == {1: 1, 6: 7}[batch]
        counts.append(len(count_queries))

    assert counts[0] == counts[1], counts
