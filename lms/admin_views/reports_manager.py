"""Reports: the manager dashboard (issue 13, item 3)."""

from __future__ import annotations

from flask_admin import BaseView


def views() -> list[BaseView]:
    return []
