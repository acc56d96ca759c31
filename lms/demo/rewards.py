"""The rewards part of ``seed-demo`` (issue 7): a catalog of every kind and redemptions in every status.

Redemptions go through ``lms.services.rewards`` like a learner's, so balances, stock and
the ledger agree; a learner short of XP first gets a welcome adjustment in the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.extensions import db
from lms.models import Reward
from lms.services import rewards, xp

if TYPE_CHECKING:
    from lms.demo.seed import _TenantBuilder


def _catalog() -> list[Reward]:
    return [
        Reward(
            title=_("Coffee voucher"),
            description=_("A coffee of your choice at the canteen."),
            cost_xp=100,
            monthly_limit=4,
            approval_required=False,
        ),
        Reward(
            title=_("Book of your choice"),
            description=_("A professional book up to 40 EUR."),
            cost_xp=250,
            monthly_limit=2,
            approval_required=False,
        ),
        Reward(
            title=_("Company hoodie"),
            description=_("A warm hoodie with the company logo."),
            cost_xp=400,
            quantity_available=10,
        ),
        Reward(
            title=_("Lunch with the CEO"),
            description=_("An hour of questions over lunch."),
            cost_xp=800,
            quantity_available=2,
        ),
        Reward(
            title=_("Extra day off"),
            description=_("One day of paid leave, agreed with your manager."),
            cost_xp=1500,
            monthly_limit=1,
            quantity_available=5,
        ),
        Reward(
            title=_("Conference ticket"),
            description=_("A ticket to a professional conference this year."),
            cost_xp=3000,
            quantity_available=1,
        ),
        Reward(title=_("Branded mug"), description=_("No longer in the catalog."), cost_xp=150, active=False),
    ]


def seed_rewards(builder: _TenantBuilder) -> None:
    users = builder.users
    with force_locale(builder.tenant.locale):
        catalog = _catalog()
        db.session.add_all(catalog)
        db.session.flush()
        coffee, book, hoodie, lunch, day_off, _ticket, _mug = catalog
        plan = [
            ("learner2", coffee),
            ("learner2", day_off),
            ("learner3", hoodie),
            ("learner3", book),
            ("learner4", lunch),
            ("learner5", hoodie),
        ]
        needed: dict[str, int] = {}
        for key, reward in plan:
            needed[key] = needed.get(key, 0) + reward.cost_xp
        for key, amount in needed.items():
            short = amount - rewards.balance_of(users[key].id)
            if short > 0:
                xp.adjust(users[key].id, short, _("Welcome bonus"), users["hr"].id, key=f"demo-welcome:{key}")
        made = {(key, reward.id): rewards.redeem(users[key].id, reward.id) for key, reward in plan}
        hr = users["hr"]
        rewards.approve(made[("learner2", day_off.id)], hr)
        rewards.reject(made[("learner3", hoodie.id)], hr, _("Out of your size; choose another reward, please."))
        rewards.cancel(made[("learner4", lunch.id)], users["learner4"].id)
