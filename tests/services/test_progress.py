"""Progress through modules: sections done, the prerequisite lock, which modules open (issue 5).

The lock is checked in the services (issue 11, point 1): ``complete_section`` — like
``quizzes.start_attempt`` and ``quizzes.submit`` (tests/services/test_quizzes.py) —
refuses a module whose prerequisites the learner has not completed, and writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Certificate, Module, SectionCompletion, User
from lms.models.enums import ModuleStatus, TenantRole
from lms.services import progress
from lms.services.progress import Progress
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, make_quiz, make_user, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[TwoTenants]:
    tenants = two_tenants()
    with tenant_context(tenants.acme.id):
        yield tenants


def _completed_sections(user: User, module: Module) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(SectionCompletion.section_id)
            .where(SectionCompletion.user_id == user.id, SectionCompletion.module_id == module.id)
            .order_by(SectionCompletion.section_id)
        )
    )


def _certified(user: User, module: Module) -> bool:
    held = sa.select(Certificate.id).where(Certificate.user_id == user.id, Certificate.module_id == module.id)
    return db.session.scalar(sa.select(held.exists()))


def _complete(user: User, module: Module) -> None:
    for section in module.sections:
        progress.complete_section(user.id, section)


# --- Sections done ------------------------------------------------------------------------


def test_progress_counts_the_learners_own_sections_per_module(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=4)
    ladders = make_module(world.acme, "Ladders", sections=2)
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    progress.complete_section(world.ana.id, safety.sections[0])
    _complete(cene, safety)

    shown = progress.progress_of(world.ana.id, [safety.id, ladders.id])

    assert shown == {safety.id: Progress(1, 4), ladders.id: Progress(0, 2)}
    assert (shown[safety.id].percent, shown[safety.id].started, shown[safety.id].complete) == (25, True, False)
    assert (shown[ladders.id].percent, shown[ladders.id].started) == (0, False)
    assert progress.progress_of(cene.id, [safety.id])[safety.id].complete is True


def test_a_module_without_sections_is_not_complete(world: TwoTenants) -> None:
    empty = make_module(world.acme, "Empty", sections=0)

    shown = progress.progress_of(world.ana.id, [empty.id])[empty.id]

    assert (shown.done, shown.total, shown.complete) == (0, 0, False)
    assert progress.progress_of(world.ana.id, []) == {}


def test_marking_a_section_twice_records_it_once(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=2)

    assert progress.complete_section(world.ana.id, safety.sections[0]) is True
    assert progress.complete_section(world.ana.id, safety.sections[0]) is False

    assert _completed_sections(world.ana, safety) == [safety.sections[0].id]


def test_the_last_section_of_a_module_without_a_quiz_completes_it(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=2)

    progress.complete_section(world.ana.id, safety.sections[0])
    assert not _certified(world.ana, safety)
    progress.complete_section(world.ana.id, safety.sections[1])

    assert _certified(world.ana, safety)


def test_the_sections_of_a_module_with_a_quiz_do_not_complete_it_alone(world: TwoTenants) -> None:
    safety = make_module(world.acme, "Safety", sections=1)
    make_quiz(safety)

    _complete(world.ana, safety)

    assert _completed_sections(world.ana, safety) == [safety.sections[0].id]
    assert not _certified(world.ana, safety)


# --- The prerequisite lock ----------------------------------------------------------------


def test_missing_prerequisites_are_the_uncompleted_ones_by_title(world: TwoTenants) -> None:
    welcome = make_module(world.acme, "Welcome", sections=1)
    basics = make_module(world.acme, "Basics", sections=1)
    ladders = make_module(world.acme, "Ladders", sections=1)
    expert = make_module(world.acme, "Expert", sections=1, prerequisites=[welcome, ladders, basics])
    open_one = make_module(world.acme, "Open", sections=1)
    _complete(world.ana, welcome)

    missing = progress.missing_prerequisites(world.ana.id, [expert.id, open_one.id])

    assert missing == {expert.id: [basics, ladders]}
    assert progress.missing_prerequisites(world.ana.id, []) == {}


def test_a_section_of_a_locked_module_cannot_be_completed_and_nothing_is_written(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    fire = make_module(world.acme, "Fire safety", sections=1)
    advanced = make_module(world.acme, "Advanced", sections=1, prerequisites=[basics, fire])
    _complete(world.ana, basics)

    with pytest.raises(progress.ModuleLocked, match=r"^Complete these modules first: Fire safety\.$"):
        progress.complete_section(world.ana.id, advanced.sections[0])

    assert _completed_sections(world.ana, advanced) == []
    assert not _certified(world.ana, advanced)


def test_once_the_prerequisites_are_completed_the_module_opens(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=2)
    advanced = make_module(world.acme, "Advanced", sections=1, prerequisites=[basics])
    with pytest.raises(progress.ModuleLocked):
        progress.complete_section(world.ana.id, advanced.sections[0])

    _complete(world.ana, basics)

    assert progress.complete_section(world.ana.id, advanced.sections[0]) is True
    assert _completed_sections(world.ana, advanced) == [advanced.sections[0].id]
    assert _certified(world.ana, advanced)


def test_one_learners_completion_unlocks_nothing_for_another(world: TwoTenants) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    advanced = make_module(world.acme, "Advanced", sections=1, prerequisites=[basics])
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    _complete(cene, basics)

    with pytest.raises(progress.ModuleLocked):
        progress.complete_section(world.ana.id, advanced.sections[0])
    assert progress.complete_section(cene.id, advanced.sections[0]) is True


# --- Opening -------------------------------------------------------------------------------


def test_learners_open_only_published_modules_of_their_company(world: TwoTenants) -> None:
    published = make_module(world.acme, "Published")
    draft = make_module(world.acme, "Draft", status=ModuleStatus.DRAFT)
    globex_module = make_module(world.globex, "Varnost")

    assert progress.published_module(published.id) is published
    assert progress.published_module(draft.id) is None
    assert progress.published_module(globex_module.id) is None
