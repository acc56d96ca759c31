"""What an uploaded media file really is, read from its content (issue 16).

A file's name and the browser's Content-Type say nothing reliable, so the type comes
from the first bytes (magic numbers) and, for DOCX, the zip's central directory: an
``.exe`` renamed ``.mp4`` is nothing we accept, and a PDF renamed ``.docx`` is a PDF.
Every reader seeks the stream back to where it was, so the caller can store it next.
"""

from __future__ import annotations

import enum
import zipfile
from typing import BinaryIO

_HEAD_BYTES = 64
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE_ID = b"\x42\x82"
_DOCX_MAIN_PART = "word/document.xml"


class FileType(enum.Enum):
    """The media types the library accepts; the value is the MIME type."""

    MP4 = "video/mp4"
    WEBM = "video/webm"
    PDF = "application/pdf"
    DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    @property
    def extension(self) -> str:
        return self.name.lower()

    @property
    def label(self) -> str:
        return self.name


VIDEO_TYPES = frozenset({FileType.MP4, FileType.WEBM})
DOCUMENT_TYPES = frozenset({FileType.PDF, FileType.DOCX})


def sniff(stream: BinaryIO) -> FileType | None:
    """The file's type by its content, or None when it is none of ours; the position is kept."""
    start = stream.tell()
    try:
        head = stream.read(_HEAD_BYTES)
        if head.startswith(b"%PDF-"):
            return FileType.PDF
        if len(head) >= 12 and head[4:8] == b"ftyp":
            return FileType.MP4
        if head.startswith(_EBML_MAGIC) and _ebml_doctype(head) == b"webm":
            return FileType.WEBM
        if head.startswith(b"PK\x03\x04"):
            stream.seek(start)
            return FileType.DOCX if _is_docx(stream) else None
        return None
    finally:
        stream.seek(start)


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType string of the EBML header ("webm", "matroska") in the file's first bytes."""
    size, at = _vint(head, len(_EBML_MAGIC))
    end = min(len(head), at + size) if size is not None else len(head)
    while at is not None and at < end:
        element_id = head[at : at + 2]
        id_length = _id_length(head[at])
        size, data = _vint(head, at + id_length)
        if size is None or data is None:
            return None
        if element_id == _EBML_DOCTYPE_ID:
            value = head[data : data + size]
            return value.rstrip(b"\0") if len(value) == size else None
        at = data + size
    return None


def _id_length(first: int) -> int:
    return next((n for n in range(1, 5) if first & (0x80 >> (n - 1))), 4)


def _vint(data: bytes, at: int) -> tuple[int | None, int | None]:
    """An EBML size at ``at``: (value, where its data starts), (None, None) when cut off or invalid."""
    if at >= len(data) or data[at] == 0:
        return None, None
    length = next(n for n in range(1, 9) if data[at] & (0x80 >> (n - 1)))
    if at + length > len(data):
        return None, None
    value = data[at] & (0xFF >> length)
    for byte in data[at + 1 : at + length]:
        value = (value << 8) | byte
    return value, at + length


def _is_docx(stream: BinaryIO) -> bool:
    """A zip whose central directory names the Word main part (ECMA-376 part 2)."""
    try:
        with zipfile.ZipFile(stream) as archive:
            return _DOCX_MAIN_PART in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
