"""Benchmark the learner pages on a bulk tenant: query counts and latency (issue 7, item 10).

Not a test: it reports numbers for docs/performance.md. Build the tenant first, e.g.

    flask --app app lms seed-demo --tenant bulk --users 10000 --modules 200 \\
        --completions 1000000 --xp 1000000
    DATABASE_URL=... python benchmarks/pages.py --tenant bulk --requests 50

Each page is requested as a learner of the tenant through the app's test client (no
network, one process), after one warm-up request.
"""

from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa
from sqlalchemy import event

from lms import create_app
from lms.extensions import db
from lms.models import Tenant, User

PAGES = ("/leaderboard", "/leaderboard?period=month", "/xp", "/", "/modules")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", default="bulk")
    parser.add_argument("--requests", type=int, default=50)
    arguments = parser.parse_args()

    app = create_app()
    with app.app_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == arguments.tenant))
        if tenant is None:
            raise SystemExit(f"no tenant {arguments.tenant!r}: build it with `flask lms seed-demo --tenant ...`")
        learner = db.session.scalar(sa.select(User).where(User.email == f"user000001@{arguments.tenant}.test"))
        login_id, tenant_id = learner.get_id(), tenant.id
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = login_id
        session["tenant_id"] = tenant_id
    print(f"{'page':<28} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for page in PAGES:
        assert client.get(page).status_code == 200, page
        timings = []
        for _ in range(arguments.requests):
            statements.clear()
            started = time.perf_counter()
            response = client.get(page)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, page
        p95 = statistics.quantiles(timings, n=20)[-1]
        print(f"{page:<28} {len(statements):>7} {statistics.median(timings):>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
