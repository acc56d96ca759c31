"""Gamification: the reward catalog and the redemptions queue (issue 7, item 7; MANAGE_REWARDS).

The catalog is ordinary CRUD with the Reward CHECKs mirrored as form validators, so bad
input is a form error rather than a constraint violation; deleting a reward with
redemptions deactivates it instead (``rewards.delete_or_deactivate``: its history is part
of the XP invariant). The queue approves and rejects through ``lms.services.rewards``, one
redemption from its review page or many at once from the list; a redemption that is no
longer PENDING is left alone and reported, never refunded twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from flask import abort, flash, g, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_form_data, get_redirect_target, validate_form_on_submit
from flask_admin.model.template import EndpointLinkRowAction
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query, selectinload
from werkzeug.wrappers import Response
from wtforms import FileField
from wtforms.validators import InputRequired, NumberRange

from lms.admin_views import CATEGORIES
from lms.admin_views.base import TenantModelView, row_key
from lms.admin_views.filters import time_filters
from lms.admin_views.forms import RejectForm, label_formatter, optional_number, required_text
from lms.admin_views.loaders import with_people
from lms.admin_views.review import ReviewView
from lms.admin_views.rich_text import RichTextField, RichTextMixin, rich_text_formatter
from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import LABELS
from lms.models import Reward, RewardRedemption
from lms.models.enums import Permission, RedemptionStatus
from lms.services import rewards, uploads


class RewardView(RichTextMixin, TenantModelView):
    """The tenant's reward catalog."""

    permission = Permission.MANAGE_REWARDS
    column_list = ("title", "cost_xp", "quantity_available", "monthly_limit", "approval_required", "active")
    column_details_list = (*column_list, "description", "image", "created_at")
    column_labels: ClassVar = {
        "image": _l("Image"),
        "image_upload": _l("Image"),
        "cost_xp": _l("Cost (XP)"),
        "monthly_limit": _l("Monthly limit per user"),
        "quantity_available": _l("Quantity available"),
        "approval_required": _l("Approval required"),
    }
    column_filters = ("active", "approval_required")
    column_searchable_list = ("title",)
    column_default_sort = ("title", False)
    form_columns = (
        "title",
        "description",
        "image_upload",
        "cost_xp",
        "monthly_limit",
        "quantity_available",
        "approval_required",
        "active",
    )
    form_args: ClassVar = {
        "title": required_text(_l("Give the reward a title."), max_length=200),
        "cost_xp": {
            "validators": [InputRequired(), NumberRange(min=1, message=_l("The cost must be at least 1 XP."))],
        },
        "monthly_limit": optional_number(
            1,
            _l("Enter at least 1, or leave it empty for no limit."),
            _l("Redemptions per user per calendar month; empty for no limit."),
        ),
        "quantity_available": optional_number(
            0, _l("Enter 0 or more, or leave it empty for unlimited."), _l("Items left; empty for unlimited.")
        ),
    }
    column_formatters_detail: ClassVar = {"description": rich_text_formatter}
    form_overrides: ClassVar = {"description": RichTextField}
    form_widget_args: ClassVar = {"description": {"rows": 4}}
    form_extra_fields: ClassVar = {
        "image_upload": FileField(_l("Image"), description=_l("PNG, JPEG, GIF or WebP, at most 5 MB.")),
    }

    def on_model_change(self, form: Any, model: Reward, is_created: bool) -> None:
        image = form.image_upload.data
        if image:
            model.image = uploads.store_cover(g.tenant.id, image.stream)
        if model.description is None:
            model.description = ""
        super().on_model_change(form, model, is_created)

    def delete_model(self, model: Reward) -> bool:
        """The service deletes or deactivates, and audits; a deactivation is reported, not a deletion."""
        try:
            deleted = rewards.delete_or_deactivate(model)
        except IntegrityError as error:
            return self.save_refused(None, error)
        if not self.commit_or_flash():
            return False
        if not deleted:
            flash(
                _("%(reward)s has redemptions, so it is deactivated instead of deleted.", reward=model.title), "warning"
            )
        return deleted


class RedemptionView(ReviewView):
    """The redemptions queue: newest first, PENDING ones reviewed here."""

    permission = Permission.MANAGE_REWARDS
    allow_create = False
    allow_edit = False
    allow_delete = False
    simple_list_pager = True
    column_list = ("user.name", "user.email", "reward.title", "xp_spent", "status", "created_at", "reviewed_at")
    column_details_list = (*column_list, "reviewed_by", "rejection_reason", "cancelled_at")
    column_labels: ClassVar = {
        "reward.title": _l("Reward"),
        "xp_spent": _l("XP"),
        "created_at": _l("Redeemed"),
        "cancelled_at": _l("Cancelled"),
    }
    column_formatters: ClassVar = {"status": label_formatter}
    column_formatters_detail: ClassVar = column_formatters
    column_filters = (
        "status",
        "reward.title",
        "user.email",
        "user.name",
        *time_filters(RewardRedemption.created_at, _l("Created")),
    )
    column_sortable_list = ("created_at", "reviewed_at", "xp_spent")
    column_default_sort = ("created_at", True)
    column_auto_select_related = False
    column_extra_row_actions: ClassVar = [
        EndpointLinkRowAction("fa fa-gavel", ".review_view", title=_l("Approve or reject")),
    ]

    review_template = "admin/gamification/review_redemption.html"
    decisions: ClassVar = {"approve": rewards.approve, "reject": rewards.reject}

    def get_query(self) -> Query[RewardRedemption]:
        return (
            super()
            .get_query()
            .options(*with_people(RewardRedemption.user), selectinload(RewardRedemption.reward).load_only(Reward.title))
        )

    def _report(self, done: int, skipped: int, done_message: str) -> None:
        if done:
            flash(done_message, "success")
        if skipped:
            flash(
                ngettext(
                    "%(num)d redemption was no longer waiting for approval and is unchanged.",
                    "%(num)d redemptions were no longer waiting for approval and are unchanged.",
                    skipped,
                ),
                "warning",
            )

    @action("approve", _l("Approve"), _l("Approve the selected redemptions?"))
    def action_approve(self, ids: Sequence[str]) -> None:
        actor = current_user._get_current_object()
        chosen = self.rows_of(ids)
        done = sum(rewards.approve(redemption, actor) for redemption in chosen)
        db.session.commit()
        self._report(
            done,
            len(chosen) - done,
            ngettext("%(num)d redemption is approved.", "%(num)d redemptions are approved.", done),
        )

    @action("reject", _l("Reject"))
    def action_reject(self, ids: Sequence[str]) -> Response:
        """Rejecting needs a reason: the selection goes on to a small form that asks for it."""
        return redirect(self.get_url(".bulk_reject_view", ids=",".join(i for i in ids if str(i).isdigit())))

    @expose("/reject/", methods=("GET", "POST"))
    def bulk_reject_view(self) -> Response | tuple[str, int]:
        ids = [part for part in request.args.get("ids", "").split(",") if row_key(RewardRedemption, part)]
        chosen = self.rows_of(ids)
        if not chosen:
            abort(404)
        form = RejectForm(get_form_data())
        return_url = get_redirect_target() or self.get_url(".index_view")
        if validate_form_on_submit(form):
            actor = current_user._get_current_object()
            try:
                done = sum(rewards.reject(redemption, actor, form.reason.data) for redemption in chosen)
            except LmsError as error:
                db.session.rollback()
                form.reason.errors = [str(error)]
            else:
                db.session.commit()
                self._report(
                    done,
                    len(chosen) - done,
                    ngettext("%(num)d redemption is rejected.", "%(num)d redemptions are rejected.", done),
                )
                return redirect(return_url)
        status = 400 if form.errors else 200
        return self.render(
            "admin/gamification/reject_redemptions.html", redemptions=chosen, form=form, return_url=return_url
        ), status

    def review_context(self, row: RewardRedemption) -> dict[str, Any]:
        return {"redemption": row, "pending": row.status is RedemptionStatus.PENDING}

    def decided(self, row: RewardRedemption, decision: str, outcome: bool, return_url: str) -> Response:
        if outcome:
            flash(_("The redemption is %(status)s.", status=LABELS[row.status]), "success")
        else:
            flash(_("This redemption was no longer waiting for approval and is unchanged."), "warning")
        return redirect(return_url)


def views() -> list[TenantModelView]:
    category = CATEGORIES["gamification"]
    return [
        RewardView(Reward, name=_l("Reward catalog"), category=category, endpoint="rewards"),
        RedemptionView(RewardRedemption, name=_l("Redemptions"), category=category, endpoint="redemptions"),
    ]
