"""Does the learner's module search find published modules of their tenant by text, tag and filter?"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Module, ModuleCategory, Section, SectionCompletion, Tag
from lms.models.enums import Difficulty, ModuleStatus
from lms.services.content import set_section_content
from lms.services.module_search import PAGE_SIZE, Filters, SearchResults, search_modules
from lms.tenancy import tenant_context
from tests.conftest import need_service
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


def test_the_second_page_shows_the_modules_after_the_first_with_the_total(world: TwoTenants) -> None:
    for n in range(PAGE_SIZE + 6):
        make_module(world.acme, f"Module {n:02d}", sections=1)
    make_module(world.globex, "Module 99", sections=1)
    with tenant_context(world.acme.id):
        results = search_modules(world.ana.id, Filters(page=2), "en")
    assert (results.total, results.pages, results.page) == (PAGE_SIZE + 6, 2, 2)
    assert [entry.module.title for entry in results.entries] == [
        f"Module {n:02d}" for n in range(PAGE_SIZE, PAGE_SIZE + 6)
    ]


@pytest.mark.parametrize(
    ("page", "pages", "links"),
    [
        (1, 1, [1]),
        (2, 3, [1, 2, 3]),
        (10, 84, [1, None, 8, 9, 10, 11, 12, None, 84]),
        (84, 84, [1, None, 82, 83, 84]),
    ],
)
def test_a_big_catalog_links_a_few_pages_around_the_current_one(page: int, pages: int, links: list[int | None]) -> None:
    assert SearchResults([], 0, page, pages, [], []).page_links == links


def test_status_and_search_filter_before_paging(world: TwoTenants) -> None:
    """The filters narrow the whole list, so the first page is full of matches, not a filtered slice."""
    modules = [make_module(world.acme, f"Module {n:02d}", sections=1) for n in range(PAGE_SIZE + 6)]
    with tenant_context(world.acme.id):
        for module in modules[-3:]:
            section = module.sections[0]
            db.session.add(SectionCompletion(user_id=world.ana.id, module_id=module.id, section_id=section.id))
        db.session.flush()
        started = search_modules(world.ana.id, Filters(status="in_progress"), "en")
        searched = search_modules(world.ana.id, Filters(query="module 29"), "en")
    assert started.total == 3
    assert [entry.module.title for entry in started.entries] == ["Module 27", "Module 28", "Module 29"]
    assert [entry.progress.percent for entry in started.entries] == [100, 100, 100]
    assert [entry.module.title for entry in searched.entries] == ["Module 29"]


def _with_body(world: TwoTenants, title: str, html: str, *, tenant: str = "acme") -> Module:
    module = make_module(getattr(world, tenant), title, sections=1)
    with tenant_context(module.tenant_id):
        set_section_content(module.sections[0], html)
        db.session.flush()
    return module


def test_a_word_in_a_section_body_finds_its_module_and_only_in_the_tenant(world: TwoTenants) -> None:
    _with_body(world, "Working at height", "<p>Always clip the <strong>harness</strong> to an anchor.</p>")
    make_module(world.acme, "Fire drill")
    _with_body(world, "Visoka dela", "<p>Harness in vrv.</p>", tenant="globex")
    assert _titles(world, query="harness") == ["Working at height"]
    assert _titles(world, query="HARNESS") == ["Working at height"]
    assert _titles(world, query="strong") == []  # markup is not text


def test_odd_characters_in_a_search_find_nothing_rather_than_fail(world: TwoTenants) -> None:
    make_module(world.acme, "Forklift safety")
    for query in ("'", '"', "&", "|", "!", ":*", "a & b | !c", "(", "\\", "%", "_", "forklift:*", "x" * 5000):
        assert _titles(world, query=query) in ([], ["Forklift safety"]), query
    assert _titles(world, query="%") == []


def _filler_sections(world: TwoTenants, count: int, text: str) -> None:
    filler = make_module(world.acme, "Filler", sections=1)
    with tenant_context(world.acme.id):
        db.session.execute(
            sa.insert(Section),
            [
                {
                    "tenant_id": world.acme.id,
                    "module_id": filler.id,
                    "title": f"Part {n}",
                    "search_text": text.format(n=n),
                }
                for n in range(count)
            ],
        )


def _catalog_plan(world: TwoTenants, query: str, expected: list[str]) -> str:
    """EXPLAIN of the catalog's own search statement for ``query``, after checking its page.

    The statistics and GIN indexes as autovacuum leaves them: analysed, with the pending
    list of rows just inserted merged (else the planner thinks a GIN scan reads all of them).
    """
    for table in ("module", "section"):
        db.session.execute(sa.text(f"ANALYZE {table}"))
        db.session.execute(sa.text(f"SELECT gin_clean_pending_list('ix_{table}_search_english'::regclass)"))
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if "plainto_tsquery" in statement:
            statements.append((statement, parameters))

    engine = db.session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        with tenant_context(world.acme.id):
            assert [
                entry.module.title for entry in search_modules(world.ana.id, Filters(query=query), "en").entries
            ] == expected
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    statement, parameters = statements[0]
    return "\n".join(row[0] for row in db.session.connection().exec_driver_sql("EXPLAIN " + statement, parameters))


def test_the_postgresql_search_reads_the_gin_index(world: TwoTenants) -> None:
    """On a tenant with many sections, EXPLAIN of the catalog's own statement names the section index."""
    if db.session.get_bind().dialect.name != "postgresql":
        need_service("full-text indexes are PostgreSQL's (TEST_DATABASE_URL)")
    _filler_sections(world, 2000, "Filler text {n}.")
    _with_body(world, "Working at height", "<p>Always clip the harness to an anchor.</p>")
    plan = _catalog_plan(world, "harness", ["Working at height"])
    assert "ix_section_search_english" in plan, plan


def test_a_word_in_nearly_every_section_is_matched_without_recomputing_vectors(world: TwoTenants) -> None:
    """Whichever plan PostgreSQL picks for a common word, it reads the stored vectors (issue 12, item 3)."""
    if db.session.get_bind().dialect.name != "postgresql":
        need_service("full-text search is PostgreSQL's (TEST_DATABASE_URL)")
    _filler_sections(world, 3000, "Ladder checklist, step {n}.")
    make_module(world.acme, "Fire drill")
    plan = _catalog_plan(world, "ladders", ["Filler"])
    assert "search_english @@" in plan, plan
    assert "to_tsvector" not in plan, plan
