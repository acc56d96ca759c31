"""Do email links work once, only for their purpose, and only until they expire? (issue 4)"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import EmailToken
from lms.models.enums import EmailTokenType, TenantRole
from lms.models.types import utcnow
from lms.services import tokens
from tests.factories import TwoTenants, two_tenants

DAY = timedelta(days=1)
RESET = EmailTokenType.PASSWORD_RESET
INVITE = EmailTokenType.INVITE


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


def _row(token: str) -> EmailToken:
    return db.session.scalar(
        sa.select(EmailToken).where(EmailToken.token_hash == hashlib.sha256(token.encode()).hexdigest())
    )


def test_the_database_keeps_only_a_digest_of_the_link(world: TwoTenants) -> None:
    token = tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id)

    assert len(token) >= 43, "256 random bits"
    stored = db.session.scalars(sa.select(EmailToken.token_hash)).all()
    assert len(stored) == 1
    assert token not in stored[0]
    assert tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id) != token


def test_a_link_is_shown_while_unused_and_then_works_exactly_once(world: TwoTenants) -> None:
    token = tokens.issue(INVITE, "new@acme.test", DAY, tenant_id=world.acme.id, role=TenantRole.HR)

    assert tokens.peek(INVITE, token).role is TenantRole.HR
    assert tokens.peek(INVITE, token).used_at is None, "looking at the form uses nothing"
    used = tokens.consume(INVITE, token)
    assert (used.email, used.tenant_id, used.used_at is not None) == ("new@acme.test", world.acme.id, True)

    with pytest.raises(tokens.TokenInvalid, match="already used") as second:
        tokens.consume(INVITE, token)
    assert second.value.status == 410


def test_an_unknown_link_or_one_of_another_purpose_is_not_found(world: TwoTenants) -> None:
    reset = tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id)

    for type_, token in [(RESET, "not-a-token"), (INVITE, reset)]:
        with pytest.raises(tokens.TokenInvalid, match="not valid") as refused:
            tokens.consume(type_, token)
        assert refused.value.status == 404
    assert _row(reset).used_at is None, "a reset link stays usable as a reset link"


def test_an_expired_link_is_refused_and_stays_unused(world: TwoTenants) -> None:
    token = tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id)
    _row(token).expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()

    with pytest.raises(tokens.TokenInvalid, match="expired") as refused:
        tokens.consume(RESET, token)
    assert refused.value.status == 410
    assert _row(token).used_at is None


def test_a_new_link_ends_the_older_ones_of_the_same_kind_and_address_only(world: TwoTenants) -> None:
    old_reset = tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id)
    bors_reset = tokens.issue(RESET, "bor@globex.test", DAY, user_id=world.bor.id)
    invite = tokens.issue(INVITE, "ana@acme.test", DAY, tenant_id=world.acme.id, role=TenantRole.EMPLOYEE)

    tokens.revoke_open(RESET, "ana@acme.test")
    new_reset = tokens.issue(RESET, "ana@acme.test", DAY, user_id=world.ana.id)

    with pytest.raises(tokens.TokenInvalid, match="already used"):
        tokens.peek(RESET, old_reset)
    assert tokens.peek(RESET, new_reset).email == "ana@acme.test"
    assert tokens.peek(RESET, bors_reset).email == "bor@globex.test"
    assert tokens.peek(INVITE, invite).email == "ana@acme.test"


def test_a_new_invite_ends_older_invites_of_that_company_only(world: TwoTenants) -> None:
    to_acme = tokens.issue(INVITE, "cene@example.test", DAY, tenant_id=world.acme.id, role=TenantRole.EMPLOYEE)
    to_globex = tokens.issue(INVITE, "cene@example.test", DAY, tenant_id=world.globex.id, role=TenantRole.EMPLOYEE)

    tokens.revoke_open(INVITE, "cene@example.test", world.acme.id)

    with pytest.raises(tokens.TokenInvalid, match="already used"):
        tokens.consume(INVITE, to_acme)
    assert tokens.consume(INVITE, to_globex).tenant_id == world.globex.id
