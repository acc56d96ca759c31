"""Is an upload typed by its content, whatever its name says? (issue 16, item 2)"""

from __future__ import annotations

import io
import struct
import zipfile

import docx
import pytest
from fpdf import FPDF

from lms.services.file_types import DOCUMENT_TYPES, VIDEO_TYPES, FileType, sniff


def pdf_bytes(text: str = "Safety at work") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    if text:
        pdf.set_font("helvetica", size=12)
        pdf.cell(text=text)
    return bytes(pdf.output())


def docx_bytes(text: str = "Safety at work") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4_bytes(seconds: int = 12, timescale: int = 1000) -> bytes:
    """An ISO BMFF file: ftyp, a moov holding an mvhd (version 0), and an empty mdat."""
    mvhd = box(b"mvhd", b"\x00\x00\x00\x00" + struct.pack(">IIII", 0, 0, timescale, seconds * timescale) + bytes(80))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + box(b"moov", mvhd) + box(b"mdat", bytes(64))


def ebml(element_id: int, data: bytes) -> bytes:
    """An EBML element with an 8-byte size."""
    id_bytes = element_id.to_bytes((element_id.bit_length() + 7) // 8, "big")
    return id_bytes + (0x01 << 56 | len(data)).to_bytes(8, "big") + data


def webm_bytes(seconds: float | None = 7.0) -> bytes:
    """An EBML header of DocType webm and a Segment whose Info names the duration in milliseconds."""
    header = ebml(0x1A45DFA3, ebml(0x4286, b"\x01") + ebml(0x4282, b"webm") + ebml(0x4287, b"\x04"))
    info = ebml(0x2AD7B1, (1_000_000).to_bytes(3, "big"))
    if seconds is not None:
        info += ebml(0x4489, struct.pack(">d", seconds * 1000))
    segment = ebml(0x18538067, ebml(0x1549A966, info) + ebml(0x1F43B675, bytes(16)))
    return header + segment


MZ_EXECUTABLE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(50) + b"This program cannot be run in DOS mode."
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (mp4_bytes(), FileType.MP4),
        (webm_bytes(), FileType.WEBM),
        (pdf_bytes(), FileType.PDF),
        (docx_bytes(), FileType.DOCX),
    ],
)
def test_each_accepted_type_is_recognised_by_its_bytes(data: bytes, expected: FileType) -> None:
    assert sniff(io.BytesIO(data)) is expected


@pytest.mark.parametrize(
    "data",
    [
        MZ_EXECUTABLE,
        b"\x7fELF\x02\x01\x01" + bytes(40),
        b"plain text that says it is a video",
        b"",
        # A Matroska file that is not WebM, and a zip that is not a Word document.
        ebml(0x1A45DFA3, ebml(0x4282, b"matroska")),
    ],
)
def test_anything_else_is_none(data: bytes) -> None:
    assert sniff(io.BytesIO(data)) is None


def test_a_zip_without_word_document_xml_is_not_a_docx() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert sniff(io.BytesIO(buffer.getvalue())) is None


def test_a_pdf_renamed_docx_is_a_pdf() -> None:
    """The name is never consulted; what the bytes are decides."""
    upload = io.BytesIO(pdf_bytes())
    upload.name = "policy.docx"
    assert sniff(upload) is FileType.PDF


def test_sniffing_leaves_the_stream_where_it_was() -> None:
    for data in (mp4_bytes(), docx_bytes(), MZ_EXECUTABLE):
        stream = io.BytesIO(b"xx" + data)
        stream.seek(2)
        sniff(stream)
        assert stream.tell() == 2


def test_the_groups_split_videos_from_documents() -> None:
    assert {FileType.MP4, FileType.WEBM} == VIDEO_TYPES
    assert {FileType.PDF, FileType.DOCX} == DOCUMENT_TYPES
    assert FileType.DOCX.value == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
