"""The reward store: the catalog, redeeming with a confirmation step, and my redemptions (issue 7)."""

from __future__ import annotations

import io
import mimetypes

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from lms.error_pages import render_error
from lms.extensions import db
from lms.i18n import LABELS
from lms.learner import bp
from lms.learner.forms import EmptyForm
from lms.learner.reader import PLACEHOLDER
from lms.models import Reward
from lms.models.enums import RedemptionStatus
from lms.permissions import submit_required
from lms.services import rewards
from lms.storage import get_storage


def _reward_or_404(reward_id: int) -> Reward:
    reward = rewards.active_reward(reward_id)
    if reward is None:
        abort(404)
    return reward


@bp.get("/rewards")
def rewards_page() -> str:
    return render_template(
        "learner/rewards.html",
        entries=rewards.catalog(current_user.id),
        balance=rewards.balance_of(current_user.id),
    )


@bp.get("/rewards/<int:reward_id>/image")
def reward_image(reward_id: int) -> Response:
    reward = _reward_or_404(reward_id)
    if reward.image is None:
        return send_file(PLACEHOLDER, mimetype="image/svg+xml", max_age=3600)
    mimetype = mimetypes.guess_type(reward.image)[0] or "application/octet-stream"
    return send_file(io.BytesIO(get_storage().read(reward.image)), mimetype=mimetype, max_age=3600)


@bp.get("/rewards/<int:reward_id>/redeem")
def redeem_confirm(reward_id: int) -> str:
    reward = _reward_or_404(reward_id)
    return render_template(
        "learner/reward_redeem.html", reward=reward, balance=rewards.balance_of(current_user.id), form=EmptyForm()
    )


@bp.post("/rewards/<int:reward_id>/redeem")
@submit_required
def redeem(reward_id: int) -> Response:
    """Out of stock, not enough XP, over the monthly limit: the service's error, answered by
    ``lms.error_pages`` with a link back to the confirmation page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    redemption = rewards.redeem(current_user.id, reward_id)
    db.session.commit()
    if redemption.status is RedemptionStatus.PENDING:
        flash(_("Redeemed. HR will review your request; the XP is reserved until then."), "success")
    else:
        flash(_("Redeemed. Enjoy your reward!"), "success")
    return redirect(url_for("learner.my_redemptions"))


@bp.get("/rewards/mine")
def my_redemptions() -> str:
    return render_template(
        "learner/rewards_mine.html",
        redemptions=rewards.redemptions_of(current_user.id),
        balance=rewards.balance_of(current_user.id),
        labels=LABELS,
        form=EmptyForm(),
    )


@bp.post("/rewards/redemptions/<int:redemption_id>/cancel")
@submit_required
def cancel_redemption(redemption_id: int) -> Response | tuple[str, int]:
    redemption = rewards.own_redemption(redemption_id, current_user.id)
    if redemption is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    if not rewards.cancel(redemption, current_user.id):
        return render_error(409, _("Only a redemption waiting for approval can be cancelled; this one is not waiting."))
    db.session.commit()
    flash(_("Cancelled. Your XP are back on your balance."), "success")
    return redirect(url_for("learner.my_redemptions"))
