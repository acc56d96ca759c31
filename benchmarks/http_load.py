"""Load the learner pages over HTTP, as browsers do, and compare each page with its SQL (issue 12).

Not a test, and not for any host but this one: it starts gunicorn on 127.0.0.1 with
the README's production command (gthread workers, ``--preload``), signs in distinct
learners of the bulk tenant through the login form, and requests each learner page
from 1 and from 8 concurrent clients, each with its own keep-alive connection and
cookies. For every page and client count it prints requests per second, p50 / p95 /
p99 latency, errors, statements per page, the page's own SQL time and page ms ÷ SQL
ms, as the Markdown table ``docs/performance.md`` shows.

The SQL figures come from the server: gunicorn loads ``benchmarks/gunicorn_sql.py``,
which times every statement on the app's engine and answers the tally in a response
header; the production command loads no such file.

    flask --app app db upgrade
    DATABASE_URL=postgresql://... python benchmarks/http_load.py --seconds 10

The bulk tenant is reused when it exists, else built first (about 3 minutes):
``flask lms seed-demo --tenant bulk --users 10000 --modules 200 --completions 1000000
--xp 1000000``. Each run is bounded by ``--seconds`` and ``--requests`` per page and
client count. The driver shares the machine's cores with the server: on a small
machine it lowers the throughput figures, not the per-page comparison at one client.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

from lms import config
from lms.demo.seed import DEMO_PASSWORD
from lms.models import Tenant

ROOT = Path(__file__).resolve().parent.parent
SQL_HEADER = "X-Benchmark-SQL"
BULK_BUILD = ("--users", "10000", "--modules", "200", "--completions", "1000000", "--xp", "1000000")
PAGES = (
    "/",
    "/modules",
    "/modules?q={query}",
    "/modules/{module_id}",
    "/leaderboard",
    "/leaderboard?period=month",
    "/xp",
    "/rewards",
    "/notifications",
    "/certificates",
)


@dataclass
class Sample:
    """One response: its latency, whether it failed, and the SQL the server reported for it."""

    ms: float
    ok: bool
    statements: int = 0
    sql_ms: float = 0.0


@dataclass
class Run:
    """One page at one client count."""

    page: str
    clients: int
    seconds: float = 0.0
    samples: list[Sample] = field(default_factory=list)

    def row(self) -> str:
        good = [s for s in self.samples if s.ok]
        errors = len(self.samples) - len(good)
        if not good:
            return f"| `{self.page}` | {self.clients} | 0 | - | - | - | {errors} | - | - | - |"
        times = sorted(s.ms for s in good)
        sql_ms = statistics.median(s.sql_ms for s in good)
        p50 = _percentile(times, 50)
        ratio = f"{p50 / sql_ms:.1f}" if sql_ms else "-"
        return (
            f"| `{self.page}` | {self.clients} | {len(self.samples) / self.seconds:.0f} | {p50:.1f}"
            f" | {_percentile(times, 95):.1f} | {_percentile(times, 99):.1f} | {errors}"
            f" | {statistics.median(s.statements for s in good):.0f} | {sql_ms:.1f} | {ratio} |"
        )


HEADER = (
    "| page | clients | req/s | p50 ms | p95 ms | p99 ms | errors | queries | SQL ms | page ÷ SQL |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def _percentile(ordered: list[float], percent: int) -> float:
    """Nearest rank: the smallest sample with at least ``percent`` % of the samples at or below it."""
    return ordered[max(0, -(-len(ordered) * percent // 100) - 1)]


class Browser:
    """One signed-in learner on one keep-alive connection, keeping its cookies as a browser would."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[http.client.HTTPResponse, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()  # the next request opens a new connection
            raise
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def sign_in(self, email: str, password: str = DEMO_PASSWORD) -> None:
        """Through the login form, with the CSRF token it carries."""
        _, form = self.request("GET", "/login")
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', form)
        if token is None:
            raise SystemExit("no csrf_token on /login")
        body = urlencode({"csrf_token": token.group(1).decode(), "email": email, "password": password, "next": ""})
        response, _ = self.request("POST", "/login", body)
        if response.status != 302:
            raise SystemExit(f"signing in {email} answered {response.status}")

    def sample(self, path: str) -> Sample:
        started = time.perf_counter()
        try:
            response, _ = self.request("GET", path)
        except (OSError, http.client.HTTPException):
            return Sample((time.perf_counter() - started) * 1000, ok=False)
        ms = (time.perf_counter() - started) * 1000
        statements, _, sql_ms = (response.headers.get(SQL_HEADER) or "0;0").partition(";")
        return Sample(ms, response.status == 200, int(statements), float(sql_ms))


def load(browsers: list[Browser], page: str, clients: int, seconds: float, cap: int) -> Run:
    """``clients`` threads request ``page`` until ``seconds`` pass or ``cap`` requests are made."""
    run = Run(page, clients)
    lock = threading.Lock()
    clock: dict[str, float] = {}
    start = threading.Barrier(clients, action=lambda: clock.update(began=time.perf_counter()))
    made = 0

    def client(browser: Browser, samples: list[Sample]) -> None:
        nonlocal made
        for _ in range(2):  # warm-up: the connection, and this page once in the worker
            browser.sample(page)
        start.wait()
        while time.perf_counter() < clock["began"] + seconds:
            with lock:
                if made >= cap:
                    return
                made += 1
            samples.append(browser.sample(page))

    per_client: list[list[Sample]] = [[] for _ in range(clients)]
    threads = [threading.Thread(target=client, args=(browsers[n], per_client[n])) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - clock["began"]
    run.samples = [sample for samples in per_client for sample in samples]
    return run


def ensure_tenant(database_url: str, slug: str, env: dict[str, str], seed: list[str], what: str) -> None:
    """Reuse the tenant when it exists; otherwise build it with ``flask lms seed-demo <seed>``."""
    engine = sa.create_engine(config.database_url(database_url))
    try:
        with engine.connect() as connection:
            found = connection.execute(sa.select(Tenant.id).where(Tenant.slug == slug)).first()
    finally:
        engine.dispose()
    if found is None:
        print(f"building {what}", file=sys.stderr)
        flask = str(Path(sys.executable).with_name("flask"))
        subprocess.run([flask, "--app", "app", "lms", "seed-demo", *seed], env=env, check=True)  # noqa: S603 - our own command


def ensure_bulk_tenant(database_url: str, slug: str, env: dict[str, str]) -> None:
    """The bulk tenant with the documented sizes (about 3 minutes to build)."""
    build = ["--tenant", slug, *BULK_BUILD]
    ensure_tenant(database_url, slug, env, build, f"the bulk tenant {slug!r} (about 3 minutes)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], workers: int, threads: int) -> Iterator[int]:
    """The README's production command on a loopback port, with the SQL tally; stopped at the end."""
    port = _free_port()
    command = [
        shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn",
        "--config",
        str(ROOT / "benchmarks" / "gunicorn_sql.py"),
        "--worker-class",
        "gthread",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--preload",
        "--bind",
        f"127.0.0.1:{port}",
        "app:app",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 - our own command, no shell
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"gunicorn stopped with {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


FLOOR_REQUESTS = 400


def floor(visitor: Browser, learner: Browser) -> None:
    """The cost under every page, one client, median of sequential requests: a static file, the
    signed-out sign-in page (no SQL), and a signed-in 404 (the user's one statement, a small page)."""
    print("| request | status | p50 ms |\n|---|---|---|")
    for name, browser, path in (
        ("a static file", visitor, "/static/css/mojster.css"),
        ("the sign-in page, signed out", visitor, "/login"),
        ("a signed-in 404", learner, "/no-such-page"),
    ):
        times = []
        for _ in range(FLOOR_REQUESTS):
            started = time.perf_counter()
            response, _ = browser.request("GET", path)
            times.append((time.perf_counter() - started) * 1000)
        print(f"| {name} | {response.status} | {statistics.median(times[FLOOR_REQUESTS // 10 :]):.1f} |", flush=True)
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--tenant", default="bulk")
    parser.add_argument("--learners", type=int, default=8, help="distinct learners signed in (default 8)")
    parser.add_argument("--clients", default="1,8", help="concurrent clients to run each page with (default 1,8)")
    parser.add_argument("--seconds", type=float, default=10.0, help="per page and client count (default 10)")
    parser.add_argument("--requests", type=int, default=2000, help="at most this many per page and client count")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: cores)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--query", default="safety", help="the catalog search word (default safety)")
    parser.add_argument("--pages", nargs="*", default=list(PAGES), help="pages to load (default: every learner page)")
    parser.add_argument(
        "--floor", action="store_true", help="first, the median of what serving anything costs (static, sign-in, 404)"
    )
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("set DATABASE_URL or --database-url (PostgreSQL, at the latest migration)")
    client_counts = [int(n) for n in arguments.clients.split(",")]

    env = {
        **os.environ,
        "LMS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": arguments.database_url,
        "BASE_URL": "http://127.0.0.1",
    }
    ensure_bulk_tenant(arguments.database_url, arguments.tenant, env)
    with gunicorn(env, arguments.workers, arguments.threads) as port:
        browsers = [Browser(port) for _ in range(max(arguments.learners, *client_counts))]
        step = 10_000 // len(browsers)
        for n, browser in enumerate(browsers):  # learners spread over the tenant, not its first few
            browser.sign_in(f"user{1 + n * step:06d}@{arguments.tenant}.test")
        _, catalog = browsers[0].request("GET", "/modules")
        module_id = re.search(rb'href="/modules/(\d+)"', catalog)
        if module_id is None:
            raise SystemExit("no module on /modules")
        if arguments.floor:
            floor(Browser(port), browsers[0])
        print(HEADER)
        for template in arguments.pages:
            page = template.format(query=arguments.query, module_id=module_id.group(1).decode())
            for clients in client_counts:
                print(load(browsers, page, clients, arguments.seconds, arguments.requests).row(), flush=True)


if __name__ == "__main__":
    main()
