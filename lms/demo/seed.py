"""``flask lms seed-demo``: the demo companies of README's quick start.

One transaction per run. A company that already exists is left alone (it was built
whole, in one transaction), so running the command twice changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.demo.catalog import PLATFORM_CHANGELOG, TENANTS, DemoModule, DemoSection, DemoTenant
from lms.demo.rewards import seed_rewards
from lms.demo.suggestions import seed_suggestions
from lms.extensions import db
from lms.models import (
    Attachment,
    ChangelogEntry,
    CompanyPinnedModule,
    Group,
    Membership,
    Module,
    ModuleCategory,
    ModuleGroup,
    Notification,
    ProgressOverride,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    Section,
    SectionCompletion,
    Tag,
    Tenant,
    User,
    UserGroup,
    UserModuleLastAccess,
    UserPinnedModule,
    XpTransaction,
)
from lms.models.enums import (
    AttachmentType,
    ModuleStatus,
    NotificationType,
    Role,
    TenantRole,
    VideoSourceType,
    VideoStatus,
    XpSourceType,
)
from lms.models.types import utcnow
from lms.pdf import handout
from lms.services import certificates, quizzes, xp
from lms.services.certificates import add_months
from lms.services.content import plain_text, set_section_content
from lms.services.passwords import hash_password
from lms.storage import get_storage
from lms.tenancy import tenant_context

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of the demo accounts
PLATFORM_OWNER = "root@mojster.test"
USER_ROLES: dict[str, TenantRole] = {
    "owner": TenantRole.OWNER,
    "hr": TenantRole.HR,
    "mentor": TenantRole.EMPLOYEE,
    **{f"learner{n}": TenantRole.EMPLOYEE for n in range(1, 6)},
    "viewer": TenantRole.VIEWER,
}
SHARED_LEARNER = ("learner1@acme.test", "globex")
# XP histories (issue 7: demo data): who completed how many published modules (with a top
# quiz score where there is a quiz; None = all) and the lifetime XP that manual awards bring them to,
# so every rank has a holder: MENTOR, MOJSTER, POMOCNIK, and VAJENEC for learner3.
XP_HISTORIES: dict[str, tuple[int | None, int]] = {
    "mentor": (None, 6400),
    "learner1": (None, 3900),
    "learner2": (2, 1800),
    "learner3": (1, 0),
}
MANUAL_REASONS = (
    _l("Led the onboarding workshop for new colleagues"),
    _l("Mentored an apprentice through the first month"),
    _l("Reported a safety hazard on the shop floor"),
    _l("Improved a module after learners' feedback"),
)
MANUAL_STEP = 800


@dataclass
class SeedReport:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


def demo_email(key: str, slug: str) -> str:
    return f"{key}@{slug}.test"


def seed_demo() -> SeedReport:
    """Create whatever of the demo data is missing; the caller commits."""
    report = SeedReport()
    password_hash = hash_password(DEMO_PASSWORD)
    _user(PLATFORM_OWNER, "Platform Owner", password_hash, role=Role.OWNER)
    for demo in TENANTS:
        if db.session.scalar(sa.select(Tenant).where(Tenant.slug == demo.slug)) is not None:
            report.existing.append(demo.slug)
            continue
        _build_tenant(demo, password_hash)
        report.created.append(demo.slug)
    _share_learner(password_hash)
    _platform_changelog()
    db.session.flush()
    return report


def _user(email: str, name: str, password_hash: str, role: Role = Role.EMPLOYEE) -> User:
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, password_hash=password_hash, role=role)
        db.session.add(user)
        db.session.flush()
    return user


def _share_learner(password_hash: str) -> None:
    email, slug = SHARED_LEARNER
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == slug))
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if tenant is None or user is None:
        return
    with tenant_context(tenant.id):
        exists = db.session.scalar(sa.select(Membership.id).where(Membership.user_id == user.id))
        if exists is None:
            db.session.add(Membership(user_id=user.id, role=TenantRole.EMPLOYEE))


def _platform_changelog() -> None:
    known = set(db.session.scalars(sa.select(ChangelogEntry.version)))
    released = utcnow() - timedelta(days=7 * len(PLATFORM_CHANGELOG))
    for index, entry in enumerate(PLATFORM_CHANGELOG):
        if entry.version not in known:
            db.session.add(
                ChangelogEntry(
                    version=entry.version,
                    title=entry.title,
                    summary=entry.summary,
                    published_at=released + timedelta(days=7 * index),
                )
            )


class _TenantBuilder:
    """Builds one demo company inside its tenant context."""

    def __init__(self, demo: DemoTenant, tenant: Tenant, password_hash: str) -> None:
        self.demo = demo
        self.tenant = tenant
        self.password_hash = password_hash
        self.users: dict[str, User] = {}
        self.modules: dict[str, Module] = {}
        self.now = utcnow()

    def build(self) -> None:
        self._people()
        categories = self._named(ModuleCategory, self.demo.categories)
        tags = self._named(Tag, self.demo.tags)
        for demo_module in self.demo.modules:
            self.modules[demo_module.title] = self._module(demo_module, categories, tags)
        db.session.flush()
        for demo_module in self.demo.modules:
            self.modules[demo_module.title].prerequisites = [self.modules[title] for title in demo_module.prerequisites]
        self._groups()
        self._progress()
        _quiz_attempts(self)
        _notifications(self)

    def _people(self) -> None:
        names = dict(self.demo.user_names)
        for key, role in USER_ROLES.items():
            user = _user(demo_email(key, self.demo.slug), names.get(key, key.capitalize()), self.password_hash)
            db.session.add(Membership(user_id=user.id, role=role))
            self.users[key] = user
        db.session.flush()

    def _named(self, model: type[ModuleCategory] | type[Tag], names: tuple[str, ...]) -> dict[str, object]:
        rows = {name: model(name=name, sort_order=index) for index, name in enumerate(names)}
        db.session.add_all(rows.values())
        return rows

    def _module(self, demo: DemoModule, categories: dict, tags: dict) -> Module:
        published = demo.status is not ModuleStatus.DRAFT
        module = Module(
            title=demo.title,
            description=demo.description,
            difficulty=demo.difficulty,
            status=demo.status,
            category=categories[demo.category],
            validity_months=demo.validity_months,
            created_by_id=self.users["hr"].id,
            published_at=self.now - timedelta(days=60) if published else None,
            tags=[tags[name] for name in demo.tags],
            mentors=[self.users["mentor"]] if demo.mentored else [],
        )
        db.session.add(module)
        for index, demo_section in enumerate(demo.sections):
            module.sections.append(self._section(demo_section, index))
        if demo.quiz is not None:
            module.quiz = Quiz(
                title=demo.quiz.title,
                passing_score=demo.quiz.passing_score,
                max_attempts=demo.quiz.max_attempts,
                time_limit=demo.quiz.time_limit,
                questions=[
                    QuizQuestion(
                        type=question.type,
                        text=question.text,
                        options=[{"text": text, "correct": correct} for text, correct in question.options],
                        points=question.points,
                        sort_order=index,
                    )
                    for index, question in enumerate(demo.quiz.questions)
                ],
            )
        return module

    def _section(self, demo: DemoSection, index: int) -> Section:
        section = Section(title=demo.title, type=demo.type, sort_order=index)
        set_section_content(section, demo.content)
        if demo.video_url:
            section.video_source_type = VideoSourceType.YOUTUBE_VIMEO_URL
            section.video_url = demo.video_url
            section.video_status = VideoStatus.READY
        if demo.attachment_title:
            section.attachments.append(self._attachment(demo))
        return section

    def _attachment(self, demo: DemoSection) -> Attachment:
        data = handout(demo.attachment_title.removesuffix(".pdf"), self.tenant.name, [plain_text(demo.content)])
        key = f"tenants/{self.tenant.id}/attachments/{uuid.uuid4().hex}.pdf"
        get_storage().save(key, data)
        return Attachment(
            file_name=demo.attachment_title,
            storage_path=key,
            file_type=AttachmentType.PDF,
            content_type="application/pdf",
            size_bytes=len(data),
        )

    def _groups(self) -> None:
        """Groups joined and modules assigned in the past, so due dates spread around today."""
        for index, demo_group in enumerate(self.demo.groups):
            group = Group(name=demo_group.name, color=demo_group.color, description=demo_group.description)
            db.session.add(group)
            db.session.flush()
            joined = self.now - timedelta(days=20 + 5 * index)
            for key in demo_group.members:
                db.session.add(UserGroup(user_id=self.users[key].id, group_id=group.id, created_at=joined))
            for assignment in demo_group.assignments:
                db.session.add(
                    ModuleGroup(
                        module_id=self.modules[assignment.module].id,
                        group_id=group.id,
                        deadline_days=assignment.deadline_days,
                        is_mandatory=assignment.mandatory,
                        created_at=self.now - timedelta(days=10 + 3 * index),
                    )
                )

    def _progress(self) -> None:
        """learner1 finished a module, learner2 is halfway through one, learner3 has just begun."""
        published = [m for m in self.modules.values() if m.status is ModuleStatus.PUBLISHED]
        plan = [
            ("learner1", published[0], 1.0),
            ("learner2", published[1], 0.5),
            ("learner3", published[2], 0.01),
        ]
        for key, module, share in plan:
            user = self.users[key]
            done = module.sections[: max(1, round(len(module.sections) * share))]
            for offset, section in enumerate(done):
                db.session.add(
                    SectionCompletion(
                        user_id=user.id,
                        module_id=module.id,
                        section_id=section.id,
                        completed_at=self.now - timedelta(days=5, hours=-offset),
                    )
                )
            db.session.add(
                UserModuleLastAccess(user_id=user.id, module_id=module.id, accessed_at=self.now - timedelta(days=1))
            )
        db.session.add(UserPinnedModule(user_id=self.users["learner1"].id, module_id=published[1].id))
        db.session.add(CompanyPinnedModule(module_id=published[0].id, pinned_by_id=self.users["hr"].id))


def _notifications(builder: _TenantBuilder) -> None:
    """The bell of every demo account has something: a read welcome for all, and for the
    learners unread news of several types (issue 6: demo data)."""
    now = builder.now
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    newest, assigned = published[-1], published[1]
    with force_locale(builder.tenant.locale):
        for key, user in builder.users.items():
            db.session.add(
                Notification(
                    user_id=user.id,
                    type=NotificationType.SYSTEM,
                    title=_("Welcome to %(company)s on Mojster", company=builder.tenant.name),
                    message=_("Your modules are on the My learning page."),
                    link="/",
                    is_read=True,
                    read_at=now - timedelta(days=13),
                    created_at=now - timedelta(days=14),
                )
            )
            if not key.startswith("learner"):
                continue
            db.session.add(
                Notification(
                    user_id=user.id,
                    type=NotificationType.NEW_MODULE,
                    title=_("New module: %(module)s", module=newest.title),
                    link=f"/modules/{newest.id}",
                    created_at=now - timedelta(days=2),
                )
            )
        for key in ("learner2", "learner3"):
            db.session.add(
                Notification(
                    user_id=builder.users[key].id,
                    type=NotificationType.DEADLINE_REMINDER,
                    title=_("Deadline approaching: %(module)s", module=assigned.title),
                    message=_(
                        "Finish %(module)s by %(date)s.",
                        module=assigned.title,
                        date=format_date(now + timedelta(days=6), "medium"),
                    ),
                    link=f"/modules/{assigned.id}",
                    created_at=now - timedelta(hours=3),
                )
            )
        db.session.add(
            Notification(
                user_id=builder.users["learner1"].id,
                type=NotificationType.MODULE_UPDATED,
                title=_("Module updated: %(module)s", module=published[0].title),
                link=f"/modules/{published[0].id}",
                is_read=True,
                read_at=now - timedelta(days=1),
                created_at=now - timedelta(days=3),
            )
        )


def _quiz_attempts(builder: _TenantBuilder) -> None:
    """Passed and failed attempts (issue 6), scored by the quiz rules, for the attempts list and result pages.

    On the first quiz learner1 failed once and then passed, learner2 passed at once and
    learner4 ran out of time (when it is timed); learner3 failed the second quiz.
    """
    offered = [
        module.quiz
        for module in builder.modules.values()
        if module.status is ModuleStatus.PUBLISHED and module.quiz is not None and not module.prerequisites
    ]
    if not offered:
        return
    first, second = offered[0], offered[min(1, len(offered) - 1)]
    plan: list[tuple[str, Quiz, list[str]]] = [
        ("learner1", first, ["fail", "pass"]),
        ("learner2", first, ["pass"]),
        ("learner3", second, ["fail"]),
    ]
    if first.time_limit:
        plan.append(("learner4", first, ["late"]))
    for key, quiz, tries in plan:
        for number, how in enumerate(tries, start=1):
            started = builder.now - timedelta(days=6 - 2 * number, hours=3)
            answers = {
                question.id: sorted(quizzes.correct_options(question))
                if how == "pass" or index == 0
                else [next(i for i, option in enumerate(question.options) if not option["correct"])]
                for index, question in enumerate(quiz.questions)
            }
            score, _results = quizzes.grade(quiz.questions, answers)
            late = how == "late"
            db.session.add(
                QuizAttempt(
                    quiz_id=quiz.id,
                    user_id=builder.users[key].id,
                    attempt_number=number,
                    started_at=started,
                    submitted_at=started + timedelta(minutes=(quiz.time_limit + 4) if late else 6),
                    score=0.0 if late else score,
                    passed=not late and score >= quiz.passing_score,
                    answers={str(question_id): chosen for question_id, chosen in answers.items()},
                    failure_reason=quizzes.TIME_LIMIT if late else None,
                )
            )


def _certificates(builder: _TenantBuilder) -> None:
    """Completed modules with certificates (issue 6): valid, renewal due within 30 days, expired,
    revoked, and one earned through an override, so the certificate screens show every status.

    The holders' sections are completed as of the completion date. PDFs are not rendered here:
    a download renders a missing one, and the admin's "Regenerate PDF" stores it.
    """
    now = builder.now
    users = builder.users
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    renewable = [m for m in published if m.validity_months and not m.prerequisites]
    first, expiring, expired = published[0], renewable[0], renewable[-1]
    plan = [
        ("learner1", first, now - timedelta(days=5)),
        ("learner2", expiring, add_months(now, -expiring.validity_months) + timedelta(days=20)),
        ("learner3", expired, add_months(now, -expired.validity_months) - timedelta(days=10)),
        ("learner4", first, now - timedelta(days=40)),
        ("learner5", expiring, now - timedelta(days=8)),
    ]
    db.session.flush()
    done = {
        tuple(row) for row in db.session.execute(sa.select(SectionCompletion.user_id, SectionCompletion.section_id))
    }
    held = {}
    for key, module, completed_at in plan:
        user = users[key]
        for section in module.sections:
            if (user.id, section.id) not in done:
                db.session.add(
                    SectionCompletion(
                        user_id=user.id, module_id=module.id, section_id=section.id, completed_at=completed_at
                    )
                )
        held[key] = certificates.claim(user.id, module, completed_at=completed_at, previous=None)
    revoked = held["learner4"]
    revoked.revoked_at = now - timedelta(days=3)
    with force_locale(builder.tenant.locale):
        revoked.revoked_reason = _("Issued by mistake: a colleague completed the module on this account.")
        db.session.add(
            ProgressOverride(
                user_id=users["learner5"].id,
                module_id=expiring.id,
                override_by_id=users["hr"].id,
                reason=_("Completed the same training with the previous employer; HR checked the certificate."),
                allow_certificate=True,
                created_at=now - timedelta(days=8),
            )
        )


def _xp_histories(builder: _TenantBuilder) -> None:
    """XP earned through the ledger (``xp.award`` / ``xp.adjust``), as learning would earn it,
    then spread over the past weeks so the history pages and the monthly leaderboard differ.

    learner1 also has a correction (a negative adjustment): it lowers the balance, not the rank.
    """
    published = [m for m in builder.modules.values() if m.status is ModuleStatus.PUBLISHED]
    hr = builder.users["hr"].id
    with force_locale(builder.tenant.locale):
        for key, (modules, target) in XP_HISTORIES.items():
            user_id = builder.users[key].id
            for module in published[:modules]:
                amount = xp.amount_for("module_completed", module.difficulty.name)
                xp.award(user_id, XpSourceType.MODULE_COMPLETED, str(module.id), amount, module.title)
                if module.quiz is not None:
                    xp.award_quiz_score(user_id, module.quiz.id, module.quiz.title, 100.0)
            lifetime, step = xp.standing(user_id).lifetime_xp, 0
            while lifetime < target:
                amount = min(MANUAL_STEP, target - lifetime)
                reason = str(MANUAL_REASONS[step % len(MANUAL_REASONS)])
                xp.adjust(user_id, amount, reason, hr, key=f"demo-xp:{key}:{step}")
                lifetime, step = lifetime + amount, step + 1
        xp.adjust(
            builder.users["learner1"].id,
            -150,
            _("Correction: the workshop was counted twice"),
            hr,
            key="demo-xp:learner1:correction",
        )
    db.session.flush()
    history = db.session.scalars(sa.select(XpTransaction).order_by(XpTransaction.id.desc())).all()
    for index, transaction in enumerate(history):
        transaction.created_at = builder.now - timedelta(days=3 * index, hours=index % 5)


def _build_tenant(demo: DemoTenant, password_hash: str) -> None:
    tenant = Tenant(slug=demo.slug, name=demo.name, locale=demo.locale, plan=demo.plan, theme=demo.theme)
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):
        builder = _TenantBuilder(demo, tenant, password_hash)
        builder.build()
        _certificates(builder)
        _xp_histories(builder)
        seed_rewards(builder)
        seed_suggestions(builder)


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of every demo account, for the command's closing message."""
    logins = [(PLATFORM_OWNER, "platform owner")]
    for demo in TENANTS:
        for key, role in USER_ROLES.items():
            email = demo_email(key, demo.slug)
            also = f", also at {SHARED_LEARNER[1]}" if email == SHARED_LEARNER[0] else ""
            logins.append((email, f"{role.value.lower()} at {demo.slug}{also}"))
    return logins


def has_schema() -> bool:
    """False on a database that `flask db upgrade` has not built yet."""
    return sa.inspect(db.engine).has_table("tenant")
