"""Pictures inside a module's rich text (issue 14, item 2), for everyone who may read the module.

The picture's storage key is built from the request's tenant and the module in the URL
(``uploads.content_image_key``), never taken from the request: a name of another company's or
module's picture names no file here, a 404. A draft module's pictures are for its authors,
who see them in the editor and the preview; learners reach a published module's only.
"""

from __future__ import annotations

from flask import abort, g, request
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.learner import bp
from lms.learner.images import image_response
from lms.models import Module
from lms.models.enums import ModuleStatus, Permission
from lms.services import uploads

_AUTHORING = frozenset({Permission.MANAGE_ALL_MODULES, Permission.MANAGE_OWN_MODULES})


@bp.get("/modules/<int:module_id>/images")
def content_image(module_id: int) -> Response:
    """``?name=`` of a picture; without one the neutral placeholder, as a cover without a picture."""
    module = db.session.get(Module, module_id)
    if module is None or (module.status is not ModuleStatus.PUBLISHED and not _AUTHORING & g.permissions):
        abort(404)
    name = request.args.get("name")
    if name is None:
        return image_response(None)
    key = uploads.content_image_key(g.tenant.id, module.id, name)
    if key is None:
        abort(404)
    return image_response(key)
