"""The list of published modules (/modules), searched and filtered: the learner's catalog."""

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user

from lms.learner import bp
from lms.learner.forms import CatalogFilterForm
from lms.models.enums import Difficulty
from lms.services.module_search import Filters, search_modules


@bp.get("/modules")
def module_list() -> tuple[str, int] | str:
    form = CatalogFilterForm(request.args)
    valid = form.validate()
    filters = Filters(
        query=(form.q.data or "") if not form.q.errors else "",
        category_id=form.category.data if not form.category.errors else None,
        tag_id=form.tag.data if not form.tag.errors else None,
        difficulty=Difficulty[form.difficulty.data] if form.difficulty.data and not form.difficulty.errors else None,
        status=form.status.data or None if not form.status.errors else None,
        page=form.page.data or 1 if not form.page.errors else 1,
    )
    page = search_modules(current_user.id, filters, str(get_locale()))
    html = render_template("learner/module_list.html", form=form, page=page, filters=filters)
    return html if valid else (html, 400)
