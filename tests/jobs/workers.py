"""Real ``flask lms worker`` processes for the job tests, on the test's database and Redis.

The workers build the app from the environment as production does; the test's data must
be committed (the ``committed`` fixture) for them to see it.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

from flask import Flask

from tests.conftest import ROOT
from tests.processes import flask_command, run_flask

LONGEST_LIFE = 600  # seconds a long-running worker or cron process of a test may live


def worker_env(app: Flask, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker of the test's app: its database, Redis and stored files."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "STORAGE_DIR": app.config["STORAGE_DIR"],
        "SECRET_KEY": "test-secret-key",
        "LMS_ENV": "testing",
        **extra,
    }


def worker_command(app_path: str = "app", *, burst: bool = True) -> list[str]:
    return flask_command("lms", "worker", *(["--burst"] if burst else []), app=app_path)


def run_burst_worker(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A worker that relays the outbox, runs every queued job and exits."""
    return run_flask(["lms", "worker", "--burst"], env, timeout=120)


def bounded(command: list[str]) -> list[str]:
    """``command`` under coreutils' ``timeout``: should the test run die before stopping it, a
    long-running process still ends, instead of serving queues for ever."""
    return ["timeout", str(LONGEST_LIFE), *command]


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """A long-running worker, in a process group of its own (it forks work horses and a scheduler)."""
    with log.open("wb") as output:
        return subprocess.Popen(
            bounded(worker_command(burst=False)),
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_worker(process: subprocess.Popen[bytes]) -> None:
    """Warm shutdown of the worker and whatever it forked; killed if it takes too long."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
