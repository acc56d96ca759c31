"""Does every page speak its own tenant's language and show times in its tenant's zone,
request after request, and does text rendered for another tenant take that tenant's language?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string

from lms.extensions import db
from lms.i18n import tenant_locale
from lms.models import XpTransaction
from lms.models.enums import XpSourceType
from lms.services import xp
from lms.tenancy import tenant_context
from tests.factories import two_tenants

NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Logins:
    ana: tuple[str, int]
    bor: tuple[str, int]


@pytest.fixture
def logins(app: Flask) -> Logins:
    """acme (English, New York) and globex (Slovenian, Ljubljana), each with one XP entry at 23:30 UTC."""
    with app.app_context():
        world = two_tenants()
        world.acme.timezone = "America/New_York"
        world.globex.timezone = "Europe/Ljubljana"
        for tenant, user in ((world.acme, world.ana), (world.globex, world.bor)):
            with tenant_context(tenant.id):
                xp.award(user.id, XpSourceType.MODULE_COMPLETED, "1", 10, "Year-end quiz")
                db.session.execute(sa.update(XpTransaction).values(created_at=NEW_YEARS_EVE))
        result = Logins((world.ana.get_id(), world.acme.id), (world.bor.get_id(), world.globex.id))
        db.session.commit()
        return result


def _xp_page(app: Flask, login: tuple[str, int]) -> str:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"], session["tenant_id"] = login
        session["_fresh"] = True
    response = client.get("/xp")
    assert response.status_code == 200
    return response.text


def test_each_page_shows_times_in_its_tenants_zone_and_language(app: Flask, logins: Logins) -> None:
    english = _xp_page(app, logins.ana)
    slovenian = _xp_page(app, logins.bor)
    english_again = _xp_page(app, logins.ana)

    assert "12/31/26, 6:30\u202fPM" in english  # CLDR puts a narrow no-break space before PM
    assert "History" in english
    assert "1. 1. 2027, 00:30" in slovenian, "past midnight in Ljubljana: the new year already"
    assert "Zgodovina" in slovenian
    assert "Year-end quiz" in slovenian
    assert "12/31/26, 6:30\u202fPM" in english_again, "nothing of the Slovenian page stays behind"
    assert "Zgodovina" not in english_again


def test_text_rendered_for_another_tenant_speaks_its_language(app: Flask, logins: Logins) -> None:
    """An e-mail rendered inside ``tenant_locale`` during an English request is Slovenian (issue 11, item 6)."""
    with app.test_request_context("/xp", headers={"Accept-Language": "en"}):
        page = render_template_string('{{ _("History") }}')
        with tenant_locale(logins.bor[1]):
            mail = render_template_string('{{ _("History") }}')

    assert (page, mail) == ("History", "Zgodovina")
