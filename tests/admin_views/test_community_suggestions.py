"""Can suggestion managers approve, reject and convert suggestions? (issue 7, item 8)"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import KnowledgeSuggestion, Module, XpTransaction
from lms.models.enums import ModuleStatus, SuggestionStatus, XpSourceType
from lms.services import suggestions
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies


def _suggestion(app: Flask, companies: Companies) -> int:
    with app.app_context(), tenant_context(companies.acme_id):
        suggestion = suggestions.submit(companies.user_ids["employee"], "Forklift basics", "Nobody explains it.")
        db.session.commit()
        return suggestion.id


def test_reject_asks_for_a_reason(app: Flask, client_as: Callable, rows: Callable, companies: Companies) -> None:
    suggestion_id = _suggestion(app, companies)
    hr = client_as("hr")
    refused = hr.post(f"/admin/suggestions/review/?id={suggestion_id}", data={"decision": "reject", "reason": " "})
    assert refused.status_code == 400
    assert rows(companies.acme_id, sa.select(KnowledgeSuggestion.status)) == [(SuggestionStatus.OPEN,)]
    done = hr.post(f"/admin/suggestions/review/?id={suggestion_id}", data={"decision": "reject", "reason": "Covered"})
    assert done.status_code == 302
    assert rows(companies.acme_id, sa.select(KnowledgeSuggestion.status, KnowledgeSuggestion.rejection_reason)) == [
        (SuggestionStatus.REJECTED, "Covered")
    ]


def test_approve_then_convert_makes_a_draft_and_pays_once(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    suggestion_id = _suggestion(app, companies)
    hr = client_as("hr")
    assert hr.post(f"/admin/suggestions/review/?id={suggestion_id}", data={"decision": "approve"}).status_code == 302
    assert hr.post(f"/admin/suggestions/review/?id={suggestion_id}", data={"decision": "convert"}).status_code == 302
    assert hr.post(f"/admin/suggestions/review/?id={suggestion_id}", data={"decision": "convert"}).status_code == 409
    [(module_id, status, owner)] = rows(companies.acme_id, sa.select(Module.id, Module.status, Module.created_by_id))
    assert (status, owner) == (ModuleStatus.DRAFT, companies.user_ids["hr"])
    assert rows(companies.acme_id, sa.select(KnowledgeSuggestion.converted_module_id)) == [(module_id,)]
    paid = sa.select(XpTransaction.amount).where(XpTransaction.source == XpSourceType.TOP_SUGGESTION)
    assert rows(companies.acme_id, paid) == [(200,)]


def test_list_filters_by_status_and_learners_are_kept_out(
    app: Flask, client_as: Callable, companies: Companies
) -> None:
    _suggestion(app, companies)
    page = client_as("hr").get("/admin/suggestions/?flt0_0=OPEN")
    assert page.status_code == 200
    assert "Forklift basics" in page.get_data(as_text=True)
    assert "Forklift basics" not in client_as("hr").get("/admin/suggestions/?flt0_0=REJECTED").get_data(as_text=True)
    assert client_as("employee").get("/admin/suggestions/").status_code == 403
