"""Uploaded files: checked by their content, size-limited, stored under random tenant keys (issue 5).

A file's name says nothing reliable about it, so the type comes from its first bytes
(magic numbers): a "cover.png" that is text is refused, a PDF named ".docx" is a PDF.
Files live in ``lms.storage`` under ``tenants/<id>/<kind>/<uuid>.<ext>`` and follow
the transaction of the rows that name them: a new file goes again when the
transaction rolls back, a replaced or removed one only when it commits.
"""

from __future__ import annotations

import io
import logging
import re
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from werkzeug.utils import secure_filename

from lms.errors import LmsError
from lms.extensions import Session, db
from lms.models.enums import AttachmentType
from lms.storage import get_storage, save_bytes

log = logging.getLogger(__name__)

MB = 1024 * 1024
# app.config keys and their defaults (issue 5: covers 5 MB, attachments 25 MB).
SIZE_LIMITS = {
    "UPLOAD_COVER_MAX_BYTES": 5 * MB,
    "UPLOAD_ATTACHMENT_MAX_BYTES": 25 * MB,
    "UPLOAD_CONTENT_IMAGE_MAX_BYTES": 5 * MB,
}
# The name part of a content image's key (issue 14: pictures inside rich text).
CONTENT_IMAGE_NAME = re.compile(r"[0-9a-f]{32}\.(png|jpg|gif|webp)")

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
)
# ELF, Windows PE, Mach-O (both byte orders, 32/64 bit, universal) and scripts with a shebang.
_EXECUTABLES = (
    b"\x7fELF",
    b"MZ",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_ON_COMMIT = "lms.uploads.discard_on_commit"
_ON_ROLLBACK = "lms.uploads.discard_on_rollback"


class UploadRejected(LmsError):
    """The file is empty, too large or of a kind not accepted here; the message says which."""


@dataclass(frozen=True)
class StoredFile:
    """What an Attachment row needs of a stored upload."""

    file_name: str
    storage_path: str
    file_type: AttachmentType
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class _Kind:
    file_type: AttachmentType
    extension: str | None
    content_type: str


def store_cover(tenant_id: int, stream: BinaryIO) -> str:
    """Store a module's cover image and return its storage key; only real images pass."""
    data = _read(stream, "UPLOAD_COVER_MAX_BYTES")
    kind = _image(data)
    if kind is None:
        raise UploadRejected(_l("This file is not a PNG, JPEG, GIF or WebP image."))
    return _save(tenant_id, "covers", kind.extension, data)


def store_content_image(tenant_id: int, module_id: int, stream: BinaryIO) -> str:
    """Store a picture put into a module's rich text and return its name (not its key).

    The key is ``tenants/<tenant>/modules/<module>/images/<name>``: whoever serves it builds
    the key from the request's own tenant and module, so another company's or module's
    picture is simply a file that does not exist (``content_image_key``).
    """
    data = _read(stream, "UPLOAD_CONTENT_IMAGE_MAX_BYTES")
    kind = _image(data)
    if kind is None:
        raise UploadRejected(_l("This file is not a PNG, JPEG, GIF or WebP image."))
    return _save(tenant_id, f"modules/{module_id}/images", kind.extension, data).rsplit("/", 1)[1]


def content_image_key(tenant_id: int, module_id: int, name: str) -> str | None:
    """The storage key of a module's picture, or None when ``name`` cannot be one."""
    if not CONTENT_IMAGE_NAME.fullmatch(name):
        return None
    return f"tenants/{tenant_id}/modules/{module_id}/images/{name}"


def store_attachment(tenant_id: int, file_name: str, stream: BinaryIO) -> StoredFile:
    """Store a section's attachment, typed by its content.

    The user's file name is kept (made safe), but a known type gets its proper
    extension, so a PDF named "report.docx" is downloaded as "report.pdf" and opens.
    """
    data = _read(stream, "UPLOAD_ATTACHMENT_MAX_BYTES")
    kind = _attachment(data)
    key = _save(tenant_id, "attachments", kind.extension or "bin", data)
    return StoredFile(
        file_name=_safe_name(file_name, kind.extension),
        storage_path=key,
        file_type=kind.file_type,
        content_type=kind.content_type,
        size_bytes=len(data),
    )


def discard_after_commit(keys: Iterable[str]) -> None:
    """Delete stored files once the rows naming them are gone for good; a rollback keeps them."""
    db.session.info.setdefault(_ON_COMMIT, []).extend(keys)


def discard_on_rollback(keys: Iterable[str]) -> None:
    """Delete files just stored if the transaction naming them rolls back: nothing is left behind."""
    db.session.info.setdefault(_ON_ROLLBACK, []).extend(keys)


def _limit(name: str) -> int:
    return int(current_app.config.get(name, SIZE_LIMITS[name]))


def _read(stream: BinaryIO, limit_name: str) -> bytes:
    """Read at most one byte past the limit: a huge upload is refused without holding all of it."""
    limit = _limit(limit_name)
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_l("The file is larger than %(size)s MB.", size=f"{limit / MB:g}"))
    if not data:
        raise UploadRejected(_l("The file is empty."))
    return data


def _image(data: bytes) -> _Kind | None:
    for magic, extension, content_type in _IMAGES:
        if data.startswith(magic):
            return _Kind(AttachmentType.IMAGE, extension, content_type)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _Kind(AttachmentType.IMAGE, "webp", "image/webp")
    return None


def _attachment(data: bytes) -> _Kind:
    """PDF, Word (.docx, .doc), image, or anything else that is not a program."""
    if data.startswith(b"%PDF-"):
        return _Kind(AttachmentType.PDF, "pdf", "application/pdf")
    if data.startswith(_OLE2):
        return _Kind(AttachmentType.WORD, "doc", "application/msword")
    if data.startswith(b"PK\x03\x04") and _is_docx(data):
        return _Kind(AttachmentType.WORD, "docx", _DOCX_TYPE)
    image = _image(data)
    if image is not None:
        return image
    if data.startswith(_EXECUTABLES):
        raise UploadRejected(_l("Programs and scripts cannot be attached."))
    # Served as a download, never rendered: an HTML or SVG file cannot run in the browser.
    return _Kind(AttachmentType.OTHER, None, "application/octet-stream")


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _safe_name(file_name: str, extension: str | None) -> str:
    name = secure_filename(file_name) or "file"
    if extension is not None:
        stem = name.rsplit(".", 1)[0] if "." in name else name
        name = f"{stem}.{extension}"
    return name[-255:]


def _save(tenant_id: int, kind: str, extension: str, data: bytes) -> str:
    key = f"tenants/{tenant_id}/{kind}/{uuid.uuid4().hex}.{extension}"
    save_bytes(get_storage(), key, data)
    db.session.info.setdefault(_ON_ROLLBACK, []).append(key)
    return key


def _discard(keys: list[str]) -> None:
    if not keys:
        return
    storage = get_storage()
    for key in keys:
        try:
            storage.delete(key)
        except OSError:
            log.warning("could not delete stored file %s; it is left behind", key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Any) -> None:
    session.info.pop(_ON_ROLLBACK, None)
    _discard(session.info.pop(_ON_COMMIT, []))


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Any) -> None:
    session.info.pop(_ON_COMMIT, None)
    _discard(session.info.pop(_ON_ROLLBACK, []))
