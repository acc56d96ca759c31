"""Gamification: the XP ledger and manual adjustments (issue 7, items 2 and 7; MANAGE_REWARDS).

The ledger is read-only here: filtered (by date too: its pages stop at a depth, issue 12),
exported to CSV (with EXPORT_REPORTS), never edited or deleted — balances are rebuilt from
it. "Create" is the manual adjustment form: a member, ±N XP and a required reason,
applied by ``xp.adjust`` (audited as XP_ADJUSTED). A hidden uuid names each adjustment,
so submitting the form twice adjusts once; a deduction below zero is a form error.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import sqlalchemy as sa
from flask import flash
from flask_admin import BaseView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Query
from wtforms import HiddenField
from wtforms.validators import InputRequired, Length, NumberRange

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import enum_choices, label_formatter, required_text
from lms.admin_views.loaders import MemberLoader, with_people
from lms.extensions import db
from lms.models import XpTransaction
from lms.models.enums import Permission, XpSourceType
from lms.services import xp


class XpTransactionView(TenantModelView):
    permission = Permission.MANAGE_REWARDS
    allow_edit = False
    allow_delete = False
    allow_export = True
    simple_list_pager = True  # a million rows on a big tenant: no count (base: lists at a million rows)
    column_list = ("user.name", "user.email", "amount", "source", "reason", "created_by", "created_at")
    column_export_list = (
        "user.name",
        "user.email",
        "amount",
        "source",
        "source_entity_id",
        "reason",
        "created_by.email",
        "created_at",
    )
    column_labels: ClassVar = {
        "amount": _l("XP"),
        "source": _l("Source"),
        "source_entity_id": _l("Source id"),
        "created_by": _l("By"),
        "created_by.email": _l("By"),
        "created_at": _l("When"),
    }
    column_formatters: ClassVar = {"source": label_formatter}
    column_formatters_export: ClassVar = {"source": label_formatter}
    column_filters = (
        "user.email",
        "user.name",
        "source",
        "amount",
        *time_filters(XpTransaction.created_at, _l("When")),
    )
    column_choices: ClassVar = {"source": enum_choices(XpSourceType)}
    column_sortable_list = ("amount", "created_at")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    form_columns = ("user", "amount", "reason", "key")  # Flask-Admin leaves out extra fields not listed
    form_ajax_refs: ClassVar = {"user": MemberLoader("user")}
    form_extra_fields: ClassVar = {"key": HiddenField(default=lambda: uuid.uuid4().hex, validators=[Length(max=64)])}
    form_args: ClassVar = {
        "user": {"label": _l("Learner"), "validators": [InputRequired()]},
        "amount": {
            "label": _l("XP"),
            "validators": [InputRequired(), NumberRange(min=-100_000, max=100_000)],
            "description": _l("Positive to give XP, negative to take it back; the balance never goes below zero."),
        },
        "reason": {
            "label": _l("Reason"),
            **required_text(
                _l("Give a reason."),
                _l("Shown to the learner in their XP history and kept in the audit log."),
                max_length=500,
            ),
        },
    }

    def get_query(self) -> Query[XpTransaction]:
        return super().get_query().options(*with_people(XpTransaction.user, XpTransaction.created_by))

    def create_model(self, form: Any) -> Any:
        """The manual adjustment: ``xp.adjust`` instead of saving the form's row."""
        key = form.key.data or uuid.uuid4().hex
        try:
            applied = xp.adjust(form.user.data.id, form.amount.data, form.reason.data, current_user.id, key=key)
        except xp.XpError as error:
            db.session.rollback()
            form.amount.errors = [*form.amount.errors, str(error)]
            return False
        db.session.commit()
        if applied:
            flash(_("The XP balance is adjusted."), "success")
        else:
            flash(_("This adjustment was already saved."), "info")
        return db.session.scalar(
            sa.select(XpTransaction).where(
                XpTransaction.source == XpSourceType.MANUAL, XpTransaction.source_entity_id == key
            )
        )


def views() -> list[BaseView]:
    return [
        XpTransactionView(
            XpTransaction,
            name=_l("XP transactions"),
            category=CATEGORIES["gamification"],
            endpoint="xp_transactions",
        )
    ]
