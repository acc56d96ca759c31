"""Does `flask lms xp-rebuild --check` fail on a balance that no longer matches the ledger?"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import UserXpBalance, XpMonth
from lms.models.enums import XpSourceType
from lms.services import xp
from lms.tenancy import tenant_context
from tests.factories import two_tenants


def _award_200_to_ana_and_tamper(app: Flask, tampering: sa.Update) -> None:
    with app.app_context():
        world = two_tenants()
        with tenant_context(world.acme.id):
            xp.award(world.ana.id, XpSourceType.MODULE_COMPLETED, "1", 200)
            db.session.execute(tampering)
        db.session.commit()


def test_xp_rebuild_check_exits_non_zero_on_a_tampered_balance_and_rebuild_fixes_it(app: Flask) -> None:
    _award_200_to_ana_and_tamper(app, sa.update(UserXpBalance).values(total_xp=999))
    runner = app.test_cli_runner()

    checked = runner.invoke(args=["lms", "xp-rebuild", "--tenant", "acme", "--check"])
    assert checked.exit_code == 1
    assert "total=999" in checked.output
    assert "total=200" in checked.output
    assert runner.invoke(args=["lms", "xp-rebuild", "--tenant", "globex", "--check"]).exit_code == 0

    assert runner.invoke(args=["lms", "xp-rebuild", "--tenant", "acme"]).exit_code == 0
    assert runner.invoke(args=["lms", "xp-rebuild", "--check"]).exit_code == 0
    assert runner.invoke(args=["lms", "xp-rebuild", "--tenant", "nope"]).exit_code != 0


def test_xp_rebuild_check_exits_non_zero_on_a_tampered_monthly_total(app: Flask) -> None:
    _award_200_to_ana_and_tamper(app, sa.update(XpMonth).values(earned=20))
    runner = app.test_cli_runner()

    checked = runner.invoke(args=["lms", "xp-rebuild", "--check"])
    assert checked.exit_code == 1
    assert "earned=20, ledger says earned=200" in checked.output

    assert runner.invoke(args=["lms", "xp-rebuild"]).exit_code == 0
    assert runner.invoke(args=["lms", "xp-rebuild", "--check"]).exit_code == 0
