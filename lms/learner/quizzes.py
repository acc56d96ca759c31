"""Taking a module's quiz (issue 6): the start page, the attempt, the result.

URLs carry the module id only; the attempt is the learner's own, found by the service
(another user's, quiz's or tenant's attempt id is a 404). The server scores and judges
time; the page's countdown only shows the server's deadline. A refusal (a locked module,
no attempt left, answers of another quiz) is the service's error, answered by
``lms.error_pages``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.extensions import db
from lms.learner import bp
from lms.learner.forms import EmptyForm, QuizSubmitForm, chosen_answers
from lms.learner.reader import _module_or_404
from lms.models import Module, Quiz
from lms.permissions import submit_required
from lms.services import progress, quizzes


def _quiz_or_404(module: Module) -> Quiz:
    return quizzes.quiz_of(module) or abort(404)


@bp.get("/modules/<int:module_id>/quiz")
def quiz_page(module_id: int) -> str:
    """The attempt in progress, or the start page with the rules and what is left."""
    module = _module_or_404(module_id)
    quiz = quizzes.quiz_of(module)
    if quiz is None:
        return render_template("learner/quiz_start.html", module=module, quiz=None)
    missing = progress.missing_prerequisites(current_user.id, [module.id]).get(module.id, [])
    state = quizzes.standing(current_user.id, quiz)
    questions = quizzes.questions_of(quiz)
    attempt = state.open_attempt
    if attempt is not None and not missing:
        return render_template(
            "learner/quiz_attempt.html",
            module=module,
            quiz=quiz,
            attempt=attempt,
            asked=quizzes.asked_in(quiz, attempt),
            seconds_left=quizzes.seconds_left(quiz, attempt),
            form=QuizSubmitForm(attempt_id=attempt.id),
        )
    return render_template(
        "learner/quiz_start.html",
        module=module,
        quiz=quiz,
        state=state,
        questions=questions,
        missing=missing,
        form=EmptyForm(),
    )


@bp.post("/modules/<int:module_id>/quiz/start")
@submit_required
def start_quiz(module_id: int) -> Response:
    module = _module_or_404(module_id)
    quiz = _quiz_or_404(module)
    quizzes.start_attempt(current_user.id, quiz)
    db.session.commit()
    return redirect(url_for("learner.quiz_page", module_id=module.id))


@bp.post("/modules/<int:module_id>/quiz/submit")
@submit_required
def submit_quiz(module_id: int) -> Response:
    module = _module_or_404(module_id)
    quiz = _quiz_or_404(module)
    form = QuizSubmitForm()
    if not form.validate_on_submit():
        abort(404)  # no attempt id, or not a number: it names no attempt
    try:
        answers = chosen_answers(request.form)
    except ValueError:
        abort(400)
    outcome = quizzes.submit(current_user.id, quiz, form.attempt_id.data, answers)
    db.session.commit()
    if outcome.late and outcome.recorded_now:
        flash(_("Time was up before your answers arrived, so this attempt counts as failed."), "error")
    return redirect(url_for("learner.quiz_result", module_id=module.id))


@bp.get("/modules/<int:module_id>/quiz/result")
def quiz_result(module_id: int) -> str:
    """My latest submitted attempt: score, pass or fail, the questions I got wrong."""
    module = _module_or_404(module_id)
    quiz = quizzes.quiz_of(module)
    outcome = None if quiz is None else quizzes.latest_result(current_user.id, quiz)
    return render_template("learner/quiz_result.html", module=module, quiz=quiz, outcome=outcome)
