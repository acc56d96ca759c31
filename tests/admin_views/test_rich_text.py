"""Is long authored text edited as rich text, saved safe and shown formatted? (issue 14, item 2)

A module's and a reward's description and a changelog entry's text get the section editor;
what is posted is sanitized before it is saved; learners see the formatting; a plain-text
value of an older row keeps its line breaks; and the editor's words come from our catalog.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.admin_views.editor_words import WORDS
from lms.extensions import db
from lms.models import ChangelogEntry, Module, Reward, Tenant
from lms.models.enums import ModuleStatus, Role
from lms.services import rich_text
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_user, sign_in

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]

FORMATTED = (
    "<h2>Before you climb</h2><p>Check <strong>every</strong> rung.</p>"
    "<ul><li>Feet</li><li>Hands</li></ul>"
    "<table><tbody><tr><th>Rung</th><td>OK</td></tr></tbody></table>"
)
HOSTILE = '<p onclick="steal()">Hi</p><script>alert("x")</script><img src="javascript:alert(1)">'


def _published_module(app: Flask, tenant_id: int, description: str) -> int:
    with app.app_context(), tenant_context(tenant_id):
        module = Module(title="Ladders", description=description, status=ModuleStatus.PUBLISHED)
        db.session.add(module)
        db.session.commit()
        return module.id


def _editor_words(page: str) -> dict[str, Any]:
    data = re.search(r'<script type="application/json" id="lms-editor-words">(.*?)</script>', page)
    assert data is not None, "the page hands the editor no words"
    return json.loads(data.group(1))


def test_a_script_in_a_module_description_is_stripped_and_a_table_and_list_survive(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    response = client_as("hr").post(
        "/admin/modules/new/", data={"title": "Ladders", "difficulty": "BEGINNER", "description": FORMATTED + HOSTILE}
    )

    assert response.status_code == 302
    [(description,)] = rows(companies.acme_id, sa.select(Module.description))
    assert "<script" not in description
    assert "alert" not in description
    assert "onclick" not in description
    assert "javascript:" not in description
    assert description.startswith(FORMATTED)


def test_the_learner_sees_the_description_formatted(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    hr = client_as("hr")
    module_id = _published_module(app, companies.acme_id, "")
    edit = hr.get(f"/admin/modules/edit/?id={module_id}")
    assert edit.status_code == 200
    response = hr.post(
        f"/admin/modules/edit/?id={module_id}",
        data={"title": "Ladders", "difficulty": "BEGINNER", "description": FORMATTED + HOSTILE},
    )
    assert response.status_code == 302

    page = client_as("employee").get(f"/modules/{module_id}").get_data(as_text=True)

    shown = re.search(r'<div class="module-description" id="module-description">(.*?)</div>', page, re.S)
    assert shown is not None
    assert "<h2>Before you climb</h2>" in shown.group(1)
    assert "<li>Feet</li>" in shown.group(1)
    assert "<th>Rung</th>" in shown.group(1)
    assert "alert(" not in page


def test_an_older_plain_text_description_keeps_its_line_breaks_and_is_escaped(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    module_id = _published_module(app, companies.acme_id, "Wear a harness & helmet.\nCheck the rungs.\n\n<3 Safety")

    page = client_as("employee").get(f"/modules/{module_id}").get_data(as_text=True)

    assert "<p>Wear a harness &amp; helmet.<br>Check the rungs.</p><p>&lt;3 Safety</p>" in page
    catalog = client_as("employee").get("/modules").get_data(as_text=True)
    assert "Wear a harness &amp; helmet. Check the rungs. &lt;3 Safety" in catalog


def test_the_editor_opens_an_older_plain_text_value_with_its_line_breaks(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    module_id = _published_module(app, companies.acme_id, "First line\nSecond line")

    page = client_as("hr").get(f"/admin/modules/edit/?id={module_id}").get_data(as_text=True)

    assert "data-lms-editor=" in page
    assert "&lt;p&gt;First line&lt;br&gt;Second line&lt;/p&gt;</textarea>" in page
    assert f"/admin/modules/image/?id={module_id}" in page  # pasted pictures go to the module's storage
    assert "/static/vendor/jodit/jodit.min.js" in page
    assert "/static/js/editor.js" in page


def test_a_reward_description_is_sanitized_and_shown_formatted_in_the_store(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    data = {"title": "Hoodie", "cost_xp": "100", "quantity_available": "3", "active": "y"}
    response = client_as("hr").post("/admin/rewards/new/", data={**data, "description": FORMATTED + HOSTILE})

    assert response.status_code == 302
    [(description,)] = rows(companies.acme_id, sa.select(Reward.description))
    assert "<script" not in description
    assert "onclick" not in description
    store = client_as("employee").get("/rewards").get_data(as_text=True)
    assert "<li>Feet</li>" in store
    assert "alert(" not in store


def test_a_changelog_text_is_sanitized_and_shown_formatted_on_whats_new(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    staff = app.test_client()
    with app.app_context():
        petra = make_user("petra@mojster.test", name="Petra Platform")
        petra.role = Role.OWNER
        db.session.flush()
        sign_in(staff, petra, db.session.get(Tenant, companies.acme_id))
        db.session.commit()
    data = {"version": "2026.4", "title": "Tables", "summary": "Tables in texts.", "published_at": "y"}

    response = staff.post("/admin/changelog/new/", data={**data, "body": FORMATTED + HOSTILE})

    assert response.status_code == 302
    [(body,)] = rows(None, sa.select(ChangelogEntry.body))
    assert "<script" not in body
    updates = client_as("employee").get("/updates").get_data(as_text=True)
    assert "<th>Rung</th>" in updates
    assert "alert(" not in updates


def test_an_empty_editor_saves_an_empty_description(client_as: Client, companies: Companies, rows: Rows) -> None:
    data = {"title": "Mug", "cost_xp": "10", "quantity_available": "", "active": "y", "description": "<p><br></p>"}

    assert client_as("hr").post("/admin/rewards/new/", data=data).status_code == 302
    assert rows(companies.acme_id, sa.select(Reward.description)) == [("",)]


def test_a_row_written_around_the_forms_is_still_shown_safely() -> None:
    shown = str(rich_text.as_html(HOSTILE))

    assert "<script" not in shown
    assert "onclick" not in shown
    assert "<p>Hi</p>" in shown


def test_the_slovenian_module_page_hands_the_editor_its_words_in_slovenian(client_as: Client) -> None:
    page = client_as("globex_owner", "globex").get("/admin/modules/new/").get_data(as_text=True)

    editor = _editor_words(page)
    assert editor["language"] == "sl"
    assert set(editor["words"]) == set(WORDS)
    assert editor["words"]["Bold"] == "Krepko"
    assert editor["words"]["Insert link"] == "Vstavi povezavo"
    assert editor["words"]["Change mode"] == "Izvorna koda HTML"
    english = _editor_words(client_as("hr").get("/admin/modules/new/").get_data(as_text=True))["words"]
    assert sorted(key for key, word in editor["words"].items() if word == english[key]) == [], "no Slovenian"


def test_the_english_company_gets_the_editor_in_english(client_as: Client) -> None:
    page = client_as("hr").get("/admin/rewards/new/").get_data(as_text=True)

    editor = _editor_words(page)
    assert editor["language"] == "en"
    assert editor["words"]["Quadrate"] == "Square"


def test_a_section_form_gets_the_editor_words_too(client_as: Client) -> None:
    page = client_as("globex_owner", "globex").get("/admin/sections/new/").get_data(as_text=True)

    assert _editor_words(page)["words"]["Bold"] == "Krepko"


def test_list_pages_do_not_load_the_editor(client_as: Client) -> None:
    page = client_as("hr").get("/admin/modules/").get_data(as_text=True)

    assert "jodit.min.js" not in page
