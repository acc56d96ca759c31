"""The module builder (issue 14, items 1 and 2): a module's edit page holds the whole course.

HR sees the module's sections in reading order with move / edit / delete, adds a section of a
chosen type, edits the quiz's settings in place (or creates the quiz), lists its questions with
edit / move / delete, sees the module's group assignments and a preview as a learner. Nothing
here writes on its own: every button and form posts to the view that owns the row
(``sections``, ``quizzes``, ``quiz_questions``, ``assignments``), so each step keeps that
view's permission, tenant scoping, validation, 404s and audit. The quiz form is that view's own
form class, so its fields, limits and messages are the quiz page's. The builder only reads, and
stores the pictures of the rich-text editor.

Rich text is edited with Jodit (MIT, vendored under ``static/vendor/jodit`` with its licence):
it does headings, lists, links, tables, images and code blocks, has a source mode for raw HTML,
uploads pasted and inserted pictures to a URL of ours, and is configured with the sanitizer's
own allow-list (``content.ALLOWED_TAGS``), so what it produces is kept as it is on save.
Quill 2 was the other candidate; it has no tables or source mode without third-party modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import abort, g, jsonify, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from lms.admin_views.base import user_passes
from lms.errors import LmsError
from lms.extensions import db
from lms.models import Group, Module, ModuleGroup, Quiz, QuizQuestion, Section
from lms.models.enums import Permission, SectionType, VideoSourceType, VideoStatus
from lms.models.types import row_id
from lms.permissions import current_reach
from lms.services import content, posters, reader, uploads, video
from lms.storage import get_storage

# The fields a section form shows for each type (issue 14: only that type's fields).
_TEXT = ("content",)
_VIDEO = ("video_source_type", "video_url", "video_media", "stream_media", "video_stream_id", "targetvideo_id")
_FILES = ("new_attachments", "remove_attachments")
TYPE_FIELDS: dict[SectionType, frozenset[str]] = {
    SectionType.TEXT: frozenset(_TEXT),
    SectionType.VIDEO: frozenset(_VIDEO),
    SectionType.ATTACHMENT: frozenset(_FILES),
    SectionType.MIXED: frozenset(_TEXT + _VIDEO + _FILES),
}
TYPED_FIELDS = TYPE_FIELDS[SectionType.MIXED]
# The fields of each video source (issue 16, item 3). ``static/js/editor-section.js`` shows only
# the chosen source's (it reads this from the source field's ``data-source-fields``); without
# script all show, each label naming its source.
SOURCE_FIELDS: dict[VideoSourceType, tuple[str, ...]] = {
    VideoSourceType.YOUTUBE_VIMEO_URL: ("video_url",),
    VideoSourceType.UPLOAD: ("video_media",),
    VideoSourceType.CLOUDFLARE_STREAM: ("stream_media", "video_stream_id"),
    VideoSourceType.TARGETVIDEO: ("targetvideo_id",),
}
# Which field ``video.VideoError.part`` puts its message on.
_PART_FIELDS = {
    "source": "video_source_type",
    "url": "video_url",
    "upload": "video_media",
    "stream_asset": "stream_media",
    "stream_uid": "video_stream_id",
    "targetvideo": "targetvideo_id",
}


def chosen_type(section: Section | None) -> SectionType:
    """The type a section form is for: the posted one, else ``?type=``, else the section's own,
    else TEXT. An unknown name is TEXT (the type field itself then refuses a posted one)."""
    name = request.form.get("type") if request.method == "POST" else request.args.get("type")
    if name in SectionType.__members__:
        return SectionType[name]
    return section.type if section is not None and section.type is not None else SectionType.TEXT


def keep_fields_of_type(form: Any, section: Section | None) -> Any:
    """``form`` without the fields the chosen type does not use (they are neither shown nor saved)."""
    section_type = chosen_type(section)
    for name in TYPED_FIELDS - TYPE_FIELDS[section_type]:
        if name in form:
            del form[name]
    if request.method == "GET":
        form.type.data = section_type
    return form


def source_fields() -> str:
    """``SOURCE_FIELDS`` as JSON, for the section form's script."""
    return json.dumps({source.name: list(names) for source, names in SOURCE_FIELDS.items()})


def video_choice(form: Any) -> video.VideoChoice:
    """What the section form says about the video; a section type without video has none."""
    if "video_source_type" not in form:
        return video.VideoChoice(None)
    return video.VideoChoice(
        form.video_source_type.data,
        url=form.video_url.data,
        upload=form.video_media.data,
        stream_asset=form.stream_media.data,
        stream_uid=form.video_stream_id.data,
        targetvideo_id=form.targetvideo_id.data,
    )


def video_is_valid(form: Any) -> bool:
    """The video service's refusal of the form's video, as an error on the field to correct."""
    try:
        video.check_video(video_choice(form))
    except video.VideoError as error:
        field = form[_PART_FIELDS[error.part]]
        field.errors = [*field.errors, str(error)]
        return False
    return True


def prefill_video(form: Any, section: Section) -> None:
    """The section's video into the fields of its source (its asset, its id)."""
    if "video_source_type" not in form:
        return
    asset = section.media_asset
    if section.video_source_type is VideoSourceType.UPLOAD:
        form.video_media.data = asset
    elif section.video_source_type is VideoSourceType.CLOUDFLARE_STREAM:
        form.stream_media.data = asset
        if asset is not None:
            form.video_stream_id.data = None
    elif section.video_source_type is VideoSourceType.TARGETVIDEO:
        form.targetvideo_id.data = section.video_stream_id
        form.video_stream_id.data = None


def editor_settings(module: Module | None) -> str:
    """The rich-text editor's settings as JSON: the sanitizer's allow-list (as Jodit's ``allowTags``
    object; links keep the ``rel`` the sanitizer sets), where pictures are uploaded, and its
    messages in the page's language."""
    allowed: dict[str, Any] = {
        tag: dict.fromkeys(sorted(content.ALLOWED_ATTRIBUTES[tag] | ({"rel"} if tag == "a" else set())), True)
        if tag in content.ALLOWED_ATTRIBUTES
        else True
        for tag in sorted(content.ALLOWED_TAGS)
    }
    settings = {
        "allowTags": allowed,
        "uploadUrl": url_for("modules.image_view", id=module.id) if module is not None else None,
        "labels": {
            "uploadFailed": _("The picture was not uploaded."),
        },
    }
    return json.dumps(settings)


@dataclass
class Builder:
    """What the builder page shows of one module, read in a fixed handful of queries."""

    module: Module
    sections: list[Section]
    video_states: dict[int, VideoStatus | None] = field(default_factory=dict)  # by section, as learners get it
    quiz: Quiz | None = None
    questions: list[QuizQuestion] = field(default_factory=list)
    may_edit_quiz: bool = False
    quiz_form: Any = None
    assignments: list[ModuleGroup] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    may_assign: bool = False


class ModuleBuilderMixin:
    """The builder's reads and pages, mixed into ``content.ModuleView`` (its rows, its permission)."""

    editor_settings = staticmethod(editor_settings)
    get_one: Any
    get_url: Any
    render: Any
    can_edit: bool
    admin: Any

    def _quiz_form(self, module: Module, quiz: Quiz | None) -> Any:
        """The ``quizzes`` view's own form for this module's quiz, or for a new one titled as the module.

        Built without the request's data: a refused save of the module form must not fill it."""
        view = next(view for view in self.admin._views if getattr(view, "endpoint", None) == "quizzes")
        if quiz is not None:
            return view.get_edit_form()(None, obj=quiz)
        form = view.get_create_form()(None)
        del form["module"]
        form.title.data = module.title
        return form

    def builder(self, module: Module) -> Builder:
        sections = list(
            db.session.scalars(
                sa.select(Section)
                .where(Section.module_id == module.id)
                .options(selectinload(Section.attachments), selectinload(Section.media_asset))
                .order_by(Section.sort_order, Section.id)
            )
        )
        page = Builder(
            module=module,
            sections=sections,
            video_states={section.id: video.current_status(section, section.media_asset) for section in sections},
        )
        if user_passes(Permission.MANAGE_QUIZZES):
            page.may_edit_quiz = True
            page.quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
            page.quiz_form = self._quiz_form(module, page.quiz)
            if page.quiz is not None:
                page.questions = list(
                    db.session.scalars(
                        sa.select(QuizQuestion)
                        .where(QuizQuestion.quiz_id == page.quiz.id)
                        .order_by(QuizQuestion.sort_order, QuizQuestion.id)
                    )
                )
        if user_passes(Permission.MANAGE_GROUPS):
            reach = current_reach(Permission.MANAGE_GROUPS)
            page.may_assign = True
            page.assignments = list(
                reach.narrow_groups(
                    db.session.query(ModuleGroup)
                    .filter(ModuleGroup.module_id == module.id)
                    .options(selectinload(ModuleGroup.group)),
                    ModuleGroup.group_id,
                ).order_by(ModuleGroup.id)
            )
            assigned = {assignment.group_id for assignment in page.assignments}
            page.groups = [
                group
                for group in reach.narrow_groups(db.session.query(Group).order_by(Group.name), Group.id)
                if group.id not in assigned
            ]
        return page

    @expose("/preview/")
    def preview_view(self) -> str:
        """The module as the reader shows it to a learner who has not started; nothing is recorded.

        The reader's own template is rendered; its links between sections lead through this
        page, and its buttons that would record something are not shown (``can_submit``).
        """
        module = self.get_one(request.args.get("id", ""))
        try:
            page = reader.preview_module(module, request.args.get("section", type=int))
        except reader.NotInModule:
            abort(404)

        def preview_url_for(endpoint: str, **values: Any) -> str:
            if endpoint == "learner.module_page" and values.get("module_id") == module.id:
                return self.get_url(".preview_view", id=module.id, section=values.get("section"))
            return url_for(endpoint, **values)

        player = None
        if page.current is not None:
            preview_src = self.get_url(".preview_video_view", id=module.id, section=page.current.id)
            poster_src = self.get_url(".preview_poster_view", id=module.id, section=page.current.id)
            player = video.player(page.current, page.current.media_asset, upload_src=preview_src, poster_src=poster_src)
        return self.render(
            "admin/content/module_preview.html",
            page=page,
            player=player,
            show_video_state=True,
            can_submit=False,
            url_for=preview_url_for,
            builder_url=self.get_url(".edit_view", id=module.id),
        )

    @expose("/preview/video/")
    def preview_video_view(self) -> Response:
        """The uploaded video of one of the module's sections, for the preview: as the learner
        route serves it, for the module's authors and drafts too. Not READY, or not this
        module's section: 404."""
        module = self.get_one(request.args.get("id", ""))
        row = db.session.execute(
            video.ready_upload(request.args.get("section", type=row_id)).where(Module.id == module.id)
        ).first()
        if row is None:
            abort(404)
        return get_storage().send(row.MediaAsset.storage_path, mimetype=video.mimetype(row.MediaAsset))

    @expose("/preview/poster/")
    def preview_poster_view(self) -> Response:
        """The poster frame of that video, for the preview, as the learner route serves it; a
        video without one: 404."""
        module = self.get_one(request.args.get("id", ""))
        row = db.session.execute(
            video.ready_upload(request.args.get("section", type=row_id)).where(Module.id == module.id)
        ).first()
        if row is None or row.MediaAsset.poster_path is None:
            abort(404)
        return get_storage().send(row.MediaAsset.poster_path, mimetype=posters.MIMETYPE, max_age=posters.CACHE_SECONDS)

    @expose("/image/", methods=("POST",))
    def image_view(self) -> Response | tuple[Response, int]:
        """A picture pasted or inserted into the module's rich text: stored, and its address
        answered as the editor expects (``{"url": ...}``); a file that is not a picture, whatever
        its name, is refused with the reason and stores nothing."""
        if not self.can_edit:
            abort(403)
        module = self.get_one(request.args.get("id", ""))
        upload = next(iter(request.files.values()), None)
        if upload is None:
            return jsonify(error=_("Choose a picture to upload.")), 400
        try:
            name = uploads.store_content_image(g.tenant.id, module.id, upload.stream)
        except LmsError as error:
            db.session.rollback()
            return jsonify(error=str(error)), 400
        db.session.commit()
        return jsonify(url=url_for("learner.content_image", module_id=module.id, name=name))
