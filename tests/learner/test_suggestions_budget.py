"""Do the suggestion list and a suggestion's page cost the same queries for 3 and 30 ideas?"""

from __future__ import annotations

from flask import Flask

from lms.extensions import db
from lms.models.enums import TenantRole
from lms.services import suggestions
from lms.tenancy import tenant_context
from tests.factories import make_tenant, make_user

BUDGET = 12


def _build(scale: int) -> tuple[str, int, int]:
    tenant = make_tenant(f"ideas{scale}")
    people = [make_user(f"p{n}@ideas{scale}.test", (tenant, TenantRole.EMPLOYEE)) for n in range(3)]
    with tenant_context(tenant.id):
        made = [suggestions.submit(people[n % 3].id, f"Idea {n}", "Why not?") for n in range(3 * scale)]
        for suggestion in made:
            for person in people:
                suggestions.vote(person.id, suggestion.id, True)
            first = suggestions.comment(people[0].id, suggestion.id, "Good one")
            for _ in range(scale):
                suggestions.comment(people[1].id, suggestion.id, "Agreed", first.id)
        result = people[2].get_id(), tenant.id, made[0].id
    db.session.commit()
    return result


def test_suggestion_pages_cost_a_fixed_number_of_queries(app: Flask, count_queries: list[str]) -> None:
    counts: dict[str, list[int]] = {"list": [], "detail": []}
    for scale in (1, 10):
        with app.app_context():
            login_id, tenant_id, suggestion_id = _build(scale)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["tenant_id"] = tenant_id
        for page, url in (("list", "/suggestions"), ("detail", f"/suggestions/{suggestion_id}")):
            count_queries.clear()
            assert client.get(url).status_code == 200
            counts[page].append(len(count_queries))
    for page, (small, large) in counts.items():
        assert small == large, f"{page}: queries grow with the data ({small} -> {large})"
        assert small <= BUDGET, f"{page}: {small} queries"
