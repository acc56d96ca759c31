"""The platform's own release notes."""

import sqlalchemy as sa
from flask import render_template

from lms.extensions import db
from lms.learner import bp
from lms.models import ChangelogEntry


@bp.get("/updates")
def updates() -> str:
    entries = db.session.scalars(
        sa.select(ChangelogEntry)
        .where(ChangelogEntry.published_at.isnot(None))
        .order_by(ChangelogEntry.published_at.desc())
        .limit(50)
    )
    return render_template("learner/updates.html", entries=list(entries))
