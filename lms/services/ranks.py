"""Reputation ranks: the rank a lifetime XP reaches (DESIGN.md: XP and ranks).

One table of thresholds (``ReputationRank.threshold``) read three ways: in Python for a
learner's page, in SQL so the ledger's UPDATE and the rebuild set the rank from the
lifetime XP they write, and as "the next rank" a learner is working towards.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from lms.models.enums import ReputationRank

RANKS = sorted(ReputationRank, key=lambda rank: rank.threshold)


def rank_for(lifetime_xp: int) -> ReputationRank:
    """The highest rank whose threshold ``lifetime_xp`` reaches."""
    return [rank for rank in RANKS if lifetime_xp >= rank.threshold][-1]


def rank_clause(lifetime: sa.ColumnElement[int]) -> sa.ColumnElement[Any]:
    """``rank_for`` in SQL, so an UPDATE sets the rank from the lifetime XP it writes."""
    whens = [(lifetime >= rank.threshold, rank.name) for rank in reversed(RANKS[1:])]
    return sa.case(*whens, else_=RANKS[0].name)


def next_rank(rank: ReputationRank) -> ReputationRank | None:
    """The rank after ``rank``; None at the top, where a learner's progress bar is full."""
    index = RANKS.index(rank)
    return RANKS[index + 1] if index + 1 < len(RANKS) else None
