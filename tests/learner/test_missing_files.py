"""Is a file that a row names but the storage no longer holds a 404, never a 500? (issue 10, item 6)

Disks get lost and files get removed by hand; every page that serves a stored file
(attachments, covers, reward images, certificate PDFs) answers "not found".
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Attachment, Certificate, Module, Reward
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.learner.conftest import Place

GONE = "tenants/{tenant}/gone/never-stored.bin"


def _attachment(place: Place, key: str) -> str:
    attachment = Attachment(section_id=place.basics_sections[0], file_name="manual.pdf", storage_path=key)
    db.session.add(attachment)
    db.session.flush()
    return f"/attachments/{attachment.id}"


def _cover(place: Place, key: str) -> str:
    db.session.get(Module, place.basics_id).cover_image = key
    return f"/modules/{place.basics_id}/cover"


def _reward_image(place: Place, key: str) -> str:
    reward = Reward(title="Mug", description="", cost_xp=10, image=key)
    db.session.add(reward)
    db.session.flush()
    return f"/rewards/{reward.id}/image"


def _certificate_pdf(place: Place, key: str) -> str:
    certificate = Certificate(
        user_id=place.ana_id, module_id=place.basics_id, unique_code="gone-pdf", completed_at=utcnow(), pdf_path=key
    )
    db.session.add(certificate)
    db.session.flush()
    return f"/certificates/{certificate.id}/pdf"


@pytest.mark.parametrize("row_naming_a_file", [_attachment, _cover, _reward_image, _certificate_pdf])
def test_a_stored_file_that_is_gone_is_not_found(
    app: Flask, ana: FlaskClient, place: Place, row_naming_a_file: Callable[[Place, str], str]
) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        url = row_naming_a_file(place, GONE.format(tenant=place.acme_id))
        db.session.commit()

    response = ana.get(url)

    assert response.status_code == 404
    assert "There is nothing here." in response.text


def test_the_missing_file_is_logged_for_operators(
    app: Flask, ana: FlaskClient, place: Place, caplog: pytest.LogCaptureFixture
) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        url = _attachment(place, GONE.format(tenant=place.acme_id))
        db.session.commit()

    ana.get(url)

    assert f"stored file {GONE.format(tenant=place.acme_id)} is missing" in caplog.text
