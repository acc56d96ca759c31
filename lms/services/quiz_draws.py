"""What one quiz attempt asks: shuffled questions, shuffled options, N questions drawn at random
(issue 14, item 3: what Moodle and Docebo users expect).

Rules, each in one place here:
- An attempt's questions and their option order are chosen once, when it starts, and
  stored on it (``QuizAttempt.drawn_questions``). The attempt page, scoring and the
  result page all read that list, so reloading the page, a reshuffle, a new question or a
  changed setting never changes an attempt that has begun; the next attempt draws again.
- ``draw_count`` (null = every question) draws that many of the quiz's questions; a
  count above the pool is refused when the author saves it, and a question cannot be
  deleted while the pool would fall below it, so a draw always has enough questions.
- Options are shuffled as a display order only: answers still name an option by its
  index in ``QuizQuestion.options``, so scoring needs no translation.
- A question deleted since the attempt began is skipped; an option added since is shown
  after the drawn order. Attempts started before migration 0011 have no stored draw and
  ask every question in its order, as they did.

Randomness comes from the operating system (``secrets``): a learner cannot predict the
next draw from the previous ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import ngettext

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Quiz, QuizAttempt, QuizQuestion

_random = secrets.SystemRandom()


class InvalidDraw(LmsError):
    """A quiz's draw setting cannot be met by its questions (admin form)."""


@dataclass(frozen=True)
class AskedQuestion:
    """A question as one attempt shows it: its options as (index in ``question.options``, option)."""

    question: QuizQuestion
    options: list[tuple[int, dict[str, Any]]]


def pool_size(quiz_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(QuizQuestion.id)).where(QuizQuestion.quiz_id == quiz_id)) or 0


def check_draw_count(quiz_id: int | None, draw_count: int | None) -> None:
    """Refuse a draw of more questions than the quiz holds (a new quiz holds none yet)."""
    if draw_count is None:
        return
    pool = 0 if quiz_id is None else pool_size(quiz_id)
    if draw_count > pool:
        raise InvalidDraw(
            ngettext(
                "The quiz has only %(num)d question; draw at most that many, or leave it empty to ask every question.",
                "The quiz has only %(num)d questions; draw at most that many, or leave it empty to ask every question.",
                pool,
            )
        )


def check_pool_after_delete(question: QuizQuestion) -> None:
    """A question may go only while the rest still fill the quiz's draw."""
    draw_count = question.quiz.draw_count
    if draw_count is not None and pool_size(question.quiz_id) - 1 < draw_count:
        raise InvalidDraw(
            ngettext(
                "Each attempt draws %(num)d question; lower that number in the quiz's settings before deleting "
                "this question.",
                "Each attempt draws %(num)d questions; lower that number in the quiz's settings before deleting "
                "this question.",
                draw_count,
            )
        )


def draw(quiz: Quiz, questions: list[QuizQuestion]) -> list[dict[str, Any]]:
    """A new attempt's questions (the quiz's, in its order) as stored on the attempt."""
    chosen = list(questions)
    if quiz.draw_count is not None and quiz.draw_count < len(chosen):
        picked = set(_random.sample(range(len(chosen)), quiz.draw_count))
        chosen = [question for index, question in enumerate(chosen) if index in picked]
    if quiz.shuffle_questions:
        _random.shuffle(chosen)
    drawn = []
    for question in chosen:
        order = list(range(len(question.options)))
        if quiz.shuffle_options:
            _random.shuffle(order)
        drawn.append({"id": question.id, "options": order})
    return drawn


def asked(attempt: QuizAttempt, questions: list[QuizQuestion]) -> list[AskedQuestion]:
    """The attempt's questions in the order it shows them, from the quiz's current ``questions``."""
    if attempt.drawn_questions is None:
        return [AskedQuestion(question, list(enumerate(question.options))) for question in questions]
    by_id = {question.id: question for question in questions}
    shown = []
    for entry in attempt.drawn_questions:
        question = by_id.get(entry["id"])
        if question is None:
            continue
        count = len(question.options)
        order = [index for index in entry.get("options", []) if 0 <= index < count]
        order += [index for index in range(count) if index not in order]
        shown.append(AskedQuestion(question, [(index, question.options[index]) for index in order]))
    return shown
