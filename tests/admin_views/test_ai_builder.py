"""Can HR build a module from a document through Content → Build from a document, and only HR and
those above? (issue 16, item 4)

Jobs run inline after each request's commit (no REDIS_URL), so a started build is READY or
FAILED by the time the redirect is followed.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AiModuleBuild, Module, User
from lms.models.enums import AiBuildSourceType, AiBuildStatus, AuditAction
from lms.services import ai_builds
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.services.test_ai_builds import POLICY, policy_pdf

URL = "/admin/ai-builder/"


def _build(app: Flask, companies: Companies, tenant: str = "acme", **values: Any) -> int:
    """A build of ``tenant``: READY from POLICY, or a row with ``values`` (a status, an error)."""
    tenant_id = getattr(companies, f"{tenant}_id")
    owner = companies.user_ids["owner" if tenant == "acme" else "globex_owner"]
    with app.app_context(), tenant_context(tenant_id):
        if values:
            build = AiModuleBuild(
                source_type=AiBuildSourceType.TEXT, source_text=POLICY, source_name="Policy", **values
            )
            db.session.add(build)
            db.session.flush()
        else:
            build = ai_builds.start_build(ai_builds.TextSource(POLICY), db.session.get(User, owner), "en")
        build_id = build.id
        db.session.commit()
    return build_id


def _structured(app: Flask, companies: Companies, build_id: int) -> tuple[AiBuildStatus, dict[str, Any], int | None]:
    with app.app_context(), tenant_context(companies.acme_id):
        build = db.session.get(AiModuleBuild, build_id)
        return build.status, build.ai_structured, build.module_id


@pytest.mark.parametrize(
    ("role", "status"),
    [("owner", 200), ("admin", 200), ("hr", 200), ("employee", 403)],
)
def test_only_those_who_manage_all_modules_open_the_builder(
    client_as: Callable[..., FlaskClient], role: str, status: int
) -> None:
    assert client_as(role).get(URL).status_code == status


def test_anonymous_users_are_sent_to_sign_in(client: FlaskClient, companies: Companies) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response.location


def test_pasted_text_becomes_a_proposal_to_review_with_citations(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies
) -> None:
    client = client_as("hr")

    response = client.post(URL, data={"source": "text", "text": POLICY, "language": "en"})

    assert response.status_code == 302
    page = client.get(response.location)
    assert page.status_code == 200
    assert "Working at height" in page.text
    assert "Accept and create the module" in page.text
    assert "lms-ai-citation" in page.text
    listed = client.get(URL).text
    assert "Hana Hr" in listed
    assert "Ready" in listed


def test_a_pdf_upload_is_built(client_as: Callable[..., FlaskClient], app: Flask, companies: Companies) -> None:
    client = client_as("hr")

    response = client.post(
        URL,
        data={"source": "file", "file": (io.BytesIO(policy_pdf()), "Policy.pdf"), "language": "sl"},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    build_id = int(response.location.rsplit("id=", 1)[1])
    status, structured, _module = _structured(app, companies, build_id)
    assert status is AiBuildStatus.READY
    assert structured["language"] == "sl"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ({"source": "file", "file": (io.BytesIO(b"MZ" + b"\x00" * 300), "policy.pdf")}, "neither a PDF nor a Word"),
        ({"source": "file"}, "Choose a PDF or Word document"),
        ({"source": "text", "text": "Too short."}, "at least 200 characters"),
        ({"source": "asset", "asset": ""}, "Choose a document from the media library"),
        ({"source": "asset", "asset": "12345"}, "There is no such document"),
        ({"source": "elsewhere"}, "Not a valid choice"),
    ],
    ids=["executable", "no-file", "short-text", "no-asset", "unknown-asset", "unknown-source"],
)
def test_bad_starts_are_form_errors_and_start_nothing(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, data: dict[str, Any], says: str
) -> None:
    response = client_as("hr").post(URL, data={"language": "en", **data}, content_type="multipart/form-data")

    assert response.status_code == 400
    assert says in response.text
    with app.app_context(), tenant_context(companies.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(AiModuleBuild.id))) == 0


def test_a_running_build_shows_a_progress_bar_and_its_status(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies
) -> None:
    build_id = _build(app, companies, status=AiBuildStatus.GENERATING, progress=40)
    client = client_as("hr")

    page = client.get(f"{URL}build/?id={build_id}")
    status = client.get(f"{URL}status/?id={build_id}")

    assert '<progress id="ai-build-progress"' in page.text
    assert 'value="40"' in page.text
    assert "js/ai-build-progress.js" in page.text
    assert status.json == {"status": "GENERATING", "label": "Generating", "progress": 40, "done": False}


def test_a_failed_build_shows_its_reason_and_tries_again(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies
) -> None:
    build_id = _build(
        app, companies, status=AiBuildStatus.FAILED, error="This PDF is password-protected.", progress=100
    )
    client = client_as("hr")

    page = client.get(f"{URL}build/?id={build_id}")
    retried = client.post(f"{URL}retry/?id={build_id}")

    assert "This PDF is password-protected." in page.text
    assert "Try again" in page.text
    assert retried.status_code == 302
    assert _structured(app, companies, build_id)[0] is AiBuildStatus.READY


def test_review_edits_are_saved(client_as: Callable[..., FlaskClient], app: Flask, companies: Companies) -> None:
    build_id = _build(app, companies)
    _status, structured, _module = _structured(app, companies, build_id)
    first, second = (section["id"] for section in structured["sections"])
    question = next(q for q in structured["questions"] if q["section"] == first and q["type"] != "TRUE_FALSE")
    client = client_as("hr")

    responses = [
        client.post(f"{URL}title/?id={build_id}", data={"title": "Safety at Acme", "summary": "For every shift."}),
        client.post(
            f"{URL}section/?id={build_id}",
            data={
                "section_id": first,
                "do": "save",
                "title": "Heights",
                "html": "<p>Harness on.</p><script>x</script>",
            },
        ),
        client.post(
            f"{URL}question/?id={build_id}",
            data={
                "question_id": question["id"],
                "do": "save",
                "text": "Who checks?",
                "option": ["HR", "The supervisor", ""],
                "correct": ["1"],
            },
        ),
        client.post(f"{URL}section/?id={build_id}", data={"section_id": second, "do": "drop"}),
    ]

    assert [response.status_code for response in responses] == [302, 302, 302, 302]
    _status, structured, _module = _structured(app, companies, build_id)
    assert (structured["title"], structured["summary"]) == ("Safety at Acme", "For every shift.")
    assert [(s["id"], s["title"], s["html"]) for s in structured["sections"]] == [
        (first, "Heights", "<p>Harness on.</p>")
    ]
    edited = next(q for q in structured["questions"] if q["id"] == question["id"])
    assert edited["options"] == [{"text": "HR", "correct": False}, {"text": "The supervisor", "correct": True}]


@pytest.mark.parametrize(
    ("path", "data", "says"),
    [
        ("section/", {"section_id": "s99", "do": "save", "title": "x", "html": ""}, "no such section"),
        ("section/", {"section_id": "s1", "do": "save", "title": "  ", "html": ""}, "Enter a title."),
        ("title/", {"title": "", "summary": ""}, "Enter a title."),
        ("question/", {"question_id": "q1", "do": "save", "text": "Who?", "option": ["A", "B"]}, "correct"),
        ("question/", {"question_id": "q999", "do": "drop"}, "no such question"),
    ],
    ids=["unknown-section", "empty-section-title", "empty-title", "no-correct-option", "unknown-question"],
)
def test_bad_review_posts_are_flashed_with_400_and_change_nothing(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, path: str, data: dict[str, Any], says: str
) -> None:
    build_id = _build(app, companies)
    before = _structured(app, companies, build_id)

    response = client_as("hr").post(f"{URL}{path}?id={build_id}", data=data)

    assert response.status_code == 400
    assert says in response.text
    assert _structured(app, companies, build_id) == before


def test_an_unknown_review_action_is_400(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies
) -> None:
    build_id = _build(app, companies)
    response = client_as("hr").post(f"{URL}section/?id={build_id}", data={"section_id": "s1", "do": "explode"})
    assert response.status_code == 400


def test_accept_creates_the_module_once_and_opens_the_builder(
    client_as: Callable[..., FlaskClient],
    app: Flask,
    companies: Companies,
    audit_rows: Callable[..., list[Any]],
) -> None:
    build_id = _build(app, companies)
    client = client_as("hr")

    first = client.post(f"{URL}accept/?id={build_id}")
    second = client.post(f"{URL}accept/?id={build_id}")

    status, _structured_now, module_id = _structured(app, companies, build_id)
    assert status is AiBuildStatus.APPLIED
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert first.location.endswith(f"/admin/modules/edit/?id={module_id}")
    assert "is created" in client.get(first.location).text
    with app.app_context(), tenant_context(companies.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(Module.id))) == 1
        assert db.session.get(Module, module_id).created_by_id == companies.user_ids["hr"]
    assert [entity_id for _type, entity_id, _details in audit_rows(companies.acme_id, AuditAction.MODULE_CREATED)] == [
        str(module_id)
    ]
    applied = client.get(f"{URL}build/?id={build_id}").text
    assert "lms-ai-module-link" in applied


ROUTES = [
    ("GET", "build/", {}),
    ("GET", "status/", {}),
    ("POST", "retry/", {}),
    ("POST", "title/", {"title": "Hijacked", "summary": ""}),
    ("POST", "section/", {"section_id": "s1", "do": "drop"}),
    ("POST", "question/", {"question_id": "q1", "do": "drop"}),
    ("POST", "accept/", {}),
]


@pytest.mark.parametrize(("method", "path", "data"), ROUTES, ids=[path for _m, path, _d in ROUTES])
def test_another_companys_build_is_404_on_every_route_and_stays_as_it_was(
    client_as: Callable[..., FlaskClient],
    app: Flask,
    companies: Companies,
    method: str,
    path: str,
    data: dict[str, Any],
) -> None:
    theirs = _build(app, companies, tenant="globex")
    with app.app_context(), tenant_context(companies.globex_id):
        before = db.session.get(AiModuleBuild, theirs).ai_structured
    client = client_as("owner")

    response = client.open(f"{URL}{path}?id={theirs}", method=method, data=data)
    missing = client.open(f"{URL}{path}?id=abc", method=method, data=data)

    assert response.status_code == missing.status_code == 404
    with app.app_context(), tenant_context(companies.globex_id):
        build = db.session.get(AiModuleBuild, theirs)
        assert (build.status, build.ai_structured) == (AiBuildStatus.READY, before)


@pytest.mark.parametrize(("method", "path", "_data"), ROUTES, ids=[path for _m, path, _d in ROUTES])
def test_an_employee_gets_403_on_every_route(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, method: str, path: str, _data: Any
) -> None:
    build_id = _build(app, companies)
    assert client_as("employee").open(f"{URL}{path}?id={build_id}", method=method).status_code == 403
