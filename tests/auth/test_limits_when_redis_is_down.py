"""Can people still sign in when the rate limiter's Redis goes away? (issue 10, item 4)

Every POST to /login and /forgot-password used to answer 500 while Redis was down. The
test runs a Redis of its own (``redis-server`` on a free port), points the limiter at it,
stops it, and signs in; then starts it again and sees the limiter go back to it.
Only the limiter uses this Redis (jobs run inline here), so the test is about the limiter.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from redis import Redis

from lms.extensions import limiter
from tests.auth.conftest import PASSWORD, People, link_in
from tests.factories import sign_in_with_password
from tests.redis_server import RedisServer
from tests.smtp import smtp_for

FALLING_BACK = "Rate limit storage unreachable - falling back to in-memory storage"
RECOVERED = "Rate limit storage recovered"


@pytest.fixture
def limited_by_redis(app: Flask, redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app with its limits kept in a Redis of its own, as ``REDIS_URL`` does in production."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs inline: this test is about the limiter
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT_AND_IP", "3 per 10 minutes")
    suite_storage = app.config["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_STORAGE_URI"] = redis_server.url
    try:
        limiter.init_app(app)
        yield app
    finally:
        app.config["RATELIMIT_STORAGE_URI"] = suite_storage
        limiter.init_app(app)  # the limiter is one object: give it back the suite's memory storage


def _wait_for_recovery(client: FlaskClient, caplog: pytest.LogCaptureFixture) -> None:
    """Flask-Limiter looks at a dead storage again after 1, 2, 4 ... seconds; any request lets it."""
    deadline = time.monotonic() + 40
    while RECOVERED not in caplog.text:
        assert time.monotonic() < deadline, "the limiter never went back to Redis"
        client.get("/login")
        time.sleep(0.2)


def test_sign_in_and_password_reset_work_while_the_limiters_redis_is_down(
    people: People,
    limited_by_redis: Flask,
    redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="flask-limiter")
    client = limited_by_redis.test_client()
    assert sign_in_with_password(client, "bor@globex.test", "guess").status_code == 401
    assert Redis.from_url(redis_server.url).keys("LIMITS*"), "while it runs, the counts live in Redis"

    redis_server.stop()

    with smtp_for(limited_by_redis, monkeypatch) as inbox:
        owner = limited_by_redis.test_client()
        assert sign_in_with_password(owner, "ana@acme.test", PASSWORD).status_code == 302
        assert owner.get("/").status_code == 200
        reset = client.post("/forgot-password", data={"email": "ana@acme.test"})
        assert reset.status_code == 200
        assert "If an account uses that address" in reset.text
        assert "/reset-password/" in link_in(inbox.messages[-1])
    assert any(
        record.levelno == logging.WARNING and record.getMessage() == FALLING_BACK for record in caplog.records
    ), "the switch to memory is logged as a warning"

    for _ in range(3):
        assert sign_in_with_password(client, "bor@globex.test", "guess").status_code == 401
    assert sign_in_with_password(client, "bor@globex.test", PASSWORD).status_code == 429, "limits still hold"

    redis_server.start()
    _wait_for_recovery(client, caplog)
    assert sign_in_with_password(client, "ana@acme.test", "guess").status_code == 401
    assert Redis.from_url(redis_server.url).keys("LIMITS*"), "back on Redis, the counts are shared again"
