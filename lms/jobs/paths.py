"""A job's path, ``module:qualname``: what the outbox and RQ store to find the function again.

Pending outbox rows and queued RQ jobs outlive a deploy, so a job that moves keeps its
old path here (issue 11: the service jobs moved out of ``lms.jobs``, beside their
services). Work queued under an old path before the deploy resolves to the function at
its new home; an entry may go once no queue can hold the old path any more (the longest
is a failed job, which RQ keeps for a year).

The table holds strings, not imports: ``lms.jobs`` names no service module (see the
package docstring), and the functions are found when a job runs, as every path is.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

MOVED: dict[str, str] = {
    "lms.jobs.accounts:send_password_reset": "lms.services.invites:send_password_reset",
    "lms.jobs.certificates:issue_certificate": "lms.services.certificates:issue_certificate",
    "lms.jobs.certificates:email_certificate": "lms.services.certificates:email_certificate",
    "lms.jobs.certificates:compliance_sweep": "lms.services.schedule:compliance_sweep",
    "lms.jobs.certificates:send_expiry_notices": "lms.services.compliance:tenant_expiry_notices",
    "lms.jobs.digests:daily_digest": "lms.services.schedule:daily_digest",
    "lms.jobs.digests:weekly_digest": "lms.services.schedule:weekly_digest",
    "lms.jobs.digests:tenant_digest": "lms.services.digests:tenant_digest",
    "lms.jobs.reminders:deadline_reminders": "lms.services.schedule:deadline_reminders",
    "lms.jobs.reminders:tenant_deadline_reminders": "lms.services.reminders:tenant_deadline_reminders",
}


def job_path(func: Callable[..., Any]) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def resolve(path: str) -> Callable[..., Any]:
    """The job function at ``path`` (or at its new home, when it moved); ValueError if it is not a job."""
    module_name, _, attr = MOVED.get(path, path).partition(":")
    func = getattr(importlib.import_module(module_name), attr)
    if not hasattr(func, "lms_queue"):
        raise ValueError(f"{path} is not a job")
    return func
