"""The app of a worker that stalls inside the certificate job: the killed-worker test's only hook.

``flask --app tests.jobs.stalling_worker lms worker`` is the ordinary app, except that
the job function the worker resolves by its path (``lms.services.certificates:issue_certificate``)
does the real job's work and then stops before returning, at the point named by
``LMS_TEST_STALL`` — ``before_commit`` (the work is flushed, not committed) or
``after_commit`` (committed, but RQ has not recorded the job as done). There the work
horse writes its pid to ``LMS_TEST_STALL_FILE`` and sleeps until the test kills it. The
retry runs in an ordinary worker (``--app app``), on production code alone.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from lms import create_app
from lms.extensions import db
from lms.services import certificates as certificate_jobs

_issue_certificate = certificate_jobs.issue_certificate


def _stalling_issue_certificate(tenant_id: int, certificate_id: int, regenerate: bool = False) -> None:
    _issue_certificate(tenant_id, certificate_id, regenerate)
    if os.environ["LMS_TEST_STALL"] == "after_commit":
        db.session.commit()
    else:
        db.session.flush()
    Path(os.environ["LMS_TEST_STALL_FILE"]).write_text(str(os.getpid()))
    time.sleep(600)


_stalling_issue_certificate.lms_queue = _issue_certificate.lms_queue  # type: ignore[attr-defined]
certificate_jobs.issue_certificate = _stalling_issue_certificate  # type: ignore[assignment]
app = create_app()
