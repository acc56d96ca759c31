"""Can HR build quizzes in the admin with a real options editor, and is bad input a form error? (issue 6)

Also: a module whose quiz has no questions cannot be published, attempts are a read-only
list with filters, and every quiz or question write is audited as QUIZ_UPDATED.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.models import Module, Quiz, QuizAttempt, QuizQuestion
from lms.models.enums import AuditAction, ModuleStatus
from lms.models.types import utcnow
from lms.tenancy import tenant_context
from tests.admin_views.conftest import Companies

Client = Callable[..., FlaskClient]
Rows = Callable[..., list[Any]]
Audit = Callable[..., list[tuple[str, str | None, dict[str, Any]]]]


def _add(app: Flask, tenant_id: int, *rows: Any) -> list[int]:
    with app.app_context(), tenant_context(tenant_id):
        db.session.add_all(rows)
        db.session.flush()
        ids = [row.id for row in rows]
        db.session.commit()
    return ids


def _quiz(app: Flask, tenant_id: int, status: ModuleStatus = ModuleStatus.DRAFT, questions: int = 0) -> tuple[int, int]:
    """A module with a quiz of ``questions`` single-choice questions; (module id, quiz id)."""
    (module_id,) = _add(app, tenant_id, Module(title="Ladder safety", status=status))
    (quiz_id,) = _add(app, tenant_id, Quiz(module_id=module_id, title="Ladder check"))
    options = [{"text": "Yes", "correct": True}, {"text": "No", "correct": False}]
    _add(
        app,
        tenant_id,
        *(QuizQuestion(quiz_id=quiz_id, text=f"Q{n}", options=options, sort_order=n) for n in range(questions)),
    )
    return module_id, quiz_id


def _options(*rows: tuple[str, bool]) -> dict[str, str]:
    data = {}
    for index, (text, correct) in enumerate(rows):
        data[f"options-{index}-text"] = text
        if correct:
            data[f"options-{index}-correct"] = "y"
    return data


def _questions(rows: Rows, tenant_id: int) -> list[tuple[Any, ...]]:
    statement = sa.select(QuizQuestion.text, QuizQuestion.type, QuizQuestion.options, QuizQuestion.sort_order)
    return [tuple(row) for row in rows(tenant_id, statement.order_by(QuizQuestion.id))]


# --- Quizzes and questions ----------------------------------------------------------------


def test_hr_builds_a_quiz_with_questions_through_the_admin_forms(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    acme = companies.acme_id
    (module_id,) = _add(app, acme, Module(title="Ladder safety"))
    client = client_as("hr")

    created = client.post(
        "/admin/quizzes/new/",
        data={"module": str(module_id), "title": "Ladder check", "passing_score": "80", "time_limit": "15"},
    )

    assert created.status_code == 302
    ((quiz_id, passing, attempts, limit),) = rows(
        acme, sa.select(Quiz.id, Quiz.passing_score, Quiz.max_attempts, Quiz.time_limit)
    )
    assert (passing, attempts, limit) == (80, None, 15)

    form = client.get(f"/admin/quiz_questions/new/?quiz_id={quiz_id}").get_data(as_text=True)
    assert 'name="options-0-text"' in form
    assert 'name="options-1-correct"' in form
    for text, type_, options in [
        ("Which are safe?", "MULTIPLE_CHOICE", _options(("Three points of contact", True), ("Top rung", False))),
        ("A ladder is a tool.", "TRUE_FALSE", _options(("True", True), ("False", False))),
    ]:
        response = client.post(
            f"/admin/quiz_questions/new/?quiz_id={quiz_id}",
            data={"quiz": str(quiz_id), "type": type_, "text": text, "points": "2", **options},
        )
        assert response.status_code == 302, response.get_data(as_text=True)

    assert [(text, type_.name, options, order) for text, type_, options, order in _questions(rows, acme)] == [
        (
            "Which are safe?",
            "MULTIPLE_CHOICE",
            [{"text": "Three points of contact", "correct": True}, {"text": "Top rung", "correct": False}],
            0,
        ),
        (
            "A ladder is a tool.",
            "TRUE_FALSE",
            [{"text": "True", "correct": True}, {"text": "False", "correct": False}],
            1,
        ),
    ]
    assert [entity for entity, _, _ in audit_rows(acme, AuditAction.QUIZ_UPDATED)] == [
        "quiz",
        "quiz_question",
        "quiz_question",
    ]


def test_the_edit_form_shows_the_options_as_rows(app: Flask, client_as: Client, companies: Companies) -> None:
    _quiz(app, companies.acme_id, questions=1)
    with app.app_context(), tenant_context(companies.acme_id):
        question_id = db.session.scalar(sa.select(QuizQuestion.id))

    page = client_as("hr").get(f"/admin/quiz_questions/edit/?id={question_id}").get_data(as_text=True)

    assert 'name="options-0-text" type="text" value="Yes"' in page
    assert re.search(r'<input checked [^>]*id="options-0-correct"', page)
    assert 'name="options-1-text" type="text" value="No"' in page
    assert not re.search(r'<input checked [^>]*id="options-1-correct"', page)


@pytest.mark.parametrize(
    ("type_", "options", "message"),
    [
        ("SINGLE_CHOICE", [("Yes", True)], "Give at least two options."),
        ("SINGLE_CHOICE", [("Yes", True), ("Also yes", True)], "Mark exactly one option as correct."),
        ("TRUE_FALSE", [("True", True), ("False", False), ("Maybe", False)], "A true/false question has exactly two"),
        ("TRUE_FALSE", [("True", False), ("False", False)], "Mark exactly one option as correct."),
        ("MULTIPLE_CHOICE", [("A", False), ("B", False)], "Mark at least one option as correct."),
        ("MULTIPLE_CHOICE", [("A", True), ("", True)], "An option marked correct has no text."),
    ],
    ids=["one-option", "single-two-correct", "true-false-three", "true-false-none", "multiple-none", "empty-correct"],
)
def test_options_that_break_the_rules_are_form_errors_and_nothing_is_written(
    app: Flask,
    client_as: Client,
    companies: Companies,
    rows: Rows,
    audit_rows: Audit,
    type_: str,
    options: list[tuple[str, bool]],
    message: str,
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id)

    response = client_as("hr").post(
        "/admin/quiz_questions/new/",
        data={"quiz": str(quiz_id), "type": type_, "text": "Is it safe?", "points": "1", **_options(*options)},
    )

    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _questions(rows, companies.acme_id) == []
    assert audit_rows(companies.acme_id, AuditAction.QUIZ_UPDATED) == []


def test_editing_a_question_into_a_broken_one_keeps_it_as_it_was(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _quiz(app, companies.acme_id, questions=1)
    before = _questions(rows, companies.acme_id)
    with app.app_context(), tenant_context(companies.acme_id):
        question_id = db.session.scalar(sa.select(QuizQuestion.id))

    response = client_as("hr").post(
        f"/admin/quiz_questions/edit/?id={question_id}",
        data={"type": "SINGLE_CHOICE", "text": "Changed", "points": "1", **_options(("Yes", False), ("No", False))},
    )

    assert "Mark exactly one option as correct." in response.get_data(as_text=True)
    assert _questions(rows, companies.acme_id) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("passing_score", "0", "Enter a passing score from 1 to 100."),
        ("passing_score", "101", "Enter a passing score from 1 to 100."),
        ("max_attempts", "0", "Allow at least 1 attempt"),
        ("time_limit", "-5", "Enter at least 1 minute"),
    ],
)
def test_quiz_settings_out_of_range_are_form_errors(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, field: str, value: str, message: str
) -> None:
    (module_id,) = _add(app, companies.acme_id, Module(title="Ladder safety"))
    data = {"module": str(module_id), "title": "Ladder check", "passing_score": "70", field: value}

    response = client_as("hr").post("/admin/quizzes/new/", data=data)

    assert message in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Quiz.id)) == []


def test_a_module_has_one_quiz(app: Flask, client_as: Client, companies: Companies, rows: Rows) -> None:
    module_id, _ = _quiz(app, companies.acme_id)

    response = client_as("hr").post(
        "/admin/quizzes/new/", data={"module": str(module_id), "title": "Again", "passing_score": "70"}
    )

    assert "This module already has a quiz." in response.get_data(as_text=True)
    assert len(rows(companies.acme_id, sa.select(Quiz.id))) == 1


def test_another_companys_module_cannot_get_a_quiz(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    (foreign,) = _add(app, companies.globex_id, Module(title="Varnost"))

    response = client_as("hr").post(
        "/admin/quizzes/new/", data={"module": str(foreign), "title": "Stolen", "passing_score": "70"}
    )

    assert response.status_code == 200
    assert rows(None, sa.select(Quiz.id)) == []


def test_employees_cannot_reach_the_quiz_screens(client_as: Client, companies: Companies) -> None:
    client = client_as("employee")
    for url in ("/admin/quizzes/", "/admin/quiz_questions/new/", "/admin/quiz_attempts/"):
        assert client.get(url).status_code == 403


# --- Publishing and deleting --------------------------------------------------------------


def test_a_module_whose_quiz_has_no_questions_cannot_be_published(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    module_id, quiz_id = _quiz(app, companies.acme_id)
    client = client_as("hr")

    refused = client.post(
        "/admin/modules/action/", data={"action": "publish", "rowid": str(module_id)}, follow_redirects=True
    )

    assert "“Ladder safety” has a quiz without questions" in refused.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Module.status)) == [(ModuleStatus.DRAFT,)]

    _add(app, companies.acme_id, QuizQuestion(quiz_id=quiz_id, text="Safe?", options=[]))
    client.post("/admin/modules/action/", data={"action": "publish", "rowid": str(module_id)})
    assert rows(companies.acme_id, sa.select(Module.status)) == [(ModuleStatus.PUBLISHED,)]


def test_the_last_question_of_a_published_modules_quiz_stays(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _quiz(app, companies.acme_id, status=ModuleStatus.PUBLISHED, questions=1)
    with app.app_context(), tenant_context(companies.acme_id):
        question_id = db.session.scalar(sa.select(QuizQuestion.id))

    response = client_as("hr").post(
        "/admin/quiz_questions/delete/", data={"id": str(question_id)}, follow_redirects=True
    )

    assert "This is the only question of a published module" in response.get_data(as_text=True)
    assert len(_questions(rows, companies.acme_id)) == 1


def test_a_quiz_that_learners_took_is_kept(app: Flask, client_as: Client, companies: Companies, rows: Rows) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=1)
    _add(app, companies.acme_id, QuizAttempt(quiz_id=quiz_id, user_id=companies.user_ids["employee"]))

    response = client_as("hr").post("/admin/quizzes/delete/", data={"id": str(quiz_id)}, follow_redirects=True)

    assert "Learners have taken this quiz" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Quiz.id)) == [(quiz_id,)]


# --- Attempts -----------------------------------------------------------------------------


def _filter(app: Flask, label: str, operation: str) -> str:
    """The list URL's argument of one of the attempts list's filters."""
    (admin,) = app.extensions["admin"]
    view = next(v for v in admin._views if v.endpoint == "quiz_attempts")
    with app.test_request_context():
        for index, flt in enumerate(view._filters):
            if str(flt.name) == label and str(flt.operation()) == operation:
                return f"flt0_{view.get_filter_arg(index, flt)}"
    raise AssertionError(f"no filter {label} {operation}")


def test_attempts_are_a_read_only_list_with_filters(app: Flask, client_as: Client, companies: Companies) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=1)
    now = utcnow()
    _add(
        app,
        companies.acme_id,
        QuizAttempt(
            quiz_id=quiz_id,
            user_id=companies.user_ids["employee"],
            submitted_at=now - timedelta(days=3),
            score=100,
            passed=True,
        ),
        QuizAttempt(
            quiz_id=quiz_id,
            user_id=companies.user_ids["admin"],
            submitted_at=now,
            score=40,
            failure_reason="time_limit",
        ),
    )
    client = client_as("hr")

    everything = client.get("/admin/quiz_attempts/").get_data(as_text=True)
    assert "ana@acme.test" in everything
    assert "adam@acme.test" in everything
    assert "Ladder safety" in everything
    assert "time limit" in everything

    by_email = client.get(f"/admin/quiz_attempts/?{_filter(app, 'Learner', 'equals')}=ana@acme.test").get_data(
        as_text=True
    )
    assert "ana@acme.test" in by_email
    assert "adam@acme.test" not in by_email
    passed = client.get(f"/admin/quiz_attempts/?{_filter(app, 'Passed', 'equals')}=1").get_data(as_text=True)
    assert "ana@acme.test" in passed
    assert "adam@acme.test" not in passed
    since = (now - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")
    recent = client.get(f"/admin/quiz_attempts/?{_filter(app, 'Submitted', 'greater than')}={since}").get_data(
        as_text=True
    )
    assert "adam@acme.test" in recent
    assert "ana@acme.test" not in recent
    module = client.get(f"/admin/quiz_attempts/?{_filter(app, 'Module', 'contains')}=Ladder").get_data(as_text=True)
    assert "ana@acme.test" in module

    assert client.get("/admin/quiz_attempts/new/").status_code == 403
    assert client.post("/admin/quiz_attempts/delete/", data={"id": "1"}).status_code == 403


# --- The question editor (issue 14, item 3) -----------------------------------------------


def test_a_true_false_question_left_empty_gets_its_two_options(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id)

    response = client_as("hr").post(
        "/admin/quiz_questions/new/",
        data={"quiz": str(quiz_id), "type": "TRUE_FALSE", "text": "Ladders wobble.", "points": "1"}
        | _options(("", False), ("", True)),
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert [options for _, _, options, _ in _questions(rows, companies.acme_id)] == [
        [{"text": "True", "correct": False}, {"text": "False", "correct": True}]
    ]


def test_the_question_form_loads_the_editor_script_with_true_false_in_the_tenants_language(
    app: Flask, client_as: Client, companies: Companies
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id)
    client = client_as("hr")

    page = client.get(f"/admin/quiz_questions/new/?quiz_id={quiz_id}").get_data(as_text=True)

    assert "/static/js/question_editor.js" in page
    assert 'data-true="True" data-false="False"' in page
    assert client.get("/static/js/question_editor.js").status_code == 200


def test_a_draw_of_more_questions_than_the_quiz_holds_is_a_form_error(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=3)
    data = {"title": "Ladder check", "passing_score": "70", "shuffle_questions": "y", "draw_count": "4"}

    response = client_as("hr").post(f"/admin/quizzes/edit/?id={quiz_id}", data=data)

    assert response.status_code == 200
    assert "The quiz has only 3 questions; draw at most that many" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Quiz.shuffle_questions, Quiz.draw_count)) == [(False, None)]
    assert audit_rows(companies.acme_id, AuditAction.QUIZ_UPDATED) == []


def test_hr_sets_shuffling_and_a_draw_within_the_pool(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=3)
    data = {
        "title": "Ladder check",
        "passing_score": "70",
        "shuffle_questions": "y",
        "shuffle_options": "y",
        "draw_count": "2",
    }

    response = client_as("hr").post(f"/admin/quizzes/edit/?id={quiz_id}", data=data)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Quiz.shuffle_questions, Quiz.shuffle_options, Quiz.draw_count)) == [
        (True, True, 2)
    ]


def test_a_new_quiz_cannot_draw_questions_it_does_not_have(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    (module_id,) = _add(app, companies.acme_id, Module(title="Ladder safety"))

    response = client_as("hr").post(
        "/admin/quizzes/new/",
        data={"module": str(module_id), "title": "Ladder check", "passing_score": "70", "draw_count": "1"},
    )

    assert "The quiz has only 0 questions" in response.get_data(as_text=True)
    assert rows(companies.acme_id, sa.select(Quiz.id)) == []


def test_questions_move_up_and_down_in_their_quiz(
    app: Flask, client_as: Client, companies: Companies, rows: Rows, audit_rows: Audit
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=3)
    with app.app_context(), tenant_context(companies.acme_id):
        last = db.session.scalar(sa.select(QuizQuestion.id).where(QuizQuestion.text == "Q2"))
    client = client_as("hr")

    listed = client.get(f"/admin/quiz_questions/?quiz_id={quiz_id}").get_data(as_text=True)
    assert "/admin/quiz_questions/move/" in listed
    moved = client.post("/admin/quiz_questions/move/", data={"id": str(last), "direction": "up"})

    assert moved.status_code == 302
    order = rows(companies.acme_id, sa.select(QuizQuestion.text).order_by(QuizQuestion.sort_order))
    assert [text for (text,) in order] == ["Q0", "Q2", "Q1"]
    assert len(audit_rows(companies.acme_id, AuditAction.QUIZ_UPDATED)) == 1


def test_moving_another_companys_question_is_a_404_and_changes_nothing(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _, quiz_id = _quiz(app, companies.globex_id, questions=2)
    with app.app_context(), tenant_context(companies.globex_id):
        foreign = db.session.scalar(sa.select(QuizQuestion.id).where(QuizQuestion.text == "Q1"))
    before = rows(companies.globex_id, sa.select(QuizQuestion.id, QuizQuestion.sort_order))
    client = client_as("hr")

    assert client.post("/admin/quiz_questions/move/", data={"id": str(foreign), "direction": "up"}).status_code == 404
    assert client.get(f"/admin/quizzes/edit/?id={quiz_id}").status_code == 404
    assert client.get(f"/admin/quiz_questions/edit/?id={foreign}").status_code == 404
    assert rows(companies.globex_id, sa.select(QuizQuestion.id, QuizQuestion.sort_order)) == before


def test_a_move_in_an_unknown_direction_is_a_400(app: Flask, client_as: Client, companies: Companies) -> None:
    _quiz(app, companies.acme_id, questions=2)
    with app.app_context(), tenant_context(companies.acme_id):
        question_id = db.session.scalar(sa.select(QuizQuestion.id))

    response = client_as("hr").post("/admin/quiz_questions/move/", data={"id": str(question_id), "direction": "x"})

    assert response.status_code == 400


def test_employees_cannot_move_questions(app: Flask, client_as: Client, companies: Companies) -> None:
    _quiz(app, companies.acme_id, questions=2)
    with app.app_context(), tenant_context(companies.acme_id):
        question_id = db.session.scalar(sa.select(QuizQuestion.id))

    response = client_as("employee").post(
        "/admin/quiz_questions/move/", data={"id": str(question_id), "direction": "up"}
    )

    assert response.status_code == 403


def test_a_question_cannot_be_deleted_below_the_quizs_draw(
    app: Flask, client_as: Client, companies: Companies, rows: Rows
) -> None:
    _, quiz_id = _quiz(app, companies.acme_id, questions=2)
    with app.app_context(), tenant_context(companies.acme_id):
        db.session.get(Quiz, quiz_id).draw_count = 2
        question_id = db.session.scalar(sa.select(QuizQuestion.id))
        db.session.commit()

    response = client_as("hr").post(
        "/admin/quiz_questions/delete/", data={"id": str(question_id)}, follow_redirects=True
    )

    assert "Each attempt draws 2 questions" in response.get_data(as_text=True)
    assert len(_questions(rows, companies.acme_id)) == 2
