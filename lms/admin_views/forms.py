"""The admin's form pieces: the form base and scaffolding, input filters, shared validators and
fields, and where a duplicate shows on a form (issue 11).

Messages are ``lazy_gettext`` strings, translated into the language of the request that
shows them. Flask-Admin's templates show only the errors that are ``str`` (that is how
they tell a field's own errors from its subforms', ``helpers.is_field_error``), and its own
validators turn their lazy messages into text as they fail (``contrib.sqla.validators.Unique``).
``AdminForm`` does the same for every validator once, in the form base class Flask-Admin
lets a view choose (``form_base_class``), so any WTForms validator takes a lazy message as-is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import current_app
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.contrib.sqla.validators import Unique
from flask_admin.form import BaseForm, Select2Field
from flask_admin.model.fields import AjaxSelectMultipleField
from flask_admin.model.form import converts
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError
from wtforms import Form, SelectMultipleField, TextAreaField
from wtforms.fields import Field
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, FileInput, ListWidget

from lms.extensions import db
from lms.forms import FORM_MESSAGES, FormMessages
from lms.i18n import LABELS, label
from lms.models.types import integer_range

LANGUAGES = [("sl", "Slovenščina"), ("en", "English")]


class AdminForm(BaseForm):
    """Every admin form: lazy error messages become text once validation is done (see above);
    WTForms' own messages in the tenant's language (``lms.forms``)."""

    class Meta:
        def get_translations(self, form: Any) -> FormMessages:
            return FORM_MESSAGES

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.errors, list):
                field.errors = [str(error) if isinstance(error, LazyString) else error for error in field.errors]
        return valid


class ServiceForm(AdminForm):
    """``service_fields`` belong to the view, which hands them to a service that checks them;
    ``populate_obj`` copies only the plain fields onto the model."""

    service_fields: ClassVar[frozenset[str]] = frozenset()

    def populate_obj(self, obj: Any) -> None:
        for name, field in self._fields.items():
            if name not in self.service_fields:
                field.populate_obj(obj, name)


def stripped(value: Any) -> Any:
    """An input filter: text without surrounding blanks, so "  " is empty and a name is stored as meant."""
    return value.strip() if isinstance(value, str) else value


def enum_choices(enum_cls: type[enum.Enum]) -> list[tuple[str, Any]]:
    """Select choices of an enum: member names as values, translated labels (``lms.i18n.LABELS``)."""
    return [(member.name, LABELS[member]) for member in enum_cls]


def enum_coerce(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    """Form values are member names; the model and the services get members."""

    def coerce(value: Any) -> Any:
        if value is None or isinstance(value, enum_cls):
            return value
        try:
            return enum_cls[value]
        except KeyError:
            raise ValueError(value) from None

    return coerce


def label_formatter(view: Any, context: Any, model: Any, name: str) -> Any:
    """A list/detail column showing an enum's translated label."""
    value = getattr(model, name)
    return label(value) if isinstance(value, enum.Enum) else value


def optional_number(minimum: int, message: Any, description: Any) -> dict[str, Any]:
    """``form_args`` of a number that may be left empty (no limit, no expiry) but is at least ``minimum``."""
    return {"validators": [Optional(), NumberRange(min=minimum, message=message)], "description": description}


def unique_name(model: Any, message: Any) -> dict[str, Any]:
    """``form_args`` of a required name unique in the company: the validator's query is scoped like
    every other, and the database's unique key stays the guard against a race."""
    return {"filters": [stripped], "validators": [DataRequired(), Unique(db, model, model.name, message=message)]}


def unique_together(model: type, message: Any, **columns: str) -> Callable[[Any, Field], None]:
    """A form check that a combination is new, e.g. a module assigned to a group once.

    ``columns`` maps the model's foreign key column to the form field holding the row it
    points at. The database's unique key stays the guard against a race.
    """

    def check(form: Any, field: Field) -> None:
        values = {column: getattr(form, name).data for column, name in columns.items()}
        if any(value is None for value in values.values()):
            return
        query = sa.select(model).where(*(getattr(model, column) == value.id for column, value in values.items()))
        existing = db.session.scalar(query.limit(1))
        if existing is not None and existing is not form._obj:
            raise ValidationError(str(message))

    return check


def required_text(message: Any, description: Any = None, max_length: int = 2000) -> dict[str, Any]:
    """``form_args`` of text that blanks alone do not fill (a title, a reason), stored without them."""
    return {
        "filters": [stripped],
        "validators": [DataRequired(message=message), Length(max=max_length)],
        "description": description,
    }


class RejectForm(AdminForm):
    """The reason of a rejection, which the learner sees."""

    reason = TextAreaField(
        _l("Reason"),
        **required_text(_l("Give a reason for rejecting."), _l("The learner sees it, and gets the XP back.")),
    )


class AjaxMultiple(AjaxSelectMultipleField):
    """Flask-Admin's field, but an empty submission means "none" rather than an invalid choice."""

    def process_formdata(self, valuelist: Any) -> None:
        super().process_formdata(valuelist)
        self._formdata = {item for item in self._formdata if item}
        if not self._formdata:
            self._set_data([])


class Checkboxes(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def duplicate_columns(error: IntegrityError, table: sa.Table) -> list[str] | None:
    """The columns of ``table``'s unique key that ``error`` reports as taken; None for any other error.

    PostgreSQL names the violated constraint (SQLSTATE 23505), SQLite lists its columns.
    """
    reason = error.orig
    diag = getattr(reason, "diag", None)
    if diag is not None:
        if getattr(reason, "pgcode", None) != "23505" or diag.table_name != table.name:
            return None
        keys = [*table.constraints, *table.indexes]
        return next(([c.name for c in key.columns] for key in keys if key.name == diag.constraint_name), None)
    taken = str(reason).removeprefix("UNIQUE constraint failed: ")
    names = [name.strip() for name in taken.split(",")]
    if taken == str(reason) or not all(name.startswith(f"{table.name}.") for name in names):
        return None
    return [name.removeprefix(f"{table.name}.") for name in names]


def duplicate_field(form: Form | None, model: type, columns: list[str]) -> Field | None:
    """The form field to show a duplicate on: the last one editing the key's columns (adding
    someone to a group twice shows on the person, granting a permission twice on the permission)."""
    taken = set(columns) - {"tenant_id"}
    names = taken | {r.key for r in inspect(model).relationships if {c.name for c in r.local_columns} & taken}
    fields = [field for field in form or () if field.name in names]
    return fields[-1] if fields else None


class RangedModelConverter(AdminModelConverter):
    """Flask-Admin's form scaffolding, with every integer field refusing what its column cannot hold
    and every enum offered by its labels."""

    @converts("sqlalchemy.sql.sqltypes.Enum")
    def convert_enum(self, column: Any, field_args: Any, **extra: Any) -> Any:
        """An enum column is a choice of its members by their translated labels, not their code
        names (issue 14, item 4); the model gets the member. A view's ``form_choices`` still wins,
        as Flask-Admin looks at those first."""
        enum_cls = getattr(column.type, "enum_class", None)
        if enum_cls is None:
            return super().convert_enum(column, field_args, **extra)
        self._nullable_common(column, field_args)
        field_args.setdefault("choices", enum_choices(enum_cls))
        field_args.setdefault("coerce", enum_coerce(enum_cls))
        field_args["allow_blank"] = bool(column.nullable)
        return Select2Field(**field_args)

    @converts("Integer")  # includes BigInteger and SmallInteger
    def handle_integer_types(self, column: Any, field_args: Any, **extra: Any) -> Any:
        low, high = integer_range(column.type) or (None, None)
        message = _l("Enter a number from %(min)s to %(max)s.")
        field_args["validators"].append(NumberRange(min=low, max=high, message=message))
        return super().handle_integer_types(column, field_args, **extra)


class LargeFileInput(FileInput):
    """A file input that knows the largest upload the server takes (``MAX_UPLOAD_MB``):
    ``static/js/upload-limit.js`` refuses a bigger file as it is chosen, with this message,
    instead of sending it and being cut off by the server's 413 halfway through."""

    def __call__(self, field: Field, **kwargs: Any) -> Any:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        kwargs.setdefault("data-max-bytes", limit)
        kwargs.setdefault(
            "data-too-large",
            _l("This file is larger than the %(mb)d MB the server accepts.", mb=limit // (1024 * 1024)),
        )
        return super().__call__(field, **kwargs)
