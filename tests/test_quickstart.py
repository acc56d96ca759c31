"""Does the README's quick start work on a fresh SQLite: migrate, seed, serve the sign-in page?"""

from __future__ import annotations

from pathlib import Path

from tests.processes import environment, run_flask, run_python

PAGE_REQUEST = """
from app import app
response = app.test_client().get("/login", headers={"Accept-Language": "en"})
print(response.status_code)
print(response.get_data(as_text=True))
"""


def _embedded(instance: Path) -> dict[str, str]:
    """The README's quick start: nothing configured but the instance folder."""
    return environment(
        without=("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "SMTP_HOST"),
        LMS_ENV="development",
        LMS_INSTANCE_PATH=str(instance),
    )


def test_quickstart_on_the_embedded_default(tmp_path: Path) -> None:
    upgraded = run_flask(["db", "upgrade"], _embedded(tmp_path))
    assert upgraded.returncode == 0, upgraded.stderr
    assert (tmp_path / "mojster.db").exists()

    seeded = run_flask(["lms", "seed-demo"], _embedded(tmp_path))
    assert seeded.returncode == 0, seeded.stderr
    # issue 10: its inline mail jobs used to fail with 101 "database is locked" tracebacks
    assert "Traceback" not in seeded.stderr, seeded.stderr[-4000:]
    assert "created demo company acme" in seeded.stdout
    assert "hr@acme.test" in seeded.stdout
    assert "demo-password" in seeded.stdout

    again = run_flask(["lms", "seed-demo"], _embedded(tmp_path))
    assert again.returncode == 0, again.stderr
    assert "demo company acme exists already" in again.stdout

    page = run_python(["-c", PAGE_REQUEST], _embedded(tmp_path))
    status, _, html = page.stdout.partition("\n")
    assert status == "200", page.stderr
    assert "Sign in to Mojster" in html


def test_seed_demo_on_an_unmigrated_database_says_what_to_do(tmp_path: Path) -> None:
    result = run_flask(["lms", "seed-demo"], _embedded(tmp_path))
    assert result.returncode != 0
    assert "run `flask db upgrade` first" in result.stderr
    assert "Traceback" not in result.stderr
