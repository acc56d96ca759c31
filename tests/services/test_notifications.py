"""Is a notification sent at most once per key, and does its email copy follow the user's preferences?"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext

from lms.extensions import db
from lms.i18n import LABELS
from lms.models import (
    EmailPreference,
    Membership,
    Module,
    Notification,
    NotificationDedup,
    ProgressOverride,
    Quiz,
    Reward,
    RewardRedemption,
    Tenant,
    User,
)
from lms.models.enums import (
    EmailFrequency,
    NotificationType,
    ReputationRank,
    SuggestionStatus,
    TenantRole,
    XpSourceType,
)
from lms.models.types import utcnow
from lms.services import certificates, completion, quizzes, rewards, suggestions, xp
from lms.services.compliance import send_expiry_notices
from lms.services.notifications import (
    OutgoingNotification,
    mark_all_read,
    mark_read,
    notify,
    notify_many,
    unread_count,
)
from lms.services.reminders import send_deadline_reminders
from lms.tenancy import tenant_context, unscoped
from tests.factories import TwoTenants, assign, make_group, make_module, make_quiz, make_user, two_tenants
from tests.smtp import Inbox, plain_text, smtp_for

REMINDER = NotificationType.DEADLINE_REMINDER


@pytest.fixture
def smtp(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    with smtp_for(app, monkeypatch) as inbox:
        yield inbox


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _prefer(world: TwoTenants, **values: object) -> None:
    with tenant_context(world.acme.id):
        db.session.add(EmailPreference(user_id=world.ana.id, **values))
        db.session.flush()


def _titles(tenant_id: int) -> list[str]:
    with tenant_context(tenant_id):
        return list(db.session.scalars(sa.select(Notification.title).order_by(Notification.id)))


def test_the_same_dedup_key_notifies_once(world: TwoTenants, smtp: Inbox) -> None:
    with tenant_context(world.acme.id):
        first = notify(world.ana.id, REMINDER, "Forklift is due", dedup_key="deadline:7d:1:2:2026-12-01")
        second = notify(world.ana.id, REMINDER, "Forklift is due", dedup_key="deadline:7d:1:2:2026-12-01")
    db.session.commit()

    assert first is not None
    assert second is None
    assert _titles(world.acme.id) == ["Forklift is due"]
    assert len(smtp.messages) == 1


def test_a_dedup_key_of_one_tenant_does_not_block_another(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        assert notify(world.ana.id, REMINDER, "Acme reminder", dedup_key="deadline:7d:x") is not None
    with tenant_context(world.globex.id):
        assert notify(world.bor.id, REMINDER, "Globex reminder", dedup_key="deadline:7d:x") is not None

    assert _titles(world.acme.id) == ["Acme reminder"]
    assert _titles(world.globex.id) == ["Globex reminder"]


def test_immediate_preference_mails_the_notification(world: TwoTenants, smtp: Inbox) -> None:
    _prefer(world, frequency=EmailFrequency.IMMEDIATE)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due tomorrow", "Finish it by Friday.", link="/modules/7")
    assert smtp.messages == [], "no mail before the commit"
    db.session.commit()

    (message,) = smtp.messages
    assert message["To"] == "ana@acme.test"
    assert message["Subject"] == "Forklift is due tomorrow"
    text = plain_text(message)
    assert "Finish it by Friday." in text
    assert "http://lms.test/modules/7" in text
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(Notification.emailed_at)) is not None


def test_family_toggle_off_sends_no_email(world: TwoTenants, smtp: Inbox) -> None:
    _prefer(world, frequency=EmailFrequency.IMMEDIATE, deadline_reminders=False)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due")
        notify(world.ana.id, NotificationType.SYSTEM, "Welcome")
    db.session.commit()

    assert [m["Subject"] for m in smtp.messages] == ["Welcome"]
    assert _titles(world.acme.id) == ["Forklift is due", "Welcome"], "the bell still shows both"


@pytest.mark.parametrize("frequency", [EmailFrequency.DAILY, EmailFrequency.WEEKLY, EmailFrequency.OFF])
def test_digest_or_off_sends_no_immediate_email(world: TwoTenants, smtp: Inbox, frequency: EmailFrequency) -> None:
    _prefer(world, frequency=frequency)
    with tenant_context(world.acme.id):
        notify(world.ana.id, REMINDER, "Forklift is due")
    db.session.commit()

    assert smtp.messages == []
    assert _titles(world.acme.id) == ["Forklift is due"]


def test_preferences_of_another_tenant_do_not_apply(world: TwoTenants, smtp: Inbox) -> None:
    """Ana turned mail off at acme; at globex she has no preference, so mail is immediate."""
    _prefer(world, frequency=EmailFrequency.OFF)
    with unscoped("test: ana joins globex"):
        db.session.add(Membership(tenant_id=world.globex.id, user_id=world.ana.id))
    with tenant_context(world.globex.id):
        notify(world.ana.id, REMINDER, "Globex reminder")
    db.session.commit()

    assert [m["Subject"] for m in smtp.messages] == ["Globex reminder"]


def test_notify_many_claims_each_key_once_and_follows_preferences(world: TwoTenants, smtp: Inbox) -> None:
    carl = make_user("carl@acme.test", (world.acme, TenantRole.EMPLOYEE))
    _prefer(world, frequency=EmailFrequency.DAILY)
    planned = [
        OutgoingNotification(world.ana.id, REMINDER, "Ana: Forklift", dedup_key="k:ana"),
        OutgoingNotification(carl.id, REMINDER, "Carl: Forklift", dedup_key="k:carl"),
        OutgoingNotification(carl.id, NotificationType.SYSTEM, "Carl: welcome"),
    ]
    with tenant_context(world.acme.id):
        assert notify_many(planned) == 3
        assert notify_many(planned[:2]) == 0
    db.session.commit()

    assert _titles(world.acme.id) == ["Ana: Forklift", "Carl: Forklift", "Carl: welcome"]
    assert sorted(m["Subject"] for m in smtp.messages) == ["Carl: Forklift", "Carl: welcome"]
    with tenant_context(world.acme.id):
        assert db.session.scalar(sa.select(sa.func.count(NotificationDedup.id))) == 2


def test_mark_read_only_touches_ones_own_notifications(world: TwoTenants) -> None:
    with tenant_context(world.acme.id):
        mine = notify(world.ana.id, NotificationType.SYSTEM, "Mine")
        notify(world.ana.id, NotificationType.SYSTEM, "Also mine")
    with tenant_context(world.globex.id):
        theirs = notify(world.bor.id, NotificationType.SYSTEM, "Bor's")

    with tenant_context(world.acme.id):
        assert unread_count(world.ana.id) == 2
        assert mark_read(world.ana.id, mine.id)
        assert mark_read(world.ana.id, mine.id), "marking twice is harmless"
        assert not mark_read(world.ana.id, theirs.id)
        assert not mark_read(world.bor.id, theirs.id), "Bor's notification is not acme's"
        assert unread_count(world.ana.id) == 1
        assert mark_all_read(world.ana.id) == 1
        assert unread_count(world.ana.id) == 0
    with tenant_context(world.globex.id):
        assert unread_count(world.bor.id) == 1


# --- Every notification in the recipient's language (issue 11, item 6) ----------------------


def _slovenian(msgid: str, **values: object) -> str:
    """``msgid`` as a Slovenian learner must read it; the catalog has to translate it."""
    with force_locale("sl"):
        text = gettext(msgid, **values)
    with force_locale("en"):
        assert text != gettext(msgid, **values), f"no Slovenian translation of {msgid!r}"
    return text


@dataclass
class Globex:
    """The Slovenian tenant: Bor learns, Hana (HR) reviews, one published module with a quiz."""

    tenant: Tenant
    bor: User
    hana: User
    module: Module
    quiz: Quiz


@pytest.fixture
def globex(world: TwoTenants) -> Globex:
    assert world.globex.locale == "sl"
    hana = make_user("hana@globex.test", (world.globex, TenantRole.HR))
    module = make_module(world.globex, "Varnost", sections=1)
    return Globex(world.globex, world.bor, hana, module, make_quiz(module))


def _earn(g: Globex) -> None:
    xp.award(g.bor.id, XpSourceType.MODULE_COMPLETED, "1", 1600, "Varnost")


def _redemption(g: Globex) -> RewardRedemption:
    _earn(g)
    reward = Reward(title="Skodelica", cost_xp=100, approval_required=True)
    db.session.add(reward)
    db.session.flush()
    return rewards.redeem(g.bor.id, reward.id)


def _approve_reward(g: Globex) -> None:
    rewards.approve(_redemption(g), g.hana)


def _reject_reward(g: Globex) -> None:
    rewards.reject(_redemption(g), g.hana, "Ni na zalogi")


def _issue_certificate(g: Globex) -> None:
    certificate = certificates.claim(g.bor.id, g.module, completed_at=utcnow(), previous=None)
    certificates.issue(certificate.id)


def _fail_quiz(g: Globex) -> None:
    attempt = quizzes.start_attempt(g.bor.id, g.quiz)
    first, second, third = g.quiz.questions
    quizzes.submit(g.bor.id, g.quiz, attempt.id, {first.id: [1], second.id: [2], third.id: [0]})


def _override(g: Globex) -> None:
    override = ProgressOverride(user_id=g.bor.id, module_id=g.module.id, override_by_id=g.hana.id, reason="Tečaj")
    db.session.add(override)
    db.session.flush()
    completion.record_override(override)


def _popular_suggestion(g: Globex) -> None:
    g.tenant.settings = {**(g.tenant.settings or {}), "suggestion_popular_threshold": 1}
    suggestion = suggestions.submit(g.bor.id, "Več odmorov", "Krajši in pogostejši.")
    suggestions.vote(g.bor.id, suggestion.id, True)


def _approve_suggestion(g: Globex) -> None:
    suggestions.approve(suggestions.submit(g.bor.id, "Več odmorov", "Krajši in pogostejši."), g.hana)


def _remind(g: Globex) -> None:
    now = utcnow()
    started = now - timedelta(days=9, hours=12)
    assign(g.module, make_group(g.tenant, "Skladišče", [g.bor], joined=started), 10, at=started)
    send_deadline_reminders(g.tenant, now)


def _expire(g: Globex, *, days_left: int) -> None:
    g.module.validity_months = 12
    certificate = certificates.claim(g.bor.id, g.module, completed_at=utcnow(), previous=None)
    certificate.expires_at = utcnow() + timedelta(days=days_left)
    db.session.flush()
    send_expiry_notices(g.tenant)


# (type, what sends it, who receives it, the English msgid of its title and its values)
SENDERS: list[tuple[NotificationType, Callable[[Globex], None], str, str, dict[str, object]]] = [
    (NotificationType.XP_EARNED, _earn, "bor", "You earned %(amount)d XP", {"amount": 1600}),
    (
        NotificationType.REWARD_APPROVED,
        _approve_reward,
        "bor",
        "Your reward is approved: %(reward)s",
        {"reward": "Skodelica"},
    ),
    (
        NotificationType.REWARD_REJECTED,
        _reject_reward,
        "bor",
        "Your reward was not approved: %(reward)s",
        {"reward": "Skodelica"},
    ),
    (
        NotificationType.CERTIFICATE_ISSUED,
        _issue_certificate,
        "bor",
        "Your certificate: %(module)s",
        {"module": "Varnost"},
    ),
    (NotificationType.QUIZ_RESULT, _fail_quiz, "bor", "Quiz result: %(title)s", {"title": "Varnost quiz"}),
    (NotificationType.PROGRESS_OVERRIDE, _override, "bor", "Progress updated: %(module)s", {"module": "Varnost"}),
    (
        NotificationType.SUGGESTION_POPULAR,
        _popular_suggestion,
        "hana",
        "A suggestion is popular: %(title)s",
        {"title": "Več odmorov"},
    ),
    (
        NotificationType.SUGGESTION_STATUS_CHANGED,
        _approve_suggestion,
        "bor",
        "Your suggestion %(title)s: %(status)s",
        {"title": "Več odmorov", "status": LABELS[SuggestionStatus.APPROVED]},
    ),
    (NotificationType.DEADLINE_REMINDER, _remind, "bor", "Due within a day: %(module)s", {"module": "Varnost"}),
    (
        NotificationType.MODULE_EXPIRING,
        partial(_expire, days_left=5),
        "bor",
        "Renewal due: %(module)s",
        {"module": "Varnost"},
    ),
    (
        NotificationType.MODULE_EXPIRED,
        partial(_expire, days_left=-1),
        "bor",
        "Certificate expired: %(module)s",
        {"module": "Varnost"},
    ),
]


@pytest.mark.parametrize(
    ("type_", "send", "recipient", "msgid", "values"), SENDERS, ids=[row[0].name for row in SENDERS]
)
def test_a_slovenian_tenant_reads_every_notification_in_slovenian(
    globex: Globex,
    type_: NotificationType,
    send: Callable[[Globex], None],
    recipient: str,
    msgid: str,
    values: dict[str, object],
) -> None:
    """Sent from an English context (an English admin's request, a job), the text still follows the tenant."""
    with force_locale("en"), tenant_context(globex.tenant.id):
        send(globex)
        user_id = getattr(globex, recipient).id
        titles = db.session.scalars(
            sa.select(Notification.title).where(Notification.user_id == user_id, Notification.type == type_)
        ).all()
    assert _slovenian(msgid, **values) in titles


def test_every_type_some_code_sends_is_checked_in_slovenian() -> None:
    """A new sender adds its row above; these types have no sender yet (demo data aside)."""
    unsent = {
        NotificationType.NEW_MODULE,
        NotificationType.COMMENT_REPLY,
        NotificationType.MODULE_UPDATED,
        NotificationType.SYSTEM,
        NotificationType.RADAR_APPROVED,
        NotificationType.RADAR_REJECTED,
        NotificationType.NEW_KNOWLEDGE,
    }
    assert {row[0] for row in SENDERS} == set(NotificationType) - unsent


def test_a_rejection_reason_and_a_rank_up_are_slovenian_too(globex: Globex) -> None:
    with force_locale("en"), tenant_context(globex.tenant.id):
        _reject_reward(globex)
        rows = db.session.execute(
            sa.select(Notification.type, Notification.title, Notification.message, Notification.link).where(
                Notification.user_id == globex.bor.id
            )
        ).all()
    texts = {(row.title, row.message) for row in rows}
    rank = _slovenian("New rank: %(rank)s", rank=LABELS[ReputationRank.POMOCNIK])
    assert (rank, _slovenian("You have reached %(xp)d lifetime XP.", xp=1500)) in texts
    rejected = _slovenian("Reason: %(reason)s. Your %(xp)d XP are back on your balance.", reason="Ni na zalogi", xp=100)
    assert rejected in {row.message for row in rows if row.type is NotificationType.REWARD_REJECTED}
    assert {row.link for row in rows} == {"/xp", "/rewards/mine"}
