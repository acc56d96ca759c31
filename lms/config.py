"""Settings read from the environment, with defaults for the embedded mode.

The embedded default (README quick start) is a SQLite file under ``instance/``,
jobs run inline and mail is written to the log. Production sets ``DATABASE_URL``,
``REDIS_URL``, ``SMTP_*``, ``BASE_URL`` and ``SECRET_KEY``.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from limits import parse_many
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from lms.errors import ConfigError

ENVIRONMENTS = ("production", "development", "testing")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _rate(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate limit such as ``5 per 10 minutes``, checked at start-up rather than at the first sign-in."""
    raw = env.get(name, "").strip() or default
    try:
        parse_many(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a rate such as '5 per 10 minutes', not {raw!r}") from None
    return raw


def _proxies(env: Mapping[str, str]) -> int:
    """How many proxies in front of the app set X-Forwarded-For and -Proto; 0 trusts none."""
    hops = _int(env, "TRUSTED_PROXIES", 0)
    if hops < 0:
        raise ConfigError(f"TRUSTED_PROXIES must be 0 or more, not {hops}")
    return hops


def database_url(raw: str) -> str:
    """Normalise and validate a database URL, naming the problem in one line."""
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw.removeprefix("postgres://")
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a valid database URL: {raw!r}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"DATABASE_URL must be sqlite or postgresql, not {url.get_backend_name()!r}")
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg2")
    return url.render_as_string(hide_password=False)


def _secret_key(env: Mapping[str, str], lms_env: str, instance_path: Path) -> str:
    """A missing key is fatal in production: sessions signed with a guessable key can be forged.

    In development the key is generated once and kept in ``instance/secret_key`` so that
    sessions survive a restart and every local process signs with the same key.
    """
    key = env.get("SECRET_KEY", "").strip()
    if key:
        return key
    if lms_env == "production":
        raise ConfigError(
            "SECRET_KEY is not set; set it to a long random string (or LMS_ENV=development for a local run)"
        )
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(env: Mapping[str, str], instance_path: Path) -> dict[str, Any]:
    """Build the Flask config from environment variables; raise ConfigError on bad values."""
    lms_env = env.get("LMS_ENV", "production").strip().lower()
    if lms_env not in ENVIRONMENTS:
        raise ConfigError(f"LMS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {lms_env!r}")
    default_db = f"sqlite:///{instance_path / 'mojster.db'}"
    base_url = env.get("BASE_URL", "http://localhost:5000").rstrip("/")
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"BASE_URL must start with http:// or https://, not {base_url!r}")
    smtp_port = _int(env, "SMTP_PORT", 587)
    database = database_url(env.get("DATABASE_URL") or default_db)
    engine_options: dict[str, Any] = {"pool_pre_ping": True}
    if database.startswith("postgresql"):
        engine_options["connect_args"] = {"connect_timeout": _int(env, "DATABASE_CONNECT_TIMEOUT", 10)}
    return {
        "LMS_ENV": lms_env,
        "TESTING": lms_env == "testing",
        "SECRET_KEY": _secret_key(env, lms_env, instance_path),
        "SQLALCHEMY_DATABASE_URI": database,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "BASE_URL": base_url,
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": smtp_port,
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag(env, "SMTP_STARTTLS", smtp_port == 587),
        "SMTP_SSL": _flag(env, "SMTP_SSL", smtp_port == 465),
        "SMTP_TIMEOUT": _int(env, "SMTP_TIMEOUT", 30),
        "MAIL_FROM": env.get("MAIL_FROM", "Mojster <no-reply@localhost>"),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LMS_LOCALES": ("sl", "en"),
        "STORAGE_DIR": env.get("STORAGE_DIR") or str(instance_path / "storage"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 50) * 1024 * 1024,
        # Uploaded files (README: storage): local disk by default, or an S3-compatible bucket.
        "STORAGE_BACKEND": _choice(env, "STORAGE_BACKEND", ("local", "s3"), "local"),
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        "S3_REGION": env.get("S3_REGION") or "us-east-1",
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or None,
        "S3_PRESIGNED_SECONDS": _int(env, "S3_PRESIGNED_SECONDS", 300),
        # Hosted video players (issue 16, item 3): the account's Stream subdomain
        # (customer-<code>.cloudflarestream.com) and TargetVideo's embed address with {id} in it.
        "CLOUDFLARE_STREAM_SUBDOMAIN": env.get("CLOUDFLARE_STREAM_SUBDOMAIN") or None,
        "TARGETVIDEO_EMBED_URL": env.get("TARGETVIDEO_EMBED_URL") or None,
        # The AI module builder drafts offline unless an OpenAI-compatible endpoint is configured.
        "AI_BASE_URL": (env.get("AI_BASE_URL") or "").rstrip("/") or None,
        "AI_API_KEY": env.get("AI_API_KEY") or None,
        "AI_MODEL": env.get("AI_MODEL") or None,
        "AI_TIMEOUT": _int(env, "AI_TIMEOUT", 120),
        "JOB_RETRY_INTERVALS": (10, 60, 300),
        "JOB_TIMEOUT": _int(env, "JOB_TIMEOUT", 600),
        "PREFERRED_URL_SCHEME": "https" if base_url.startswith("https://") else "http",
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_NAME": "mojster_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_NAME": "mojster_remember",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * _int(env, "REMEMBER_DAYS", 30),
        "TRUSTED_PROXIES": _proxies(env),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Redis down must not stop sign-in (issue 10): Flask-Limiter logs a WARNING and counts in
        # this process's memory until Redis answers again; short timeouts keep a hung Redis from
        # holding requests, and a failure between the check and the count is logged, not a 500.
        "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_HEADERS_ENABLED": False,
        # Failed sign-ins (README: sign-in limits): the tight limit is per account and address, so
        # a stranger's guesses never lock the owner out; the loose one per account stops guessing
        # spread over many addresses; the one per address stops one address trying many accounts.
        "LOGIN_LIMIT_PER_ACCOUNT_AND_IP": _rate(env, "LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "5 per 10 minutes"),
        "LOGIN_LIMIT_PER_ACCOUNT": _rate(env, "LOGIN_LIMIT_PER_ACCOUNT", "100 per hour"),
        "LOGIN_LIMIT_PER_IP": _rate(env, "LOGIN_LIMIT_PER_IP", "20 per 10 minutes"),
        "INVITE_TTL_HOURS": 7 * 24,
        "PASSWORD_RESET_TTL_HOURS": 1,
    }
