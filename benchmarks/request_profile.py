"""The fixed Python cost of a learner request, counted where wall time cannot be trusted.

Issue 12, item 1: a cheap page spends more time in Python than in its SQL. On a shared
machine the time of a request wanders with the neighbours' load, so beside the mean time
this reports two figures that do not: the Python function calls of one request (cProfile's
total, which moves only when the code does) and its SQL statements. It builds the demo
companies (``lms.demo.seed``) in a scratch database — a temporary SQLite file, or the
database ``--database-url`` names, upgraded and seeded unless it has the demo already —
signs a learner in through the test client's session, as ``tests.factories.sign_in`` does,
and requests each learner page. The app runs as in production (``LMS_ENV=production``,
templates compiled once, jobs inline, the limiter in memory); not a test, not HTTP (that is
``benchmarks/http_load.py``).

    python benchmarks/request_profile.py                     # every page, 200 requests each
    python benchmarks/request_profile.py --pages xp,rewards --requests 500
    python benchmarks/request_profile.py --profile /xp --top 40   # where one page's calls go
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEARNER = "learner2@acme.test"  # an employee of one company, no grants: the common case
PAGES = {
    "dashboard": "/",
    "catalog": "/modules",
    "reader": "/modules/{module_id}",
    "leaderboard": "/leaderboard",
    "xp": "/xp",
    "rewards": "/rewards",
    "notifications": "/notifications",
    "certificates": "/certificates",
    "updates": "/updates",
    "events": "/events",
    "settings": "/settings",
    "not-found": "/no-such-page",  # nothing but the per-request work of a signed-in learner
}


def build_app(database_url: str, instance: Path) -> Any:
    os.environ.setdefault("SECRET_KEY", "request-profile-benchmark")
    from lms import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_ENV": "production",
            "TESTING": False,
            "REDIS_URL": None,
            "SMTP_HOST": None,
            "STORAGE_DIR": str(instance / "storage"),
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )


def prepare(app: Any) -> tuple[str, int, int]:
    """Upgrade and seed when needed; the learner's login id, company and a module of theirs."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from lms.demo.seed import has_schema, seed_demo
    from lms.extensions import db
    from lms.models import Membership, Module, User
    from lms.models.enums import ModuleStatus
    from lms.tenancy import tenant_context, unscoped

    with app.app_context():
        if not has_schema():
            upgrade(directory=str(ROOT / "migrations"))
        user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
        if user is None:
            seed_demo()
            db.session.commit()
            user = db.session.scalar(sa.select(User).where(User.email == LEARNER))
        with unscoped("benchmark: the learner's company"):
            tenant_id = db.session.scalar(sa.select(Membership.tenant_id).where(Membership.user_id == user.id))
        with tenant_context(tenant_id):
            module_id = db.session.scalar(
                sa.select(Module.id).where(Module.status == ModuleStatus.PUBLISHED).order_by(Module.id)
            )
        return user.get_id(), tenant_id, module_id


@contextmanager
def statement_counter(app: Any) -> Iterator[list[int]]:
    """A one-element list holding the statements run since the last reset."""
    from sqlalchemy import event

    from lms.extensions import db

    counter = [0]

    def count(*args: Any) -> None:
        counter[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", count)


def measure(client: Any, url: str, requests: int, counter: list[int]) -> dict[str, float]:
    expected = 404 if url == PAGES["not-found"] else 200
    for _ in range(3):  # warm: compiled templates, cached statements, pool connections
        response = client.get(url)
        assert response.status_code == expected, (url, response.status_code)
    counter[0] = 0
    started = time.perf_counter()
    for _ in range(requests):
        client.get(url)
    seconds = time.perf_counter() - started
    statements = counter[0] / requests
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
    return {"ms": seconds * 1000 / requests, "calls": calls, "sql": statements}


def show_profile(client: Any, url: str, top: int) -> None:
    for _ in range(3):
        client.get(url)
    profile = cProfile.Profile()
    profile.enable()
    client.get(url)
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"{url}: {stats.total_calls} calls")  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url", help="a database to use, seeded unless it has the demo (default: a scratch SQLite file)"
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per page for the mean time")
    parser.add_argument("--pages", help=f"comma-separated names of {', '.join(PAGES)} (default: all)")
    parser.add_argument("--profile", metavar="URL", help="print the top entries of one request of this URL")
    parser.add_argument("--top", type=int, default=30, help="entries --profile prints")
    args = parser.parse_args(argv)
    names = args.pages.split(",") if args.pages else list(PAGES)
    unknown = [name for name in names if name not in PAGES]
    if unknown:
        parser.error(f"unknown page {', '.join(unknown)}")

    with tempfile.TemporaryDirectory(prefix="request-profile-") as scratch:
        instance = Path(scratch)
        database_url = args.database_url or f"sqlite:///{instance / 'bench.db'}"
        app = build_app(database_url, instance)
        login_id, tenant_id, module_id = prepare(app)
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["_fresh"] = True
            session["tenant_id"] = tenant_id
        if args.profile:
            show_profile(client, args.profile.format(module_id=module_id), args.top)
            return
        dialect = database_url.split(":", 1)[0]
        print(f"{LEARNER} on {dialect}, {args.requests} requests per page, Python {sys.version.split()[0]}")
        print("| page | calls / request | SQL / request | mean ms |\n|---|---|---|---|")
        with statement_counter(app) as counter:
            for name in names:
                url = PAGES[name].format(module_id=module_id)
                figures = measure(client, url, args.requests, counter)
                print(f"| `{PAGES[name]}` | {figures['calls']:,} | {figures['sql']:.0f} | {figures['ms']:.2f} |")


if __name__ == "__main__":
    main()
