"""A company's own settings (issue 4: tenant settings, OWNER and SUPER_ADMIN only)."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, BinaryIO
from zoneinfo import available_timezones

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from PIL import Image, UnidentifiedImageError

from lms.extensions import db
from lms.jobs import enqueue
from lms.models import Tenant
from lms.models.enums import AuditAction, Difficulty, TenantPlan, TenantTheme
from lms.services import suggestions, uploads, xp, xp_rebuild
from lms.services.audit import audit
from lms.services.plans import check_plan_change
from lms.services.uploads import UploadRejected
from lms.storage import MissingFile, get_storage, read_bytes
from lms.tenancy import tenant_context, unscoped

log = logging.getLogger(__name__)

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


@cache
def timezones() -> tuple[str, ...]:
    """The IANA zones this system knows; a tenant's ``timezone`` must be one (calendar months
    of reward limits are counted in it)."""
    return tuple(sorted(available_timezones()))


def update_settings(
    tenant: Tenant, *, name: str, locale: str, theme: TenantTheme, plan: TenantPlan, timezone: str
) -> dict[str, Any]:
    """Apply the settings form and audit TENANT_UPDATED with what changed; returns the changes.

    A plan downgrade below the company's usage raises PlanLimitReached and changes nothing.
    A new time zone moves the month boundaries of the monthly XP summary, which is rebuilt
    from the ledger in the same transaction (``xp_rebuild``), so the monthly board stays right.
    """
    check_plan_change(tenant, plan)
    wanted = {"name": name.strip(), "locale": locale, "theme": theme, "plan": plan, "timezone": timezone}
    changes = {key: value for key, value in wanted.items() if getattr(tenant, key) != value}
    if not changes:
        return changes
    for key, value in changes.items():
        setattr(tenant, key, value)
    db.session.flush()
    if "timezone" in changes:
        xp_rebuild.rebuild(tenant.id)
    audit(AuditAction.TENANT_UPDATED, tenant, changes=changes)
    return changes


# --- Named settings (issue 14, item 5: tenant settings are named fields, not JSON) ------------


@dataclass(frozen=True)
class NamedSetting:
    """One value kept in ``Tenant.settings`` at ``path``, edited as a named field.

    The services that read a value keep reading the JSON (``xp.amount_for``,
    ``suggestions.popular_threshold``); this table only names where each value lives, its
    label and its bounds, so the settings screen, its validation and the audit trail agree.
    A number left empty is no override: the default applies.
    """

    name: str
    path: tuple[str, ...]
    label: LazyString
    default: int | str | None = None
    minimum: int = 0
    maximum: int = 100_000
    max_length: int = 120

    @property
    def is_number(self) -> bool:
        return not isinstance(self.default, str)


_XP = xp.DEFAULT_AMOUNTS
NUMBER_SETTINGS: tuple[NamedSetting, ...] = (
    NamedSetting(
        "xp_module_beginner",
        ("xp", "module_completed", Difficulty.BEGINNER.name),
        _l("XP for completing a beginner module"),
        _XP["module_completed"][Difficulty.BEGINNER.name],
    ),
    NamedSetting(
        "xp_module_intermediate",
        ("xp", "module_completed", Difficulty.INTERMEDIATE.name),
        _l("XP for completing an intermediate module"),
        _XP["module_completed"][Difficulty.INTERMEDIATE.name],
    ),
    NamedSetting(
        "xp_module_advanced",
        ("xp", "module_completed", Difficulty.ADVANCED.name),
        _l("XP for completing an advanced module"),
        _XP["module_completed"][Difficulty.ADVANCED.name],
    ),
    NamedSetting(
        "xp_quiz_high_score",
        ("xp", "quiz_high_score"),
        _l("XP for a quiz score of 90 or more (out of 100)"),
        _XP["quiz_high_score"],
    ),
    NamedSetting(
        "xp_mentor_confirmation",
        ("xp", "mentor_confirmation"),
        _l("XP for an answer a mentor confirms"),
        _XP["mentor_confirmation"],
    ),
    NamedSetting(
        "xp_top_suggestion",
        ("xp", "top_suggestion"),
        _l("XP for an approved or converted suggestion"),
        _XP["top_suggestion"],
    ),
    NamedSetting(
        "xp_compliance_renewal",
        ("xp", "compliance_renewal"),
        _l("XP for renewing a certificate"),
        _XP["compliance_renewal"],
    ),
    NamedSetting(
        "suggestion_popular_threshold",
        ("suggestion_popular_threshold",),
        _l("Votes that make a suggestion popular"),
        suggestions.DEFAULT_POPULAR_THRESHOLD,
        minimum=1,
    ),
)
TEXT_SETTINGS: tuple[NamedSetting, ...] = (
    NamedSetting("certificate_signer_name", ("certificate", "signer_name"), _l("Signer's name"), ""),
    NamedSetting("certificate_signer_title", ("certificate", "signer_title"), _l("Signer's title"), ""),
)
NAMED_SETTINGS = NUMBER_SETTINGS + TEXT_SETTINGS
LOGO_PATH = ("certificate", "logo")


def _lookup(settings: Mapping[str, Any] | None, path: tuple[str, ...]) -> Any:
    value: Any = settings or {}
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _place(settings: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set (or, for None, remove) ``path`` in ``settings``; an emptied branch goes too."""
    *parents, last = path
    branches = [settings]
    for key in parents:
        child = branches[-1].get(key)
        if not isinstance(child, dict):
            if value is None:
                return
            child = branches[-1][key] = {}
        branches.append(child)
    if value is None:
        branches[-1].pop(last, None)
    else:
        branches[-1][last] = value
    for parent, key in zip(reversed(branches[:-1]), reversed(parents), strict=True):
        if parent[key] == {}:
            del parent[key]


def named_values(tenant: Tenant) -> dict[str, Any]:
    """The current overrides by setting name: a number or None (the default), a text or ""."""
    values: dict[str, Any] = {}
    for setting in NAMED_SETTINGS:
        value = _lookup(tenant.settings, setting.path)
        values[setting.name] = value if setting.is_number else (value or "")
    return values


def update_named_settings(tenant: Tenant, values: Mapping[str, Any]) -> dict[str, Any]:
    """Store the named settings (the form has checked their bounds) and audit TENANT_UPDATED with
    each changed setting as old → new; returns the changes.

    The JSON is replaced, not changed in place, so SQLAlchemy sees the new value; keys this
    screen does not know (the logo, anything older) are kept.
    """
    current = named_values(tenant)
    settings = copy.deepcopy(tenant.settings or {})
    changes: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for setting in NAMED_SETTINGS:
        value = values.get(setting.name)
        if not setting.is_number:
            value = (value or "").strip()
        if value == current[setting.name]:
            continue
        _place(settings, setting.path, value if value not in (None, "") else None)
        changes[setting.name], previous[setting.name] = value, current[setting.name]
    if changes:
        tenant.settings = settings
        db.session.flush()
        audit(AuditAction.TENANT_UPDATED, tenant, changes=changes, previous=previous)
    return changes


# --- The certificate's company parts (issue 14, item 8) -----------------------------------


@dataclass(frozen=True)
class CertificateLook:
    """What a company puts on its certificates besides the certified facts."""

    signer_name: str
    signer_title: str
    logo_key: str | None


def certificate_look(tenant: Tenant) -> CertificateLook:
    return CertificateLook(
        signer_name=_lookup(tenant.settings, ("certificate", "signer_name")) or "",
        signer_title=_lookup(tenant.settings, ("certificate", "signer_title")) or "",
        logo_key=_lookup(tenant.settings, LOGO_PATH),
    )


def logo_of(tenant: Tenant) -> bytes | None:
    """The company's logo, or None when it has none or the storage lost it (the page goes without)."""
    key = certificate_look(tenant).logo_key
    if key is None:
        return None
    try:
        return read_bytes(get_storage(), key)
    except MissingFile:
        log.warning("tenant %s: certificate logo %s is missing from storage", tenant.id, key)
        return None


def set_logo(tenant: Tenant, stream: BinaryIO) -> str:
    """Store a new certificate logo and audit it; the old file goes once this commits.

    The type comes from the content (``uploads.store_cover``: a text file named .png is
    refused); the image is then decoded whole, because a file that only starts like a PNG
    would pass the magic-number check and break every certificate later. A refusal raises
    UploadRejected; the caller rolls back, which removes the stored file again.
    """
    key = uploads.store_cover(tenant.id, stream)
    try:
        with get_storage().open(key) as stored, Image.open(stored) as image:
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        raise UploadRejected(_l("This image is damaged and cannot be read.")) from None
    return _replace_logo(tenant, key)


def drop_logo(tenant: Tenant) -> None:
    if certificate_look(tenant).logo_key is not None:
        _replace_logo(tenant, None)


def _replace_logo(tenant: Tenant, key: str | None) -> str | None:
    old = certificate_look(tenant).logo_key
    settings = copy.deepcopy(tenant.settings or {})
    _place(settings, LOGO_PATH, key)
    tenant.settings = settings
    db.session.flush()
    if old is not None:
        uploads.discard_after_commit([old])
    audit(AuditAction.TENANT_UPDATED, tenant, changes={"certificate_logo": key is not None})
    return key


def save_settings(
    tenant: Tenant,
    *,
    name: str,
    locale: str,
    theme: TenantTheme,
    plan: TenantPlan,
    timezone: str,
    named: Mapping[str, Any],
    logo: BinaryIO | None = None,
    remove_logo: bool = False,
) -> None:
    """The settings screen's one write: the company fields, the named settings and the logo, in one
    transaction. PlanLimitReached or UploadRejected leave it for the caller to roll back whole, so
    a refused logo keeps a renamed company unrenamed too.
    """
    update_settings(tenant, name=name, locale=locale, theme=theme, plan=plan, timezone=timezone)
    update_named_settings(tenant, named)
    if logo is not None:
        set_logo(tenant, logo)
    elif remove_logo:
        drop_logo(tenant)


def active_tenant_ids(reason: str) -> list[int]:
    """The active companies a periodic job sweeps, one at a time (DESIGN.md: tenancy).

    Read in a named ``unscoped`` block, as all cross-tenant work is, so the log says why.
    """
    with unscoped(reason):
        return list(db.session.scalars(sa.select(Tenant.id).where(Tenant.is_active).order_by(Tenant.id)))


def send_for_tenant(tenant_id: int, send: Callable[[Tenant], int], what: str) -> int:
    """One company's part of a sweep: ``send`` in its context; logged with how many went out."""
    with tenant_context(tenant_id):
        sent = send(db.session.get(Tenant, tenant_id))
    log.info("%s for tenant %s: %d sent", what, tenant_id, sent)
    return sent


def enqueue_per_tenant(
    func: Callable[..., Any], reason: str, *args: Any, job_ids: Callable[[int], str] | None = None
) -> None:
    """A periodic sweep: queue ``func(tenant_id, *args)`` once per active company.

    Each company's job is a transaction of its own, failing and retried alone; it is
    queued inside that company's context, so it counts as the company's job (ops screen).
    ``job_ids`` names each company's job (``services/schedule.py``: one per period).
    """
    for tenant_id in active_tenant_ids(reason):
        with tenant_context(tenant_id):
            enqueue(func, tenant_id, *args, job_id=job_ids(tenant_id) if job_ids else None)
