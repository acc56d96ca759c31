"""A section's uploaded video and its poster frame, streamed from our storage (issue 16, item 3).

The reader's ``<video>`` plays from here. Access is the reader's: a published module of the
tenant (scoping answers another tenant's ids with a 404), unlocked (``ModuleLocked``, as for
attachments). Only a READY video asset is served; anything else is a 404, as if there were
none. The storage answers Range requests itself (local: 206 with those bytes; S3: a redirect
to a presigned URL, and the bucket serves the range). The poster, a still the media job took
(``services.posters``), has the video's access; a video without one answers 404.
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.learner import bp
from lms.models import MediaAsset, Module
from lms.models.enums import ModuleStatus
from lms.services import posters, progress, video
from lms.storage import get_storage


@bp.get("/sections/<int:video_section_id>/video")
def section_video(video_section_id: int) -> Response:
    asset = _readable_upload(video_section_id)
    return get_storage().send(asset.storage_path, mimetype=video.mimetype(asset))


@bp.get("/sections/<int:video_section_id>/poster")
def section_poster(video_section_id: int) -> Response:
    asset = _readable_upload(video_section_id)
    if asset.poster_path is None:
        abort(404)
    return get_storage().send(asset.poster_path, mimetype=posters.MIMETYPE, max_age=posters.CACHE_SECONDS)


def _readable_upload(video_section_id: int) -> MediaAsset:
    """The section's READY uploaded video, when the signed-in reader may watch it: 404 or ModuleLocked."""
    row = db.session.execute(
        video.ready_upload(video_section_id).where(Module.status == ModuleStatus.PUBLISHED)
    ).first()
    if row is None:
        abort(404)
    asset, module = row
    progress.check_unlocked(current_user.id, module)
    return asset
