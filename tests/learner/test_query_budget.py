"""Does every learner page cost the same few queries for a small and a 10x larger tenant?"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import (
    Attachment,
    Certificate,
    Reward,
    SectionCompletion,
    UserModuleLastAccess,
    UserPinnedModule,
)
from lms.models.enums import TenantRole
from lms.models.types import utcnow
from lms.services import xp
from lms.services.certificates import new_code
from lms.tenancy import tenant_context
from tests.factories import assign, make_group, make_module, make_tenant, make_user

BUDGET = 12


def _build(scale: int) -> tuple[str, int, int]:
    """A tenant with 3*scale modules of 3*scale sections, all assigned, half completed; as many
    rewards, XP adjustments (each with its notification) and certificates."""
    tenant = make_tenant(f"scale{scale}")
    make_tenant(f"other{scale}")
    learner = make_user(f"learner@scale{scale}.test", (tenant, TenantRole.EMPLOYEE))
    group = make_group(tenant, "Everyone", [learner])
    modules = [make_module(tenant, f"Module {n}", sections=3 * scale) for n in range(3 * scale)]
    now = utcnow()
    with tenant_context(tenant.id):
        for module in modules:
            assign(module, group, 30)
            for section in module.sections[: len(module.sections) // 2]:
                db.session.add(
                    SectionCompletion(user_id=learner.id, module_id=module.id, section_id=section.id, completed_at=now)
                )
            for section in module.sections:
                db.session.add(
                    Attachment(section_id=section.id, file_name="a.pdf", storage_path="x/a.pdf", size_bytes=10)
                )
            db.session.add(UserModuleLastAccess(user_id=learner.id, module_id=module.id, accessed_at=now))
            db.session.add(UserPinnedModule(user_id=learner.id, module_id=module.id))
            db.session.add(Reward(title=f"Reward for {module.title}", cost_xp=100))
            db.session.add(
                Certificate(user_id=learner.id, module_id=module.id, unique_code=new_code(), completed_at=now)
            )
            xp.adjust(learner.id, 50, f"Bonus for {module.title}", None)
    result = learner.get_id(), tenant.id, modules[0].id
    db.session.commit()
    return result


def _count(app: Flask, client: FlaskClient, url: str, statements: list[str]) -> int:
    statements.clear()
    response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


PAGES = {
    "dashboard": "/",
    "catalog": "/modules",
    "search": "/modules?q=Module",
    "reader": "/modules/{module_id}",
    "leaderboard": "/leaderboard",
    "leaderboard-month": "/leaderboard?period=month",
    "xp": "/xp",
    "rewards": "/rewards",
    "notifications": "/notifications",
    "certificates": "/certificates",
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_page_query_count_is_fixed_and_small(app: Flask, count_queries: list[str], page: str) -> None:
    counts = []
    for scale in (1, 10):
        with app.app_context():
            login_id, tenant_id, module_id = _build(scale)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["tenant_id"] = tenant_id
        counts.append(_count(app, client, page.format(module_id=module_id), count_queries))
    assert counts[0] == counts[1], "queries grow with the data: {}\n{}".format(
        counts, "\n".join(q.split("\n")[0][:160] for q in count_queries)
    )
    assert counts[0] <= BUDGET, f"{counts[0]} queries: {count_queries}"
