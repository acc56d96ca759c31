"""Do the learner pages serve files from an S3 bucket as they do from the disk? (issue 16, item 1)

With ``STORAGE_BACKEND=s3`` a page that serves a stored file answers 303 to a presigned
URL of the bucket (the browser downloads from there, Range included), with the file's
name and type; a file the bucket no longer holds is still our 404, never a 500.
"""

from __future__ import annotations

import urllib.request

from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Attachment, Module
from lms.storage import get_storage, save_bytes
from lms.tenancy import tenant_context
from tests.learner.conftest import Place
from tests.s3_server import S3Server

PDF = b"%PDF-1.4\n" + b"handbook " * 1000


def _attachment(app: Flask, place: Place, key: str) -> int:
    with app.app_context(), tenant_context(place.acme_id):
        attachment = Attachment(
            section_id=place.basics_sections[0],
            file_name="Priročnik.pdf",
            storage_path=key,
            content_type="application/pdf",
        )
        db.session.add(attachment)
        db.session.commit()
        return attachment.id


def test_an_attachment_in_the_bucket_is_a_redirect_to_it(
    app: Flask, ana: FlaskClient, place: Place, s3_storage: S3Server
) -> None:
    key = f"tenants/{place.acme_id}/attachments/handbook.pdf"
    with app.app_context():
        save_bytes(get_storage(), key, PDF)
    attachment_id = _attachment(app, place, key)

    response = ana.get(f"/attachments/{attachment_id}")

    assert response.status_code == 303
    assert response.location.startswith(f"{s3_storage.endpoint}/mojster-test/{key}?")
    request = urllib.request.Request(response.location, headers={"Range": "bytes=0-8"})  # noqa: S310 - loopback
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 206
        assert answer.read() == PDF[:9]
        assert answer.headers["Content-Type"] == "application/pdf"
        assert "filename*=UTF-8''Priro%C4%8Dnik.pdf" in answer.headers["Content-Disposition"]


def test_a_cover_gone_from_the_bucket_is_not_found(
    app: Flask, ana: FlaskClient, place: Place, s3_storage: S3Server
) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        db.session.get(Module, place.basics_id).cover_image = f"tenants/{place.acme_id}/covers/gone.png"
        db.session.commit()

    response = ana.get(f"/modules/{place.basics_id}/cover")

    assert response.status_code == 404
    assert "There is nothing here." in response.text
