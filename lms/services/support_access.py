"""Platform support access: staff entering a company to help it (DESIGN.md: roles; issue 14, item 6).

Platform staff (global OWNER or SUPER_ADMIN) may enter any active company and act there as
its SUPER_ADMIN (``accounts.access_to_tenant``, ``permissions.role_in``). The server keeps
no record of the visit itself: the company is the session's, as for any member, and every
request checks again that the user is still staff (``auth.context``), so a revoked staff
role ends the visit at the next click.

What the company keeps is its own account of it: entering and leaving are each written to
*that company's* audit log, not the platform's, so its owners see who came in, when and
why. The spec's list of audit actions is fixed and has one action for this,
SUPPORT_ACCESS; the details tell the two apart (``entered`` with the staff member's
optional ``reason``, or ``left``). A staff member who is also a member of the company
enters with their own role: that is no support access, and nothing is written.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.errors import LmsError
from lms.models import Tenant, User
from lms.models.enums import AuditAction
from lms.permissions import is_platform_staff
from lms.services.accounts import TenantAccess, access_to_tenant
from lms.services.audit import audit
from lms.tenancy import tenant_context

MAX_REASON = 500


class NoSuchCompany(LmsError):
    """No active company has this id: for the screens, a 404 like any row that is not there."""


class NotPlatformStaff(LmsError):
    """Only platform staff enter companies they do not belong to."""


def enter(user: User, tenant_id: int, reason: str | None = None, *, leaving: Tenant | None = None) -> TenantAccess:
    """The access ``user`` gets to the company, audited there when it is support access.

    ``leaving`` is the company the session is in now: a support visit there ends, and is
    recorded so, before the next begins. The caller makes the new company the session's
    (``auth.context.enter``) and commits.
    """
    if not is_platform_staff(user):
        raise NotPlatformStaff(_l("Only platform staff may enter a company."))
    access = access_to_tenant(user, tenant_id)
    if access is None:
        raise NoSuchCompany(_l("There is no active company with this number."))
    if leaving is not None and leaving.id != tenant_id:
        leave(user, leaving)
    if access.support:
        with tenant_context(access.tenant.id):
            audit(
                AuditAction.SUPPORT_ACCESS,
                access.tenant,
                actor_id=user.id,
                entered=True,
                reason=(reason or "").strip()[:MAX_REASON] or None,
            )
    return access


def leave(user: User, tenant: Tenant) -> bool:
    """End ``user``'s support visit of ``tenant``, recorded in its audit log; False when there is
    none to end (``user`` is a member there, or no longer staff).

    The caller drops the company from the session and commits.
    """
    access = access_to_tenant(user, tenant.id)
    if access is None or not access.support:
        return False
    with tenant_context(tenant.id):
        audit(AuditAction.SUPPORT_ACCESS, tenant, actor_id=user.id, left=True)
    return True
