"""``/verify/<code>``: anyone holding a certificate code may check it (DESIGN.md: certificates).

Public and outside every company: no sign-in, no tenant. It shows the status (valid,
expired or revoked), the holder's name and the module, nothing else; an unknown code is
the plain "not found" page. Rate-limited per address, so codes cannot be tried in bulk
(80 random bits make that hopeless anyway).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from lms.extensions import limiter
from lms.services import certificates

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
@limiter.limit("30 per minute", scope="verify")
def verify_certificate(code: str) -> str:
    verification = certificates.verify(code)
    if verification is None:
        abort(404)
    return render_template(
        "verify/certificate.html",
        verification=verification,
        label=certificates.STATUS_LABELS[verification.status],
    )
