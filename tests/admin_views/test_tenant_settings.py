"""Company settings as named fields, the certificate logo and the certificate preview (issue 14, items 5, 8).

The company fields themselves (name, language, plan, time zone) and who may open the page:
tests/admin_views/test_people.py.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from lms.models import Tenant
from lms.models.enums import AuditAction
from lms.services import suggestions, xp
from lms.storage import get_storage
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]
URL = "/admin/settings/"
PREVIEW = "/admin/settings/certificate-preview"


def _form(**changes: Any) -> dict[str, Any]:
    return {"name": "Acme", "locale": "en", "theme": "DEFAULT", "plan": "PRO", "timezone": "UTC", **changes}


def _settings(rows: Rows, tenant_id: int) -> dict[str, Any]:
    return rows(None, sa.select(Tenant.settings).where(Tenant.id == tenant_id))[0][0] or {}


def _png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (120, 40), (0, 119, 182)).save(data, format="PNG")
    data.seek(0)
    return data


def test_the_page_shows_named_fields_and_no_json(client_as: Client) -> None:
    page = client_as("owner").get(URL).text

    for label in (
        "XP for completing a beginner module",
        "XP for a quiz score of 90 or more (out of 100)",
        "Votes that make a suggestion popular",
        "Signer's name",
        "Logo on certificates",
        "Preview a certificate (PDF)",
    ):
        assert label in page
    assert "{" not in page.split("<form", 1)[1].split("</form>", 1)[0]


def test_named_settings_are_saved_used_and_audited_as_old_to_new(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    response = client_as("owner").post(
        URL,
        data=_form(
            xp_module_advanced="333",
            xp_quiz_high_score="40",
            suggestion_popular_threshold="3",
            certificate_signer_name="  Olga Owner ",
            certificate_signer_title="Direktorica",
        ),
    )

    assert response.status_code == 302
    assert _settings(rows, companies.acme_id) == {
        "xp": {"module_completed": {"ADVANCED": 333}, "quiz_high_score": 40},
        "suggestion_popular_threshold": 3,
        "certificate": {"signer_name": "Olga Owner", "signer_title": "Direktorica"},
    }
    assert _settings(rows, companies.globex_id) == {}
    with app.app_context(), tenant_context(companies.acme_id):
        assert xp.amount_for("module_completed", "ADVANCED") == 333
        assert xp.amount_for("module_completed", "BEGINNER") == 100
        assert suggestions.popular_threshold() == 3
    ((entity, entity_id, details),) = audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED)
    assert (entity, entity_id) == ("tenant", str(companies.acme_id))
    assert details["changes"]["xp_module_advanced"] == 333
    assert details["previous"]["xp_module_advanced"] is None
    assert details["changes"]["certificate_signer_name"] == "Olga Owner"


def test_emptying_a_number_goes_back_to_the_default(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    client = client_as("owner")
    client.post(URL, data=_form(xp_quiz_high_score="40"))

    client.post(URL, data=_form(xp_quiz_high_score=""))

    assert _settings(rows, companies.acme_id) == {}
    last = audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED)[-1][2]
    assert last["changes"] == {"xp_quiz_high_score": None}
    assert last["previous"] == {"xp_quiz_high_score": 40}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("xp_module_beginner", "-5", "Number must be between 0 and 100000."),
        ("xp_top_suggestion", "lots", "Not a valid integer value."),
        ("suggestion_popular_threshold", "0", "Number must be between 1 and 100000."),
        ("certificate_signer_title", "x" * 121, "Field cannot be longer than 120 characters."),
    ],
)
def test_a_bad_value_is_a_form_error_and_nothing_is_saved(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, field: str, value: str, message: str
) -> None:
    response = client_as("owner").post(URL, data=_form(name="Renamed", xp_quiz_high_score="40", **{field: value}))

    assert response.status_code == 200
    assert message in response.text
    assert rows(None, sa.select(Tenant.name).where(Tenant.id == companies.acme_id)) == [("Acme",)]
    assert _settings(rows, companies.acme_id) == {}
    assert audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED) == []


def test_a_logo_is_stored_shown_on_the_preview_and_removed(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    client = client_as("owner")

    response = client.post(URL, data=_form(logo=(_png(), "logo.png")), content_type="multipart/form-data")

    assert response.status_code == 302
    key = _settings(rows, companies.acme_id)["certificate"]["logo"]
    assert key.startswith(f"tenants/{companies.acme_id}/covers/")
    preview = client.get(PREVIEW)
    assert preview.mimetype == "application/pdf"
    assert sum(len(page.images) for page in pypdf.PdfReader(io.BytesIO(preview.data)).pages) == 2

    client.post(URL, data=_form(remove_logo="y"))

    assert _settings(rows, companies.acme_id) == {}
    with app.app_context():
        assert not (get_storage().root / key).exists()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<?php echo 'not an image'; ?>", "This file is not a PNG, JPEG, GIF or WebP image."),
        (b"\x89PNG\r\n\x1a\n" + b"garbage after a PNG signature" * 4, "This image is damaged and cannot be read."),
    ],
    ids=["text-named-png", "png-signature-only"],
)
def test_a_disguised_logo_is_refused_with_a_message_and_nothing_changes(
    client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit, data: bytes, message: str
) -> None:
    response = client_as("owner").post(
        URL,
        data=_form(name="Renamed", certificate_signer_name="Olga", logo=(io.BytesIO(data), "logo.png")),
        content_type="multipart/form-data",
    )

    assert response.status_code == 200
    assert message in response.text
    assert rows(None, sa.select(Tenant.name).where(Tenant.id == companies.acme_id)) == [("Acme",)]
    assert _settings(rows, companies.acme_id) == {}
    assert audit_rows(companies.acme_id, AuditAction.TENANT_UPDATED) == []


def test_the_preview_is_a_certificate_of_ones_own_company_in_its_language(
    client_as: Client, companies: Companies
) -> None:
    client_as("owner").post(URL, data=_form(certificate_signer_name="Olga Owner"))

    acme = client_as("owner").get(PREVIEW)
    globex = client_as("globex_owner", tenant="globex").get(PREVIEW)

    acme_text = pypdf.PdfReader(io.BytesIO(acme.data)).pages[0].extract_text()
    globex_text = pypdf.PdfReader(io.BytesIO(globex.data)).pages[0].extract_text()
    assert acme.status_code == globex.status_code == 200
    assert "Olga Owner" in acme_text
    assert "Acme" in acme_text
    assert "Greta Globex" in globex_text
    assert "Potrdilo" in globex_text
    assert "Olga Owner" not in globex_text
    assert "Acme" not in globex_text


@pytest.mark.parametrize("key", ["admin", "hr", "employee"])
def test_only_owners_see_the_preview(client_as: Client, key: str) -> None:
    assert client_as(key).get(PREVIEW).status_code == 403
