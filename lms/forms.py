"""The base of every form of ours, and the language of WTForms' own messages.

WTForms ships no Slovenian: its built-in messages ("This field is required.", "Not a valid
integer value.") come from our catalog in ``lms/translations_wtforms``, which holds every msgid
of the installed WTForms' catalog, compiled and committed beside its .po (README:
Translations). Left to themselves, Flask-WTF reads WTForms' own directory anew on every
request that shows a form (``flask_wtf.i18n``: a disk read per page), and Flask-Admin's forms
read it through a domain of their own; for ``sl`` both find nothing and speak English.
``LmsForm`` and the admin's form base (``admin_views.forms.AdminForm``) hand WTForms
``FORM_MESSAGES`` instead, which reads each language's catalog once per process.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations
from flask_babel import get_locale
from flask_wtf import FlaskForm

WTFORMS_TRANSLATIONS = Path(__file__).resolve().parent / "translations_wtforms"


@cache
def _catalog(locale: str) -> NullTranslations:
    return Translations.load(str(WTFORMS_TRANSLATIONS), [locale], domain="wtforms")


class FormMessages:
    """WTForms' translations object: its messages in the language of the current request."""

    def gettext(self, string: str) -> str:
        return _catalog(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _catalog(str(get_locale())).ungettext(singular, plural, n)


FORM_MESSAGES = FormMessages()


class LmsForm(FlaskForm):
    """Every form outside the admin's model views (those build theirs on ``AdminForm``)."""

    class Meta:
        def get_translations(self, form: Any) -> FormMessages:
            return FORM_MESSAGES
