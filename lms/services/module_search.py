"""Finding modules (issue 5): the learner's list of published modules, searched and filtered.

Search uses PostgreSQL full-text search in the tenant's language (``english`` for en;
``simple`` for sl, as PostgreSQL has no Slovenian stemmer: words match as written, lower-cased)
over titles, descriptions and section text, plus tag names; SQLite, the embedded mode,
falls back to LIKE.

At company scale (issue 12) everything that decides which modules a page shows runs in
SQL: the search, the filters, the learner's status, the order, the count and the page's
LIMIT/OFFSET. The search matches the stored ``tsvector`` columns of ``lms/models/content.py``
(``_search_vectors``), never ``to_tsvector`` over every section: a rare word is a GIN index
scan, and a word in nearly every section only reads each row's stored vector (at 2,000
modules and 10,000 sections, 6 ms rather than the 31 ms of recomputing it; migration 0007).
Progress, locks and tags are then loaded for the shown page only, so a page costs the same
seven queries for 200 modules or 2,000.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.models import Module, ModuleCategory, ModuleTag, Section, SectionCompletion, Tag
from lms.models.content import module_search_vector, section_search_vector
from lms.models.enums import Difficulty, ModuleStatus
from lms.services.completion import completed_module_ids, completed_modules
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


@dataclass
class SearchResults:
    entries: list[Entry]
    total: int
    page: int
    pages: int
    categories: list[ModuleCategory]
    tags: list[Tag]

    @property
    def page_links(self) -> list[int | None]:
        """The page numbers to link: the first, the last and two around the current; None marks a gap.

        A fixed handful whatever the number of pages, so a big catalog does not render a link per page.
        """
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        links: list[int | None] = []
        previous = 0
        for number in shown:
            if number - previous > 1:
                links.append(None)
            links.append(number)
            previous = number
        return links


def text_search_config(locale: str) -> str:
    """The PostgreSQL text-search configuration of a tenant's language (see the module docstring)."""
    return "english" if locale == "en" else "simple"


def _matching(query: str, locale: str) -> sa.ColumnElement[bool]:
    """Modules whose title, description, section text or a tag matches ``query``.

    A union of module ids, one branch per place, so that on PostgreSQL each branch can be an
    index scan (an OR of EXISTS would test every module and section of the tenant).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        config = text_search_config(locale)
        terms = sa.func.plainto_tsquery(config, query)
        in_modules = sa.select(Module.id).where(module_search_vector(config).op("@@")(terms))
        in_sections = sa.select(Section.module_id).where(section_search_vector(config).op("@@")(terms))
        tag_name = like_escaped(query)
    else:
        like = f"%{like_escaped(query)}%"
        in_modules = sa.select(Module.id).where(
            sa.or_(Module.title.ilike(like, escape="\\"), Module.description.ilike(like, escape="\\"))
        )
        in_sections = sa.select(Section.module_id).where(Section.search_text.ilike(like, escape="\\"))
        tag_name = like
    in_tags = (
        sa.select(ModuleTag.module_id)
        .join(Tag, Tag.id == ModuleTag.tag_id)
        .where(Tag.name.ilike(tag_name, escape="\\"))
    )
    return Module.id.in_(sa.union(in_modules, in_sections, in_tags))


def like_escaped(text: str) -> str:
    """``text`` for LIKE with ``escape="\\"``: its % and _ are plain characters, not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _with_status(user_id: int, status: str) -> sa.ColumnElement[bool]:
    """The learner's status as SQL: completed by the completion rule, else started once a section is done.

    The same rule as ``Progress.started`` and ``completed_module_ids`` give per module.
    """
    completed = completed_modules(user_id)
    if status == "completed":
        return Module.id.in_(completed)
    started = Module.id.in_(sa.select(SectionCompletion.module_id).where(SectionCompletion.user_id == user_id))
    return sa.and_(Module.id.not_in(completed), started if status == "in_progress" else ~started)


def _conditions(user_id: int, filters: Filters, locale: str) -> list[sa.ColumnElement[bool]]:
    conditions = [Module.status == ModuleStatus.PUBLISHED]
    if filters.query.strip():
        conditions.append(_matching(filters.query.strip(), locale))
    if filters.category_id is not None:
        conditions.append(Module.category_id == filters.category_id)
    if filters.difficulty is not None:
        conditions.append(Module.difficulty == filters.difficulty)
    if filters.tag_id is not None:
        conditions.append(Module.id.in_(sa.select(ModuleTag.module_id).where(ModuleTag.tag_id == filters.tag_id)))
    if filters.status in STATUSES:
        conditions.append(_with_status(user_id, filters.status))
    return conditions


def _page(conditions: list[sa.ColumnElement[bool]], page: int) -> tuple[list[sa.Row], int]:
    """The modules of one page and the number of matches: one statement, so the search runs once."""
    rows = db.session.execute(
        sa.select(Module, ModuleCategory.name, sa.func.count().over())
        .outerjoin(ModuleCategory, ModuleCategory.id == Module.category_id)
        .where(*conditions)
        .options(selectinload(Module.tags))
        .order_by(Module.title, Module.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return rows, rows[0][2] if rows else 0


def search_modules(user_id: int, filters: Filters, locale: str) -> SearchResults:
    """One page of published modules with the learner's progress, completions and locks (seven queries).

    A page past the end shows the last page, so a stale link still lands on modules; only
    then do the count and the page take a query each more.
    """
    conditions = _conditions(user_id, filters, locale)
    page = max(1, filters.page)
    rows, total = _page(conditions, page)
    if not rows and page > 1:
        total = db.session.scalar(sa.select(sa.func.count(Module.id)).where(*conditions)) or 0
        page = max(1, -(-total // PAGE_SIZE))
        rows, total = _page(conditions, page)
    shown = [module.id for module, _, _ in rows]
    links = prerequisite_links(shown)
    progress = progress_of(user_id, shown)
    completed = completed_module_ids(user_id, shown + [prerequisite.id for _, prerequisite in links])
    missing = missing_from(links, completed)
    categories = db.session.scalars(sa.select(ModuleCategory).order_by(ModuleCategory.sort_order, ModuleCategory.name))
    tags = db.session.scalars(sa.select(Tag).order_by(Tag.sort_order, Tag.name))
    return SearchResults(
        entries=[
            Entry(module, category, progress[module.id], missing.get(module.id, []), module.id in completed)
            for module, category, _ in rows
        ],
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        categories=list(categories),
        tags=list(tags),
    )
