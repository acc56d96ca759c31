"""``/verify/<code>``: anyone holding a certificate code may check it (DESIGN.md: certificates).

Public and outside every company: no sign-in, no tenant. It shows the company, the module
and the version certified, the holder's name, the days of issue and expiry, and the status
(valid, expiring soon, expired, revoked) in words and colour; nothing else personal, no
email (issue 13, item 7). The page speaks the company's language, as the certificate's PDF
does. An unknown code is the plain "not found" page. Rate-limited per address, so codes
cannot be tried in bulk (80 random bits make that hopeless anyway).
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from lms.extensions import limiter
from lms.i18n import tenant_locale
from lms.services import certificates

bp = Blueprint("verify", __name__)


@bp.get("/verify/<code>")
@limiter.limit("30 per minute", scope="verify")
def verify_certificate(code: str) -> str:
    verification = certificates.verify(code)
    if verification is None:
        abort(404)
    with tenant_locale(verification.tenant_id):
        return render_template("verify/certificate.html", verification=verification)
