"""Account jobs: the password-reset mail, looked up and sent away from the request.

``/forgot-password`` must not tell who has an account, not even by how long it takes
(issue 10): the request only checks the form and queues this job with the address as
typed, so a known and an unknown address cost the request the same. The lookup, the
token and the mail happen here. Run twice (RQ retries), the job sends a second link that
replaces the first, as a second request would.
"""

from __future__ import annotations

from flask_babel import force_locale

from lms.jobs import job
from lms.services import invites
from lms.services.audit import set_actor


@job("email")
def send_password_reset(email: str, locale: str, ip_address: str | None) -> None:
    """Email a reset link if an active account uses ``email``, in the requester's language.

    ``ip_address`` is the requester's, so the audit row says where the request came from.
    """
    set_actor(None, ip_address)
    with force_locale(locale):
        invites.request_password_reset(email)
