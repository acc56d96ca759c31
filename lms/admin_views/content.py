"""Content: modules and their sections (issue 5); categories, tags, pins and assignments are in
``content_organisation``.

The views parse forms and call ``lms.services.content`` / ``lms.services.uploads``;
access, tenant scoping, 404s and the audit of writes come from ``base.TenantModelView``.
MANAGE_ALL_MODULES reaches every module; MANAGE_OWN_MODULES (a grant, or mentoring a
module) only the modules the user created or mentors — other modules are 404s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.form import Select2TagsField
from flask_admin.helpers import get_form_data, get_redirect_target, validate_form_on_submit
from flask_admin.model.fields import AjaxSelectField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, FileField, IntegerField, MultipleFileField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView, user_passes
from lms.admin_views.editor_words import editor_words
from lms.admin_views.forms import (
    AdminForm,
    AjaxMultiple,
    Checkboxes,
    enum_choices,
    enum_coerce,
    label_formatter,
    optional_number,
)
from lms.admin_views.loaders import MemberLoader, ModuleLoader, VideoLoader
from lms.admin_views.module_builder import (
    ModuleBuilderMixin,
    editor_settings,
    keep_fields_of_type,
    prefill_video,
    source_fields,
    video_choice,
    video_is_valid,
)
from lms.admin_views.rich_text import RichTextField, RichTextMixin, rich_text_formatter
from lms.errors import LmsError
from lms.extensions import db
from lms.models import (
    Module,
    ModuleCategory,
    ModuleChangeLog,
    Section,
    User,
)
from lms.models.enums import (
    AuditAction,
    Difficulty,
    MediaProvider,
    Permission,
    SectionType,
    TenantRole,
    VideoSourceType,
)
from lms.models.types import row_id
from lms.services import content, uploads, video


def manages_modules(role: TenantRole | None, permissions: frozenset[Permission]) -> bool:
    """The rule of the module and section screens: all modules, or one's own (DESIGN.md: roles)."""
    return Permission.MANAGE_ALL_MODULES in permissions or Permission.MANAGE_OWN_MODULES in permissions


def _manages_all() -> bool:
    return user_passes(Permission.MANAGE_ALL_MODULES)


class OwnModulesMixin:
    """Narrows lists, counts and single rows to the modules the user may manage.

    ``module_id_attribute`` names the model's column holding the module id (``id`` of a
    Module, ``module_id`` of a Section).
    """

    model: Any
    module_id_attribute: ClassVar[str]

    def reachable(self, query: Any) -> Any:
        if _manages_all():
            return query
        column = getattr(self.model, self.module_id_attribute)
        return query.filter(column.in_(content.own_module_ids(current_user.id)))

    def get_query(self) -> Any:
        return self.reachable(super().get_query())  # type: ignore[misc]

    def get_count_query(self) -> Any:
        return self.reachable(super().get_count_query())  # type: ignore[misc]

    def get_one(self, id: Any) -> Any:
        model = super().get_one(id)  # type: ignore[misc]
        if not _manages_all() and not content.is_own_module(current_user.id, getattr(model, self.module_id_attribute)):
            abort(404)
        return model


# --- Modules ------------------------------------------------------------------------------


class PublishUpdateForm(AdminForm):
    summary = TextAreaField(
        _l("What changed"),
        validators=[InputRequired()],
        description=_l("Learners who finished an earlier version see this and are asked to review the module."),
    )


# What describes a module, shown on its details page and edited in its form.
_DESCRIBED_BY = ("difficulty", "category", "tags", "mentors", "prerequisites", "validity_months")


class ModuleView(RichTextMixin, ModuleBuilderMixin, OwnModulesMixin, TenantModelView):
    """Modules; the edit page is the module builder (``module_builder``)."""

    permission = staticmethod(manages_modules)
    action_permissions: ClassVar = {"delete": Permission.MANAGE_ALL_MODULES}
    audit_actions: ClassVar = {
        "create": AuditAction.MODULE_CREATED,
        "update": AuditAction.MODULE_UPDATED,
        "delete": AuditAction.MODULE_DELETED,
    }
    module_id_attribute = "id"
    edit_template = "admin/content/module_edit.html"

    column_list = ("title", "status", "difficulty", "category", "version", "published_at")
    column_searchable_list = ("title", "description")
    column_filters = ("status", "difficulty", "category.name")
    column_sortable_list = ("title", "status", "difficulty", ("category", "category.name"), "version", "published_at")
    column_default_sort = ("title", False)
    column_details_list = (
        "title",
        "description",
        "status",
        *_DESCRIBED_BY,
        "version",
        "published_at",
        "created_by",
        "sections",
        "created_at",
        "updated_at",
    )
    column_labels: ClassVar = {
        "difficulty": _l("Difficulty"),
        "category": _l("Category"),
        "category.name": _l("Category"),
        "tags": _l("Tags"),
        "mentors": _l("Mentors"),
        "prerequisites": _l("Prerequisites"),
        "validity_months": _l("Certificate valid for (months)"),
        "created_by": _l("Created by"),
        "sections": _l("Sections"),
        "cover_upload": _l("Cover image"),
        "remove_cover": _l("Remove the cover image"),
    }
    column_formatters: ClassVar = {"status": label_formatter, "difficulty": label_formatter}
    column_formatters_detail: ClassVar = {**column_formatters, "description": rich_text_formatter}
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-list", "sections.index_view", title=_l("Sections"), id_arg="module_id"),
        EndpointLinkRowAction("fa fa-bullhorn", ".publish_update_view", title=_l("Publish update")),
        EndpointLinkRowAction("fa fa-history", ".history_view", title=_l("History")),
    ]

    form_columns = (
        "title",
        "description",
        *_DESCRIBED_BY,
        "cover_upload",
        "remove_cover",
    )
    form_overrides: ClassVar = {"description": RichTextField}
    form_choices: ClassVar = {"difficulty": enum_choices(Difficulty)}
    form_args: ClassVar = {
        "difficulty": {"coerce": enum_coerce(Difficulty)},
        "category": {
            "query_factory": lambda: db.session.scalars(
                sa.select(ModuleCategory).order_by(ModuleCategory.sort_order, ModuleCategory.name)
            ).all(),
            "blank_text": _l("No category"),
        },
        "validity_months": optional_number(
            1,
            _l("Enter at least 1 month, or leave it empty for no expiry."),
            _l("Leave empty when certificates never expire."),
        ),
    }
    form_widget_args: ClassVar = {"description": {"rows": 4}}
    form_ajax_refs: ClassVar = {"mentors": MemberLoader("mentors"), "prerequisites": ModuleLoader("prerequisites")}
    form_extra_fields: ClassVar = {
        "tags": Select2TagsField(_l("Tags"), save_as_list=True, description=_l("New names become new tags.")),
        "mentors": AjaxMultiple(form_ajax_refs["mentors"], _l("Mentors")),
        "prerequisites": AjaxMultiple(
            form_ajax_refs["prerequisites"],
            _l("Prerequisites"),
            description=_l("Learners must complete these modules first."),
        ),
        "cover_upload": FileField(_l("Cover image"), description=_l("PNG, JPEG, GIF or WebP, at most 5 MB.")),
        "remove_cover": BooleanField(_l("Remove the cover image")),
    }
    service_fields = ("tags", "mentors", "prerequisites", "cover_upload", "remove_cover")
    edit_only_fields = ("remove_cover",)

    def build_new_instance(self) -> Module:
        """A new module passes the plan's limit first (issue 4), as every way of creating one does."""
        return content.create_module(g.tenant, "", created_by=current_user._get_current_object())

    def edit_form(self, obj: Module | None = None) -> Any:
        """Pictures pasted into the description are stored with the module's content pictures."""
        form = super().edit_form(obj)
        form.description.module = obj
        return form

    def on_model_change(self, form: Any, model: Module, is_created: bool) -> None:
        content.set_tags(model, form.tags.data or [])
        content.set_mentors(model, form.mentors.data or [])
        content.set_prerequisites(model, form.prerequisites.data or [])
        cover = form.cover_upload.data
        if cover:
            content.set_cover(model, uploads.store_cover(g.tenant.id, cover.stream))
        elif "remove_cover" in form and form.remove_cover.data:
            content.set_cover(model, None)
        super().on_model_change(form, model, is_created)

    def on_model_delete(self, model: Module) -> None:
        content.discard_module_files(model)
        super().on_model_delete(model)

    def is_action_allowed(self, name: str) -> bool:
        if name in ("publish", "archive"):
            return self.can_edit
        return super().is_action_allowed(name)

    @action("publish", _l("Publish"), _l("Publish the selected modules? Learners will see them."))
    def action_publish(self, ids: list[str]) -> None:
        self._change_status(ids, content.publish)

    @action("archive", _l("Archive"), _l("Archive the selected modules? Learners will no longer see them."))
    def action_archive(self, ids: list[str]) -> None:
        self._change_status(ids, content.archive)

    def _change_status(self, ids: list[str], change: Callable[[Module, User | None], bool]) -> None:
        actor = current_user._get_current_object()
        changed = self.change_all(self.rows_of(ids), lambda module: change(module, actor))
        if changed is not None:
            flash(ngettext("%(num)d module changed.", "%(num)d modules changed.", sum(changed)), "success")

    @expose("/status/", methods=("POST",))
    def status_view(self) -> Response:
        """The Publish / Archive buttons of the edit page: the same rules as the list actions."""
        if not self.can_edit:
            abort(403)
        module = self.get_one(request.args.get("id", ""))
        change = {"publish": content.publish, "archive": content.archive}.get(request.form.get("to", ""))
        if change is None:
            abort(400)
        self._change_status([str(module.id)], change)
        return redirect(self.get_url(".edit_view", id=module.id))

    @expose("/update/", methods=("GET", "POST"))
    def publish_update_view(self) -> Response | str | tuple[str, int]:
        """A published module's new version: the summary is required and goes into its history."""
        if not self.can_edit:
            abort(403)
        module = self.get_one(request.args.get("id", ""))
        form = PublishUpdateForm(get_form_data())
        if validate_form_on_submit(form):
            try:
                content.publish_update(module, form.summary.data, current_user._get_current_object())
            except LmsError as error:
                db.session.rollback()
                form.summary.errors = [str(error)]
            else:
                if self.commit_or_flash():
                    flash(_("Version %(version)d of the module is published.", version=module.version), "success")
                    return redirect(self.get_url(".history_view", id=module.id))
        status = 400 if form.errors else 200
        return_url = get_redirect_target() or self.get_url(".index_view")
        return self.render("admin/content/publish_update.html", module=module, form=form, return_url=return_url), status

    @expose("/history/")
    def history_view(self) -> str:
        """The module's published versions with their change summaries, newest first."""
        module = self.get_one(request.args.get("id", ""))
        entries = db.session.scalars(
            sa.select(ModuleChangeLog)
            .where(ModuleChangeLog.module_id == module.id)
            .options(selectinload(ModuleChangeLog.changed_by))
            .order_by(ModuleChangeLog.version.desc())
        ).all()
        return_url = get_redirect_target() or self.get_url(".index_view")
        return self.render("admin/content/history.html", module=module, entries=entries, return_url=return_url)


# --- Sections -----------------------------------------------------------------------------


class SectionView(OwnModulesMixin, TenantModelView):
    """Sections of the modules the user manages; ``?module_id=`` shows one module's, in order."""

    permission = staticmethod(manages_modules)
    module_id_attribute = "module_id"
    parent_field = "module"
    list_template = "admin/content/section_list.html"
    create_template = "admin/content/section_create.html"
    edit_template = "admin/content/section_edit.html"
    editor_settings = staticmethod(editor_settings)
    editor_words = staticmethod(editor_words)

    column_list = ("module", "sort_order", "title", "type")
    column_searchable_list = ("title",)
    column_filters = ("type", "module.title")
    column_sortable_list = (("module", "module.title"), "sort_order", "title", "type")
    column_default_sort: ClassVar = [("module_id", False), ("sort_order", False)]
    column_details_list = (
        "module",
        "sort_order",
        "title",
        "type",
        "content",
        "video_source_type",
        "video_url",
        "video_stream_id",
        "attachments",
    )
    column_labels: ClassVar = {
        "sort_order": _l("Position"),
        "content": _l("Content (HTML)"),
        "video_source_type": _l("Video source"),
        "video_url": _l("Video link"),
        "video_stream_id": _l("Stream or TargetVideo id"),
        "video_media": _l("Uploaded video"),
        "attachments": _l("Attachments"),
        "position": _l("Position"),
        "new_attachments": _l("Add attachments"),
        "remove_attachments": _l("Remove attachments"),
    }
    column_formatters: ClassVar = {
        "sort_order": lambda view, context, model, name: model.sort_order + 1,
        "type": label_formatter,
        "video_source_type": label_formatter,
    }
    column_formatters_detail: ClassVar = column_formatters

    form_columns = (
        "module",
        "title",
        "type",
        "position",
        "content",
        "video_source_type",
        "video_url",
        "video_media",
        "stream_media",
        "video_stream_id",
        "targetvideo_id",
        "new_attachments",
        "remove_attachments",
    )
    form_choices: ClassVar = {
        "type": enum_choices(SectionType),
        "video_source_type": enum_choices(VideoSourceType),
    }
    form_args: ClassVar = {
        "type": {"coerce": enum_coerce(SectionType)},
        "video_source_type": {"coerce": enum_coerce(VideoSourceType)},
        "content": {"description": _l("HTML; scripts, styles and event handlers are removed when saved.")},
        # Each video field's label names its source: without script every one is shown.
        "video_url": {
            "label": _l("Video link (YouTube or Vimeo)"),
            "description": _l("For example https://www.youtube.com/watch?v=… or https://vimeo.com/…"),
        },
        "video_stream_id": {
            "label": _l("Stream video uid (Cloudflare Stream)"),
            "description": _l(
                "32 characters, from the video's page in Cloudflare Stream; or choose a Stream video above."
            ),
        },
    }
    form_widget_args: ClassVar = {
        "content": {"rows": 14},
        "video_source_type": {"data-source-fields": source_fields()},
    }
    form_ajax_refs: ClassVar = {
        "module": ModuleLoader("module", own_only=True),
        "video_media": VideoLoader("video_media", video.STORED_PROVIDERS),
        "stream_media": VideoLoader("stream_media", {MediaProvider.CLOUDFLARE_STREAM}),
    }
    form_extra_fields: ClassVar = {
        "position": IntegerField(
            _l("Position"),
            validators=[Optional(), NumberRange(min=1, message=_l("The first position is 1."))],
            description=_l("1 is the first section; leave empty to add it at the end."),
        ),
        "video_media": AjaxSelectField(
            form_ajax_refs["video_media"],
            _l("Uploaded video (upload)"),
            allow_blank=True,
            description=_l("A video of the media library; learners see it once it is ready."),
        ),
        "stream_media": AjaxSelectField(
            form_ajax_refs["stream_media"], _l("Stream video (Cloudflare Stream)"), allow_blank=True
        ),
        "targetvideo_id": StringField(
            _l("Video id (TargetVideo)"),
            validators=[Optional(), Length(max=64)],
            description=_l("Letters and digits, from the video's embed code in TargetVideo."),
        ),
        "new_attachments": MultipleFileField(
            _l("Add attachments"), description=_l("PDF, Word, images or other files, at most 25 MB each.")
        ),
        "remove_attachments": Checkboxes(_l("Remove attachments"), coerce=int, choices=[]),
    }
    service_fields = (
        "content",
        "video_source_type",
        "video_url",
        "video_stream_id",
        "video_media",
        "stream_media",
        "targetvideo_id",
        "position",
        "new_attachments",
        "remove_attachments",
    )
    create_only_fields = ("module",)
    edit_only_fields = ("remove_attachments",)

    def create_form(self, obj: Section | None = None) -> Any:
        return keep_fields_of_type(super().create_form(obj), None)

    def edit_form(self, obj: Section | None = None) -> Any:
        form = keep_fields_of_type(super().edit_form(obj), obj)
        if obj is not None and "remove_attachments" in form:
            form.remove_attachments.choices = [(attachment.id, attachment.file_name) for attachment in obj.attachments]
        return form

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> Any:
        """Save and Add Another opens the next section's form in the same module and of the same type."""
        response = super().create_view()
        module_id = g.get("saved_section_module_id")
        if "_add_another" in request.form and module_id is not None and getattr(response, "status_code", 0) == 302:
            url = self.get_url(
                ".create_view", module_id=module_id, type=request.form.get("type"), url=get_redirect_target()
            )
            return redirect(url)
        return response

    def validate_form(self, form: Any) -> bool:
        """The form's own validators, then the video service's rules (issue 16: errors on the form)."""
        if not super().validate_form(form):
            return False
        return video_is_valid(form)

    def on_form_prefill(self, form: Any, id: Any) -> None:
        section = self.get_one(id)
        form.position.data = section.sort_order + 1
        prefill_video(form, section)

    def on_model_change(self, form: Any, model: Section, is_created: bool) -> None:
        content.set_section_content(model, form.content.data if "content" in form else "")
        video.set_video(model, video_choice(form))
        position = form.position.data
        if is_created or position is not None:
            content.move_section(model, None if position is None else position - 1)
        for upload in (form.new_attachments.data or []) if "new_attachments" in form else []:
            if upload:
                stored = uploads.store_attachment(g.tenant.id, upload.filename or "", upload.stream)
                content.add_attachment(model, stored)
        if "remove_attachments" in form:
            content.remove_attachments(model, form.remove_attachments.data or [])
        g.saved_section_module_id = model.module_id
        super().on_model_change(form, model, is_created)

    def on_model_delete(self, model: Section) -> None:
        content.close_gap(model)
        super().on_model_delete(model)

    @expose("/move/", methods=("POST",))
    def move_view(self) -> Response:
        """Up or down one place; the module's sections stay numbered 0..n-1. The builder also sends
        its ``module_id``: a tampered section id of another module is a 404, nothing moves."""
        if not self.can_edit:
            abort(403)
        section = self.get_one(request.form.get("id", ""))
        offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
        if offset is None:
            abort(400)
        if "module_id" in request.form and request.form.get("module_id", type=row_id) != section.module_id:
            abort(404)  # the builder names its module: a section of another one is not there
        content.shift_section(section, offset)
        self.commit_or_flash()
        return redirect(get_redirect_target() or self.get_url(".index_view", module_id=section.module_id))


def views() -> list[TenantModelView]:
    category = CATEGORIES["content"]
    return [
        ModuleView(Module, name=_l("Modules"), category=category, endpoint="modules"),
        SectionView(Section, name=_l("Sections"), category=category, endpoint="sections"),
    ]
