"""Platform: tenants and the platform changelog, for platform staff."""

from __future__ import annotations

from flask_admin import BaseView


def views() -> list[BaseView]:
    return []
