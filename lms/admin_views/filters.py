"""The admin's list filters: Flask-Admin's own, refined so bad input never reaches the database (issue 10).

A malformed value is reported by a filter's ``clean`` raising ValueError, which Flask-Admin
flashes as an invalid filter. Enum filters offer translated labels; time filters read UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask_admin.contrib.sqla import filters as sqla_filters
from flask_admin.model.filters import convert

from lms.admin_views.forms import enum_choices
from lms.models.types import integer_range


class _KnownMember:
    """A name that is no member of the enum is an invalid filter value: Flask-Admin's enum
    filters raise KeyError for it, where a filter must raise ValueError to be reported."""

    def clean(self, value: str) -> Any:
        try:
            return super().clean(value)  # type: ignore[misc]
        except KeyError:
            raise ValueError(value) from None


class _WithinColumn:
    """A number the column cannot hold is an invalid filter value, not a query that fails."""

    column: Any

    def clean(self, value: str) -> Any:
        cleaned = super().clean(value)  # type: ignore[misc]
        bounds = integer_range(self.column.type)
        numbers = cleaned if isinstance(cleaned, list) else [cleaned]
        if bounds is not None and any(not bounds[0] <= number <= bounds[1] for number in numbers):
            raise ValueError(value)
        return cleaned


def _refining(mixin: type, classes: tuple[type, ...]) -> tuple[type, ...]:
    """``classes`` with ``mixin`` in front of each that takes a value ("is empty" takes a yes or no)."""
    empty = sqla_filters.FilterEmpty
    return tuple(cls if issubclass(cls, empty) else type(cls.__name__, (mixin, cls), {}) for cls in classes)


class CheckedFilterConverter(sqla_filters.FilterConverter):
    """Flask-Admin's list filters, each malformed value flashed as invalid and never sent to the database."""

    int_filters = _refining(_WithinColumn, sqla_filters.FilterConverter.int_filters)
    enum = _refining(_KnownMember, sqla_filters.FilterConverter.enum)

    @convert("enum")
    def conv_enum(self, column: Any, name: str, options: Any = None, **kwargs: Any) -> list[Any]:
        """An enum's filters offer its translated labels (``lms.i18n.LABELS``), not its member names."""
        members = getattr(column.type, "enum_class", None)
        if not options and members is not None:
            options = enum_choices(members)
        return super().conv_enum(column, name, options, **kwargs)


class _UtcAfter(sqla_filters.DateTimeGreaterFilter):
    """Times typed into a filter are UTC, as stored: ``UtcDateTime`` refuses naive ones."""

    def clean(self, value: str) -> datetime:
        return super().clean(value).replace(tzinfo=UTC)


class _UtcBefore(sqla_filters.DateTimeSmallerFilter):
    def clean(self, value: str) -> datetime:
        return super().clean(value).replace(tzinfo=UTC)


class _UtcBetween(sqla_filters.DateTimeBetweenFilter):
    def clean(self, value: str) -> list[datetime]:
        return [moment.replace(tzinfo=UTC) for moment in super().clean(value)]


def time_filters(column: Any, name: Any) -> list[sqla_filters.BaseSQLAFilter]:
    """After / before / between filters for a ``UtcDateTime`` column, which Flask-Admin cannot scaffold."""
    return [_UtcAfter(column, name), _UtcBefore(column, name), _UtcBetween(column, name)]
