"""Can a learner take a module's quiz, and is every wrong request refused cleanly? (issue 6)"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Module, Notification, Quiz, QuizAttempt, Tenant
from lms.models.enums import NotificationType, TenantRole
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.factories import make_module, make_quiz, make_user
from tests.learner.conftest import Place


@dataclass
class Quizzes:
    basics_quiz: int
    questions: list[int]  # of the basics quiz: single choice, multiple choice, true/false
    advanced_quiz: int
    other_question: int  # a question of the advanced quiz
    no_quiz_module: int
    colleague_id: int


@pytest.fixture
def quiz(app: Flask, place: Place) -> Quizzes:
    """Basics has a timed quiz of two attempts; advanced (locked for Ana) has one too."""
    with app.app_context(), tenant_context(place.acme_id):
        basics = make_quiz(db.session.get(Module, place.basics_id), max_attempts=2, time_limit=10)
        advanced = make_quiz(db.session.get(Module, place.advanced_id))
        with tenant_context(place.globex_id):
            make_quiz(db.session.get(Module, place.globex_module_id))
        acme = db.session.get(Tenant, place.acme_id)
        colleague = make_user("cene@acme.test", (acme, TenantRole.EMPLOYEE))
        result = Quizzes(
            basics_quiz=basics.id,
            questions=[question.id for question in basics.questions],
            advanced_quiz=advanced.id,
            other_question=advanced.questions[0].id,
            no_quiz_module=make_module(acme, "No quiz here").id,
            colleague_id=colleague.id,
        )
        db.session.commit()
    return result


def _right(quiz: Quizzes) -> dict[str, object]:
    single, multiple, true_false = quiz.questions
    return {f"q-{single}": "0", f"q-{multiple}": ["0", "1"], f"q-{true_false}": "1"}


def _wrong(quiz: Quizzes) -> dict[str, object]:
    single, multiple, true_false = quiz.questions
    return {f"q-{single}": "1", f"q-{multiple}": "2", f"q-{true_false}": "0"}


def _open_attempt(app: Flask, place: Place, user_id: int | None = None) -> int:
    with app.app_context(), tenant_context(place.acme_id):
        return db.session.scalar(
            sa.select(QuizAttempt.id).where(
                QuizAttempt.user_id == (user_id or place.ana_id), QuizAttempt.submitted_at.is_(None)
            )
        )


def _attempts(app: Flask, place: Place) -> list[tuple[int, float | None, bool, str | None]]:
    with app.app_context(), tenant_context(place.acme_id):
        rows = db.session.execute(
            sa.select(
                QuizAttempt.attempt_number, QuizAttempt.score, QuizAttempt.passed, QuizAttempt.failure_reason
            ).order_by(QuizAttempt.id)
        )
        return [tuple(row) for row in rows]


def _start_and_submit(ana: FlaskClient, app: Flask, place: Place, answers: dict[str, object]) -> str:
    assert ana.post(f"/modules/{place.basics_id}/quiz/start").status_code == 302
    attempt_id = _open_attempt(app, place)
    response = ana.post(f"/modules/{place.basics_id}/quiz/submit", data={"attempt_id": attempt_id, **answers})
    assert response.status_code == 302
    assert response.location.endswith(f"/modules/{place.basics_id}/quiz/result")
    return ana.get(response.location).get_data(as_text=True)


def test_the_module_page_leads_to_its_quiz(ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    page = ana.get(f"/modules/{place.basics_id}").get_data(as_text=True)
    assert f'href="/modules/{place.basics_id}/quiz"' in page
    assert "Take the quiz" in page

    assert "Take the quiz" not in ana.get(f"/modules/{quiz.no_quiz_module}").get_data(as_text=True)


def test_the_start_page_shows_the_passing_score_attempts_and_time_limit(
    ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    page = ana.get(f"/modules/{place.basics_id}/quiz")

    assert page.status_code == 200
    text = " ".join(page.get_data(as_text=True).split())
    assert 'Passing score</dt><dd class="col-sm-8">70 %' in text
    assert "2 of 2" in text
    assert "10 minutes" in text
    assert "Start the quiz" in text


def test_the_attempt_page_shows_questions_and_a_countdown_but_never_the_correct_answers(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    assert ana.post(f"/modules/{place.basics_id}/quiz/start").status_code == 302

    page = ana.get(f"/modules/{place.basics_id}/quiz").get_data(as_text=True)

    assert "Which colour is a stop sign?" in page
    assert "Emergency exits may be blocked." in page
    assert 'id="quiz-countdown" data-seconds-left="' in page
    assert "correct" not in page.lower()
    option_values = re.findall(r'name="q-\d+"[^>]*value="([^"]*)"', page)
    assert option_values == ["0", "1", "2", "0", "1", "2", "0", "1"]
    assert _open_attempt(app, place) is not None


def test_right_answers_pass_and_the_result_says_so(app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    result = _start_and_submit(ana, app, place, _right(quiz))

    assert "Passed" in result
    assert "Your score: 100 %" in result
    assert _attempts(app, place) == [(1, 100.0, True, None)]
    with app.app_context(), tenant_context(place.acme_id):
        types = db.session.scalars(sa.select(Notification.type).where(Notification.user_id == place.ana_id)).all()
    # 100 % also earns the quiz's high-score XP (issue 7).
    assert sorted(types, key=str) == [NotificationType.QUIZ_RESULT, NotificationType.XP_EARNED]


def test_a_failed_result_marks_the_wrong_questions_but_hides_the_correct_options_while_retries_remain(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    single, multiple, _ = quiz.questions
    answers = {f"q-{single}": "0", f"q-{multiple}": "0"}  # right; a partial set; unanswered

    result = " ".join(_start_and_submit(ana, app, place, answers).split())

    assert "Not passed" in result
    assert "Your score: 25 %" in result
    assert "Which colour is a stop sign? — <strong>right</strong>" in result
    assert "Which are protective equipment? — <strong>wrong</strong>" in result
    assert "Emergency exits may be blocked. — <strong>wrong</strong>" in result
    assert "Correct:" not in result
    assert "Gloves" not in result
    assert "The correct answers are not shown while you can still try again." in result


def test_after_the_last_failed_attempt_the_correct_options_are_shown(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    _start_and_submit(ana, app, place, _wrong(quiz))
    result = _start_and_submit(ana, app, place, _wrong(quiz))

    assert "Correct:" in result
    assert "Helmet; Gloves" in result
    start = ana.get(f"/modules/{place.basics_id}/quiz").get_data(as_text=True)
    assert "You have used all 2 attempts at this quiz." in start
    refused = ana.post(f"/modules/{place.basics_id}/quiz/start", follow_redirects=True)
    assert "You have used all 2 attempts at this quiz." in refused.get_data(as_text=True)
    assert len(_attempts(app, place)) == 2


def test_a_passed_quiz_is_not_offered_again(app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    _start_and_submit(ana, app, place, _right(quiz))

    refused = ana.post(f"/modules/{place.basics_id}/quiz/start", follow_redirects=True).get_data(as_text=True)

    assert "You have passed this quiz." in refused
    assert "Start the quiz" not in refused
    assert len(_attempts(app, place)) == 1


def test_a_double_submit_records_the_attempt_once(app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    ana.post(f"/modules/{place.basics_id}/quiz/start")
    attempt_id = _open_attempt(app, place)
    url = f"/modules/{place.basics_id}/quiz/submit"

    first = ana.post(url, data={"attempt_id": attempt_id, **_wrong(quiz)})
    second = ana.post(url, data={"attempt_id": attempt_id, **_right(quiz)})

    assert (first.status_code, second.status_code) == (302, 302)
    assert _attempts(app, place) == [(1, 0.0, False, None)]
    with app.app_context(), tenant_context(place.acme_id):
        assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 1


def test_a_submit_after_the_time_limit_is_recorded_as_failed_with_a_clear_message(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    ana.post(f"/modules/{place.basics_id}/quiz/start")
    attempt_id = _open_attempt(app, place)
    with app.app_context(), tenant_context(place.acme_id):
        db.session.get(QuizAttempt, attempt_id).started_at = utcnow() - timedelta(minutes=11)
        db.session.commit()

    response = ana.post(
        f"/modules/{place.basics_id}/quiz/submit",
        data={"attempt_id": attempt_id, **_right(quiz)},
        follow_redirects=True,
    )

    page = response.get_data(as_text=True)
    assert "Time was up before your answers arrived, so this attempt counts as failed." in page
    assert "Not passed" in page
    assert _attempts(app, place) == [(1, 0.0, False, "time_limit")]


def test_answers_for_a_question_of_another_quiz_are_refused_and_nothing_is_written(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    ana.post(f"/modules/{place.basics_id}/quiz/start")
    attempt_id = _open_attempt(app, place)

    refused = ana.post(
        f"/modules/{place.basics_id}/quiz/submit",
        data={"attempt_id": attempt_id, **_right(quiz), f"q-{quiz.other_question}": "0"},
    )

    assert refused.status_code == 400
    assert "not part of this quiz" in refused.get_data(as_text=True)
    assert _attempts(app, place) == [(1, None, False, None)]


@pytest.mark.parametrize("tampered", ["colleague", "globex", "nonsense", "missing"])
def test_a_tampered_attempt_id_is_not_found(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes, tampered: str
) -> None:
    with app.app_context():
        with tenant_context(place.acme_id):
            colleague = QuizAttempt(quiz_id=quiz.basics_quiz, user_id=quiz.colleague_id)
            db.session.add(colleague)
        with tenant_context(place.globex_id):
            foreign_quiz = db.session.get(Module, place.globex_module_id).quiz
            foreign = QuizAttempt(quiz_id=foreign_quiz.id, user_id=place.ana_id)
            db.session.add(foreign)
        ids = {"colleague": colleague.id, "globex": foreign.id, "nonsense": "abc"}
        db.session.commit()
    data = {**_right(quiz)}
    if tampered in ids:
        data["attempt_id"] = ids[tampered]

    response = ana.post(f"/modules/{place.basics_id}/quiz/submit", data=data)

    assert response.status_code == 404
    assert [row[1] for row in _attempts(app, place)] == [None]


def test_viewers_see_the_quiz_but_cannot_start_or_submit_it(
    app: Flask, viewer: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    page = viewer.get(f"/modules/{place.basics_id}/quiz")
    assert page.status_code == 200
    assert "Start the quiz" not in page.get_data(as_text=True)

    assert viewer.post(f"/modules/{place.basics_id}/quiz/start").status_code == 403
    assert viewer.post(f"/modules/{place.basics_id}/quiz/submit", data={"attempt_id": 1}).status_code == 403
    assert _attempts(app, place) == []


def test_a_locked_module_refuses_its_quiz(app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    page = ana.get(f"/modules/{place.advanced_id}/quiz").get_data(as_text=True)
    assert "This module is locked." in page
    assert "Start the quiz" not in page

    refused = ana.post(f"/modules/{place.advanced_id}/quiz/start")

    assert refused.status_code == 403
    assert "Complete these modules first: Safety basics." in refused.get_data(as_text=True)
    assert _attempts(app, place) == []


def test_drafts_and_other_tenants_quizzes_are_not_found(ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    for module_id in (place.globex_module_id, place.draft_id):
        assert ana.get(f"/modules/{module_id}/quiz").status_code == 404
        assert ana.get(f"/modules/{module_id}/quiz/result").status_code == 404
        assert ana.post(f"/modules/{module_id}/quiz/start").status_code == 404
        assert ana.post(f"/modules/{module_id}/quiz/submit", data={"attempt_id": 1}).status_code == 404


def test_a_module_without_a_quiz_says_so(ana: FlaskClient, quiz: Quizzes) -> None:
    page = ana.get(f"/modules/{quiz.no_quiz_module}/quiz")
    assert page.status_code == 200
    assert "This module has no quiz." in page.get_data(as_text=True)

    assert "You have not submitted this quiz yet." in ana.get(f"/modules/{quiz.no_quiz_module}/quiz/result").text
    assert ana.post(f"/modules/{quiz.no_quiz_module}/quiz/start").status_code == 404


# --- Drawn questions (issue 14, item 3) ---------------------------------------------------


def _draw(app: Flask, place: Place, quiz: Quizzes, count: int) -> None:
    with app.app_context(), tenant_context(place.acme_id):
        settings = db.session.get(Quiz, quiz.basics_quiz)
        settings.draw_count = count
        settings.shuffle_options = True
        db.session.commit()


def _asked(page: str) -> list[int]:
    return [int(question_id) for question_id in re.findall(r'id="question-(\d+)"', page)]


def _choices(page: str) -> list[str]:
    return re.findall(r'id="(q-\d+-\d+)"', page)


def test_the_attempt_page_shows_the_drawn_questions_and_keeps_them_on_reload(
    app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes
) -> None:
    _draw(app, place, quiz, 2)
    ana.post(f"/modules/{place.basics_id}/quiz/start")

    first = ana.get(f"/modules/{place.basics_id}/quiz").get_data(as_text=True)
    again = ana.get(f"/modules/{place.basics_id}/quiz").get_data(as_text=True)

    assert len(_asked(first)) == 2
    assert set(_asked(first)) <= set(quiz.questions)
    assert _asked(again) == _asked(first)
    assert _choices(again) == _choices(first)  # the options in the same order


def test_the_result_reviews_only_the_drawn_questions(app: Flask, ana: FlaskClient, place: Place, quiz: Quizzes) -> None:
    _draw(app, place, quiz, 1)
    ana.post(f"/modules/{place.basics_id}/quiz/start")
    (asked,) = _asked(ana.get(f"/modules/{place.basics_id}/quiz").get_data(as_text=True))
    right = {key: value for key, value in _right(quiz).items() if key == f"q-{asked}"}

    page = _start_and_submit(ana, app, place, right)

    assert re.findall(r'id="result-(\d+)"', page) == [str(asked)]
    assert "100 %" in page
    assert _attempts(app, place) == [(1, 100.0, True, None)]
