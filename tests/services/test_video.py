"""Does a section's video keep what its source needs and play from every source? (issue 16, item 3)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from lms.extensions import db
from lms.models import MediaAsset, Module, Section
from lms.models.enums import MediaAssetStatus, MediaAssetType, MediaProvider, VideoSourceType, VideoStatus
from lms.security import ADMIN_POLICY, PAGE_POLICY, directives_for
from lms.services import video
from lms.services.video import Player, VideoChoice, VideoError
from lms.tenancy import tenant_context
from tests.factories import TwoTenants, two_tenants

STREAM_UID = "5d5bc37ffcf54c9b82e996823bffbb81"


@pytest.fixture
def acme(app: Flask) -> Iterator[TwoTenants]:
    """Inside a request of acme: the player builds the learner route's address."""
    with app.test_request_context():
        world = two_tenants()
        with tenant_context(world.acme.id):
            yield world


@pytest.fixture
def players(app: Flask, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The hosted players configured, as a site using them would be."""
    monkeypatch.setitem(app.config, "CLOUDFLARE_STREAM_SUBDOMAIN", "customer-abc123.cloudflarestream.com")
    monkeypatch.setitem(app.config, "TARGETVIDEO_EMBED_URL", "https://player.target-video.com/player/embed/{id}")
    return monkeypatch


def _asset(
    status: MediaAssetStatus = MediaAssetStatus.READY,
    *,
    provider: MediaProvider = MediaProvider.LOCAL,
    kind: MediaAssetType = MediaAssetType.VIDEO,
    error: str | None = None,
) -> MediaAsset:
    asset = MediaAsset(
        type=kind,
        status=status,
        provider=provider,
        title="Ladder safety",
        file_name="ladder.mp4",
        content_type="video/webm" if kind is MediaAssetType.VIDEO else "application/pdf",
        storage_path="tenants/1/media/ladder.webm",
        cf_stream_uid=STREAM_UID if provider is MediaProvider.CLOUDFLARE_STREAM else None,
        error=error,
    )
    db.session.add(asset)
    db.session.flush()
    return asset


def _section(choice: VideoChoice) -> Section:
    module = Module(title="Ladders")
    section = Section(title="Watch it done", module=module)
    db.session.add(section)
    video.set_video(section, choice)
    db.session.flush()
    return section


# --- Saving --------------------------------------------------------------------------------------


def test_a_video_source_keeps_only_what_it_needs(acme: TwoTenants) -> None:
    section = Section(title="S", video_stream_id="old", media_asset_id=7)

    video.set_video(section, VideoChoice(VideoSourceType.YOUTUBE_VIMEO_URL, url=" https://youtu.be/8xKq2Lm4TtE "))

    assert (section.video_url, section.video_stream_id, section.media_asset_id) == (
        "https://youtu.be/8xKq2Lm4TtE",
        None,
        None,
    )
    assert section.video_status is VideoStatus.READY
    video.set_video(section, VideoChoice(None))
    assert (section.video_source_type, section.video_url, section.video_status) == (None, None, None)


@pytest.mark.parametrize(
    ("asset_status", "video_status"),
    [
        (MediaAssetStatus.PROCESSING, VideoStatus.PENDING),
        (MediaAssetStatus.READY, VideoStatus.READY),
        (MediaAssetStatus.FAILED, VideoStatus.ERROR),
    ],
)
def test_an_upload_is_as_ready_as_its_asset(
    acme: TwoTenants, asset_status: MediaAssetStatus, video_status: VideoStatus
) -> None:
    asset = _asset(asset_status)

    section = _section(VideoChoice(VideoSourceType.UPLOAD, upload=asset, url="https://youtu.be/8xKq2Lm4TtE"))

    assert (section.media_asset_id, section.video_status, section.video_url) == (asset.id, video_status, None)


def test_a_stream_asset_gives_its_uid_and_status(acme: TwoTenants) -> None:
    asset = _asset(MediaAssetStatus.PROCESSING, provider=MediaProvider.CLOUDFLARE_STREAM)

    section = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_asset=asset, stream_uid="ignored"))

    assert (section.media_asset_id, section.video_stream_id, section.video_status) == (
        asset.id,
        STREAM_UID,
        VideoStatus.PENDING,
    )


def test_a_stream_uid_and_a_targetvideo_id_are_ready_at_once(acme: TwoTenants) -> None:
    stream = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid=f" {STREAM_UID.upper()} "))
    target = _section(VideoChoice(VideoSourceType.TARGETVIDEO, targetvideo_id=" 28375aB ", stream_uid="x"))

    assert (stream.video_stream_id, stream.video_status) == (STREAM_UID, VideoStatus.READY)
    assert (target.video_stream_id, target.video_status, target.media_asset_id) == ("28375aB", VideoStatus.READY, None)


@pytest.mark.parametrize(
    ("choice", "part", "message"),
    [
        (VideoChoice(VideoSourceType.YOUTUBE_VIMEO_URL, url="https://evil.test/v.mp4"), "url", "YouTube or Vimeo"),
        (VideoChoice(VideoSourceType.UPLOAD), "upload", "Choose the uploaded video"),
        (VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid=" "), "stream_uid", "Choose a Stream video"),
        (VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid="abc"), "stream_uid", "32 characters"),
        (VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid="z" * 32), "stream_uid", "32 characters"),
        (VideoChoice(VideoSourceType.TARGETVIDEO), "targetvideo", "Enter the TargetVideo video id"),
        (VideoChoice(VideoSourceType.TARGETVIDEO, targetvideo_id="12/../x"), "targetvideo", "letters and digits"),
        (VideoChoice(VideoSourceType.TARGETVIDEO, targetvideo_id="a" * 65), "targetvideo", "letters and digits"),
    ],
)
def test_a_video_that_cannot_play_is_refused_naming_what_to_correct(
    acme: TwoTenants, choice: VideoChoice, part: str, message: str
) -> None:
    section = Section(title="S", video_url="https://youtu.be/8xKq2Lm4TtE")

    with pytest.raises(VideoError, match=message) as refused:
        video.set_video(section, choice)

    assert refused.value.part == part
    assert section.video_url == "https://youtu.be/8xKq2Lm4TtE", "nothing changed"


def test_an_asset_of_the_wrong_kind_or_being_deleted_is_refused(acme: TwoTenants) -> None:
    document = _asset(kind=MediaAssetType.DOCUMENT)
    stream = _asset(provider=MediaProvider.CLOUDFLARE_STREAM)
    deleting = _asset(MediaAssetStatus.DELETE_PENDING)

    with pytest.raises(VideoError, match="uploaded to the media library"):
        video.check_video(VideoChoice(VideoSourceType.UPLOAD, upload=document))
    with pytest.raises(VideoError, match="uploaded to the media library"):
        video.check_video(VideoChoice(VideoSourceType.UPLOAD, upload=stream))
    with pytest.raises(VideoError, match="Cloudflare Stream video of the media library"):
        video.check_video(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_asset=deleting))
    with pytest.raises(VideoError, match="being deleted"):
        video.check_video(VideoChoice(VideoSourceType.UPLOAD, upload=deleting))


# --- Playing -------------------------------------------------------------------------------------


def test_youtube_plays_in_the_privacy_friendly_player(acme: TwoTenants) -> None:
    section = _section(VideoChoice(VideoSourceType.YOUTUBE_VIMEO_URL, url="https://youtu.be/8xKq2Lm4TtE"))

    assert video.player(section) == Player("iframe", src="https://www.youtube-nocookie.com/embed/8xKq2Lm4TtE")


def test_an_upload_plays_from_the_learner_video_route_as_its_type(acme: TwoTenants) -> None:
    asset = _asset()
    section = _section(VideoChoice(VideoSourceType.UPLOAD, upload=asset))

    assert video.player(section, asset) == Player("video", src=f"/sections/{section.id}/video", mime="video/webm")
    assert video.player(section, asset, upload_src="/preview").src == "/preview"


def test_the_assets_status_now_wins_over_the_one_saved(acme: TwoTenants) -> None:
    asset = _asset(MediaAssetStatus.PROCESSING)
    section = _section(VideoChoice(VideoSourceType.UPLOAD, upload=asset))
    assert video.player(section, asset) == Player("processing")

    asset.status = MediaAssetStatus.READY
    assert video.player(section, asset).kind == "video"

    asset.status, asset.error = MediaAssetStatus.FAILED, "The file is not a video."
    assert video.player(section, asset) == Player("failed", error="The file is not a video.")

    asset.status = MediaAssetStatus.DELETE_PENDING
    assert video.player(section, asset) is None


def test_an_upload_whose_asset_is_gone_has_no_player(acme: TwoTenants) -> None:
    asset = _asset()
    section = _section(VideoChoice(VideoSourceType.UPLOAD, upload=asset))

    assert video.player(section, None) is None


def test_stream_and_targetvideo_play_in_their_configured_players(acme: TwoTenants, players: pytest.MonkeyPatch) -> None:
    by_uid = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid=STREAM_UID))
    asset = _asset(provider=MediaProvider.CLOUDFLARE_STREAM)
    by_asset = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_asset=asset))
    target = _section(VideoChoice(VideoSourceType.TARGETVIDEO, targetvideo_id="28375"))

    stream_player = f"https://customer-abc123.cloudflarestream.com/{STREAM_UID}/iframe"
    assert video.player(by_uid) == Player("iframe", src=stream_player)
    assert video.player(by_asset, asset) == Player("iframe", src=stream_player)
    assert video.player(target) == Player("iframe", src="https://player.target-video.com/player/embed/28375")


def test_a_stream_subdomain_written_as_an_address_is_its_host(
    acme: TwoTenants, app: Flask, players: pytest.MonkeyPatch
) -> None:
    players.setitem(app.config, "CLOUDFLARE_STREAM_SUBDOMAIN", "https://customer-abc123.cloudflarestream.com/")
    section = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid=STREAM_UID))

    assert video.player(section).src == f"https://customer-abc123.cloudflarestream.com/{STREAM_UID}/iframe"


def test_a_missing_player_setting_is_named_and_nothing_plays(
    acme: TwoTenants, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "CLOUDFLARE_STREAM_SUBDOMAIN", None)
    monkeypatch.setitem(app.config, "TARGETVIDEO_EMBED_URL", None)
    stream = _section(VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_uid=STREAM_UID))
    target = _section(VideoChoice(VideoSourceType.TARGETVIDEO, targetvideo_id="28375"))

    assert video.player(stream) == Player("unconfigured", setting="CLOUDFLARE_STREAM_SUBDOMAIN")
    assert video.player(target) == Player("unconfigured", setting="TARGETVIDEO_EMBED_URL")
    assert not video.player(stream).playable


def test_a_section_without_video_has_no_player(acme: TwoTenants) -> None:
    assert video.player(_section(VideoChoice(None))) is None


# --- Content-Security-Policy -----------------------------------------------------------------


def _directive(directives: dict[str, str], name: str) -> set[str]:
    return set(directives[name].split())


def test_the_policy_frames_the_configured_players_and_plays_media_from_the_bucket() -> None:
    config = {
        "CLOUDFLARE_STREAM_SUBDOMAIN": "customer-abc123.cloudflarestream.com",
        "TARGETVIDEO_EMBED_URL": "https://player.target-video.com/player/embed/{id}",
        "STORAGE_BACKEND": "s3",
        "S3_ENDPOINT_URL": "http://127.0.0.1:9000",
    }

    directives = directives_for(config)

    assert _directive(directives, "frame-src") == {
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://customer-abc123.cloudflarestream.com",
        "https://player.target-video.com",
    }
    assert _directive(directives, "media-src") == {"'self'", "http://127.0.0.1:9000"}


def test_without_hosted_players_or_a_bucket_the_policy_is_the_default() -> None:
    directives = directives_for({"STORAGE_BACKEND": "local"})

    assert "media-src" not in directives, "default-src 'self' covers our own video"
    assert f"frame-src {directives['frame-src']}" in PAGE_POLICY
    assert f"frame-src {directives['frame-src']}" in ADMIN_POLICY
