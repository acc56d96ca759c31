"""The admin home as HR's desk: does each person see the counts of what waits for them, only for the
screens they may open, scoped to their groups, and each linking to its filtered list? (issue 13, item 8)"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from lms.extensions import db
from lms.models import KnowledgeSuggestion, Reward, RewardRedemption, Tenant, User, UserPermission
from lms.models.enums import Permission, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import assign, make_group, make_module, make_user, sign_in
from tests.redis_server import RedisServer
from tests.services.test_operations import failed_job

CARD = re.compile(
    r'<a class="card[^"]*lms-desk-card" href="([^"]+)">\s*<div class="card-body">\s*'
    r'<div class="h2[^"]*">([^<]+)</div>\s*<div class="text-body">([^<]+)</div>'
)


@dataclass
class Desk:
    warehouse_id: int
    office_id: int


def desk_of(response: object) -> dict[str, tuple[str, str]]:
    """The cards of the page: label -> (count, link)."""
    assert response.status_code == 200, response.status_code  # type: ignore[attr-defined]
    text = response.get_data(as_text=True)  # type: ignore[attr-defined]
    return {label.strip(): (count.strip(), url.replace("&amp;", "&")) for url, count, label in CARD.findall(text)}


@pytest.fixture
def waiting(app: Flask, companies: Companies) -> Desk:
    """acme: Ana (warehouse) and Ola (office) overdue on Forklift; two redemptions and one
    suggestion waiting. globex: Bor overdue, a redemption and a suggestion waiting."""
    long_ago = utcnow() - timedelta(days=30)
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        ana = db.session.get(User, companies.user_ids["employee"])
        ola = make_user("ola@acme.test", (acme, TenantRole.EMPLOYEE), name="Ola Office")
        forklift = make_module(acme, "Forklift")
        warehouse = make_group(acme, "Warehouse", [ana], joined=long_ago)
        office = make_group(acme, "Office", [ola], joined=long_ago)
        assign(forklift, warehouse, 5, mandatory=True, at=long_ago)
        assign(forklift, office, 5, mandatory=True, at=long_ago)
        globex = db.session.get(Tenant, companies.globex_id)
        bor = db.session.get(User, companies.user_ids["globex_employee"])
        assign(make_module(globex, "Forklift"), make_group(globex, "Crew", [bor], joined=long_ago), 5, at=long_ago)
        for tenant, user, pending in ((acme, ana, 2), (globex, bor, 1)):
            with tenant_context(tenant.id):
                reward = Reward(title="Mug", cost_xp=10)
                db.session.add(reward)
                db.session.flush()
                for _ in range(pending):
                    db.session.add(RewardRedemption(reward_id=reward.id, user_id=user.id, xp_spent=10))
                db.session.add(KnowledgeSuggestion(author_id=user.id, title="More ladders"))
        result = Desk(warehouse.id, office.id)
        db.session.commit()
    return result


def _client_with(app: Flask, companies: Companies, grants: dict[Permission, dict | None]) -> FlaskClient:
    """A client of a new acme EMPLOYEE holding ``grants`` (permission -> scope)."""
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        user = make_user("mia@acme.test", (acme, TenantRole.EMPLOYEE), name="Mia Manager")
        with tenant_context(acme.id):
            for permission, scope in grants.items():
                db.session.add(UserPermission(user_id=user.id, permission=permission, scope=scope))
        db.session.commit()
        client = app.test_client()
        sign_in(client, db.session.get(User, user.id), db.session.get(Tenant, acme.id))
    return client


def test_hr_sees_what_waits_in_their_company_with_links_to_the_lists(
    client_as: Callable[..., FlaskClient], waiting: Desk
) -> None:
    cards = desk_of(client_as("hr").get("/admin/"))

    assert cards["Overdue learners"] == ("2", "/admin/reports/progress/?status=overdue")
    assert cards["Certificates expiring this month"] == ("0", "/admin/reports/compliance/?bucket=expiring")
    assert cards["Redemptions waiting for approval"] == ("2", "/admin/redemptions/?flt0_0=PENDING")
    assert cards["Suggestions waiting for a decision"] == ("1", "/admin/suggestions/?flt0_0=OPEN")
    assert "Failed jobs" not in cards, "the Jobs screen is for owners and admins"
    assert cards["Radar posts waiting for approval"] == ("0", "/admin/radar_posts/?flt0_0=PENDING")


def test_a_cards_link_opens_the_filtered_list(client_as: Callable[..., FlaskClient], waiting: Desk) -> None:
    hr = client_as("hr")
    _count, link = desk_of(hr.get("/admin/"))["Redemptions waiting for approval"]

    listed = hr.get(link).get_data(as_text=True)

    assert listed.count("Mug") == 2


def test_a_manager_sees_the_overdue_of_their_groups_only(app: Flask, companies: Companies, waiting: Desk) -> None:
    manager = _client_with(app, companies, {Permission.VIEW_GROUP_PROGRESS: {"group_ids": [waiting.office_id]}})

    cards = desk_of(manager.get("/admin/"))

    assert cards["Overdue learners"][0] == "1"
    assert set(cards) == {"Overdue learners", "Certificates expiring this month"}


def test_a_rewards_manager_sees_only_the_redemptions(app: Flask, companies: Companies, waiting: Desk) -> None:
    cards = desk_of(_client_with(app, companies, {Permission.MANAGE_REWARDS: None}).get("/admin/"))

    assert cards == {"Redemptions waiting for approval": ("2", "/admin/redemptions/?flt0_0=PENDING")}


def test_employees_and_viewers_get_no_desk(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, waiting: Desk
) -> None:
    assert client_as("employee").get("/admin/").status_code == 403
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        viewer = make_user("vera@acme.test", (acme, TenantRole.VIEWER))
        db.session.commit()
        client = app.test_client()
        sign_in(client, db.session.get(User, viewer.id), db.session.get(Tenant, acme.id))
    assert client.get("/admin/").status_code == 403


def test_owners_see_their_companys_failed_jobs(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, redis: Redis
) -> None:
    with app.app_context():
        failed_job(redis, companies.acme_id)
        failed_job(redis, companies.globex_id)

    cards = desk_of(client_as("owner").get("/admin/"))

    assert cards["Failed jobs"] == ("1", "/admin/operations/")


def test_without_redis_the_failed_jobs_are_unknown_not_an_error(
    client_as: Callable[..., FlaskClient], redis_server: RedisServer
) -> None:
    redis_server.stop()

    cards = desk_of(client_as("owner").get("/admin/"))

    assert cards["Failed jobs"] == ("unknown", "/admin/operations/")


def test_jobs_run_inline_have_no_failed_jobs_card(client_as: Callable[..., FlaskClient], companies: Companies) -> None:
    assert "Failed jobs" not in desk_of(client_as("owner").get("/admin/"))


def test_the_desk_runs_a_fixed_number_of_queries(
    app: Flask,
    client_as: Callable[..., FlaskClient],
    companies: Companies,
    waiting: Desk,
    count_queries: list[str],
) -> None:
    hr = client_as("hr")
    hr.get("/admin/")
    count_queries.clear()
    desk_of(hr.get("/admin/"))
    few = len(count_queries)
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        crowd = [make_user(f"crowd{index}@acme.test", (acme, TenantRole.EMPLOYEE)) for index in range(15)]
        long_ago = utcnow() - timedelta(days=30)
        assign(make_module(acme, "Ladders"), make_group(acme, "Crowd", crowd, joined=long_ago), 1, at=long_ago)
        db.session.commit()
    count_queries.clear()
    cards = desk_of(hr.get("/admin/"))

    assert cards["Overdue learners"][0] == "17"
    assert len(count_queries) == few
