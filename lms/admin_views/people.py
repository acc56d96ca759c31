"""People: users and memberships, permissions, groups, email preferences, audit log, settings."""

from __future__ import annotations

from flask_admin import BaseView


def views() -> list[BaseView]:
    return []
