"""Does the README's quick start work on a fresh SQLite: migrate, seed, serve the sign-in page?"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PAGE_REQUEST = """
from app import app
response = app.test_client().get("/login", headers={"Accept-Language": "en"})
print(response.status_code)
print(response.get_data(as_text=True))
"""


def _run(args: list[str], instance: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LMS_ENV": "development", "LMS_INSTANCE_PATH": str(instance)}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMTP_HOST"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def test_quickstart_on_the_embedded_default(tmp_path: Path) -> None:
    upgraded = _run(["-m", "flask", "--app", "app", "db", "upgrade"], tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "mojster.db").exists()

    seeded = _run(["-m", "flask", "--app", "app", "lms", "seed-demo"], tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    # issue 10: its inline mail jobs used to fail with 101 "database is locked" tracebacks
    assert "Traceback" not in seeded.stderr, seeded.stderr[-4000:]
    assert "created demo company acme" in seeded.stdout
    assert "hr@acme.test" in seeded.stdout
    assert "demo-password" in seeded.stdout

    again = _run(["-m", "flask", "--app", "app", "lms", "seed-demo"], tmp_path)
    assert again.returncode == 0, again.stderr
    assert "demo company acme exists already" in again.stdout

    page = _run(["-c", PAGE_REQUEST], tmp_path)
    status, _, html = page.stdout.partition("\n")
    assert status == "200", page.stderr
    assert "Sign in to Mojster" in html


def test_seed_demo_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = _run(["-m", "flask", "--app", "app", "lms", "seed-demo"], tmp_path)
    assert result.returncode != 0
    assert "run `flask db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr
