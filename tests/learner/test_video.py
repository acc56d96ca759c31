"""Does a section's video play from every source, only for those who may read it? (issue 16, item 3)

The reader shows our own ``<video>`` for an upload and the hosted player of YouTube/Vimeo,
Cloudflare Stream and TargetVideo; a video that is not ready is hidden from learners and
explained to HR in the preview. The upload streams from the learner video route, which
answers Range requests. The section form shows and checks each source's own fields.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import MediaAsset, Module, Section, Tenant, User
from lms.models.enums import (
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    SectionType,
    TenantRole,
    VideoSourceType,
    VideoStatus,
)
from lms.storage import get_storage
from lms.tenancy import tenant_context
from tests.factories import make_user, signed_in_client
from tests.learner.conftest import Place

STREAM_UID = "5d5bc37ffcf54c9b82e996823bffbb81"
# Not a real WebM: the route serves bytes as stored, and a Range test needs to know each one.
CLIP = bytes(range(256)) * 64


@dataclass
class Videos:
    module_id: int
    sections: dict[str, int]  # by source: upload, processing, failed, youtube, stream, targetvideo
    ready_asset_id: int
    processing_asset_id: int
    stream_asset_id: int
    draft_section_id: int
    hr_login: str


def _asset(status: MediaAssetStatus, *, provider: MediaProvider = MediaProvider.LOCAL, **values: object) -> MediaAsset:
    asset = MediaAsset(
        type=MediaAssetType.VIDEO,
        status=status,
        provider=provider,
        file_name="ladder.webm",
        content_type="video/webm",
        **values,
    )
    db.session.add(asset)
    return asset


def _video_section(module: Module, title: str, source: VideoSourceType, **values: object) -> Section:
    section = Section(
        title=title,
        type=SectionType.VIDEO,
        sort_order=len(module.sections),
        video_source_type=source,
        video_status=VideoStatus.READY,
        **values,
    )
    module.sections.append(section)
    return section


@pytest.fixture
def videos(app: Flask, place: Place) -> Videos:
    """In acme's "Safety basics" (published, no prerequisites): a section of every source."""
    with app.app_context(), tenant_context(place.acme_id):
        key = f"tenants/{place.acme_id}/media/ladder.webm"
        get_storage().save(key, io.BytesIO(CLIP))
        ready = _asset(MediaAssetStatus.READY, title="Ladder clip", storage_path=key, size_bytes=len(CLIP))
        processing = _asset(MediaAssetStatus.PROCESSING, title="Still encoding", storage_path=key)
        failed = _asset(MediaAssetStatus.FAILED, title="Broken clip", error="The file is not a video.")
        stream = _asset(
            MediaAssetStatus.READY,
            provider=MediaProvider.CLOUDFLARE_STREAM,
            title="Stream clip",
            cf_stream_uid=STREAM_UID,
        )
        db.session.flush()
        module = db.session.get(Module, place.basics_id)
        sections = {
            "upload": _video_section(module, "Uploaded clip", VideoSourceType.UPLOAD, media_asset_id=ready.id),
            # Saved while the asset was READY: the asset's status now wins.
            "processing": _video_section(module, "Encoding clip", VideoSourceType.UPLOAD, media_asset_id=processing.id),
            "failed": _video_section(module, "Broken clip", VideoSourceType.UPLOAD, media_asset_id=failed.id),
            "youtube": _video_section(
                module, "YouTube clip", VideoSourceType.YOUTUBE_VIMEO_URL, video_url="https://youtu.be/8xKq2Lm4TtE"
            ),
            "stream": _video_section(
                module,
                "Stream clip",
                VideoSourceType.CLOUDFLARE_STREAM,
                media_asset_id=stream.id,
                video_stream_id=STREAM_UID,
            ),
            "targetvideo": _video_section(module, "Target clip", VideoSourceType.TARGETVIDEO, video_stream_id="28375"),
        }
        draft = db.session.get(Module, place.draft_id)
        draft_section = _video_section(draft, "Draft clip", VideoSourceType.UPLOAD, media_asset_id=ready.id)
        hr = make_user("hana@acme.test", (db.session.get(Tenant, place.acme_id), TenantRole.HR))
        db.session.flush()
        result = Videos(
            module_id=module.id,
            sections={name: section.id for name, section in sections.items()},
            ready_asset_id=ready.id,
            processing_asset_id=processing.id,
            stream_asset_id=stream.id,
            draft_section_id=draft_section.id,
            hr_login=hr.get_id(),
        )
        db.session.commit()
    return result


@pytest.fixture
def hosted_players(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "CLOUDFLARE_STREAM_SUBDOMAIN", "customer-abc123.cloudflarestream.com")
    monkeypatch.setitem(app.config, "TARGETVIDEO_EMBED_URL", "https://player.target-video.com/player/embed/{id}")


@pytest.fixture
def hr(app: Flask, place: Place, videos: Videos) -> FlaskClient:
    return signed_in_client(app, videos.hr_login, place.acme_id)


def _section_page(client: FlaskClient, videos: Videos, name: str) -> str:
    response = client.get(f"/modules/{videos.module_id}?section={videos.sections[name]}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _iframe_src(page: str) -> str | None:
    found = re.search(r'<iframe[^>]* src="([^"]+)"', page)
    return found.group(1) if found else None


# --- The reader ----------------------------------------------------------------------------------


def test_an_uploaded_video_plays_in_the_page_from_the_video_route(ana: FlaskClient, videos: Videos) -> None:
    page = _section_page(ana, videos, "upload")

    assert '<video class="w-100" controls preload="metadata">' in page
    assert f'<source src="/sections/{videos.sections["upload"]}/video" type="video/webm">' in page
    assert "<iframe" not in page


@pytest.mark.usefixtures("hosted_players")
@pytest.mark.parametrize(
    ("name", "src"),
    [
        ("youtube", "https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE"),
        ("stream", f"https://customer-abc123.cloudflarestream.com/{STREAM_UID}/iframe"),
        ("targetvideo", "https://player.target-video.com/player/embed/28375"),
    ],
)
def test_hosted_videos_play_in_their_own_players(ana: FlaskClient, videos: Videos, name: str, src: str) -> None:
    response = ana.get(f"/modules/{videos.module_id}?section={videos.sections[name]}")
    page = response.get_data(as_text=True)

    assert _iframe_src(page) == src
    assert 'allow="accelerometer; gyroscope; autoplay; encrypted-media; picture-in-picture;" allowfullscreen' in page
    frame_src = next(d for d in response.headers["Content-Security-Policy"].split("; ") if d.startswith("frame-src"))
    assert src.split("/")[2] in frame_src, "the policy lets the configured player in"


@pytest.mark.parametrize("name", ["processing", "failed", "stream", "targetvideo"])
def test_learners_see_no_player_and_no_explanation_when_a_video_cannot_play(
    ana: FlaskClient, videos: Videos, name: str
) -> None:
    page = _section_page(ana, videos, name)  # the hosted players are not configured here

    assert "<video" not in page
    assert "<iframe" not in page
    assert 'id="section-video-state"' not in page


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("processing", "This video is being processed."),
        ("failed", "This video could not be processed: The file is not a video."),
        ("stream", "the site has no CLOUDFLARE_STREAM_SUBDOMAIN setting"),
        ("targetvideo", "the site has no TARGETVIDEO_EMBED_URL setting"),
    ],
)
def test_hr_previewing_sees_why_a_video_does_not_play(hr: FlaskClient, videos: Videos, name: str, note: str) -> None:
    response = hr.get(f"/admin/modules/preview/?id={videos.module_id}&section={videos.sections[name]}")

    assert response.status_code == 200
    assert note in response.get_data(as_text=True)


def test_the_builder_lists_which_sections_videos_do_not_play_yet(hr: FlaskClient, videos: Videos) -> None:
    page = hr.get(f"/admin/modules/edit/?id={videos.module_id}").text

    states = re.findall(r'<span class="badge badge-(\w+) lms-video-state">([^<]+)</span>', page)
    assert states == [("secondary", "Video being processed"), ("danger", "Video could not be processed")]


def test_the_preview_plays_an_upload_from_its_own_route(hr: FlaskClient, videos: Videos) -> None:
    page = hr.get(f"/admin/modules/preview/?id={videos.module_id}&section={videos.sections['upload']}").text
    src = re.search(r'<source src="([^"]+)"', page).group(1).replace("&amp;", "&")

    response = hr.get(src)

    assert src.startswith("/admin/modules/preview/video/")
    assert (response.status_code, response.data) == (200, CLIP)


# --- The video route ----------------------------------------------------------------------------


def test_the_video_route_answers_a_range_with_exactly_those_bytes(ana: FlaskClient, videos: Videos) -> None:
    response = ana.get(f"/sections/{videos.sections['upload']}/video", headers={"Range": "bytes=1000-1999"})

    assert response.status_code == 206
    assert response.data == CLIP[1000:2000]
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(CLIP)}"
    assert response.mimetype == "video/webm"


def test_the_whole_video_is_served_without_a_range(ana: FlaskClient, videos: Videos) -> None:
    response = ana.get(f"/sections/{videos.sections['upload']}/video")

    assert (response.status_code, response.data) == (200, CLIP)


@pytest.mark.parametrize("name", ["processing", "failed", "youtube", "stream"])
def test_a_video_that_is_not_a_ready_upload_is_not_served(ana: FlaskClient, videos: Videos, name: str) -> None:
    assert ana.get(f"/sections/{videos.sections[name]}/video").status_code == 404


def test_a_drafts_video_is_not_served_to_learners(ana: FlaskClient, videos: Videos) -> None:
    assert ana.get(f"/sections/{videos.draft_section_id}/video").status_code == 404


def test_another_tenants_member_gets_a_404(app: Flask, place: Place, videos: Videos) -> None:
    with app.app_context():
        bor = db.session.scalar(sa.select(User).where(User.email == "bor@globex.test")).get_id()
    globex = signed_in_client(app, bor, place.globex_id)

    assert globex.get(f"/sections/{videos.sections['upload']}/video").status_code == 404


def test_a_locked_modules_video_is_refused(app: Flask, ana: FlaskClient, place: Place, videos: Videos) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        advanced = db.session.get(Module, place.advanced_id)
        section = _video_section(
            advanced, "Advanced clip", VideoSourceType.UPLOAD, media_asset_id=videos.ready_asset_id
        )
        db.session.flush()
        section_id = section.id
        db.session.commit()

    assert ana.get(f"/sections/{section_id}/video").status_code == 403


# --- The section form ----------------------------------------------------------------------------


def _form(module_id: int, **video: str) -> dict[str, str]:
    return {"module": str(module_id), "title": "Watch it done", "type": "VIDEO", **video}


def _saved(app: Flask, place: Place, title: str) -> Section | None:
    with app.app_context(), tenant_context(place.acme_id):
        section = db.session.scalar(sa.select(Section).where(Section.title == title))
        if section is not None:
            db.session.expunge(section)
        return section


def test_the_form_shows_each_sources_fields_labelled_with_their_source(hr: FlaskClient, videos: Videos) -> None:
    page = hr.get(f"/admin/sections/new/?module_id={videos.module_id}&type=VIDEO").get_data(as_text=True)

    for label in (
        "Video link (YouTube or Vimeo)",
        "Uploaded video (upload)",
        "Stream video (Cloudflare Stream)",
        "Stream video uid (Cloudflare Stream)",
        "Video id (TargetVideo)",
    ):
        assert label in page
    assert "data-source-fields=" in page
    assert "js/editor-section.js" in page


def test_a_text_section_has_no_video_fields(hr: FlaskClient, videos: Videos) -> None:
    page = hr.get(f"/admin/sections/new/?module_id={videos.module_id}&type=TEXT").get_data(as_text=True)

    assert 'id="targetvideo_id"' not in page
    assert 'id="stream_media"' not in page


@pytest.mark.parametrize(
    ("video", "message"),
    [
        ({"video_source_type": "CLOUDFLARE_STREAM", "video_stream_id": "not-a-uid"}, "32 characters"),
        ({"video_source_type": "TARGETVIDEO", "targetvideo_id": "12/../x"}, "only letters and digits"),
        ({"video_source_type": "UPLOAD"}, "Choose the uploaded video to show."),
        ({"video_source_type": "YOUTUBE_VIMEO_URL", "video_url": "https://evil.test/v"}, "YouTube or Vimeo"),
    ],
)
def test_a_video_that_cannot_play_is_a_form_error_and_nothing_is_saved(
    app: Flask, hr: FlaskClient, place: Place, videos: Videos, video: dict[str, str], message: str
) -> None:
    response = hr.post("/admin/sections/new/", data=_form(videos.module_id, **video))

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _saved(app, place, "Watch it done") is None


def test_an_upload_is_saved_with_its_assets_status(app: Flask, hr: FlaskClient, place: Place, videos: Videos) -> None:
    response = hr.post(
        "/admin/sections/new/",
        data=_form(videos.module_id, video_source_type="UPLOAD", video_media=str(videos.processing_asset_id)),
    )

    assert response.status_code == 302
    section = _saved(app, place, "Watch it done")
    assert (section.media_asset_id, section.video_status) == (videos.processing_asset_id, VideoStatus.PENDING)


def test_a_stream_asset_or_a_targetvideo_id_is_saved(app: Flask, hr: FlaskClient, place: Place, videos: Videos) -> None:
    hr.post(
        "/admin/sections/new/",
        data=_form(videos.module_id, video_source_type="CLOUDFLARE_STREAM", stream_media=str(videos.stream_asset_id)),
    )
    stream = _saved(app, place, "Watch it done")
    hr.post(
        "/admin/sections/new/",
        data={**_form(videos.module_id, video_source_type="TARGETVIDEO", targetvideo_id="28375"), "title": "Target"},
    )
    target = _saved(app, place, "Target")

    assert (stream.media_asset_id, stream.video_stream_id, stream.video_status) == (
        videos.stream_asset_id,
        STREAM_UID,
        VideoStatus.READY,
    )
    assert (target.video_source_type, target.video_stream_id, target.media_asset_id) == (
        VideoSourceType.TARGETVIDEO,
        "28375",
        None,
    )


def test_editing_a_targetvideo_section_shows_its_id_in_its_own_field(hr: FlaskClient, videos: Videos) -> None:
    page = hr.get(f"/admin/sections/edit/?id={videos.sections['targetvideo']}").get_data(as_text=True)

    assert re.search(r'<input[^>]*id="targetvideo_id"[^>]*value="28375"', page)
    assert not re.search(r'<input[^>]*id="video_stream_id"[^>]*value="28375"', page)


def test_another_tenants_asset_cannot_be_chosen(app: Flask, place: Place, hr: FlaskClient, videos: Videos) -> None:
    with app.app_context(), tenant_context(place.globex_id):
        foreign = _asset(MediaAssetStatus.READY, title="Globex clip", storage_path="tenants/2/media/x.webm")
        db.session.flush()
        foreign_id = foreign.id
        db.session.commit()

    response = hr.post(
        "/admin/sections/new/", data=_form(videos.module_id, video_source_type="UPLOAD", video_media=str(foreign_id))
    )

    assert response.status_code == 200
    assert _saved(app, place, "Watch it done") is None
