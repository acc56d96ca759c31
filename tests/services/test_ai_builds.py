"""Does the AI module builder turn a document into a reviewed draft module, once, and refuse
what it cannot read? (issue 16, item 4)

The offline generator drafts (the default: no AI_BASE_URL); documents are made here with
fpdf2. Jobs run inline after each commit (no REDIS_URL), as in the embedded mode.
"""

from __future__ import annotations

import io
import threading

import pytest
import sqlalchemy as sa
from flask import Flask
from fpdf import FPDF

from lms.extensions import db
from lms.models import AiModuleBuild, AuditLog, MediaAsset, Module, Quiz, QuizQuestion, Section, Tenant, User
from lms.models.enums import (
    AiBuildSourceType,
    AiBuildStatus,
    AuditAction,
    MediaAssetStatus,
    MediaAssetType,
    MediaProvider,
    ModuleStatus,
    SectionType,
    TenantPlan,
    TenantRole,
)
from lms.services import ai_builds, quizzes
from lms.services.ai_builds import AssetSource, FileSource, TextSource
from lms.services.file_types import FileType
from lms.services.plans import PlanLimitReached
from lms.storage import MissingFile, get_storage, read_bytes, save_bytes
from lms.tenancy import tenant_context, unscoped
from tests.conftest import need_service
from tests.factories import TwoTenants, make_user, two_tenants

POLICY = """# Working at height

Anyone who works more than two metres above the ground must wear a safety harness. The harness is \
checked by the supervisor before every shift, and a damaged harness is taken out of use at once.

Ladders are inspected every month. A ladder with a cracked rung is labelled and removed from the site \
by the maintenance team.

# Fire safety

Fire extinguishers hang beside every exit. Each employee attends the evacuation drill twice a year, \
and the assembly point is the north car park.

Smoking is allowed only in the marked shelter behind the warehouse, never inside the loading bay.
"""


@pytest.fixture
def world(app_ctx: Flask) -> TwoTenants:
    return two_tenants()


@pytest.fixture
def hr(world: TwoTenants) -> User:
    return make_user("hana@acme.test", (world.acme, TenantRole.HR), name="Hana")


def policy_pdf(*, password: str | None = None) -> bytes:
    """A two-chapter policy: bold 18 pt headings over 11 pt paragraphs."""
    pdf = FPDF()
    pdf.add_page()
    for block in POLICY.strip().split("\n\n"):
        if block.startswith("# "):
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 10, block.removeprefix("# "))
        else:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, block)
        pdf.ln(4)
    if password is not None:
        pdf.set_encryption(owner_password=password, user_password=password)
    return bytes(pdf.output())


def _start_and_run(source: ai_builds.Source, user: User, language: str = "en") -> AiModuleBuild:
    """Start a build and commit: the job runs inline after the commit; the build as it ended."""
    build = ai_builds.start_build(source, user, language)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(AiModuleBuild, build.id)


def _ready(world: TwoTenants, hr: User) -> AiModuleBuild:
    build = _start_and_run(TextSource(POLICY), hr)
    assert build.status is AiBuildStatus.READY, build.error
    return build


# --- Building ----------------------------------------------------------------------------------


def test_pasted_text_becomes_a_proposal_with_sections_questions_and_citations(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)

        structured = build.ai_structured
        assert (build.progress, build.source_type, build.created_by_id) == (100, AiBuildSourceType.TEXT, hr.id)
        assert structured["title"]
        assert [section["title"] for section in structured["sections"]] == ["Working at height", "Fire safety"]
        assert structured["questions"], "the offline generator asks about the document's statements"
        for question in structured["questions"]:
            cited = structured["blocks"][question["block"]]["text"]
            assert cited
            assert " ".join(cited.split()) in " ".join(POLICY.split())
            assert any(option["correct"] for option in question["options"])


def test_a_pdf_upload_is_stored_under_the_tenant_and_built(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _start_and_run(FileSource("Policy.pdf", io.BytesIO(policy_pdf())), hr)

        assert build.status is AiBuildStatus.READY, build.error
        assert (build.source_type, build.source_name) == (AiBuildSourceType.PDF, "Policy.pdf")
        assert build.source_file_path.startswith(f"tenants/{world.acme.id}/ai/")
        assert read_bytes(get_storage(), build.source_file_path).startswith(b"%PDF-")
        assert len(build.ai_structured["sections"]) >= 2


def test_a_pdf_named_docx_is_read_as_the_pdf_it_is(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _start_and_run(FileSource("Policy.docx", io.BytesIO(policy_pdf())), hr)

        assert build.source_type is AiBuildSourceType.PDF
        assert build.source_file_path.endswith(".pdf")
        assert build.status is AiBuildStatus.READY, build.error


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"MZ\x90\x00" + b"\x00" * 200, "neither a PDF nor a Word"),
        (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64, "video"),
    ],
    ids=["executable", "mp4"],
)
def test_a_file_that_is_no_document_is_refused_and_nothing_is_written(
    world: TwoTenants, hr: User, content: bytes, says: str
) -> None:
    with tenant_context(world.acme.id):
        with pytest.raises(ai_builds.BuildError, match=says):
            ai_builds.start_build(FileSource("policy.pdf", io.BytesIO(content)), hr, "en")

        assert db.session.scalar(sa.select(sa.func.count(AiModuleBuild.id))) == 0


def test_a_stored_upload_goes_again_when_the_transaction_rolls_back(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = ai_builds.start_build(FileSource("Policy.pdf", io.BytesIO(policy_pdf())), hr, "en")
        key = build.source_file_path
        db.session.rollback()

    with pytest.raises(MissingFile):
        get_storage().size(key)


def test_an_encrypted_pdf_ends_failed_with_the_reason(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _start_and_run(FileSource("Secret.pdf", io.BytesIO(policy_pdf(password="s3cret"))), hr)

        assert build.status is AiBuildStatus.FAILED
        assert "password" in build.error.lower()
        assert build.ai_structured.get("sections") is None


def test_too_little_text_or_an_unknown_language_is_refused(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        with pytest.raises(ai_builds.BuildError, match="at least 200 characters"):
            ai_builds.start_build(TextSource("Wear a helmet."), hr, "en")
        with pytest.raises(ai_builds.BuildError, match="English or Slovenian"):
            ai_builds.start_build(TextSource(POLICY), hr, "de")
        assert db.session.scalar(sa.select(sa.func.count(AiModuleBuild.id))) == 0


def _document_asset(tenant: Tenant, *, status: MediaAssetStatus = MediaAssetStatus.READY) -> int:
    with tenant_context(tenant.id):
        key = f"tenants/{tenant.id}/media/policy-{status.name.lower()}.pdf"
        save_bytes(get_storage(), key, policy_pdf())
        asset = MediaAsset(
            type=MediaAssetType.DOCUMENT,
            status=status,
            provider=MediaProvider.LOCAL,
            title="Safety policy",
            file_name="policy.pdf",
            content_type=FileType.PDF.value,
            storage_path=key,
        )
        db.session.add(asset)
        db.session.flush()
        return asset.id


def test_a_ready_document_of_the_media_library_is_built(world: TwoTenants, hr: User) -> None:
    asset_id = _document_asset(world.acme)
    with tenant_context(world.acme.id):
        assert [asset.id for asset in ai_builds.document_assets()] == [asset_id]
        build = _start_and_run(AssetSource(asset_id), hr)

        assert (build.status, build.source_type, build.source_name) == (
            AiBuildStatus.READY,
            AiBuildSourceType.PDF,
            "Safety policy",
        )


def test_another_tenants_document_is_not_found_and_one_still_processing_is_refused(world: TwoTenants, hr: User) -> None:
    theirs = _document_asset(world.globex)
    processing = _document_asset(world.acme, status=MediaAssetStatus.PROCESSING)
    with tenant_context(world.acme.id):
        assert ai_builds.document_assets() == []
        with pytest.raises(ai_builds.BuildNotFound):
            ai_builds.start_build(AssetSource(theirs), hr, "en")
        with pytest.raises(ai_builds.BuildError, match="not ready yet"):
            ai_builds.start_build(AssetSource(processing), hr, "en")
        assert db.session.scalar(sa.select(sa.func.count(AiModuleBuild.id))) == 0


def test_a_failed_build_tries_again_and_a_ready_one_is_left_alone(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _start_and_run(FileSource("Secret.pdf", io.BytesIO(policy_pdf(password="x"))), hr)
        assert build.status is AiBuildStatus.FAILED
        ai_builds.retry(build)
        assert (build.status, build.error, build.progress) == (AiBuildStatus.PENDING, None, 0)

        ready = _ready(world, hr)
        before = dict(ready.ai_structured)
        with pytest.raises(ai_builds.NotUnderReview):
            ai_builds.retry(ready)
        ai_builds.run_build(world.acme.id, ready.id)
        db.session.expire_all()
        assert db.session.get(AiModuleBuild, ready.id).ai_structured == before


def test_a_build_is_found_only_in_its_own_company(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build_id = _ready(world, hr).id
    with tenant_context(world.globex.id), pytest.raises(ai_builds.BuildNotFound):
        ai_builds.get_build(build_id)
    with tenant_context(world.globex.id):
        assert ai_builds.recent_builds() == []


# --- Review ------------------------------------------------------------------------------------


def test_sections_are_edited_sanitised_and_dropped_with_their_questions(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        first, second = (section["id"] for section in build.ai_structured["sections"])

        ai_builds.update_section(build, first, "  At height ", "<p>Harness <script>alert(1)</script>on.</p>")
        ai_builds.drop_section(build, second)

        structured = build.ai_structured
        assert [(s["id"], s["title"], s["html"]) for s in structured["sections"]] == [
            (first, "At height", "<p>Harness on.</p>")
        ]
        assert {question["section"] for question in structured["questions"]} <= {first}
        with pytest.raises(ai_builds.BuildError, match="at least one section"):
            ai_builds.drop_section(build, first)
        with pytest.raises(ai_builds.BuildNotFound, match="no such section"):
            ai_builds.update_section(build, "s99", "Title", "<p>x</p>")
        with pytest.raises(ai_builds.BuildError, match="Enter a title"):
            ai_builds.update_section(build, first, "  ", "<p>x</p>")


def test_questions_are_edited_by_the_quiz_editors_rules_and_dropped(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        questions = build.ai_structured["questions"]
        first = next(q for q in questions if q["type"] != "TRUE_FALSE")

        ai_builds.update_question(
            build, first["id"], "Who checks the harness?", [("The supervisor", True), ("Me", False)]
        )
        edited = next(q for q in build.ai_structured["questions"] if q["id"] == first["id"])
        assert (edited["text"], edited["options"]) == (
            "Who checks the harness?",
            [{"text": "The supervisor", "correct": True}, {"text": "Me", "correct": False}],
        )
        with pytest.raises(quizzes.InvalidOptions, match="correct"):
            ai_builds.update_question(build, first["id"], "Who?", [("A", False), ("B", False)])
        with pytest.raises(ai_builds.BuildError, match="Enter the question"):
            ai_builds.update_question(build, first["id"], " ", [("A", True), ("B", False)])

        ai_builds.drop_question(build, first["id"])
        assert first["id"] not in {q["id"] for q in build.ai_structured["questions"]}
        with pytest.raises(ai_builds.BuildNotFound, match="no such question"):
            ai_builds.drop_question(build, first["id"])


def test_title_and_summary_are_edited(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        ai_builds.update_title_summary(build, "Safety at Acme", "What every shift needs to know.")
        assert (build.ai_structured["title"], build.ai_structured["summary"]) == (
            "Safety at Acme",
            "What every shift needs to know.",
        )
        with pytest.raises(ai_builds.BuildError, match="Enter a title"):
            ai_builds.update_title_summary(build, "", "x")


def test_a_section_and_a_question_are_regenerated_in_place(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        section_id = build.ai_structured["sections"][0]["id"]
        question_id = build.ai_structured["questions"][0]["id"]
        count = len(build.ai_structured["questions"])

        ai_builds.regenerate_section(build, section_id)
        ai_builds.regenerate_question(build, question_id)

        structured = build.ai_structured
        assert structured["sections"][0]["id"] == section_id
        assert structured["sections"][0]["title"]
        regenerated = next(q for q in structured["questions"] if q["id"] == question_id)
        assert any(option["correct"] for option in regenerated["options"])
        assert len(structured["questions"]) == count


# --- Accept ------------------------------------------------------------------------------------


def test_accept_creates_the_draft_module_sections_quiz_and_audit_once(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        proposal = build.ai_structured

        module = ai_builds.accept(build, hr)
        again = ai_builds.accept(build, hr)

        assert again.id == module.id
        assert (module.status, module.created_by_id, module.title) == (ModuleStatus.DRAFT, hr.id, proposal["title"])
        assert (build.status, build.module_id) == (AiBuildStatus.APPLIED, module.id)
        sections = db.session.scalars(
            sa.select(Section).where(Section.module_id == module.id).order_by(Section.sort_order)
        ).all()
        assert [(s.title, s.type, s.sort_order) for s in sections] == [
            (generated["title"], SectionType.TEXT, index) for index, generated in enumerate(proposal["sections"])
        ]
        assert all("harness" in s.search_text.lower() for s in sections[:1])
        quiz = db.session.scalar(sa.select(Quiz).where(Quiz.module_id == module.id))
        asked = db.session.scalars(sa.select(QuizQuestion).where(QuizQuestion.quiz_id == quiz.id)).all()
        assert [q.text for q in sorted(asked, key=lambda q: q.sort_order)] == [q["text"] for q in proposal["questions"]]
        assert db.session.scalar(sa.select(sa.func.count(Module.id))) == 1
        created = db.session.scalars(
            sa.select(AuditLog).where(
                AuditLog.action == AuditAction.MODULE_CREATED, AuditLog.entity_id == str(module.id)
            )
        ).all()
        assert [(row.actor_id, row.details["ai_build_id"]) for row in created] == [(hr.id, build.id)]
        with pytest.raises(ai_builds.NotUnderReview):
            ai_builds.update_title_summary(build, "Late", "")


def test_accept_respects_the_plans_module_limit_and_writes_nothing(world: TwoTenants, hr: User) -> None:
    with tenant_context(world.acme.id):
        build = _ready(world, hr)
        world.acme.plan = TenantPlan.FREE
        for number in range(10):
            db.session.add(Module(title=f"Module {number}", created_by_id=hr.id))
        db.session.flush()

        with pytest.raises(PlanLimitReached, match="allows 10 modules"):
            ai_builds.accept(build, hr)
        db.session.expire_all()
        assert db.session.scalar(sa.select(sa.func.count(Module.id))) == 10
        assert db.session.get(AiModuleBuild, build.id).status is AiBuildStatus.READY


def test_two_clicks_on_accept_at_once_create_one_module(app: Flask, committed: None) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            need_service("concurrent writers need PostgreSQL (TEST_DATABASE_URL)")
        world = two_tenants()
        hr = make_user("hana@acme.test", (world.acme, TenantRole.HR))
        with tenant_context(world.acme.id):
            build_id = _ready(world, hr).id
        tenant_id, user_id = world.acme.id, hr.id
        db.session.commit()
    barrier = threading.Barrier(2)
    modules: list[int] = []
    failures: list[BaseException] = []

    def click() -> None:
        with app.app_context(), tenant_context(tenant_id):
            build = db.session.get(AiModuleBuild, build_id)
            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                modules.append(ai_builds.accept(build, user).id)
                db.session.commit()
            except Exception as error:  # a failure must reach the assertion below, not vanish in the thread
                db.session.rollback()
                failures.append(error)

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(set(modules)) == 1
    with app.app_context(), unscoped("test assertion"):
        assert db.session.scalar(sa.select(sa.func.count(Module.id))) == 1
