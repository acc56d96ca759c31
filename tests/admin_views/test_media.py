"""Can HR run the media library in the admin, for their own company only? (issue 16, item 2)"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import MediaAsset
from lms.models.enums import AuditAction, MediaAssetStatus, MediaAssetType
from lms.services import media
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_module
from tests.services.test_file_types import MZ_EXECUTABLE, mp4_bytes, pdf_bytes

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]


def _asset(app: Flask, tenant_id: int, data: bytes, kind: MediaAssetType, title: str) -> int:
    with app.app_context(), tenant_context(tenant_id):
        asset = media.upload_asset(io.BytesIO(data), f"{title}.bin", title, kind, None)
        db.session.commit()
        return asset.id


def _upload(client: FlaskClient, data: bytes, kind: str, title: str = "Policy", name: str = "policy.pdf") -> Any:
    return client.post(
        "/admin/media/upload/",
        data={"title": title, "type": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_hr_uploads_a_document_and_it_is_processed(client_as: Client, companies: Companies, rows: Rows) -> None:
    response = _upload(client_as("hr"), pdf_bytes("Report every near miss."), "DOCUMENT")

    assert response.status_code == 302
    [(status, text, size)] = rows(
        companies.acme_id, sa.select(MediaAsset.status, MediaAsset.extracted_text, MediaAsset.size_bytes)
    )
    assert status is MediaAssetStatus.READY
    assert "Report every near miss." in text
    assert size > 0
    details = client_as("hr").get(response.headers["Location"])
    assert details.status_code == 200
    assert "Report every near miss." in details.get_data(as_text=True)


def test_the_list_shows_words_and_readable_sizes(client_as: Client, companies: Companies, app: Flask) -> None:
    data = mp4_bytes(seconds=75)
    _asset(app, companies.acme_id, data, MediaAssetType.VIDEO, "Welcome video")

    page = client_as("hr").get("/admin/media/").get_data(as_text=True)

    assert "Welcome video" in page
    assert "Ready" in page
    assert "1:15" in page
    assert f"{len(data)} B" in page


def test_an_executable_renamed_mp4_is_refused_with_a_message(
    client_as: Client, companies: Companies, rows: Rows
) -> None:
    response = _upload(client_as("hr"), MZ_EXECUTABLE, "VIDEO", name="clip.mp4")

    assert response.status_code == 400
    assert "This file is not a video we can play" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(MediaAsset.id)) == []


def test_a_file_over_the_upload_limit_is_refused_with_413_and_a_clear_page(
    client_as: Client, companies: Companies, app: Flask, rows: Rows, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)

    response = _upload(client_as("hr"), pdf_bytes() + bytes(4096), "DOCUMENT")

    assert response.status_code == 413
    assert "The file is larger than allowed." in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(MediaAsset.id)) == []


def test_an_employee_cannot_open_the_library(client_as: Client, companies: Companies) -> None:
    assert client_as("employee").get("/admin/media/").status_code == 403
    assert _upload(client_as("employee"), pdf_bytes(), "DOCUMENT").status_code == 403


def test_another_companys_asset_is_a_404_everywhere(client_as: Client, companies: Companies, app: Flask) -> None:
    theirs = _asset(app, companies.globex_id, pdf_bytes(), MediaAssetType.DOCUMENT, "Globex secret")
    client = client_as("hr")

    assert client.get(f"/admin/media/details/?id={theirs}").status_code == 404
    assert client.get(f"/admin/media/download/?id={theirs}").status_code == 404
    assert client.post("/admin/media/delete/", data={"id": theirs}).status_code == 404


def test_download_serves_the_stored_file(client_as: Client, companies: Companies, app: Flask) -> None:
    data = mp4_bytes()
    asset_id = _asset(app, companies.acme_id, data, MediaAssetType.VIDEO, "Clip")

    response = client_as("hr").get(f"/admin/media/download/?id={asset_id}", headers={"Range": "bytes=0-7"})

    assert response.status_code == 206
    assert response.data == data[:8]
    assert response.mimetype == "video/mp4"


def test_deleting_an_asset_in_use_is_refused_naming_the_section(
    client_as: Client, companies: Companies, app: Flask, rows: Rows
) -> None:
    asset_id = _asset(app, companies.acme_id, mp4_bytes(), MediaAssetType.VIDEO, "Clip")
    with app.app_context():
        from lms.models import Tenant

        module = make_module(db.session.get(Tenant, companies.acme_id), "Forklifts", sections=1)
        with tenant_context(companies.acme_id):
            module.sections[0].media_asset_id = asset_id
        db.session.commit()

    response = client_as("hr").post("/admin/media/delete/", data={"id": asset_id}, follow_redirects=True)

    assert "Forklifts — Forklifts: part 1" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(MediaAsset.status)) == [(MediaAssetStatus.READY,)]


def test_deleting_an_unused_asset_marks_it_for_the_cleanup(
    client_as: Client, companies: Companies, app: Flask, rows: Rows, audit_rows: Audit
) -> None:
    asset_id = _asset(app, companies.acme_id, pdf_bytes(), MediaAssetType.DOCUMENT, "Old")

    response = client_as("hr").post("/admin/media/delete/", data={"id": asset_id}, follow_redirects=True)

    assert "“Old” is being deleted." in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(MediaAsset.status)) == [(MediaAssetStatus.DELETE_PENDING,)]
    assert [entry[1] for entry in audit_rows(companies.acme_id, AuditAction.RECORD_DELETED)] == [str(asset_id)]


def test_the_bulk_delete_action_is_audited_once(
    client_as: Client, companies: Companies, app: Flask, audit_rows: Audit
) -> None:
    ids = [_asset(app, companies.acme_id, pdf_bytes(), MediaAssetType.DOCUMENT, name) for name in ("A", "B")]

    response = client_as("hr").post(
        "/admin/media/action/", data={"action": "delete", "rowid": [str(i) for i in ids]}, follow_redirects=True
    )

    assert "2 files are being deleted." in response.get_data(as_text=True)
    assert [entry[2] for entry in audit_rows(companies.acme_id, AuditAction.ASSET_BULK_DELETED)] == [
        {"ids": ids, "titles": ["A", "B"]}
    ]


def test_a_stream_video_is_registered_through_its_form(client_as: Client, companies: Companies, rows: Rows) -> None:
    client = client_as("hr")

    bad = client.post("/admin/media/stream/", data={"title": "Welcome", "uid": "12345"})
    good = client.post("/admin/media/stream/", data={"title": "Welcome", "uid": "0123456789abcdef0123456789abcdef"})

    assert bad.status_code == 400
    assert "32 characters" in bad.get_data(as_text=True)
    assert good.status_code == 302
    assert rows(companies.acme_id, sa.select(MediaAsset.cf_stream_uid, MediaAsset.status)) == [
        ("0123456789abcdef0123456789abcdef", MediaAssetStatus.READY)
    ]
