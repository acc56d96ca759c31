"""Browser fixtures: the app served over real HTTP from committed demo data, and Debian's chromium.

The rolled-back transaction of ``tests/conftest.py`` cannot serve a browser, so each pytest
process (each xdist worker) builds a database of its own: a SQLite file, or a fresh
PostgreSQL database next to ``TEST_DATABASE_URL``. ``flask db upgrade`` and ``flask lms
seed-demo`` fill it as the README's quick start does, and a child process serves the app
on a free port of 127.0.0.1, in development mode with jobs run inline (no ``REDIS_URL``).

Playwright drives ``/usr/bin/chromium`` from Debian (``bin/test`` installs it); its own
browser download is never used. Without chromium the tests skip, or fail under
``LMS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy.engine import make_url

from tests.conftest import ROOT, drop_postgres_database, fresh_postgres_database, need_service, postgres_admin_url

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
START_TIMEOUT = 30.0

# The child process: werkzeug picks a free port and the parent learns it from a file, so
# parallel workers never race for a port.
SERVE = """
import sys
from pathlib import Path

from werkzeug.serving import make_server

from app import app

server = make_server("127.0.0.1", 0, app, threaded=True)
port_file = Path(sys.argv[1])
port_file.with_suffix(".tmp").write_text(str(server.server_port))
port_file.with_suffix(".tmp").rename(port_file)
server.serve_forever()
"""


@dataclass(frozen=True)
class LiveServer:
    url: str
    log: Path

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "gw0")


def _environment(database_url: str, instance: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "LMS_ENV": "development",
        "DATABASE_URL": database_url,
        "LMS_INSTANCE_PATH": str(instance),
        "STORAGE_DIR": str(instance / "storage"),
        "PYTHONUNBUFFERED": "1",
    }
    for name in ("REDIS_URL", "SMTP_HOST", "BASE_URL"):
        env.pop(name, None)
    return env


def _flask(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"flask {' '.join(args)} failed:\n{done.stderr}"


def _wait_for(url: str, process: subprocess.Popen[bytes], server: LiveServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the app server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(f"{url}/login", timeout=2) as response:  # noqa: S310 - our own http URL
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the app server did not answer within {START_TIMEOUT:.0f} s:\n{server.log_tail()}")


def _port(port_file: Path, process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + START_TIMEOUT
    while not port_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the app server did not start:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.05)
    return int(port_file.read_text())


@pytest.fixture(scope="package")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on http://127.0.0.1:<free port>, over a migrated and seeded database of this worker."""
    instance = tmp_path_factory.mktemp(f"browser-{_worker()}")
    admin_url = postgres_admin_url()
    database_name = None
    if admin_url is None:
        database_url = f"sqlite:///{instance / 'browser.db'}"
    else:
        database_name = f"{make_url(admin_url).database}_browser_{_worker()}"
        database_url = fresh_postgres_database(admin_url, database_name)
    env = _environment(database_url, instance)
    log = instance / "server.log"
    process = None
    try:
        _flask(["db", "upgrade"], env)
        _flask(["lms", "seed-demo"], env)
        port_file = instance / "port"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-c", SERVE, str(port_file)],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{_port(port_file, process, log)}"
        server = LiveServer(url=url, log=log)
        _wait_for(url, process, server)
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if admin_url is not None and database_name is not None:
            drop_postgres_database(admin_url, database_name)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Headless Debian chromium, one per worker."""
    if not CHROMIUM.exists():
        need_service(f"{CHROMIUM} is missing (bin/test installs Debian's chromium when run as root)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser profile (no cookies) in English, with the server as its base URL."""
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()


@pytest.fixture
def artifacts() -> Path:
    """``tests/artifacts/`` (git-ignored), without the numbered screenshots of an earlier run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("[0-9][0-9]-*.png"):
        old.unlink(missing_ok=True)
    return ARTIFACTS


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test shows the end of the app server's log (a 500's traceback is there)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("live_server")
    if report.when == "call" and report.failed and isinstance(server, LiveServer):
        report.sections.append(("app server log", server.log_tail()))
    return report
