"""Can learners see, download and renew their certificates, and can anyone verify one? (issue 6)"""

from __future__ import annotations

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pypdf
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale, format_date

from lms.extensions import db
from lms.models import Certificate, Module, Tenant, User
from lms.models.enums import TenantRole
from lms.models.types import utcnow
from lms.services import certificates, progress
from lms.tenancy import tenant_context
from tests.factories import assign, make_group, make_module, make_user
from tests.learner.conftest import Place


def _complete(client: FlaskClient, sections: list[int]) -> None:
    for section in sections:
        assert client.post(f"/sections/{section}/complete").status_code == 302


def _certificate(app: Flask, place: Place, module_id: int, user_id: int | None = None) -> tuple[int, str]:
    with app.app_context(), tenant_context(place.acme_id):
        certificate = db.session.scalar(
            sa.select(Certificate)
            .where(Certificate.module_id == module_id, Certificate.user_id == (user_id or place.ana_id))
            .order_by(Certificate.id.desc())
        )
        return certificate.id, certificate.unique_code


def _set_expiry(app: Flask, place: Place, certificate_id: int, *, days_from_now: int, validity: int = 12) -> None:
    """Give the certificate's module a validity and move the certificate back so it expires then."""
    with app.app_context(), tenant_context(place.acme_id):
        certificate = db.session.get(Certificate, certificate_id)
        db.session.get(Module, certificate.module_id).validity_months = validity
        certificate.expires_at = utcnow() + timedelta(days=days_from_now)
        certificate.completed_at = certificate.issued_at = certificate.expires_at - timedelta(days=30 * validity)
        db.session.commit()


def _certify_colleague(app: Flask, place: Place) -> int:
    with app.app_context():
        tenant = db.session.get(Tenant, place.acme_id)
        eva = make_user("eva@acme.test", (tenant, TenantRole.EMPLOYEE), name="Eva Colleague")
        with tenant_context(place.acme_id):
            module = db.session.get(Module, place.basics_id)
            for section in module.sections:
                progress.complete_section(eva.id, section)
            certificate_id = db.session.scalar(sa.select(Certificate.id).where(Certificate.user_id == eva.id))
        db.session.commit()
    return certificate_id


def test_completing_a_module_lists_its_certificate_with_its_pdf(app: Flask, ana: FlaskClient, place: Place) -> None:
    _complete(ana, place.basics_sections)
    certificate_id, code = _certificate(app, place, place.basics_id)

    page = ana.get("/certificates").get_data(as_text=True)
    pdf = ana.get(f"/certificates/{certificate_id}/pdf")

    assert "Safety basics" in page
    assert "Valid" in page
    assert code in page
    assert "Does not expire" in page
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Ana" in text
    assert "Safety basics" in text
    assert code in text


def test_a_colleagues_certificate_is_not_found(app: Flask, ana: FlaskClient, place: Place) -> None:
    colleague = _certify_colleague(app, place)

    assert ana.get(f"/certificates/{colleague}/pdf").status_code == 404
    assert "Safety basics" not in ana.get("/certificates").get_data(as_text=True)


def test_a_revoked_certificate_shows_revoked_and_cannot_be_downloaded(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    _complete(ana, place.basics_sections)
    certificate_id, _ = _certificate(app, place, place.basics_id)
    with app.app_context(), tenant_context(place.acme_id):
        certificates.revoke(db.session.get(Certificate, certificate_id), "Issued by mistake")
        db.session.commit()

    page = ana.get("/certificates").get_data(as_text=True)

    assert "Revoked" in page
    assert "Download PDF" not in page
    assert ana.get(f"/certificates/{certificate_id}/pdf").status_code == 404


def test_an_empty_list_says_how_to_earn_one(ana: FlaskClient, place: Place) -> None:
    assert "Complete a module to earn one." in ana.get("/certificates").get_data(as_text=True)


# --- Public verification -------------------------------------------------------------------


def test_anyone_can_verify_a_valid_certificate_without_signing_in(app: Flask, ana: FlaskClient, place: Place) -> None:
    _complete(ana, place.basics_sections)
    _, code = _certificate(app, place, place.basics_id)

    response = app.test_client().get(f"/verify/{code}")

    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Valid</span>" in text
    assert 'id="verification-company">Acme<' in text
    assert 'id="verification-module">Safety basics<' in text
    assert 'id="verification-version">1<' in text
    assert 'id="verification-holder">Ana<' in text
    assert 'id="verification-expires">Does not expire<' in text
    assert "ana@acme.test" not in text, "nothing personal but the holder's name"


@pytest.mark.parametrize(
    ("days_from_now", "revoke", "colour", "words"),
    [
        (200, False, "badge-success", "Valid"),
        (10, False, "badge-warning", "Expiring soon"),
        (-3, False, "badge-danger", "Expired"),
        (200, True, "badge-secondary", "Revoked"),
    ],
)
def test_verification_shows_each_status_in_words_and_colour(
    app: Flask, ana: FlaskClient, place: Place, days_from_now: int, revoke: bool, colour: str, words: str
) -> None:
    _complete(ana, place.basics_sections)
    certificate_id, code = _certificate(app, place, place.basics_id)
    _set_expiry(app, place, certificate_id, days_from_now=days_from_now)
    if revoke:
        with app.app_context(), tenant_context(place.acme_id):
            certificates.revoke(db.session.get(Certificate, certificate_id), "Mistake")
            db.session.commit()

    text = app.test_client().get(f"/verify/{code}").get_data(as_text=True)

    status = text[text.index('id="verification-status"') :]
    assert f'class="badge {colour}" id="verification-status"' in text
    assert status[: status.index("</span>")].rstrip().endswith(words)
    with app.app_context(), tenant_context(place.acme_id), force_locale("en"):
        zone = ZoneInfo(db.session.get(Tenant, place.acme_id).timezone)
        expires = db.session.get(Certificate, certificate_id).expires_at.astimezone(zone).date()
        assert f'id="verification-expires">{format_date(expires, "long")}<' in text


def test_verification_speaks_the_companys_language(app: Flask, ana: FlaskClient, place: Place) -> None:
    _complete(ana, place.basics_sections)
    _, code = _certificate(app, place, place.basics_id)
    with app.app_context():
        db.session.get(Tenant, place.acme_id).locale = "sl"
        db.session.commit()

    text = app.test_client().get(f"/verify/{code}", headers={"Accept-Language": "en"}).get_data(as_text=True)

    assert '<html lang="sl">' in text


def test_an_unknown_code_is_a_plain_not_found(app: Flask, place: Place) -> None:
    response = app.test_client().get("/verify/AAAAAAAAAAAAAAAA")

    text = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Not found" in text
    assert "AAAAAAAAAAAAAAAA" not in text
    assert "certificate" not in text.lower()


def test_verification_is_rate_limited_per_address(app: Flask, place: Place) -> None:
    client = app.test_client()
    statuses = [client.get(f"/verify/CODE{n:012d}").status_code for n in range(31)]

    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429


# --- Compliance on the learner's pages -----------------------------------------------------


def _assign_to_ana(app: Flask, place: Place, *module_ids: int) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, place.acme_id)
        ana = db.session.get(User, place.ana_id)
        group = make_group(tenant, "Everyone", [ana])
        with tenant_context(place.acme_id):
            for module_id in module_ids:
                assign(db.session.get(Module, module_id), group, None)
        db.session.commit()


def test_the_dashboard_marks_renewal_due_and_expired(app: Flask, ana: FlaskClient, place: Place) -> None:
    with app.app_context():
        tenant = db.session.get(Tenant, place.acme_id)
        ladders = make_module(tenant, "Ladder safety", sections=1)
        ladders_sections = [s.id for s in ladders.sections]
        ladders_id = ladders.id
        db.session.commit()
    _assign_to_ana(app, place, place.basics_id, ladders_id)
    _complete(ana, place.basics_sections + ladders_sections)
    assert "Renewal due" not in ana.get("/").get_data(as_text=True)

    _set_expiry(app, place, _certificate(app, place, place.basics_id)[0], days_from_now=10)
    _set_expiry(app, place, _certificate(app, place, ladders_id)[0], days_from_now=-1)
    page = ana.get("/").get_data(as_text=True)

    assert page.count("lms-renewal-due") == 1
    assert page.count("lms-expired") == 1


def test_renewing_a_module_without_a_quiz_through_its_page(app: Flask, ana: FlaskClient, place: Place) -> None:
    _complete(ana, place.basics_sections)
    first_id, first_code = _certificate(app, place, place.basics_id)
    _set_expiry(app, place, first_id, days_from_now=20)

    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert "renew it to stay certified" in page
    response = ana.post(f"/modules/{place.basics_id}/renew")
    assert response.status_code == 302
    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert "0 % complete" in page
    assert "Confirm every section again to renew your certificate." in page

    _complete(ana, place.basics_sections)

    renewal_id, renewal_code = _certificate(app, place, place.basics_id)
    assert renewal_id != first_id
    listing = ana.get("/certificates").get_data(as_text=True)
    assert first_code in listing
    assert renewal_code in listing
    assert "Renewal due" not in listing, "the renewed certificate is no longer due"
    assert "renew it to stay certified" not in ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)


def test_renewing_before_the_window_opens_is_refused_and_changes_nothing(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    _complete(ana, place.basics_sections)
    certificate_id, _ = _certificate(app, place, place.basics_id)
    _set_expiry(app, place, certificate_id, days_from_now=200)

    response = ana.post(f"/modules/{place.basics_id}/renew")

    assert response.status_code == 409
    assert "not due for renewal" in response.get_data(as_text=True)
    assert "100 % complete" in ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
