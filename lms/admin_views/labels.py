"""What the admin screens call columns and values, the same on every screen showing them.

``TenantModelView`` starts every view's ``column_labels`` from these; a view names only
its own columns and the ones it calls otherwise (``created_at`` is "Joined" for a member).

Values are shown by type, in the company's language and time zone (issue 14, items 4 and 3):
an enum member by its label (``lms.i18n.label``), never its code name; a moment and a day as
the locale writes them, in the tenant's zone (Flask-Babel's ``select_timezone``); a number
with the locale's separators; yes and no as an icon that says so. Exports keep numbers and
moments machine-readable (``lists.ListAtScale``) but name enum members by their labels too.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_admin.model import typefmt
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from lms.i18n import label

COLUMN_LABELS: dict[str, Any] = {
    "title": _l("Title"),
    "name": _l("Name"),
    "description": _l("Description"),
    "status": _l("Status"),
    "type": _l("Type"),
    "version": _l("Version"),
    "sort_order": _l("Order"),
    "is_active": _l("Active"),
    "active": _l("Active"),
    "reason": _l("Reason"),
    "created_at": _l("Created"),
    "published_at": _l("Published"),
    "reviewed_at": _l("Reviewed"),
    "reviewed_by": _l("Reviewed by"),
    "rejection_reason": _l("Reason for rejecting"),
    "user": _l("Learner"),
    "user.name": _l("Learner"),
    "user.email": _l("Email"),
    "module": _l("Module"),
    "module.title": _l("Module"),
    "quiz": _l("Quiz"),
    "quiz.title": _l("Quiz"),
    "group": _l("Group"),
    "group.name": _l("Group"),
}


def _enum(view: Any, value: enum.Enum, name: str) -> str:
    return label(value)


def _yes_no(view: Any, value: bool, name: str) -> Markup:
    """Flask-Admin's check icon, with a tooltip in the page's language instead of "name: true"."""
    icon = "fa-check-circle" if value else "fa-minus-circle"
    said = _("Yes") if value else _("No")
    return Markup('<span class="fa {0}" role="img" title="{1}" aria-label="{1}"></span>').format(icon, said)


def _moment(view: Any, value: datetime, name: str) -> str:
    return format_datetime(value, "short")


def _day(view: Any, value: date, name: str) -> str:
    return format_date(value, "medium")


def _number(view: Any, value: int | float | Decimal, name: str) -> str:
    return format_decimal(value)


# Flask-Admin takes the first type a value is an instance of: bool before int, datetime before date.
TYPE_FORMATTERS: dict[type, Any] = {
    **typefmt.BASE_FORMATTERS,
    enum.Enum: _enum,
    bool: _yes_no,
    datetime: _moment,
    date: _day,
    int: _number,
    float: _number,
    Decimal: _number,
}
EXPORT_FORMATTERS: dict[type, Any] = {**typefmt.EXPORT_FORMATTERS, enum.Enum: _enum}
