"""``flask lms seed-demo``: the demo companies of README's quick start.

One transaction per company. A company that already exists is left alone (it was built
whole, in one transaction: its media part, the last, commits it before its AI build runs,
see ``lms/demo/media.py``), so running the command twice changes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa

from lms.demo.activity import (
    seed_certificates,
    seed_notifications,
    seed_quiz_attempts,
    seed_usage_sessions,
    seed_xp_histories,
)
from lms.demo.community import seed_community
from lms.demo.companies import PLATFORM_CHANGELOG, TENANTS, DemoModule, DemoSection, DemoTenant
from lms.demo.media import seed_media
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
    Quiz,
    QuizQuestion,
    Section,
    SectionCompletion,
    Tag,
    Tenant,
    User,
    UserGroup,
    UserModuleLastAccess,
    UserPermission,
    UserPinnedModule,
)
from lms.models.enums import (
    AttachmentType,
    ModuleStatus,
    Permission,
    Role,
    TenantRole,
    VideoSourceType,
    VideoStatus,
)
from lms.models.types import utcnow
from lms.pdf import handout
from lms.services.content import plain_text, set_section_content
from lms.services.passwords import hash_password
from lms.storage import get_storage, save_bytes
from lms.tenancy import tenant_context

DEMO_PASSWORD = "demo-password"  # noqa: S105 - the documented password of the demo accounts
PLATFORM_OWNER = "root@mojster.test"
USER_ROLES: dict[str, TenantRole] = {
    "owner": TenantRole.OWNER,
    "hr": TenantRole.HR,
    "mentor": TenantRole.EMPLOYEE,
    **{f"learner{n}": TenantRole.EMPLOYEE for n in range(1, 6)},
    "viewer": TenantRole.VIEWER,
    "manager": TenantRole.EMPLOYEE,
}
# A team lead who follows one group (issue 13: demo data): an employee whose grants reach
# only the company's ``managed_group``.
MANAGER_GRANTS = (Permission.VIEW_MANAGER_DASHBOARD, Permission.VIEW_GROUP_PROGRESS, Permission.EXPORT_REPORTS)
# The managed group's members joined and its modules were assigned this long ago, so a
# 30-day deadline of theirs has passed: the manager's screens show who is overdue.
MANAGED_GROUP_JOINED = timedelta(days=90)
MANAGED_GROUP_ASSIGNED = timedelta(days=45)
SHARED_LEARNER = ("learner1@acme.test", "globex")


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
        self._manager()
        self._progress()
        seed_quiz_attempts(self)
        seed_notifications(self)

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
        save_bytes(get_storage(), key, data)
        return Attachment(
            file_name=demo.attachment_title,
            storage_path=key,
            file_type=AttachmentType.PDF,
            content_type="application/pdf",
            size_bytes=len(data),
        )

    def _groups(self) -> None:
        """Groups joined and modules assigned in the past, so due dates spread around today
        (the managed group's longest ago: some of its deadlines have passed)."""
        self.groups: dict[str, Group] = {}
        for index, demo_group in enumerate(self.demo.groups):
            group = Group(name=demo_group.name, color=demo_group.color, description=demo_group.description)
            db.session.add(group)
            db.session.flush()
            self.groups[demo_group.name] = group
            managed = demo_group.name == self.demo.managed_group
            joined = self.now - (MANAGED_GROUP_JOINED if managed else timedelta(days=20 + 5 * index))
            assigned = self.now - (MANAGED_GROUP_ASSIGNED if managed else timedelta(days=10 + 3 * index))
            for key in demo_group.members:
                db.session.add(UserGroup(user_id=self.users[key].id, group_id=group.id, created_at=joined))
            for assignment in demo_group.assignments:
                db.session.add(
                    ModuleGroup(
                        module_id=self.modules[assignment.module].id,
                        group_id=group.id,
                        deadline_days=assignment.deadline_days,
                        is_mandatory=assignment.mandatory,
                        created_at=assigned,
                    )
                )

    def _manager(self) -> None:
        """The manager's grants, each scoped to the managed group, given by the owner."""
        scope = {"group_ids": [self.groups[self.demo.managed_group].id]}
        for permission in MANAGER_GRANTS:
            db.session.add(
                UserPermission(
                    user_id=self.users["manager"].id,
                    permission=permission,
                    scope=scope,
                    granted_by_id=self.users["owner"].id,
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


def _build_tenant(demo: DemoTenant, password_hash: str) -> None:
    tenant = Tenant(slug=demo.slug, name=demo.name, locale=demo.locale, plan=demo.plan, theme=demo.theme)
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):
        builder = _TenantBuilder(demo, tenant, password_hash)
        builder.build()
        seed_certificates(builder)
        seed_xp_histories(builder)
        seed_rewards(builder)
        seed_suggestions(builder)
        seed_usage_sessions(builder)
        seed_community(builder)
        seed_media(builder)


def demo_logins() -> list[tuple[str, str]]:
    """(email, role) of every demo account, for the command's closing message."""
    logins = [(PLATFORM_OWNER, "platform owner")]
    for demo in TENANTS:
        for key, role in USER_ROLES.items():
            email = demo_email(key, demo.slug)
            also = f", also at {SHARED_LEARNER[1]}" if email == SHARED_LEARNER[0] else ""
            if key == "manager":
                also = f", follows the group {demo.managed_group}"
            logins.append((email, f"{role.value.lower()} at {demo.slug}{also}"))
    return logins


def has_schema() -> bool:
    """False on a database that `flask db upgrade` has not built yet."""
    return sa.inspect(db.engine).has_table("tenant")
