"""A section's uploaded video, streamed from our storage (issue 16, item 3).

The reader's ``<video>`` plays from here. Access is the reader's: a published module of the
tenant (scoping answers another tenant's ids with a 404), unlocked (``ModuleLocked``, as for
attachments). Only a READY video asset is served; anything else is a 404, as if there were
none. The storage answers Range requests itself (local: 206 with those bytes; S3: a redirect
to a presigned URL, and the bucket serves the range).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.learner import bp
from lms.models import Module
from lms.models.enums import ModuleStatus
from lms.services import progress, video
from lms.storage import get_storage


@bp.get("/sections/<int:video_section_id>/video")
def section_video(video_section_id: int) -> Response:
    row = db.session.execute(
        video.ready_upload(video_section_id).where(Module.status == ModuleStatus.PUBLISHED)
    ).first()
    if row is None:
        abort(404)
    asset, module = row
    progress.check_unlocked(current_user.id, module)
    return get_storage().send(asset.storage_path, mimetype=video.mimetype(asset))
