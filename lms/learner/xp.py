"""The learner's XP: balance, rank and history (/xp), and the leaderboard (issue 7, item 5).

A VIEWER earns no XP (DESIGN.md: roles), so /xp, whose every number would read 0, is
refused with a sentence saying why and is left out of their menu (issue 14, item 7).
Every role may look at the board; looking earns nothing. The board is the tenant's;
its group filter lists the tenant's groups (another tenant's id shows an empty board).
"""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.error_pages import ErrorAnswer, render_error
from lms.learner import bp
from lms.learner.forms import LeaderboardFilterForm
from lms.permissions import can_submit
from lms.services import standings


@bp.get("/xp")
def xp_page() -> str | ErrorAnswer:
    if not can_submit(g.get("role")):
        return render_error(403, _("Your account reads the courses without collecting XP, so it has no XP page."))
    page = standings.history(current_user.id, request.args.get("page", 1, type=int) or 1)
    return render_template("learner/xp.html", standing=standings.standing(current_user.id), page=page)


@bp.get("/leaderboard")
def leaderboard_page() -> str:
    form = LeaderboardFilterForm(request.args)
    form.group.choices = [("", form.group.choices[0][1]), *standings.group_choices()]
    valid = form.validate()
    group_id = int(form.group.data) if valid and form.group.data else None
    period = form.period.data if valid and form.period.data in standings.PERIODS else "all"
    board = standings.leaderboard(current_user.id, group_id=group_id, period=period)
    return render_template("learner/leaderboard.html", board=board, form=form, period=period)
