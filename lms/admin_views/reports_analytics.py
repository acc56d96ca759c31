"""Reports: analytics (issue 13, item 4)."""

from __future__ import annotations

from flask_admin import BaseView


def views() -> list[BaseView]:
    return []
