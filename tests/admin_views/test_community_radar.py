"""Can curators approve, reject, pin and archive radar posts, in their own company only? (issue 15, item 3)"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import MentorRadarPost, Notification, Tenant, User
from lms.models.enums import AuditAction, NotificationType, RadarPostStatus
from lms.services import radar
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies


def _pending(app: Flask, companies: Companies, tenant: str = "acme", title: str = "Ladder guide") -> int:
    """A post by HR (who manages all modules, so may post) waiting in ``tenant``."""
    author = "hr" if tenant == "acme" else "globex_owner"
    with app.app_context():
        place = db.session.get(Tenant, getattr(companies, f"{tenant}_id"))
        with tenant_context(place.id):
            user = db.session.get(User, companies.user_ids[author])
            post = radar.submit(user, place, "https://example.com/ladders", title, "Read it")
            db.session.commit()
            return post.id


def _review(post_id: int) -> str:
    return f"/admin/radar_posts/review/?id={post_id}"


def _state(rows: Callable, companies: Companies) -> list[tuple[RadarPostStatus, bool, str | None]]:
    return rows(
        companies.acme_id,
        sa.select(MentorRadarPost.status, MentorRadarPost.pinned, MentorRadarPost.rejection_reason),
    )


def test_approve_then_pin_and_archive(
    app: Flask, client_as: Callable, rows: Callable, audit_rows: Callable, companies: Companies
) -> None:
    post_id = _pending(app, companies)
    admin = client_as("admin")
    assert admin.get(_review(post_id)).status_code == 200
    assert admin.post(_review(post_id), data={"decision": "pin"}).status_code == 409
    assert admin.post(_review(post_id), data={"decision": "approve"}).status_code == 302
    assert admin.post(_review(post_id), data={"decision": "approve"}).status_code == 409
    assert admin.post(_review(post_id), data={"decision": "pin"}).status_code == 302
    assert _state(rows, companies) == [(RadarPostStatus.APPROVED, True, None)]
    assert admin.post(_review(post_id), data={"decision": "archive"}).status_code == 302
    assert _state(rows, companies) == [(RadarPostStatus.ARCHIVED, False, None)]
    assert [row[1] for row in audit_rows(companies.acme_id, AuditAction.RADAR_POST_APPROVED)] == [str(post_id)]
    updates = [row[2]["changes"] for row in audit_rows(companies.acme_id, AuditAction.RECORD_UPDATED)]
    assert updates == [{"pinned": True}, {"status": "ARCHIVED"}]
    notices = sa.select(Notification.type).where(Notification.user_id == companies.user_ids["hr"])
    assert rows(companies.acme_id, notices) == [(NotificationType.RADAR_APPROVED,)]


def test_reject_asks_for_a_reason_and_tells_the_author(
    app: Flask, client_as: Callable, rows: Callable, audit_rows: Callable, companies: Companies
) -> None:
    post_id = _pending(app, companies)
    hr = client_as("hr")
    refused = hr.post(_review(post_id), data={"decision": "reject", "reason": "  "})
    assert refused.status_code == 400
    assert _state(rows, companies) == [(RadarPostStatus.PENDING, False, None)]
    assert hr.post(_review(post_id), data={"decision": "reject", "reason": "Paywalled"}).status_code == 302
    assert _state(rows, companies) == [(RadarPostStatus.REJECTED, False, "Paywalled")]
    assert [row[2]["reason"] for row in audit_rows(companies.acme_id, AuditAction.RADAR_POST_REJECTED)] == ["Paywalled"]
    notices = sa.select(Notification.type, Notification.message).where(Notification.user_id == companies.user_ids["hr"])
    assert rows(companies.acme_id, notices) == [(NotificationType.RADAR_REJECTED, "Reason: Paywalled")]


def test_the_queue_lists_waiting_posts_of_this_company_only(
    app: Flask, client_as: Callable, companies: Companies
) -> None:
    _pending(app, companies, title="Acme ladder guide")
    _pending(app, companies, "globex", title="Globex forklift guide")
    page = client_as("hr").get("/admin/radar_posts/?flt0_0=PENDING").get_data(as_text=True)
    assert "Acme ladder guide" in page
    assert "Globex forklift guide" not in page


def test_another_companys_post_is_404_and_unchanged(
    app: Flask, client_as: Callable, rows: Callable, companies: Companies
) -> None:
    post_id = _pending(app, companies, "globex")
    owner = client_as("owner")
    assert owner.get(_review(post_id)).status_code == 404
    assert owner.post(_review(post_id), data={"decision": "approve"}).status_code == 404
    status = sa.select(MentorRadarPost.status)
    assert rows(companies.globex_id, status) == [(RadarPostStatus.PENDING,)]


def test_learners_are_kept_out_of_the_queue(app: Flask, client_as: Callable, companies: Companies) -> None:
    post_id = _pending(app, companies)
    employee = client_as("employee")
    assert employee.get("/admin/radar_posts/").status_code == 403
    assert employee.post(_review(post_id), data={"decision": "approve"}).status_code == 403


def test_the_desk_counts_waiting_posts_and_links_to_the_queue(
    app: Flask, client_as: Callable, companies: Companies
) -> None:
    _pending(app, companies)
    home = client_as("hr").get("/admin/").get_data(as_text=True)
    assert "Radar posts waiting for approval" in home
    assert "/admin/radar_posts/?flt0_0=PENDING" in home
