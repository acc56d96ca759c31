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

from lms.config import load_config
from lms.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


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
    _configure_logging(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    _check_database(app)
    return app


def _configure_logging(app: Flask) -> None:
    """Our own INFO lines (mail in the embedded mode, jobs) are shown; libraries speak at WARNING."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("lms").setLevel(logging.INFO)


def _init_extensions(app: Flask) -> None:
    from lms import error_pages, i18n, models, tenancy  # noqa: F401 - models register tables; tenancy its hooks
    from lms.admin_views import init_admin
    from lms.auth import context as auth_context
    from lms.extensions import babel, csrf, db, limiter, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    app.context_processor(i18n.inject_locale)
    app.add_template_filter(i18n.label, "label")
    csrf.init_app(app)
    limiter.init_app(app)
    auth_context.init_app(app)
    error_pages.init_app(app)
    init_admin(app)
    with app.app_context():
        for engine in db.engines.values():
            _prepare_engine(engine)


def _prepare_engine(engine: Engine) -> None:
    """Per-engine fixes: SQLite savepoints and foreign keys; pools that survive fork().

    pysqlite starts transactions lazily and breaks SAVEPOINT; SQLAlchemy's documented
    recipe hands transaction control to SQLAlchemy. RQ forks a work horse per job; a
    pooled connection inherited from the parent must not be shared (SQLAlchemy's
    "connection pools and os.fork()" recipe).
    """
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "connect")
    def _remember_pid(dbapi_connection: Any, record: Any) -> None:
        record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def _refuse_foreign_pid(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if record.info.get("pid") != os.getpid():
            from sqlalchemy.exc import DisconnectionError

            record.dbapi_connection = proxy.dbapi_connection = None
            raise DisconnectionError("connection belongs to another process")


def _register_blueprints(app: Flask) -> None:
    from lms.auth import bp as auth_bp
    from lms.learner import bp as learner_bp
    from lms.verify import bp as verify_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(learner_bp)
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
