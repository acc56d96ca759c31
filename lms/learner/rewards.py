"""The reward store: the catalog, redeeming with a confirmation step, and my redemptions (issue 7)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.error_pages import render_error
from lms.extensions import db
from lms.i18n import LABELS
from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.learner.images import image_response
from lms.models import Reward
from lms.models.enums import RedemptionStatus
from lms.permissions import submit_required
from lms.services import rewards


def _reward_or_404(reward_id: int) -> Reward:
    return rewards.active_reward(reward_id) or abort(404)


def _with_balance(template: str, **values: object) -> str:
    """Every reward page shows the learner's XP balance, which is what they spend."""
    return render_template(template, balance=rewards.balance_of(current_user.id), **values)


@bp.get("/rewards")
def rewards_page() -> str:
    return _with_balance("learner/rewards.html", entries=rewards.catalog(current_user.id))


@bp.get("/rewards/<int:reward_id>/image")
def reward_image(reward_id: int) -> Response:
    return image_response(_reward_or_404(reward_id).image)


@bp.get("/rewards/<int:reward_id>/redeem")
def redeem_confirm(reward_id: int) -> str:
    return _with_balance("learner/reward_redeem.html", reward=_reward_or_404(reward_id), form=EmptyForm())


@bp.post("/rewards/<int:reward_id>/redeem")
@submit_required
def redeem(reward_id: int) -> Response:
    """Out of stock, not enough XP, over the monthly limit: the service's error, answered by
    ``lms.error_pages`` with a link back to the confirmation page."""
    redemption = rewards.redeem(current_user.id, reward_id)
    db.session.commit()
    if redemption.status is RedemptionStatus.PENDING:
        flash(_("Redeemed. HR will review your request; the XP is reserved until then."), "success")
    else:
        flash(_("Redeemed. Enjoy your reward!"), "success")
    return redirect(url_for("learner.my_redemptions"))


@bp.get("/rewards/mine")
def my_redemptions() -> str:
    return _with_balance(
        "learner/rewards_mine.html",
        redemptions=rewards.redemptions_of(current_user.id),
        labels=LABELS,
        form=EmptyForm(),
    )


@bp.post("/rewards/redemptions/<int:redemption_id>/cancel")
@submit_required
def cancel_redemption(redemption_id: int) -> Response | tuple[str, int]:
    redemption = rewards.own_redemption(redemption_id, current_user.id)
    if redemption is None:
        abort(404)
    if not rewards.cancel(redemption, current_user.id):
        return render_error(409, _("Only a redemption waiting for approval can be cancelled; this one is not waiting."))
    db.session.commit()
    flash(_("Cancelled. Your XP are back on your balance."), "success")
    return redirect(url_for("learner.my_redemptions"))
