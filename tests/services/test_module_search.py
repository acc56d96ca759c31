"""Does the learner's module search find published modules of their tenant by text, tag and filter?"""

from __future__ import annotations

import pytest
from flask import Flask

from lms.extensions import db
from lms.models import ModuleCategory, SectionCompletion, Tag
from lms.models.enums import Difficulty, ModuleStatus
from lms.services.module_search import PAGE_SIZE, Filters, search_modules
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, make_module, two_tenants


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _titles(world: TwoTenants, **filters: object) -> list[str]:
    with tenant_context(world.acme.id):
        results = search_modules(world.ana.id, Filters(**filters), "en")
    return [entry.module.title for entry in results.entries]


def test_only_published_modules_of_the_tenant_are_listed_by_title(world: TwoTenants) -> None:
    make_module(world.acme, "Forklift safety")
    make_module(world.acme, "Fire drill")
    make_module(world.acme, "Draft plan", status=ModuleStatus.DRAFT)
    make_module(world.globex, "Kitchen hygiene")
    assert _titles(world) == ["Fire drill", "Forklift safety"]


def test_text_search_looks_in_titles_and_section_text(world: TwoTenants) -> None:
    make_module(world.acme, "Forklift safety")
    make_module(world.acme, "Fire drill")
    assert _titles(world, query="forklift") == ["Forklift safety"]
    assert _titles(world, query="part 2 of fire") == ["Fire drill"]
    assert _titles(world, query="kitchen") == []


def test_category_tag_and_difficulty_narrow_the_list(world: TwoTenants) -> None:
    forklift = make_module(world.acme, "Forklift safety")
    fire = make_module(world.acme, "Fire drill")
    with tenant_context(world.acme.id):
        category, tag = ModuleCategory(name="Warehouse"), Tag(name="machines")
        db.session.add_all([category, tag])
        db.session.flush()
        forklift.category_id = category.id
        forklift.tags.append(tag)
        fire.difficulty = Difficulty.ADVANCED
        db.session.flush()
    assert _titles(world, category_id=category.id) == ["Forklift safety"]
    assert _titles(world, tag_id=tag.id) == ["Forklift safety"]
    assert _titles(world, difficulty=Difficulty.ADVANCED) == ["Fire drill"]


def test_the_status_filter_follows_the_learners_progress(world: TwoTenants) -> None:
    forklift = make_module(world.acme, "Forklift safety")
    make_module(world.acme, "Fire drill")
    with tenant_context(world.acme.id):
        first = forklift.sections[0]
        db.session.add(SectionCompletion(user_id=world.ana.id, module_id=forklift.id, section_id=first.id))
        db.session.flush()
    assert _titles(world, status="in_progress") == ["Forklift safety"]
    assert _titles(world, status="not_started") == ["Fire drill"]


def test_a_page_past_the_end_shows_the_last_page(world: TwoTenants) -> None:
    for n in range(PAGE_SIZE + 1):
        make_module(world.acme, f"Module {n:02d}", sections=1)
    with tenant_context(world.acme.id):
        results = search_modules(world.ana.id, Filters(page=9), "en")
    assert (results.total, results.pages, results.page) == (PAGE_SIZE + 1, 2, 2)
    assert [entry.module.title for entry in results.entries] == [f"Module {PAGE_SIZE:02d}"]
