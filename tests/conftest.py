"""Test fixtures: a real database (PostgreSQL in CI, SQLite otherwise) and real Redis.

The schema is built once per test process by the Alembic migrations. Each test runs
inside an outer transaction that is rolled back at its end; code that commits only
releases a savepoint. Tests that need data other processes can see (RQ workers,
parallel clients) use ``committed`` and clean up after themselves.

``TEST_DATABASE_URL`` / ``TEST_REDIS_URL`` point at the servers. Without them a test
that needs a server skips, unless ``LMS_REQUIRE_SERVICES=1`` (CI): then it fails. A test
that uses Redis asks for ``redis`` (the suite's, emptied) or ``redis_server`` (a server of
its own, to stop and start); with either, the app's jobs go to that Redis.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis
from sqlalchemy.engine import make_url

os.environ.setdefault("LMS_ENV", "testing")
os.environ.setdefault("SECRET_KEY", "test-secret-key")

from lms import create_app
from lms.extensions import db
from tests.redis_server import RedisServer
from tests.s3_server import S3Server

REQUIRE_SERVICES = os.environ.get("LMS_REQUIRE_SERVICES") == "1"
ROOT = Path(__file__).resolve().parent.parent


def need_service(reason: str) -> None:
    """Skip for want of a server, or fail when CI requires every server."""
    if REQUIRE_SERVICES:
        pytest.fail(f"LMS_REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


def _worker_index(config: pytest.Config) -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def fresh_postgres_database(admin_url: str, name: str) -> str:
    """Create (or re-create) an empty database next to ``admin_url`` and return its URL."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin_url: str, name: str) -> None:
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def postgres_admin_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    if url and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url:
        url = make_url(url).set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)
    return url


def run_database_name(admin_url: str, purpose: str) -> str:
    """A database name of this run and worker: two runs on one server (two checkouts, a
    developer and CI) never drop each other's databases."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"{make_url(admin_url).database}_{purpose}_{run}_{worker}"


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    admin_url = postgres_admin_url()
    if admin_url is None:
        if REQUIRE_SERVICES:
            pytest.fail("LMS_REQUIRE_SERVICES=1 but TEST_DATABASE_URL is not set")
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    name = run_database_name(admin_url, "lms")
    yield fresh_postgres_database(admin_url, name)
    drop_postgres_database(admin_url, name)


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> str | None:
    """A Redis database of its own per xdist worker, so parallel tests do not share queues."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        return None
    return str(make_url(url).set(database=str(1 + _worker_index(request.config) % 15)))


@pytest.fixture
def redis(app: Flask, redis_url: str | None, monkeypatch: pytest.MonkeyPatch) -> Redis:
    """The suite's Redis (this worker's database of it), emptied, with the app's jobs going to it."""
    if redis_url is None:
        need_service("TEST_REDIS_URL is not set")
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    return connection


@pytest.fixture
def redis_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[RedisServer]:
    """A ``redis-server`` of this test's own, which the test may stop and start; the app's jobs go to it.

    For fault tests: the suite's Redis must stay up for the other tests.
    """
    if shutil.which("redis-server") is None:
        need_service("redis-server is not installed")
    server = RedisServer()
    server.start()
    monkeypatch.setitem(app.config, "REDIS_URL", server.url)
    try:
        yield server
    finally:
        server.stop()


S3_BUCKET = "mojster-test"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """moto's S3 server on a loopback port, with the bucket ``S3_BUCKET``, once per session."""
    import boto3

    server = S3Server()
    server.start()
    try:
        settings = server.settings(S3_BUCKET)
        boto3.session.Session().client(
            "s3",
            endpoint_url=server.endpoint,
            region_name=settings["S3_REGION"],
            aws_access_key_id=settings["S3_ACCESS_KEY_ID"],
            aws_secret_access_key=settings["S3_SECRET_ACCESS_KEY"],
        ).create_bucket(Bucket=S3_BUCKET)
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_storage(app: Flask, s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """The app's files go to the bucket ``S3_BUCKET`` of the session's S3 server (``STORAGE_BACKEND=s3``)."""
    for name, value in s3_server.settings(S3_BUCKET).items():
        monkeypatch.setitem(app.config, name, value)
    return s3_server


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    from flask_migrate import upgrade

    storage = tmp_path_factory.mktemp("storage")
    application = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_ENV": "testing",
            "TESTING": True,
            "REDIS_URL": None,
            "SMTP_HOST": None,
            "STORAGE_DIR": str(storage),
            "BASE_URL": "http://lms.test",
            "SERVER_NAME": None,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(autouse=True)
def _transaction(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test inside one outer transaction, rolled back at its end.

    No app context stays pushed: each request of the test client gets its own, as in
    production (a shared one would share ``g`` and the session between requests).
    """
    if "committed" in request.fixturenames or "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    db.session.session_factory.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield
    finally:
        db.session.session_factory.configure(bind=None, join_transaction_mode="conditional_savepoint")
        outer.rollback()
        connection.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request: pytest.FixtureRequest) -> None:
    """Rate-limit counters start empty in every test (CSRF is off in tests but for its own tests)."""
    if "app" in request.fixturenames:
        from lms.extensions import limiter

        application: Flask = request.getfixturevalue("app")
        with application.app_context():
            limiter.reset()


@pytest.fixture
def committed(app: Flask) -> Iterator[None]:
    """Data really committed (visible to other processes); every table emptied afterwards."""
    yield
    with app.app_context():
        db.session.remove()
        tables = [table.name for table in db.metadata.sorted_tables]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                quoted = ", ".join(f'"{name}"' for name in tables)
                connection.execute(sa.text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
            else:
                for table in reversed(db.metadata.sorted_tables):
                    connection.execute(table.delete())


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def count_queries(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run while the test body runs, to pin a page's query count."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    yield statements
    sa.event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def scratch_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as directory:
        yield Path(directory)
