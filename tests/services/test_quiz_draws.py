"""Does a random draw stay exact: an attempt keeps what it drew, scoring counts only that, a retake
draws again, and a draw larger than the pool is refused? (issue 14, item 3)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import Quiz, QuizAttempt, QuizQuestion, Tenant, User
from lms.models.enums import QuestionType
from lms.services import quiz_draws, quizzes
from lms.tenancy import tenant_context
from tests.factories import make_module, make_quiz, two_tenants

POOL = [
    (QuestionType.SINGLE_CHOICE, f"Question {n}", [("Right", True), ("Wrong", False), ("Also wrong", False)], 1)
    for n in range(10)
]


@dataclass
class World:
    acme: Tenant
    globex: Tenant
    ana: User
    bor: User
    quiz: Quiz
    globex_quiz: Quiz


@pytest.fixture
def world(app_ctx: Flask) -> Iterator[World]:
    tenants = two_tenants()
    quiz = make_quiz(make_module(tenants.acme, "Safety", sections=1), POOL)
    globex_quiz = make_quiz(make_module(tenants.globex, "Varnost", sections=1), POOL)
    db.session.commit()
    with tenant_context(tenants.acme.id):
        yield World(tenants.acme, tenants.globex, tenants.ana, tenants.bor, quiz, globex_quiz)


def _drawn_ids(attempt: QuizAttempt) -> list[int]:
    return [entry["id"] for entry in attempt.drawn_questions or []]


def _shown(quiz: Quiz, attempt: QuizAttempt) -> list[tuple[int, list[int]]]:
    """The attempt's questions and each one's option order, as its page shows them."""
    return [(asked.question.id, [index for index, _ in asked.options]) for asked in quizzes.asked_in(quiz, attempt)]


def _all_right(quiz: Quiz, attempt: QuizAttempt) -> dict[int, list[int]]:
    return {asked.question.id: [0] for asked in quizzes.asked_in(quiz, attempt)}


def test_an_attempt_asks_the_drawn_number_of_the_quizs_questions(world: World) -> None:
    world.quiz.draw_count = 4

    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    drawn = _drawn_ids(attempt)
    assert len(drawn) == len(set(drawn)) == 4
    assert set(drawn) <= {question.id for question in world.quiz.questions}
    assert [asked.question.id for asked in quizzes.asked_in(world.quiz, attempt)] == drawn


def test_the_attempt_keeps_its_questions_and_option_order_across_requests(world: World) -> None:
    world.quiz.draw_count = 3
    world.quiz.shuffle_questions = True
    world.quiz.shuffle_options = True
    first = quizzes.start_attempt(world.ana.id, world.quiz)
    shown = _shown(world.quiz, first)
    db.session.commit()
    db.session.expire_all()

    again = quizzes.start_attempt(world.ana.id, world.quiz)  # the page reloaded: the open attempt comes back

    assert again.id == first.id
    assert _shown(world.quiz, again) == shown


def test_scoring_counts_only_the_drawn_questions(world: World) -> None:
    world.quiz.draw_count = 2
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, _all_right(world.quiz, attempt))

    assert outcome.attempt.score == 100
    assert outcome.attempt.passed is True
    assert [result.question.id for result in outcome.results] == _drawn_ids(attempt)


def test_an_answer_to_a_question_the_attempt_did_not_draw_writes_nothing(world: World) -> None:
    world.quiz.draw_count = 2
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    undrawn = next(question.id for question in world.quiz.questions if question.id not in _drawn_ids(attempt))

    with pytest.raises(quizzes.InvalidAnswers):
        quizzes.submit(world.ana.id, world.quiz, attempt.id, {undrawn: [0]})

    db.session.refresh(attempt)
    assert attempt.submitted_at is None


def test_the_result_page_reviews_the_drawn_questions_after_the_pool_changed(world: World) -> None:
    world.quiz.draw_count = 2
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    quizzes.submit(world.ana.id, world.quiz, attempt.id, _all_right(world.quiz, attempt))
    world.quiz.questions.append(QuizQuestion(text="Added later", options=[{"text": "A", "correct": True}]))
    world.quiz.draw_count = None
    db.session.flush()

    outcome = quizzes.latest_result(world.ana.id, world.quiz)

    assert outcome is not None
    assert [result.question.id for result in outcome.results] == _drawn_ids(attempt)
    assert outcome.percent == 100


def test_a_retake_draws_again(world: World) -> None:
    world.quiz.draw_count = 3
    world.quiz.passing_score = 100
    draws = set()
    for _ in range(6):
        attempt = quizzes.start_attempt(world.ana.id, world.quiz)
        draws.add(tuple(sorted(_drawn_ids(attempt))))
        quizzes.submit(world.ana.id, world.quiz, attempt.id, {})  # failed: the next start is a retake

    assert len(draws) > 1  # 120 possible draws of 3 from 10: six equal ones in a row are a broken draw
    numbers = db.session.scalars(sa.select(QuizAttempt.attempt_number).where(QuizAttempt.user_id == world.ana.id))
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_shuffled_options_are_scored_by_the_option_not_its_place(world: World) -> None:
    world.quiz.shuffle_options = True
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    right = {
        asked.question.id: [index for index, option in asked.options if option["correct"]]
        for asked in quizzes.asked_in(world.quiz, attempt)
    }

    outcome = quizzes.submit(world.ana.id, world.quiz, attempt.id, right)

    assert outcome.attempt.score == 100


def test_without_draw_or_shuffle_an_attempt_asks_every_question_in_order(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)

    asked = quizzes.asked_in(world.quiz, attempt)

    assert [item.question.id for item in asked] == [question.id for question in world.quiz.questions]
    assert all([index for index, _ in item.options] == [0, 1, 2] for item in asked)


def test_an_attempt_from_before_draws_asks_every_question(world: World) -> None:
    attempt = quizzes.start_attempt(world.ana.id, world.quiz)
    attempt.drawn_questions = None
    world.quiz.draw_count = 2

    assert len(quizzes.asked_in(world.quiz, attempt)) == len(POOL)


# --- The author's side --------------------------------------------------------------------


def test_a_draw_of_more_questions_than_the_pool_is_refused(world: World) -> None:
    with pytest.raises(quiz_draws.InvalidDraw, match="only 10 questions"):
        quiz_draws.check_draw_count(world.quiz.id, 11)
    quiz_draws.check_draw_count(world.quiz.id, 10)
    quiz_draws.check_draw_count(world.quiz.id, None)


def test_a_new_quiz_cannot_draw_before_it_has_questions(world: World) -> None:
    with pytest.raises(quiz_draws.InvalidDraw, match="only 0 questions"):
        quiz_draws.check_draw_count(None, 1)


def test_the_pool_of_another_tenants_quiz_counts_as_empty(world: World) -> None:
    with pytest.raises(quiz_draws.InvalidDraw, match="only 0 questions"):
        quiz_draws.check_draw_count(world.globex_quiz.id, 1)


def test_a_question_cannot_be_deleted_below_the_draw(world: World) -> None:
    world.quiz.draw_count = len(POOL)

    with pytest.raises(quiz_draws.InvalidDraw, match="draws 10 questions"):
        quizzes.check_question_deletable(world.quiz.questions[0])

    world.quiz.draw_count = len(POOL) - 1
    quizzes.check_question_deletable(world.quiz.questions[0])
