"""What the module reader shows a learner, and what opening, rating and pinning record (issue 5)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import (
    Module,
    ModuleChangeLog,
    ModuleSelfAssessment,
    User,
    UserModuleLastAccess,
    UserPinnedModule,
)
from lms.models.types import utcnow
from lms.services import certificates, progress, reader, versions
from lms.services.certificates import CertificateStatus
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, make_quiz, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[TwoTenants]:
    tenants = two_tenants()
    with tenant_context(tenants.acme.id):
        yield tenants


def _last_access(user: User, module: Module) -> list[object]:
    return list(
        db.session.scalars(
            sa.select(UserModuleLastAccess.accessed_at).where(
                UserModuleLastAccess.user_id == user.id, UserModuleLastAccess.module_id == module.id
            )
        )
    )


def test_the_reader_opens_at_the_first_section_not_done(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=3)
    first, second, third = safety.sections
    progress.complete_section(world.ana.id, first)

    page = reader.open_module(world.ana.id, safety, None)

    assert [section.title for section in page.sections] == ["Safety: part 1", "Safety: part 2", "Safety: part 3"]
    assert (page.current, page.done) == (second, {first.id})
    assert (page.neighbour(-1), page.neighbour(1)) == (first, third)
    assert (page.progress.done, page.progress.total, page.locked) == (1, 3, False)


def test_the_reader_opens_the_section_asked_for_and_refuses_one_of_another_module(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=3)
    ladders = make_module(world.acme, "Ladders", sections=1)

    assert reader.open_module(world.ana.id, safety, safety.sections[2].id).current == safety.sections[2]
    assert reader.open_module(world.ana.id, safety, safety.sections[2].id).neighbour(1) is None
    with pytest.raises(reader.NotInModule, match="not part of this module"):
        reader.open_module(world.ana.id, safety, ladders.sections[0].id)


def test_opening_records_the_last_access_once_per_module(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")

    reader.open_module(world.ana.id, safety, None)
    (first,) = _last_access(world.ana, safety)
    reader.open_module(world.ana.id, safety, None)

    (again,) = _last_access(world.ana, safety)
    assert again >= first


def test_a_locked_module_shows_what_is_missing_and_records_no_access(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    advanced = make_module(world.acme, "Advanced", prerequisites=[basics])

    page = reader.open_module(world.ana.id, advanced, None)

    assert (page.locked, page.missing) == (True, [basics])
    assert _last_access(world.ana, advanced) == []

    progress.complete_section(world.ana.id, basics.sections[0])
    assert reader.open_module(world.ana.id, advanced, None).locked is False
    assert len(_last_access(world.ana, advanced)) == 1


def test_changes_since_the_version_the_learner_saw_are_listed_newest_first(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")
    assert reader.open_module(world.ana.id, safety, None).changes == [], "never seen: nothing to compare with"
    versions.acknowledge_version(world.ana.id, safety)
    for version, summary in [(2, "New exits"), (3, "New helmets")]:
        db.session.add(ModuleChangeLog(module_id=safety.id, version=version, change_summary=summary))
    safety.version = 3
    db.session.flush()

    page = reader.open_module(world.ana.id, safety, None)

    assert [change.change_summary for change in page.changes] == ["New helmets", "New exits"]
    versions.acknowledge_version(world.ana.id, safety)
    assert reader.open_module(world.ana.id, safety, None).changes == []


def test_a_module_with_a_quiz_is_not_renewed_by_clearing_its_sections(world: TwoTenants) -> None:
    ladders = make_module(world.acme, "Ladders", sections=1)
    make_quiz(ladders)
    progress.complete_section(world.ana.id, ladders.sections[0])
    certificate = certificates.claim(world.ana.id, ladders, completed_at=utcnow(), previous=None)
    certificates.revoke(certificate, "Issued by mistake")
    db.session.flush()

    page = reader.open_module(world.ana.id, ladders, None)

    assert (page.has_quiz, page.progress.complete, page.renewal_open) == (True, True, True)
    assert page.may_start_renewal is False, "passing the quiz again renews it"


def test_the_reader_shows_the_learners_newest_certificate_even_revoked(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=1)
    progress.complete_section(world.ana.id, safety.sections[0])
    page = reader.open_module(world.ana.id, safety, None)
    assert page.certificate_status is CertificateStatus.VALID
    assert page.renewal_open is False

    certificates.revoke(page.certificate, "Issued by mistake")
    db.session.flush()

    page = reader.open_module(world.ana.id, safety, None)
    assert page.certificate_status is CertificateStatus.REVOKED
    assert page.renewal_open is True, "a new completion earns a new certificate"
    assert page.may_start_renewal is True, "no quiz: renewing starts by clearing the sections"
    assert reader.open_module(world.bor.id, safety, None).certificate is None


def test_a_self_assessment_is_one_row_that_editing_replaces(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")

    reader.assess(world.ana.id, safety, 2, "  Too fast  ")
    reader.assess(world.ana.id, safety, 4, "   ")

    rows = db.session.execute(sa.select(ModuleSelfAssessment.rating, ModuleSelfAssessment.note)).all()
    assert [tuple(row) for row in rows] == [(4, None)]
    assert reader.open_module(world.ana.id, safety, None).assessment.rating == 4


def test_pinning_twice_pins_once_and_unpinning_twice_unpins(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety")

    reader.set_pinned(world.ana.id, safety, True)
    reader.set_pinned(world.ana.id, safety, True)
    assert db.session.scalar(sa.select(sa.func.count(UserPinnedModule.id))) == 1
    assert reader.open_module(world.ana.id, safety, None).pinned is True

    reader.set_pinned(world.ana.id, safety, False)
    reader.set_pinned(world.ana.id, safety, False)
    assert db.session.scalar(sa.select(sa.func.count(UserPinnedModule.id))) == 0
    assert reader.open_module(world.ana.id, safety, None).pinned is False
