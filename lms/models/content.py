"""Learning content: modules, their sections and attachments, categories, tags, mentors, prerequisites."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.models.base import TenantScoped, Timestamps, owned_rows, same_tenant_fk
from lms.models.enums import (
    AttachmentType,
    Difficulty,
    ModuleStatus,
    SectionType,
    VideoSourceType,
    VideoStatus,
)
from lms.models.types import UtcDateTime, enum_type

if TYPE_CHECKING:
    from lms.models.progress import Quiz
    from lms.models.users import User


# Catalog search (issue 12): the text-search configurations a tenant's language maps to.
TEXT_SEARCH_CONFIGS = ("english", "simple")


def _search_indexes(table: str, text: str) -> list[sa.Index]:
    """GIN indexes over ``to_tsvector(<config>, text)``, one per configuration, on PostgreSQL only.

    Expression indexes rather than stored ``tsvector`` columns: they follow the text
    columns with nothing to maintain on save, in bulk writers or when a tenant changes its
    language. ``text`` is written as PostgreSQL prints it back (``pg_get_indexdef(…, true)``), so
    ``flask db check`` finds nothing to change; ``module_search_vector`` and
    ``section_search_vector`` build the same expressions for queries, and a test checks
    that the planner uses these indexes for them. ``ddl_if`` keeps them off SQLite, and
    ``info["dialect"]`` tells migrations/env.py to compare them on PostgreSQL only.
    """
    return [
        sa.Index(
            f"ix_{table}_search_{config}",
            sa.text(f"to_tsvector('{config}'::regconfig, {text})"),
            postgresql_using="gin",
            info={"dialect": "postgresql"},
        ).ddl_if(dialect="postgresql")
        for config in TEXT_SEARCH_CONFIGS
    ]


class Module(TenantScoped, Timestamps, db.Model):
    """A learning module: what HR authors, assigns to groups and certifies.

    Additions: ``version`` (bumped by "publish update", which writes ModuleChangeLog;
    DESIGN.md: module versions), ``validity_months`` (null = a certificate never
    expires; DESIGN.md: certificates and compliance), ``created_by_id`` (MANAGE_OWN_MODULES
    applies to modules a user created), ``description`` and ``published_at``. The link to
    a knowledge suggestion converted into this module is kept once, on the suggestion
    (``KnowledgeSuggestion.converted_module_id``). ``cover_image`` is a storage key (the spec gives no
    type), not a URL: the storage backend decides where files live.
    A category belongs to the same tenant (composite foreign key); deleting a category
    leaves its modules uncategorised through ``ModuleCategory.modules`` rather than
    through the database, which cannot null one column of a composite key portably.
    """

    __tablename__ = "module"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ModuleStatus] = mapped_column(enum_type(ModuleStatus), default=ModuleStatus.DRAFT)
    difficulty: Mapped[Difficulty] = mapped_column(enum_type(Difficulty), default=Difficulty.BEGINNER)
    cover_image: Mapped[str | None] = mapped_column(sa.String(255))
    category_id: Mapped[int | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    validity_months: Mapped[int | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    category: Mapped[ModuleCategory | None] = relationship(foreign_keys=[category_id], back_populates="modules")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    sections: Mapped[list[Section]] = owned_rows(
        "module", "Section.module_id", order_by="Section.sort_order, Section.id"
    )
    quiz: Mapped[Quiz | None] = owned_rows("module", "Quiz.module_id")
    # Many-to-many links carry the module's tenant_id: the join copies it into the link row.
    tags: Mapped[list[Tag]] = relationship(
        secondary="module_tag",
        primaryjoin="and_(Module.id == ModuleTag.module_id, Module.tenant_id == ModuleTag.tenant_id)",
        secondaryjoin="Tag.id == ModuleTag.tag_id",
        back_populates="modules",
        order_by="Tag.name",
        overlaps="module,tag",
    )
    mentors: Mapped[list[User]] = relationship(
        secondary="module_mentor",
        primaryjoin="and_(Module.id == ModuleMentor.module_id, Module.tenant_id == ModuleMentor.tenant_id)",
        secondaryjoin="User.id == ModuleMentor.user_id",
        overlaps="module,user",
    )
    prerequisites: Mapped[list[Module]] = relationship(
        secondary="module_prerequisite",
        primaryjoin=(
            "and_(Module.id == ModulePrerequisite.dependent_module_id,"
            " Module.tenant_id == ModulePrerequisite.tenant_id)"
        ),
        secondaryjoin="Module.id == ModulePrerequisite.prerequisite_module_id",
        back_populates="dependents",
        overlaps="dependent_module,prerequisite_module",
    )
    dependents: Mapped[list[Module]] = relationship(
        secondary="module_prerequisite",
        primaryjoin="Module.id == ModulePrerequisite.prerequisite_module_id",
        secondaryjoin=(
            "and_(Module.id == ModulePrerequisite.dependent_module_id,"
            " Module.tenant_id == ModulePrerequisite.tenant_id)"
        ),
        back_populates="prerequisites",
        overlaps="dependent_module,prerequisite_module",
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        same_tenant_fk(["tenant_id", "category_id"], "module_category", ondelete=None),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("validity_months IS NULL OR validity_months >= 1", name="validity_months_positive"),
        sa.Index(None, "tenant_id", "status"),
        *_search_indexes("module", "(title::text || ' '::text) || description"),
    )

    def __str__(self) -> str:
        return self.title


class Section(TenantScoped, Timestamps, db.Model):
    """A chapter of a module, read in ``sort_order``.

    ``content`` is HTML already sanitised with nh3 on save (issue 5); ``search_text``
    is its plain text, kept beside it so catalog search (PostgreSQL full-text, SQLite
    LIKE) does not match markup. Video: a YouTube/Vimeo ``video_url``, an uploaded
    MediaAsset (``media_asset_id``, shared within the tenant, so deleting the asset
    only detaches it) or a provider stream id (``video_stream_id``).
    Additions: ``search_text``, ``video_stream_id`` (the spec names only the video
    source type and status). The second unique key ``(tenant_id, module_id, id)`` lets
    SectionCompletion prove in the database that its ``module_id`` is the section's.
    """

    __tablename__ = "section"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))
    type: Mapped[SectionType] = mapped_column(enum_type(SectionType), default=SectionType.TEXT)
    content: Mapped[str] = mapped_column(sa.Text, default="")
    search_text: Mapped[str] = mapped_column(sa.Text, default="")
    sort_order: Mapped[int] = mapped_column(default=0)
    video_source_type: Mapped[VideoSourceType | None] = mapped_column(enum_type(VideoSourceType))
    video_url: Mapped[str | None] = mapped_column(sa.String(500))
    video_stream_id: Mapped[str | None] = mapped_column(sa.String(128))
    video_status: Mapped[VideoStatus | None] = mapped_column(enum_type(VideoStatus))
    media_asset_id: Mapped[int | None] = mapped_column(sa.ForeignKey("media_asset.id", ondelete="SET NULL"), index=True)

    module: Mapped[Module] = relationship(foreign_keys=[module_id], back_populates="sections")
    attachments: Mapped[list[Attachment]] = owned_rows("section", "Attachment.section_id", order_by="Attachment.id")

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "module_id", "id"),
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        *_search_indexes("section", "search_text"),
    )

    def __str__(self) -> str:
        return self.title


def _tsvector(config: str, text: sa.ColumnElement[str]) -> sa.ColumnElement[Any]:
    if config not in TEXT_SEARCH_CONFIGS:
        raise ValueError(f"unknown text search configuration {config!r}")
    # The configuration as literal SQL, not a bound parameter, as in the index.
    return sa.func.to_tsvector(sa.text(f"'{config}'::regconfig"), text)


def module_search_vector(config: str) -> sa.ColumnElement[Any]:
    """A module's title and description as a ``tsvector``: what ``ix_module_search_<config>`` holds."""
    return _tsvector(config, Module.title + sa.text("' '") + Module.description)


def section_search_vector(config: str) -> sa.ColumnElement[Any]:
    """A section's plain text as a ``tsvector``: what ``ix_section_search_<config>`` holds."""
    return _tsvector(config, Section.search_text)


class ModuleCategory(TenantScoped, Timestamps, db.Model):
    """A heading of the catalog; names are unique per tenant, shown in ``sort_order``."""

    __tablename__ = "module_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    sort_order: Mapped[int] = mapped_column(default=0)

    # Not passive: deleting a category must null ``Module.category_id`` here (see Module).
    modules: Mapped[list[Module]] = relationship(back_populates="category", foreign_keys="Module.category_id")

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "name"),
    )

    def __str__(self) -> str:
        return self.name


class Tag(TenantScoped, Timestamps, db.Model):
    """A keyword label, unique per tenant; authors create them on the fly (issue 5).

    Addition: ``sort_order`` (issue 5 asks for ordering of tags as of categories).
    """

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50))
    sort_order: Mapped[int] = mapped_column(default=0)

    modules: Mapped[list[Module]] = relationship(
        secondary="module_tag",
        primaryjoin="Tag.id == ModuleTag.tag_id",
        secondaryjoin="and_(Module.id == ModuleTag.module_id, Module.tenant_id == ModuleTag.tenant_id)",
        back_populates="tags",
        overlaps="module,tag",
    )

    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "id"),
        sa.UniqueConstraint("tenant_id", "name"),
    )

    def __str__(self) -> str:
        return self.name


class ModuleTag(TenantScoped, Timestamps, db.Model):
    """Module ↔ Tag link; composite primary key as in the spec.

    It carries ``tenant_id`` (DESIGN.md: link tables are not filtered by the scoping
    hook), and both composite foreign keys make a tag of another tenant impossible.
    Usually written through ``Module.tags``.
    """

    __tablename__ = "module_tag"

    module_id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(primary_key=True)

    module: Mapped[Module] = relationship(foreign_keys=[module_id], overlaps="tags,modules")
    tag: Mapped[Tag] = relationship(foreign_keys=[tag_id], overlaps="tags,modules")

    __table_args__ = (
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        same_tenant_fk(["tenant_id", "tag_id"], "tag"),
        sa.Index(None, "tenant_id", "tag_id"),
    )


class ModuleMentor(TenantScoped, Timestamps, db.Model):
    """Module ↔ mentor user link; composite primary key as in the spec.

    A mentor may manage the module with MANAGE_OWN_MODULES and confirms chat answers
    (DESIGN.md: roles). Users are global, so the service checks that a mentor is a
    member of the tenant; the tenant of the link comes from the module.
    """

    __tablename__ = "module_mentor"

    module_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)

    module: Mapped[Module] = relationship(foreign_keys=[module_id], overlaps="mentors")
    user: Mapped[User] = relationship(foreign_keys=[user_id], overlaps="mentors")

    __table_args__ = (
        same_tenant_fk(["tenant_id", "module_id"], "module"),
        sa.Index(None, "tenant_id", "user_id"),
    )


class ModulePrerequisite(TenantScoped, Timestamps, db.Model):
    """``dependent_module`` stays locked until ``prerequisite_module`` is completed.

    The database refuses a self-reference and a duplicate; cycles across several
    modules are refused by the content service (issue 5), which a CHECK cannot see.
    """

    __tablename__ = "module_prerequisite"

    id: Mapped[int] = mapped_column(primary_key=True)
    dependent_module_id: Mapped[int] = mapped_column()
    prerequisite_module_id: Mapped[int] = mapped_column()

    dependent_module: Mapped[Module] = relationship(
        foreign_keys=[dependent_module_id], overlaps="prerequisites,dependents"
    )
    prerequisite_module: Mapped[Module] = relationship(
        foreign_keys=[prerequisite_module_id], overlaps="prerequisites,dependents"
    )

    __table_args__ = (
        # Named by hand: the convention's name would pass PostgreSQL's 63-character limit.
        sa.UniqueConstraint(
            "tenant_id", "dependent_module_id", "prerequisite_module_id", name="uq_module_prerequisite_pair"
        ),
        same_tenant_fk(["tenant_id", "dependent_module_id"], "module"),
        same_tenant_fk(["tenant_id", "prerequisite_module_id"], "module"),
        sa.CheckConstraint("dependent_module_id <> prerequisite_module_id", name="not_self"),
        sa.Index(None, "tenant_id", "prerequisite_module_id"),
    )


class Attachment(TenantScoped, Timestamps, db.Model):
    """A file attached to a section, served only to members of the tenant (issue 5).

    ``storage_path`` is the key in the storage backend, never a public URL.
    ``file_type`` is decided from the file's content, not its extension.
    Additions: ``content_type`` (sent back on download) and ``size_bytes``.
    """

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column()
    file_name: Mapped[str] = mapped_column(sa.String(255))
    storage_path: Mapped[str] = mapped_column(sa.String(500))
    file_type: Mapped[AttachmentType] = mapped_column(enum_type(AttachmentType), default=AttachmentType.OTHER)
    content_type: Mapped[str] = mapped_column(sa.String(127), default="application/octet-stream")
    size_bytes: Mapped[int] = mapped_column(sa.BigInteger, default=0)

    section: Mapped[Section] = relationship(foreign_keys=[section_id], back_populates="attachments")

    __table_args__ = (
        same_tenant_fk(["tenant_id", "section_id"], "section"),
        sa.Index(None, "tenant_id", "section_id"),
        sa.CheckConstraint("size_bytes >= 0", name="size_not_negative"),
    )

    def __str__(self) -> str:
        return self.file_name
