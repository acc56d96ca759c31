"""Can HR build a whole course from the module's page? (issue 14, items 1 and 2)

The builder lists and orders sections, adds them by type, previews the module as a learner
without recording anything, uploads pictures of the rich text, and keeps the editor's HTML
through the sanitizer unchanged.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Group, Module, ModuleGroup, Section, UserModuleLastAccess
from lms.models.enums import AuditAction, ModuleStatus, SectionType
from lms.services.content import sanitize_html
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TEXT_AS_PNG = b"<html><script>alert(1)</script></html>"


def _module(
    app: Flask, tenant_id: int, title: str, sections: list[tuple[str, SectionType, str]]
) -> tuple[int, list[int]]:
    with app.app_context(), tenant_context(tenant_id):
        module = Module(title=title, status=ModuleStatus.DRAFT)
        for index, (section_title, section_type, html) in enumerate(sections):
            module.sections.append(Section(title=section_title, type=section_type, content=html, sort_order=index))
        db.session.add(module)
        db.session.flush()
        ids = module.id, [section.id for section in module.sections]
        db.session.commit()
    return ids


def _order(rows: Rows, tenant_id: int, module_id: int) -> list[str]:
    statement = sa.select(Section.title).where(Section.module_id == module_id).order_by(Section.sort_order)
    return [title for (title,) in rows(tenant_id, statement)]


@pytest.fixture
def ladders(app: Flask, companies: Companies) -> tuple[int, list[int]]:
    return _module(
        app,
        companies.acme_id,
        "Ladder safety",
        [
            ("Before you climb", SectionType.TEXT, "<h2>Check</h2><p>Every rung.</p>"),
            ("Watch it done", SectionType.VIDEO, ""),
            ("Checklist", SectionType.ATTACHMENT, ""),
        ],
    )


def test_the_builder_lists_the_sections_in_order_with_their_buttons(
    client_as: Client, ladders: tuple[int, list[int]]
) -> None:
    module_id, section_ids = ladders

    page = client_as("hr").get(f"/admin/modules/edit/?id={module_id}").get_data(as_text=True)

    titles = re.findall(r"<strong>\d\. ([^<]+)</strong>", page)
    assert titles == ["Before you climb", "Watch it done", "Checklist"]
    assert f'id="move-down-{section_ids[0]}"' in page
    assert f'id="move-up-{section_ids[0]}"' not in page
    assert f'id="edit-section-{section_ids[1]}"' in page
    assert f'id="delete-section-{section_ids[2]}"' in page
    assert 'id="add-section-video"' in page
    assert 'id="preview-module"' in page
    assert 'id="builder-quiz"' in page
    assert 'id="builder-assignments"' in page


def test_moving_from_the_builder_reorders_and_returns_to_it(
    client_as: Client, companies: Companies, ladders: tuple[int, list[int]], rows: Rows
) -> None:
    module_id, section_ids = ladders
    back = f"/admin/modules/edit/?id={module_id}"

    response = client_as("hr").post(
        "/admin/sections/move/",
        data={"id": section_ids[2], "module_id": module_id, "direction": "up", "url": back},
    )

    assert response.status_code == 302
    assert response.location.endswith(back)
    assert _order(rows, companies.acme_id, module_id) == ["Before you climb", "Checklist", "Watch it done"]


def test_a_section_of_another_module_moved_by_a_tampered_id_is_a_404_and_nothing_moves(
    app: Flask, client_as: Client, companies: Companies, ladders: tuple[int, list[int]], rows: Rows
) -> None:
    module_id, _ = ladders
    other_id, other_sections = _module(
        app, companies.acme_id, "Forklifts", [("Brakes", SectionType.TEXT, ""), ("Forks", SectionType.TEXT, "")]
    )
    globex_id, globex_sections = _module(
        app, companies.globex_id, "Globex ladders", [("A", SectionType.TEXT, ""), ("B", SectionType.TEXT, "")]
    )
    client = client_as("hr")

    tampered = client.post(
        "/admin/sections/move/", data={"id": other_sections[1], "module_id": module_id, "direction": "up"}
    )
    foreign = client.post(
        "/admin/sections/move/", data={"id": globex_sections[1], "module_id": module_id, "direction": "up"}
    )

    assert (tampered.status_code, foreign.status_code) == (404, 404)
    assert _order(rows, companies.acme_id, other_id) == ["Brakes", "Forks"]
    assert _order(rows, companies.globex_id, globex_id) == ["A", "B"]


@pytest.mark.parametrize(
    ("section_type", "shown", "hidden"),
    [
        ("TEXT", {"content"}, {"video_source_type", "video_url", "new_attachments"}),
        ("VIDEO", {"video_source_type", "video_url", "video_stream_id"}, {"content", "new_attachments"}),
        ("ATTACHMENT", {"new_attachments"}, {"content", "video_source_type"}),
        ("MIXED", {"content", "video_source_type", "new_attachments"}, set()),
    ],
)
def test_adding_a_section_of_a_type_shows_only_that_types_fields(
    client_as: Client, ladders: tuple[int, list[int]], section_type: str, shown: set[str], hidden: set[str]
) -> None:
    module_id, _ = ladders

    page = client_as("hr").get(f"/admin/sections/new/?module_id={module_id}&type={section_type}").get_data(as_text=True)

    names = set(re.findall(r'name="([a-z_]+)"', page))
    assert shown <= names
    assert not hidden & names
    assert f'<option selected value="{section_type}">' in page


def test_save_and_add_another_keeps_the_module_and_the_type(
    client_as: Client, companies: Companies, ladders: tuple[int, list[int]], rows: Rows
) -> None:
    module_id, _ = ladders
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    first = client.post(
        f"/admin/sections/new/?module_id={module_id}&type=TEXT&url={back}",
        data={
            "module": str(module_id),
            "title": "Step one",
            "type": "TEXT",
            "content": "<p>One</p>",
            "_add_another": "1",
        },
    )
    form = client.get(first.location).get_data(as_text=True)
    second = client.post(
        first.location,
        data={"module": str(module_id), "title": "Step two", "type": "TEXT", "content": "<p>Two</p>"},
    )

    assert first.status_code == 302
    assert f"module_id={module_id}" in first.location
    assert "type=TEXT" in first.location
    assert f'name="module" type="hidden" value="{module_id}"' in form
    assert '<option selected value="TEXT">' in form
    assert second.status_code == 302
    assert second.location.endswith(back)
    assert _order(rows, companies.acme_id, module_id)[-2:] == ["Step one", "Step two"]


def test_the_preview_renders_the_readers_page_and_records_nothing(
    client_as: Client, companies: Companies, ladders: tuple[int, list[int]], rows: Rows
) -> None:
    module_id, section_ids = ladders

    response = client_as("hr").get(f"/admin/modules/preview/?id={module_id}")
    other_section = client_as("hr").get(f"/admin/modules/preview/?id={module_id}&section={section_ids[1]}")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert other_section.status_code == 200
    assert 'id="preview-banner"' in page
    assert "<h2>Check</h2><p>Every rung.</p>" in page
    assert f"/admin/modules/preview/?id={module_id}&amp;section={section_ids[1]}" in page
    assert 'id="complete-section"' not in page
    assert rows(companies.acme_id, sa.select(UserModuleLastAccess.id)) == []


def test_the_preview_of_another_companys_module_is_a_404(app: Flask, client_as: Client, companies: Companies) -> None:
    globex_id, _ = _module(app, companies.globex_id, "Globex module", [("A", SectionType.TEXT, "")])

    assert client_as("hr").get(f"/admin/modules/preview/?id={globex_id}").status_code == 404


def test_a_picture_is_uploaded_and_served_to_its_company_only(
    app: Flask, client_as: Client, companies: Companies, ladders: tuple[int, list[int]]
) -> None:
    module_id, _ = ladders
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.get(Module, module_id).status = ModuleStatus.PUBLISHED
        db.session.commit()
    client = client_as("hr")

    uploaded = client.post(f"/admin/modules/image/?id={module_id}", data={"file": (io.BytesIO(PNG), "paste.png")})
    url = uploaded.get_json()["url"]
    served = client_as("employee").get(url)
    elsewhere = client_as("globex_owner", "globex").get(url)

    assert uploaded.status_code == 200
    assert url.startswith(f"/modules/{module_id}/images?name=")
    assert (served.status_code, served.mimetype, served.data) == (200, "image/png", PNG)
    assert elsewhere.status_code == 404


def test_a_file_disguised_as_png_is_refused_with_a_message_and_nothing_stored(
    app: Flask, client_as: Client, companies: Companies, ladders: tuple[int, list[int]]
) -> None:
    module_id, _ = ladders

    response = client_as("hr").post(
        f"/admin/modules/image/?id={module_id}", data={"file": (io.BytesIO(TEXT_AS_PNG), "cat.png")}
    )

    assert response.status_code == 400
    assert "not a PNG, JPEG, GIF or WebP image" in response.get_json()["error"]
    folder = Path(app.config["STORAGE_DIR"]) / f"tenants/{companies.acme_id}/modules/{module_id}"
    assert not folder.exists() or not any(folder.rglob("*"))


def test_an_employee_cannot_upload_pictures(client_as: Client, ladders: tuple[int, list[int]]) -> None:
    module_id, _ = ladders

    response = client_as("employee").post(
        f"/admin/modules/image/?id={module_id}", data={"file": (io.BytesIO(PNG), "a.png")}
    )

    assert response.status_code == 403


def test_a_draft_modules_pictures_are_not_for_learners(client_as: Client, ladders: tuple[int, list[int]]) -> None:
    module_id, _ = ladders
    url = (
        client_as("hr")
        .post(f"/admin/modules/image/?id={module_id}", data={"file": (io.BytesIO(PNG), "a.png")})
        .get_json()["url"]
    )

    assert client_as("employee").get(url).status_code == 404
    assert client_as("hr").get(url).status_code == 200


# What the editor (Jodit, configured with the allow-list) produces for each kind of element.
EDITOR_HTML = [
    "<h2>Title</h2><h3>Sub</h3><p>Text with <strong>bold</strong>, <em>italic</em>, <u>under</u> and <s>gone</s>.</p>",
    "<ul><li>One</li><li>Two</li></ul><ol><li>First</li><li>Second</li></ol>",
    '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">a link</a></p>',
    '<p><a href="mailto:hr@acme.test" title="Mail HR" rel="noopener noreferrer">HR</a></p>',
    '<table><tbody><tr><td>a</td><td>b</td></tr><tr><td colspan="2">c</td></tr></tbody></table>',
    "<table><thead><tr><th>Head</th></tr></thead><tbody><tr><td>cell</td></tr></tbody></table>",
    '<p><img src="/modules/5/images?name=0123456789abcdef0123456789abcdef.png" alt="A ladder" width="300"></p>',
    "<pre>x = 1\nif x &lt; 2:\n    print(x)</pre><p>Inline <code>code</code>.</p>",
    "<blockquote>Quoted</blockquote><hr><p>a<br>b&nbsp;c</p>",
]


@pytest.mark.parametrize("html", EDITOR_HTML)
def test_the_sanitizer_keeps_the_editors_html_unchanged(html: str) -> None:
    assert sanitize_html(html) == html


def test_a_group_is_assigned_and_removed_from_the_builder_with_an_audit(
    app: Flask, client_as: Client, companies: Companies, ladders: tuple[int, list[int]], rows: Rows
) -> None:
    module_id, _ = ladders
    with app.app_context(), tenant_context(companies.acme_id):
        group = Group(name="Warehouse")
        db.session.add(group)
        db.session.commit()
        group_id = group.id
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    page = client.get(back).get_data(as_text=True)
    added = client.post(
        f"/admin/assignments/new/?url={back}",
        data={"module": str(module_id), "group": str(group_id), "deadline_days": "14", "is_mandatory": "y"},
    )
    ((assignment_id, deadline),) = rows(companies.acme_id, sa.select(ModuleGroup.id, ModuleGroup.deadline_days))
    listed = client.get(back).get_data(as_text=True)
    removed = client.post("/admin/assignments/delete/", data={"id": str(assignment_id), "url": back})
    actions = rows(companies.acme_id, sa.select(AuditLog.action).where(AuditLog.entity_type == "module_group"))

    assert 'id="assign-form"' in page
    assert "Warehouse" in page
    assert added.status_code == 302
    assert added.location.endswith(back)
    assert deadline == 14
    assert 'id="builder-assignment-list"' in listed
    assert removed.status_code == 302
    assert rows(companies.acme_id, sa.select(ModuleGroup.id)) == []
    assert [action for (action,) in actions] == [AuditAction.MODULE_ASSIGNED, AuditAction.MODULE_UNASSIGNED]
