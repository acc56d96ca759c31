"""Does the bell count a learner's unread notifications, and can they read and clear only their own?"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Notification, Tenant, User
from lms.models.enums import NotificationType, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user
from tests.learner.conftest import Place


def _notify(app: Flask, tenant_id: int, email: str, *titles: str, read: bool = False) -> list[int]:
    """Notifications as the senders make them, oldest first, one minute apart."""
    with app.app_context():
        with unscoped("test: who is it"):
            user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        start = utcnow() - timedelta(hours=1)
        with tenant_context(tenant_id):
            rows = [
                Notification(
                    user_id=user_id,
                    type=NotificationType.SYSTEM,
                    title=title,
                    is_read=read,
                    created_at=start + timedelta(minutes=n),
                )
                for n, title in enumerate(titles)
            ]
            db.session.add_all(rows)
            db.session.flush()
            ids = [row.id for row in rows]
        db.session.commit()
        return ids


def _badge(page: str) -> str | None:
    found = re.search(r'lms-unread-count">([^<]*)<', page)
    return found.group(1) if found else None


def _unread(app: Flask, tenant_id: int) -> set[str]:
    with app.app_context(), tenant_context(tenant_id):
        return set(db.session.scalars(sa.select(Notification.title).where(~Notification.is_read)))


@pytest.mark.parametrize("url", ["/", "/modules", "/updates", "/notifications"])
def test_the_bell_counts_unread_notifications_on_every_page(
    app: Flask, ana: FlaskClient, place: Place, url: str
) -> None:
    _notify(app, place.acme_id, "ana@acme.test", "Forklift is due", "New module: Ladders")
    _notify(app, place.acme_id, "ana@acme.test", "Welcome", read=True)
    _notify(app, place.acme_id, "vid@acme.test", "Vid's own")
    _notify(app, place.globex_id, "bor@globex.test", "Bor's own")

    page = ana.get(url).get_data(as_text=True)

    assert _badge(page) == "2"
    assert 'href="/notifications"' in page


def test_without_unread_notifications_the_bell_has_no_number(app: Flask, ana: FlaskClient, place: Place) -> None:
    _notify(app, place.acme_id, "ana@acme.test", "Welcome", read=True)

    assert _badge(ana.get("/").get_data(as_text=True)) is None


def test_the_admin_top_bar_has_the_bell_too(app: Flask, place: Place) -> None:
    with app.app_context():
        acme = db.session.get(Tenant, place.acme_id)
        hana = make_user("hana@acme.test", (acme, TenantRole.HR))
        login = hana.get_id()
        db.session.commit()
    _notify(app, place.acme_id, "hana@acme.test", "A question for HR")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login
        session["tenant_id"] = place.acme_id

    assert _badge(client.get("/admin/").get_data(as_text=True)) == "1"


def test_the_list_shows_newest_first_with_unread_ones_marked(app: Flask, ana: FlaskClient, place: Place) -> None:
    _notify(app, place.acme_id, "ana@acme.test", "Old and read", read=True)
    _notify(app, place.acme_id, "ana@acme.test", "Newer and unread")
    _notify(app, place.globex_id, "bor@globex.test", "Bor's own")

    page = ana.get("/notifications").get_data(as_text=True)

    assert page.index("Newer and unread") < page.index("Old and read")
    assert page.count("lms-unread") == 1 + 1  # the unread item, and the bell's count
    assert "Bor's own" not in page


def test_the_list_is_paginated(app: Flask, ana: FlaskClient, place: Place) -> None:
    _notify(app, place.acme_id, "ana@acme.test", *(f"Note {n:02d}" for n in range(25)))

    first = ana.get("/notifications").get_data(as_text=True)
    second = ana.get("/notifications?page=2").get_data(as_text=True)

    assert "Note 24" in first
    assert "Note 05" in first
    assert "Note 04" not in first
    assert "?page=2" in first
    assert "Note 04" in second
    assert "Note 00" in second
    assert "Note 05" not in second


def test_marking_one_read_lowers_the_count(app: Flask, ana: FlaskClient, place: Place) -> None:
    first, _ = _notify(app, place.acme_id, "ana@acme.test", "Forklift is due", "New module: Ladders")

    response = ana.post(f"/notifications/{first}/read")

    assert response.status_code == 302
    assert _unread(app, place.acme_id) == {"New module: Ladders"}
    assert _badge(ana.get("/").get_data(as_text=True)) == "1"


def test_mark_all_read_clears_the_bell(app: Flask, ana: FlaskClient, place: Place) -> None:
    _notify(app, place.acme_id, "ana@acme.test", "Forklift is due", "New module: Ladders")
    _notify(app, place.acme_id, "vid@acme.test", "Vid's own")

    response = ana.post("/notifications/read-all", follow_redirects=True)

    assert "All notifications are marked as read." in response.get_data(as_text=True)
    assert _badge(response.get_data(as_text=True)) is None
    assert _unread(app, place.acme_id) == {"Vid's own"}


def test_another_users_or_companys_notification_is_404(app: Flask, ana: FlaskClient, place: Place) -> None:
    (vids,) = _notify(app, place.acme_id, "vid@acme.test", "Vid's own")
    (bors,) = _notify(app, place.globex_id, "bor@globex.test", "Bor's own")

    assert ana.post(f"/notifications/{vids}/read").status_code == 404
    assert ana.post(f"/notifications/{bors}/read").status_code == 404
    assert ana.post("/notifications/999999/read").status_code == 404
    assert _unread(app, place.acme_id) == {"Vid's own"}
    assert _unread(app, place.globex_id) == {"Bor's own"}


def test_a_viewer_may_clear_their_own_notifications(app: Flask, viewer: FlaskClient, place: Place) -> None:
    (vids,) = _notify(app, place.acme_id, "vid@acme.test", "Vid's own")

    assert viewer.post(f"/notifications/{vids}/read").status_code == 302
    assert _unread(app, place.acme_id) == set()
