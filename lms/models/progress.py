"""Progress and assessment: completed sections, quizzes and attempts, certificates, overrides."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, owned_rows, same_tenant_fk
from lms.models.enums import QuestionType
from lms.models.types import Json, UtcDateTime, enum_type, utcnow

if TYPE_CHECKING:
    from lms.models.content import Module, Section
    from lms.models.users import User


class SectionCompletion(TenantScoped, Timestamps, db.Model):
    """A learner finished a section; at most one row per user and section.

    The unique pair makes "mark complete" idempotent (a double click inserts nothing).
    Addition: ``module_id``, copied from the section so progress per module is one
    set-based query over a million rows without joining sections. The foreign key
    ``(tenant_id, module_id, section_id) -> section(tenant_id, module_id, id)`` proves
    in the database that the copy is right and that the section is of the same tenant.
    """

    __tablename__ = "section_completion"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    section_id: Mapped[int] = mapped_column()
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    section: Mapped[Section] = relationship(foreign_keys=[section_id])

    __table_args__ = (
        sa.UniqueConstraint("user_id", "section_id"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "module_id", "section_id"],
            ["section.tenant_id", "section.module_id", "section.id"],
            ondelete="CASCADE",
        ),
        sa.Index(None, "user_id", "tenant_id"),
        sa.Index(None, "tenant_id", "module_id", "section_id"),
        # Reports (issue 13): a page of learners' cells and their first steps; activity over a period.
        sa.Index(None, "tenant_id", "user_id", "module_id", "completed_at"),
        sa.Index(None, "tenant_id", "completed_at"),
    )


class Quiz(TenantScoped, Timestamps, db.Model):
    """The quiz of a module; a module has at most one (DESIGN.md: completion).

    ``max_attempts`` null = unlimited; ``time_limit`` in minutes, null = untimed,
    enforced on the server at submit (DESIGN.md: quizzes). ``passing_score`` defaults to
    70 %, a choice: the spec gives no default. Addition: ``title``.

    How an attempt is put together (issue 14, item 3): ``shuffle_questions`` and
    ``shuffle_options`` change the order each attempt shows; ``draw_count`` (null = every
    question) draws that many questions of the quiz's pool at random for each attempt.
    The draw is stored on the attempt (``QuizAttempt.drawn_questions``).
    """

    __tablename__ = "quiz"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200), default="")
    passing_score: Mapped[int] = mapped_column(default=70)
    max_attempts: Mapped[int | None] = mapped_column()
    time_limit: Mapped[int | None] = mapped_column()
    shuffle_questions: Mapped[bool] = mapped_column(default=False)
    shuffle_options: Mapped[bool] = mapped_column(default=False)
    draw_count: Mapped[int | None] = mapped_column()

    module: Mapped[Module] = relationship(foreign_keys=[module_id], back_populates="quiz")
    questions: Mapped[list[QuizQuestion]] = owned_rows(
        "quiz", "QuizQuestion.quiz_id", order_by="QuizQuestion.sort_order, QuizQuestion.id"
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.CheckConstraint("passing_score BETWEEN 1 AND 100", name="passing_score_range"),
        sa.CheckConstraint("max_attempts IS NULL OR max_attempts >= 1", name="max_attempts_positive"),
        sa.CheckConstraint("time_limit IS NULL OR time_limit >= 1", name="time_limit_positive"),
        sa.CheckConstraint("draw_count IS NULL OR draw_count >= 1", name="draw_count_positive"),
    )

    def __str__(self) -> str:
        return self.title


class QuizQuestion(TenantScoped, Timestamps, db.Model):
    """A question of a quiz, asked in ``sort_order``.

    ``options`` (JSON, the spec gives no shape) is a list of
    ``{"text": str, "correct": bool}``; answers refer to options by their index in it.
    The correct flags never leave the server (DESIGN.md: quizzes).
    """

    __tablename__ = "quiz_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column()
    type: Mapped[QuestionType] = mapped_column(enum_type(QuestionType), default=QuestionType.SINGLE_CHOICE)
    text: Mapped[str] = mapped_column(sa.Text)
    options: Mapped[list[dict[str, Any]]] = mapped_column(Json, default=list)
    points: Mapped[int] = mapped_column(default=1)
    sort_order: Mapped[int] = mapped_column(default=0)

    quiz: Mapped[Quiz] = relationship(foreign_keys=[quiz_id], back_populates="questions")

    __table_args__ = (
        same_tenant_fk(["tenant_id", "quiz_id"], "quiz"),
        sa.Index(None, "tenant_id", "quiz_id"),
        sa.CheckConstraint("points >= 1", name="points_positive"),
    )

    def __str__(self) -> str:
        return self.text[:80]


class QuizAttempt(TenantScoped, Timestamps, db.Model):
    """One try at a quiz; kept forever as history, never overwritten (DESIGN.md).

    Started when the learner opens the quiz, scored on the server at submit:
    ``score`` is points earned / points possible * 100 (a float, the spec gives no
    type; null until submitted). ``answers`` (JSON) maps a question id (as a string)
    to the list of chosen option indexes: ``{"12": [0], "13": [1, 3]}``.
    ``failure_reason`` says why a submitted attempt failed outside scoring, e.g.
    ``"time_limit"`` for a submit after the limit and its 30 s grace.
    Additions: ``started_at``, ``submitted_at``, ``failure_reason`` and ``attempt_number``
    (1, 2, … per user and quiz): its unique key makes two concurrent starts collide, so
    ``max_attempts`` holds without a check-then-insert race (STYLE.md: data).
    ``drawn_questions`` (issue 14, item 3) is what this attempt asks, fixed when it starts:
    ``[{"id": 12, "options": [1, 0]}, …]``, the questions in the order shown, each with
    its option indexes in the order shown. Scoring and review read it, so a reshuffle, a
    new draw or a question added later never changes an attempt. Null on attempts started
    before migration 0011: those asked every question of the quiz in its order.
    """

    __tablename__ = "quiz_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column()
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    attempt_number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    score: Mapped[float | None] = mapped_column()
    passed: Mapped[bool] = mapped_column(default=False)
    answers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    failure_reason: Mapped[str | None] = mapped_column(sa.String(32))
    drawn_questions: Mapped[list[dict[str, Any]] | None] = mapped_column(Json)

    quiz: Mapped[Quiz] = relationship(foreign_keys=[quiz_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),  # a certificate names the attempt that earned it
        sa.UniqueConstraint("quiz_id", "user_id", "attempt_number"),
        same_tenant_fk(["tenant_id", "quiz_id"], "quiz"),
        sa.CheckConstraint("attempt_number >= 1", name="attempt_number_positive"),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        sa.Index(None, "user_id", "quiz_id"),
        sa.Index(None, "user_id", "tenant_id", "passed"),
        sa.Index(None, "tenant_id", "quiz_id"),
        sa.Index(None, "tenant_id", "started_at"),  # the admin list's default sort (issue 12)
    )


class Certificate(TenantScoped, Timestamps, db.Model):
    """Proof that a user completed a module; public at ``/verify/<unique_code>``.

    Certificates are never overwritten: a renewal or a re-completion after a revocation
    is a new row pointing at the one before (``previous_certificate_id``). The chain
    has one start per user and module (a partial unique index) and each certificate
    has at most one successor, so a certificate job retried after a crash cannot issue
    two (DESIGN.md: jobs are idempotent by unique constraints).
    ``unique_code`` is random and unguessable (≥ 60 bits; String(32) leaves room).
    ``expires_at`` = ``completed_at`` + the module's ``validity_months``, null = forever.
    Additions: ``completed_at``, ``expires_at``, ``revoked_at``, ``revoked_reason``,
    ``pdf_path`` (storage key, set by the job), ``previous_certificate_id`` and
    ``module_version`` (the version completed, to tell who must see an update).

    Evidence (issue 13, item 7): what earned it — ``quiz_attempt_id``, the passing attempt,
    or ``progress_override_id``, an override with ``allow_certificate``; never both. Both
    are null for a module without a quiz completed by its sections (the section ticks are
    the evidence) and for old rows the backfill of migration 0008 could not match. The keys
    have no ON DELETE: evidence cannot vanish while its certificate stands (deleting the
    learner or the module takes both in one statement).
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    unique_code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    module_version: Mapped[int] = mapped_column(default=1)
    completed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    pdf_path: Mapped[str | None] = mapped_column(sa.String(500))
    previous_certificate_id: Mapped[int | None] = mapped_column(unique=True)
    quiz_attempt_id: Mapped[int | None] = mapped_column()
    progress_override_id: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    quiz_attempt: Mapped[QuizAttempt | None] = relationship(foreign_keys=[quiz_attempt_id])
    progress_override: Mapped[ProgressOverride | None] = relationship(foreign_keys=[progress_override_id])
    previous_certificate: Mapped[Certificate | None] = relationship(
        remote_side=[id], foreign_keys=[previous_certificate_id]
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        same_tenant_fk(["tenant_id", "previous_certificate_id"], "certificate", ondelete=None),
        same_tenant_fk(["tenant_id", "quiz_attempt_id"], "quiz_attempt", ondelete=None),
        same_tenant_fk(["tenant_id", "progress_override_id"], "progress_override", ondelete=None),
        sa.CheckConstraint("quiz_attempt_id IS NULL OR progress_override_id IS NULL", name="one_source_of_evidence"),
        # Deleting an attempt or override (with its learner or quiz) checks the keys above.
        sa.Index(None, "tenant_id", "quiz_attempt_id"),
        sa.Index(None, "tenant_id", "progress_override_id"),
        sa.Index(
            None,
            "user_id",
            "module_id",
            unique=True,
            postgresql_where=sa.text("previous_certificate_id IS NULL"),
            sqlite_where=sa.text("previous_certificate_id IS NULL"),
        ),
        sa.Index(None, "tenant_id", "user_id", "module_id"),
        sa.Index(None, "tenant_id", "module_id"),
        sa.Index(None, "tenant_id", "expires_at"),
        sa.Index(None, "tenant_id", "issued_at"),  # the admin list's default sort (issue 12)
        sa.Index(None, "tenant_id", "completed_at"),  # completions per week, median time (issue 13)
    )

    def __str__(self) -> str:
        return self.unique_code


class ModuleSelfAssessment(TenantScoped, Timestamps, db.Model):
    """How confident a learner feels about a module (1 to 5) with a note; one per module, editable."""

    __tablename__ = "module_self_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    rating: Mapped[int] = mapped_column()
    note: Mapped[str | None] = mapped_column(sa.Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module] = relationship(foreign_keys=[module_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "user_id", "module_id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        sa.Index(None, "tenant_id", "module_id"),
    )


class ProgressOverride(TenantScoped, Timestamps, db.Model):
    """An admin marked a module completed for a user, with a reason (audited).

    With ``allow_certificate`` it satisfies the completion rule on its own (DESIGN.md:
    completion). Several rows may exist for a pair: each is kept as history.
    ``override_by_id`` is nullable so that deleting the admin's account keeps the record.
    """

    __tablename__ = "progress_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column()
    override_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(sa.Text)
    allow_certificate: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module] = relationship(foreign_keys=[module_id])
    override_by: Mapped[User | None] = relationship(foreign_keys=[override_by_id])

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),  # a certificate names the override that earned it
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.Index(None, "tenant_id", "user_id", "module_id"),
        sa.Index(None, "tenant_id", "module_id"),
    )
