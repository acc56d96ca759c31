"""Does a rank follow the lifetime XP thresholds the same way in Python and in SQL? (DESIGN.md: XP and ranks)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models.enums import ReputationRank
from lms.services.ranks import RANKS, next_rank, rank_clause, rank_for


def test_ranks_climb_from_apprentice_to_mentor() -> None:
    assert RANKS == [ReputationRank.VAJENEC, ReputationRank.POMOCNIK, ReputationRank.MOJSTER, ReputationRank.MENTOR]
    assert [next_rank(rank) for rank in RANKS] == [*RANKS[1:], None]


@pytest.mark.parametrize("lifetime", [0, 1, 1499, 1500, 3499, 3500, 5999, 6000, 100_000])
def test_the_sql_rank_is_the_python_rank(app_ctx: Flask, lifetime: int) -> None:
    in_sql = db.session.scalar(sa.select(rank_clause(sa.literal(lifetime))))
    assert in_sql == rank_for(lifetime).name
