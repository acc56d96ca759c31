"""Forms of the learner pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from lms.bad_input import RowIdField
from lms.forms import LmsForm
from lms.i18n import LABELS
from lms.models.enums import Difficulty


class CatalogFilterForm(LmsForm):
    """GET filters of the catalog; a bad value is a field error and the filter is ignored."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
    category = RowIdField(_l("Category"), validators=[Optional()])
    tag = RowIdField(_l("Tag"), validators=[Optional()])
    difficulty = SelectField(
        _l("Difficulty"),
        choices=[("", _l("Any difficulty"))] + [(d.name, LABELS[d]) for d in Difficulty],
        validators=[Optional()],
        default="",
    )
    status = SelectField(
        _l("Progress"),
        choices=[
            ("", _l("Any progress")),
            ("not_started", _l("Not started")),
            ("in_progress", _l("In progress")),
            ("completed", _l("Completed")),
        ],
        validators=[Optional()],
        default="",
    )
    # Bounded so that no page number overflows the database's OFFSET; a page past the end shows the last one.
    page = IntegerField(
        _l("Page"),
        validators=[Optional(), NumberRange(min=1, max=10_000, message=_l("Choose a page from 1 to %(max)d."))],
    )


class SelfAssessmentForm(LmsForm):
    """A 1-5 choice, each step named, so the learner picks a meaning rather than a number (issue 14, item 7)."""

    rating = RadioField(
        _l("How well do you master this module?"),
        choices=[
            (1, _l("1: Not yet")),
            (2, _l("2: Beginner")),
            (3, _l("3: Getting there")),
            (4, _l("4: Confident")),
            (5, _l("5: Could teach it")),
        ],
        coerce=int,
        validate_choice=False,  # AnyOf says what is wrong in words; WTForms' own check says "Not a valid choice"
        validators=[
            InputRequired(message=_l("Choose a rating from 1 to 5.")),
            AnyOf(range(1, 6), message=_l("Choose a rating from 1 to 5.")),
        ],
    )
    note = TextAreaField(_l("Note for yourself"), validators=[Optional(), Length(max=2000)])


class PinForm(LmsForm):
    pinned = BooleanField()
    next = HiddenField()


class EmptyForm(LmsForm):
    """A POST with nothing but its CSRF token."""


class QuizSubmitForm(LmsForm):
    """The attempt being submitted; its answers are the ``q-<question id>`` fields (``chosen_answers``)."""

    attempt_id = RowIdField(validators=[InputRequired()])


ANSWER_PREFIX = "q-"


def chosen_answers(formdata: MultiDict[str, str]) -> dict[int, list[int]]:
    """Question id -> chosen option indexes; ValueError for a field that is not numbers."""
    return {
        int(key.removeprefix(ANSWER_PREFIX)): [int(value) for value in formdata.getlist(key)]
        for key in formdata
        if key.startswith(ANSWER_PREFIX)
    }


class LeaderboardFilterForm(LmsForm):
    """GET filters of the leaderboard; the view fills the group choices with the tenant's groups."""

    class Meta:
        csrf = False

    group = SelectField(_l("Group"), choices=[("", _l("Everyone"))], validators=[Optional()], default="")
    period = SelectField(
        _l("Period"),
        choices=[("all", _l("All time")), ("month", _l("This month"))],
        validators=[Optional()],
        default="all",
    )


class SuggestionForm(LmsForm):
    """A new knowledge suggestion."""

    title = StringField(
        _l("Title"), validators=[InputRequired(message=_l("Give the suggestion a title.")), Length(max=200)]
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class VoteForm(LmsForm):
    """The vote button sends the state it wants, so a double click sets the same state twice."""

    voted = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=1)])


class SuggestionCommentForm(LmsForm):
    body = TextAreaField(
        _l("Comment"), validators=[InputRequired(message=_l("Write a comment first.")), Length(max=5000)]
    )
    parent_id = RowIdField(validators=[Optional()])
