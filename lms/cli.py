"""``flask lms …``: the operator's commands."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import AppGroup
from redis.exceptions import ConnectionError as RedisConnectionError
from rq.cron import CronScheduler
from rq.exceptions import StopRequested

from lms.jobs import SERVED, get_queue, redis_connection, relay_outbox
from lms.jobs.mail import send_mail
from lms.jobs.worker import HEARTBEAT, MAINTENANCE, WORKER_TTL, ShortLeaseWorker

log = logging.getLogger(__name__)
CRON_RESTART_DELAY = 5

lms_cli = AppGroup("lms", help="Mojster operations: workers, cron, demo data.")


def _require_redis() -> None:
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline and need no worker")


@lms_cli.command("worker")
@click.option("--queue", "queues", multiple=True, type=click.Choice(SERVED), help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Start an RQ worker (with its scheduler, which runs retries) inside the app context.

    It first relays the job outbox, so jobs that Redis missed while it was down go out
    now. It takes its next job from the first queue of ``lms.jobs.SERVED`` that has one:
    ``urgent`` mail (password reset, invite, certificate) before anything else, the mail
    queue of old (``email``) and ``default`` next, the batched mail of sweeps and digests
    (``bulk``) last (DESIGN.md: jobs). A password reset thus waits at most for the job a
    worker is running; ``--queue urgent`` keeps a worker for it alone. The timing of
    leases and maintenance is ``lms.jobs.worker``'s.
    """
    _require_redis()
    relay_outbox()
    names = [name for name in SERVED if name in (queues or SERVED)]
    worker = ShortLeaseWorker(
        [get_queue(name) for name in names],
        connection=redis_connection(),
        job_monitoring_interval=HEARTBEAT,
        maintenance_interval=MAINTENANCE,
        worker_ttl=WORKER_TTL,
    )
    worker.work(burst=burst, with_scheduler=True)


@lms_cli.command("cron")
def cron_command() -> None:
    """Start RQ's cron scheduler with the periodic jobs of ``lms.cron`` (run exactly one).

    RQ's scheduler stops at the first Redis error; this one waits for Redis and starts
    again, so the outbox relay it queues every minute resumes when Redis is back.
    """
    _require_redis()
    scheduler = CronScheduler(connection=redis_connection())
    scheduler.load_config_from_file("lms.cron")
    while True:
        try:
            scheduler.start()
        except RedisConnectionError as error:
            log.warning("cron: Redis is unreachable (%s); starting again in %d s", error, CRON_RESTART_DELAY)
            try:
                time.sleep(CRON_RESTART_DELAY)
            except StopRequested:
                return
        else:
            return


@lms_cli.command("send-test-mail")
@click.argument("to")
def send_test_mail_command(to: str) -> None:
    """Send a test message through the configured mail path (SMTP, or the log)."""
    send_mail(to, "Mojster test message", "test_message")
    click.echo(f"test message queued for {to}")


@lms_cli.command("seed-demo")
@click.option("--tenant", "slug", default=None, help="Build a bulk tenant with this slug (with the size options).")
@click.option("--users", type=click.IntRange(min=1), default=None, help="Bulk: number of learners.")
@click.option("--modules", type=click.IntRange(min=1), default=None, help="Bulk: number of published modules.")
@click.option("--sections", type=click.IntRange(min=1), default=5, show_default=True, help="Bulk: sections per module.")
@click.option("--groups", type=click.IntRange(min=1), default=20, show_default=True, help="Bulk: number of groups.")
@click.option(
    "--completions",
    type=click.IntRange(min=0),
    default=None,
    help="Bulk: section completions across the learners.",
)
@click.option("--xp", "xp_transactions", type=click.IntRange(min=0), default=0, help="Bulk: XP transactions.")
@click.option(
    "--certificates",
    type=click.IntRange(min=0),
    default=None,
    help="Bulk: certificates (default: a tenth of the assigned learner-module pairs).",
)
@click.option(
    "--attempts", type=click.IntRange(min=0), default=None, help="Bulk: quiz attempts (default: one per learner)."
)
@click.option(
    "--sessions-per-user",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Bulk: usage sessions per learner over the last 12 weeks.",
)
def seed_demo_command(
    slug: str | None,
    users: int | None,
    modules: int | None,
    sections: int,
    groups: int,
    completions: int | None,
    xp_transactions: int,
    certificates: int | None,
    attempts: int | None,
    sessions_per_user: int,
) -> None:
    """Create the demo companies (idempotent), or with size options a large tenant for benchmarks."""
    from lms.demo.seed import DEMO_PASSWORD, demo_logins, has_schema, seed_demo
    from lms.extensions import db

    if not has_schema():
        raise click.ClickException("the database has no tables yet: run `flask db upgrade` first")
    if (
        any(value is not None for value in (slug, users, modules, completions, certificates, attempts))
        or xp_transactions
    ):
        from lms.demo.bulk import BulkSize, seed_bulk

        size = BulkSize(
            slug=slug or "bulk",
            users=users or 1000,
            modules=modules or 50,
            sections_per_module=sections,
            groups=groups,
            completions=completions if completions is not None else 10 * (users or 1000),
            xp_transactions=xp_transactions,
            certificates=certificates,
            attempts=attempts,
            sessions_per_user=sessions_per_user,
        )
        seed_bulk(size)
        return
    report = seed_demo()
    db.session.commit()
    for slug_created in report.created:
        click.echo(f"created demo company {slug_created}")
    for slug_existing in report.existing:
        click.echo(f"demo company {slug_existing} exists already; left as it is")
    click.echo(f"\nDemo logins (password: {DEMO_PASSWORD}):")
    for email, role in demo_logins():
        click.echo(f"  {email:<24} {role}")


@lms_cli.command("xp-rebuild")
@click.option("--tenant", "slug", default=None, help="Only this tenant (default: every tenant).")
@click.option("--check", is_flag=True, help="Only report differences; exit 1 when there are any.")
def xp_rebuild_command(slug: str | None, check: bool) -> None:
    """Recompute XP balances and monthly totals from the ledger and the redemptions (DESIGN.md: XP and ranks)."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.models import Tenant
    from lms.services import xp_rebuild

    tenant_id = None
    if slug is not None:
        tenant_id = db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            raise click.ClickException(f"no tenant with slug {slug!r}")
    differences = xp_rebuild.rebuild(tenant_id, check=check)
    for difference in differences:
        click.echo(f"tenant {difference.tenant_id} user {difference.user_id}: {difference}")
    if check:
        click.echo(f"{len(differences)} balance(s) or monthly total(s) differ from the ledger")
        if differences:
            raise SystemExit(1)
        return
    db.session.commit()
    click.echo(f"{len(differences)} balance(s) or monthly total(s) rebuilt")


@lms_cli.command("audit-verify")
@click.option("--tenant", "slug", default=None, help="Only this tenant's chain (default: every chain, platform too).")
def audit_verify_command(slug: str | None) -> None:
    """Walk the audit log's hash chains and name the first broken row; exit 1 if any (issue 13, item 7)."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.models import Tenant
    from lms.services import audit_chain

    if slug is None:
        chains = audit_chain.every_chain()
    else:
        tenant_id = db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == slug))
        if tenant_id is None:
            raise click.ClickException(f"no tenant with slug {slug!r}")
        chains = [tenant_id]
    slugs = dict(db.session.execute(sa.select(Tenant.id, Tenant.slug)).all())
    broken = False
    for tenant_id in chains:
        name = f"tenant {slugs[tenant_id]}" if tenant_id is not None else "platform"
        verdict = audit_chain.verify_chain(tenant_id)
        if verdict.broken is not None:
            fault = verdict.broken
            when = fault.created_at.isoformat() if fault.created_at is not None else "unknown time"
            click.echo(
                f"{name}: chain broken at row {fault.row_id} (seq {fault.chain_seq}, {when}, {fault.action}): "
                f"{audit_chain.BREAK_REASONS[fault.reason]}"
            )
            broken = True
        elif verdict.last_at is None:
            click.echo(f"{name}: chain verified: 0 rows")
        else:
            click.echo(f"{name}: chain verified: {verdict.last_seq} rows up to {verdict.last_at.isoformat()}")
    db.session.commit()  # the checkpoints of the chains found intact
    if broken:
        raise SystemExit(1)


@lms_cli.command("storage-check")
def storage_check_command() -> None:
    """Write a probe file to the configured storage, read it back and delete it (README: storage).

    One line either way: where the files go, or what is wrong (bucket missing, credentials
    refused, endpoint unreachable, directory not writable), with exit status 1.
    """
    from lms.errors import ConfigError
    from lms.storage import StorageProblem, check_storage, get_storage

    try:
        where = check_storage(get_storage())
    except (StorageProblem, ConfigError) as problem:
        click.echo(f"storage check failed: {problem}", err=True)
        raise SystemExit(1) from None
    click.echo(f"storage ok: {where}")


@lms_cli.command("storage-copy")
@click.option(
    "--from-dir",
    "from_dir",
    type=click.Path(exists=True, file_okay=False),
    help="the local storage directory to copy (default: STORAGE_DIR)",
)
def storage_copy_command(from_dir: str | None) -> None:
    """Copy the files of the local storage directory into the bucket STORAGE_BACKEND=s3 names (README: storage).

    Run it once after switching to a bucket, and again if it stops: a file the bucket already
    holds is skipped. The local files stay where they are. Media assets whose files arrived
    are recorded as the bucket's.
    """
    from pathlib import Path

    from lms.errors import ConfigError
    from lms.extensions import db
    from lms.services.media import moved_to_bucket
    from lms.storage import LocalStorage, StorageProblem, check_storage, get_storage
    from lms.storage.moving import copy_files
    from lms.tenancy import unscoped

    if current_app.config.get("STORAGE_BACKEND", "local") != "s3":
        click.echo("storage copy: STORAGE_BACKEND is local; set it and S3_* to the bucket to copy into", err=True)
        raise SystemExit(1)
    root = Path(from_dir or current_app.config["STORAGE_DIR"]).resolve()
    try:
        target = get_storage()
        where = check_storage(target)
    except (StorageProblem, ConfigError) as problem:
        click.echo(f"storage copy failed: {problem}", err=True)
        raise SystemExit(1) from None
    report = copy_files(LocalStorage(root), target)
    with unscoped("storage copy: every company's media assets"):
        moved = moved_to_bucket(report.stored)
    db.session.commit()
    click.echo(
        f"copied {report.copied} files ({report.copied_bytes / 1_000_000:.1f} MB) from {root} to {where}; "
        f"{report.present} were there already; {moved} media assets now recorded in the bucket"
    )
    for failure in report.failed:
        click.echo(f"not copied: {failure}", err=True)
    if report.failed:
        raise SystemExit(1)
