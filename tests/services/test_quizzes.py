"""Do the quiz rules hold: server-side scoring, attempt limits, the time limit, harmless double submits? (issue 6)"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Certificate, Notification, Quiz, QuizAttempt, SectionCompletion, Tenant, User
from lms.models.enums import NotificationType, QuestionType, TenantRole
from lms.models.types import utcnow
from lms.services import progress, quizzes
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import make_module, make_quiz, make_user, two_tenants


@dataclass
class World:
    acme: Tenant
    globex: Tenant
    ana: User
    bor: User
    quiz: Quiz
    other_quiz: Quiz
    globex_quiz: Quiz


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[World]:
    tenants = two_tenants()
    quiz = make_quiz(make_module(tenants.acme, "Safety", sections=1))
    other_quiz = make_quiz(make_module(tenants.acme, "Fire drills", sections=1))
    globex_quiz = make_quiz(make_module(tenants.globex, "Varnost", sections=1))
    db.session.commit()
    with tenant_context(tenants.acme.id):
        yield World(tenants.acme, tenants.globex, tenants.ana, tenants.bor, quiz, other_quiz, globex_quiz)


def _answers(quiz: Quiz, single: list[int], multiple: list[int], true_false: list[int]) -> dict[int, list[int]]:
    """Answers to ``QUIZ_QUESTIONS``: single choice (Red), multiple choice (Helmet+Gloves), true/false (False)."""
    first, second, third = quiz.questions
    return {first.id: single, second.id: multiple, third.id: true_false}


def _right(quiz: Quiz) -> dict[int, list[int]]:
    return _answers(quiz, [0], [0, 1], [1])


def _wrong(quiz: Quiz) -> dict[int, list[int]]:
    return _answers(quiz, [1], [2], [0])


def _notifications(user: User) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.message).where(
                Notification.user_id == user.id, Notification.type == NotificationType.QUIZ_RESULT
            )
        )
    )


# --- Scoring ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("single", "multiple", "true_false", "score", "passed"),
    [
        ([0], [0, 1], [1], 100, True),
        ([1], [0, 1], [1], 75, True),  # single choice: only the correct option earns its point
        ([0], [0], [1], 50, False),  # multiple choice: a partial set earns nothing
        ([0], [0, 1, 2], [1], 50, False),  # ... and so does a set with a wrong option
        ([0], [0, 1], [0], 75, True),  # true/false: the chosen option must be the correct one
        ([], [], [], 0, False),
    ],
    ids=["all-right", "single-wrong", "multiple-partial", "multiple-too-many", "true-false-wrong", "nothing"],
)
def test_score_is_points_earned_over_points_possible(
    world: World, single: list[int], multiple: list[int], true_false: list[int], score: int, passed: bool
) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _answers(world.quiz, single, multiple, true_false))

    assert (outcome.attempt.score, outcome.attempt.passed) == (score, passed)
    assert outcome.attempt.submitted_at is not None


def test_the_wrong_questions_are_listed_without_the_correct_options_while_retries_remain(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _answers(world.quiz, [0], [0], [0]))

    assert [result.question.text for result in outcome.wrong] == [
        "Which are protective equipment?",
        "Emergency exits may be blocked.",
    ]
    assert outcome.reveal is False


def test_the_correct_options_may_show_once_the_last_attempt_failed(world: World) -> None:
    world.quiz.max_attempts = 1
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _wrong(world.quiz))

    assert outcome.reveal is True


def test_a_pass_notifies_the_learner_and_completes_a_module_whose_sections_are_done(world: World) -> None:
    section = world.quiz.module.sections[0]
    db.session.add(SectionCompletion(user_id=world.ana.id, module_id=section.module_id, section_id=section.id))
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    assert _notifications(world.ana) == ["You passed with 100 %."]
    certificates = db.session.scalars(sa.select(Certificate.module_id).where(Certificate.user_id == world.ana.id))
    assert list(certificates) == [world.quiz.module_id]


def test_a_failed_attempt_says_what_was_needed(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    quizzes.submit(world.ana.id, world.quiz, attempt.id, _wrong(world.quiz))

    assert _notifications(world.ana) == ["You scored 0 %; 70 % is needed to pass."]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


# --- Attempts -----------------------------------------------------------------------------


def test_starting_again_returns_the_attempt_in_progress(world: World) -> None:
    first = quizzes.start_attempt(world.ana.id, world.quiz)
    again = quizzes.start_attempt(world.ana.id, world.quiz)

    assert again.id == first.id
    assert again.attempt_number == 1


def test_max_attempts_refuses_one_more_with_a_clear_message(world: World) -> None:
    world.quiz.max_attempts = 2
    for _ in range(2):
        attempt = quizzes.start_attempt(world.ana.id, world.quiz)
        quizzes.submit(world.ana.id, world.quiz, attempt.id, _wrong(world.quiz))

    with pytest.raises(quizzes.AttemptRefused, match="You have used all 2 attempts at this quiz"):
        quizzes.start_attempt(world.ana.id, world.quiz)
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 2


def test_a_passed_quiz_is_retaken_only_when_the_certificate_is_due_for_renewal(world: World) -> None:
    world.quiz.max_attempts = 1
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    with pytest.raises(quizzes.AttemptRefused, match="You have passed this quiz"):
        quizzes.start_attempt(world.ana.id, world.quiz)

    now = utcnow()
    db.session.add(
        Certificate(
            user_id=world.ana.id,
            module_id=world.quiz.module_id,
            unique_code="RENEWALDUE234567",
            completed_at=now - timedelta(days=350),
            expires_at=now + timedelta(days=10),
        )
    )
    renewal = quizzes.start_attempt(world.ana.id, world.quiz)
    assert renewal.attempt_number == 2  # the attempt limit counts afresh after a pass


def test_a_quiz_without_questions_cannot_be_started(world: World) -> None:
    empty = make_quiz(make_module(world.acme, "Empty", sections=1), [])

    with pytest.raises(quizzes.AttemptRefused, match="This quiz has no questions yet"):
        quizzes.start_attempt(world.ana.id, empty)


def test_two_concurrent_starts_do_not_exceed_max_attempts(app: Flask, committed: None) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        tenants = two_tenants()
        quiz = make_quiz(make_module(tenants.acme, "Safety"), max_attempts=1)
        tenant_id, quiz_id, user_id = tenants.acme.id, quiz.id, tenants.ana.id
        db.session.commit()
    barrier = threading.Barrier(3)
    started: list[object] = []

    def start() -> None:
        with app.app_context(), tenant_context(tenant_id):
            quiz = db.session.get(Quiz, quiz_id)
            barrier.wait()
            try:
                attempt = quizzes.start_attempt(user_id, quiz)
                db.session.commit()
                started.append(attempt.id)
            except Exception as error:  # any failure shows in the assertion below
                started.append(error)

    threads = [threading.Thread(target=start) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    with app.app_context(), unscoped("test assertion"):
        attempts = db.session.scalars(sa.select(QuizAttempt.id)).all()
    assert len(attempts) == 1
    assert started == attempts * 3


# --- The prerequisite lock (issue 11, point 1) -------------------------------------------


def _attempts(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.user_id == user.id))


def test_the_quiz_of_a_locked_module_cannot_be_started_until_its_prerequisite_is_completed(world: World) -> None:
    basics = make_module(world.acme, "Basics", sections=1)
    advanced = make_quiz(make_module(world.acme, "Advanced", sections=1, prerequisites=[basics]))

    with pytest.raises(progress.ModuleLocked, match="Complete these modules first: Basics"):
        quizzes.start_attempt(world.ana.id, advanced)
    assert _attempts(world.ana) == 0

    progress.complete_section(world.ana.id, basics.sections[0])

    assert quizzes.start_attempt(world.ana.id, advanced).attempt_number == 1
    assert _attempts(world.ana) == 1


def test_an_attempt_opened_before_a_prerequisite_was_added_is_not_recorded_until_it_is_completed(
    world: World,
) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    basics = make_module(world.acme, "Basics", sections=1)
    world.quiz.module.prerequisites = [basics]
    db.session.flush()

    with pytest.raises(progress.ModuleLocked, match="Complete these modules first: Basics"):
        quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))
    db.session.refresh(attempt)
    assert (attempt.submitted_at, attempt.score) == (None, None)
    assert _notifications(world.ana) == []

    progress.complete_section(world.ana.id, basics.sections[0])
    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    assert (outcome.attempt.score, outcome.attempt.passed) == (100, True)
    assert _notifications(world.ana) == ["You passed with 100 %."]


# --- Time limit ---------------------------------------------------------------------------


def _started_ago(attempt: QuizAttempt, elapsed: timedelta) -> None:
    attempt.started_at = utcnow() - elapsed
    db.session.flush()


def test_a_submit_within_the_grace_period_is_scored(world: World) -> None:
    world.quiz.time_limit = 10
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    _started_ago(attempt, timedelta(minutes=10, seconds=25))

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    assert (outcome.attempt.score, outcome.attempt.passed, outcome.late) == (100, True, False)


def test_a_submit_after_the_time_limit_and_grace_is_recorded_as_failed(world: World) -> None:
    world.quiz.time_limit = 10
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    _started_ago(attempt, timedelta(minutes=10, seconds=35))

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    assert (outcome.attempt.score, outcome.attempt.passed) == (0, False)
    assert outcome.attempt.failure_reason == "time_limit"
    assert _notifications(world.ana) == ["Your answers arrived after the time limit, so the attempt counts as failed."]
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 0


def test_an_abandoned_timed_attempt_counts_as_failed_when_the_learner_starts_again(world: World) -> None:
    world.quiz.time_limit = 5
    abandoned = quizzes.start_attempt(world.ana.id, world.quiz)
    _started_ago(abandoned, timedelta(hours=1))

    fresh = quizzes.start_attempt(world.ana.id, world.quiz)

    assert fresh.attempt_number == 2
    assert (abandoned.submitted_at is not None, abandoned.failure_reason) == (True, "time_limit")


# --- Bad input ----------------------------------------------------------------------------


def test_a_second_submit_of_the_same_attempt_changes_nothing(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    first = quizzes.submit(world.ana.id, world.quiz, attempt.id, _wrong(world.quiz))

    second = quizzes.submit(world.ana.id, world.quiz, attempt.id, _right(world.quiz))

    assert (first.recorded_now, second.recorded_now) == (True, False)
    assert (second.attempt.score, second.attempt.passed) == (0, False)
    assert len(_notifications(world.ana)) == 1


def test_answers_for_a_question_of_another_quiz_write_nothing(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    foreign = {**_right(world.quiz), world.other_quiz.questions[0].id: [0]}

    with pytest.raises(quizzes.InvalidAnswers, match="not part of this quiz"):
        quizzes.submit(world.ana.id, world.quiz, attempt.id, foreign)

    db.session.refresh(attempt)
    assert attempt.submitted_at is None
    assert _notifications(world.ana) == []


@pytest.mark.parametrize(
    ("single", "multiple", "message"),
    [([5], [0, 1], "an option that does not exist"), ([0, 1], [0, 1], "Choose only one answer")],
    ids=["no-such-option", "two-for-single-choice"],
)
def test_answers_that_do_not_fit_the_question_write_nothing(
    world: World, single: list[int], multiple: list[int], message: str
) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    with pytest.raises(quizzes.InvalidAnswers, match=message):
        quizzes.submit(world.ana.id, world.quiz, attempt.id, _answers(world.quiz, single, multiple, [1]))

    db.session.refresh(attempt)
    assert attempt.submitted_at is None


def test_an_attempt_of_another_learner_or_quiz_is_not_found(world: World) -> None:
    cene = make_user("cene@acme.test", (world.acme, TenantRole.EMPLOYEE))
    anas = quizzes.start_attempt(world.ana.id, world.quiz)
    of_other_quiz = quizzes.start_attempt(world.ana.id, world.other_quiz)

    with pytest.raises(quizzes.AttemptNotFound):
        quizzes.submit(cene.id, world.quiz, anas.id, {})
    with pytest.raises(quizzes.AttemptNotFound):
        quizzes.submit(world.ana.id, world.quiz, of_other_quiz.id, {})
    submitted = sa.select(sa.func.count(QuizAttempt.id)).where(QuizAttempt.submitted_at.is_not(None))
    assert db.session.scalar(submitted) == 0


def test_an_attempt_of_another_tenant_is_not_found(world: World) -> None:
    with tenant_context(world.globex.id):
        foreign = quizzes.start_attempt(world.bor.id, world.globex_quiz)

    with pytest.raises(quizzes.AttemptNotFound):
        quizzes.submit(world.ana.id, world.quiz, foreign.id, {})
    with tenant_context(world.globex.id):
        db.session.refresh(foreign)
        assert foreign.submitted_at is None


# --- The options editor's rules -----------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "rows", "message"),
    [
        (QuestionType.SINGLE_CHOICE, [("Red", True)], "at least two options"),
        (QuestionType.SINGLE_CHOICE, [("Red", True), ("Blue", True)], "exactly one option"),
        (QuestionType.SINGLE_CHOICE, [("Red", False), ("Blue", False)], "exactly one option"),
        (QuestionType.TRUE_FALSE, [("True", True), ("False", False), ("Maybe", False)], "exactly two options"),
        (QuestionType.TRUE_FALSE, [("True", True), ("False", True)], "exactly one option"),
        (QuestionType.MULTIPLE_CHOICE, [("A", False), ("B", False)], "at least one option"),
        (QuestionType.MULTIPLE_CHOICE, [("A", True), ("", True)], "has no text"),
    ],
)
def test_options_that_break_their_types_rule_are_refused(
    type_: QuestionType, rows: list[tuple[str, bool]], message: str
) -> None:
    with pytest.raises(quizzes.InvalidOptions, match=message):
        quizzes.check_options(type_, rows)


def test_options_keep_their_order_and_drop_empty_rows() -> None:
    rows = [(" Helmet ", True), ("", False), ("Gloves", True), ("Cake", False)]

    assert quizzes.check_options(QuestionType.MULTIPLE_CHOICE, rows) == [
        {"text": "Helmet", "correct": True},
        {"text": "Gloves", "correct": True},
        {"text": "Cake", "correct": False},
    ]
