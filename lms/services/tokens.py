"""Single-use email tokens for invites and password resets (issue 4).

The token is 256 random bits, sent only in the email; the database keeps its SHA-256,
so a copy of the database opens no account. Consuming a token is one guarded UPDATE
(``used_at IS NULL``), so a double click or two tabs cannot use it twice.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.extensions import db
from lms.models import EmailToken
from lms.models.enums import EmailTokenType, TenantRole
from lms.models.types import utcnow


class TokenInvalid(LmsError):
    """Unknown (404), used or expired (410); the message says which, for the page the link lands on."""

    def __init__(self, message: object, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(
    type_: EmailTokenType,
    email: str,
    ttl: timedelta,
    *,
    user_id: int | None = None,
    tenant_id: int | None = None,
    role: TenantRole | None = None,
    created_by_id: int | None = None,
) -> str:
    """Store a new token and return it in clear, for the email link only."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        EmailToken(
            token_hash=_digest(token),
            type=type_,
            email=email,
            user_id=user_id,
            tenant_id=tenant_id,
            role=role,
            created_by_id=created_by_id,
            expires_at=utcnow() + ttl,
        )
    )
    return token


def peek(type_: EmailTokenType, token: str) -> EmailToken:
    """The valid token row, without using it (to show the form); TokenInvalid otherwise."""
    row = db.session.scalar(
        sa.select(EmailToken).where(EmailToken.token_hash == _digest(token), EmailToken.type == type_)
    )
    if row is None:
        raise TokenInvalid(_l("This link is not valid. Check that you copied all of it."), status=404)
    if row.used_at is not None:
        raise TokenInvalid(_l("This link was already used. Ask for a new one if you still need it."))
    if row.expires_at <= utcnow():
        raise TokenInvalid(_l("This link has expired. Ask for a new one."))
    return row


def consume(type_: EmailTokenType, token: str) -> EmailToken:
    """Mark the token used, exactly once, and return it; TokenInvalid if it cannot be."""
    row = peek(type_, token)
    used = db.session.execute(
        sa.update(EmailToken)
        .where(EmailToken.id == row.id, EmailToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:
        raise TokenInvalid(_l("This link was already used. Ask for a new one if you still need it."))
    db.session.refresh(row)
    return row


def revoke_open(type_: EmailTokenType, email: str, tenant_id: int | None = None) -> None:
    """Older unused tokens of the same kind stop working when a new one is sent."""
    query = sa.update(EmailToken).where(
        EmailToken.type == type_, EmailToken.email == email, EmailToken.used_at.is_(None)
    )
    if tenant_id is not None:
        query = query.where(EmailToken.tenant_id == tenant_id)
    db.session.execute(query.values(used_at=utcnow()).execution_options(synchronize_session=False))
