"""Can HR author modules, sections and assignments in the admin, and only their own company's? (issue 5)

Bad input — a faked upload, an oversized file, a prerequisite cycle, a deadline of -3
days, a section of another company — gets a clear message and leaves the data as it was.
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
from lms.models import (
    Attachment,
    CompanyPinnedModule,
    Group,
    Module,
    ModuleCategory,
    ModuleChangeLog,
    ModuleGroup,
    ModulePrerequisite,
    Section,
    Tag,
    Tenant,
    User,
)
from lms.models.enums import AttachmentType, AuditAction, ModuleStatus, SectionType, TenantPlan, TenantRole
from lms.storage import MissingFile, get_storage, read_bytes
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_module, make_user, two_tenants

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add(app: Flask, tenant_id: int, *rows: Any) -> list[int]:
    """Rows written straight into one company; their ids."""
    with app.app_context(), tenant_context(tenant_id):
        db.session.add_all(rows)
        db.session.flush()
        ids = [row.id for row in rows]
        db.session.commit()
    return ids


def _module(app: Flask, tenant_id: int, title: str, **values: Any) -> int:
    mentor_ids = values.pop("mentor_ids", ())
    with app.app_context(), tenant_context(tenant_id):
        module = Module(title=title, **values)
        module.mentors = [db.session.get(User, user_id) for user_id in mentor_ids]
        db.session.add(module)
        db.session.flush()
        module_id = module.id
        db.session.commit()
    return module_id


def _sections(app: Flask, tenant_id: int, module_id: int, *titles: str) -> list[int]:
    return _add(
        app,
        tenant_id,
        *(Section(module_id=module_id, title=title, sort_order=index) for index, title in enumerate(titles)),
    )


def _order(rows: Rows, tenant_id: int, module_id: int) -> list[tuple[str, int]]:
    statement = sa.select(Section.title, Section.sort_order).where(Section.module_id == module_id)
    return [tuple(row) for row in rows(tenant_id, statement.order_by(Section.sort_order))]


# --- Modules and sections -------------------------------------------------------------


def test_hr_creates_a_module_with_two_sections_through_the_admin_forms(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    acme = companies.acme_id
    (safety,) = _add(app, acme, Tag(name="Safety"))
    client = client_as("hr")

    created = client.post(
        "/admin/modules/new/",
        data={
            "title": "Ladder safety",
            "description": "Up and down, safely.",
            "difficulty": "INTERMEDIATE",
            "tags": "safety,Work at height",
            "mentors": str(companies.user_ids["employee"]),
            "validity_months": "12",
        },
    )

    assert created.status_code == 302
    ((module_id, status, created_by, validity),) = rows(
        acme, sa.select(Module.id, Module.status, Module.created_by_id, Module.validity_months)
    )
    assert (status, created_by, validity) == (ModuleStatus.DRAFT, companies.user_ids["hr"], 12)
    assert sorted(rows(acme, sa.select(Tag.id, Tag.name))) == [(safety, "Safety"), (safety + 1, "Work at height")]
    ((_, _, created),) = audit_rows(acme, AuditAction.MODULE_CREATED)
    assert created["changes"]["title"] == "Ladder safety"

    first = client.post(
        f"/admin/sections/new/?module_id={module_id}",
        data={
            "module": str(module_id),
            "title": "Before you climb",
            "type": "TEXT",
            "content": '<h2>Check</h2><p onclick="x()">Look at <b>every</b> rung.</p><script>steal()</script>',
        },
    )
    second = client.post(
        "/admin/sections/new/",
        data={
            "module": str(module_id),
            "title": "Watch it done",
            "type": "VIDEO",
            "video_source_type": "YOUTUBE_VIMEO_URL",
            "video_url": "https://www.youtube.com/watch?v=8xKq2Lm4TtE",
        },
    )

    assert (first.status_code, second.status_code) == (302, 302)
    sections = rows(
        acme,
        sa.select(
            Section.title, Section.sort_order, Section.type, Section.content, Section.search_text, Section.video_url
        )
        .where(Section.module_id == module_id)
        .order_by(Section.sort_order),
    )
    assert sections == [
        (
            "Before you climb",
            0,
            SectionType.TEXT,
            "<h2>Check</h2><p>Look at <b>every</b> rung.</p>",
            "Check Look at every rung.",
            None,
        ),
        ("Watch it done", 1, SectionType.VIDEO, "", "", "https://www.youtube.com/watch?v=8xKq2Lm4TtE"),
    ]
    listed = client.get(f"/admin/sections/?module_id={module_id}")
    assert "Before you climb" in listed.text
    assert "Sections of “Ladder safety”" in listed.text


def test_a_video_link_that_is_not_youtube_or_vimeo_is_refused(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id = _module(app, companies.acme_id, "Ladder safety")

    response = client_as("hr").post(
        "/admin/sections/new/",
        data={
            "module": str(module_id),
            "title": "Video",
            "type": "VIDEO",
            "video_source_type": "YOUTUBE_VIMEO_URL",
            "video_url": "https://evil.test/watch?v=8xKq2Lm4TtE",
        },
    )

    assert response.status_code == 200
    assert "Paste the address of a YouTube or Vimeo video" in response.text
    assert rows(companies.acme_id, sa.select(Section.id)) == []


def test_a_cover_with_a_faked_extension_is_refused_and_nothing_is_created(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    response = client_as("hr").post(
        "/admin/modules/new/",
        data={"title": "Faked", "difficulty": "BEGINNER", "cover_upload": (io.BytesIO(b"just text"), "cover.png")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    assert "This file is not a PNG, JPEG, GIF or WebP image." in response.text
    assert rows(companies.acme_id, sa.select(Module.id)) == []


def test_an_oversized_cover_is_refused(app: Flask, client_as: Client, companies: Companies, rows: Rows) -> None:
    app.config["UPLOAD_COVER_MAX_BYTES"] = 1000
    try:
        response = client_as("hr").post(
            "/admin/modules/new/",
            data={"title": "Huge", "difficulty": "BEGINNER", "cover_upload": (io.BytesIO(PNG * 20), "cover.png")},
            content_type="multipart/form-data",
        )
    finally:
        del app.config["UPLOAD_COVER_MAX_BYTES"]

    assert "The file is larger than" in response.text
    assert rows(companies.acme_id, sa.select(Module.id)) == []


def test_a_real_cover_is_stored_under_the_company(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    response = client_as("hr").post(
        "/admin/modules/new/",
        data={"title": "Covered", "difficulty": "BEGINNER", "cover_upload": (io.BytesIO(PNG), "anything.txt")},
        content_type="multipart/form-data",
    )

    assert response.status_code == 302
    ((key,),) = rows(companies.acme_id, sa.select(Module.cover_image))
    assert key.startswith(f"tenants/{companies.acme_id}/covers/")
    with app.app_context():
        assert read_bytes(get_storage(), key) == PNG


def test_a_free_company_with_ten_modules_is_told_the_plan_limit(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    with app.app_context():
        db.session.get(Tenant, companies.acme_id).plan = TenantPlan.FREE
        db.session.commit()
    _add(app, companies.acme_id, *(Module(title=f"Module {n}") for n in range(10)))

    response = client_as("hr").post("/admin/modules/new/", data={"title": "Eleventh", "difficulty": "BEGINNER"})

    assert response.status_code == 200
    assert "The FREE plan allows 10 modules; upgrade the plan to add more." in response.text
    assert len(rows(companies.acme_id, sa.select(Module.id))) == 10


def test_a_prerequisite_cycle_in_the_form_is_refused_and_nothing_changes(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    acme = companies.acme_id
    basics = _module(app, acme, "Basics")
    expert = _module(app, acme, "Expert")
    _add(app, acme, ModulePrerequisite(dependent_module_id=expert, prerequisite_module_id=basics))
    client = client_as("hr")

    cycle = client.post(
        f"/admin/modules/edit/?id={basics}",
        data={"title": "Basics", "difficulty": "BEGINNER", "prerequisites": str(expert)},
    )
    itself = client.post(
        f"/admin/modules/edit/?id={basics}",
        data={"title": "Basics renamed", "difficulty": "BEGINNER", "prerequisites": str(basics)},
    )

    assert "“Expert” already requires “Basics”" in cycle.text
    assert "A module cannot be its own prerequisite." in itself.text
    pairs = rows(acme, sa.select(ModulePrerequisite.dependent_module_id, ModulePrerequisite.prerequisite_module_id))
    assert pairs == [(expert, basics)]
    assert rows(acme, sa.select(Module.title).where(Module.id == basics)) == [("Basics",)]


def test_a_mentor_sees_and_edits_only_their_modules_and_gets_404_for_others(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    acme = companies.acme_id
    mine = _module(app, acme, "Forklift basics", mentor_ids=[companies.user_ids["employee"]])
    other = _module(app, acme, "Payroll secrets")
    (my_section,) = _sections(app, acme, mine, "Controls")
    (other_section,) = _sections(app, acme, other, "Salaries")
    client = client_as("employee")

    assert client.get("/admin/").status_code == 200
    listed = client.get("/admin/modules/")
    sections = client.get("/admin/sections/")
    assert "Forklift basics" in listed.text
    assert "Payroll secrets" not in listed.text
    assert "Controls" in sections.text
    assert "Salaries" not in sections.text
    for url in (
        f"/admin/modules/edit/?id={other}",
        f"/admin/modules/details/?id={other}",
        f"/admin/modules/history/?id={other}",
        f"/admin/sections/edit/?id={other_section}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/modules/edit/?id={other}", data={"title": "Mine now"}).status_code == 404
    assert client.get("/admin/modules/ajax/lookup/?name=prerequisites&query=").status_code == 200
    lookup = client.get("/admin/sections/ajax/lookup/?name=module&query=").text
    assert "Forklift basics" in lookup
    assert "Payroll secrets" not in lookup
    assert client.get("/admin/categories/").status_code == 403
    assert client.post("/admin/modules/delete/", data={"id": str(mine)}).status_code == 403

    edited = client.post(
        f"/admin/sections/edit/?id={my_section}", data={"title": "Controls and pedals", "type": "TEXT", "content": "x"}
    )
    assert edited.status_code == 302
    assert rows(acme, sa.select(Section.title).where(Section.id == my_section)) == [("Controls and pedals",)]
    assert rows(acme, sa.select(Module.title).where(Module.id == other)) == [("Payroll secrets",)]


def test_an_employee_who_mentors_nothing_has_no_module_screens(app: Flask, client_as: Client) -> None:
    client = client_as("employee")

    assert client.get("/admin/modules/").status_code == 403
    assert client.get("/admin/").status_code == 403


def test_another_companys_section_is_a_404_everywhere(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    globex_module = _module(app, companies.globex_id, "Prodaja")
    (globex_section,) = _sections(app, companies.globex_id, globex_module, "Cene")
    client = client_as("owner")

    assert client.get(f"/admin/sections/edit/?id={globex_section}").status_code == 404
    assert client.get(f"/admin/sections/details/?id={globex_section}").status_code == 404
    assert client.post("/admin/sections/move/", data={"id": globex_section, "direction": "down"}).status_code == 404
    assert client.get(f"/admin/modules/update/?id={globex_module}").status_code == 404
    assert "Cene" not in client.get(f"/admin/sections/?module_id={globex_module}").text
    assert rows(companies.globex_id, sa.select(Section.title, Section.sort_order)) == [("Cene", 0)]


def test_sections_move_up_and_down_and_stay_densely_numbered(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    acme = companies.acme_id
    module_id = _module(app, acme, "Ordered")
    _first, second, third = _sections(app, acme, module_id, "One", "Two", "Three")
    client = client_as("hr")

    client.post("/admin/sections/move/", data={"id": third, "direction": "up"})
    assert _order(rows, acme, module_id) == [("One", 0), ("Three", 1), ("Two", 2)]
    client.post(f"/admin/sections/edit/?id={second}", data={"title": "Two", "type": "TEXT", "position": "1"})
    assert _order(rows, acme, module_id) == [("Two", 0), ("One", 1), ("Three", 2)]
    client.post("/admin/sections/delete/", data={"id": second})
    assert _order(rows, acme, module_id) == [("One", 0), ("Three", 1)]


def test_attachments_are_typed_by_content_refused_when_executable_and_removable(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    acme = companies.acme_id
    module_id = _module(app, acme, "Rules")
    (section_id,) = _sections(app, acme, module_id, "Read this")
    client = client_as("hr")
    url = f"/admin/sections/edit/?id={section_id}"
    base = {"title": "Read this", "type": "ATTACHMENT"}

    refused = client.post(
        url,
        data={**base, "new_attachments": [(io.BytesIO(PDF), "rules.docx"), (io.BytesIO(b"\x7fELF\x02"), "tool.pdf")]},
        content_type="multipart/form-data",
    )
    assert "Programs and scripts cannot be attached." in refused.text
    assert rows(acme, sa.select(Attachment.id)) == []

    stored = client.post(
        url, data={**base, "new_attachments": [(io.BytesIO(PDF), "rules.docx")]}, content_type="multipart/form-data"
    )
    assert stored.status_code == 302
    ((attachment_id, name, file_type, key),) = rows(
        acme, sa.select(Attachment.id, Attachment.file_name, Attachment.file_type, Attachment.storage_path)
    )
    assert (name, file_type) == ("rules.pdf", AttachmentType.PDF)

    removed = client.post(url, data={**base, "remove_attachments": str(attachment_id)})
    assert removed.status_code == 302
    assert rows(acme, sa.select(Attachment.id)) == []
    with app.app_context(), pytest.raises(MissingFile):
        read_bytes(get_storage(), key)


# --- Publishing and versions ------------------------------------------------------------


def test_publish_then_publish_an_update_with_a_summary_and_see_the_history(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    acme = companies.acme_id
    module_id = _module(app, acme, "Fire drill")
    client = client_as("hr")

    too_early = client.post(f"/admin/modules/update/?id={module_id}", data={"summary": "Changed"})
    assert too_early.status_code == 400
    assert "Only a published module can get an update" in too_early.text

    client.post("/admin/modules/action/", data={"action": "publish", "rowid": [str(module_id)]})
    assert rows(acme, sa.select(Module.status, Module.version)) == [(ModuleStatus.PUBLISHED, 1)]

    empty = client.post(f"/admin/modules/update/?id={module_id}", data={"summary": ""})
    assert empty.status_code == 400
    published = client.post(f"/admin/modules/update/?id={module_id}", data={"summary": "New assembly point."})
    assert published.status_code == 302

    assert rows(acme, sa.select(Module.version)) == [(2,)]
    assert rows(acme, sa.select(ModuleChangeLog.version, ModuleChangeLog.change_summary)) == [
        (2, "New assembly point.")
    ]
    history = client.get(f"/admin/modules/history/?id={module_id}")
    assert "New assembly point." in history.text
    assert [entry[1] for entry in audit_rows(acme, AuditAction.MODULE_VERSION_PUBLISHED)] == [str(module_id)]
    assert [entry[1] for entry in audit_rows(acme, AuditAction.MODULE_UPDATED)] == []
    assert len(audit_rows(acme, AuditAction.MODULE_PUBLISHED)) == 1

    client.post("/admin/modules/action/", data={"action": "archive", "rowid": [str(module_id)]})
    assert rows(acme, sa.select(Module.status)) == [(ModuleStatus.ARCHIVED,)]


# --- Categories, tags, pins, assignments -----------------------------------------------


def test_a_duplicate_category_name_is_a_form_error_within_the_company_only(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _add(app, companies.acme_id, ModuleCategory(name="Safety"))
    _add(app, companies.globex_id, ModuleCategory(name="Prodaja"))
    client = client_as("hr")

    duplicate = client.post("/admin/categories/new/", data={"name": " Safety ", "sort_order": "1"})
    same_as_other_company = client.post("/admin/categories/new/", data={"name": "Prodaja", "sort_order": "2"})
    tag = client.post("/admin/tags/new/", data={"name": "Safety", "sort_order": "0"})
    tag_again = client.post("/admin/tags/new/", data={"name": "Safety", "sort_order": "0"})

    assert "A category with this name already exists." in duplicate.text
    assert same_as_other_company.status_code == 302
    assert tag.status_code == 302
    assert "A tag with this name already exists." in tag_again.text
    assert sorted(rows(companies.acme_id, sa.select(ModuleCategory.name))) == [("Prodaja",), ("Safety",)]


def test_only_published_modules_can_be_pinned_and_only_once(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    acme = companies.acme_id
    live = _module(app, acme, "Live module", status=ModuleStatus.PUBLISHED)
    draft = _module(app, acme, "Draft module")
    client = client_as("owner")

    lookup = client.get("/admin/pinned_modules/ajax/lookup/?name=module&query=module").text
    assert "Live module" in lookup
    assert "Draft module" not in lookup
    refused = client.post("/admin/pinned_modules/new/", data={"module": str(draft), "sort_order": "0"})
    pinned = client.post("/admin/pinned_modules/new/", data={"module": str(live), "sort_order": "0"})
    again = client.post("/admin/pinned_modules/new/", data={"module": str(live), "sort_order": "1"})

    assert "Not a valid choice" in refused.text
    assert pinned.status_code == 302
    assert "This module is already pinned." in again.text
    assert rows(acme, sa.select(CompanyPinnedModule.module_id, CompanyPinnedModule.pinned_by_id)) == [
        (live, companies.user_ids["owner"])
    ]


def test_assigning_a_module_to_a_group_refuses_negative_deadlines_and_duplicates(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    acme = companies.acme_id
    module_id = _module(app, acme, "Welding 101")
    (group_id,) = _add(app, acme, Group(name="Welders"))
    client = client_as("hr")
    data = {"group": str(group_id), "module": str(module_id), "is_mandatory": "y"}

    negative = client.post("/admin/assignments/new/", data={**data, "deadline_days": "-3"})
    assert negative.status_code == 200
    assert "A deadline cannot be negative" in negative.text
    assert rows(acme, sa.select(ModuleGroup.id)) == []

    assert client.post("/admin/assignments/new/", data={**data, "deadline_days": "14"}).status_code == 302
    duplicate = client.post("/admin/assignments/new/", data={**data, "deadline_days": "7"})
    assert "This module is already assigned to this group." in duplicate.text
    ((assignment_id, deadline, mandatory),) = rows(
        acme, sa.select(ModuleGroup.id, ModuleGroup.deadline_days, ModuleGroup.is_mandatory)
    )
    assert (deadline, mandatory) == (14, True)
    (assigned,) = audit_rows(acme, AuditAction.MODULE_ASSIGNED)
    assert (assigned[1], assigned[2]["changes"]["deadline_days"]) == (str(assignment_id), 14)
    assert "Welding 101" in client.get(f"/admin/assignments/?group_id={group_id}").text

    client.post("/admin/assignments/delete/", data={"id": str(assignment_id)})
    assert rows(acme, sa.select(ModuleGroup.id)) == []
    assert [row[1] for row in audit_rows(acme, AuditAction.MODULE_UNASSIGNED)] == [str(assignment_id)]


def test_the_edit_page_publishes_and_archives_a_module(app: Flask) -> None:
    with app.app_context():
        world = two_tenants()
        hr = make_user("hedda@acme.test", (world.acme, TenantRole.HR))
        module = make_module(world.acme, "Ladders", status=ModuleStatus.DRAFT)
        module_id, login, acme_id = module.id, hr.get_id(), world.acme.id
        db.session.commit()
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["tenant_id"] = acme_id

    page = client.get(f"/admin/modules/edit/?id={module_id}").get_data(as_text=True)
    assert 'id="publish-module"' in page
    assert f"/admin/sections/?module_id={module_id}" in page

    client.post(f"/admin/modules/status/?id={module_id}", data={"to": "publish"})
    with app.app_context(), tenant_context(acme_id):
        assert db.session.get(Module, module_id).status is ModuleStatus.PUBLISHED
    assert client.post(f"/admin/modules/status/?id={module_id}", data={"to": "delete"}).status_code == 400
