"""Can learners read, save and (as mentors) share radar links through the pages? (issue 15, item 3)"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import MentorRadarPost, ModuleMentor, RadarSave, Tenant
from lms.models.enums import RadarPostStatus, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_user, signed_in_client
from tests.learner.conftest import Place


def _post(
    app: Flask,
    tenant_id: int,
    title: str,
    status: RadarPostStatus = RadarPostStatus.APPROVED,
    url: str = "https://example.com/guide",
    pinned: bool = False,
) -> int:
    with app.app_context(), tenant_context(tenant_id):
        post = MentorRadarPost(
            url=url,
            title=title,
            description="Worth <b>reading</b>",
            status=status,
            pinned=pinned,
            approved_at=utcnow() if status is RadarPostStatus.APPROVED else None,
        )
        db.session.add(post)
        db.session.commit()
        return post.id


def _mentor_client(app: Flask, place: Place) -> FlaskClient:
    """Mia, an employee who mentors the basics module."""
    with app.app_context():
        acme = db.session.get(Tenant, place.acme_id)
        mia = make_user("mia@acme.test", (acme, TenantRole.EMPLOYEE), name="Mia Mentor")
        with tenant_context(acme.id):
            db.session.add(ModuleMentor(module_id=place.basics_id, user_id=mia.id))
        db.session.commit()
        return signed_in_client(app, mia.get_id(), place.acme_id)


def _posts(app: Flask) -> list[tuple[str, str, RadarPostStatus]]:
    with app.app_context(), unscoped("test"):
        rows = db.session.execute(
            sa.select(MentorRadarPost.title, MentorRadarPost.url, MentorRadarPost.status).order_by(MentorRadarPost.id)
        )
        return [tuple(row) for row in rows]


def _saves(app: Flask) -> int:
    with app.app_context(), unscoped("test"):
        return db.session.scalar(sa.select(sa.func.count()).select_from(RadarSave))


def test_radar_shows_approved_links_of_my_company_pinned_first(app: Flask, ana: FlaskClient, place: Place) -> None:
    _post(app, place.acme_id, "Older guide")
    _post(app, place.acme_id, "Pinned handbook", pinned=True)
    _post(app, place.acme_id, "Waiting link", RadarPostStatus.PENDING)
    _post(app, place.acme_id, "Archived link", RadarPostStatus.ARCHIVED)
    _post(app, place.globex_id, "Globex secret link")
    page = ana.get("/radar")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.index("Pinned handbook") < text.index("Older guide")
    for hidden in ("Waiting link", "Archived link", "Globex secret link"):
        assert hidden not in text


def test_links_open_with_noopener_nofollow_and_text_is_escaped(app: Flask, ana: FlaskClient, place: Place) -> None:
    _post(app, place.acme_id, "<script>alert(1)</script>", url="https://example.com/?q=<x>")
    text = ana.get("/radar").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "Worth <b>reading</b>" not in text
    links = re.findall(r'<a [^>]*href="https://example.com/\?q=&lt;x&gt;"[^>]*>', text)
    assert len(links) == 1
    assert 'rel="noopener nofollow"' in links[0]


def test_new_marker_until_the_next_visit(app: Flask, ana: FlaskClient, place: Place) -> None:
    _post(app, place.acme_id, "Fresh guide")
    assert "lms-new" in ana.get("/radar").get_data(as_text=True)
    assert "lms-new" not in ana.get("/radar").get_data(as_text=True)


def test_save_then_find_it_under_my_saved_and_unsave(app: Flask, ana: FlaskClient, place: Place) -> None:
    post_id = _post(app, place.acme_id, "Forklift handbook")
    for _ in range(2):
        assert ana.post(f"/radar/{post_id}/save", data={"saved": "1"}).status_code == 302
    assert _saves(app) == 1
    assert "Forklift handbook" in ana.get("/radar/saved").get_data(as_text=True)
    response = ana.post(f"/radar/{post_id}/save", data={"saved": "0", "next": "saved"})
    assert response.status_code == 302
    assert response.location.endswith("/radar/saved")
    assert _saves(app) == 0
    assert "Forklift handbook" not in ana.get("/radar/saved").get_data(as_text=True)


def test_saving_a_post_not_on_the_radar_or_of_another_company_is_404(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    waiting = _post(app, place.acme_id, "Waiting link", RadarPostStatus.PENDING)
    foreign = _post(app, place.globex_id, "Globex link")
    for post_id in (waiting, foreign):
        assert ana.post(f"/radar/{post_id}/save", data={"saved": "1"}).status_code == 404
    assert _saves(app) == 0


def test_a_viewer_reads_the_radar_but_cannot_save_or_post(app: Flask, viewer: FlaskClient, place: Place) -> None:
    post_id = _post(app, place.acme_id, "Forklift handbook")
    text = viewer.get("/radar").get_data(as_text=True)
    assert "Forklift handbook" in text
    assert "lms-radar-save" not in text
    assert viewer.post(f"/radar/{post_id}/save", data={"saved": "1"}).status_code == 403
    assert viewer.post("/radar", data={"url": "https://example.com", "title": "Mine"}).status_code == 403
    assert _saves(app) == 0


def test_an_employee_who_mentors_nothing_has_no_form_and_cannot_post(
    app: Flask, ana: FlaskClient, place: Place
) -> None:
    assert "radar-share" not in ana.get("/radar").get_data(as_text=True)
    assert ana.post("/radar", data={"url": "https://example.com", "title": "Mine"}).status_code == 403
    assert _posts(app) == []


def test_a_mentor_shares_a_link_that_waits_for_approval(app: Flask, place: Place) -> None:
    mia = _mentor_client(app, place)
    assert "radar-share" in mia.get("/radar").get_data(as_text=True)
    response = mia.post(
        "/radar", data={"url": " https://example.com/ladders ", "title": "Ladder guide", "description": "Short"}
    )
    assert response.status_code == 302
    assert _posts(app) == [("Ladder guide", "https://example.com/ladders", RadarPostStatus.PENDING)]
    page = mia.get("/radar").get_data(as_text=True)
    assert 'id="radar-mine"' in page
    assert "Waiting for approval" in page


def test_a_javascript_url_is_refused_on_the_form_and_nothing_is_written(app: Flask, place: Place) -> None:
    mia = _mentor_client(app, place)
    for url in ("javascript:alert(1)", "data:text/html,hi", "ftp://example.com"):
        response = mia.post("/radar", data={"url": url, "title": "Sneaky"})
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "http:// or https://" in text
        assert 'value="Sneaky"' in text
    assert _posts(app) == []


def test_a_missing_title_or_an_overlong_address_is_a_form_error(app: Flask, place: Place) -> None:
    mia = _mentor_client(app, place)
    assert mia.post("/radar", data={"url": "https://example.com", "title": " "}).status_code == 400
    assert mia.post("/radar", data={"url": "https://e.com/" + "a" * 3000, "title": "Long"}).status_code == 400
    assert _posts(app) == []


def test_the_radar_page_reads_a_bounded_number_of_queries(
    app: Flask, ana: FlaskClient, place: Place, count_queries: list[str]
) -> None:
    for n in range(12):
        _post(app, place.acme_id, f"Guide {n}")
    ana.post(f"/radar/{_post(app, place.acme_id, 'Saved guide')}/save", data={"saved": "1"})
    ana.get("/radar")
    count_queries.clear()
    assert ana.get("/radar").status_code == 200
    radar_queries = [q for q in count_queries if "radar" in q.lower()]
    assert len(radar_queries) <= 4, radar_queries


def test_another_users_saves_are_not_mine(app: Flask, ana: FlaskClient, place: Place) -> None:
    post_id = _post(app, place.acme_id, "Shared handbook")
    with app.app_context():
        acme = db.session.get(Tenant, place.acme_id)
        eva = make_user("eva@acme.test", (acme, TenantRole.EMPLOYEE))
        eva_login = eva.get_id()
        db.session.commit()
    eva_client = signed_in_client(app, eva_login, place.acme_id)
    assert eva_client.post(f"/radar/{post_id}/save", data={"saved": "1"}).status_code == 302
    assert "Shared handbook" not in ana.get("/radar/saved").get_data(as_text=True)
