"""The HR reports on the bulk tenant over HTTP: each page's time, SQL and query count, and the
progress matrix's XLSX export (one group's, then the whole company's): time, size and the
worker's peak memory (issue 13, "Proof").

Not a test. Like ``http_load.py`` (whose server, browser and bulk tenant it reuses) it
starts gunicorn with the README's production command on 127.0.0.1 — one worker here, so
that the export's memory is that worker's — signs in the bulk tenant's HR user through
the login form, and requests each report page ``--repeat`` times from one client,
printing p50 / p95, statements per page and the page's own SQL time. Then it downloads
the XLSX of the whole progress matrix (10,000 learners by 200 modules) and reports how
long it took, how large it is, and the worker's resident memory before and its high-water
mark after (``/proc/<pid>/status``: VmRSS, VmHWM): constant memory means the mark does
not rise with the file.

    DATABASE_URL=postgresql://... python benchmarks/reports.py

The bulk tenant is reused when it exists, else built first (``http_load.ensure_bulk_tenant``).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import Browser, _percentile, ensure_bulk_tenant, gunicorn

PAGES = (
    "/admin/",
    "/admin/reports/progress/",
    "/admin/reports/progress/?status=overdue",
    "/admin/reports/compliance/",
    "/admin/reports/manager/",
    "/admin/reports/manager/?group={group_id}",
    "/admin/reports/analytics/",
)
EXPORT = "/admin/reports/progress/export?format=xlsx"


def _memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _worker_pid(port: int) -> int:
    """The one gunicorn worker: the child of the master whose command line binds ``port``."""
    bind = f"127.0.0.1:{port}".encode()
    masters = sorted(
        int(entry.name)
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and bind in _read(entry / "cmdline") and b"gunicorn" in _read(entry / "cmdline")
    )
    for master in masters:
        for task in Path(f"/proc/{master}/task").iterdir():
            children = _read(task / "children").split()
            if children:
                return int(children[0])
    raise SystemExit("no gunicorn worker found")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def page_row(browser: Browser, path: str, repeat: int) -> str:
    for _ in range(2):
        browser.sample(path)
    samples = [browser.sample(path) for _ in range(repeat)]
    ordered = sorted(sample.ms for sample in samples)
    failed = sum(not sample.ok for sample in samples)
    statements = max(sample.statements for sample in samples)
    sql = statistics.median(sample.sql_ms for sample in samples)
    return (
        f"| `{path}` | {statistics.median(ordered):.0f} ms | {_percentile(ordered, 95):.0f} ms "
        f"| {statements} | {sql:.1f} ms | {failed} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--tenant", default="bulk")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page (default 20)")
    parser.add_argument("--no-export", action="store_true", help="skip the whole-matrix XLSX export")
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("set DATABASE_URL or --database-url (PostgreSQL, at the latest migration)")
    env = {
        **os.environ,
        "LMS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": arguments.database_url,
        "BASE_URL": "http://127.0.0.1",
    }
    ensure_bulk_tenant(arguments.database_url, arguments.tenant, env)
    with gunicorn(env, workers=1, threads=4) as port:
        hr = Browser(port)
        hr.sign_in(f"hr@{arguments.tenant}.test")
        _, dashboard = hr.request("GET", "/admin/reports/manager/")
        group = re.search(rb"[?&](?:amp;)?group=(\d+)", dashboard)
        group_id = group.group(1).decode() if group else ""
        print("| page | p50 | p95 | statements | its SQL (median) | errors |")
        print("|---|---|---|---|---|---|")
        for template in PAGES:
            print(page_row(hr, template.format(group_id=group_id), arguments.repeat), flush=True)
        if arguments.no_export:
            return
        hr.connection.close()  # a whole-tenant file takes longer than a page's 30 s timeout
        hr.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
        worker = _worker_pid(port)
        # One group's file first, then the whole company's, in the same worker: VmHWM only ever
        # rises, so constant memory means the second (15x the rows) leaves the mark where it was.
        for what, path in ((f"one group ({group_id})", f"{EXPORT}&group={group_id}"), ("the whole matrix", EXPORT)):
            before = _memory(worker)
            started = time.perf_counter()
            response, content = hr.request("GET", path)
            seconds = time.perf_counter() - started
            after = _memory(worker)
            print(
                f"\nXLSX of {what}: HTTP {response.status}, {len(content) / 1e6:.1f} MB in {seconds:.1f} s; "
                f"worker RSS before {before['VmRSS'] / 1024:.0f} MB, peak before {before['VmHWM'] / 1024:.0f} MB, "
                f"peak after {after['VmHWM'] / 1024:.0f} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
