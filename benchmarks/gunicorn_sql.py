"""A gunicorn config for ``benchmarks/http_load.py``: each response says how much SQL it ran.

The benchmark compares a page's time with the time of its own SQL statements, so each
worker wraps the app: it counts the statements run on the app's engine while a request
is served and sums their time (from just before the cursor executes to just after, the
round trip as the database driver sees it), and answers them in the header
``X-Benchmark-SQL: <statements>;<milliseconds>``.

Only the benchmark loads this file (``gunicorn -c benchmarks/gunicorn_sql.py``); the
production command does not, so nothing of it runs there. The counters are per thread:
``gthread`` serves one request per thread at a time, and SQLAlchemy fires the cursor
events in the thread that runs the statement.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

HEADER = "X-Benchmark-SQL"
_tally = threading.local()


def _before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    _tally.started = time.perf_counter()


def _after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    _tally.count = getattr(_tally, "count", 0) + 1
    _tally.seconds = getattr(_tally, "seconds", 0.0) + time.perf_counter() - _tally.started


class SqlTiming:
    """WSGI middleware: reset the thread's tally, serve, put the tally in a header.

    Flask calls ``start_response`` once the page is rendered, so the header holds every
    statement of the page; only the session's closing ROLLBACK comes later.
    """

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        _tally.count, _tally.seconds = 0, 0.0

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((HEADER, f"{_tally.count};{_tally.seconds * 1000:.3f}"))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def post_worker_init(worker: Any) -> None:
    """gunicorn's hook, once per worker after the app is loaded: listen to its engine, wrap it."""
    from lms.extensions import db

    app = worker.wsgi
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _before)
    sa.event.listen(engine, "after_cursor_execute", _after)
    worker.wsgi = SqlTiming(app)
