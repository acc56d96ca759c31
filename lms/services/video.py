"""A section's video (issue 16, item 3): what its form may store, and what the reader plays.

A section names its video in one of four ways (``VideoSourceType``): a YouTube or Vimeo link,
an UPLOAD of the media library served from our own storage, a CLOUDFLARE_STREAM video (a
Stream asset of the library, or a bare stream uid) and a TARGETVIDEO id. ``set_video`` keeps
exactly what the chosen source needs, checked, and derives ``video_status`` from it: an
upload is as ready as its asset (PROCESSING → PENDING, READY → READY, FAILED → ERROR), the
hosted players are READY at once.

``player`` decides what the reader shows. The status an asset has *now* wins over the one
stored on the section when it was saved: the media job finishes after HR saved the section.
Learners see only a playable video; HR, previewing, also sees why a video does not play
(still processing, failed with the job's error, or a player setting the site lacks).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.models import MediaAsset, Module, Section
from lms.models.enums import MediaAssetStatus, MediaAssetType, MediaProvider, VideoSourceType, VideoStatus
from lms.services.content import InvalidVideoUrl, video_embed

STREAM_UID = re.compile(r"[0-9a-f]{32}")
TARGETVIDEO_ID = re.compile(r"[A-Za-z0-9]{1,64}")
# Where an UPLOAD's bytes may live: our own storage backends, which the video route streams from.
STORED_PROVIDERS = frozenset({MediaProvider.LOCAL, MediaProvider.S3})
ASSET_STATUS = {
    MediaAssetStatus.PROCESSING: VideoStatus.PENDING,
    MediaAssetStatus.READY: VideoStatus.READY,
    MediaAssetStatus.FAILED: VideoStatus.ERROR,
}

Part = Literal["source", "url", "upload", "stream_asset", "stream_uid", "targetvideo"]


class VideoError(LmsError):
    """A section's video cannot be saved as given; ``part`` names what to correct."""

    def __init__(self, message: str, part: Part = "source") -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class VideoChoice:
    """What the section form says about the video, as typed (``set_video`` checks it)."""

    source: VideoSourceType | None
    url: str | None = None
    upload: MediaAsset | None = None
    stream_asset: MediaAsset | None = None
    stream_uid: str | None = None
    targetvideo_id: str | None = None


@dataclass(frozen=True)
class _Stored:
    video_url: str | None = None
    video_stream_id: str | None = None
    media_asset_id: int | None = None
    video_status: VideoStatus | None = None


def check_video(choice: VideoChoice) -> None:
    """Raise the ``VideoError`` that saving ``choice`` would raise; for the form's validation."""
    _stored(choice)


def set_video(section: Section, choice: VideoChoice) -> None:
    """Keep exactly what the chosen video source needs, checked, and clear the rest."""
    stored = _stored(choice)
    section.video_source_type = choice.source
    section.video_url = stored.video_url
    section.video_stream_id = stored.video_stream_id
    section.media_asset_id = stored.media_asset_id
    section.video_status = stored.video_status


def _stored(choice: VideoChoice) -> _Stored:
    source = choice.source
    if source is None:
        return _Stored()
    if source is VideoSourceType.YOUTUBE_VIMEO_URL:
        url = (choice.url or "").strip()
        try:
            video_embed(url)
        except InvalidVideoUrl as error:
            raise VideoError(str(error), "url") from None
        return _Stored(video_url=url, video_status=VideoStatus.READY)
    if source is VideoSourceType.UPLOAD:
        asset = choice.upload
        if asset is None:
            raise VideoError(_l("Choose the uploaded video to show."), "upload")
        if asset.type is not MediaAssetType.VIDEO or asset.provider not in STORED_PROVIDERS:
            raise VideoError(_l("Choose a video uploaded to the media library."), "upload")
        return _Stored(media_asset_id=asset.id, video_status=_asset_status(asset, "upload"))
    if source is VideoSourceType.CLOUDFLARE_STREAM:
        asset = choice.stream_asset
        if asset is not None:
            if asset.type is not MediaAssetType.VIDEO or asset.provider is not MediaProvider.CLOUDFLARE_STREAM:
                raise VideoError(_l("Choose a Cloudflare Stream video of the media library."), "stream_asset")
            return _Stored(
                video_stream_id=asset.cf_stream_uid,
                media_asset_id=asset.id,
                video_status=_asset_status(asset, "stream_asset"),
            )
        uid = (choice.stream_uid or "").strip().lower()
        if not uid:
            raise VideoError(_l("Choose a Stream video or enter its uid."), "stream_uid")
        if not STREAM_UID.fullmatch(uid):
            raise VideoError(_l("A Stream video uid is 32 characters: digits and the letters a to f."), "stream_uid")
        return _Stored(video_stream_id=uid, video_status=VideoStatus.READY)
    video_id = (choice.targetvideo_id or "").strip()
    if not video_id:
        raise VideoError(_l("Enter the TargetVideo video id."), "targetvideo")
    if not TARGETVIDEO_ID.fullmatch(video_id):
        raise VideoError(_l("A TargetVideo id has only letters and digits."), "targetvideo")
    return _Stored(video_stream_id=video_id, video_status=VideoStatus.READY)


def _asset_status(asset: MediaAsset, part: Part) -> VideoStatus:
    status = ASSET_STATUS.get(asset.status)
    if status is None:
        raise VideoError(_l("This video is being deleted from the media library; choose another."), part)
    return status


# --- Playing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Player:
    """What the reader renders for a section's video.

    ``kind``: "iframe" (``src``: a hosted player), "video" (``src``, ``mime``, ``poster``: our
    own ``<video>``), "processing", "failed" (``error``: the media job's reason, if any) or
    "unconfigured" (``setting``: the configuration key the site lacks). Only the first two
    are shown to learners.
    """

    kind: Literal["iframe", "video", "processing", "failed", "unconfigured"]
    src: str | None = None
    mime: str | None = None
    poster: str | None = None
    error: str | None = None
    setting: str | None = None

    @property
    def playable(self) -> bool:
        return self.kind in ("iframe", "video")


def player(
    section: Section,
    asset: MediaAsset | None = None,
    *,
    upload_src: str | None = None,
    poster_src: str | None = None,
) -> Player | None:
    """The player of ``section``'s video, or None when it has none (or its asset is gone).

    ``asset`` is the section's MediaAsset, loaded with it. An UPLOAD plays from the learner
    video and poster routes unless ``upload_src`` and ``poster_src`` name others (the admin
    preview's); it has a poster when the media job could take one (``posters``).
    """
    source = section.video_source_type
    if source is None:
        return None
    if asset is not None and asset.id != section.media_asset_id:
        raise ValueError("the asset is not the section's")
    if section.media_asset_id is not None and asset is None:
        return None  # detached from a deleted asset
    status = current_status(section, asset)
    if status is None and asset is not None:
        return None  # the asset is being deleted
    if status is VideoStatus.PENDING:
        return Player("processing")
    if status is VideoStatus.ERROR:
        return Player("failed", error=asset.error if asset is not None else None)
    if source is VideoSourceType.YOUTUBE_VIMEO_URL:
        try:
            return Player("iframe", src=video_embed(section.video_url or ""))
        except InvalidVideoUrl:
            return None
    if source is VideoSourceType.UPLOAD:
        if asset is None or asset.type is not MediaAssetType.VIDEO:
            return None
        src = upload_src or url_for("learner.section_video", video_section_id=section.id)
        poster = None
        if asset.poster_path is not None:
            poster = poster_src or url_for("learner.section_poster", video_section_id=section.id)
        return Player("video", src=src, mime=mimetype(asset), poster=poster)
    if source is VideoSourceType.CLOUDFLARE_STREAM:
        uid = asset.cf_stream_uid if asset is not None else section.video_stream_id
        host = stream_host(current_app.config)
        if host is None:
            return Player("unconfigured", setting="CLOUDFLARE_STREAM_SUBDOMAIN")
        return Player("iframe", src=f"https://{host}/{quote(uid or '', safe='')}/iframe")
    template = current_app.config.get("TARGETVIDEO_EMBED_URL")
    if not template:
        return Player("unconfigured", setting="TARGETVIDEO_EMBED_URL")
    return Player("iframe", src=template.replace("{id}", quote(section.video_stream_id or "", safe="")))


def current_status(section: Section, asset: MediaAsset | None) -> VideoStatus | None:
    """A section's video status now: its asset's, when it has one (the media job settles it
    after the section was saved), else the one saved with the section. None for an asset
    being deleted."""
    return section.video_status if asset is None else ASSET_STATUS.get(asset.status)


def ready_upload(section_id: int | None) -> sa.Select[tuple[MediaAsset, Module]]:
    """The section's uploaded video with its module, when it can be streamed: a READY video asset
    with a stored file. The routes that stream it add who may read the module."""
    return (
        sa.select(MediaAsset, Module)
        .join(Section, Section.media_asset_id == MediaAsset.id)
        .join(Module, Module.id == Section.module_id)
        .where(
            Section.id == section_id,
            Section.video_source_type == VideoSourceType.UPLOAD,
            MediaAsset.type == MediaAssetType.VIDEO,
            MediaAsset.status == MediaAssetStatus.READY,
            MediaAsset.storage_path.is_not(None),
        )
    )


def mimetype(asset: MediaAsset) -> str:
    """What an uploaded video is served as; the media job records the sniffed type."""
    return asset.content_type or "video/mp4"


def stream_host(config: Mapping[str, Any]) -> str | None:
    """The account's Stream host (``customer-<code>.cloudflarestream.com``), however it was written."""
    configured = (config.get("CLOUDFLARE_STREAM_SUBDOMAIN") or "").strip()
    if not configured:
        return None
    return urlsplit(configured if "//" in configured else f"//{configured}").hostname or None


def player_origins(config: Mapping[str, Any]) -> tuple[str, ...]:
    """The origins the configured hosted players are framed from, for the Content-Security-Policy."""
    origins = []
    if (host := stream_host(config)) is not None:
        origins.append(f"https://{host}")
    template = urlsplit(config.get("TARGETVIDEO_EMBED_URL") or "")
    if template.scheme in ("http", "https") and template.hostname:
        origins.append(f"{template.scheme}://{template.netloc}")
    return tuple(origins)
