"""The module reader and what a learner does in it.

A refusal (a locked module, a section of another module) is the service's error,
answered by ``lms.error_pages``.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.auth.views import safe_next
from lms.extensions import db
from lms.learner import bp
from lms.learner.forms import EmptyForm, PinForm, SelfAssessmentForm
from lms.learner.images import image_response
from lms.models import Attachment, Module, Section
from lms.models.enums import ModuleStatus
from lms.permissions import submit_required
from lms.services import progress, reader, versions, video
from lms.storage import get_storage


def _module_or_404(module_id: int) -> Module:
    """A published module of the current tenant; drafts, archived and other tenants' are 404."""
    module = progress.published_module(module_id)
    if module is None:
        abort(404)
    return module


def _render_module(module: Module, section_id: int | None, assessment_form: SelfAssessmentForm | None = None) -> str:
    page = reader.open_module(current_user.id, module, section_id)
    html = render_template(
        "learner/module.html",
        page=page,
        player=video.player(page.current, page.current.media_asset) if page.current else None,
        assessment_form=assessment_form or SelfAssessmentForm(obj=page.assessment),
        pin_form=PinForm(pinned=not page.pinned),
        form=EmptyForm(),
    )
    db.session.commit()  # the "last accessed" mark; after rendering, so nothing is reloaded
    return html


@bp.get("/modules/<int:module_id>")
def module_page(module_id: int) -> str:
    return _render_module(_module_or_404(module_id), request.args.get("section", type=int))


@bp.post("/sections/<int:section_id>/complete")
@submit_required
def complete_section(section_id: int) -> Response:
    section = db.session.scalar(
        sa.select(Section)
        .join(Module, Module.id == Section.module_id)
        .where(Section.id == section_id, Module.status == ModuleStatus.PUBLISHED)
    )
    if section is None:
        abort(404)
    progress.complete_section(current_user.id, section)
    db.session.commit()
    following = db.session.scalar(
        sa.select(Section.id)
        .where(Section.module_id == section.module_id, Section.sort_order > section.sort_order)
        .order_by(Section.sort_order, Section.id)
        .limit(1)
    )
    return redirect(url_for("learner.module_page", module_id=section.module_id, section=following or section.id))


@bp.get("/attachments/<int:attachment_id>")
def attachment(attachment_id: int) -> Response:
    """A section's file; a locked module's files are locked with it (ModuleLocked)."""
    row = db.session.execute(
        sa.select(Attachment, Module)
        .join(Section, Section.id == Attachment.section_id)
        .join(Module, Module.id == Section.module_id)
        .where(Attachment.id == attachment_id, Module.status == ModuleStatus.PUBLISHED)
    ).first()
    if row is None:
        abort(404)
    file, module = row
    progress.check_unlocked(current_user.id, module)
    return get_storage().send(
        file.storage_path, mimetype=file.content_type, as_attachment=True, download_name=file.file_name
    )


@bp.get("/modules/<int:module_id>/cover")
def cover(module_id: int) -> Response:
    """The module's cover image, or a neutral placeholder so every card looks alike."""
    return image_response(_module_or_404(module_id).cover_image)


@bp.post("/modules/<int:module_id>/assessment")
@submit_required
def assess(module_id: int) -> Response | tuple[str, int]:
    module = _module_or_404(module_id)
    form = SelfAssessmentForm()
    if not form.validate_on_submit():
        return _render_module(module, None, assessment_form=form), 400
    reader.assess(current_user.id, module, form.rating.data, form.note.data)
    db.session.commit()
    flash(_("Your self-assessment is saved."), "success")
    return redirect(url_for("learner.module_page", module_id=module.id))


@bp.post("/modules/<int:module_id>/pin")
@submit_required
def pin(module_id: int) -> Response:
    module = _module_or_404(module_id)
    form = PinForm()
    if not form.validate_on_submit():
        abort(400)
    reader.set_pinned(current_user.id, module, form.pinned.data)
    db.session.commit()
    return redirect(safe_next(form.next.data, url_for("learner.module_page", module_id=module.id)))


@bp.post("/modules/<int:module_id>/acknowledge")
@submit_required
def acknowledge(module_id: int) -> Response:
    module = _module_or_404(module_id)
    versions.acknowledge_version(current_user.id, module)
    db.session.commit()
    flash(_("Marked as read."), "success")
    return redirect(url_for("learner.module_page", module_id=module.id))
