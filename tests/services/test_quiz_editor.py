"""Does the question editor say clearly what is wrong, make a true/false question's two options,
and keep the questions' order? (issue 14, item 3)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale

from lms.extensions import db
from lms.models import AuditLog, Quiz
from lms.models.enums import AuditAction, QuestionType
from lms.services import quiz_editor, quizzes
from lms.tenancy import tenant_context
from tests.factories import make_module, make_quiz, two_tenants


@pytest.fixture
def quiz(app_ctx: Flask) -> Iterator[Quiz]:
    tenants = two_tenants()
    made = make_quiz(make_module(tenants.acme, "Safety", sections=1))
    db.session.commit()
    with tenant_context(tenants.acme.id):
        yield made


@pytest.mark.parametrize(
    ("type_", "rows", "message"),
    [
        (QuestionType.SINGLE_CHOICE, [("Red", True)], "Give at least two options."),
        (QuestionType.SINGLE_CHOICE, [("Red", True), ("Blue", True)], "Mark exactly one option as correct."),
        (QuestionType.SINGLE_CHOICE, [("Red", False), ("Blue", False)], "Mark exactly one option as correct."),
        (QuestionType.MULTIPLE_CHOICE, [("A", False), ("B", False)], "Mark at least one option as correct."),
        (QuestionType.MULTIPLE_CHOICE, [("A", True)], "Give at least two options."),
        (QuestionType.TRUE_FALSE, [("", False), ("", False)], "Mark exactly one option as correct."),
        (QuestionType.TRUE_FALSE, [("Yes", True), ("No", False), ("Maybe", False)], "exactly two options."),
    ],
    ids=["single-one", "single-two-correct", "single-none", "multiple-none", "multiple-one", "tf-none", "tf-three"],
)
def test_rows_that_break_their_types_rule_get_a_clear_message(
    app_ctx: Flask, type_: QuestionType, rows: list[tuple[str, bool]], message: str
) -> None:
    with pytest.raises(quizzes.InvalidOptions) as refused:
        quiz_editor.options_from_rows(type_, rows)

    assert message in str(refused.value)


def test_a_true_false_question_left_empty_gets_its_two_options(app_ctx: Flask) -> None:
    options = quiz_editor.options_from_rows(QuestionType.TRUE_FALSE, [("", False), ("", True)])

    assert options == [{"text": "True", "correct": False}, {"text": "False", "correct": True}]


def test_a_true_false_question_with_one_ticked_row_gets_both_options(app_ctx: Flask) -> None:
    options = quiz_editor.options_from_rows(QuestionType.TRUE_FALSE, [("", True)])

    assert options == [{"text": "True", "correct": True}, {"text": "False", "correct": False}]


def test_true_false_options_are_in_the_tenants_language(app_ctx: Flask) -> None:
    with force_locale("sl"):
        options = quiz_editor.options_from_rows(QuestionType.TRUE_FALSE, [("", True), ("", False)])

    assert [option["text"] for option in options] == ["Drži", "Ne drži"]


def test_true_false_texts_the_author_typed_are_kept(app_ctx: Flask) -> None:
    options = quiz_editor.options_from_rows(QuestionType.TRUE_FALSE, [("Yes", False), ("No", True)])

    assert options == [{"text": "Yes", "correct": False}, {"text": "No", "correct": True}]


def _order(quiz: Quiz) -> list[str]:
    db.session.expire(quiz, ["questions"])
    return [question.text for question in quiz.questions]


def test_a_question_moves_up_and_down_and_the_move_is_audited(quiz: Quiz) -> None:
    first, second, third = quiz.questions

    quiz_editor.shift_question(third, -1)
    db.session.flush()
    assert _order(quiz) == [first.text, third.text, second.text]

    quiz_editor.shift_question(first, 1)
    db.session.flush()
    assert _order(quiz) == [third.text, first.text, second.text]
    assert [question.sort_order for question in quiz.questions] == [0, 1, 2]

    moves = db.session.scalars(
        sa.select(AuditLog.details).where(AuditLog.action == AuditAction.QUIZ_UPDATED).order_by(AuditLog.id)
    ).all()
    assert [move["changes"] for move in moves] == [{"sort_order": 1}, {"sort_order": 1}]


def test_the_first_question_does_not_move_up_and_nothing_is_audited(quiz: Quiz) -> None:
    before = _order(quiz)

    quiz_editor.shift_question(quiz.questions[0], -1)
    db.session.flush()

    assert _order(quiz) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == 0
