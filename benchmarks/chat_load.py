"""One module's chat room under load over HTTP: 50 clients polling while 5 post (issue 15, "Proof").

Not a test, and not for any host but this one, nor for a database that matters: it adds
members to a demo company. It starts gunicorn on 127.0.0.1 with the README's
production command (``http_load.gunicorn``: gthread workers, ``--preload``, the SQL
tally of ``gunicorn_sql.py``), signs ``--pollers`` + ``--posters`` distinct members in
through the login form and opens one module's room for each, as a browser does (the
page, then its script). For ``--seconds`` every poller then asks for the messages after
the newest one it holds every ``--poll-every`` seconds, as ``static/js/chat.js`` does
(and again at once when the answer says more follow), while every poster sends a
message every ``--post-every`` seconds, through the same JSON request as the script's
form. Clients start spread over one interval, as tabs opened at different times are.

It prints requests per second, p50 / p95 / p99 latency, errors and the statements per
request (from the server's ``X-Benchmark-SQL`` header) for polls that found nothing,
polls that brought messages, and posts; then how long a posted message took to reach
the pollers (from the moment its post was sent to the answer of the poll that brought
it), which the poll interval dominates by design (``lms/learner/chat.py``).

The demo companies must exist; the script runs ``flask lms seed-demo`` when the tenant
is missing. The members are ``chatload01@<tenant>.test`` … (password: ``PASSWORD``),
made through the invite path (``services.invites.accept_invite`` on a token issued as an
invite issues it, minus the mail) the first time and reused after. Posting is limited
to 20 a minute per person (``chat.POST_LIMIT``): ``--post-every`` below 3 s meets it.
On a throwaway database:

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE chatload'
    export LMS_ENV=development DATABASE_URL=postgresql://postgres@127.0.0.1:5432/chatload
    flask --app app db upgrade && flask --app app lms seed-demo
    REDIS_URL=redis://127.0.0.1:6379/0 python benchmarks/chat_load.py --seconds 60
    psql -h 127.0.0.1 -U postgres -c 'DROP DATABASE chatload'
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import SQL_HEADER, Browser, Sample, _percentile, ensure_tenant, gunicorn

from lms.models import Tenant

# The demo password is on the list of common ones an invite refuses; this one passes.
PASSWORD = "chat-load-benchmark"  # noqa: S105 - the benchmark's own throwaway members
TABLE_HEADER = (
    "| request | requests | req/s | p50 ms | p95 ms | p99 ms | errors | queries (median) | queries (max) | SQL ms |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


@dataclass
class Poll(Sample):
    """A poll's sample, and how many messages it brought."""

    messages: int = 0


class ChatClient(Browser):
    """A signed-in member with one room open: the page's newest message id and its CSRF token."""

    def __init__(self, port: int, room: str) -> None:
        super().__init__(port)
        self.room = room
        self.newest = 0
        self.csrf = ""
        self.seen: list[tuple[int, float]] = []  # (message id, when a poll brought it)
        self.polls: list[Poll] = []
        self.posts: list[Sample] = []
        self.posted: list[tuple[int, float]] = []  # (message id, when its post was sent)
        self.statuses: dict[int, int] = {}
        self.reconnects = 0

    def request(
        self, method: str, path: str, body: str | None = None, *, script: bool = False
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """As ``Browser.request``; ``script`` adds the headers ``chat.js`` sends (JSON, the CSRF token)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if script:
            headers.update({"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"})
            headers["X-CSRFToken"] = self.csrf
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closes a keep-alive connection idle for 2 s, shorter than a poll's
                # interval; a browser then sends the request again on a new one, and so does this.
                self.connection.close()
                if attempt == 2:
                    raise
                self.reconnects += 1
            except (OSError, http.client.HTTPException):
                self.connection.close()
                raise
        for header in response.headers.get_all("Set-Cookie") or ():
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content

    def open_room(self) -> None:
        """The room's page: its newest message and the token its script sends (the first visit writes JOIN)."""
        response, page = self.request("GET", self.room)
        if response.status != 200:
            raise SystemExit(f"{self.room} answered {response.status}")
        token = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page)
        if token is None:
            raise SystemExit(f"no csrf-token on {self.room}")
        self.csrf = token.group(1).decode()
        self.newest = max((int(n) for n in re.findall(rb'data-id="(\d+)"', page)), default=0)

    def _tally(self, response: http.client.HTTPResponse) -> tuple[int, float]:
        self.statuses[response.status] = self.statuses.get(response.status, 0) + 1
        statements, _, sql_ms = (response.headers.get(SQL_HEADER) or "0;0").partition(";")
        return int(statements), float(sql_ms)

    def poll(self) -> bool:
        """One ``?after=<newest>``; True when the answer says more messages follow."""
        started = time.perf_counter()
        try:
            response, content = self.request("GET", f"{self.room}/messages?after={self.newest}", script=True)
        except (OSError, http.client.HTTPException):
            self.polls.append(Poll((time.perf_counter() - started) * 1000, ok=False))
            self.statuses[0] = self.statuses.get(0, 0) + 1
            return False
        now = time.perf_counter()
        statements, sql_ms = self._tally(response)
        ok = response.status == 200
        data = json.loads(content) if ok else {}
        messages = data.get("messages", [])
        for message in messages:
            self.seen.append((message["id"], now))
            self.newest = max(self.newest, message["id"])
        self.polls.append(Poll((now - started) * 1000, ok, statements, sql_ms, len(messages)))
        return bool(data.get("more"))

    def post(self, text: str) -> None:
        """A message as the script's form sends it; 201 with the new id is success."""
        started = time.perf_counter()
        body = urlencode({"csrf_token": self.csrf, "body": text})
        try:
            response, content = self.request("POST", f"{self.room}/messages", body, script=True)
        except (OSError, http.client.HTTPException):
            self.posts.append(Sample((time.perf_counter() - started) * 1000, ok=False))
            self.statuses[0] = self.statuses.get(0, 0) + 1
            return
        ms = (time.perf_counter() - started) * 1000
        statements, sql_ms = self._tally(response)
        ok = response.status == 201
        if ok:
            self.posted.append((json.loads(content)["id"], started))
        self.posts.append(Sample(ms, ok, statements, sql_ms))


def prepare(env: dict[str, str], slug: str, count: int, module_id: int | None) -> tuple[list[str], int]:
    """The members' addresses (made through the invite path when missing) and the room's module.

    The module is ``module_id``, else the tenant's published module whose room holds the
    most messages (the seeded chat history), so polls read a room with a past.
    """
    os.environ.update(env)
    from lms import create_app
    from lms.extensions import db
    from lms.models import ChatMessage, Module, User
    from lms.models.enums import EmailTokenType, ModuleStatus, TenantRole
    from lms.services import invites, tokens
    from lms.tenancy import tenant_context

    app = create_app()
    emails = [f"chatload{n:02d}@{slug}.test" for n in range(1, count + 1)]
    with app.test_request_context():
        tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
        for n, email in enumerate(emails, start=1):
            if db.session.scalar(sa.select(User.id).where(User.email == email)) is None:
                token = tokens.issue(
                    EmailTokenType.INVITE, email, timedelta(hours=1), tenant_id=tenant.id, role=TenantRole.EMPLOYEE
                )
                invites.accept_invite(token, name=f"Chat load {n}", password=PASSWORD)
        db.session.commit()
        if module_id is None:
            with tenant_context(tenant.id):
                module_id = db.session.scalar(
                    sa.select(Module.id)
                    .outerjoin(ChatMessage, ChatMessage.module_id == Module.id)
                    .where(Module.status == ModuleStatus.PUBLISHED)
                    .group_by(Module.id)
                    .order_by(sa.func.count(ChatMessage.id).desc(), Module.id)
                    .limit(1)
                )
        db.session.remove()
    if module_id is None:
        raise SystemExit(f"{slug} has no published module")
    return emails, module_id


def _row(name: str, samples: list[Sample], seconds: float) -> str:
    good = [s for s in samples if s.ok]
    errors = len(samples) - len(good)
    if not good:
        return f"| {name} | {len(samples)} | {len(samples) / seconds:.1f} | - | - | - | {errors} | - | - | - |"
    times = sorted(s.ms for s in good)
    statements = [s.statements for s in good]
    return (
        f"| {name} | {len(samples)} | {len(samples) / seconds:.1f} | {_percentile(times, 50):.1f}"
        f" | {_percentile(times, 95):.1f} | {_percentile(times, 99):.1f} | {errors}"
        f" | {statistics.median(statements):.0f} | {max(statements)}"
        f" | {statistics.median(s.sql_ms for s in good):.1f} |"
    )


def run(pollers: list[ChatClient], posters: list[ChatClient], arguments: argparse.Namespace) -> float:
    """Every client on its own thread until ``--seconds`` pass; returns the seconds measured."""
    clock: dict[str, float] = {}
    everyone = pollers + posters
    start = threading.Barrier(len(everyone), action=lambda: clock.update(began=time.perf_counter()))

    def loop(client: ChatClient, phase: float, every: float, act: Callable[[ChatClient], None]) -> None:
        start.wait()
        due = clock["began"] + phase
        end = clock["began"] + arguments.seconds
        while due < end:
            time.sleep(max(0.0, due - time.perf_counter()))
            act(client)
            due += every

    def poll(client: ChatClient) -> None:
        while client.poll():  # chat.js asks again at once while more follow
            pass

    sent = iter(range(1, 10**9))

    def post(client: ChatClient) -> None:
        client.post(f"Load test message {next(sent)}: does the answer in https://example.com/a?b=1 still hold?")

    threads = [
        threading.Thread(
            target=loop, args=(c, n * arguments.poll_every / len(pollers), arguments.poll_every, poll), daemon=True
        )
        for n, c in enumerate(pollers)
    ] + [
        threading.Thread(
            target=loop, args=(c, n * arguments.post_every / len(posters), arguments.post_every, post), daemon=True
        )
        for n, c in enumerate(posters)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - clock["began"]


def report(pollers: list[ChatClient], posters: list[ChatClient], seconds: float) -> None:
    polls = [p for c in pollers for p in c.polls]
    posts = [p for c in posters for p in c.posts]
    print(TABLE_HEADER)
    print(_row("poll, nothing new", [p for p in polls if p.ok and p.messages == 0], seconds))
    print(_row("poll, with messages", [p for p in polls if p.ok and p.messages > 0], seconds))
    print(_row("every poll", polls, seconds))
    print(_row("post", posts, seconds))
    print(_row("all", [*polls, *posts], seconds))
    statuses: dict[int, int] = {}
    for client in pollers + posters:
        for status, n in client.statuses.items():
            statuses[status] = statuses.get(status, 0) + n
    counted = ", ".join(f"{status or 'no answer'}: {n}" for status, n in sorted(statuses.items()))
    reconnects = sum(client.reconnects for client in pollers + posters)
    print(f"\n{seconds:.1f} s; HTTP statuses: {counted}; requests sent again on a new connection: {reconnects}")
    sent = {message_id: at for c in posters for message_id, at in c.posted}
    delays = sorted(at - sent[m] for c in pollers for m, at in c.seen if m in sent)
    expected = len(sent) * len(pollers)
    if delays:
        print(
            f"delivery of {len(sent)} posted messages to {len(pollers)} pollers: {len(delays)} of {expected} "
            f"seen within the run; p50 {_percentile(delays, 50):.2f} s, p95 {_percentile(delays, 95):.2f} s, "
            f"max {delays[-1]:.2f} s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="default: $REDIS_URL (limiter)")
    parser.add_argument("--tenant", default="acme", help="a demo company (default acme)")
    parser.add_argument("--module", type=int, default=None, help="the room's module id (default: the busiest room)")
    parser.add_argument("--pollers", type=int, default=50, help="members polling the room (default 50)")
    parser.add_argument("--posters", type=int, default=5, help="members posting in it (default 5)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the load lasts (default 60)")
    parser.add_argument("--poll-every", type=float, default=3.0, help="seconds between polls, as chat.js (default 3)")
    parser.add_argument("--post-every", type=float, default=4.0, help="seconds between one poster's posts (default 4)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: cores)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("set DATABASE_URL or --database-url (PostgreSQL, at the latest migration)")
    if arguments.pollers < 1 or arguments.posters < 1:
        parser.error("--pollers and --posters must be at least 1")

    env = {
        **os.environ,
        "LMS_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": arguments.database_url,
        "REDIS_URL": arguments.redis_url,
        "BASE_URL": "http://127.0.0.1",
    }
    ensure_tenant(arguments.database_url, arguments.tenant, env, [], "the demo companies (flask lms seed-demo)")
    emails, module_id = prepare(env, arguments.tenant, arguments.pollers + arguments.posters, arguments.module)
    room = f"/modules/{module_id}/chat"
    with gunicorn(env, arguments.workers, arguments.threads) as port:
        clients = [ChatClient(port, room) for _ in emails]
        for client, email in zip(clients, emails, strict=True):
            client.sign_in(email, PASSWORD)
            client.open_room()
            client.poll()  # warm-up: the connection and the script's first poll
            client.polls.clear()
            client.seen.clear()
            client.statuses.clear()
        pollers, posters = clients[: arguments.pollers], clients[arguments.pollers :]
        print(
            f"room {room}: {len(pollers)} pollers every {arguments.poll_every:g} s, {len(posters)} posters every "
            f"{arguments.post_every:g} s, {arguments.seconds:g} s, {arguments.workers} workers x "
            f"{arguments.threads} threads\n",
            flush=True,
        )
        seconds = run(pollers, posters, arguments)
        report(pollers, posters, seconds)


if __name__ == "__main__":
    main()
