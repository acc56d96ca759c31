"""Media: the library of uploaded videos and documents (issue 16, item 2).

The views parse forms and call ``lms.services.media``; access (MANAGE_ALL_MODULES), tenant
scoping and 404s come from ``base.TenantModelView``. Uploading, registering a Stream video
and deleting are the service's, so the rules (type by content, the plan's storage, assets
in use) hold wherever an asset is added or removed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_form_data, get_redirect_target, validate_form_on_submit
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf.file import FileField
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.forms import AdminForm, LargeFileInput, enum_choices, enum_coerce, stripped
from lms.admin_views.loaders import with_people
from lms.errors import LmsError
from lms.extensions import db
from lms.models import MediaAsset
from lms.models.enums import MediaAssetType, MediaProvider, Permission
from lms.services import media
from lms.storage import MissingFile, get_storage

_EXCERPT = 2000
_STORED = (MediaProvider.LOCAL, MediaProvider.S3)


class UploadForm(AdminForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[Optional(), Length(max=200)])
    type = SelectField(
        _l("Type"),
        choices=enum_choices(MediaAssetType),
        coerce=enum_coerce(MediaAssetType),
        validators=[InputRequired()],
    )
    file = FileField(
        _l("File"),
        widget=LargeFileInput(),
        validators=[InputRequired(_l("Choose a file to upload."))],
        description=_l("A video as MP4 or WebM, a document as PDF or Word (.docx)."),
    )


class StreamForm(AdminForm):
    title = StringField(_l("Title"), filters=[stripped], validators=[InputRequired(), Length(max=200)])
    uid = StringField(
        _l("Stream video id"),
        filters=[stripped],
        validators=[InputRequired()],
        description=_l("The 32-character id Cloudflare Stream shows for the video."),
    )


def human_size(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def human_duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _size(view: Any, context: Any, model: MediaAsset, name: str) -> str:
    return human_size(model.size_bytes)


def _duration(view: Any, context: Any, model: MediaAsset, name: str) -> str:
    return human_duration(model.duration_seconds)


def _excerpt(view: Any, context: Any, model: MediaAsset, name: str) -> Markup | str:
    text = model.extracted_text or ""
    if not text:
        return "—"
    shown = text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else "")
    return Markup('<div style="white-space: pre-wrap; max-height: 20em; overflow: auto">{}</div>').format(shown)


class MediaView(TenantModelView):
    """The company's media assets; new ones come from the upload and Stream pages, not the create form."""

    permission = Permission.MANAGE_ALL_MODULES
    allow_create = False
    list_template = "admin/media/list.html"
    details_template = "admin/media/details.html"

    column_list = ("title", "type", "status", "size_bytes", "duration_seconds", "uploaded_by", "created_at")
    column_details_list = (
        "title",
        "type",
        "status",
        "error",
        "provider",
        "file_name",
        "content_type",
        "size_bytes",
        "duration_seconds",
        "cf_stream_uid",
        "uploaded_by",
        "created_at",
        "extracted_text",
    )
    column_labels: ClassVar = {
        "size_bytes": _l("Size"),
        "duration_seconds": _l("Duration"),
        "uploaded_by": _l("Uploaded by"),
        "created_at": _l("Uploaded"),
        "extracted_text": _l("Text"),
        "cf_stream_uid": _l("Stream video id"),
        "content_type": _l("File type"),
        "error": _l("Error"),
        "provider": _l("Stored at"),
        "file_name": _l("File name"),
    }
    column_formatters: ClassVar = {"size_bytes": _size, "duration_seconds": _duration}
    column_formatters_detail: ClassVar = {**column_formatters, "extracted_text": _excerpt}
    column_searchable_list = ("title",)
    column_filters = ("type", "status")
    column_sortable_list = ("title", "type", "status", "size_bytes", "duration_seconds", "created_at")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    form_columns = ("title",)
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-download", ".download_view", title=_l("Open the file")),
    ]

    def get_query(self) -> Any:
        return super().get_query().options(*with_people(MediaAsset.uploaded_by))

    def uses(self, asset: MediaAsset) -> list[media.Use]:
        """For the details page: the sections showing the asset, each linked to its module's builder."""
        return media.uses_of([asset.id]).get(asset.id, [])

    @expose("/upload/", methods=("GET", "POST"))
    def upload_view(self) -> Response | str | tuple[str, int]:
        form = UploadForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if validate_form_on_submit(form):
            upload = form.file.data
            try:
                asset = media.upload_asset(
                    upload.stream, upload.filename or "", form.title.data or "", form.type.data, current_user
                )
            except LmsError as error:
                db.session.rollback()
                form.file.errors = [str(error)]
            else:
                if self.commit_or_flash():
                    flash(
                        _("“%(title)s” is uploaded and being processed; it is ready in a moment.", title=asset.title),
                        "success",
                    )
                    return redirect(self.get_url(".details_view", id=asset.id))
        status = 400 if form.errors else 200
        return self.render(
            "admin/media/form.html", form=form, return_url=return_url, heading=_("Upload a video or document")
        ), status

    @expose("/stream/", methods=("GET", "POST"))
    def stream_view(self) -> Response | str | tuple[str, int]:
        form = StreamForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if validate_form_on_submit(form):
            try:
                asset = media.register_stream_video(form.title.data, form.uid.data, current_user)
            except LmsError as error:
                db.session.rollback()
                form.uid.errors = [str(error)]
            else:
                if self.commit_or_flash():
                    flash(_("The Stream video “%(title)s” is in the library.", title=asset.title), "success")
                    return redirect(self.get_url(".details_view", id=asset.id))
        status = 400 if form.errors else 200
        return self.render(
            "admin/media/form.html", form=form, return_url=return_url, heading=_("Register a Cloudflare Stream video")
        ), status

    @expose("/download/")
    def download_view(self) -> Response:
        """The stored file, to watch or read in the browser (a Word document downloads)."""
        asset = self.get_one(request.args.get("id", ""))
        if asset.provider not in _STORED or asset.storage_path is None or asset.status in media.DELETED:
            abort(404)
        try:
            return get_storage().send(
                asset.storage_path,
                mimetype=asset.content_type or "application/octet-stream",
                download_name=asset.file_name,
                as_attachment=asset.type is MediaAssetType.DOCUMENT and asset.content_type != "application/pdf",
            )
        except MissingFile:
            abort(404)

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> Response:
        """The row's delete button: the service marks the asset, or refuses naming the sections using it."""
        return_url = get_redirect_target() or self.get_url(".index_view")
        form = self.delete_form()
        if not self.validate_form(form):
            abort(400)
        asset = self.get_one(form.id.data)
        try:
            media.delete_asset(asset)
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            if self.commit_or_flash():
                flash(_("“%(title)s” is being deleted.", title=asset.title), "success")
        return redirect(return_url)

    @action("delete", _l("Delete"), _l("Delete the selected files? If a section uses one of them, none is deleted."))
    def action_delete(self, ids: Sequence[str]) -> None:
        assets = self.rows_of(ids)
        try:
            media.delete_assets(assets)
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "error")
            return
        if self.commit_or_flash():
            flash(
                ngettext("%(num)d file is being deleted.", "%(num)d files are being deleted.", len(assets)), "success"
            )


def views() -> list[TenantModelView]:
    return [MediaView(MediaAsset, name=_l("Media library"), category=CATEGORIES["media"], endpoint="media")]
