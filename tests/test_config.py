"""Can the app start from its environment, and does a bad one say clearly what is wrong?"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from lms.config import database_url, load_config
from lms.errors import ConfigError
from tests.processes import environment, run_flask


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        load_config({"LMS_ENV": "production"}, tmp_path)


def test_development_key_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_config({"LMS_ENV": "development"}, tmp_path)["SECRET_KEY"]
    second = load_config({"LMS_ENV": "development"}, tmp_path)["SECRET_KEY"]
    assert first == second
    assert len(first) >= 32


def test_embedded_default_is_sqlite_under_instance(tmp_path: Path) -> None:
    config = load_config({"SECRET_KEY": "x"}, tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'mojster.db'}"
    assert config["REDIS_URL"] is None
    assert config["SMTP_HOST"] is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgres://u:p@db/lms", "postgresql+psycopg2://u:p@db/lms"),
        ("postgresql://u@db/lms", "postgresql+psycopg2://u@db/lms"),
        ("sqlite:////var/lms.db", "sqlite:////var/lms.db"),
    ],
)
def test_database_urls_are_normalised(raw: str, expected: str) -> None:
    assert database_url(raw) == expected


@pytest.mark.parametrize("raw", ["not a url", "mysql://u@db/lms", "bogus://"])
def test_malformed_database_url_is_one_clear_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        database_url(raw)


def test_bad_numbers_and_flags_are_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SMTP_PORT"):
        load_config({"SECRET_KEY": "x", "SMTP_PORT": "twenty-five"}, tmp_path)
    with pytest.raises(ConfigError, match="SMTP_STARTTLS"):
        load_config({"SECRET_KEY": "x", "SMTP_STARTTLS": "maybe"}, tmp_path)
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config({"SECRET_KEY": "x", "BASE_URL": "lms.example.com"}, tmp_path)
    with pytest.raises(ConfigError, match="STORAGE_BACKEND must be one of local, s3, not 'ftp'"):
        load_config({"SECRET_KEY": "x", "STORAGE_BACKEND": "ftp"}, tmp_path)


def test_storage_and_ai_default_to_the_embedded_mode(tmp_path: Path) -> None:
    config = load_config({"SECRET_KEY": "x", "STORAGE_BACKEND": " S3 ", "AI_BASE_URL": "http://ai.local/v1/"}, tmp_path)
    assert config["STORAGE_BACKEND"] == "s3"
    assert config["AI_BASE_URL"] == "http://ai.local/v1"
    defaults = load_config({"SECRET_KEY": "x"}, tmp_path)
    assert defaults["STORAGE_BACKEND"] == "local"
    assert defaults["AI_BASE_URL"] is None


@pytest.mark.parametrize(("raw", "hops"), [(None, 0), ("0", 0), ("1", 1), ("2", 2)])
def test_trusted_proxies_default_to_none(tmp_path: Path, raw: str | None, hops: int) -> None:
    env = {"SECRET_KEY": "x"} if raw is None else {"SECRET_KEY": "x", "TRUSTED_PROXIES": raw}
    assert load_config(env, tmp_path)["TRUSTED_PROXIES"] == hops


@pytest.mark.parametrize("raw", ["-1", "one", "1.5"])
def test_bad_trusted_proxies_are_named(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        load_config({"SECRET_KEY": "x", "TRUSTED_PROXIES": raw}, tmp_path)


def test_sign_in_limits_have_defaults_and_a_bad_one_is_named(tmp_path: Path) -> None:
    config = load_config({"SECRET_KEY": "x", "LOGIN_LIMIT_PER_ACCOUNT": "50/hour"}, tmp_path)
    assert config["LOGIN_LIMIT_PER_ACCOUNT_AND_IP"] == "5 per 10 minutes"
    assert config["LOGIN_LIMIT_PER_ACCOUNT"] == "50/hour"
    assert config["LOGIN_LIMIT_PER_IP"] == "20 per 10 minutes"
    with pytest.raises(ConfigError, match="LOGIN_LIMIT_PER_IP must be a rate such as '5 per 10 minutes'"):
        load_config({"SECRET_KEY": "x", "LOGIN_LIMIT_PER_IP": "twenty a minute"}, tmp_path)


def test_the_rate_limiter_falls_back_to_memory_when_its_redis_is_down(tmp_path: Path) -> None:
    config = load_config({"SECRET_KEY": "x", "REDIS_URL": "redis://redis:6379/0"}, tmp_path)
    assert config["RATELIMIT_STORAGE_URI"] == "redis://redis:6379/0"
    assert config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] is True


def _flask(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return run_flask(args, environment(LMS_INSTANCE_PATH=str(tmp_path), **env), timeout=60)


def test_unreachable_database_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    result = _flask(
        ["db", "upgrade"],
        {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none", "SECRET_KEY": "x"},
        tmp_path,
    )
    assert result.returncode != 0
    assert "mojster: cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_secret_key_in_production_is_one_line(tmp_path: Path) -> None:
    env = {"LMS_ENV": "production", "SECRET_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    result = _flask(["routes"], env, tmp_path)
    assert result.returncode != 0
    assert "mojster: SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr
