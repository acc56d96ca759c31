"""The AI module builder (issue 16, item 4): a document in, a reviewed DRAFT module and quiz out.

A build goes PENDING → EXTRACTING → GENERATING → READY (or FAILED with the reason) in a
background job, keeping the proposal in ``AiModuleBuild.ai_structured`` (the structure of
``lms/services/ai_generator.py``: the source's blocks, title, summary, sections, questions,
plus the ``language`` it is written in). HR reviews it — edits, drops or regenerates any
section or question — and accepts it; only then are the module, its sections and its quiz
created, through the same services as by hand (``content``, ``quiz_editor``), audited, owned
by whoever accepted, all in one transaction.

Why the locks. Every review edit and the accept read and write the whole JSON under the
build's row lock (``SELECT … FOR UPDATE``): two tabs saving at once would otherwise each
write back the structure they read, one silently undoing the other, and a double click on
"Accept" would create two modules. After the lock the second accept sees APPLIED and gets
the first one's module (DESIGN.md: jobs are idempotent; STYLE.md: check-then-insert is a race).

The job is idempotent as RQ's at-least-once delivery needs (DESIGN.md: jobs): a build
already READY or APPLIED is left alone, any other is (re)run from its source. Each status
change is committed at once so the build page's progress bar sees it. A reason for the
user (``DocumentError``, ``GenerationFailed``, a missing file) ends the build FAILED and
the job succeeds; anything unexpected marks it FAILED too and is raised, so RQ retries it.

Services flush at most; the view or the job commits (STYLE.md: transactions).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job
from lms.models import AiModuleBuild, MediaAsset, Module, Quiz, QuizQuestion, Section, Tenant, User
from lms.models.enums import (
    AiBuildSourceType,
    AiBuildStatus,
    AuditAction,
    MediaAssetStatus,
    MediaAssetType,
    QuestionType,
    SectionType,
)
from lms.services import content, quiz_editor, quizzes, rich_text, uploads
from lms.services.ai_generator import GenerationFailed, get_generator, validate_draft
from lms.services.audit import audit
from lms.services.documents import Block, Document, DocumentError, read_document, text_document
from lms.services.file_types import DOCUMENT_TYPES, FileType, sniff
from lms.storage import MissingFile, get_storage, open_seekable
from lms.tenancy import current_tenant_id, tenant_context

LANGUAGES = ("en", "sl")
MIN_TEXT_LENGTH = 200  # pasted text shorter than a couple of paragraphs cannot make a module
TITLE_MAX_LENGTH = 200  # Module.title, Section.title
SOURCE_NAME_LENGTH = 60  # how much of pasted text names the build in the list
IN_PROGRESS = frozenset({AiBuildStatus.PENDING, AiBuildStatus.EXTRACTING, AiBuildStatus.GENERATING})
_FILE_SOURCES = {FileType.PDF: AiBuildSourceType.PDF, FileType.DOCX: AiBuildSourceType.WORD}
_FILE_TYPES = {source: file_type for file_type, source in _FILE_SOURCES.items()}
_DRAFT_KEYS = ("title", "summary", "sections", "questions")


class BuildError(LmsError):
    """A build cannot start, be edited or be accepted as asked; the message tells HR why."""


class BuildNotFound(BuildError):
    """No build, asset, section or question of this company by that id: the page answers 404."""


class NotUnderReview(BuildError):
    """The build is not READY: still running, failed, or already accepted."""


# --- Sources ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileSource:
    """An uploaded PDF or Word document: its name as the browser sent it, and its content."""

    name: str
    stream: BinaryIO


@dataclass(frozen=True)
class AssetSource:
    """A READY document of the company's media library."""

    asset_id: int


@dataclass(frozen=True)
class TextSource:
    """Text pasted into the form."""

    text: str


Source = FileSource | AssetSource | TextSource


def start_build(source: Source, creator: User | None, language: str) -> AiModuleBuild:
    """A PENDING build of ``source`` in ``language`` ("en" or "sl"), its job queued with it.

    The job is recorded in the caller's transaction (``lms.jobs.enqueue``): it runs once the
    build is committed, and a rollback takes both away.
    """
    if language not in LANGUAGES:
        raise BuildError(_l("Choose English or Slovenian as the language of the module."))
    build = AiModuleBuild(
        status=AiBuildStatus.PENDING,
        progress=0,
        created_by_id=None if creator is None else creator.id,
        ai_structured={"language": language},
    )
    if isinstance(source, FileSource):
        _from_file(build, source)
    elif isinstance(source, AssetSource):
        _from_asset(build, source.asset_id)
    else:
        _from_text(build, source.text)
    db.session.add(build)
    db.session.flush()
    enqueue(run_build, build.tenant_id, build.id)
    return build


def _from_file(build: AiModuleBuild, source: FileSource) -> None:
    """Typed by content, never by name: a PDF renamed ``.docx`` is read as the PDF it is."""
    file_type = sniff(source.stream)
    if file_type is None:
        raise BuildError(
            _l("“%(name)s” is neither a PDF nor a Word (.docx) document.", name=source.name or _l("The file"))
        )
    if file_type not in DOCUMENT_TYPES:
        raise BuildError(
            _l(
                "“%(name)s” is a video (%(type)s), not a PDF or Word (.docx) document.",
                name=source.name or _l("The file"),
                type=file_type.label,
            )
        )
    key = f"tenants/{current_tenant_id()}/ai/{uuid.uuid4().hex}.{file_type.extension}"
    get_storage().save(key, source.stream)
    uploads.discard_on_rollback([key])
    build.source_type = _FILE_SOURCES[file_type]
    build.source_file_path = key
    build.source_name = _name(source.name or key.rsplit("/", 1)[-1])


def _from_asset(build: AiModuleBuild, asset_id: int) -> None:
    asset = db.session.get(MediaAsset, asset_id)  # another company's asset is not there: tenant scoping
    if asset is None or asset.type is not MediaAssetType.DOCUMENT:
        raise BuildNotFound(_l("There is no such document in the media library."))
    if asset.status is not MediaAssetStatus.READY:
        raise BuildError(
            _l("“%(title)s” is not ready yet; try again once the media library shows it as ready.", title=asset.title)
        )
    file_type = _file_type_of(asset.content_type)
    if file_type is None or not asset.storage_path:
        raise BuildError(_l("“%(title)s” is not a stored PDF or Word document.", title=asset.title))
    build.source_type = _FILE_SOURCES[file_type]
    build.source_file_path = asset.storage_path
    build.source_name = _name(str(asset))


def _file_type_of(content_type: str | None) -> FileType | None:
    try:
        file_type = FileType(content_type)
    except ValueError:
        return None
    return file_type if file_type in DOCUMENT_TYPES else None


def _from_text(build: AiModuleBuild, text: str) -> None:
    text = (text or "").strip()
    if len(text) < MIN_TEXT_LENGTH:
        raise BuildError(
            _l("Paste at least %(n)d characters of text: a module needs more to go on.", n=MIN_TEXT_LENGTH)
        )
    build.source_type = AiBuildSourceType.TEXT
    build.source_text = text
    build.source_name = _name(" ".join(text.split()))


def _name(name: str) -> str:
    name = name.strip()
    return name if len(name) <= SOURCE_NAME_LENGTH else name[: SOURCE_NAME_LENGTH - 1].rstrip() + "…"


def retry(build: AiModuleBuild) -> None:
    """ "Try again" on a FAILED build: back to PENDING, the job queued again."""
    build = _locked(build.id)
    if build.status is not AiBuildStatus.FAILED:
        raise NotUnderReview(_l("Only a failed build can be tried again."))
    _set_status(build, AiBuildStatus.PENDING, 0)
    build.error = None
    enqueue(run_build, build.tenant_id, build.id)


def get_build(build_id: int | None) -> AiModuleBuild:
    """The company's build by id; BuildNotFound for none or another company's (tenant scoping)."""
    build = db.session.get(AiModuleBuild, build_id) if build_id is not None else None
    if build is None:
        raise BuildNotFound(_l("There is no such build."))
    return build


def recent_builds(limit: int = 100) -> list[AiModuleBuild]:
    """The company's builds, newest first, with who started each."""
    return list(
        db.session.scalars(
            sa.select(AiModuleBuild)
            .options(selectinload(AiModuleBuild.created_by))
            .order_by(AiModuleBuild.created_at.desc(), AiModuleBuild.id.desc())
            .limit(limit)
        )
    )


def document_assets() -> list[MediaAsset]:
    """The company's READY documents of the media library, a build's other source."""
    return list(
        db.session.scalars(
            sa.select(MediaAsset)
            .where(MediaAsset.type == MediaAssetType.DOCUMENT, MediaAsset.status == MediaAssetStatus.READY)
            .order_by(MediaAsset.title, MediaAsset.id)
        )
    )


# --- The job ----------------------------------------------------------------------------------


@job("default", label=_l("AI module build"))
def run_build(tenant_id: int, build_id: int) -> None:
    """Read the build's source and draft the module; see the module docstring for the states."""
    with tenant_context(tenant_id), tenant_locale(tenant_id):
        build = db.session.get(AiModuleBuild, build_id)
        if build is None or build.status in (AiBuildStatus.READY, AiBuildStatus.APPLIED):
            return
        language = (build.ai_structured or {}).get("language", "en")
        try:
            _step(build, AiBuildStatus.EXTRACTING, 10)
            document = _read_source(build)
            if not document.blocks:
                raise DocumentError(_l("No text to read — scanned documents are not supported."))
            blocks = list(document.blocks)
            _step(build, AiBuildStatus.GENERATING, 40)
            draft = validate_draft(get_generator().draft(blocks, language), len(blocks))
        except (DocumentError, GenerationFailed) as error:
            _fail(build, str(error))
            return
        except MissingFile:
            _fail(build, str(_l("The source file is no longer stored; start a new build with the file.")))
            return
        except Exception:
            db.session.rollback()
            _fail(db.session.get(AiModuleBuild, build_id), str(_l("The build stopped unexpectedly; try again.")))
            raise
        build = _locked(build_id)
        if build.status in (AiBuildStatus.READY, AiBuildStatus.APPLIED):
            return  # another run (a retry RQ started while this one was slow) finished first; keep its review
        build.ai_structured = {"language": language, "blocks": [block.to_json() for block in blocks], **draft}
        build.error = None
        _step(build, AiBuildStatus.READY, 100)


def _step(build: AiModuleBuild, status: AiBuildStatus, progress: int) -> None:
    """Commit a status change at once: the build page polls for it while the job goes on."""
    _set_status(build, status, progress)
    db.session.commit()


def _fail(build: AiModuleBuild, reason: str) -> None:
    build.error = reason
    _step(build, AiBuildStatus.FAILED, 100)


def _set_status(build: AiModuleBuild, status: AiBuildStatus, progress: int) -> None:
    build.status = status
    build.progress = progress


def _read_source(build: AiModuleBuild) -> Document:
    if build.source_type is AiBuildSourceType.TEXT:
        return text_document(build.source_text or "")
    file_type = _FILE_TYPES.get(build.source_type)
    if file_type is None or not build.source_file_path:
        raise DocumentError(_l("This build has no document to read."))
    with open_seekable(get_storage(), build.source_file_path) as stream:
        return read_document(stream, file_type)


# --- Review -----------------------------------------------------------------------------------


def _locked(build_id: int) -> AiModuleBuild:
    """The build re-read under its row lock, with what the other transaction committed."""
    build = db.session.scalar(
        sa.select(AiModuleBuild)
        .where(AiModuleBuild.id == build_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if build is None:
        raise BuildNotFound(_l("There is no such build."))
    return build


def _under_review(build: AiModuleBuild) -> tuple[AiModuleBuild, dict[str, Any]]:
    """The locked build and a copy of its proposal to change; NotUnderReview unless READY."""
    build = _locked(build.id)
    if build.status is not AiBuildStatus.READY:
        raise NotUnderReview(_l("This proposal is no longer open for review."))
    return build, copy.deepcopy(build.ai_structured or {})


def _save(build: AiModuleBuild, structured: dict[str, Any]) -> None:
    """Check the changed proposal as a generated one is checked, then store it (a new dict, so it is written)."""
    draft = validate_draft({key: structured.get(key) for key in _DRAFT_KEYS}, len(structured.get("blocks", [])))
    build.ai_structured = {**structured, **draft}


def _index(items: Sequence[dict[str, Any]], item_id: str, missing: Any) -> int:
    for index, item in enumerate(items):
        if item.get("id") == item_id:
            return index
    raise BuildNotFound(missing)


def _section_index(structured: dict[str, Any], section_id: str) -> int:
    return _index(structured.get("sections", []), section_id, _l("The proposal has no such section."))


def _question_index(structured: dict[str, Any], question_id: str) -> int:
    return _index(structured.get("questions", []), question_id, _l("The proposal has no such question."))


def _title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise BuildError(_l("Enter a title."))
    if len(title) > TITLE_MAX_LENGTH:
        raise BuildError(_l("A title can have at most %(n)d characters.", n=TITLE_MAX_LENGTH))
    return title


def blocks_of(build: AiModuleBuild) -> list[Block]:
    return [Block.from_json(block) for block in (build.ai_structured or {}).get("blocks", [])]


def update_title_summary(build: AiModuleBuild, title: str, summary: str) -> None:
    build, structured = _under_review(build)
    structured["title"] = _title(title)
    structured["summary"] = (summary or "").strip()
    _save(build, structured)


def update_section(build: AiModuleBuild, section_id: str, title: str, html: str) -> None:
    """A section's new title and HTML; the HTML is sanitised as every rich text is."""
    build, structured = _under_review(build)
    section = structured["sections"][_section_index(structured, section_id)]
    section["title"] = _title(title)
    section["html"] = rich_text.clean(html)
    _save(build, structured)


def drop_section(build: AiModuleBuild, section_id: str) -> None:
    """Leave a section out of the module, with the questions asked about it."""
    build, structured = _under_review(build)
    index = _section_index(structured, section_id)
    if len(structured["sections"]) == 1:
        raise BuildError(_l("A module needs at least one section; this is the last one."))
    del structured["sections"][index]
    structured["questions"] = [q for q in structured.get("questions", []) if q.get("section") != section_id]
    _save(build, structured)


def regenerate_section(build: AiModuleBuild, section_id: str) -> None:
    """A new version of one section from the same source paragraphs (GenerationFailed says why not)."""
    build, structured = _under_review(build)
    index = _section_index(structured, section_id)
    section = get_generator().section(blocks_of(build), _draft(structured), section_id)
    structured["sections"][index] = {**section, "id": section_id}
    _save(build, structured)


def update_question(
    build: AiModuleBuild, question_id: str, text: str, options: Sequence[tuple[str | None, bool]]
) -> None:
    """A question's new text and options (text, correct); the quiz editor's rules apply
    (``quizzes.InvalidOptions`` says what is wrong)."""
    build, structured = _under_review(build)
    question = structured["questions"][_question_index(structured, question_id)]
    text = (text or "").strip()
    if not text:
        raise BuildError(_l("Enter the question."))
    question["text"] = text
    question["options"] = quiz_editor.options_from_rows(QuestionType[question["type"]], list(options))
    _save(build, structured)


def drop_question(build: AiModuleBuild, question_id: str) -> None:
    build, structured = _under_review(build)
    del structured["questions"][_question_index(structured, question_id)]
    _save(build, structured)


def regenerate_question(build: AiModuleBuild, question_id: str) -> None:
    """Another question on the same section, from another statement where the source has one."""
    build, structured = _under_review(build)
    index = _question_index(structured, question_id)
    question = get_generator().question(blocks_of(build), _draft(structured), question_id)
    structured["questions"][index] = {**question, "id": question_id}
    _save(build, structured)


def _draft(structured: dict[str, Any]) -> dict[str, Any]:
    return {key: structured.get(key) for key in (*_DRAFT_KEYS, "language")}


# --- Accept -----------------------------------------------------------------------------------


def accept(build: AiModuleBuild, user: User) -> Module:
    """Create the DRAFT module of a reviewed proposal, owned by ``user``; the module, once.

    A second accept (a double click, two tabs) waits for the first one's lock and gets its
    module. The plan's module limit applies (``content.create_module``); a refusal writes nothing.
    """
    build = _locked(build.id)
    if build.status is AiBuildStatus.APPLIED and build.module_id is not None:
        module = db.session.get(Module, build.module_id)
        if module is not None:
            return module
    if build.status is not AiBuildStatus.READY:
        raise NotUnderReview(_l("This proposal is not ready to be accepted."))
    structured = build.ai_structured or {}
    draft = validate_draft({key: structured.get(key) for key in _DRAFT_KEYS}, len(structured.get("blocks", [])))
    module = content.create_module(db.session.get(Tenant, build.tenant_id), _title(draft["title"]), created_by=user)
    module.description = rich_text.clean(draft.get("summary") or "")
    db.session.flush()
    audit(
        AuditAction.MODULE_CREATED,
        module,
        actor_id=user.id,
        changes={"title": module.title, "status": module.status, "created_by_id": user.id},
        ai_build_id=build.id,
    )
    for position, generated in enumerate(draft["sections"]):
        _add_section(module, generated, position, user)
    if draft["questions"]:
        _add_quiz(module, draft["questions"], user)
    build.module_id = module.id
    _set_status(build, AiBuildStatus.APPLIED, 100)
    return module


def _add_section(module: Module, generated: dict[str, Any], position: int, user: User) -> None:
    section = Section(module=module, title=_title(generated["title"]), type=SectionType.TEXT, sort_order=position)
    content.set_section_content(section, generated.get("html") or "")
    db.session.add(section)
    audit(
        AuditAction.RECORD_CREATED,
        section,
        actor_id=user.id,
        changes={"module_id": module.id, "title": section.title, "type": section.type, "sort_order": position},
    )


def _add_quiz(module: Module, generated: list[dict[str, Any]], user: User) -> None:
    quiz = Quiz(module=module, title=module.title)
    db.session.add(quiz)
    audit(AuditAction.QUIZ_UPDATED, quiz, actor_id=user.id, changes={"module_id": module.id, "title": quiz.title})
    for position, item in enumerate(generated):
        type_ = QuestionType[item["type"]]
        rows = [(option.get("text"), bool(option.get("correct"))) for option in item["options"]]
        try:
            options = quiz_editor.options_from_rows(type_, rows)
        except quizzes.InvalidOptions as error:
            raise BuildError(_l("Question %(n)d: %(reason)s", n=position + 1, reason=str(error))) from error
        question = QuizQuestion(quiz=quiz, type=type_, text=item["text"], options=options, sort_order=position)
        db.session.add(question)
        audit(
            AuditAction.QUIZ_UPDATED,
            question,
            actor_id=user.id,
            changes={"quiz_id": quiz.id, "type": type_, "text": question.text, "sort_order": position},
        )
