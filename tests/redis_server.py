"""A ``redis-server`` of the test's own, on a free local port, that the test stops and starts.

For fault tests (issue 10): the shared Redis of ``TEST_REDIS_URL`` must stay up for the
other tests, so a test that takes Redis away runs one nobody else uses. Tests get it from
the ``redis_server`` fixture (tests/conftest.py), the suite's Redis from ``redis``.
"""

from __future__ import annotations

import subprocess
import time

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from tests.smtp import free_port


class RedisServer:
    """``redis-server`` without persistence on one port, across stops and starts."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and return once it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except RedisConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None
