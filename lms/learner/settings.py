"""My settings (issue 15, item 5): email frequency and per-type toggles, the company's language, the calendar feed.

Every role has the page, VIEWER included: the settings are one's own and saving them posts
nothing for anyone else (as reading one's notifications is not submitting). The language
is the company's (``Tenant.locale``), shown and not chosen here. The calendar feed's
section is ``templates/learner/_calendar_feed.html``, whose forms post to
``learner.calendar_feed_regenerate`` / ``_revoke``.
"""

from __future__ import annotations

from babel import Locale
from flask import flash, g, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField

from lms.extensions import db
from lms.forms import LmsForm
from lms.i18n import LABELS
from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.models.enums import EmailFrequency
from lms.services import calendar_feed, email_preferences


class EmailSettingsForm(LmsForm):
    frequency = RadioField(
        _l("How often should we email you?"),
        choices=[(f.name, LABELS[f]) for f in EmailFrequency],
        validate_choice=True,
    )


for _family, _label in email_preferences.FAMILIES.items():
    setattr(EmailSettingsForm, _family, BooleanField(_label))


def _language_name(locale: str) -> str:
    """The company's language named in the language of the page (Babel's CLDR names)."""
    name = Locale.parse(locale).get_display_name(get_locale()) or locale
    return name[:1].upper() + name[1:]


def _page(form: EmailSettingsForm, status: int = 200) -> tuple[str, int]:
    html = render_template(
        "learner/settings.html",
        settings_form=form,
        families=list(email_preferences.FAMILIES),
        language=_language_name(g.tenant.locale),
        feed_url=calendar_feed.feed_url(current_user.id),
        form=EmptyForm(),
    )
    return html, status


@bp.get("/settings")
def settings_page() -> tuple[str, int]:
    preference = email_preferences.of(current_user.id)
    chosen = {family: getattr(preference, family) for family in email_preferences.FAMILIES}
    form = EmailSettingsForm(data={**chosen, "frequency": preference.frequency.name})
    page = _page(form)
    db.session.commit()  # the default row of a member who had none
    return page


@bp.post("/settings")
def save_settings() -> Response | tuple[str, int]:
    form = EmailSettingsForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    toggles = {family: getattr(form, family).data for family in email_preferences.FAMILIES}
    email_preferences.save(current_user.id, EmailFrequency[form.frequency.data], toggles)
    db.session.commit()
    flash(_("Your settings are saved."), "success")
    return redirect(url_for("learner.settings_page"))
