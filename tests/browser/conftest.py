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
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from lms.demo.seed import DEMO_PASSWORD
from tests.conftest import (
    ROOT,
    drop_postgres_database,
    fresh_postgres_database,
    need_service,
    postgres_admin_url,
    run_database_name,
)
from tests.processes import flask_succeeds

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # A cross-site iframe (a section's Vimeo player) in a process of its own made headless
    # chromium drop mouse input to the whole page: "Mark as complete" under a video did nothing.
    "--disable-site-isolation-trials",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
OFFSITE = re.compile(r"^(?!https?://127\.0\.0\.1[:/])")  # any URL but the live server's
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
        database_name = run_database_name(admin_url, "browser")
        database_url = fresh_postgres_database(admin_url, database_name)
    env = _environment(database_url, instance)
    log = instance / "server.log"
    process = None
    try:
        flask_succeeds(["db", "upgrade"], env)
        flask_succeeds(["lms", "seed-demo"], env)
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


def new_context(browser: Browser, server: LiveServer) -> BrowserContext:
    """A fresh browser profile (no cookies) in English, with the server as its base URL.

    Requests that leave the server (a section's Vimeo or YouTube player) get an empty page, so
    the tests never depend on the internet.
    """
    context = browser.new_context(base_url=server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    context.route(OFFSITE, lambda route: route.fulfill(status=200, content_type="text/html", body=""))
    return context


def csp_refusals(context: BrowserContext) -> list[str]:
    """What the Content-Security-Policy refused in ``context`` from now on, as chromium reports it."""
    refused: list[str] = []
    context.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return refused


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page of a ``new_context``, closed after the test; a test whose pages broke the
    Content-Security-Policy (lms/security.py) fails, since the browser skipped what it refused."""
    context = new_context(browser, live_server)
    refused = csp_refusals(context)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
    assert refused == [], "the Content-Security-Policy refused part of a page"


@pytest.fixture
def artifacts() -> Path:
    """``tests/artifacts/`` (git-ignored); each ``Journey`` clears its own screenshots of an earlier run."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


class Journey:
    """The browser page plus numbered screenshots: ``<prefix>01-login.png``, ``<prefix>02-admin-home.png``...

    Each test takes a prefix of its own, so parallel workers never remove each other's screens.
    """

    def __init__(self, page: Page, artifacts: Path, prefix: str = "") -> None:
        self.page = page
        self.artifacts = artifacts
        self.prefix = prefix
        self.step = 0
        for old in artifacts.glob(f"{prefix}[0-9][0-9]-*.png"):
            old.unlink(missing_ok=True)

    def shot(self, name: str) -> None:
        self.step += 1
        self.page.screenshot(path=self.artifacts / f"{self.prefix}{self.step:02d}-{name}.png", full_page=True)

    def sign_in(self, email: str) -> None:
        """On the sign-in page already; lands where the page's ``next`` says."""
        expect(self.page.get_by_role("heading", name="Sign in to Mojster")).to_be_visible()
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.expect_flash("You are signed out.")

    def scripts_ready(self) -> None:
        """The page's scripts have run: a dropdown clicked before Bootstrap's handlers exist stays shut."""
        self.page.wait_for_load_state("load")

    def admin_menu(self, category: str, screen: str) -> None:
        """Open an admin screen the way a person does: the category in the top bar, then the screen."""
        self.scripts_ready()
        menu = self.page.locator("#admin-navbar-collapse")
        menu.get_by_role("link", name=category, exact=True).click()
        menu.get_by_role("link", name=screen, exact=True).click()

    def choose(self, field: str, choice: str, search: str = "") -> None:
        """Choose in one of Flask-Admin's select2 boxes as a person does: open it, type, click the match.

        ``search`` is typed first (ajax boxes load their choices from what was typed).
        """
        self.scripts_ready()
        self.page.locator(f"#s2id_{field}").click()
        if search:
            self.page.keyboard.type(search)
        results = self.page.locator("#select2-drop .select2-result-label")
        results.filter(has_text=choice).click()
        expect(self.page.locator(f"#s2id_{field}")).to_contain_text(choice)

    def save(self) -> None:
        self.page.get_by_role("button", name="Save", exact=True).click()

    def rich_text(self, html: str) -> None:
        """Put HTML into the page's rich-text editor through its Source mode, as a power user does."""
        self.scripts_ready()
        editor = self.page.locator(".jodit-container")
        expect(editor).to_be_visible()
        editor.locator(".jodit-toolbar-button_source button").click()
        editor.locator("textarea.jodit-source__mirror").fill(html)
        editor.locator(".jodit-toolbar-button_source button").click()

    def expect_flash(self, text: str) -> None:
        expect(self.page.locator(".alert").filter(has_text=text)).to_be_visible()


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
