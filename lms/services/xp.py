"""The XP ledger: awards and manual adjustments (DESIGN.md: XP and ranks).

Every path that gives or takes XP calls ``award`` (or ``adjust`` for a manual ±N), so
the ledger and the balance change together, in the caller's transaction:
- the XpTransaction is inserted with ON CONFLICT DO NOTHING on its unique (tenant, user,
  source, source_entity_id): a retried job, a double click or a race awards once, and
  the database decides, not a lookup (issue 7, item 1);
- only when it was inserted, one guarded UPDATE moves UserXpBalance: ``total_xp`` by
  the amount (never below zero), ``lifetime_xp`` by its positive part, and ``rank``
  recomputed from the new lifetime XP in the same statement (``services/ranks.py``);
- and one upsert adds the positive part to the month's XpMonth row, which the monthly
  leaderboard reads instead of the month's ledger (issue 12, item 2).
Spending is the rewards store's (RewardRedemption.xp_spent, taken from ``total_xp`` with
its own guarded update); ``services/xp_rebuild.py`` recomputes balances from both and
proves the invariants; ``services/standings.py`` reads them for the learner's pages.
"""

from __future__ import annotations

import uuid
from contextlib import nullcontext
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS
from lms.models import Certificate, ChatMessage, Membership, Module, Tenant, UserXpBalance, XpMonth, XpTransaction
from lms.models.enums import AuditAction, Difficulty, NotificationType, XpSourceType
from lms.models.gamification import month_of
from lms.models.types import utcnow
from lms.models.upserts import insert_or_add, insert_or_ignore
from lms.permissions import can_submit
from lms.services.audit import audit
from lms.services.links import path_for
from lms.services.notifications import notify
from lms.services.ranks import RANKS, rank_clause, rank_for
from lms.tenancy import current_tenant_id

# DESIGN.md: XP and ranks. A tenant may override any of them in Tenant.settings["xp"], e.g.
# {"xp": {"module_completed": {"BEGINNER": 120}, "quiz_high_score": 40}}.
DEFAULT_AMOUNTS: dict[str, Any] = {
    "module_completed": {
        Difficulty.BEGINNER.name: 100,
        Difficulty.INTERMEDIATE.name: 150,
        Difficulty.ADVANCED.name: 200,
    },
    "quiz_high_score": 50,
    "mentor_confirmation": 30,
    "top_suggestion": 200,
    "compliance_renewal": 100,
}
QUIZ_HIGH_SCORE = 90.0


class XpError(LmsError):
    """An XP change that the rules refuse."""


class NotEnoughXP(XpError):
    """A deduction would take the spendable balance below zero."""


class InvalidAdjustment(XpError):
    """A manual adjustment without an amount or a reason, or for someone who cannot earn XP."""


# --- Amounts -------------------------------------------------------------------------------


def amount_for(setting: str, key: str | None = None) -> int:
    """The XP an award is worth in the current tenant: its override in settings, else the default."""
    tenant = db.session.get(Tenant, current_tenant_id())
    overrides = ((tenant.settings or {}) if tenant is not None else {}).get("xp") or {}
    value = overrides.get(setting, DEFAULT_AMOUNTS[setting])
    if key is not None:
        value = value.get(key, DEFAULT_AMOUNTS[setting][key]) if isinstance(value, dict) else value
    return int(value)


# --- Awards ----------------------------------------------------------------------------------


def ensure_balance(user_id: int) -> None:
    """The user's balance row in the current tenant exists (INSERT … ON CONFLICT DO NOTHING)."""
    now = utcnow()
    insert_or_ignore(
        UserXpBalance,
        {
            "tenant_id": current_tenant_id(),
            "user_id": user_id,
            "total_xp": 0,
            "lifetime_xp": 0,
            "rank": RANKS[0],
            "created_at": now,
            "updated_at": now,
        },
        conflict=["user_id", "tenant_id"],
    )


def may_earn(user_id: int) -> bool:
    """Active members earn XP; VIEWER earns nothing (DESIGN.md: roles), nor does a non-member."""
    role = db.session.scalar(sa.select(Membership.role).where(Membership.user_id == user_id, Membership.is_active))
    return can_submit(role)


def award(
    user_id: int,
    source: XpSourceType,
    source_entity_id: str | None,
    amount: int,
    reason: str | None = None,
    *,
    actor_id: int | None = None,
) -> bool:
    """Give (or, for MANUAL, take) ``amount`` XP once per source entity; True when this call did.

    Raises NotEnoughXP for a deduction below zero (nothing is written then). The caller
    commits; the XP_EARNED notification and a rank-up notice go with the same transaction.
    """
    if amount == 0 or not may_earn(user_id):
        return False
    # A deduction runs in a savepoint: refused, it leaves no ledger row behind.
    with db.session.begin_nested() if amount < 0 else nullcontext():
        now = utcnow()
        inserted = insert_or_ignore(
            XpTransaction,
            {
                "tenant_id": current_tenant_id(),
                "user_id": user_id,
                "amount": amount,
                "source": source,
                "source_entity_id": source_entity_id,
                "reason": reason,
                "created_by_id": actor_id,
                "created_at": now,
                "updated_at": now,
            },
            conflict=["tenant_id", "user_id", "source", "source_entity_id"],
        )
        if not inserted:
            return False
        ensure_balance(user_id)
        gained = max(amount, 0)
        new_lifetime = UserXpBalance.lifetime_xp + gained
        row = db.session.execute(
            sa.update(UserXpBalance)
            .where(UserXpBalance.user_id == user_id, UserXpBalance.total_xp + amount >= 0)
            .values(
                total_xp=UserXpBalance.total_xp + amount,
                lifetime_xp=new_lifetime,
                rank=rank_clause(new_lifetime),
                updated_at=now,
            )
            .returning(UserXpBalance.lifetime_xp)
            .execution_options(synchronize_session=False)
        ).first()
        if row is None:
            raise NotEnoughXP(_l("This would take the XP balance below zero."))
        if gained:
            _add_to_month(user_id, gained, now)
    _notify_award(user_id, amount, reason)
    before, after = rank_for(row.lifetime_xp - gained), rank_for(row.lifetime_xp)
    if after is not before:
        notify(
            user_id,
            NotificationType.XP_EARNED,
            _l("New rank: %(rank)s", rank=LABELS[after]),
            _l("You have reached %(xp)d lifetime XP.", xp=after.threshold),
            link=path_for("learner.xp_page"),
            dedup_key=f"xp-rank:{user_id}:{after.name}",
        )
    return True


def _add_to_month(user_id: int, gained: int, now: datetime) -> None:
    """The monthly leaderboard's summary moves with the ledger row, after the balance (one lock order)."""
    tenant = db.session.get(Tenant, current_tenant_id())
    insert_or_add(
        XpMonth,
        {"tenant_id": tenant.id, "user_id": user_id, "month": month_of(now, tenant.timezone), "earned": gained},
        conflict=["tenant_id", "user_id", "month"],
        add=["earned"],
    )


def _notify_award(user_id: int, amount: int, reason: str | None) -> None:
    if amount > 0:
        title = _l("You earned %(amount)d XP", amount=amount)
    else:
        title = _l("%(amount)d XP were deducted", amount=-amount)
    notify(user_id, NotificationType.XP_EARNED, title, reason or "", link=path_for("learner.xp_page"))


def adjust(user_id: int, amount: int, reason: str, actor_id: int | None, *, key: str | None = None) -> bool:
    """A manual ±N with a required reason, audited as XP_ADJUSTED; False for a repeated ``key``.

    ``key`` (the admin form's hidden uuid) makes a double submit harmless; without it each
    call is a new adjustment. Raises InvalidAdjustment or NotEnoughXP (nothing written).
    """
    reason = (reason or "").strip()
    if amount == 0:
        raise InvalidAdjustment(_l("Give a number of XP other than zero."))
    if not reason:
        raise InvalidAdjustment(_l("Give a reason."))
    if not may_earn(user_id):
        raise InvalidAdjustment(_l("This person does not take part in XP (a viewer or not an active member)."))
    key = key or uuid.uuid4().hex
    if not award(user_id, XpSourceType.MANUAL, key, amount, reason, actor_id=actor_id):
        return False
    audit(
        AuditAction.XP_ADJUSTED,
        entity_type="user",
        entity_id=user_id,
        actor_id=actor_id,
        amount=amount,
        reason=reason,
        key=key,
    )
    return True


def award_completion(user_id: int, module: Module, certificate: Certificate, *, renewal: bool) -> bool:
    """XP of a completion: COMPLIANCE_RENEWAL per renewed certificate, else MODULE_COMPLETED once per module.

    Keying MODULE_COMPLETED by the module (not the certificate) means a revoked and
    re-earned certificate does not pay twice (DESIGN.md: XP and ranks).
    """
    if renewal:
        return award(
            user_id,
            XpSourceType.COMPLIANCE_RENEWAL,
            str(certificate.id),
            amount_for("compliance_renewal"),
            module.title,
        )
    amount = amount_for("module_completed", module.difficulty.name)
    return award(user_id, XpSourceType.MODULE_COMPLETED, str(module.id), amount, module.title)


def award_quiz_score(user_id: int, quiz_id: int, quiz_title: str, score: float | None) -> bool:
    """QUIZ_HIGH_SCORE once per quiz for a score of at least 90 %."""
    if score is None or score < QUIZ_HIGH_SCORE:
        return False
    return award(user_id, XpSourceType.QUIZ_HIGH_SCORE, str(quiz_id), amount_for("quiz_high_score"), quiz_title)


def award_confirmed_answer(message: ChatMessage) -> bool:
    """MENTOR_CONFIRMATION once per chat answer a mentor confirms (the chat's hook, issue 7)."""
    if message.user_id is None:
        return False
    return award(message.user_id, XpSourceType.MENTOR_CONFIRMATION, str(message.id), amount_for("mentor_confirmation"))
