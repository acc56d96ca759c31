"""The app's ``flask`` command in a child process, as an operator runs it (issue 11: one helper).

Migrations, the quick start, start-up errors, job workers and the served app of the
browser tests all run ``python -m flask --app app …`` from the project root, with an
environment of the test's choosing; this module is the one place that says how.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

TIMEOUT = 300  # seconds a one-off command (a migration, the demo seed) may take


def flask_command(*args: str, app: str = "app") -> list[str]:
    """``python -m flask --app <app> <args>`` with this test run's interpreter."""
    return [sys.executable, "-m", "flask", "--app", app, *args]


def environment(*, without: tuple[str, ...] = (), **settings: str) -> dict[str, str]:
    """This process's environment with ``settings`` over it and the variables ``without`` removed."""
    env = {**os.environ, **settings}
    for name in without:
        env.pop(name, None)
    return env


def run_python(args: list[str], env: dict[str, str], *, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in the project root; its output captured, its exit code left to the test."""
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_flask(args: list[str], env: dict[str, str], *, timeout: float = TIMEOUT) -> subprocess.CompletedProcess[str]:
    """``flask --app app <args>``, run to its end; its output captured, its exit code left to the test."""
    return run_python(flask_command(*args)[1:], env, timeout=timeout)


def flask_succeeds(
    args: list[str], env: dict[str, str], *, timeout: float = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """``run_flask`` for a step a test builds on: a failure fails the test with the command's stderr."""
    done = run_flask(args, env, timeout=timeout)
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stderr}"
    return done
