"""Mojster: a multi-tenant learning platform for companies."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from lms.config import load_config
from lms.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SQLITE_BUSY_TIMEOUT_MS = 30_000  # the longest an embedded-mode request waits for the write lock
_SQLITE_WRITING = "lms.sqlite_writing"  # connection.info: this transaction has taken the write lock


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment; ``config`` overrides it (tests).

    Raises ConfigError with one readable line when the environment is wrong or the
    database cannot be reached.
    """
    instance_path = Path(os.environ.get("LMS_INSTANCE_PATH", ROOT / "instance")).resolve()
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
    )
    env = dict(os.environ)
    if config and "SQLALCHEMY_DATABASE_URI" in config:
        env["DATABASE_URL"] = config["SQLALCHEMY_DATABASE_URI"]
    app.config.update(load_config(env, instance_path))
    if config:
        app.config.update({k: v for k, v in config.items() if k != "SQLALCHEMY_DATABASE_URI"})
    if app.config["TRUSTED_PROXIES"]:
        # The client's address and scheme as the load balancer saw them, for limits and the audit log.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _check_database(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Our own INFO lines (mail in the embedded mode, jobs) are shown; libraries speak at WARNING.

    A line written while a job runs names the job and its company (``lms.jobs.log_context``).
    """
    from lms.jobs import log_context

    log_context.install()
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s%(lms_job)s: %(message)s")
    logging.getLogger("lms").setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from lms import bad_input, error_pages, i18n, models, security, tenancy  # noqa: F401 - models register tables; tenancy its hooks
    from lms.admin_views import init_admin
    from lms.auth import context as auth_context
    from lms.extensions import babel, csrf, db, limiter, migrate
    from lms.services import rich_text

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    bad_input.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.context_processor(i18n.inject_locale)
    i18n.install_template_gettext(app)
    app.add_template_filter(i18n.label, "label")
    app.add_template_filter(rich_text.as_html, "rich_text")
    app.add_template_filter(rich_text.as_text, "rich_text_words")
    limiter.init_app(app)
    auth_context.init_app(app)
    csrf.init_app(app)  # after the request's tenant is loaded: a refused form is answered in its language
    error_pages.init_app(app)
    init_admin(app)
    security.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            _prepare_engine(engine)


def _prepare_engine(engine: Engine) -> None:
    """Per-engine fixes: SQLite that holds concurrent users; pools that survive fork().

    pysqlite starts transactions lazily and breaks SAVEPOINT; SQLAlchemy's documented
    recipe hands transaction control to SQLAlchemy, and here it decides when to BEGIN.

    The embedded mode serves several people at once (DESIGN.md: running; issue 10). A
    deferred BEGIN that reads and then writes fails at once with "database is locked"
    when another connection wrote in between: SQLite cannot move its read snapshot
    forward, so waiting would not help and it does not wait. So a write transaction
    takes its lock up front: the first statement that writes (or a SAVEPOINT, or a
    SELECT ... FOR UPDATE, whose FOR UPDATE SQLite's dialect drops) is preceded by
    BEGIN IMMEDIATE, which waits up to ``busy_timeout`` for the lock. Until then the
    session's reads run without a transaction, each seeing the latest commit, as
    PostgreSQL's READ COMMITTED (production) does and as Rails and Django run reads on
    SQLite: page rendering, password hashing and PDF drawing never hold the lock. WAL
    mode lets those reads run beside the writer; ``synchronous=NORMAL`` makes a commit a
    short append synced at checkpoints (SQLite's advice for WAL: safe from corruption; a
    power cut, not a crash, may undo the last commits).

    RQ forks a work horse per job; a pooled connection inherited from the parent must
    not be shared (SQLAlchemy's "connection pools and os.fork()" recipe).
    """
    if engine.dialect.name == "sqlite":
        from lms.models.gamification import sqlite_local_month

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            dbapi_connection.create_function("lms_local_month", 2, sqlite_local_month, deterministic=True)
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.info[_SQLITE_WRITING] = False

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_lock_before_writing(
            connection: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
        ) -> None:
            if connection.info.get(_SQLITE_WRITING, True) or _sqlite_reads_only(statement, context):
                return
            cursor.execute("BEGIN IMMEDIATE")
            connection.info[_SQLITE_WRITING] = True

    @event.listens_for(engine, "connect")
    def _remember_pid(dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _refuse_foreign_pid(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            from sqlalchemy.exc import DisconnectionError

            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("connection belongs to another process")


def _sqlite_reads_only(statement: str, context: Any) -> bool:
    """A plain SELECT; one the code wrote ``with_for_update()`` asks for the write lock."""
    invoked = getattr(context, "invoked_statement", None)
    return statement.lstrip()[:6].upper() == "SELECT" and getattr(invoked, "_for_update_arg", None) is None


def _register_blueprints(app: Flask) -> None:
    from lms.auth import bp as auth_bp
    from lms.favicon import bp as favicon_bp
    from lms.learner import bp as learner_bp
    from lms.learner.calendar import feed_bp as calendar_feed_bp
    from lms.verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(favicon_bp)
    app.register_blueprint(learner_bp)
    app.register_blueprint(calendar_feed_bp)
    app.register_blueprint(verify_bp)


def _register_cli(app: Flask) -> None:
    from lms.cli import lms_cli

    app.cli.add_command(lms_cli)


def _check_database(app: Flask) -> None:
    from lms.extensions import db

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
            url = db.engine.url.render_as_string(hide_password=True)
            raise ConfigError(f"cannot reach the database {url}: {reason}") from None
        finally:
            db.engine.dispose()
