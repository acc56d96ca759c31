"""Does the catalog page, search and filter any tenant's modules at a fixed cost, and refuse bad input politely?"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import SectionCompletion, Tag, Tenant
from lms.models.enums import TenantRole
from lms.services.module_search import PAGE_SIZE
from lms.tenancy import tenant_context
from tests.factories import make_module, make_tenant, make_user, signed_in_client
from tests.learner.conftest import Place

QUERIES = ("", "?page=2", "?q=module", "?q=module&status=in_progress", "?status=not_started", "?tag={tag}")


def _tenant_with(modules: int) -> tuple[str, int, int]:
    """A tenant of ``modules`` tagged modules, each after a prerequisite, the learner half way through."""
    tenant = make_tenant(f"catalog{modules}")
    make_tenant(f"neighbour{modules}")
    learner = make_user(f"learner@catalog{modules}.test", (tenant, TenantRole.EMPLOYEE))
    first = make_module(tenant, "Module 0000 basics", sections=2)
    built = [first] + [
        make_module(tenant, f"Module {n:04d}", sections=2, prerequisites=[first]) for n in range(1, modules)
    ]
    with tenant_context(tenant.id):
        tag = Tag(name="safety")
        db.session.add(tag)
        for module in built:
            module.tags.append(tag)
            if module.id % 2:
                section = module.sections[0]
                db.session.add(SectionCompletion(user_id=learner.id, module_id=module.id, section_id=section.id))
        db.session.flush()
    result = learner.get_id(), tenant.id, tag.id
    db.session.commit()
    return result


def test_the_catalog_costs_the_same_queries_for_ten_times_the_modules(app: Flask, count_queries: list[str]) -> None:
    counts: dict[str, list[int]] = {query: [] for query in QUERIES}
    for modules in (3 * PAGE_SIZE // 2, 15 * PAGE_SIZE):
        with app.app_context():
            login_id, tenant_id, tag_id = _tenant_with(modules)
        client = signed_in_client(app, login_id, tenant_id)
        for query in QUERIES:
            count_queries.clear()
            response = client.get("/modules" + query.format(tag=tag_id))
            assert response.status_code == 200, query
            counts[query].append(len(count_queries))
    assert all(small == large for small, large in counts.values()), counts


def test_the_second_page_lists_the_next_modules_with_the_total_and_page_links(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    with app.app_context():
        acme = db.session.get(Tenant, place.acme_id)
        for n in range(28):
            make_module(acme, f"Extra {n:02d}", sections=1)
        db.session.commit()
    page = ana.get("/modules?page=2").get_data(as_text=True)
    assert "30 modules" in page
    assert [
        title for title in ("Extra 23", "Extra 24", "Extra 27", "Safety advanced", "Safety basics") if title in page
    ] == [
        "Extra 24",
        "Extra 27",
        "Safety advanced",
        "Safety basics",
    ]
    assert "&#128274;" in page  # Safety advanced is still locked behind Safety basics
    assert 'href="/modules?page=1"' in page


@pytest.mark.parametrize(
    "query", ["'", '"', "&", "|", "!", ":*", "a & b | !c", "(", "\\", "%", "_", "<script>", "safety:*", "é ž"]
)
def test_a_search_of_odd_characters_answers_a_page(ana: FlaskClient, place: Place, query: str) -> None:
    response = ana.get("/modules", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"q": "x" * 5000}, "Field cannot be longer than 200 characters."),
        ({"page": "0"}, "Choose a page from 1 to 10000."),
        ({"page": "abc"}, "Not a valid integer value."),
        ({"page": "9" * 30}, "Choose a page from 1 to 10000."),
        ({"status": "nonsense"}, "Not a valid choice."),
    ],
)
def test_bad_filters_are_refused_with_a_message_and_the_catalog_still_shows(
    ana: FlaskClient, place: Place, args: dict[str, str], message: str
) -> None:
    response = ana.get("/modules", query_string=args)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "Safety basics" in page
