"""A large tenant for benchmarks (``flask lms seed-demo --tenant bulk --users 10000 ...``).

Rows go in by the set, not one ORM object at a time: executemany batches, and on
PostgreSQL ``COPY`` for the biggest tables, so 10,000 users and 1,000,000 section
completions take well under three minutes. Tenant ids are written explicitly here;
this is a CLI command, not request code.

What the reports need (issue 13: demo data): every fourth module expires after a year
and every other one has a quiz; each group's first assignment is mandatory and overdue
(members joined 120 days ago, assigned 60 days ago, 30 days to finish), its second is
mandatory and due in 20 days; certificates for a tenth of the assigned (learner, module)
pairs by default, completed over the past 15 months, so expiries spread from the past
into the next months; quiz attempts, passed and failed; about 20 usage sessions per
learner over the last 12 weeks.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import click
import sqlalchemy as sa

from lms.demo.seed import DEMO_PASSWORD
from lms.extensions import db
from lms.models import (
    Certificate,
    Group,
    Membership,
    Module,
    ModuleGroup,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Section,
    SectionCompletion,
    Tenant,
    User,
    UserGroup,
    UserSession,
    XpTransaction,
)
from lms.models.enums import Difficulty, ModuleStatus, QuestionType, SectionType, TenantPlan, TenantRole
from lms.models.types import utcnow
from lms.services import xp_rebuild
from lms.services.certificates import expiry, new_code
from lms.services.passwords import hash_password
from lms.tenancy import tenant_context

CHUNK = 20_000
ASSIGNMENTS_PER_GROUP = 5
VALIDITY_MONTHS = 12
PASSING_SCORE = 70
USAGE_WEEKS = 12
FIRST_NAMES = ("Ana", "Bor", "Cene", "Daša", "Eva", "Filip", "Gal", "Hana", "Ivan", "Jana", "Klemen", "Lara")
LAST_NAMES = (
    "Novak",
    "Horvat",
    "Kovačič",
    "Krajnc",
    "Zupančič",
    "Potočnik",
    "Kos",
    "Vidmar",
    "Golob",
    "Mlakar",
)


@dataclass(frozen=True)
class BulkSize:
    slug: str
    users: int
    modules: int
    sections_per_module: int
    groups: int
    completions: int
    xp_transactions: int = 0
    certificates: int | None = None  # None: a tenth of the assigned (learner, module) pairs
    attempts: int | None = None  # quiz attempts; None: one per learner
    sessions_per_user: int = 20  # usage sessions over the last 12 weeks

    @property
    def sections(self) -> int:
        return self.modules * self.sections_per_module

    @property
    def quizzes(self) -> int:
        """Every other module has a quiz."""
        return self.modules // 2

    @property
    def assigned_pairs(self) -> int:
        """(learner, module) pairs assigned through each learner's first group."""
        return self.users * min(ASSIGNMENTS_PER_GROUP, self.modules)

    @property
    def certificate_count(self) -> int:
        return self.assigned_pairs // 10 if self.certificates is None else self.certificates

    @property
    def attempt_count(self) -> int:
        if not self.quizzes:
            return 0
        return self.users if self.attempts is None else self.attempts

    @property
    def total_rows(self) -> int:
        """Rows the build writes, for the progress bar."""
        people = 2 * (self.users + 1)
        group_links = self.users + ((self.users + 2) // 3 if self.groups > 1 else 0)
        assignments = self.groups * min(ASSIGNMENTS_PER_GROUP, self.modules)
        ledger = self.xp_transactions + (self.users if self.xp_transactions else 0)
        reports = 2 * self.quizzes + self.certificate_count + self.attempt_count + self.users * self.sessions_per_user
        return (
            people
            + self.groups
            + group_links
            + self.modules
            + self.sections
            + assignments
            + self.completions
            + ledger
            + reports
        )


def seed_bulk(size: BulkSize) -> None:
    """Build the bulk tenant in one transaction, with a progress bar; refuse an existing slug."""
    if db.session.scalar(sa.select(Tenant.id).where(Tenant.slug == size.slug)) is not None:
        raise click.ClickException(f"tenant {size.slug!r} exists already; choose another --tenant")
    if size.completions > size.users * size.sections:
        raise click.ClickException(
            f"--completions {size.completions} is more than users x sections ({size.users * size.sections})"
        )
    if size.certificates is not None and size.certificates > size.assigned_pairs:
        raise click.ClickException(
            f"--certificates {size.certificates} is more than assigned learner-module pairs ({size.assigned_pairs})"
        )
    now = utcnow()
    rng = random.Random(size.slug)  # noqa: S311 - demo timestamps, not secrets
    tenant = Tenant(slug=size.slug, name=f"Bulk {size.slug}", locale="en", plan=TenantPlan.PRO)
    db.session.add(tenant)
    db.session.flush()
    connection = db.session.connection()
    with click.progressbar(length=size.total_rows, label=f"building tenant {size.slug}") as bar:
        writer = _Writer(connection, tenant.id, now, bar)
        user_ids = writer.users(size, hash_password(DEMO_PASSWORD))
        group_ids = writer.insert_returning(
            Group, [{"name": f"Group {n + 1:03d}", "color": "#2d6a4f"} for n in range(size.groups)]
        )
        joined = now - timedelta(days=120)
        writer.insert(UserGroup, [{**row, "created_at": joined} for row in _memberships_of_groups(user_ids, group_ids)])
        module_ids = writer.insert_returning(
            Module,
            [
                {
                    "title": f"Module {n + 1:04d}",
                    "description": f"Bulk module {n + 1} for benchmarks.",
                    "status": ModuleStatus.PUBLISHED,
                    "difficulty": list(Difficulty)[n % 3],
                    "published_at": now - timedelta(days=90),
                    "validity_months": VALIDITY_MONTHS if n % 4 == 0 else None,
                }
                for n in range(size.modules)
            ],
        )
        section_rows = [
            {
                "module_id": module_id,
                "title": f"Section {s + 1}",
                "type": SectionType.TEXT,
                "content": f"<p>Section {s + 1} of module {module_id}.</p>",
                "search_text": f"Section {s + 1} of module {module_id}.",
                "sort_order": s,
            }
            for module_id in module_ids
            for s in range(size.sections_per_module)
        ]
        section_ids = writer.insert_returning(Section, section_rows)
        section_modules = [row["module_id"] for row in section_rows]
        assignments = {
            group_id: [module_ids[(g + k) % len(module_ids)] for k in range(min(ASSIGNMENTS_PER_GROUP, size.modules))]
            for g, group_id in enumerate(group_ids)
        }
        writer.insert(
            ModuleGroup,
            [
                {"module_id": module_id, "group_id": group_id, **_assignment(k, now)}
                for group_id, module_ids_of_group in assignments.items()
                for k, module_id in enumerate(module_ids_of_group)
            ],
        )
        writer.bulk_copy(
            SectionCompletion,
            _completions(size, user_ids, section_ids, section_modules, now, rng),
            ("user_id", "module_id", "section_id", "completed_at"),
        )
        validity = {module_id: VALIDITY_MONTHS if n % 4 == 0 else None for n, module_id in enumerate(module_ids)}
        first_groups = [group_ids[i % len(group_ids)] for i in range(len(user_ids))]
        writer.bulk_copy(
            Certificate,
            _certificates(size, user_ids, first_groups, assignments, validity, now, rng),
            ("user_id", "module_id", "unique_code", "module_version", "completed_at", "issued_at", "expires_at"),
        )
        quiz_ids = writer.insert_returning(
            Quiz,
            [
                {"module_id": module_id, "title": f"Quiz of module {n + 1:04d}", "passing_score": PASSING_SCORE}
                for n, module_id in enumerate(module_ids)
                if n % 2 == 1
            ],
        )
        writer.insert(
            QuizQuestion,
            [
                {
                    "quiz_id": quiz_id,
                    "type": QuestionType.SINGLE_CHOICE,
                    "text": "Which answer is right?",
                    "options": [{"text": "This one", "correct": True}, {"text": "That one", "correct": False}],
                }
                for quiz_id in quiz_ids
            ],
        )
        writer.bulk_copy(
            QuizAttempt,
            _attempts(size, user_ids, quiz_ids, now, rng),
            ("quiz_id", "user_id", "attempt_number", "started_at", "submitted_at", "score", "passed", "answers"),
        )
        writer.bulk_copy(
            UserSession,
            _usage_sessions(size, user_ids, now, rng),
            ("user_id", "started_at", "last_ping_at", "duration_seconds", "created_at"),
        )
        if size.xp_transactions:
            writer.bulk_copy(
                XpTransaction,
                _ledger(size, user_ids, now, rng),
                ("user_id", "amount", "source", "source_entity_id", "reason", "created_at"),
            )
            with tenant_context(tenant.id):
                xp_rebuild.rebuild(tenant.id)
            bar.update(size.users)
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # Fresh statistics: planned on the empty tables' numbers, a learner's progress query
        # scans a million completions (seconds) instead of using the per-user index (ms).
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    click.echo(
        f"tenant {size.slug}: {size.users} users, {size.modules} modules, "
        f"{size.sections} sections, {size.completions} completions, {size.xp_transactions} XP transactions, "
        f"{size.certificate_count} certificates, {size.attempt_count} quiz attempts, "
        f"{size.users * size.sessions_per_user} usage sessions"
    )


def _assignment(k: int, now: datetime) -> dict:
    """A group's k-th assignment: the first mandatory and overdue, the second mandatory and due soon."""
    if k == 0:
        return {"deadline_days": 30, "is_mandatory": True, "created_at": now - timedelta(days=60)}
    if k == 1:
        return {"deadline_days": 60, "is_mandatory": True, "created_at": now - timedelta(days=40)}
    return {"deadline_days": 30, "is_mandatory": False}


def _certificates(
    size: BulkSize,
    user_ids: list[int],
    first_groups: list[int],
    assignments: dict[int, list[int]],
    validity: dict[int, int | None],
    now: datetime,
    rng: random.Random,
) -> Iterator[tuple]:
    """One certificate each for distinct assigned (learner, module) pairs, completed over the past 15 months."""
    per_user = min(ASSIGNMENTS_PER_GROUP, size.modules)
    for pair in sorted(rng.sample(range(size.assigned_pairs), size.certificate_count)):
        index, k = divmod(pair, per_user)
        module_id = assignments[first_groups[index]][k]
        completed = now - timedelta(minutes=rng.randrange(15 * 30 * 24 * 60))
        yield user_ids[index], module_id, new_code(), 1, completed, completed, expiry(completed, validity[module_id])


def _attempts(
    size: BulkSize, user_ids: list[int], quiz_ids: list[int], now: datetime, rng: random.Random
) -> Iterator[tuple]:
    """Attempts over the past half year, about two in three passed; numbered per learner and quiz."""
    per_round = len(user_ids) * len(quiz_ids)
    for index in range(size.attempt_count):
        number, rest = divmod(index, per_round)
        user_id, quiz_id = user_ids[rest % len(user_ids)], quiz_ids[rest // len(user_ids)]
        started = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
        score = 100.0 if rng.random() < 0.65 else 0.0
        submitted = started + timedelta(minutes=rng.randrange(2, 20))
        yield quiz_id, user_id, number + 1, started, submitted, score, score >= PASSING_SCORE, {}


def _usage_sessions(size: BulkSize, user_ids: list[int], now: datetime, rng: random.Random) -> Iterator[tuple]:
    """Each learner's sessions over the last 12 weeks, 5 to 40 minutes long."""
    span = USAGE_WEEKS * 7 * 24 * 60 - 60
    for user_id in user_ids:
        for _ in range(size.sessions_per_user):
            started = now - timedelta(minutes=60 + rng.randrange(span))
            duration = rng.randrange(5 * 60, 40 * 60 + 1)
            yield user_id, started, started + timedelta(seconds=duration), duration, started


def _ledger(
    size: BulkSize, user_ids: list[int], now: datetime, rng: random.Random
) -> Iterator[tuple[int, int, str, str, str, datetime]]:
    """Manual awards spread over the last year (so "this month" boards differ from all-time ones)."""
    for index in range(size.xp_transactions):
        created = now - timedelta(minutes=rng.randrange(365 * 24 * 60))
        amount = rng.randrange(5, 120)
        yield user_ids[index % len(user_ids)], amount, "MANUAL", f"bulk-{index}", "Bulk award", created


def _memberships_of_groups(user_ids: list[int], group_ids: list[int]) -> list[dict]:
    rows = [{"user_id": uid, "group_id": group_ids[i % len(group_ids)]} for i, uid in enumerate(user_ids)]
    if len(group_ids) > 1:
        rows += [
            {"user_id": uid, "group_id": group_ids[(i + 1) % len(group_ids)]}
            for i, uid in enumerate(user_ids)
            if i % 3 == 0
        ]
    return rows


def _completions(
    size: BulkSize,
    user_ids: list[int],
    section_ids: list[int],
    section_modules: list[int],
    now: datetime,
    rng: random.Random,
) -> Iterator[tuple[int, int, int, datetime]]:
    """Each learner completes a run of consecutive sections from a spread-out start: no duplicates."""
    per_user, extra = divmod(size.completions, len(user_ids))
    total = len(section_ids)
    for index, user_id in enumerate(user_ids):
        count = per_user + (1 if index < extra else 0)
        start = (index * 7919) % total
        for offset in range(count):
            position = (start + offset) % total
            completed = now - timedelta(minutes=rng.randrange(180 * 24 * 60))
            yield user_id, section_modules[position], section_ids[position], completed


def _copy_text(value: object) -> str:
    """A value in COPY's text format: NULL as ``\\N``, JSON as JSON, times in ISO."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


class _Progress(Protocol):
    def update(self, n_steps: int) -> None: ...


class _Writer:
    def __init__(self, connection: sa.Connection, tenant_id: int, now: datetime, bar: _Progress) -> None:
        self.connection = connection
        self.tenant_id = tenant_id
        self.now = now
        self.bar = bar

    def _stamp(self, rows: Iterable[dict]) -> list[dict]:
        return [{"tenant_id": self.tenant_id, "created_at": self.now, "updated_at": self.now, **row} for row in rows]

    def insert(self, model: type, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            chunk = self._stamp(rows[start : start + CHUNK])
            self.connection.execute(sa.insert(model.__table__), chunk)
            self.bar.update(len(chunk))

    def insert_returning(self, model: type, rows: list[dict]) -> list[int]:
        ids: list[int] = []
        table = model.__table__
        for start in range(0, len(rows), CHUNK):
            chunk = self._stamp(rows[start : start + CHUNK])
            result = self.connection.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk
            )
            ids += list(result.scalars())
            self.bar.update(len(chunk))
        return ids

    def users(self, size: BulkSize, password_hash: str) -> list[int]:
        table = User.__table__
        rows = [
            {
                "email": f"user{n:06d}@{size.slug}.test",
                "name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n // 7) % len(LAST_NAMES)]}",
                "password_hash": password_hash,
                "created_at": self.now,
                "updated_at": self.now,
            }
            for n in range(1, size.users + 1)
        ]
        rows.append(
            {
                "email": f"hr@{size.slug}.test",
                "name": "Bulk HR",
                "password_hash": password_hash,
                "created_at": self.now,
                "updated_at": self.now,
            }
        )
        ids: list[int] = []
        for start in range(0, len(rows), CHUNK):
            result = self.connection.execute(
                sa.insert(table).returning(table.c.id, sort_by_parameter_order=True),
                rows[start : start + CHUNK],
            )
            ids += list(result.scalars())
            self.bar.update(len(rows[start : start + CHUNK]))
        *learners, hr = ids
        self.insert(Membership, [{"user_id": uid, "role": TenantRole.EMPLOYEE} for uid in learners])
        self.insert(Membership, [{"user_id": hr, "role": TenantRole.HR}])
        return learners

    def bulk_copy(self, model: type, rows: Iterator[tuple], columns: tuple[str, ...]) -> None:
        """PostgreSQL: COPY in chunks (an order of magnitude faster); elsewhere executemany.

        ``created_at`` is now unless the rows bring their own.
        """
        table = model.__table__
        stamps = ("updated_at",) if "created_at" in columns else ("created_at", "updated_at")
        all_columns = ("tenant_id", *stamps, *columns)
        postgres = self.connection.dialect.name == "postgresql"
        chunk: list[tuple] = []
        for row in rows:
            chunk.append((self.tenant_id, *(self.now for _ in stamps), *row))
            if len(chunk) >= CHUNK * 5:
                self._flush_copy(table, all_columns, chunk, postgres)
                chunk = []
        if chunk:
            self._flush_copy(table, all_columns, chunk, postgres)

    def _flush_copy(self, table: sa.Table, columns: tuple[str, ...], chunk: list[tuple], postgres: bool) -> None:
        if postgres:
            buffer = io.StringIO()
            for row in chunk:
                buffer.write("\t".join(_copy_text(value) for value in row))
                buffer.write("\n")
            buffer.seek(0)
            cursor = self.connection.connection.dbapi_connection.cursor()
            cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", buffer)
            cursor.close()
        else:
            self.connection.execute(sa.insert(table), [dict(zip(columns, row, strict=True)) for row in chunk])
        self.bar.update(len(chunk))
