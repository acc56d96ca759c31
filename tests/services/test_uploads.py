"""Are uploads judged by their content, limited in size and stored under the tenant's own keys? (issue 5)"""

from __future__ import annotations

import io
import zipfile

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models.enums import AttachmentType
from lms.services import uploads
from lms.services.uploads import MB, UploadRejected
from lms.storage import MissingFile, get_storage, read_bytes

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 32, "image/jpeg"),
        (b"GIF89a" + b"\x00" * 32, "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32, "image/webp"),
    ],
)
def test_a_real_image_is_stored_as_a_cover_under_the_tenants_key(
    app_ctx: Flask, data: bytes, content_type: str
) -> None:
    key = uploads.store_cover(7, io.BytesIO(data))

    assert key.startswith("tenants/7/covers/")
    assert key.endswith("." + content_type.split("/")[1].replace("jpeg", "jpg"))
    assert read_bytes(get_storage(), key) == data


def test_a_text_file_named_png_is_not_a_cover(app_ctx: Flask) -> None:
    with pytest.raises(UploadRejected, match=r"This file is not a PNG, JPEG, GIF or WebP image\."):
        uploads.store_cover(7, io.BytesIO(b"I am plain text pretending to be cover.png"))


def test_a_pdf_is_not_a_cover_either(app_ctx: Flask) -> None:
    with pytest.raises(UploadRejected):
        uploads.store_cover(7, io.BytesIO(PDF))


def test_an_oversized_cover_is_refused_without_being_stored(app_ctx: Flask) -> None:
    with pytest.raises(UploadRejected, match=r"The file is larger than 5 MB\."):
        uploads.store_cover(7, io.BytesIO(PNG + b"\x00" * (5 * MB)))


def test_size_limits_come_from_the_app_config(app: Flask) -> None:
    with app.app_context():
        app.config["UPLOAD_ATTACHMENT_MAX_BYTES"] = MB // 2
        try:
            with pytest.raises(UploadRejected, match=r"larger than 0\.5 MB"):
                uploads.store_attachment(7, "big.pdf", io.BytesIO(PDF + b"\x00" * MB))
        finally:
            del app.config["UPLOAD_ATTACHMENT_MAX_BYTES"]


def test_an_empty_file_is_refused(app_ctx: Flask) -> None:
    with pytest.raises(UploadRejected, match="empty"):
        uploads.store_attachment(7, "nothing.pdf", io.BytesIO(b""))


def test_a_pdf_named_docx_is_stored_as_a_pdf(app_ctx: Flask) -> None:
    stored = uploads.store_attachment(7, "Safety rules.docx", io.BytesIO(PDF))

    assert stored.file_type is AttachmentType.PDF
    assert stored.content_type == "application/pdf"
    assert stored.file_name == "Safety_rules.pdf"
    assert stored.size_bytes == len(PDF)
    assert stored.storage_path.startswith("tenants/7/attachments/")
    assert read_bytes(get_storage(), stored.storage_path) == PDF


@pytest.mark.parametrize(
    ("name", "data", "file_type", "content_type", "stored_name"),
    [
        ("notes.docx", _docx(), AttachmentType.WORD, uploads._DOCX_TYPE, "notes.docx"),
        ("old.doc", OLE2, AttachmentType.WORD, "application/msword", "old.doc"),
        ("photo", PNG, AttachmentType.IMAGE, "image/png", "photo.png"),
        ("data.csv", b"a,b\n1,2\n", AttachmentType.OTHER, "application/octet-stream", "data.csv"),
        ("page.html", b"<script>alert(1)</script>", AttachmentType.OTHER, "application/octet-stream", "page.html"),
        ("archive.zip", b"PK\x03\x04 no zip", AttachmentType.OTHER, "application/octet-stream", "archive.zip"),
        ("../../etc/passwd", b"root:x:0:0", AttachmentType.OTHER, "application/octet-stream", "etc_passwd"),
    ],
)
def test_attachments_are_typed_by_content(
    app_ctx: Flask, name: str, data: bytes, file_type: AttachmentType, content_type: str, stored_name: str
) -> None:
    stored = uploads.store_attachment(3, name, io.BytesIO(data))

    assert (stored.file_type, stored.content_type, stored.file_name) == (file_type, content_type, stored_name)


@pytest.mark.parametrize("data", [b"\x7fELF\x02\x01\x01", b"MZ\x90\x00\x03", b"#!/bin/sh\nrm -rf /\n"])
def test_programs_cannot_be_attached(app_ctx: Flask, data: bytes) -> None:
    with pytest.raises(UploadRejected, match="Programs and scripts"):
        uploads.store_attachment(3, "report.pdf", io.BytesIO(data))


def test_a_discarded_file_goes_only_when_the_transaction_commits(app_ctx: Flask) -> None:
    key = uploads.store_cover(7, io.BytesIO(PNG))
    db.session.commit()
    storage = get_storage()

    uploads.discard_after_commit([key])
    db.session.rollback()
    assert read_bytes(storage, key) == PNG

    uploads.discard_after_commit([key])
    db.session.commit()
    with pytest.raises(MissingFile):
        read_bytes(storage, key)


def test_a_new_file_goes_again_when_its_transaction_rolls_back(app_ctx: Flask) -> None:
    db.session.execute(sa.select(1))
    key = uploads.store_cover(7, io.BytesIO(PNG))

    db.session.rollback()

    with pytest.raises(MissingFile):
        read_bytes(get_storage(), key)
