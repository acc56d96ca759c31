"""Can HR set up a module's quiz on the module's own page? (issue 14, item 1)

The builder sits above the module's form, shows the quiz's settings as a form that posts to
the quizzes view (its validation, audit and 404s), creates the quiz when there is none, and
lists the questions with edit, move and delete buttons that post to the questions view and
come back to the builder.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import AuditLog, Module, Quiz, QuizQuestion
from lms.models.enums import AuditAction, ModuleStatus, QuestionType
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]

SETTINGS = {
    "title": "Ladder check",
    "passing_score": "80",
    "max_attempts": "3",
    "time_limit": "15",
    "shuffle_questions": "y",
    "draw_count": "",
}


def _module(app: Flask, tenant_id: int, title: str, questions: int | None = None) -> tuple[int, int | None]:
    """A draft module, with a quiz of ``questions`` single-choice questions unless None."""
    with app.app_context(), tenant_context(tenant_id):
        module = Module(title=title, status=ModuleStatus.DRAFT)
        db.session.add(module)
        if questions is not None:
            module.quiz = Quiz(title=f"{title} quiz", passing_score=70)
            for index in range(questions):
                module.quiz.questions.append(
                    QuizQuestion(
                        text=f"Question {index + 1}",
                        type=QuestionType.SINGLE_CHOICE,
                        points=1,
                        sort_order=index,
                        options=[{"text": "Yes", "correct": True}, {"text": "No", "correct": False}],
                    )
                )
        db.session.flush()
        ids = module.id, (module.quiz.id if module.quiz is not None else None)
        db.session.commit()
    return ids


def _questions(rows: Rows, tenant_id: int, quiz_id: int) -> list[str]:
    statement = sa.select(QuizQuestion.text).where(QuizQuestion.quiz_id == quiz_id).order_by(QuizQuestion.sort_order)
    return [text for (text,) in rows(tenant_id, statement)]


def _quiz(rows: Rows, tenant_id: int, quiz_id: int) -> tuple[Any, ...]:
    statement = sa.select(
        Quiz.title, Quiz.passing_score, Quiz.max_attempts, Quiz.time_limit, Quiz.shuffle_questions, Quiz.draw_count
    ).where(Quiz.id == quiz_id)
    return tuple(rows(tenant_id, statement)[0])


def test_the_builder_comes_before_the_modules_long_form(app: Flask, client_as: Client, companies: Companies) -> None:
    module_id, _ = _module(app, companies.acme_id, "Ladders", questions=1)

    page = client_as("hr").get(f"/admin/modules/edit/?id={module_id}").get_data(as_text=True)

    places = [
        page.index(marker)
        for marker in ('id="builder-sections"', 'id="builder-quiz"', 'id="module-details-title"', 'id="description"')
    ]
    assert places == sorted(places)


def test_a_module_without_a_quiz_offers_the_quiz_form_and_creates_it_in_place(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, _ = _module(app, companies.acme_id, "Ladders")
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    page = client.get(back).get_data(as_text=True)
    created = client.post(f"/admin/quizzes/new/?url={back}", data={"module": str(module_id), **SETTINGS})
    after = client.get(back).get_data(as_text=True)

    assert 'id="add-quiz"' in page
    assert re.search(r'id="quiz-title"[^>]*value="Ladders"|value="Ladders"[^>]*id="quiz-title"', page)
    assert 'id="quiz-draw_count"' in page
    assert 'for="quiz-passing_score"' in page
    assert created.status_code == 302
    assert created.location.endswith(back)
    ((quiz_id, module),) = rows(companies.acme_id, sa.select(Quiz.id, Quiz.module_id))
    assert module == module_id
    assert _quiz(rows, companies.acme_id, quiz_id) == ("Ladder check", 80, 3, 15, True, None)
    assert 'id="save-quiz"' in after
    assert 'id="add-question"' in after


def test_the_quiz_settings_are_saved_from_the_builder_with_an_audit(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, quiz_id = _module(app, companies.acme_id, "Ladders", questions=3)
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    page = client.get(back).get_data(as_text=True)
    saved = client.post(
        f"/admin/quizzes/edit/?id={quiz_id}&url={back}",
        data={**SETTINGS, "shuffle_options": "y", "draw_count": "2"},
    )
    actions = rows(companies.acme_id, sa.select(AuditLog.action).where(AuditLog.entity_id == str(quiz_id)))

    assert f'action="/admin/quizzes/edit/?id={quiz_id}&amp;url=' in page
    assert re.search(r'id="quiz-passing_score"[^>]*value="70"|value="70"[^>]*id="quiz-passing_score"', page)
    assert saved.status_code == 302
    assert saved.location.endswith(back)
    assert _quiz(rows, companies.acme_id, quiz_id) == ("Ladder check", 80, 3, 15, True, 2)
    assert (AuditAction.QUIZ_UPDATED,) in actions


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"draw_count": "4"}, "The quiz has only 3 questions"),
        ({"passing_score": "120"}, "Enter a passing score from 1 to 100."),
        ({"max_attempts": "0"}, "Allow at least 1 attempt"),
    ],
)
def test_bad_quiz_settings_are_a_form_error_and_nothing_is_written(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, change: dict[str, str], message: str
) -> None:
    module_id, quiz_id = _module(app, companies.acme_id, "Ladders", questions=3)
    back = f"/admin/modules/edit/?id={module_id}"

    refused = client_as("hr").post(f"/admin/quizzes/edit/?id={quiz_id}&url={back}", data={**SETTINGS, **change})

    assert refused.status_code == 200
    assert message in refused.get_data(as_text=True)
    assert _quiz(rows, companies.acme_id, quiz_id) == ("Ladders quiz", 70, None, None, False, None)


def test_a_refused_module_form_leaves_the_quiz_form_as_stored(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    module_id, _ = _module(app, companies.acme_id, "Ladders", questions=1)

    page = client_as("hr").post(f"/admin/modules/edit/?id={module_id}", data={"title": ""}).get_data(as_text=True)

    assert re.search(r'id="quiz-title"[^>]*value="Ladders quiz"|value="Ladders quiz"[^>]*id="quiz-title"', page)


def test_another_companys_quiz_cannot_be_saved_through_a_tampered_id(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, _ = _module(app, companies.acme_id, "Ladders", questions=1)
    _, globex_quiz = _module(app, companies.globex_id, "Globex ladders", questions=1)
    back = f"/admin/modules/edit/?id={module_id}"

    response = client_as("hr").post(f"/admin/quizzes/edit/?id={globex_quiz}&url={back}", data=SETTINGS)

    assert response.status_code == 404
    assert _quiz(rows, companies.globex_id, globex_quiz)[:2] == ("Globex ladders quiz", 70)


def test_the_questions_are_listed_moved_and_deleted_from_the_builder(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, quiz_id = _module(app, companies.acme_id, "Ladders", questions=3)
    ids = [question_id for (question_id,) in rows(companies.acme_id, sa.select(QuizQuestion.id).order_by("id"))]
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    page = client.get(back).get_data(as_text=True)
    moved = client.post("/admin/quiz_questions/move/", data={"id": ids[2], "direction": "up", "url": back})
    order = _questions(rows, companies.acme_id, quiz_id)
    deleted = client.post("/admin/quiz_questions/delete/", data={"id": ids[0], "url": back})

    assert re.findall(r'data-question-id="(\d+)"', page) == [str(each) for each in ids]
    assert f'id="edit-question-{ids[1]}"' in page
    assert f'href="/admin/quiz_questions/edit/?id={ids[1]}&amp;url=' in page
    assert f'id="move-question-up-{ids[0]}"' not in page
    assert f'id="move-question-down-{ids[0]}"' in page
    assert f'id="delete-question-{ids[2]}"' in page
    assert f"/admin/quiz_questions/new/?quiz_id={quiz_id}&amp;url=" in page
    assert (moved.status_code, moved.location.endswith(back)) == (302, True)
    assert order == ["Question 1", "Question 3", "Question 2"]
    assert (deleted.status_code, deleted.location.endswith(back)) == (302, True)
    assert _questions(rows, companies.acme_id, quiz_id) == ["Question 3", "Question 2"]


def test_a_question_the_draw_needs_is_not_deleted_from_the_builder(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, quiz_id = _module(app, companies.acme_id, "Ladders", questions=2)
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.get(Quiz, quiz_id).draw_count = 2
        db.session.commit()
    question_id = rows(companies.acme_id, sa.select(sa.func.min(QuizQuestion.id)))[0][0]
    client = client_as("hr")
    back = f"/admin/modules/edit/?id={module_id}"

    refused = client.post("/admin/quiz_questions/delete/", data={"id": question_id, "url": back})
    page = client.get(back).get_data(as_text=True)

    assert refused.status_code == 302
    assert "lower that number in the quiz&#39;s settings" in page
    assert _questions(rows, companies.acme_id, quiz_id) == ["Question 1", "Question 2"]
