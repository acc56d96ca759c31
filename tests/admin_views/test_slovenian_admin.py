"""Does the Slovenian company see its admin in Slovenian, every word? (issue 14, item 4)

Signed in to globex (Slovenian) as its owner, the test opens every admin view's list,
create, edit and details page, the views taken from the app's Admin as the sweeps take
them, so a view added later is checked without editing this file. A page fails on any
string of Flask-Admin's English catalog and on any enum member's code name (``OWNER``,
``PUBLISHED``) that a person would read: the text between tags, the text of buttons, the
placeholders and tooltips, and the options and operations of the list filters. Platform
screens are opened by platform staff whose browser asks for Slovenian.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import flask_admin
import pytest
import sqlalchemy as sa
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask, url_for
from flask.testing import FlaskClient
from flask_admin import BaseView
from flask_admin.tools import iterencode
from flask_babel import force_locale

from lms.admin_views.base import PlatformModelView, TenantModelView
from lms.extensions import db
from lms.i18n import ADMIN_TRANSLATIONS, LABELS, label
from lms.models import EmailPreference, Membership, Tenant, User, enums
from lms.models.enums import EmailFrequency, Role, TenantRole
from lms.tenancy import tenant_context, unscoped
from tests.admin_views.conftest import Companies
from tests.sweep.test_admin_sweep import admin_views
from tests.sweep.world import World, build_world

FLASK_ADMIN_CATALOG = Path(flask_admin.__file__).parent / "translations" / "en" / "LC_MESSAGES" / "admin.po"
OUR_CATALOG = ADMIN_TRANSLATIONS / "sl" / "LC_MESSAGES"
# Attributes whose text a person reads: a button's caption, a hint in an empty box, a tooltip.
READ_ATTRIBUTES = {"placeholder", "data-placeholder", "title", "aria-label", "alt"}
# Hidden data Flask-Admin's scripts turn into the filter menu.
FILTER_DATA = {"filter-groups-data", "active-filters-data"}


def _catalog(path: Path) -> dict[str, str]:
    with path.open("rb") as po_file:
        return {
            (m.id[0] if isinstance(m.id, tuple) else m.id): (m.string[0] if isinstance(m.string, tuple) else m.string)
            for m in read_po(po_file)
            if m.id
        }


def _english_patterns() -> dict[str, re.Pattern[str]]:
    """Flask-Admin's English strings longer than three characters and not the same in Slovenian,
    each as a pattern of whole words (a placeholder such as ``%(name)s`` matches anything)."""
    ours = _catalog(OUR_CATALOG / "admin.po")
    patterns = {}
    for msgid in _catalog(FLASK_ADMIN_CATALOG):
        literal = re.sub(r"%\(\w+\)[sd]", "", msgid).replace("\\'", "'").strip()
        if len(literal) <= 3 or ours.get(msgid) == msgid:
            continue
        parts = [re.escape(part.replace("\\'", "'")) for part in re.split(r"%\(\w+\)[sd]", msgid)]
        patterns[msgid] = re.compile(r"(?<!\w)" + r".*?".join(parts).strip() + r"(?!\w)")
    return patterns


def _enum_names() -> set[str]:
    """Code names of every enum member, except those Slovenian writes the same (an acronym)."""
    members = [
        member
        for enum_class in vars(enums).values()
        if isinstance(enum_class, type) and issubclass(enum_class, enum.Enum) and enum_class is not enum.Enum
        for member in enum_class
    ]
    with force_locale("sl"):
        return {member.name for member in members if label(member) != member.name}


class _Reader(HTMLParser):
    """The text of a page as a person reads it."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0
        self._filter_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
        self._filter_data = values.get("id") in FILTER_DATA
        self.texts.extend(value for name, value in attrs if name in READ_ATTRIBUTES and value)
        if tag == "input" and values.get("type") in ("submit", "button", "reset") and values.get("value"):
            self.texts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        self._filter_data = False

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._filter_data:
            self.texts.extend(_filter_texts(json.loads(data)))
        else:
            self.texts.append(data)


def _filter_texts(data: object) -> list[str]:
    """Operation names and option labels of the filter menu; option values are never shown."""
    texts: list[str] = []
    groups = data.values() if isinstance(data, dict) else []
    for group in groups:
        for flt in group if isinstance(group, list) else []:
            texts.append(str(flt.get("operation", "")))
            texts.extend(str(shown) for _value, shown in flt.get("options") or [])
    return texts


def visible_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return "\n".join(text.strip() for text in reader.texts if text.strip())


# Phrases glued from Flask-Admin's words and a field's label ("Dodaj Možnost", "Nov vnos: Možnost"):
# a verb before a capitalised noun, or "New" translated with a colon for a label to follow.
GLUED = {
    "Dodaj + capitalised word": re.compile(r"(?<!\w)Dodaj (?=[A-ZČŠŽĆĐ])"),
    "Nov vnos:": re.compile(r"(?<!\w)Nov vnos:"),
}


def english_and_code_names(text: str) -> list[str]:
    found = [msgid for msgid, pattern in _english_patterns().items() if pattern.search(text)]
    found += sorted(name for name in _enum_names() if re.search(rf"(?<![\w-]){name}(?![\w-])", text))
    found += [f"{name}: {match.group(0)!r}" for name, pattern in GLUED.items() if (match := pattern.search(text))]
    return found


@pytest.fixture
def world(app: Flask) -> World:
    with app.app_context():
        return build_world()


def _client(app: Flask, user_id: str, tenant_id: int | None) -> FlaskClient:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True
        if tenant_id is not None:
            session["tenant_id"] = tenant_id
    return client


def _pages(app: Flask, view: BaseView, row_id: object | None) -> dict[str, str]:
    with app.test_request_context():
        if not isinstance(view, TenantModelView):
            return {"page": url_for(f"{view.endpoint}.{view._default_view}")}
        pages = {"list": url_for(f"{view.endpoint}.index_view")}
        if view.allow_create:
            pages["create"] = url_for(f"{view.endpoint}.create_view")
        if row_id is not None:
            if view.can_view_details:
                pages["details"] = url_for(f"{view.endpoint}.details_view", id=row_id)
            if view.allow_edit:
                pages["edit"] = url_for(f"{view.endpoint}.edit_view", id=row_id)
        return pages


def _a_row(app: Flask, view: BaseView, tenant_id: int) -> object | None:
    """The id of a row the page may show: the company's own, or any for a platform screen."""
    if not isinstance(view, TenantModelView):
        return None
    scope = unscoped("test: a platform row") if isinstance(view, PlatformModelView) else tenant_context(tenant_id)
    with app.app_context(), scope:
        row = db.session.scalar(sa.select(view.model).limit(1))
        if row is None:
            return None
        pk = view.get_pk_value(row)
        return iterencode(pk) if isinstance(pk, tuple) else pk


def _platform_staff_id(app: Flask) -> str:
    with app.app_context(), unscoped("test: platform staff"):
        return db.session.scalars(sa.select(User).where(User.role == Role.OWNER).order_by(User.id)).first().get_id()


def test_every_admin_page_of_the_slovenian_company_is_in_slovenian(app: Flask, world: World) -> None:
    owner = _client(app, world.globex.login_ids[TenantRole.OWNER], world.globex.tenant_id)
    staff = _client(app, _platform_staff_id(app), None)
    failures: list[str] = []
    visited = 0
    for view in admin_views(app):
        platform = isinstance(view, PlatformModelView)
        client = staff if platform else owner
        headers = {"Accept-Language": "sl"}
        for what, url in _pages(app, view, _a_row(app, view, world.globex.tenant_id)).items():
            response = client.get(url, headers=headers)
            visited += 1
            if response.status_code != 200:
                failures.append(
                    f"{type(view).__name__} {what}: status {response.status_code} {response.location or ''}"
                )
                continue
            html = response.get_data(as_text=True)
            found = english_and_code_names(visible_text(html))
            if '<html lang="sl">' not in html:
                found.append('no <html lang="sl">')
            if found:
                failures.append(f"{type(view).__name__} {what} ({url}): {found}")
    home = owner.get("/admin/")
    found = english_and_code_names(visible_text(home.get_data(as_text=True)))
    if found:
        failures.append(f"AdminHome: {found}")
    assert visited > 40
    assert failures == [], "\n".join(failures)


def test_the_check_sees_what_a_person_reads() -> None:
    html = (
        '<p>Seznam</p><script>var x = "Save";</script><a title="Add Filter">+</a>'
        '<input type="submit" value="Save and Add Another"><span class="OWNER">Lastnik</span>'
        '<div id="filter-groups-data" class="d-none">'
        '{"Vloga": [{"operation": "equals", "options": [["OWNER", "Lastnik"]]}]}</div><td>PUBLISHED</td>'
    )
    found = english_and_code_names(visible_text(html))
    assert sorted(found) == ["Add Filter", "Filter", "PUBLISHED", "Save", "Save and Add Another", "equals"]


def test_the_check_finds_phrases_glued_from_a_label() -> None:
    html = '<a role="button">Dodaj Možnost</a><div class="d-none">&lt;small&gt;Nov vnos: Možnost&lt;/small&gt;</div>'

    found = english_and_code_names(visible_text(html))

    assert [entry.split(":")[0] for entry in found] == ["Dodaj + capitalised word", "Nov vnos"]
    assert english_and_code_names(visible_text("<a>Dodaj možnost</a><small>Nova možnost</small>")) == []


@pytest.mark.parametrize(
    ("who", "company", "add", "new"),
    [("owner", "acme", "Add an option", "New option"), ("globex_owner", "globex", "Dodaj možnost", "Nova možnost")],
)
def test_the_option_rows_buttons_read_as_phrases(
    client_as: Callable[..., FlaskClient], who: str, company: str, add: str, new: str
) -> None:
    page = client_as(who, company).get("/admin/quiz_questions/new/").text

    assert 'id="options-button"' in page
    assert f">{add}</a>" in page
    assert f"<small>{new}</small>" in visible_text(page)


def test_every_enum_member_has_a_label() -> None:
    members = [
        member
        for enum_class in vars(enums).values()
        if isinstance(enum_class, type) and issubclass(enum_class, enum.Enum) and enum_class is not enum.Enum
        for member in enum_class
    ]
    assert [member for member in members if member not in LABELS] == []


def test_the_slovenian_catalog_translates_every_flask_admin_string() -> None:
    with FLASK_ADMIN_CATALOG.open("rb") as po_file:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(po_file) if m.id}
    with (OUR_CATALOG / "admin.po").open("rb") as po_file:
        ours = read_po(po_file)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in ours if m.id and m.string and not m.fuzzy}
    assert wanted - translated == set()
    plural = next(m for m in ours if isinstance(m.id, tuple | list))
    assert len(plural.string) == 4  # Slovenian has four plural forms


def test_the_compiled_admin_catalog_matches_its_po_file() -> None:
    def entries(catalog: object) -> dict[object, object]:
        def freeze(value: object) -> object:
            return tuple(value) if isinstance(value, list | tuple) else value

        return {freeze(m.id): freeze(m.string) for m in catalog if m.id}  # type: ignore[attr-defined]

    with (OUR_CATALOG / "admin.po").open("rb") as po_file:
        source = entries(read_po(po_file))
    with (OUR_CATALOG / "admin.mo").open("rb") as mo_file:
        compiled = entries(read_mo(mo_file))
    assert compiled == source, "run `pybabel compile -D admin -d lms/translations_admin`"


def test_moments_show_in_the_companys_time_zone_and_language(
    app: Flask, companies: Companies, client_as: Callable[..., FlaskClient]
) -> None:
    with app.app_context(), unscoped("test: a company in Ljubljana"):
        db.session.get(Tenant, companies.globex_id).timezone = "Europe/Ljubljana"
        membership = db.session.get(Membership, companies.membership_ids["globex_owner"])
        membership.created_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
        db.session.commit()

    url = f"/admin/memberships/details/?id={companies.membership_ids['globex_owner']}"
    page = client_as("globex_owner", "globex").get(url)

    assert page.status_code == 200
    assert "2. 7. 2026, 00:30" in visible_text(page.text)  # 22:30 UTC is half past midnight in Ljubljana


def test_an_enum_field_offers_labels_and_stores_the_member(
    app: Flask, companies: Companies, client_as: Callable[..., FlaskClient], rows: Callable[..., list[Any]]
) -> None:
    with app.app_context(), tenant_context(companies.globex_id):
        preference = EmailPreference(user_id=companies.user_ids["globex_employee"])
        db.session.add(preference)
        db.session.commit()
        preference_id = preference.id
    client = client_as("globex_owner", "globex")
    url = f"/admin/email_preferences/edit/?id={preference_id}"

    form = client.get(url).text
    saved = client.post(url, data={"frequency": "WEEKLY"})
    tampered = client.post(url, data={"frequency": "HOURLY"})

    assert re.search(r'<option[^>]*value="WEEKLY"[^>]*>([^<]+)</option>', form).group(1) != "WEEKLY"
    assert saved.status_code == 302
    assert tampered.status_code == 200
    frequency = sa.select(EmailPreference.frequency).where(EmailPreference.id == preference_id)
    assert rows(companies.globex_id, frequency) == [(EmailFrequency.WEEKLY,)]


def test_pickers_ask_to_type_instead_of_please_select_model(client_as: Callable[..., FlaskClient]) -> None:
    form = client_as("globex_owner", "globex").get("/admin/quizzes/new/").text

    assert "data-placeholder=" in form
    assert "Please select model" not in form
    assert "Izberite zapis" not in form


def test_pickers_get_their_words_in_the_companys_language(client_as: Callable[..., FlaskClient]) -> None:
    page = client_as("globex_owner", "globex").get("/admin/quizzes/new/").text

    data = re.search(r'<script type="application/json" id="lms-picker-words">(.*?)</script>', page)
    words = json.loads(data.group(1))
    assert words["dates"]["monthNames"][0] == "jan."
    assert words["dates"]["daysOfWeek"][1] == "pon."
    assert words["dates"]["firstDay"] == 1  # Monday
    assert set(words["select2"]) >= {"noMatches", "searching", "inputTooShort"}
    assert "/static/js/admin-pickers.js" in page
