"""Quizzes (issue 6; DESIGN.md: quizzes): attempts started, answered and scored on the server.

Rules, each in one place here:
- ``max_attempts`` (null = unlimited) counts the attempts since the learner's last pass;
  the next attempt's ``attempt_number`` is the unique key (quiz, user, number), so two
  concurrent starts insert one row and both get it: no check-then-insert race.
- One attempt is open at a time: starting again returns it. An open attempt past its
  time limit and grace is closed as failed ("time_limit") before a new one starts.
- A learner who passed retakes the quiz only while the certificate's renewal window is
  open (DESIGN.md: certificates and compliance); the attempt limit starts afresh then.
- Score = points earned / points possible x 100; a multiple-choice question counts
  only when the exact set of correct options is chosen, a partial set earns nothing.
- The time limit is enforced at submit with 30 s of grace; a late submit is recorded
  as failed with score 0 and ``failure_reason = "time_limit"``.
- Submitting is a guarded UPDATE on ``submitted_at IS NULL``: a second submit of the
  same attempt writes nothing and gets the recorded result.
- Correct options never leave the server while the learner may still try again: a
  result reveals them only when no attempt is left and the quiz was never passed
  (after a pass they stay hidden, since the same quiz comes back for renewal).
- An attempt asks the questions drawn when it started (``quiz_draws``): only those are
  answered, scored and reviewed (issue 14, item 3).

Services flush at most; the caller commits (STYLE.md: transactions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from math import floor
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import Module, Quiz, QuizAttempt, QuizQuestion
from lms.models.enums import ModuleStatus, NotificationType, QuestionType
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.services import completion, progress, quiz_draws, xp
from lms.services.links import path_for
from lms.services.notifications import notify

GRACE = timedelta(seconds=30)
TIME_LIMIT = "time_limit"
ONE_CORRECT = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.TRUE_FALSE})


class QuizError(LmsError):
    """A quiz rule refused a request; the message tells the learner or author why."""


class AttemptNotFound(QuizError):
    """No such attempt of this learner at this quiz: another user's, quiz's or tenant's id is a 404."""


class AttemptRefused(QuizError):
    """A new attempt cannot start: the quiz is empty, passed, or out of attempts."""


class InvalidAnswers(QuizError):
    """Answers name a question of another quiz or an option that does not exist."""


class InvalidOptions(QuizError):
    """A question's options break the rules of its type (admin form)."""


# --- Reading ------------------------------------------------------------------------------


def quiz_of(module: Module) -> Quiz | None:
    return db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))


def questions_of(quiz: Quiz) -> list[QuizQuestion]:
    return list(
        db.session.scalars(
            sa.select(QuizQuestion)
            .where(QuizQuestion.quiz_id == quiz.id)
            .order_by(QuizQuestion.sort_order, QuizQuestion.id)
        )
    )


def asked_in(quiz: Quiz, attempt: QuizAttempt) -> list[quiz_draws.AskedQuestion]:
    """The questions this attempt asks, in its order, with its option order."""
    return quiz_draws.asked(attempt, questions_of(quiz))


def deadline(quiz: Quiz, attempt: QuizAttempt) -> datetime | None:
    """When the attempt's time is up (shown to the learner); the server adds ``GRACE`` at submit."""
    if quiz.time_limit is None:
        return None
    return attempt.started_at + timedelta(minutes=quiz.time_limit)


def seconds_left(quiz: Quiz, attempt: QuizAttempt) -> int | None:
    end = deadline(quiz, attempt)
    return None if end is None else max(0, floor((end - utcnow()).total_seconds()))


def _expired(quiz: Quiz, attempt: QuizAttempt, now: datetime) -> bool:
    end = deadline(quiz, attempt)
    return end is not None and now > end + GRACE


def _renewal_open(user_id: int, module_id: int) -> bool:
    """May a learner who passed take the quiz again? When their newest certificate of the module is
    in its renewal window, expired or revoked (DESIGN.md: certificates and compliance)."""
    newest = completion.newest_certificate(user_id, module_id)
    return newest is not None and completion.renewable(newest, utcnow())


@dataclass(frozen=True)
class Standing:
    """Where a learner stands with a quiz: what the start page shows and what starting allows."""

    quiz: Quiz
    attempts: list[QuizAttempt]  # by attempt_number
    renewal_open: bool

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in reversed(self.attempts) if a.submitted_at is None), None)

    @property
    def last_submitted(self) -> QuizAttempt | None:
        return next((a for a in reversed(self.attempts) if a.submitted_at is not None), None)

    @property
    def passed(self) -> bool:
        return any(a.passed for a in self.attempts)

    @property
    def last_number(self) -> int:
        return self.attempts[-1].attempt_number if self.attempts else 0

    @property
    def used(self) -> int:
        """Attempts counted against ``max_attempts``: those since the last pass."""
        last_pass = max((a.attempt_number for a in self.attempts if a.passed), default=0)
        return self.last_number - last_pass

    @property
    def attempts_left(self) -> int | None:
        if self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - self.used)

    @property
    def refusal(self) -> str | None:
        """Why no new attempt may start, or None."""
        if self.passed and not self.renewal_open:
            return _("You have passed this quiz. You can take it again when your certificate is due for renewal.")
        if self.attempts_left == 0:
            return _("You have used all %(n)d attempts at this quiz.", n=self.quiz.max_attempts)
        return None

    @property
    def reveal(self) -> bool:
        """May a result show the correct options? Only when the learner can never try again."""
        return not self.passed and self.attempts_left == 0


def standing(user_id: int, quiz: Quiz) -> Standing:
    attempts = list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user_id)
            .order_by(QuizAttempt.attempt_number)
        )
    )
    renewal = any(a.passed for a in attempts) and _renewal_open(user_id, quiz.module_id)
    return Standing(quiz, attempts, renewal)


# --- Scoring ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    question: QuizQuestion
    chosen: frozenset[int]
    right: bool

    @property
    def earned(self) -> int:
        return self.question.points if self.right else 0


def correct_options(question: QuizQuestion) -> frozenset[int]:
    return frozenset(index for index, option in enumerate(question.options) if option.get("correct"))


def grade(questions: Sequence[QuizQuestion], chosen: Mapping[int, Iterable[int]]) -> tuple[float, list[QuestionResult]]:
    """The score (0-100) and each question's result; an unanswered question earns nothing."""
    results = []
    for question in questions:
        picked = frozenset(chosen.get(question.id, ()))
        correct = correct_options(question)
        results.append(QuestionResult(question, picked, bool(correct) and picked == correct))
    possible = sum(question.points for question in questions)
    earned = sum(result.earned for result in results)
    return (100 * earned / possible if possible else 0.0), results


def _checked_answers(questions: Sequence[QuizQuestion], answers: Mapping[int, Iterable[int]]) -> dict[int, list[int]]:
    """The answers as sorted option lists, or InvalidAnswers naming what is wrong; nothing is written."""
    by_id = {question.id: question for question in questions}
    foreign = set(answers) - set(by_id)
    if foreign:
        raise InvalidAnswers(_l("These answers are for questions that are not part of this quiz. Reload the quiz."))
    checked = {}
    for question_id, raw in answers.items():
        question = by_id[question_id]
        picked = sorted(set(raw))
        if any(not 0 <= index < len(question.options) for index in picked):
            raise InvalidAnswers(_l("An answer names an option that does not exist. Reload the quiz."))
        if question.type in ONE_CORRECT and len(picked) > 1:
            raise InvalidAnswers(_l("Choose only one answer for “%(question)s”.", question=question.text))
        checked[question_id] = picked
    return checked


# --- Attempts -----------------------------------------------------------------------------


def start_attempt(user_id: int, quiz: Quiz) -> QuizAttempt:
    """The learner's open attempt, or a new one when the rules allow (AttemptRefused says why not).

    A module whose prerequisites are not completed raises ``progress.ModuleLocked``: the
    lock is checked here, not by the caller, so no path (page, job, script) can skip it.
    The caller has checked that the module is published.
    """
    progress.check_unlocked(user_id, quiz.module)
    now = utcnow()
    state = standing(user_id, quiz)
    current = state.open_attempt
    if current is not None and not _expired(quiz, current, now):
        return current
    if current is not None:
        _close_late(current, now)
        state = standing(user_id, quiz)
    questions = questions_of(quiz)
    if not questions:
        raise AttemptRefused(_l("This quiz has no questions yet."))
    if state.refusal is not None:
        raise AttemptRefused(state.refusal)
    number = state.last_number + 1
    # A concurrent start took the same number: its attempt is the one (the unique key decides).
    insert_or_ignore(
        QuizAttempt,
        {
            "tenant_id": quiz.tenant_id,
            "quiz_id": quiz.id,
            "user_id": user_id,
            "attempt_number": number,
            "started_at": now,
            "passed": False,
            "answers": {},
            "drawn_questions": quiz_draws.draw(quiz, questions),
            "created_at": now,
            "updated_at": now,
        },
        conflict=["quiz_id", "user_id", "attempt_number"],
    )
    progress.record_access(user_id, quiz.module_id, quiz.tenant_id, now)
    return db.session.scalar(
        sa.select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user_id, QuizAttempt.attempt_number == number)
        .execution_options(populate_existing=True)
    )


def _record(attempt_id: int, values: dict[str, Any]) -> bool:
    """Submit an attempt once: True when this call recorded it (the guard is ``submitted_at IS NULL``)."""
    return bool(
        db.session.execute(
            sa.update(QuizAttempt)
            .where(QuizAttempt.id == attempt_id, QuizAttempt.submitted_at.is_(None))
            .values(**values, updated_at=values["submitted_at"])
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def _close_late(attempt: QuizAttempt, now: datetime) -> None:
    """An abandoned timed attempt counts as failed for the time limit, as a late submit would."""
    _record(attempt.id, {"submitted_at": now, "score": 0.0, "passed": False, "failure_reason": TIME_LIMIT})
    db.session.refresh(attempt)


@dataclass(frozen=True)
class Outcome:
    """A submitted attempt as its result page shows it."""

    attempt: QuizAttempt
    results: list[QuestionResult]
    reveal: bool  # the correct options may be shown
    recorded_now: bool  # False for a repeated submit

    @property
    def late(self) -> bool:
        return self.attempt.failure_reason == TIME_LIMIT

    @property
    def percent(self) -> int:
        """Rounded down, so 69.9 % against a passing score of 70 never reads as 70."""
        return floor(self.attempt.score or 0)

    @property
    def wrong(self) -> list[QuestionResult]:
        return [result for result in self.results if not result.right]


def _outcome(user_id: int, quiz: Quiz, attempt: QuizAttempt, recorded_now: bool) -> Outcome:
    stored = {int(question_id): indexes for question_id, indexes in (attempt.answers or {}).items()}
    _, results = grade([asked.question for asked in asked_in(quiz, attempt)], stored)
    return Outcome(attempt, results, standing(user_id, quiz).reveal, recorded_now)


def submit(user_id: int, quiz: Quiz, attempt_id: int, answers: Mapping[int, Iterable[int]]) -> Outcome:
    """Score the learner's answers (question id -> chosen option indexes) and record the attempt once.

    Only the questions the attempt drew count; an answer to any other question is refused.

    A pass counts towards completing the module (``completion.record_progress``); the
    learner gets a QUIZ_RESULT notification. Raises ``progress.ModuleLocked`` while the
    module's prerequisites are not completed (an attempt opened before the author added a
    prerequisite, or a forged request, records nothing), AttemptNotFound for an attempt that
    is not this learner's at this quiz, InvalidAnswers for answers that do not fit it.
    """
    progress.check_unlocked(user_id, quiz.module)
    attempt = db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.id == attempt_id, QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id
        )
    )
    if attempt is None:
        raise AttemptNotFound(_l("This quiz attempt does not exist."))
    if attempt.submitted_at is not None:
        return _outcome(user_id, quiz, attempt, recorded_now=False)
    questions = [asked.question for asked in asked_in(quiz, attempt)]
    chosen = _checked_answers(questions, answers)
    now = utcnow()
    stored = {str(question_id): indexes for question_id, indexes in chosen.items()}
    if _expired(quiz, attempt, now):
        values = {"score": 0.0, "passed": False, "failure_reason": TIME_LIMIT}
    else:
        score, _results = grade(questions, chosen)
        values = {"score": score, "passed": score >= quiz.passing_score, "failure_reason": None}
    recorded = _record(attempt.id, {"submitted_at": now, "answers": stored, **values})
    db.session.refresh(attempt)
    if recorded:
        if attempt.passed:
            completion.record_progress(user_id, quiz.module_id)
        xp.award_quiz_score(user_id, quiz.id, quiz.title, attempt.score)
        _notify_result(user_id, quiz, attempt)
    return _outcome(user_id, quiz, attempt, recorded_now=recorded)


def latest_result(user_id: int, quiz: Quiz) -> Outcome | None:
    """The learner's most recent submitted attempt, as its result page shows it."""
    attempt = standing(user_id, quiz).last_submitted
    return None if attempt is None else _outcome(user_id, quiz, attempt, recorded_now=False)


def _notify_result(user_id: int, quiz: Quiz, attempt: QuizAttempt) -> None:
    score = floor(attempt.score or 0)
    if attempt.failure_reason == TIME_LIMIT:
        message = _l("Your answers arrived after the time limit, so the attempt counts as failed.")
    elif attempt.passed:
        message = _l("You passed with %(score)d %%.", score=score)
    else:
        message = _l(
            "You scored %(score)d %%; %(passing)d %% is needed to pass.", score=score, passing=quiz.passing_score
        )
    notify(
        user_id,
        NotificationType.QUIZ_RESULT,
        _l("Quiz result: %(title)s", title=quiz.title),
        message,
        link=path_for("learner.quiz_result", module_id=quiz.module_id),
    )


# --- Authoring ----------------------------------------------------------------------------


def check_options(type_: QuestionType, rows: Iterable[tuple[str | None, bool]]) -> list[dict[str, Any]]:
    """A question's options as stored, from the editor's rows (text, correct); InvalidOptions says what is wrong.

    Rows without text are left out unless marked correct. At least two options;
    exactly one correct for single choice and true/false (which has exactly two);
    at least one correct for multiple choice (issue 6).
    """
    options = []
    for text, correct in rows:
        text = " ".join((text or "").split())
        if not text:
            if correct:
                raise InvalidOptions(_l("An option marked correct has no text."))
            continue
        options.append({"text": text, "correct": bool(correct)})
    right = sum(option["correct"] for option in options)
    if type_ is QuestionType.TRUE_FALSE and len(options) != 2:
        raise InvalidOptions(_l("A true/false question has exactly two options."))
    if len(options) < 2:
        raise InvalidOptions(_l("Give at least two options."))
    if type_ in ONE_CORRECT and right != 1:
        raise InvalidOptions(_l("Mark exactly one option as correct."))
    if right < 1:
        raise InvalidOptions(_l("Mark at least one option as correct."))
    return options


def next_sort_order(quiz_id: int) -> int:
    """The place after the quiz's last question."""
    last = db.session.scalar(sa.select(sa.func.max(QuizQuestion.sort_order)).where(QuizQuestion.quiz_id == quiz_id))
    return 0 if last is None else last + 1


def check_quiz_deletable(quiz: Quiz) -> None:
    """Attempts are history (DESIGN.md: kept, never overwritten): a quiz someone took stays."""
    if db.session.scalar(sa.select(sa.exists().where(QuizAttempt.quiz_id == quiz.id))):
        raise QuizError(_l("Learners have taken this quiz; it is kept with their attempts and cannot be deleted."))


def check_question_deletable(question: QuizQuestion) -> None:
    """The quiz of a published module keeps at least one question (a quiz with none cannot be published)."""
    published = db.session.scalar(
        sa.select(Module.status == ModuleStatus.PUBLISHED)
        .join(Quiz, Quiz.module_id == Module.id)
        .where(Quiz.id == question.quiz_id)
    )
    others = db.session.scalar(
        sa.select(sa.func.count(QuizQuestion.id)).where(
            QuizQuestion.quiz_id == question.quiz_id, QuizQuestion.id != question.id
        )
    )
    if published and not others:
        raise QuizError(_l("This is the only question of a published module's quiz; add another one first."))
    quiz_draws.check_pool_after_delete(question)
