"""Finding modules (issue 5): the learner's list of published modules, searched and filtered.

Search uses PostgreSQL full-text search (the tenant's language: ``english`` for en,
``simple`` for sl, which PostgreSQL has no dictionary for) over titles, descriptions
and section text, plus tag names; SQLite, the embedded mode, falls back to LIKE.
A page costs a fixed number of queries however many modules match.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.models import Module, ModuleCategory, ModuleTag, Section, Tag
from lms.models.enums import Difficulty, ModuleStatus
from lms.services.completion import completed_module_ids
from lms.services.progress import Progress, missing_from, prerequisite_links, progress_of

STATUSES = ("not_started", "in_progress", "completed")
PAGE_SIZE = 24


@dataclass(frozen=True)
class Filters:
    query: str = ""
    category_id: int | None = None
    tag_id: int | None = None
    difficulty: Difficulty | None = None
    status: str | None = None
    page: int = 1


@dataclass
class Entry:
    module: Module
    category: str | None
    progress: Progress
    missing: list[Module] = field(default_factory=list)
    completed: bool = False

    @property
    def status(self) -> str:
        if self.completed:
            return "completed"
        return "in_progress" if self.progress.started else "not_started"


@dataclass
class SearchResults:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    categories: list[ModuleCategory]
    tags: list[Tag]


def _search(query: str, locale: str) -> sa.ColumnElement[bool]:
    if db.session.get_bind().dialect.name == "postgresql":
        config = "english" if locale == "en" else "simple"
        terms = sa.func.plainto_tsquery(config, query)
        document = sa.func.to_tsvector(config, Module.title + " " + sa.func.coalesce(Module.description, ""))
        in_sections = (
            sa.select(Section.id)
            .where(Section.module_id == Module.id, sa.func.to_tsvector(config, Section.search_text).op("@@")(terms))
            .exists()
        )
        in_tags = (
            sa.select(ModuleTag.tag_id)
            .join(Tag, Tag.id == ModuleTag.tag_id)
            .where(ModuleTag.module_id == Module.id, Tag.name.ilike(query))
            .exists()
        )
        return sa.or_(document.op("@@")(terms), in_sections, in_tags)
    like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    in_sections = sa.select(Section.id).where(
        Section.module_id == Module.id, Section.search_text.ilike(like, escape="\\")
    )
    in_tags = (
        sa.select(ModuleTag.tag_id)
        .join(Tag, Tag.id == ModuleTag.tag_id)
        .where(ModuleTag.module_id == Module.id, Tag.name.ilike(like, escape="\\"))
    )
    return sa.or_(
        Module.title.ilike(like, escape="\\"),
        Module.description.ilike(like, escape="\\"),
        in_sections.exists(),
        in_tags.exists(),
    )


def search_modules(user_id: int, filters: Filters, locale: str) -> SearchResults:
    """One page of published modules with the learner's progress, completions and locks (seven queries)."""
    statement = (
        sa.select(Module, ModuleCategory.name)
        .outerjoin(ModuleCategory, ModuleCategory.id == Module.category_id)
        .where(Module.status == ModuleStatus.PUBLISHED)
        .options(selectinload(Module.tags))
        .order_by(Module.title, Module.id)
    )
    if filters.query.strip():
        statement = statement.where(_search(filters.query.strip(), locale))
    if filters.category_id is not None:
        statement = statement.where(Module.category_id == filters.category_id)
    if filters.difficulty is not None:
        statement = statement.where(Module.difficulty == filters.difficulty)
    if filters.tag_id is not None:
        statement = statement.where(
            sa.select(ModuleTag.tag_id)
            .where(ModuleTag.module_id == Module.id, ModuleTag.tag_id == filters.tag_id)
            .exists()
        )
    rows = db.session.execute(statement).all()
    links = prerequisite_links(module.id for module, _ in rows)
    progress = progress_of(user_id, [module.id for module, _ in rows])
    completed = completed_module_ids(user_id, [module.id for module, _ in rows] + [m.id for _, m in links])
    missing = missing_from(links, completed)
    entries = [
        Entry(module, category, progress[module.id], missing.get(module.id, []), module.id in completed)
        for module, category in rows
    ]
    if filters.status in STATUSES:
        entries = [entry for entry in entries if entry.status == filters.status]
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(max(1, filters.page), pages)
    categories = db.session.scalars(sa.select(ModuleCategory).order_by(ModuleCategory.sort_order, ModuleCategory.name))
    tags = db.session.scalars(sa.select(Tag).order_by(Tag.sort_order, Tag.name))
    return SearchResults(
        entries=entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(entries),
        page=page,
        pages=pages,
        categories=list(categories),
        tags=list(tags),
    )
