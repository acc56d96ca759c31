"""Content authoring (issue 5): modules, sections, prerequisites, publishing and versions.

Admin views, CLI commands and jobs call these. Each changes rows and flushes at most;
the caller commits (STYLE.md: transactions). A rule broken raises a ``ContentError``
whose message the view shows as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import nh3
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.errors import LmsError
from lms.extensions import db
from lms.models import (
    Attachment,
    Membership,
    Module,
    ModuleChangeLog,
    ModuleMentor,
    ModulePrerequisite,
    Section,
    Tag,
    Tenant,
    User,
)
from lms.models.enums import AuditAction, ModuleStatus
from lms.models.types import utcnow
from lms.services import chat, plans, publish_notices, uploads
from lms.services.audit import audit

# What authored HTML may keep (issue 5: headings, lists, links, images, tables).
ALLOWED_TAGS = frozenset(
    {"h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "blockquote"}
    | {"code", "pre", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td"}
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
TAG_MAX_LENGTH = 50

_YOUTUBE_HOSTS = {"youtube.com", "m.youtube.com", "music.youtube.com", "youtube-nocookie.com"}
# The only players a section embeds; the Content-Security-Policy (lms/security.py) allows these frames.
YOUTUBE_PLAYER = "https://www.youtube-nocookie.com"
VIMEO_PLAYER = "https://player.vimeo.com"
_YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
_VIMEO_ID = re.compile(r"\d{1,12}")


class ContentError(LmsError):
    """A content rule refused a change; the message tells the author what to do."""


class InvalidVideoUrl(ContentError):
    """The address is not a YouTube or Vimeo video that can be embedded."""


class PrerequisiteCycle(ContentError):
    """A prerequisite would make a module wait for itself."""


# --- HTML ------------------------------------------------------------------------------


def sanitize_html(html: str) -> str:
    """Authored HTML reduced to what is safe to show learners (issue 5).

    Scripts and styles go with their content; event handlers, ``style`` and every
    other attribute not listed go; links keep http/https/mailto only and open with
    ``rel="noopener noreferrer"``; images keep http/https or relative sources.
    """
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
    )


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """``mailto:`` is for links; an image with such a source loses it."""
    if tag == "img" and attribute == "src" and value.strip().lower().startswith("mailto:"):
        return None
    return value


_INLINE_TAGS = frozenset({"a", "b", "strong", "em", "i", "u", "s", "code"})


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE_TAGS:
            self.parts.append(" ")


def plain_text(html: str) -> str:
    """The words of an HTML fragment, for search: block tags become spaces so words do not run together."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def set_section_content(section: Section, html: str) -> None:
    """Store sanitised HTML and its plain text together, so search never matches markup."""
    section.content = sanitize_html(html or "")
    section.search_text = plain_text(section.content)


# --- Video -------------------------------------------------------------------------------


def video_embed(url: str) -> str:
    """The privacy-friendly embed address of a YouTube or Vimeo link (issue 5).

    Accepts watch?v=, youtu.be/, embed/ and shorts/ links and Vimeo pages or player
    links, so it can be applied again to its own result; anything else is refused.
    """
    parts = urlsplit((url or "").strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    segments = [segment for segment in parts.path.split("/") if segment]
    youtube_id = vimeo_id = ""
    if host in _YOUTUBE_HOSTS and segments == ["watch"]:
        youtube_id = parse_qs(parts.query).get("v", [""])[0]
    elif host in _YOUTUBE_HOSTS and len(segments) >= 2 and segments[0] in ("embed", "shorts"):
        youtube_id = segments[1]
    elif host == "youtu.be" and segments:
        youtube_id = segments[0]
    elif host == "vimeo.com" and segments:
        vimeo_id = segments[0]
    elif host == "player.vimeo.com" and len(segments) >= 2 and segments[0] == "video":
        vimeo_id = segments[1]
    if parts.scheme in ("http", "https"):
        if _YOUTUBE_ID.fullmatch(youtube_id):
            return f"{YOUTUBE_PLAYER}/embed/{youtube_id}"
        if _VIMEO_ID.fullmatch(vimeo_id):
            return f"{VIMEO_PLAYER}/video/{vimeo_id}"
    raise InvalidVideoUrl(_l("Paste the address of a YouTube or Vimeo video, such as https://youtu.be/…"))


# --- Modules -----------------------------------------------------------------------------


def create_module(tenant: Tenant, title: str, *, created_by: User | None) -> Module:
    """A new DRAFT module, if the tenant's plan has room for it (issue 4: plan limits)."""
    plans.check_room_for_module(tenant)
    module = Module(title=title, status=ModuleStatus.DRAFT, created_by=created_by)
    db.session.add(module)
    return module


def own_module_ids(user_id: int) -> sa.Select[tuple[int]]:
    """The modules a user created or mentors: all that MANAGE_OWN_MODULES reaches (DESIGN.md: roles)."""
    mentored = sa.select(ModuleMentor.module_id).where(ModuleMentor.user_id == user_id)
    # Not correlated: the list queries that use it select from ``module`` themselves.
    return sa.select(Module.id).where(sa.or_(Module.created_by_id == user_id, Module.id.in_(mentored))).correlate(None)


def is_own_module(user_id: int, module_id: int) -> bool:
    return bool(db.session.scalar(sa.select(own_module_ids(user_id).where(Module.id == module_id).exists())))


def set_tags(module: Module, names: Iterable[str]) -> None:
    """Tag a module by names; a name the tenant already has (in any case) is reused, a new one created."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        if len(name) > TAG_MAX_LENGTH:
            raise ContentError(_l("A tag can have at most %(n)d characters.", n=TAG_MAX_LENGTH))
        wanted.setdefault(name.casefold(), name)
    existing = {}
    if wanted:
        rows = db.session.scalars(
            sa.select(Tag).where(sa.func.lower(Tag.name).in_([n.lower() for n in wanted.values()]))
        )
        existing = {tag.name.casefold(): tag for tag in rows}
    next_order = None
    tags = []
    for key, name in wanted.items():
        tag = existing.get(key)
        if tag is None:
            if next_order is None:
                next_order = (db.session.scalar(sa.select(sa.func.max(Tag.sort_order))) or 0) + 1
            tag = Tag(name=name, sort_order=next_order)
            next_order += 1
            db.session.add(tag)
        tags.append(tag)
    module.tags = tags


def set_mentors(module: Module, mentors: Sequence[User]) -> None:
    """Mentors must be active members of the company: users are global, mentoring is not."""
    ids = {user.id for user in mentors}
    members = set(
        db.session.scalars(sa.select(Membership.user_id).where(Membership.user_id.in_(ids), Membership.is_active))
    )
    outsiders = [user for user in mentors if user.id not in members]
    if outsiders:
        raise ContentError(
            _l("%(name)s is not a member of this company.", name=outsiders[0].name or outsiders[0].email)
        )
    module.mentors = list(dict.fromkeys(mentors))


def set_prerequisites(module: Module, prerequisites: Iterable[Module]) -> None:
    """Replace a module's prerequisites, refusing itself and any cycle (issue 5).

    The graph is walked in one recursive query from the new prerequisites along the
    stored edges; reaching the module itself means it would wait for itself.
    """
    wanted = list(dict.fromkeys(prerequisites))
    if any(other is module or (module.id is not None and other.id == module.id) for other in wanted):
        raise PrerequisiteCycle(_l("A module cannot be its own prerequisite."))
    if module.id is not None and wanted:
        blocking = _leading_back(module.id, [other.id for other in wanted])
        if blocking:
            first = next(other for other in wanted if other.id in blocking)
            raise PrerequisiteCycle(
                _l(
                    "“%(prerequisite)s” already requires “%(module)s” (directly or through other modules), "
                    "so it cannot also be its prerequisite.",
                    prerequisite=first.title,
                    module=module.title,
                )
            )
    module.prerequisites = wanted


def _leading_back(module_id: int, start_ids: list[int]) -> set[int]:
    """Those of ``start_ids`` from which the stored prerequisite edges lead to ``module_id``."""
    edge = aliased(ModulePrerequisite)
    reach = (
        sa.select(
            ModulePrerequisite.dependent_module_id.label("start"),
            ModulePrerequisite.prerequisite_module_id.label("node"),
        )
        .where(ModulePrerequisite.dependent_module_id.in_(start_ids))
        .cte("reach", recursive=True)
    )
    reach = reach.union(
        sa.select(reach.c.start, edge.prerequisite_module_id).join(edge, edge.dependent_module_id == reach.c.node)
    )
    return set(db.session.scalars(sa.select(reach.c.start).where(reach.c.node == module_id).distinct()))


def set_cover(module: Module, storage_key: str | None) -> None:
    """Point the module at a new cover (or none); the old file goes once this is committed."""
    if module.cover_image and module.cover_image != storage_key:
        uploads.discard_after_commit([module.cover_image])
    module.cover_image = storage_key


def discard_module_files(module: Module) -> None:
    """Before a module is deleted: its cover and attachments go once the delete is committed."""
    keys = [module.cover_image] if module.cover_image else []
    keys += [attachment.storage_path for section in module.sections for attachment in section.attachments]
    uploads.discard_after_commit(keys)


def publish(module: Module, actor: User | None) -> bool:
    """Make a module visible to learners; False when it already was (a second click changes nothing).

    A module whose quiz has no questions is refused: learners could never pass it (issue 6).
    Its audience is told, each person once (``publish_notices``; issue 15, item 6).
    """
    if module.status is ModuleStatus.PUBLISHED:
        return False
    if module.quiz is not None and not module.quiz.questions:
        raise ContentError(
            _l("“%(title)s” has a quiz without questions: add questions or delete the quiz first.", title=module.title)
        )
    module.status = ModuleStatus.PUBLISHED
    if module.published_at is None:
        module.published_at = utcnow()
    audit(AuditAction.MODULE_PUBLISHED, module, actor_id=_id(actor), title=module.title)
    publish_notices.module_published(module, _id(actor))
    return True


def archive(module: Module, actor: User | None) -> bool:
    """Withdraw a module from learners, keeping its history; False when it already was archived."""
    if module.status is ModuleStatus.ARCHIVED:
        return False
    module.status = ModuleStatus.ARCHIVED
    audit(AuditAction.MODULE_ARCHIVED, module, actor_id=_id(actor), title=module.title)
    return True


def publish_update(module: Module, summary: str, actor: User | None) -> ModuleChangeLog:
    """Publish a change of a live module: the version goes up and the summary tells learners what changed.

    DESIGN.md: module versions. ModuleChangeLog's unique (module, version) makes a
    double submit fail instead of logging one version twice.
    """
    if module.status is not ModuleStatus.PUBLISHED:
        raise ContentError(_l("Only a published module can get an update; publish it first."))
    summary = (summary or "").strip()
    if not summary:
        raise ContentError(_l("Describe what changed; learners who finished the module will read it."))
    module.version += 1
    entry = ModuleChangeLog(module=module, version=module.version, change_summary=summary, changed_by_id=_id(actor))
    db.session.add(entry)
    db.session.flush()
    audit(AuditAction.MODULE_VERSION_PUBLISHED, module, actor_id=_id(actor), version=module.version, summary=summary)
    chat.module_updated(module, module.version, summary)
    publish_notices.module_updated(module, summary, _id(actor))
    return entry


def _id(user: User | None) -> int | None:
    return None if user is None else user.id


# --- Sections ----------------------------------------------------------------------------


def _in_order(sections: Iterable[Section]) -> list[Section]:
    last = float("inf")
    return sorted(sections, key=lambda s: (last if s.sort_order is None else s.sort_order, s.id or last))


def _renumber(sections: list[Section]) -> None:
    for index, section in enumerate(sections):
        if section.sort_order != index:
            section.sort_order = index


def move_section(section: Section, position: int | None) -> None:
    """Put a section at ``position`` (0-based, clamped; None = last) and number its module's sections 0..n-1.

    Also places a new section: its siblings are the module's other sections.
    """
    siblings = [other for other in _in_order(section.module.sections) if other is not section]
    position = len(siblings) if position is None else max(0, min(position, len(siblings)))
    siblings.insert(position, section)
    _renumber(siblings)


def shift_section(section: Section, offset: int) -> None:
    """Move a section up (negative) or down (positive) by ``offset`` places."""
    ordered = _in_order(section.module.sections)
    move_section(section, ordered.index(section) + offset)


def close_gap(section: Section) -> None:
    """Renumber the other sections of a section's module before the section is deleted."""
    _renumber([other for other in _in_order(section.module.sections) if other is not section])
    uploads.discard_after_commit(attachment.storage_path for attachment in section.attachments)


def add_attachment(section: Section, stored: uploads.StoredFile) -> Attachment:
    attachment = Attachment(
        section=section,
        file_name=stored.file_name,
        storage_path=stored.storage_path,
        file_type=stored.file_type,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
    )
    db.session.add(attachment)
    return attachment


def remove_attachments(section: Section, attachment_ids: Iterable[int]) -> None:
    """Detach files from a section; the stored files go once the change is committed."""
    doomed = {int(attachment_id) for attachment_id in attachment_ids}
    for attachment in [a for a in section.attachments if a.id in doomed]:
        section.attachments.remove(attachment)
        uploads.discard_after_commit([attachment.storage_path])
