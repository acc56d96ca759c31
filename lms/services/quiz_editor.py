"""The question editor's rules (issue 14, item 3): options from the editor's rows, question order.

- A true/false question gets its two options made for it: when the author leaves the
  rows' text empty, they become "True" and "False" in the tenant's language (the
  request's locale is the tenant's), and the author only ticks the correct one. The
  option rules themselves stay ``quizzes.check_options``'s.
- Questions are asked in ``sort_order``; moving one up or down renumbers the quiz's
  questions 0..n-1 so gaps and ties from older data disappear on the first move. Each
  move is audited as a quiz change (DESIGN.md: audit).

Services flush at most; the caller commits (STYLE.md: transactions).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import QuizQuestion
from lms.models.enums import AuditAction, QuestionType
from lms.services import quizzes
from lms.services.audit import audit


def true_false_texts() -> tuple[str, str]:
    """The two options of a true/false question, in the current (the tenant's) language."""
    return _("True"), _("False")


def options_from_rows(type_: QuestionType, rows: Sequence[tuple[str | None, bool]]) -> list[dict[str, Any]]:
    """The stored options from the editor's (text, correct) rows; ``quizzes.InvalidOptions`` says what is wrong.

    For a true/false question whose rows carry no text, the first two rows become
    "True" and "False" with the correct marks the author ticked on them.
    """
    if type_ is QuestionType.TRUE_FALSE and not any((text or "").strip() for text, _correct in rows):
        marks = [bool(correct) for _text, correct in rows[:2]]
        marks += [False] * (2 - len(marks))
        rows = list(zip(true_false_texts(), marks, strict=True))
    return quizzes.check_options(type_, rows)


def _in_order(questions: Iterable[QuizQuestion]) -> list[QuizQuestion]:
    return sorted(questions, key=lambda question: (question.sort_order, question.id))


def shift_question(question: QuizQuestion, offset: int) -> None:
    """Move a question up (negative) or down (positive) in its quiz; the first and last stay put at the ends."""
    ordered = _in_order(
        db.session.scalars(sa.select(QuizQuestion).where(QuizQuestion.quiz_id == question.quiz_id).with_for_update())
    )
    current = ordered.index(question)
    target = max(0, min(current + offset, len(ordered) - 1))
    if target == current:
        return
    previous = question.sort_order
    ordered.insert(target, ordered.pop(current))
    for index, each in enumerate(ordered):
        each.sort_order = index
    audit(AuditAction.QUIZ_UPDATED, question, changes={"sort_order": target}, previous={"sort_order": previous})
