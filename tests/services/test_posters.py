"""Does an uploaded video get a poster frame when ffmpeg is there, and play without one when not? (issue 16, item 3)

The media job takes the still with the machine's ffmpeg; the learner's ``<video>`` shows it,
served with the video's own access. ffmpeg is optional: without it, or when it fails, the
video is READY with no poster. These tests need a real ffmpeg (``bin/test`` installs Debian's).
"""

from __future__ import annotations

import io
import re
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import MediaAsset, Section, Tenant
from lms.models.enums import MediaAssetStatus, MediaAssetType, SectionType, TenantRole, VideoSourceType, VideoStatus
from lms.services import media, posters
from lms.storage import get_storage, read_bytes
from lms.tenancy import tenant_context
from tests.conftest import need_service
from tests.factories import make_module, make_user, signed_in_client, two_tenants
from tests.services.test_file_types import mp4_bytes

DEMO_VIDEO = Path(__file__).resolve().parents[2] / "lms" / "demo" / "demo_video.mp4"
JPEG_START = b"\xff\xd8"


@pytest.fixture
def ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        need_service("ffmpeg is not installed (bin/test installs Debian's)")


@dataclass
class Clip:
    asset_id: int
    module_id: int
    section_id: int
    ana_login: str
    hr_login: str
    bor_login: str
    acme_id: int
    globex_id: int


def _upload_and_process(data: bytes, title: str) -> int:
    """Upload to acme's library and commit: the processing job runs inline after the commit."""
    asset = media.upload_asset(io.BytesIO(data), f"{title}.mp4", title, MediaAssetType.VIDEO, None)
    asset_id = asset.id
    db.session.commit()
    return asset_id


def _clip(app: Flask, data: bytes) -> Clip:
    """acme's published "Safety basics" shows the uploaded, processed ``data`` in a section of its own."""
    with app.app_context():
        world = two_tenants()
        hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
        module = make_module(world.acme, "Safety basics", sections=1)
        make_module(world.globex, "Varnost pri delu", sections=1)
        with tenant_context(world.acme.id):
            asset_id = _upload_and_process(data, "Ladder safety")
            section = Section(
                module_id=module.id,
                title="Ladder clip",
                type=SectionType.VIDEO,
                sort_order=1,
                video_source_type=VideoSourceType.UPLOAD,
                video_status=VideoStatus.READY,
                media_asset_id=asset_id,
            )
            db.session.add(section)
            db.session.flush()
            clip = Clip(
                asset_id=asset_id,
                module_id=module.id,
                section_id=section.id,
                ana_login=world.ana.get_id(),
                hr_login=hr.get_id(),
                bor_login=world.bor.get_id(),
                acme_id=world.acme.id,
                globex_id=world.globex.id,
            )
        db.session.commit()
    return clip


def _asset(app: Flask, clip: Clip) -> MediaAsset:
    with app.app_context(), tenant_context(clip.acme_id):
        asset = db.session.get(MediaAsset, clip.asset_id)
        db.session.expunge(asset)
        return asset


@pytest.fixture
def clip(app: Flask, ffmpeg: None) -> Clip:
    return _clip(app, DEMO_VIDEO.read_bytes())


@pytest.fixture
def ana(app: Flask, clip: Clip) -> FlaskClient:
    return signed_in_client(app, clip.ana_login, clip.acme_id)


# --- The processing job ------------------------------------------------------------------------


def test_the_demo_video_gets_a_jpeg_poster_beside_it(app: Flask, clip: Clip) -> None:
    asset = _asset(app, clip)

    assert asset.status is MediaAssetStatus.READY
    assert asset.poster_path == f"{asset.storage_path}.poster.jpg"
    with app.app_context():
        assert read_bytes(get_storage(), asset.poster_path).startswith(JPEG_START)


def test_without_ffmpeg_on_the_path_the_video_is_ready_without_a_poster(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a directory with no programs at all

    asset = _asset(app, _clip(app, DEMO_VIDEO.read_bytes()))

    assert asset.status is MediaAssetStatus.READY
    assert asset.duration_seconds == 6
    assert asset.poster_path is None


@pytest.mark.usefixtures("ffmpeg")
def test_a_video_ffmpeg_cannot_decode_is_ready_without_a_poster(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    asset = _asset(app, _clip(app, mp4_bytes(seconds=30)))  # a valid header and no pictures at all

    assert (asset.status, asset.duration_seconds, asset.poster_path) == (MediaAssetStatus.READY, 30, None)
    assert "ffmpeg failed" in caplog.text


def test_an_ffmpeg_that_hangs_is_given_up_and_the_video_is_ready(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hanging = tmp_path / "ffmpeg"
    hanging.write_text("#!/bin/sh\nexec sleep 30\n")
    hanging.chmod(hanging.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    monkeypatch.setattr(posters, "TIMEOUT_SECONDS", 1)

    asset = _asset(app, _clip(app, DEMO_VIDEO.read_bytes()))

    assert (asset.status, asset.poster_path) == (MediaAssetStatus.READY, None)
    assert "ffmpeg took longer than 1 s" in caplog.text


def test_cleanup_removes_the_poster_with_the_video(app: Flask, clip: Clip) -> None:
    with app.app_context(), tenant_context(clip.acme_id):
        asset = db.session.get(MediaAsset, clip.asset_id)
        keys = (asset.storage_path, asset.poster_path)
        db.session.execute(sa.update(Section).where(Section.id == clip.section_id).values(media_asset_id=None))
        media.delete_asset(asset)
        db.session.commit()

    with app.app_context():
        assert media.tenant_media_cleanup(clip.acme_id) == 1
        db.session.commit()

    root = Path(app.config["STORAGE_DIR"])
    assert [key for key in keys if (root / key).exists()] == []


# --- The player and the poster route -----------------------------------------------------------


def test_the_learners_video_shows_the_poster_from_the_poster_route(ana: FlaskClient, clip: Clip) -> None:
    page = ana.get(f"/modules/{clip.module_id}?section={clip.section_id}").text

    assert f'<video class="w-100" controls preload="metadata" poster="/sections/{clip.section_id}/poster">' in page


def test_the_poster_route_serves_the_jpeg_for_an_hour(ana: FlaskClient, clip: Clip) -> None:
    response = ana.get(f"/sections/{clip.section_id}/poster")

    assert (response.status_code, response.mimetype) == (200, "image/jpeg")
    assert response.data.startswith(JPEG_START)
    assert response.cache_control.max_age == 3600


def test_another_companys_poster_is_404(app: Flask, clip: Clip) -> None:
    bor = signed_in_client(app, clip.bor_login, clip.globex_id)

    assert bor.get(f"/sections/{clip.section_id}/poster").status_code == 404


def test_a_video_without_a_poster_has_no_poster_attribute_and_its_route_is_404(
    app: Flask, ana: FlaskClient, clip: Clip
) -> None:
    with app.app_context(), tenant_context(clip.acme_id):
        db.session.execute(sa.update(MediaAsset).where(MediaAsset.id == clip.asset_id).values(poster_path=None))
        db.session.commit()

    page = ana.get(f"/modules/{clip.module_id}?section={clip.section_id}").text

    assert '<video class="w-100" controls preload="metadata">' in page
    assert ana.get(f"/sections/{clip.section_id}/poster").status_code == 404


def test_the_admin_preview_shows_the_poster_from_its_own_route(app: Flask, clip: Clip) -> None:
    hr = signed_in_client(app, clip.hr_login, clip.acme_id)
    page = hr.get(f"/admin/modules/preview/?id={clip.module_id}&section={clip.section_id}").text
    poster = re.search(r'<video[^>]* poster="([^"]+)"', page).group(1).replace("&amp;", "&")

    response = hr.get(poster)

    assert poster.startswith("/admin/modules/preview/poster/")
    assert (response.status_code, response.mimetype) == (200, "image/jpeg")
    assert response.data.startswith(JPEG_START)


def test_the_admin_preview_poster_of_another_module_is_404(app: Flask, clip: Clip) -> None:
    hr = signed_in_client(app, clip.hr_login, clip.acme_id)
    with app.app_context(), tenant_context(clip.acme_id):
        other = make_module(db.session.get(Tenant, clip.acme_id), "Fire drills", sections=1)
        db.session.commit()
        other_id = other.id

    assert hr.get(f"/admin/modules/preview/poster/?id={other_id}&section={clip.section_id}").status_code == 404
