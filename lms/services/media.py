"""The media library (issue 16, item 2): videos and documents uploaded once, used by many sections.

An upload is typed by its content (``file_types.sniff``), never by its name, and must be
of the kind HR chose: a PDF offered as a video is refused, naming what it really is. It is
counted against the plan's storage (``plans.STORAGE_LIMITS``). The bytes are stored first,
under a random key of the tenant, and the row and its processing job (an outbox row,
``lms.jobs.enqueue``) are written after, in one transaction: a failed insert removes the
stored object again, and a committed row always has its bytes and its job.

``process_asset`` is that job. It reads what it can from the stored file — a document's
text (``documents.read_document``), a video's size and, where its container says, its
duration, and a poster frame when ffmpeg is installed (``posters``) — and ends in READY, or
FAILED with a message HR can act on. It may run twice (RQ delivers at least once): an asset
no longer PROCESSING is left alone.

Deleting is two-phase, because a stored object cannot take part in a transaction: an
asset still used by a section is refused, naming the sections; an unused one turns
DELETE_PENDING at once (audited), and the periodic ``tenant_media_cleanup`` removes the
stored objects (the file and its poster) and then the row. A failed removal is counted;
after ``MAX_DELETE_ATTEMPTS`` the asset is DELETE_FAILED with the error, and deleting it
again gives it fresh attempts.
"""

from __future__ import annotations

import logging
import struct
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.errors import LmsError
from lms.extensions import db
from lms.i18n import tenant_locale
from lms.jobs import enqueue, job, last_attempt
from lms.models import MediaAsset, Module, Section, Tenant, User
from lms.models.enums import AuditAction, MediaAssetStatus, MediaAssetType, MediaProvider
from lms.services import plans, posters, video
from lms.services.audit import audit
from lms.services.documents import DocumentError, read_document
from lms.services.file_types import DOCUMENT_TYPES, VIDEO_TYPES, FileType, sniff
from lms.storage import MissingFile, get_storage, open_seekable, storage_provider
from lms.tenancy import current_tenant_id, tenant_context

log = logging.getLogger(__name__)

MAX_DELETE_ATTEMPTS = 3
CLEANUP_BATCH = 200
_TYPE_NAMES = {
    FileType.MP4: _l("an MP4 video"),
    FileType.WEBM: _l("a WebM video"),
    FileType.PDF: _l("a PDF document"),
    FileType.DOCX: _l("a Word (.docx) document"),
}
DELETED = (MediaAssetStatus.DELETE_PENDING, MediaAssetStatus.DELETE_FAILED)


class MediaRejected(LmsError):
    """The file or the video id cannot go into the library; the message says why."""


class AssetInUse(LmsError):
    """Sections still show the asset; ``uses`` are their "Module — Section" titles."""

    def __init__(self, uses: Sequence[str]) -> None:
        self.uses = list(uses)
        super().__init__(
            _l("Still used by: %(sections)s. Remove it from these sections first.", sections="; ".join(self.uses))
        )


class UnreadableMedia(LmsError):
    """The stored file is damaged, cut short or not what was uploaded."""


# --- Adding ---------------------------------------------------------------------------------


def upload_asset(
    stream: BinaryIO, file_name: str, title: str, expected_type: MediaAssetType, uploader: User | None
) -> MediaAsset:
    """Store an uploaded video or document and queue its processing (see the module docstring)."""
    file_type = sniff(stream)
    _check_kind(file_type, expected_type)
    tenant = db.session.get(Tenant, current_tenant_id())
    known_size = _remaining_bytes(stream)
    if known_size is not None:
        plans.check_room_for_storage(tenant, known_size)
    storage = get_storage()
    key = f"tenants/{tenant.id}/media/{uuid.uuid4().hex}.{file_type.name.lower()}"
    size = storage.save(key, stream)
    try:
        if known_size is None:
            plans.check_room_for_storage(tenant, size)
        asset = MediaAsset(
            type=expected_type,
            status=MediaAssetStatus.PROCESSING,
            provider=storage_provider(),
            title=title.strip()[:200] or _default_title(file_name),
            file_name=_default_title(file_name)[:255],
            content_type=file_type.value,
            size_bytes=size,
            storage_path=key,
            uploaded_by_id=uploader.id if uploader is not None else None,
        )
        db.session.add(asset)
        db.session.flush()
        audit(AuditAction.RECORD_CREATED, asset, changes={"title": asset.title, "file_name": asset.file_name})
        enqueue(process_asset, tenant.id, asset.id)
    except BaseException:
        _delete_quietly(key)
        raise
    return asset


def register_stream_video(title: str, uid: str, uploader: User | None) -> MediaAsset:
    """A Cloudflare Stream video as a READY asset: Stream holds and encodes the bytes, we keep its uid."""
    uid = uid.strip().lower()
    if not video.STREAM_UID.fullmatch(uid):
        raise MediaRejected(
            _l("A Stream video id is 32 characters, digits and the letters a to f, as Cloudflare shows it.")
        )
    asset = MediaAsset(
        type=MediaAssetType.VIDEO,
        status=MediaAssetStatus.READY,
        provider=MediaProvider.CLOUDFLARE_STREAM,
        title=title.strip()[:200] or uid,
        file_name=uid,
        cf_stream_uid=uid,
        uploaded_by_id=uploader.id if uploader is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(asset)
    except IntegrityError:
        raise MediaRejected(_l("This Stream video is already in a media library.")) from None
    audit(AuditAction.RECORD_CREATED, asset, changes={"title": asset.title, "cf_stream_uid": uid})
    return asset


def _check_kind(file_type: FileType | None, expected: MediaAssetType) -> None:
    wanted = VIDEO_TYPES if expected is MediaAssetType.VIDEO else DOCUMENT_TYPES
    if file_type in wanted:
        return
    if expected is MediaAssetType.VIDEO:
        if file_type is None:
            raise MediaRejected(_l("This file is not a video we can play: upload an MP4 or WebM video."))
        raise MediaRejected(
            _l("This file is %(found)s, not a video: upload an MP4 or WebM video.", found=_TYPE_NAMES[file_type])
        )
    if file_type is None:
        raise MediaRejected(_l("This file is not a document we can read: upload a PDF or Word (.docx) document."))
    raise MediaRejected(
        _l(
            "This file is %(found)s, not a document: upload a PDF or Word (.docx) document.",
            found=_TYPE_NAMES[file_type],
        )
    )


def _remaining_bytes(stream: BinaryIO) -> int | None:
    """The bytes left in a seekable stream (an upload spooled by the web server), else None."""
    try:
        if not stream.seekable():
            return None
        start = stream.tell()
        end = stream.seek(0, 2)
        stream.seek(start)
    except (OSError, AttributeError):
        return None
    return end - start


def _default_title(file_name: str) -> str:
    return (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"


def _delete_quietly(key: str) -> None:
    storage = get_storage()
    try:
        storage.delete(key)
    except storage.failures:
        log.warning("could not delete stored file %s; it is left behind", key, exc_info=True)


# --- Processing ----------------------------------------------------------------------------


@job("default")
def process_asset(tenant_id: int, asset_id: int) -> None:
    """Read the stored file once and settle the asset READY or FAILED (idempotent), with the
    error in the company's language."""
    with tenant_context(tenant_id), tenant_locale(tenant_id):
        process(asset_id)


def process(asset_id: int) -> None:
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.status is not MediaAssetStatus.PROCESSING or asset.storage_path is None:
        return
    file_type = next((kind for kind in FileType if kind.value == asset.content_type), None)
    storage = get_storage()
    try:
        with open_seekable(storage, asset.storage_path) as stream:
            if sniff(stream) is not file_type or file_type is None:
                raise UnreadableMedia(_l("The stored file is not what was uploaded; upload it again."))
            if file_type in DOCUMENT_TYPES:
                asset.extracted_text = read_document(stream, file_type).text
                asset.duration_seconds = None
            else:
                asset.duration_seconds = video_duration(stream, file_type)
                asset.poster_path = posters.store_poster(storage, asset.storage_path, stream, file_type)
        asset.size_bytes = storage.size(asset.storage_path)
    except (DocumentError, UnreadableMedia) as error:
        _settle(asset, MediaAssetStatus.FAILED, str(error))
    except MissingFile:
        _settle(asset, MediaAssetStatus.FAILED, str(_l("The stored file is missing; upload it again.")))
    except storage.failures:
        if not last_attempt():
            raise  # RQ retries: the storage may answer again
        log.exception("media asset %s: the storage failed on the last try", asset.id)
        _settle(asset, MediaAssetStatus.FAILED, str(_l("The stored file could not be read; upload it again.")))
    else:
        _settle(asset, MediaAssetStatus.READY, None)


def _settle(asset: MediaAsset, status: MediaAssetStatus, error: str | None) -> None:
    """The asset's outcome, and the video status of the sections showing it (``video.set_video``)."""
    asset.status = status
    asset.error = error
    db.session.execute(
        sa.update(Section).where(Section.media_asset_id == asset.id).values(video_status=video.ASSET_STATUS[status])
    )
    log.info("media asset %s is %s", asset.id, status.name)


def video_duration(stream: BinaryIO, file_type: FileType) -> int | None:
    """Whole seconds the container declares, None when it declares none; UnreadableMedia when damaged."""
    try:
        seconds = _mp4_duration(stream) if file_type is FileType.MP4 else _webm_duration(stream)
    except (struct.error, ValueError, EOFError) as error:
        raise UnreadableMedia(_l("The video file is damaged or incomplete; upload it again.")) from error
    return None if seconds is None else round(seconds)


# MP4 (ISO/IEC 14496-12): a sequence of boxes, each a 32-bit size (1: a 64-bit size follows;
# 0: to the end of the file) and a four-letter type. The movie header ``moov/mvhd`` holds the
# timescale (units per second) and the duration in those units.


def _boxes(stream: BinaryIO, end: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, box end) of each box from the current position up to ``end``."""
    while stream.tell() < end:
        start = stream.tell()
        header = _read_exactly(stream, 8)
        size, kind = struct.unpack(">I4s", header)
        if size == 1:
            size = struct.unpack(">Q", _read_exactly(stream, 8))[0]
        elif size == 0:
            size = end - start
        payload = stream.tell()
        if size < payload - start or start + size > end:
            raise ValueError("box outside its parent")
        yield kind, payload, start + size
        stream.seek(start + size)


def _mp4_duration(stream: BinaryIO) -> float | None:
    end = stream.seek(0, 2)
    stream.seek(0)
    for kind, payload, box_end in _boxes(stream, end):
        if kind != b"moov":
            continue
        stream.seek(payload)
        for inner, inner_payload, _inner_end in _boxes(stream, box_end):
            if inner != b"mvhd":
                continue
            stream.seek(inner_payload)
            version = _read_exactly(stream, 4)[0]
            if version == 1:
                _created, _modified, timescale, duration = struct.unpack(">QQIQ", _read_exactly(stream, 28))
            else:
                _created, _modified, timescale, duration = struct.unpack(">IIII", _read_exactly(stream, 16))
            unknown = duration in (0xFFFFFFFF, 0xFFFFFFFFFFFFFFFF)
            return None if timescale == 0 or unknown else duration / timescale
        return None
    return None


# WebM (Matroska's EBML): elements of a variable-length id and size. The Segment holds Info,
# which holds TimecodeScale (nanoseconds per unit, default 1 ms) and Duration (a float, in units).
_SEGMENT = 0x18538067
_INFO = 0x1549A966
_CLUSTER = 0x1F43B675
_TIMECODE_SCALE = 0x2AD7B1
_DURATION = 0x4489


def _vint(stream: BinaryIO, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer: (value, length); an all-ones size is -1 (unknown)."""
    first = _read_exactly(stream, 1)[0]
    length = next((n for n in range(1, 9) if first & (0x80 >> (n - 1))), 0)
    if length == 0:
        raise ValueError("invalid EBML number")
    value = first if keep_marker else first & (0xFF >> length)
    for byte in _read_exactly(stream, length - 1):
        value = (value << 8) | byte
    if not keep_marker and value == (1 << (7 * length)) - 1:
        return -1, length
    return value, length


def _ebml_elements(stream: BinaryIO, end: int) -> Iterator[tuple[int, int, int]]:
    """(id, data start, data end) of each element up to ``end``; an unknown size runs to ``end``."""
    while stream.tell() < end:
        element_id, _ = _vint(stream, keep_marker=True)
        size, _ = _vint(stream, keep_marker=False)
        start = stream.tell()
        stop = end if size < 0 else start + size
        if stop > end:
            raise ValueError("element outside its parent")
        yield element_id, start, stop
        stream.seek(stop)


def _webm_duration(stream: BinaryIO) -> float | None:
    end = stream.seek(0, 2)
    stream.seek(0)
    for element_id, start, stop in _ebml_elements(stream, end):
        if element_id != _SEGMENT:
            continue
        stream.seek(start)
        for child, child_start, child_stop in _ebml_elements(stream, stop):
            if child == _CLUSTER:
                return None
            if child == _INFO:
                stream.seek(child_start)
                return _info_duration(stream, child_stop)
        return None
    return None


def _info_duration(stream: BinaryIO, end: int) -> float | None:
    scale, duration = 1_000_000, None
    for element_id, start, stop in _ebml_elements(stream, end):
        stream.seek(start)
        data = _read_exactly(stream, stop - start)
        if element_id == _TIMECODE_SCALE:
            scale = int.from_bytes(data, "big") or scale
        elif element_id == _DURATION and len(data) in (4, 8):
            duration = struct.unpack(">f" if len(data) == 4 else ">d", data)[0]
    return None if duration is None else duration * scale / 1e9


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the file ends early")
    return data


# --- Deleting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Use:
    """A section showing an asset."""

    module_id: int
    section_id: int
    module_title: str
    section_title: str

    def __str__(self) -> str:
        return f"{self.module_title} — {self.section_title}"


def uses_of(asset_ids: Iterable[int]) -> dict[int, list[Use]]:
    """The sections showing each asset, in one query."""
    rows = db.session.execute(
        sa.select(Section.media_asset_id, Module.id, Section.id, Module.title, Section.title)
        .join(Module, Module.id == Section.module_id)
        .where(Section.media_asset_id.in_(list(asset_ids)))
        .order_by(Module.title, Section.sort_order, Section.id)
    )
    uses: dict[int, list[Use]] = {}
    for asset_id, *use in rows:
        uses.setdefault(asset_id, []).append(Use(*use))
    return uses


def delete_asset(asset: MediaAsset) -> None:
    """Mark one unused asset for deletion (audited); AssetInUse names the sections still showing it."""
    uses = uses_of([asset.id])
    if uses:
        raise AssetInUse([str(use) for use in uses[asset.id]])
    _mark_deleted([asset])
    audit(AuditAction.RECORD_DELETED, asset, record=asset.title)


def delete_assets(assets: Sequence[MediaAsset]) -> None:
    """The bulk action: all or none; one ASSET_BULK_DELETED entry names every asset."""
    uses = uses_of(asset.id for asset in assets)
    if uses:
        titles = {asset.id: asset.title for asset in assets}
        raise AssetInUse(
            [f"{titles[asset_id]} ({', '.join(str(use) for use in used)})" for asset_id, used in uses.items()]
        )
    _mark_deleted(assets)
    audit(
        AuditAction.ASSET_BULK_DELETED,
        entity_type="media_asset",
        ids=[asset.id for asset in assets],
        titles=[asset.title for asset in assets],
    )


def _mark_deleted(assets: Sequence[MediaAsset]) -> None:
    for asset in assets:
        if asset.status is not MediaAssetStatus.DELETE_PENDING:
            asset.status = MediaAssetStatus.DELETE_PENDING
            asset.delete_attempts = 0
            asset.error = None


def tenant_media_cleanup(tenant_id: int) -> int:
    """Remove the stored objects and then the rows of the company's deleted assets; how many went.

    One query reads a batch, one statement deletes the rows whose objects are gone; a
    failure is counted on its row and kept as its error, DELETE_FAILED after the last try.
    """
    with tenant_context(tenant_id):
        assets = db.session.scalars(
            sa.select(MediaAsset)
            .where(MediaAsset.status.in_(DELETED), MediaAsset.delete_attempts < MAX_DELETE_ATTEMPTS)
            .order_by(MediaAsset.id)
            .limit(CLEANUP_BATCH)
        ).all()
        storage = get_storage()
        removed = []
        for asset in assets:
            if asset.provider not in (MediaProvider.LOCAL, MediaProvider.S3) or asset.storage_path is None:
                removed.append(asset.id)
                continue
            try:
                if asset.poster_path is not None:
                    storage.delete(asset.poster_path)
                storage.delete(asset.storage_path)
            except storage.failures as error:
                log.warning("could not delete media file %s", asset.storage_path, exc_info=True)
                asset.delete_attempts += 1
                asset.error = storage.explain(error)
                if asset.delete_attempts >= MAX_DELETE_ATTEMPTS:
                    asset.status = MediaAssetStatus.DELETE_FAILED
            else:
                removed.append(asset.id)
        if removed:
            db.session.execute(sa.delete(MediaAsset).where(MediaAsset.id.in_(removed)))
        return len(removed)


def moved_to_bucket(stored: set[str]) -> int:
    """Assets recorded on the local disk whose file (and poster) the bucket now holds are
    recorded as the bucket's (``flask lms storage-copy``; the media library shows where each
    lives); one whose file did not arrive stays local. Every company's, so the caller lifts
    the tenant scope; returns how many moved."""
    local = db.session.execute(
        sa.select(MediaAsset.id, MediaAsset.storage_path, MediaAsset.poster_path).where(
            MediaAsset.provider == MediaProvider.LOCAL
        )
    )
    moved = [
        asset_id
        for asset_id, path, poster in local
        if path is not None and path in stored and (poster is None or poster in stored)
    ]
    for start in range(0, len(moved), 500):
        db.session.execute(
            sa.update(MediaAsset)
            .where(MediaAsset.id.in_(moved[start : start + 500]))
            .values(provider=MediaProvider.S3)
            .execution_options(synchronize_session=False)
        )
    return len(moved)
