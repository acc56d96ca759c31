"""Assessment: quizzes, their questions with an options editor, and learners' attempts (issue 6).

Quizzes and questions need MANAGE_QUIZZES; every write is audited as QUIZ_UPDATED.
A question's options are edited as rows (text + "correct"), which Flask-Admin's inline
list adds and removes and ``static/js/question_editor.js`` moves up and down; a true/false
question gets its two options made (``quiz_editor``); ``quizzes.check_options`` holds the
rules and its refusal is a form error, so nothing is written. Questions move up and down
in their quiz's list. A quiz may shuffle questions and options and draw N questions per
attempt (issue 14, item 3); a draw larger than the quiz's questions is a form error
(``quiz_draws``). Attempts are history: a read-only list for VIEW_ALL_PROGRESS, filtered
by module, quiz, learner, result and date.
"""

from __future__ import annotations

from typing import Any, ClassVar

from flask import abort, redirect, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from flask_admin.model.fields import AjaxSelectField, InlineFieldList, InlineFormField
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import enum_choices, enum_coerce, label_formatter, optional_number, unique_together
from lms.admin_views.loaders import ModuleLoader, QuizLoader
from lms.extensions import db
from lms.models import Module, Quiz, QuizAttempt, QuizQuestion, User
from lms.models.enums import AuditAction, Permission, QuestionType
from lms.services import quiz_draws, quiz_editor, quizzes

QUIZ_AUDIT: dict[str, AuditAction] = dict.fromkeys(("create", "update", "delete"), AuditAction.QUIZ_UPDATED)


# --- Quizzes ------------------------------------------------------------------------------


class QuizView(TenantModelView):
    """One quiz per module: its passing score, attempts and time limit; questions on their own page."""

    permission = Permission.MANAGE_QUIZZES
    audit_actions: ClassVar = QUIZ_AUDIT
    parent_field = "module"

    column_list = ("module", "title", "passing_score", "max_attempts", "time_limit", "draw_count")
    column_searchable_list = ("title",)
    column_filters = ("module.title",)
    column_sortable_list = (("module", "module.title"), "title", "passing_score", "max_attempts", "time_limit")
    column_default_sort = ("title", False)
    column_details_list = (
        "module",
        "title",
        "passing_score",
        "max_attempts",
        "time_limit",
        "shuffle_questions",
        "shuffle_options",
        "draw_count",
        "questions",
    )
    column_labels: ClassVar = {
        "passing_score": _l("Passing score (%)"),
        "max_attempts": _l("Attempts allowed"),
        "time_limit": _l("Time limit (minutes)"),
        "shuffle_questions": _l("Shuffle questions"),
        "shuffle_options": _l("Shuffle options"),
        "draw_count": _l("Questions per attempt"),
        "questions": _l("Questions"),
    }
    column_formatters: ClassVar = {
        "max_attempts": lambda view, context, model, name: model.max_attempts or _l("Unlimited"),
        "time_limit": lambda view, context, model, name: model.time_limit or _l("None"),
        "draw_count": lambda view, context, model, name: model.draw_count or _l("All questions"),
    }
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-list", "quiz_questions.index_view", title=_l("Questions"), id_arg="quiz_id"),
    ]

    form_columns = column_details_list[:-1]  # all but the questions, which have their own editor
    form_ajax_refs: ClassVar = {"module": ModuleLoader("module")}
    form_args: ClassVar = {
        "module": {
            "validators": [
                InputRequired(),
                unique_together(Quiz, _l("This module already has a quiz."), module_id="module"),
            ]
        },
        "title": {"validators": [InputRequired(), Length(max=200)]},
        "passing_score": {
            "validators": [
                InputRequired(),
                NumberRange(min=1, max=100, message=_l("Enter a passing score from 1 to 100.")),
            ],
        },
        "max_attempts": optional_number(
            1,
            _l("Allow at least 1 attempt, or leave it empty for unlimited attempts."),
            _l("Leave empty for unlimited attempts."),
        ),
        "time_limit": optional_number(
            1,
            _l("Enter at least 1 minute, or leave it empty for no time limit."),
            _l("Minutes from starting an attempt; leave empty for no limit."),
        ),
        "shuffle_questions": {"description": _l("Each attempt asks the questions in a new random order.")},
        "shuffle_options": {"description": _l("Each attempt shows every question's options in a new random order.")},
        "draw_count": optional_number(
            1,
            _l("Draw at least 1 question, or leave it empty to ask every question."),
            _l(
                "Each attempt asks this many questions drawn at random from the quiz's questions; "
                "leave empty to ask every question."
            ),
        ),
    }
    create_only_fields = ("module",)

    def edit_form(self, obj: Quiz | None = None) -> Any:
        form = super().edit_form(obj)
        form.quiz_id = None if obj is None else obj.id
        return form

    def validate_form(self, form: Any) -> bool:
        """A draw needs that many questions in the quiz (a new quiz has none yet): a form error, nothing written."""
        valid = super().validate_form(form)
        if not valid or "draw_count" not in form:
            return valid
        try:
            quiz_draws.check_draw_count(getattr(form, "quiz_id", None), form.draw_count.data)
        except quiz_draws.InvalidDraw as error:
            form.draw_count.errors = [*form.draw_count.errors, str(error)]
            return False
        return True

    def on_model_delete(self, model: Quiz) -> None:
        quizzes.check_quiz_deletable(model)
        super().on_model_delete(model)


# --- Questions ----------------------------------------------------------------------------


class OptionForm(Form):
    """One row of the options editor."""

    text = StringField(_l("Answer"), validators=[Length(max=500)])
    correct = BooleanField(_l("Correct"))


def _options(view: Any, context: Any, model: QuizQuestion, name: str) -> Markup:
    """The options for authors, the correct ones marked (admin pages only; learners never see this)."""
    rows = (
        Markup("<li>{}{}</li>").format(option.get("text", ""), Markup(" &#10003;") if option.get("correct") else "")
        for option in model.options
    )
    return Markup("<ul class='mb-0'>{}</ul>").format(Markup("").join(rows))


class QuestionView(TenantModelView):
    """The questions of quizzes; ``?quiz_id=`` shows one quiz's, in the order learners get them."""

    permission = Permission.MANAGE_QUIZZES
    audit_actions: ClassVar = QUIZ_AUDIT
    parent_field = "quiz"
    list_template = "admin/assessment/question_list.html"
    create_template = "admin/assessment/question_create.html"
    edit_template = "admin/assessment/question_edit.html"

    column_list = ("quiz", "sort_order", "text", "type", "points", "options")
    column_searchable_list = ("text",)
    column_filters = ("quiz.title", "type")
    column_sortable_list = (("quiz", "quiz.title"), "sort_order", "type", "points")
    column_default_sort: ClassVar = [("quiz_id", False), ("sort_order", False)]
    column_details_list = ("quiz", "sort_order", "type", "text", "points", "options")
    column_labels: ClassVar = {
        "text": _l("Question"),
        "points": _l("Points"),
        "options": _l("Options"),
    }
    column_formatters: ClassVar = {"type": label_formatter, "options": _options}
    column_formatters_detail: ClassVar = column_formatters

    form_columns = ("quiz", "type", "text", "points", "sort_order", "options")
    form_choices: ClassVar = {"type": enum_choices(QuestionType)}
    form_ajax_refs: ClassVar = {"quiz": QuizLoader("quiz")}
    form_args: ClassVar = {
        "type": {"coerce": enum_coerce(QuestionType)},
        "text": {"validators": [InputRequired()]},
        "points": {
            "validators": [InputRequired(), NumberRange(min=1, message=_l("A question is worth at least 1 point."))],
        },
    }
    form_widget_args: ClassVar = {"text": {"rows": 3}}
    form_extra_fields: ClassVar = {
        "quiz": AjaxSelectField(form_ajax_refs["quiz"], _l("Quiz"), validators=[InputRequired()]),
        "sort_order": IntegerField(
            _l("Order"),
            validators=[Optional()],
            description=_l("Learners get questions from the lowest number up; leave empty to add it at the end."),
        ),
        "options": InlineFieldList(
            InlineFormField(OptionForm),
            _l("Option"),
            min_entries=2,
            description=_l(
                "One row per answer; tick the correct ones. Single choice and true/false have exactly one correct "
                "answer (true/false has exactly two rows, filled with True and False when left empty), multiple "
                "choice at least one."
            ),
        ),
    }
    service_fields = ("options", "sort_order")
    create_only_fields = ("quiz",)
    # The option rows' buttons as whole phrases (``templates/admin/model/inline_list_base.html``).
    inline_words: ClassVar = {"options": {"add": _l("Add an option"), "new": _l("New option")}}

    def validate_form(self, form: Any) -> bool:
        """The options' rules are the service's; a refusal is an error on the editor, nothing is written."""
        valid = super().validate_form(form)
        if not valid or "options" not in form or "type" not in form:
            return valid
        rows = [
            (entry.form.text.data, entry.form.correct.data)
            for entry in form.options.entries
            if not form.options.should_delete(entry)
        ]
        try:
            form.options.checked = quiz_editor.options_from_rows(form.type.data, rows)
        except quizzes.InvalidOptions as error:
            form.options.errors.append(str(error))
            return False
        return True

    def on_model_change(self, form: Any, model: QuizQuestion, is_created: bool) -> None:
        model.options = form.options.checked
        with db.session.no_autoflush:  # the new question is not complete until it has its place
            position = form.sort_order.data
            model.sort_order = position if position is not None else quizzes.next_sort_order(model.quiz.id)
        super().on_model_change(form, model, is_created)

    def on_model_delete(self, model: QuizQuestion) -> None:
        quizzes.check_question_deletable(model)
        super().on_model_delete(model)

    @expose("/move/", methods=("POST",))
    def move_view(self) -> Response:
        """Up or down one place in its quiz; the quiz's questions stay numbered 0..n-1."""
        if not self.can_edit:
            abort(403)
        question = self.get_one(request.form.get("id", ""))
        offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
        if offset is None:
            abort(400)
        quiz_editor.shift_question(question, offset)
        self.commit_or_flash()
        return redirect(get_redirect_target() or self.get_url(".index_view", quiz_id=question.quiz_id))


# --- Attempts -----------------------------------------------------------------------------


def _percent(view: Any, context: Any, model: QuizAttempt, name: str) -> str:
    return "" if model.score is None else f"{model.score:.0f} %"


class AttemptView(TenantModelView):
    """Every attempt of the company's learners, newest first; read-only history.

    The table grows with every try, so the pager does not count rows.
    """

    permission = Permission.VIEW_ALL_PROGRESS
    scope_user = "user_id"
    allow_create = False
    allow_edit = False
    allow_delete = False
    simple_list_pager = True
    column_auto_select_related = False

    column_list = (
        "quiz.module.title",
        "quiz.title",
        "user.email",
        "attempt_number",
        "started_at",
        "submitted_at",
        "score",
        "passed",
        "failure_reason",
    )
    column_details_list = (*column_list, "answers")
    column_labels: ClassVar = {
        "quiz.module.title": _l("Module"),
        "user.email": _l("Learner"),
        "attempt_number": _l("Attempt"),
        "started_at": _l("Started"),
        "submitted_at": _l("Submitted"),
        "score": _l("Score"),
        "passed": _l("Passed"),
        "failure_reason": _l("Failed because"),
        "answers": _l("Answers (question id: option numbers)"),
    }
    column_formatters: ClassVar = {
        "score": _percent,
        "failure_reason": lambda view, context, model, name: (
            _l("time limit") if model.failure_reason == quizzes.TIME_LIMIT else model.failure_reason or ""
        ),
    }
    column_formatters_detail: ClassVar = column_formatters
    column_sortable_list = ("started_at", "submitted_at", "score", "attempt_number")
    column_default_sort = ("started_at", True)
    column_filters = (
        "quiz.module.title",
        "quiz.title",
        "user.email",
        "passed",
        *time_filters(QuizAttempt.submitted_at, _l("Submitted")),
    )

    def get_query(self) -> Query[QuizAttempt]:
        return (
            super()
            .get_query()
            .options(
                selectinload(QuizAttempt.quiz).load_only(Quiz.title, Quiz.module_id),
                selectinload(QuizAttempt.quiz).selectinload(Quiz.module).load_only(Module.title),
                selectinload(QuizAttempt.user).load_only(User.email),
            )
        )


def views() -> list[TenantModelView]:
    category = CATEGORIES["assessment"]
    return [
        QuizView(Quiz, name=_l("Quizzes"), category=category, endpoint="quizzes"),
        QuestionView(QuizQuestion, name=_l("Quiz questions"), category=category, endpoint="quiz_questions"),
        AttemptView(QuizAttempt, name=_l("Quiz attempts"), category=category, endpoint="quiz_attempts"),
    ]
