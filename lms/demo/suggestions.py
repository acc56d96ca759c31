"""The suggestions part of ``seed-demo`` (issue 7): ideas in every status, with votes and a thread.

Everything goes through ``lms.services.suggestions`` like a learner's or a manager's
clicks, so vote counts, notices and XP agree with what the pages show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_babel import force_locale
from flask_babel import gettext as _

from lms.services import suggestions

if TYPE_CHECKING:
    from lms.demo.seed import _TenantBuilder

VOTERS = ("learner1", "learner2", "learner3", "learner4", "learner5", "mentor")


def seed_suggestions(builder: _TenantBuilder) -> None:
    users = builder.users
    hr = users["hr"]
    with force_locale(builder.tenant.locale):
        ideas = [
            ("learner2", _("Pivot tables for beginners"), _("Summarising sales data with pivot tables, step by step.")),
            ("learner3", _("First aid refresher"), _("A yearly first aid refresher with a short practical part.")),
            ("learner4", _("Team games on Fridays"), _("Short team games to meet colleagues from other floors.")),
            ("learner5", _("Handling difficult customers"), _("Calming an angry customer on the phone and in person.")),
        ]
        made = [suggestions.submit(users[author].id, title, text) for author, title, text in ideas]
        pivot, first_aid, games, customers = made
        for count, suggestion in zip((5, 4, 1, 6), made, strict=True):
            for key in VOTERS[:count]:
                if users[key].id != suggestion.author_id:
                    suggestions.vote(users[key].id, suggestion.id, True)
        question = suggestions.comment(
            users["learner3"].id, pivot.id, _("Could it also cover charts made from the pivot table?")
        )
        suggestions.comment(users["mentor"].id, pivot.id, _("Yes, I can show that in a second section."), question.id)
        suggestions.approve(first_aid, hr)
        suggestions.reject(games, hr, _("Team events are planned by the office, not in the learning platform."))
        suggestions.convert(customers, hr)
