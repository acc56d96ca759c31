"""The media part of ``seed-demo`` (issue 16: demo data): a policy document in the media
library, an uploaded video and a Cloudflare Stream video shown by two sections, and an AI
module build of the policy waiting for HR's review, read from ``data/<slug>_media.json``.

The policy's text is content, like the courses, so each company's file is in its own
language (Globex's in Slovenian). Its PDF is made here, at seed time, with the fonts every
generated PDF uses (``lms.pdf``), so č, š and ž print; the video is ``demo_video.mp4``, a
six-second test pattern.

Everything goes through the services as HR's clicks and the workers would:
``media.upload_asset`` types and stores each file and queues its processing, the job
``media.process_asset`` reads it to READY (the document's text, the video's duration),
``video.set_video`` puts the videos in two sections of published modules, and
``ai_builds.start_build`` / ``ai_builds.run_build`` draft a module from the document.

The order is what makes it work inside the seed:

- the processing job is run here, at once, rather than left to the commit: a build can
  only start from a READY document, and the seed must not depend on a worker running. The
  queued copy of the job finds the asset READY later and leaves it alone (it is idempotent);
- the build job commits each of its steps (the build page's progress bar polls for them), so
  it cannot run inside the seed's transaction. The company is therefore committed here, whole
  (this is its last part), before the job runs. In the embedded mode that commit runs the
  queued jobs inline, the build among them; with Redis the direct ``run_build`` below does the
  work now, so the demo is ready without a worker, and the worker's run finds it READY.

A Stream video plays only where ``CLOUDFLARE_STREAM_SUBDOMAIN`` is set: without it a learner
sees no player in that section, and HR's preview of the section says which setting is missing.
The Stream uids are made up, so even with the setting Cloudflare answers "not found".
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from fpdf import FPDF

from lms.demo.companies import DATA, _build
from lms.extensions import db
from lms.models import Module, Section
from lms.models.enums import MediaAssetType, VideoSourceType
from lms.pdf import FONT, new_document
from lms.services import ai_builds, media, video

if TYPE_CHECKING:
    from lms.demo.seed import _TenantBuilder

DEMO_VIDEO = Path(__file__).resolve().parent / "demo_video.mp4"


@dataclass(frozen=True)
class DemoBlock:
    kind: str  # "heading" (the first one is the document's title), "paragraph", "list" or "table"
    text: str = ""  # headings and paragraphs
    items: tuple[str, ...] = ()  # a list's items
    rows: tuple[tuple[str, ...], ...] = ()  # a table's rows, the first one its header


@dataclass(frozen=True)
class DemoDocument:
    title: str
    file_name: str
    blocks: tuple[DemoBlock, ...]


@dataclass(frozen=True)
class DemoVideo:
    title: str
    module: str  # title of a published module of the company
    section: str  # title of its VIDEO or MIXED section that shows this video instead of its link
    file_name: str | None = None  # the uploaded video
    uid: str | None = None  # the Stream video: 32 hex digits


@dataclass(frozen=True)
class DemoMedia:
    policy: DemoDocument
    uploaded_video: DemoVideo
    stream_video: DemoVideo


def media_of(slug: str) -> DemoMedia:
    return _build(DemoMedia, json.loads((DATA / f"{slug}_media.json").read_text(encoding="utf-8")))


def seed_media(builder: _TenantBuilder) -> None:
    """The company's media and its AI build; the last part of a company (it commits, see above)."""
    demo = media_of(builder.tenant.slug)
    tenant_id = builder.tenant.id
    hr = builder.users["hr"]
    policy = media.upload_asset(
        io.BytesIO(policy_pdf(demo.policy)), demo.policy.file_name, demo.policy.title, MediaAssetType.DOCUMENT, hr
    )
    with DEMO_VIDEO.open("rb") as stream:
        clip = media.upload_asset(
            stream,
            demo.uploaded_video.file_name or DEMO_VIDEO.name,
            demo.uploaded_video.title,
            MediaAssetType.VIDEO,
            hr,
        )
    for asset in (policy, clip):
        media.process_asset(tenant_id, asset.id)
    streamed = media.register_stream_video(demo.stream_video.title, demo.stream_video.uid or "", hr)
    video.set_video(_section(demo.uploaded_video), video.VideoChoice(VideoSourceType.UPLOAD, upload=clip))
    video.set_video(
        _section(demo.stream_video), video.VideoChoice(VideoSourceType.CLOUDFLARE_STREAM, stream_asset=streamed)
    )
    build = ai_builds.start_build(ai_builds.AssetSource(policy.id), hr, builder.tenant.locale)
    build_id = build.id
    db.session.commit()
    ai_builds.run_build(tenant_id, build_id)


def _section(demo: DemoVideo) -> Section:
    return db.session.scalars(
        sa.select(Section)
        .join(Module, Module.id == Section.module_id)
        .where(Module.title == demo.module, Section.title == demo.section)
    ).one()


def policy_pdf(document: DemoDocument) -> bytes:
    """The policy as a company would write it: a title, headings, paragraphs, a list and a table."""
    pdf = new_document(document.title)
    pdf.add_page()
    for index, block in enumerate(document.blocks):
        if block.kind == "heading":
            _heading(pdf, block.text, 18 if index == 0 else 14)
        elif block.kind == "paragraph":
            pdf.set_font(FONT, "", 11)
            pdf.multi_cell(0, 6, block.text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif block.kind == "list":
            pdf.set_font(FONT, "", 11)
            for item in block.items:
                pdf.multi_cell(0, 6, f"\u2022 {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif block.kind == "table":
            pdf.set_font(FONT, "", 10)
            with pdf.table() as table:
                for cells in block.rows:
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            pdf.ln(4)
        else:
            raise ValueError(f"{document.file_name}: unknown block kind {block.kind!r}")
    return bytes(pdf.output())


def _heading(pdf: FPDF, text: str, size: int) -> None:
    pdf.ln(2)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
