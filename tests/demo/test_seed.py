"""Does seed-demo build two full, distinct companies, once, and the bulk tenant at any size?"""

from __future__ import annotations

from datetime import timedelta

import click
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from lms.demo.bulk import BulkSize, seed_bulk
from lms.demo.seed import DEMO_PASSWORD, seed_demo
from lms.extensions import db
from lms.models import (
    AiModuleBuild,
    Attachment,
    Certificate,
    ChatMessage,
    Comment,
    EmailPreference,
    Group,
    KnowledgeSuggestion,
    KnowledgeSuggestionComment,
    KnowledgeSuggestionVote,
    LiveEventGroup,
    MediaAsset,
    Membership,
    MentorLiveEvent,
    MentorRadarPost,
    Module,
    ModuleGroup,
    ModuleMentor,
    Quiz,
    QuizAttempt,
    QuizQuestion,
    RadarSave,
    RadarSeen,
    Section,
    SectionCompletion,
    Tenant,
    User,
    UserPermission,
    UserSession,
    UserXpBalance,
    XpTransaction,
)
from lms.models.enums import (
    AiBuildStatus,
    ChatMessageType,
    EmailFrequency,
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    ModuleStatus,
    Permission,
    QuestionType,
    RadarPostStatus,
    ReputationRank,
    Role,
    SectionType,
    SuggestionStatus,
    TenantPlan,
    TenantRole,
    VideoSourceType,
    XpSourceType,
)
from lms.models.types import utcnow
from lms.services import xp_rebuild
from lms.services.deadlines import assigned
from lms.services.passwords import verify_password
from lms.storage import get_storage, read_bytes
from lms.tenancy import tenant_context, unscoped
from tests.factories import sign_in


@pytest.fixture
def seeded(app_ctx: Flask) -> dict[str, Tenant]:
    seed_demo()
    db.session.commit()
    tenants = db.session.scalars(sa.select(Tenant)).all()
    return {tenant.slug: tenant for tenant in tenants}


def _row_counts() -> dict[str, int]:
    with unscoped("test"):
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in db.metadata.sorted_tables
        }


def test_two_companies_with_their_plans_and_languages(seeded: dict[str, Tenant]) -> None:
    assert (seeded["acme"].locale, seeded["acme"].plan) == ("en", TenantPlan.PRO)
    assert (seeded["globex"].locale, seeded["globex"].plan) == ("sl", TenantPlan.STARTER)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_every_demo_login_exists_with_its_role(seeded: dict[str, Tenant], slug: str) -> None:
    expected = {
        f"owner@{slug}.test": TenantRole.OWNER,
        f"hr@{slug}.test": TenantRole.HR,
        f"mentor@{slug}.test": TenantRole.EMPLOYEE,
        f"viewer@{slug}.test": TenantRole.VIEWER,
        f"manager@{slug}.test": TenantRole.EMPLOYEE,
        **{f"learner{n}@{slug}.test": TenantRole.EMPLOYEE for n in range(1, 6)},
    }
    with tenant_context(seeded[slug].id):
        roles = dict(db.session.execute(sa.select(User.email, Membership.role).join(Membership.user)).all())
    assert {email: roles[email] for email in expected} == expected
    owner = db.session.scalar(sa.select(User).where(User.email == f"owner@{slug}.test"))
    assert verify_password(owner.password_hash, DEMO_PASSWORD)


def test_learner1_of_acme_also_belongs_to_globex_and_root_owns_the_platform(
    seeded: dict[str, Tenant],
) -> None:
    with tenant_context(seeded["globex"].id):
        emails = set(db.session.scalars(sa.select(User.email).join(Membership, Membership.user_id == User.id)))
    assert "learner1@acme.test" in emails
    root = db.session.scalar(sa.select(User).where(User.email == "root@mojster.test"))
    assert root.role is Role.OWNER


def test_running_it_twice_changes_nothing(seeded: dict[str, Tenant]) -> None:
    before = _row_counts()
    report = seed_demo()
    db.session.commit()

    assert report.created == []
    assert sorted(report.existing) == ["acme", "globex"]
    assert _row_counts() == before


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_content_of_every_kind(seeded: dict[str, Tenant], slug: str) -> None:
    with tenant_context(seeded[slug].id):
        modules = db.session.scalars(sa.select(Module)).all()
        section_types = set(db.session.scalars(sa.select(Section.type)))
        question_types = set(db.session.scalars(sa.select(QuizQuestion.type)))
        deadlines = set(db.session.scalars(sa.select(ModuleGroup.deadline_days)))
        completions = db.session.scalar(sa.select(sa.func.count(SectionCompletion.id)))
        attachment = db.session.scalars(sa.select(Attachment)).first()
    assert len(modules) >= 6
    assert {m.status for m in modules} == set(ModuleStatus)
    assert section_types == set(SectionType)
    assert question_types == set(QuestionType)
    assert None in deadlines
    assert len(deadlines) >= 2
    assert completions > 0
    assert read_bytes(get_storage(), attachment.storage_path).startswith(b"%PDF")


def test_the_companies_have_distinct_content(seeded: dict[str, Tenant]) -> None:
    titles = {}
    for slug, tenant in seeded.items():
        with tenant_context(tenant.id):
            titles[slug] = set(db.session.scalars(sa.select(Module.title)))
    assert titles["acme"].isdisjoint(titles["globex"])


def test_bulk_tenant_has_the_requested_size(app_ctx: Flask) -> None:
    seed_bulk(BulkSize(slug="bulk", users=40, modules=4, sections_per_module=3, groups=3, completions=300))

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "bulk"))
    with tenant_context(tenant.id):
        members = db.session.scalar(sa.select(sa.func.count(Membership.id)))
        sections = db.session.scalar(sa.select(sa.func.count(Section.id)))
        completions = db.session.scalar(sa.select(sa.func.count(SectionCompletion.id)))
        distinct_pairs = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(SectionCompletion.user_id, SectionCompletion.section_id).distinct().subquery()
            )
        )
    assert (members, sections, completions, distinct_pairs) == (41, 12, 300, 300)


def test_bulk_refuses_an_existing_slug_and_an_impossible_size(app_ctx: Flask) -> None:
    seed_bulk(BulkSize(slug="bulk", users=5, modules=1, sections_per_module=1, groups=1, completions=5))
    with pytest.raises(click.ClickException, match="exists already"):
        seed_bulk(BulkSize(slug="bulk", users=5, modules=1, sections_per_module=1, groups=1, completions=5))
    with pytest.raises(click.ClickException, match="more than users x sections"):
        seed_bulk(BulkSize(slug="other", users=5, modules=1, sections_per_module=1, groups=1, completions=6))


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_learners_have_passed_and_failed_quiz_attempts_scored_by_the_quiz_rules(
    seeded: dict[str, Tenant], slug: str
) -> None:
    with tenant_context(seeded[slug].id):
        attempts = db.session.execute(
            sa.select(QuizAttempt.passed, QuizAttempt.score, QuizAttempt.failure_reason, Quiz.passing_score).join(
                Quiz, Quiz.id == QuizAttempt.quiz_id
            )
        ).all()
    outcomes = {("passed" if passed else reason or "failed") for passed, _, reason, _ in attempts}
    assert outcomes == {"passed", "failed", "time_limit"}
    assert all(passed == (reason is None and score >= passing) for passed, score, reason, passing in attempts)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_every_rank_has_a_holder_whose_xp_the_ledger_explains(seeded: dict[str, Tenant], slug: str) -> None:
    with tenant_context(seeded[slug].id):
        ranks = set(db.session.scalars(sa.select(UserXpBalance.rank)))
        sources = set(db.session.scalars(sa.select(XpTransaction.source)))
    assert ranks == set(ReputationRank)
    assert {XpSourceType.MODULE_COMPLETED, XpSourceType.QUIZ_HIGH_SCORE, XpSourceType.MANUAL} <= sources
    assert xp_rebuild.rebuild(seeded[slug].id, check=True) == []


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_suggestions_in_every_status_with_votes_and_a_thread(
    seeded: dict[str, Tenant], slug: str
) -> None:
    with tenant_context(seeded[slug].id):
        statuses = set(db.session.scalars(sa.select(KnowledgeSuggestion.status)))
        votes = db.session.scalar(sa.select(sa.func.sum(KnowledgeSuggestion.vote_count)))
        counted = db.session.scalar(sa.select(sa.func.count(KnowledgeSuggestionVote.id)))
        replies = db.session.scalar(
            sa.select(sa.func.count(KnowledgeSuggestionComment.id)).where(
                KnowledgeSuggestionComment.parent_id.isnot(None)
            )
        )
    assert statuses == set(SuggestionStatus)
    assert votes == counted > 0
    assert replies >= 1


def test_bulk_ledger_gives_every_learner_a_balance_that_matches_it(app_ctx: Flask) -> None:
    seed_bulk(
        BulkSize(
            slug="bulkxp", users=10, modules=1, sections_per_module=1, groups=1, completions=0, xp_transactions=200
        )
    )

    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "bulkxp"))
    with tenant_context(tenant.id):
        ledger = db.session.scalar(sa.select(sa.func.sum(XpTransaction.amount)))
        balances = db.session.execute(sa.select(sa.func.count(), sa.func.sum(UserXpBalance.total_xp))).one()
        assert xp_rebuild.rebuild(tenant.id, check=True) == []
    assert tuple(balances) == (10, ledger)


@pytest.mark.parametrize(("slug", "group"), [("acme", "Production floor"), ("globex", "Prodaja")])
def test_the_manager_follows_one_group_with_exactly_three_scoped_grants(
    seeded: dict[str, Tenant], slug: str, group: str
) -> None:
    with tenant_context(seeded[slug].id):
        group_id = db.session.scalar(sa.select(Group.id).where(Group.name == group))
        grants = db.session.execute(
            sa.select(UserPermission.permission, UserPermission.scope)
            .join(User, User.id == UserPermission.user_id)
            .where(User.email == f"manager@{slug}.test")
        ).all()
        reach = assigned(group_ids=[group_id])
        learners = db.session.scalar(sa.select(sa.func.count(sa.distinct(reach.c.user_id))))
    assert sorted((permission.name, scope) for permission, scope in grants) == [
        (permission.name, {"group_ids": [group_id]})
        for permission in sorted(
            (Permission.EXPORT_REPORTS, Permission.VIEW_GROUP_PROGRESS, Permission.VIEW_MANAGER_DASHBOARD),
            key=lambda p: p.name,
        )
    ]
    assert learners >= 3


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_learners_have_usage_sessions_spread_over_twelve_weeks(seeded: dict[str, Tenant], slug: str) -> None:
    now = utcnow()
    with tenant_context(seeded[slug].id):
        rows = db.session.execute(
            sa.select(
                UserSession.user_id, UserSession.started_at, UserSession.last_ping_at, UserSession.duration_seconds
            )
        ).all()
        learner1 = db.session.scalar(sa.select(User.id).where(User.email == f"learner1@{slug}.test"))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = {(today - started).days // 7 for _, started, _, _ in rows}
    assert weeks == set(range(12))
    assert all(5 * 60 <= duration <= 40 * 60 for *_, duration in rows)
    assert all((last - started).total_seconds() == duration for _, started, last, duration in rows)
    assert all(last < now for _, _, last, _ in rows)
    assert sum(1 for user_id, *_ in rows if user_id == learner1) >= 12 * 3


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_overdue_expiring_and_expired_learners(seeded: dict[str, Tenant], slug: str) -> None:
    now = utcnow()
    with tenant_context(seeded[slug].id):
        due = assigned()
        completed = sa.select(Certificate.id).where(
            Certificate.user_id == due.c.user_id,
            Certificate.module_id == due.c.module_id,
            Certificate.revoked_at.is_(None),
        )
        overdue = db.session.scalar(
            sa.select(sa.func.count()).where(due.c.due_at < now, due.c.mandatory == 1, ~completed.exists())
        )
        live = Certificate.revoked_at.is_(None)
        expiring = db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(
                live, Certificate.expires_at > now, Certificate.expires_at <= now + timedelta(days=30)
            )
        )
        expired = db.session.scalar(sa.select(sa.func.count(Certificate.id)).where(live, Certificate.expires_at <= now))
    assert overdue >= 1
    assert expiring >= 1
    assert expired >= 1


def test_bulk_tenant_has_certificates_attempts_and_usage_sessions(app_ctx: Flask) -> None:
    seed_bulk(BulkSize(slug="bulkreports", users=60, modules=6, sections_per_module=2, groups=3, completions=200))

    now = utcnow()
    tenant = db.session.scalar(sa.select(Tenant).where(Tenant.slug == "bulkreports"))
    with tenant_context(tenant.id):
        certificates = db.session.execute(
            sa.select(Certificate.user_id, Certificate.module_id, Certificate.expires_at)
        ).all()
        sessions = db.session.scalar(sa.select(sa.func.count(UserSession.id)))
        attempts = db.session.execute(sa.select(QuizAttempt.passed, sa.func.count()).group_by(QuizAttempt.passed)).all()
        due = assigned()
        overdue = db.session.scalar(sa.select(sa.func.count()).where(due.c.due_at < now, due.c.mandatory == 1))
    expiries = [expires for *_, expires in certificates if expires is not None]
    assert len(certificates) == len({(user, module) for user, module, _ in certificates}) > 0
    assert any(expires <= now for expires in expiries)
    assert any(now < expires <= now + timedelta(days=30) for expires in expiries)
    assert any(expires is None for *_, expires in certificates)
    assert sessions == 60 * 20
    assert {passed for passed, _ in attempts} == {True, False}
    assert overdue > 0


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_chat_in_a_module_room_and_the_company_room_with_confirmed_answers(
    seeded: dict[str, Tenant], slug: str
) -> None:
    with tenant_context(seeded[slug].id):
        messages = db.session.scalars(sa.select(ChatMessage).order_by(ChatMessage.id)).all()
        mentors = set(db.session.execute(sa.select(ModuleMentor.module_id, ModuleMentor.user_id)))
        paid = dict(
            db.session.execute(
                sa.select(XpTransaction.source_entity_id, XpTransaction.user_id).where(
                    XpTransaction.source == XpSourceType.MENTOR_CONFIRMATION
                )
            ).all()
        )
        hr = db.session.scalar(sa.select(User.id).where(User.email == f"hr@{slug}.test"))
    rooms = {message.module_id for message in messages}
    assert None in rooms
    assert len(rooms) == 2
    for room in rooms:
        types = {message.type for message in messages if message.module_id == room}
        assert types == {ChatMessageType.MESSAGE, ChatMessageType.JOIN, ChatMessageType.ACTION}
    answers = [message for message in messages if message.is_confirmed_answer]
    assert {answer.module_id for answer in answers} == rooms
    for answer in answers:
        confirmer = answer.confirmed_by_id
        assert (answer.module_id, confirmer) in mentors if answer.module_id else confirmer == hr
        assert confirmer != answer.user_id
    # XP once per confirmed answer, to its author (the chat's hook), and no other confirmation XP.
    assert paid == {str(answer.id): answer.user_id for answer in answers}
    for room in rooms:
        times = [message.created_at for message in messages if message.module_id == room]
        assert times == sorted(times)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_a_resolved_comment_thread_and_an_open_one(seeded: dict[str, Tenant], slug: str) -> None:
    now = utcnow()
    with tenant_context(seeded[slug].id):
        rows = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
        mentors = set(db.session.execute(sa.select(ModuleMentor.module_id, ModuleMentor.user_id)))
    roots = [comment for comment in rows if comment.parent_id is None]
    by_id = {comment.id: comment for comment in rows}
    resolved = [root for root in roots if root.is_resolved]
    assert resolved
    assert any(not root.is_resolved for root in roots)
    assert all((root.module_id, root.resolved_by_id) in mentors for root in resolved)
    # A thread three levels deep: a reply to a reply.
    assert any(by_id[comment.parent_id].parent_id is not None for comment in rows if comment.parent_id is not None)
    # Old enough that no author may still edit them.
    assert all(now - comment.created_at > timedelta(minutes=15) for comment in rows)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_radar_posts_in_every_status_and_a_reader_with_news(
    seeded: dict[str, Tenant], slug: str
) -> None:
    with tenant_context(seeded[slug].id):
        posts = db.session.scalars(sa.select(MentorRadarPost)).all()
        saves = db.session.scalars(sa.select(RadarSave)).all()
        seen = db.session.scalars(sa.select(RadarSeen)).all()
    assert {post.status for post in posts} == set(RadarPostStatus)
    approved = [post for post in posts if post.status is RadarPostStatus.APPROVED]
    assert any(post.pinned for post in approved)
    assert all(post.rejection_reason for post in posts if post.status is RadarPostStatus.REJECTED)
    assert saves
    assert {save.post_id for save in saves} <= {post.id for post in approved}
    (visit,) = seen
    new = [post for post in approved if post.approved_at > visit.last_seen_at]
    assert 0 < len(new) < len(approved)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_one_past_and_two_upcoming_events_for_groups(seeded: dict[str, Tenant], slug: str) -> None:
    now = utcnow()
    with tenant_context(seeded[slug].id):
        events = db.session.scalars(sa.select(MentorLiveEvent)).all()
        groups = {
            event_id: count
            for event_id, count in db.session.execute(
                sa.select(LiveEventGroup.event_id, sa.func.count()).group_by(LiveEventGroup.event_id)
            )
        }
    assert sorted(event.starts_at > now for event in events) == [False, True, True]
    assert all(groups.get(event.id, 0) >= 1 and event.host_id is not None for event in events)
    # Planned before they started, as the service requires.
    assert all(event.created_at < event.starts_at for event in events)


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_member_has_email_preferences_and_every_frequency_is_chosen(seeded: dict[str, Tenant], slug: str) -> None:
    with tenant_context(seeded[slug].id):
        members = set(db.session.scalars(sa.select(Membership.user_id)))
        preferences = db.session.scalars(sa.select(EmailPreference)).all()
    assert {preference.frequency for preference in preferences} == set(EmailFrequency)
    assert members - {preference.user_id for preference in preferences} <= set(
        db.session.scalars(sa.select(User.id).where(User.email == "learner1@acme.test"))
    )
    assert any(not preference.rewards for preference in preferences)


COMMUNITY_MODULE = "Prodajne veščine: od potrebe do ponudbe"
# Words that are not Slovenian too ("to" and "a" are).
ENGLISH_WORDS = {"the", "and", "is", "you", "of", "with", "for", "it"}


def _community_texts(tenant: Tenant) -> tuple[list[str], list[str]]:
    """(texts members wrote, lines the app wrote) of a company's community."""
    with tenant_context(tenant.id):
        chat = db.session.execute(sa.select(ChatMessage.type, ChatMessage.body)).all()
        written = [body for kind, body in chat if kind is ChatMessageType.MESSAGE]
        written += list(db.session.scalars(sa.select(Comment.body)))
        for title, description in db.session.execute(sa.select(MentorRadarPost.title, MentorRadarPost.description)):
            written += [title, description]
        for title, description in db.session.execute(sa.select(MentorLiveEvent.title, MentorLiveEvent.description)):
            written += [title, description]
    return written, [body for kind, body in chat if kind is not ChatMessageType.MESSAGE]


def test_the_slovenian_company_community_is_in_slovenian(seeded: dict[str, Tenant]) -> None:
    slovenian, slovenian_lines = _community_texts(seeded["globex"])
    english, english_lines = _community_texts(seeded["acme"])

    def words(text: str) -> set[str]:
        return {word.strip(".,:;!?()'\"").lower() for word in text.split()}

    assert all(not words(text) & ENGLISH_WORDS for text in slovenian)
    assert set("čšž") <= set("".join(slovenian).lower())
    assert sum(bool(words(text) & ENGLISH_WORDS) for text in english) > len(english) // 2
    assert any("klepeta" in line for line in slovenian_lines)
    assert any("potrjen odgovor" in line for line in slovenian_lines)
    assert any("joined the chat" in line for line in english_lines)


def test_a_slovenian_learner_sees_the_seeded_community(seeded: dict[str, Tenant], client: FlaskClient) -> None:
    globex = seeded["globex"]
    learner = db.session.scalar(sa.select(User).where(User.email == "learner1@globex.test"))
    with tenant_context(globex.id):
        module_id = db.session.scalar(sa.select(Module.id).where(Module.title == COMMUNITY_MODULE))
    sign_in(client, learner, globex)

    module_chat = client.get(f"/modules/{module_id}/chat").get_data(as_text=True)
    company_chat = client.get("/chat").get_data(as_text=True)
    radar = client.get("/radar").get_data(as_text=True)
    events = client.get("/events").get_data(as_text=True)
    settings = client.get("/settings")

    assert "Najprej vprašajte, s čim točno primerja" in module_chat
    assert 'rel="noopener nofollow"' in company_chat
    assert "Informacijski pooblaščenec" in radar
    assert "Zaščitne rokavice" not in radar
    assert "Predstavitev novega cenika" in events
    assert "Spoznajte distribucijski center" not in events  # for the new colleagues' group only
    assert settings.status_code == 200


# The policy each company's media library holds (lms/demo/data/<slug>_media.json): a heading and a table cell.
POLICY_TEXTS = {
    "acme": ("Equipment required in production areas", "Cut-resistant gloves"),
    "globex": ("Pregled pred izmeno", "Ozki hodniki med regali"),
}


def _media(tenant: Tenant) -> tuple[list[MediaAsset], dict[VideoSourceType, Section]]:
    with tenant_context(tenant.id):
        assets = db.session.scalars(sa.select(MediaAsset).order_by(MediaAsset.id)).all()
        sections = db.session.scalars(sa.select(Section).where(Section.media_asset_id.is_not(None))).all()
    return assets, {section.video_source_type: section for section in sections}


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_a_read_policy_an_uploaded_video_and_a_stream_video_in_sections(
    seeded: dict[str, Tenant], slug: str
) -> None:
    assets, sections = _media(seeded[slug])
    (document,) = [asset for asset in assets if asset.type is MediaAssetType.DOCUMENT]
    uploaded, streamed = sorted(
        (asset for asset in assets if asset.type is MediaAssetType.VIDEO),
        key=lambda asset: asset.provider is MediaProvider.CLOUDFLARE_STREAM,
    )
    assert {asset.status for asset in assets} == {MediaAssetStatus.READY}
    assert all(text in document.extracted_text for text in POLICY_TEXTS[slug])
    assert read_bytes(get_storage(), document.storage_path).startswith(b"%PDF")
    assert uploaded.provider is MediaProvider.LOCAL
    assert (uploaded.content_type, uploaded.duration_seconds) == ("video/mp4", 6)
    assert get_storage().size(uploaded.storage_path) == uploaded.size_bytes > 0
    assert sections[VideoSourceType.UPLOAD].media_asset_id == uploaded.id
    assert sections[VideoSourceType.CLOUDFLARE_STREAM].media_asset_id == streamed.id
    assert sections[VideoSourceType.CLOUDFLARE_STREAM].video_stream_id == streamed.cf_stream_uid


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_each_company_has_an_ai_build_of_its_policy_ready_for_review(seeded: dict[str, Tenant], slug: str) -> None:
    tenant = seeded[slug]
    assets, _ = _media(tenant)
    (document,) = [asset for asset in assets if asset.type is MediaAssetType.DOCUMENT]
    with tenant_context(tenant.id):
        (build,) = db.session.scalars(sa.select(AiModuleBuild)).all()
        hr = db.session.scalar(sa.select(User.id).where(User.email == f"hr@{slug}.test"))
    proposal = build.ai_structured
    blocks = proposal["blocks"]

    assert (build.status, build.progress, build.error) == (AiBuildStatus.READY, 100, None)
    assert (build.source_file_path, build.created_by_id, build.module_id) == (document.storage_path, hr, None)
    assert proposal["language"] == tenant.locale
    assert {block["kind"] for block in blocks} == {"heading", "paragraph", "list", "table"}
    assert len(proposal["sections"]) >= 3
    assert POLICY_TEXTS[slug][0] in {section["title"] for section in proposal["sections"]}
    assert {question["type"] for question in proposal["questions"]} == {q.name for q in QuestionType}
    # Every question cites a paragraph of the source, within the section it belongs to.
    spans = {section["id"]: section["blocks"] for section in proposal["sections"]}
    for question in proposal["questions"]:
        first, last = spans[question["section"]]
        assert first <= question["block"] <= last < len(blocks)


def test_a_learner_watches_the_uploaded_video_and_sees_no_stream_player_without_its_setting(
    seeded: dict[str, Tenant], client: FlaskClient
) -> None:
    acme = seeded["acme"]
    _, sections = _media(acme)
    uploaded, streamed = sections[VideoSourceType.UPLOAD], sections[VideoSourceType.CLOUDFLARE_STREAM]
    learner = db.session.scalar(sa.select(User).where(User.email == "learner1@acme.test"))
    sign_in(client, learner, acme)

    page = client.get(f"/modules/{uploaded.module_id}?section={uploaded.id}").get_data(as_text=True)
    clip = client.get(f"/sections/{uploaded.id}/video", headers={"Range": "bytes=0-7"})
    stream_page = client.get(f"/modules/{streamed.module_id}?section={streamed.id}")

    assert "<video" in page
    assert f'src="/sections/{uploaded.id}/video"' in page
    assert (clip.status_code, clip.data[4:8]) == (206, b"ftyp")
    assert stream_page.status_code == 200
    assert streamed.title in stream_page.get_data(as_text=True)
    assert 'id="section-video"' not in stream_page.get_data(as_text=True)  # no CLOUDFLARE_STREAM_SUBDOMAIN in tests


def test_hr_previewing_the_stream_section_is_told_which_setting_it_needs(
    seeded: dict[str, Tenant], client: FlaskClient
) -> None:
    acme = seeded["acme"]
    _, sections = _media(acme)
    streamed = sections[VideoSourceType.CLOUDFLARE_STREAM]
    sign_in(client, db.session.scalar(sa.select(User).where(User.email == "hr@acme.test")), acme)

    preview = client.get(f"/admin/modules/preview/?id={streamed.module_id}&section={streamed.id}")

    assert preview.status_code == 200
    assert "CLOUDFLARE_STREAM_SUBDOMAIN" in preview.get_data(as_text=True)
