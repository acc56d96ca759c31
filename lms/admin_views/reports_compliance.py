"""Reports: the compliance report (issue 13, item 2)."""

from __future__ import annotations

from flask_admin import BaseView


def views() -> list[BaseView]:
    return []
