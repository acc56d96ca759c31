"""``flask lms …``: the operator's commands."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from rq import Worker
from rq.cron import CronScheduler

from lms.jobs import QUEUES, get_queue, redis_connection

lms_cli = AppGroup("lms", help="Mojster operations: workers, cron, demo data.")


def _require_redis() -> None:
    if not current_app.config["REDIS_URL"]:
        raise click.ClickException("REDIS_URL is not set: without it jobs run inline and need no worker")


@lms_cli.command("worker")
@click.option(
    "--queue", "queues", multiple=True, type=click.Choice(QUEUES), help="Queues to serve (default: all)."
)
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Start an RQ worker (with its scheduler, which runs retries) inside the app context."""
    _require_redis()
    names = queues or QUEUES
    worker = Worker([get_queue(name) for name in names], connection=redis_connection())
    worker.work(burst=burst, with_scheduler=True)


@lms_cli.command("cron")
def cron_command() -> None:
    """Start RQ's cron scheduler with the periodic jobs of lms.jobs.schedule (run exactly one)."""
    _require_redis()
    scheduler = CronScheduler(connection=redis_connection())
    scheduler.load_config_from_file("lms.jobs.schedule")
    scheduler.start()


@lms_cli.command("send-test-mail")
@click.argument("to")
def send_test_mail_command(to: str) -> None:
    """Send a test message through the configured mail path (SMTP, or the log)."""
    from lms.jobs.mail import send_mail

    send_mail(to, "Mojster test message", "test_message")
    click.echo(f"test message queued for {to}")
