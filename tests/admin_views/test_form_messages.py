"""WTForms' own messages speak the company's language (lms/forms.py).

WTForms ships no Slovenian: "This field is required." reached the Slovenian company in
English on every form whose validator kept WTForms' message. Our catalog holds every msgid
of the installed WTForms, and every form of ours reads it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

import pytest
import wtforms
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from flask_wtf import FlaskForm

import lms
from lms.forms import WTFORMS_TRANSLATIONS, LmsForm
from tests.admin_views.conftest import Companies

WTFORMS_CATALOG = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
OURS = WTFORMS_TRANSLATIONS / "sl" / "LC_MESSAGES"


def _key(message_id: str | tuple[str, ...] | list[str]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def test_every_message_of_the_installed_wtforms_has_its_slovenian() -> None:
    with WTFORMS_CATALOG.open("rb") as pot:
        theirs = {_key(message.id) for message in read_po(pot) if message.id}
    with (OURS / "wtforms.po").open("rb") as po:
        ours = {_key(message.id): message for message in read_po(po) if message.id}
    with (OURS / "wtforms.mo").open("rb") as mo:
        compiled = {_key(message.id): _forms(message.string) for message in read_mo(mo) if message.id}

    assert sorted(theirs - set(ours)) == [], "translate these in lms/translations_wtforms (README: Translations)"
    untranslated = [key for key, message in ours.items() if message.fuzzy or not all(_forms(message.string))]
    assert untranslated == []
    assert compiled == {key: _forms(message.string) for key, message in ours.items()}, "compile the .po (README)"


def _forms(string: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else tuple(string)


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found)) if found else found


def test_every_form_of_ours_reads_our_catalog() -> None:
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        importlib.import_module(module.name)

    ours = {form for form in _subclasses(FlaskForm) if form.__module__.startswith("lms.")}

    assert len(ours) > 10
    assert sorted(form.__qualname__ for form in ours if not issubclass(form, LmsForm)) == []


@pytest.mark.parametrize(("language", "required"), [("sl", "To polje je obvezno."), ("en", "This field is required.")])
def test_the_sign_in_form_says_what_is_missing_in_the_browsers_language(
    client: FlaskClient, language: str, required: str
) -> None:
    page = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": language}).text

    assert required in page
    if language == "sl":
        assert "This field is required." not in page


@pytest.mark.parametrize(
    ("amount", "message"),
    [("abc", "Vnesite celo število."), ("", "To polje je obvezno."), ("99999999999999", "Število mora biti med")],
)
def test_an_admin_form_of_the_slovenian_company_answers_in_slovenian(
    client_as: Callable[..., FlaskClient], companies: Companies, amount: str, message: str
) -> None:
    data = {"user": str(companies.user_ids["globex_employee"]), "amount": amount, "reason": "Sejem", "key": "k1"}
    page = client_as("globex_owner", "globex").post("/admin/xp_transactions/new/", data=data).text

    assert message in page
    assert "Sejem" in page, "the form keeps what was typed"
    for english in ("Not a valid integer value.", "This field is required.", "Number must be between"):
        assert english not in page
