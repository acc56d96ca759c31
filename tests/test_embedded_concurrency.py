"""Does the embedded default hold a handful of people at once? (issue 10, item 5)

Six learners on ``./bin/demo`` used to get "database is locked" 500s on module pages and
sign-ins. Here the README's quick start builds the SQLite database (``flask db upgrade``,
``flask lms seed-demo``, as the browser tests do) and gunicorn serves it with two worker
processes of four threads each, jobs inline and no Redis: a small office's install. Eight
learners of both demo companies sign in, read modules, complete sections and submit
quizzes over real HTTP for 20 seconds; not one request may fail, and no inline job either
(those fail in the server's log, not in a response).
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from lms.demo.seed import DEMO_PASSWORD
from tests.browser.conftest import LiveServer, _environment, _wait_for
from tests.conftest import ROOT
from tests.processes import flask_succeeds

LEARNERS = [f"learner{number}@{slug}.test" for slug in ("acme", "globex") for number in range(2, 6)]
DURATION = 20.0
SIGN_IN_AGAIN_EVERY = 6  # rounds of reading and answering between a sign-out and a sign-in
GUNICORN = ["--workers", "2", "--threads", "4", "--bind", "127.0.0.1:0", "--no-control-socket", "app:app"]

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
MODULE_LINK = re.compile(r'href="/modules/(\d+)"')
SECTION_LINK = re.compile(r'href="/modules/\d+\?section=(\d+)"')
COMPLETE_FORM = re.compile(r'action="/sections/(\d+)/complete"')
ATTEMPT_ID = re.compile(r'name="attempt_id"[^>]*value="(\d+)"')
OPTION = re.compile(r'name="(q-\d+)"\s+id="[^"]+"\s+value="(\d+)"')


@pytest.fixture(scope="module")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """gunicorn over a freshly migrated and seeded SQLite file, in development mode, jobs inline."""
    instance = tmp_path_factory.mktemp("embedded")
    env = _environment(f"sqlite:///{instance / 'mojster.db'}", instance)
    flask_succeeds(["db", "upgrade"], env)
    flask_succeeds(["lms", "seed-demo"], env)
    log = instance / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", *GUNICORN], cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        server = LiveServer(url=f"http://127.0.0.1:{_listening_port(log, process)}", log=log)
        _wait_for(server.url, process, server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _listening_port(log: Path, process: subprocess.Popen[bytes]) -> int:
    """gunicorn binds port 0 and names the port it got in its log."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not start:\n{log.read_text(errors='replace')[-4000:]}")


class _Unfollowed(urllib.request.HTTPRedirectHandler):
    """Redirects are answers to check (a sign-in is a 302), not to follow."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class Learner:
    """One person in a browser of their own: cookies, the form token, what was done and what failed."""

    def __init__(self, base_url: str, email: str) -> None:
        self.base_url = base_url
        self.email = email
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _Unfollowed)
        self.token = ""
        self.done: Counter[str] = Counter()
        self.errors: list[str] = []
        self.slowest = 0.0

    def request(self, action: str, path: str, form: dict[str, str] | None = None, expect: int = 200) -> str:
        """The page's HTML; a status other than ``expect``, or no answer, is an error."""
        data = urlencode({**form, "csrf_token": self.token}).encode() if form is not None else None
        started = time.monotonic()
        try:
            with self.opener.open(self.base_url + path, data, timeout=60) as response:
                status, body = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read().decode(errors="replace")
        except OSError as error:
            self.errors.append(f"{self.email} {action} {path}: {error}")
            return ""
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.done[action] += 1
        if status != expect:
            self.errors.append(f"{self.email} {action} {path}: HTTP {status}")
        token = CSRF.search(body)
        if token:
            self.token = token.group(1)
        return body

    def sign_in(self) -> None:
        self.request("sign-in page", "/login")
        self.request("sign-in", "/login", {"email": self.email, "password": DEMO_PASSWORD}, expect=302)

    def sign_out(self) -> None:
        self.request("sign-out", "/logout", {}, expect=302)

    def read_and_complete(self, module_id: str) -> None:
        """Open each section of the module, completing those the page offers to complete."""
        page = self.request("module page", f"/modules/{module_id}")
        for section_id in dict.fromkeys(SECTION_LINK.findall(page)):
            page = self.request("module page", f"/modules/{module_id}?section={section_id}")
            if section_id in COMPLETE_FORM.findall(page):
                self.request("section completion", f"/sections/{section_id}/complete", {}, expect=302)

    def answer_quiz(self, module_id: str) -> None:
        """Start an attempt when the quiz allows one and submit the first option of every question."""
        page = self.request("quiz page", f"/modules/{module_id}/quiz")
        if f'action="/modules/{module_id}/quiz/start"' in page:
            self.request("quiz start", f"/modules/{module_id}/quiz/start", {}, expect=302)
            page = self.request("quiz page", f"/modules/{module_id}/quiz")
        attempt = ATTEMPT_ID.search(page)
        if attempt is None:
            return  # no quiz, locked, or no attempts left
        answers = dict(reversed(OPTION.findall(page)))  # the first option of each question
        self.request(
            "quiz submit", f"/modules/{module_id}/quiz/submit", {"attempt_id": attempt.group(1), **answers}, 302
        )
        self.request("quiz result", f"/modules/{module_id}/quiz/result")

    def work_until(self, deadline: float) -> None:
        self.sign_in()
        modules = list(dict.fromkeys(MODULE_LINK.findall(self.request("catalog", "/modules"))))
        rounds = 0
        while time.monotonic() < deadline and not self.errors:
            module_id = modules[rounds % len(modules)]
            self.read_and_complete(module_id)
            self.answer_quiz(module_id)
            rounds += 1
            if rounds % SIGN_IN_AGAIN_EVERY == 0:
                self.sign_out()
                self.sign_in()


def test_eight_learners_at_once_on_the_embedded_default_meet_no_error(embedded_server: LiveServer) -> None:
    learners = [Learner(embedded_server.url, email) for email in LEARNERS]
    deadline = time.monotonic() + DURATION
    with ThreadPoolExecutor(max_workers=len(learners)) as pool:
        for finished in [pool.submit(learner.work_until, deadline) for learner in learners]:
            finished.result()

    errors = [error for learner in learners for error in learner.errors]
    done = sum((learner.done for learner in learners), Counter())
    slowest = max(learner.slowest for learner in learners)
    print(f"{sum(done.values())} requests in {DURATION:.0f} s, slowest {slowest:.2f} s: {dict(done)}")
    assert errors == [], f"{errors[:10]}\n{embedded_server.log_tail()}"
    for action in ("sign-in", "module page", "section completion", "quiz submit"):
        assert done[action] > 0, f"nobody got to {action}: {dict(done)}"
    server_log = embedded_server.log.read_text(errors="replace")
    assert "Traceback" not in server_log, embedded_server.log_tail(80)
