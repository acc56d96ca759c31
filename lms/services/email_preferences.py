"""A member's own email settings: how often, and about what (issue 15, item 5).

One EmailPreference row per user and company (its unique constraint). Without a row a
member gets every email at once (``notifications.frequency_for``), but the daily and weekly
digests only find members whose row says so (``digests._chose``), so the row is made with
the defaults as soon as someone joins (an accepted invite, a reactivated membership) and,
for members who joined before rows were made, on their first visit to the settings page.
Making it is one INSERT … ON CONFLICT DO NOTHING: two tabs opened at once make one row.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from lms.extensions import db
from lms.models import EmailPreference
from lms.models.enums import EmailFrequency
from lms.models.types import utcnow
from lms.models.upserts import insert_or_ignore
from lms.tenancy import current_tenant_id

# The per-type toggles, in the order the settings page and the admin's view of the table list
# them, with their names.
FAMILIES: dict[str, LazyString] = {
    "new_modules": _l("New modules"),
    "deadline_reminders": _l("Deadline reminders"),
    "quiz_results": _l("Quiz results"),
    "comment_replies": _l("Comment replies"),
    "certificates": _l("Certificates"),
    "module_updates": _l("Module updates"),
    "community": _l("Community"),
    "rewards": _l("Rewards"),
    "system": _l("System"),
}


def ensure(user_id: int) -> None:
    """Give the user their default row in the current company unless they have one. The caller commits."""
    now = utcnow()
    insert_or_ignore(
        EmailPreference,
        {"tenant_id": current_tenant_id(), "user_id": user_id, "created_at": now, "updated_at": now},
        conflict=["tenant_id", "user_id"],
    )


def of(user_id: int) -> EmailPreference:
    """The user's row in the current company, made with the defaults on first use."""
    ensure(user_id)
    return db.session.scalars(sa.select(EmailPreference).where(EmailPreference.user_id == user_id)).one()


def save(user_id: int, frequency: EmailFrequency, toggles: Mapping[str, bool]) -> EmailPreference:
    """Store the user's choice; a family missing from ``toggles`` is off (an unticked box). The caller commits."""
    preference = of(user_id)
    preference.frequency = frequency
    for family in FAMILIES:
        setattr(preference, family, bool(toggles.get(family, False)))
    db.session.flush()
    return preference
