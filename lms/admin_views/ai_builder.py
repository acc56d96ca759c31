"""Content → Build from a document (issue 16, item 4): start a build, watch it, review it, accept it.

The rules are ``lms.services.ai_builds``'; this view reads forms, calls one service and
renders. MANAGE_ALL_MODULES opens it: the accepted module is a new module like any other.
A build is named by ``?id=``; another company's build is not there (tenant scoping), a 404
like an id that names none. Every refused change (an unknown section, an empty title, a
question without a correct option, a build no longer under review) is flashed on the
build page answered with 400; nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, TextAreaField

from lms.admin_views import CATEGORIES
from lms.admin_views.base import AccessMixin
from lms.admin_views.forms import LargeFileInput
from lms.admin_views.rich_text import RichTextMixin, rich_text_settings
from lms.errors import LmsError
from lms.extensions import db
from lms.forms import LmsForm
from lms.i18n import label
from lms.models import AiModuleBuild
from lms.models.enums import Permission
from lms.models.types import row_id
from lms.services import ai_builds


class StartForm(LmsForm):
    source = RadioField(
        _l("Source"),
        choices=[
            ("file", _l("Upload a PDF or Word document")),
            ("asset", _l("A document from the media library")),
            ("text", _l("Paste text")),
        ],
        default="file",
    )
    file = FileField(_l("Document"), description=_l("PDF or Word (.docx)."), widget=LargeFileInput())
    asset = SelectField(_l("Document from the media library"), choices=[], validate_choice=False)
    text = TextAreaField(
        _l("Text"),
        description=_l("Headings on lines of their own; blank lines between paragraphs."),
        render_kw={"rows": 8},
    )
    language = SelectField(_l("Language of the module"), choices=[("sl", _l("Slovenian")), ("en", _l("English"))])


class BuildPageForm(LmsForm):
    """Only the CSRF token: the review forms' fields are the proposal's own, read by name."""


# The build page, and the POSTs that show it again with a refusal: the pages with the editor.
_REVIEW_PAGES = frozenset(
    f"ai_builder.{name}"
    for name in ("build_view", "retry_view", "title_view", "section_view", "question_view", "accept_view")
)


class AiBuilderView(AccessMixin, RichTextMixin, BaseView):
    """The review edits a section's HTML in the same rich-text editor as a section's content
    (``RichTextMixin``): HR reads and changes text, not markup (the editor's Source button still
    shows it)."""

    permission = Permission.MANAGE_ALL_MODULES

    @staticmethod
    def _on_form_page() -> bool:
        return request.endpoint in _REVIEW_PAGES

    # --- Start and list ---------------------------------------------------------------------

    def _start_form(self) -> StartForm:
        form = StartForm()
        form.asset.choices = [("", _("Choose a document"))] + [
            (str(asset.id), str(asset)) for asset in ai_builds.document_assets()
        ]
        if request.method == "GET":
            form.language.data = g.tenant.locale
        return form

    @expose("/", methods=("GET", "POST"))
    def index(self) -> Response | tuple[str, int] | str:
        form = self._start_form()
        if form.validate_on_submit():
            source = self._source(form)
            if source is not None:
                try:
                    build = ai_builds.start_build(source, current_user._get_current_object(), form.language.data)
                except LmsError as error:
                    db.session.rollback()
                    self._field_of(form).errors.append(str(error))
                else:
                    db.session.commit()
                    flash(_("The document is being read; the proposal appears here when it is ready."), "success")
                    return redirect(self.get_url(".build_view", id=build.id))
        page = self.render("admin/ai_builder/index.html", form=form, builds=ai_builds.recent_builds(), label=label)
        return (page, 400) if form.errors else page

    @staticmethod
    def _field_of(form: StartForm) -> Any:
        return {"file": form.file, "asset": form.asset, "text": form.text}.get(form.source.data, form.source)

    def _source(self, form: StartForm) -> ai_builds.Source | None:
        """The chosen source, or None with the missing field's error on the form."""
        if form.source.data == "file":
            upload = form.file.data
            if not upload or not upload.filename:
                form.file.errors.append(_("Choose a PDF or Word document to upload."))
                return None
            return ai_builds.FileSource(upload.filename, upload.stream)
        if form.source.data == "asset":
            try:
                return ai_builds.AssetSource(row_id(form.asset.data or ""))
            except ValueError:
                form.asset.errors.append(_("Choose a document from the media library."))
                return None
        return ai_builds.TextSource(form.text.data or "")

    # --- One build --------------------------------------------------------------------------

    def _build(self) -> AiModuleBuild:
        try:
            return ai_builds.get_build(request.args.get("id", type=row_id))
        except ai_builds.BuildNotFound:
            abort(404)

    def _page(self, build: AiModuleBuild, status: int = 200) -> tuple[str, int]:
        structured = build.ai_structured or {}
        blocks = structured.get("blocks") or []
        return self.render(
            "admin/ai_builder/build.html",
            build=build,
            structured=structured,
            blocks=blocks,
            in_progress=build.status in ai_builds.IN_PROGRESS,
            status_label=label(build.status),
            label=label,
            form=BuildPageForm(),
            module_url=url_for("modules.edit_view", id=build.module_id) if build.module_id else None,
            editor_settings=rich_text_settings(None),
        ), status

    @expose("/build/")
    def build_view(self) -> tuple[str, int]:
        return self._page(self._build())

    @expose("/status/")
    def status_view(self) -> Response:
        """What the progress bar polls: the build's status and progress."""
        build = self._build()
        return jsonify(
            status=build.status.name,
            label=label(build.status),
            progress=build.progress,
            done=build.status not in ai_builds.IN_PROGRESS,
        )

    def _change(self, change: Any, done: str) -> Response | tuple[str, int]:
        """Run a review change of the build; commit and go back to it, or flash the refusal there with 400."""
        build = self._build()
        if not BuildPageForm().validate_on_submit():
            abort(400)
        try:
            change(build)
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "error")
            return self._page(self._build(), 400)
        db.session.commit()
        flash(done, "success")
        return redirect(self.get_url(".build_view", id=build.id))

    def _chosen(self, changes: dict[str, tuple[Any, str]]) -> Response | tuple[str, int]:
        """The change the pressed button (``do``) names; an unknown one is a 400 (a build of
        another company a 404 first)."""
        change = changes.get(request.form.get("do", ""))
        if change is None:
            self._build()
            abort(400)
        return self._change(*change)

    @expose("/retry/", methods=("POST",))
    def retry_view(self) -> Response | tuple[str, int]:
        return self._change(ai_builds.retry, _("The build starts again."))

    @expose("/title/", methods=("POST",))
    def title_view(self) -> Response | tuple[str, int]:
        title, summary = request.form.get("title", ""), request.form.get("summary", "")
        return self._change(
            lambda build: ai_builds.update_title_summary(build, title, summary), _("The title and summary are saved.")
        )

    @expose("/section/", methods=("POST",))
    def section_view(self) -> Response | tuple[str, int]:
        section_id, form = request.form.get("section_id", ""), request.form
        changes = {
            "save": (
                lambda build: ai_builds.update_section(build, section_id, form.get("title", ""), form.get("html", "")),
                _("The section is saved."),
            ),
            "drop": (lambda build: ai_builds.drop_section(build, section_id), _("The section is left out.")),
            "regenerate": (
                lambda build: ai_builds.regenerate_section(build, section_id),
                _("The section is written again."),
            ),
        }
        return self._chosen(changes)

    @expose("/question/", methods=("POST",))
    def question_view(self) -> Response | tuple[str, int]:
        question_id, form = request.form.get("question_id", ""), request.form
        correct = set(form.getlist("correct"))
        options = [(text, str(index) in correct) for index, text in enumerate(form.getlist("option"))]
        changes = {
            "save": (
                lambda build: ai_builds.update_question(build, question_id, form.get("text", ""), options),
                _("The question is saved."),
            ),
            "drop": (lambda build: ai_builds.drop_question(build, question_id), _("The question is left out.")),
            "regenerate": (
                lambda build: ai_builds.regenerate_question(build, question_id),
                _("The question is written again."),
            ),
        }
        return self._chosen(changes)

    @expose("/accept/", methods=("POST",))
    def accept_view(self) -> Response | tuple[str, int]:
        """Create the module; a second click gets the module the first one created."""
        build = self._build()
        if not BuildPageForm().validate_on_submit():
            abort(400)
        try:
            module = ai_builds.accept(build, current_user._get_current_object())
        except LmsError as error:
            db.session.rollback()
            flash(str(error), "error")
            return self._page(self._build(), 400)
        db.session.commit()
        flash(_("The draft module “%(title)s” is created; review it and publish it.", title=module.title), "success")
        return redirect(url_for("modules.edit_view", id=module.id))


def views() -> list[BaseView]:
    return [
        AiBuilderView(
            name=_l("Build from a document"), category=CATEGORIES["content"], endpoint="ai_builder", url="ai-builder"
        )
    ]
