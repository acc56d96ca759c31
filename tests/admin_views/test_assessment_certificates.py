"""Can HR override progress and manage certificates, and only they? (issue 6, item 2)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Certificate, Notification, ProgressOverride, Tenant, UserPermission
from lms.models.enums import AuditAction, NotificationType, Permission
from lms.models.types import utcnow
from lms.services import completion
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies
from tests.factories import make_module
from tests.smtp import smtp_server


@pytest.fixture
def modules(app: Flask, companies: Companies) -> dict[str, int]:
    with app.app_context():
        acme = db.session.get(Tenant, companies.acme_id)
        globex = db.session.get(Tenant, companies.globex_id)
        ids = {
            "safety": make_module(acme, "Safety basics", sections=2).id,
            "forklift": make_module(acme, "Forklift", sections=1).id,
            "globex": make_module(globex, "Varnost", sections=1).id,
        }
        db.session.commit()
    return ids


def _override(client: FlaskClient, user_id: int, module_id: int, **data: Any) -> Any:
    return client.post(
        "/admin/progress_overrides/new/",
        data={"user": str(user_id), "module": str(module_id), "reason": "Trained at the previous employer", **data},
    )


def _certify(app: Flask, companies: Companies, key: str, module_id: int) -> int:
    with app.app_context(), tenant_context(companies.acme_id):
        user_id = companies.user_ids[key]
        db.session.add(ProgressOverride(user_id=user_id, module_id=module_id, reason="Seed", allow_certificate=True))
        db.session.flush()
        completion.record_progress(user_id, module_id)
        certificate_id = db.session.scalar(
            sa.select(Certificate.id).where(Certificate.user_id == user_id, Certificate.module_id == module_id)
        )
        db.session.commit()
    return certificate_id


def test_an_override_with_a_certificate_completes_the_module_audited_and_notified(
    client_as: Callable[..., FlaskClient], companies: Companies, modules: dict[str, int], rows, audit_rows
) -> None:
    ana = companies.user_ids["employee"]

    response = _override(client_as("hr"), ana, modules["safety"], allow_certificate="y")

    assert response.status_code == 302
    acme = companies.acme_id
    ((by, reason),) = rows(acme, sa.select(ProgressOverride.override_by_id, ProgressOverride.reason))
    assert (by, reason) == (companies.user_ids["hr"], "Trained at the previous employer")
    ((_, _, details),) = audit_rows(acme, AuditAction.PROGRESS_OVERRIDDEN)
    assert details["changes"]["reason"] == "Trained at the previous employer"
    assert rows(acme, sa.select(Certificate.user_id, Certificate.module_id)) == [(ana, modules["safety"])]
    types = {t for (t,) in rows(acme, sa.select(Notification.type).where(Notification.user_id == ana))}
    # Completing the module also earns its XP (issue 7).
    assert types == {
        NotificationType.PROGRESS_OVERRIDE,
        NotificationType.CERTIFICATE_ISSUED,
        NotificationType.XP_EARNED,
    }


def test_an_override_without_a_certificate_only_records_and_notifies(
    client_as: Callable[..., FlaskClient], companies: Companies, modules: dict[str, int], rows
) -> None:
    ana = companies.user_ids["employee"]

    assert _override(client_as("hr"), ana, modules["safety"]).status_code == 302

    acme = companies.acme_id
    assert rows(acme, sa.select(Certificate.id)) == []
    assert rows(acme, sa.select(Notification.type)) == [(NotificationType.PROGRESS_OVERRIDE,)]


def test_an_override_needs_a_reason_and_a_learner_of_the_company(
    client_as: Callable[..., FlaskClient], companies: Companies, modules: dict[str, int], rows, audit_rows
) -> None:
    client = client_as("hr")

    no_reason = _override(client, companies.user_ids["employee"], modules["safety"], reason="   ")
    stranger = _override(client, companies.user_ids["globex_employee"], modules["safety"])
    foreign_module = _override(client, companies.user_ids["employee"], modules["globex"])

    assert no_reason.status_code == 200
    assert "Give a reason." in no_reason.get_data(as_text=True)
    assert stranger.status_code == foreign_module.status_code == 200
    assert rows(companies.acme_id, sa.select(ProgressOverride.id)) == []
    assert audit_rows(companies.acme_id, AuditAction.PROGRESS_OVERRIDDEN) == []


def test_overrides_are_history_and_need_their_permission(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, modules: dict[str, int]
) -> None:
    _certify(app, companies, "employee", modules["safety"])
    with app.app_context(), tenant_context(companies.acme_id):
        override_id = db.session.scalar(sa.select(ProgressOverride.id))

    assert client_as("employee").get("/admin/progress_overrides/").status_code == 403
    hr = client_as("hr")
    assert hr.get("/admin/progress_overrides/").status_code == 200
    assert hr.get(f"/admin/progress_overrides/edit/?id={override_id}").status_code == 403
    assert hr.post("/admin/progress_overrides/delete/", data={"id": override_id}).status_code == 403


# --- Certificates --------------------------------------------------------------------------


def test_the_list_filters_by_status_module_and_learner(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, modules: dict[str, int]
) -> None:
    valid = _certify(app, companies, "employee", modules["safety"])
    revoked = _certify(app, companies, "admin", modules["forklift"])
    with app.app_context(), tenant_context(companies.acme_id):
        certificate = db.session.get(Certificate, revoked)
        certificate.revoked_at, certificate.revoked_reason = utcnow(), "Mistake"
        codes = {c.id: c.unique_code for c in db.session.scalars(sa.select(Certificate))}
        db.session.commit()
    client = client_as("hr")

    def listed(query: str) -> set[int]:
        text = client.get(f"/admin/certificates/?{query}").get_data(as_text=True)
        return {certificate_id for certificate_id, code in codes.items() if code in text}

    assert listed("") == {valid, revoked}
    assert listed("flt1_0=revoked") == {revoked}
    assert listed("flt1_0=valid") == {valid}
    assert listed("flt1_0=expired") == set()
    assert listed("flt1_3=Forklift") == {revoked}
    assert listed("flt1_10=ana@acme.test") == {valid}


def test_revoking_asks_for_a_reason_keeps_the_code_and_is_audited(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, modules: dict[str, int], rows, audit_rows
) -> None:
    certificate_id = _certify(app, companies, "employee", modules["safety"])
    ((code, issued),) = rows(companies.acme_id, sa.select(Certificate.unique_code, Certificate.issued_at))
    client = client_as("hr")

    refused = client.post(f"/admin/certificates/revoke/?id={certificate_id}", data={"reason": " "})
    done = client.post(f"/admin/certificates/revoke/?id={certificate_id}", data={"reason": "Done by a colleague"})

    assert refused.status_code == 400
    assert "Give a reason." in refused.get_data(as_text=True)
    assert done.status_code == 302
    ((now_code, now_issued, reason, revoked_at),) = rows(
        companies.acme_id,
        sa.select(Certificate.unique_code, Certificate.issued_at, Certificate.revoked_reason, Certificate.revoked_at),
    )
    assert (now_code, now_issued, reason) == (code, issued, "Done by a colleague")
    assert revoked_at is not None
    ((entity, entity_id, details),) = audit_rows(companies.acme_id, AuditAction.CERTIFICATE_REVOKED)
    assert (entity, entity_id, details["reason"]) == ("certificate", str(certificate_id), "Done by a colleague")
    assert app.test_client().get(f"/verify/{code}").get_data(as_text=True).count("Revoked") == 1


def test_resending_emails_the_certificate_again(
    client_as: Callable[..., FlaskClient],
    app: Flask,
    companies: Companies,
    modules: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate_id = _certify(app, companies, "employee", modules["safety"])
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        response = client_as("hr").post(
            "/admin/certificates/action/", data={"action": "resend", "rowid": [str(certificate_id)]}
        )

    assert response.status_code == 302
    (message,) = inbox.messages
    assert message["To"] == "ana@acme.test"
    assert [p.get_content_type() for p in message.walk() if p.get_content_disposition() == "attachment"] == [
        "application/pdf"
    ]


def test_viewing_progress_is_not_enough_to_revoke_or_resend(
    client_as: Callable[..., FlaskClient],
    app: Flask,
    companies: Companies,
    modules: dict[str, int],
    rows,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate_id = _certify(app, companies, "employee", modules["safety"])
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.add(UserPermission(user_id=companies.user_ids["employee"], permission=Permission.VIEW_ALL_PROGRESS))
        db.session.commit()
    client = client_as("employee")

    assert client.get("/admin/certificates/").status_code == 200
    assert client.get(f"/admin/certificates/revoke/?id={certificate_id}").status_code == 403
    assert client.post(f"/admin/certificates/revoke/?id={certificate_id}", data={"reason": "x"}).status_code == 403
    with smtp_server() as (inbox, port):
        monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
        monkeypatch.setitem(app.config, "SMTP_PORT", port)
        monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
        resend = client.post("/admin/certificates/action/", data={"action": "resend", "rowid": [str(certificate_id)]})

    # Flask-Admin answers an action the user may not run as one it skips: back to the list.
    assert resend.status_code == 302
    assert resend.headers["Location"].endswith("/admin/certificates/")
    assert inbox.messages == [], "nothing is emailed"
    assert "sent again" not in client.get("/admin/certificates/").get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Certificate.revoked_at)) == [(None,)]


def test_another_companys_certificate_cannot_be_revoked(
    client_as: Callable[..., FlaskClient], app: Flask, companies: Companies, modules: dict[str, int], rows
) -> None:
    certificate_id = _certify(app, companies, "employee", modules["safety"])

    response = client_as("globex_owner", "globex").post(
        f"/admin/certificates/revoke/?id={certificate_id}", data={"reason": "Hijack"}
    )

    assert response.status_code == 404
    assert rows(companies.acme_id, sa.select(Certificate.revoked_at)) == [(None,)]


def test_a_certificates_details_say_what_earned_it(
    app: Flask, client_as: Callable[..., FlaskClient], companies: Companies, modules: dict[str, int]
) -> None:
    """Issue 13, item 7: the certificate records the override that earned it."""
    certificate_id = _certify(app, companies, "employee", modules["safety"])

    page = client_as("hr").get(f"/admin/certificates/details/?id={certificate_id}").text

    assert "Earned by" in page
    assert "Progress override: Seed" in page
