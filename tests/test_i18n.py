"""Do pages speak the tenant's language (sl or en), with every string translated?"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask, g
from flask.testing import FlaskClient

from lms.i18n import select_locale
from lms.models import Tenant

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "lms" / "translations" / "sl" / "LC_MESSAGES"


def test_browser_language_picks_the_locale_without_a_tenant(client: FlaskClient) -> None:
    slovenian = client.get("/login", headers={"Accept-Language": "sl-SI,sl;q=0.9"})
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert "Prijava v Mojster" in slovenian.text
    assert '<html lang="sl">' in slovenian.text
    assert "Sign in to Mojster" in english.text


def test_the_tenant_locale_wins_over_the_browser(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        g.tenant = Tenant(slug="globex", name="Globex", locale="sl")
        assert select_locale() == "sl"


def test_pages_load_nothing_from_other_hosts(client: FlaskClient) -> None:
    html = client.get("/login").text
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []
    for asset in re.findall(r'(?:src|href)="(/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


def test_every_message_has_a_slovenian_translation() -> None:
    with (CATALOG / "messages.po").open("rb") as po_file:
        catalog = read_po(po_file)
    missing = [message.id for message in catalog if message.id and (not message.string or message.fuzzy)]
    assert missing == []


def test_the_catalog_covers_every_string_in_the_code(tmp_path: Path) -> None:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(template),
            "--no-location",
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with template.open("rb") as pot_file:
        wanted = {message.id for message in read_po(pot_file) if message.id}
    with (CATALOG / "messages.po").open("rb") as po_file:
        translated = {message.id for message in read_po(po_file) if message.id}
    assert wanted - translated == set(), "run the update steps of README's Translations section"


def _entries(catalog: Iterable[Message]) -> dict[object, object]:
    """Plural entries have lists for id and string; tuples make them comparable keys."""

    def freeze(value: object) -> object:
        return tuple(value) if isinstance(value, list | tuple) else value

    return {freeze(message.id): freeze(message.string) for message in catalog if message.id}


def test_compiled_catalog_matches_the_po_file() -> None:
    with (CATALOG / "messages.po").open("rb") as po_file:
        source = _entries(read_po(po_file))
    with (CATALOG / "messages.mo").open("rb") as mo_file:
        compiled = _entries(read_mo(mo_file))
    assert compiled == source, "run `pybabel compile -d lms/translations`"
