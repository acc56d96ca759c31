"""Reading PDF, Word and pasted text into blocks (issue 16, item 4; ``services.documents``).

Every file is made by the test itself: fpdf2 for PDF, python-docx for Word.
"""

from __future__ import annotations

import io
import time
import tracemalloc
from collections.abc import Iterator

import docx
import pytest
from flask import Flask
from fpdf import FPDF
from PIL import Image
from pypdf import PdfWriter

from lms.services.documents import Block, Document, DocumentError, read_document, text_document
from lms.services.file_types import FileType, sniff

PARAGRAPH = (
    "Every employee wears a safety helmet on the building site. The safety helmet protects the head from "
    "falling objects, and the safety officer checks each helmet once a month."
)


@pytest.fixture(autouse=True)
def _context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


def _pdf() -> FPDF:
    pdf = FPDF()
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: int = 16) -> None:
    pdf.set_font("Helvetica", "B", size)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)


def _bytes(pdf: FPDF) -> io.BytesIO:
    return io.BytesIO(bytes(pdf.output()))


def _read_pdf(pdf: FPDF) -> Document:
    return read_document(_bytes(pdf), FileType.PDF)


def test_a_pdf_with_headings_gives_headings_and_paragraphs_in_order() -> None:
    pdf = _pdf()
    _heading(pdf, "Workplace safety", 20)
    _paragraph(pdf, PARAGRAPH)
    _heading(pdf, "1.1 Protective equipment", 14)
    _paragraph(pdf, "Gloves are worn when handling chemicals in the warehouse.")
    _paragraph(pdf, "Goggles are worn at the grinding machine.")

    document = _read_pdf(pdf)

    assert [(block.kind, block.level) for block in document.blocks] == [
        ("heading", 1),
        ("paragraph", 0),
        ("heading", 2),
        ("paragraph", 0),
        ("paragraph", 0),
    ]
    assert document.blocks[1].text == PARAGRAPH  # wrapped lines joined again
    assert document.blocks[2].text == "1.1 Protective equipment"
    assert {block.page for block in document.blocks} == {1}
    assert document.text.startswith(f"Workplace safety\n\n{PARAGRAPH}\n\n1.1 Protective equipment")


def test_a_pdf_without_headings_gives_paragraphs_on_their_pages() -> None:
    pdf = _pdf()
    _paragraph(pdf, PARAGRAPH)
    _paragraph(pdf, "Fire extinguishers hang beside every exit of the building.")
    pdf.add_page()
    _paragraph(pdf, "The assembly point is the car park in front of the warehouse.")

    document = _read_pdf(pdf)

    assert [block.kind for block in document.blocks] == ["paragraph"] * 3
    assert [block.page for block in document.blocks] == [1, 1, 2]


def test_a_pdf_table_becomes_a_table_block_with_its_cells() -> None:
    pdf = _pdf()
    _paragraph(pdf, "Who keeps what:")
    pdf.set_font("Helvetica", "", 11)
    with pdf.table() as table:
        for cells in (("Item", "Owner"), ("Helmet", "Employee"), ("First aid kit", "Safety officer")):
            row = table.row()
            for cell in cells:
                row.cell(cell)

    document = _read_pdf(pdf)

    tables = [block for block in document.blocks if block.kind == "table"]
    assert len(tables) == 1
    assert tables[0].rows == (("Item", "Owner"), ("Helmet", "Employee"), ("First aid kit", "Safety officer"))
    assert "First aid kit | Safety officer" in document.text


def test_a_pdf_bulleted_list_becomes_a_list_block() -> None:
    pdf = _pdf()
    _paragraph(pdf, "Bring to the site:")
    pdf.set_font("Helvetica", "", 11)
    for item in ("- a helmet", "- safety shoes", "- gloves"):
        pdf.cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")

    document = _read_pdf(pdf)

    assert document.blocks[-1] == Block(
        "list", "a helmet\nsafety shoes\ngloves", items=("a helmet", "safety shoes", "gloves"), page=1
    )


@pytest.mark.parametrize("drawn", ["nothing", "an image"])
def test_a_pdf_without_text_is_refused_as_scanned(drawn: str, tmp_path) -> None:
    pdf = _pdf()
    if drawn == "an image":
        Image.new("RGB", (300, 200), "gray").save(tmp_path / "scan.png")
        pdf.image(str(tmp_path / "scan.png"), x=10, y=10, w=180)

    with pytest.raises(DocumentError, match=r"No text to read — scanned documents are not supported\."):
        _read_pdf(pdf)


def test_a_password_protected_pdf_is_refused_with_what_to_do() -> None:
    pdf = _pdf()
    _paragraph(pdf, PARAGRAPH)
    writer = PdfWriter(clone_from=_bytes(pdf))
    writer.encrypt("secret", algorithm="AES-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    encrypted.seek(0)

    with pytest.raises(DocumentError, match="password-protected; remove the password and upload it again"):
        read_document(encrypted, FileType.PDF)


def test_a_pdf_locked_only_against_editing_is_read() -> None:
    """An owner password with an empty user password opens in every viewer, so it is read."""
    pdf = _pdf()
    _paragraph(pdf, PARAGRAPH)
    writer = PdfWriter(clone_from=_bytes(pdf))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    encrypted = io.BytesIO()
    writer.write(encrypted)
    encrypted.seek(0)

    assert read_document(encrypted, FileType.PDF).text == PARAGRAPH


@pytest.mark.parametrize(
    ("content", "claimed", "message"),
    [
        (b"%PDF-1.7\nthis is not really a PDF", FileType.PDF, "This file is not a readable PDF."),
        (b"MZ\x90\x00 an executable", FileType.DOCX, "not a readable Word document"),
        (b"\x1a\x45\xdf\xa3webm", FileType.WEBM, "Only PDF and Word"),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused_clearly(content: bytes, claimed: FileType, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        read_document(io.BytesIO(content), claimed)


def test_a_pdf_renamed_docx_is_read_as_the_pdf_its_content_says() -> None:
    pdf = _pdf()
    _paragraph(pdf, PARAGRAPH)
    upload = _bytes(pdf)  # arrives as "policy.docx"; the name plays no part

    file_type = sniff(upload)

    assert file_type is FileType.PDF
    assert read_document(upload, file_type).text == PARAGRAPH
    upload.seek(0)
    with pytest.raises(DocumentError, match="not a readable Word document"):
        read_document(upload, FileType.DOCX)


def test_a_200_page_pdf_is_read_page_by_page_within_bounded_memory() -> None:
    pdf = _pdf()
    for page in range(1, 201):
        if page > 1:
            pdf.add_page()
        _heading(pdf, f"Chapter {page}")
        for _paragraph_number in range(4):
            _paragraph(pdf, PARAGRAPH * 2)
    data = _bytes(pdf)
    size = len(data.getvalue())

    tracemalloc.start()
    started = time.perf_counter()
    document = read_document(data, FileType.PDF)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"200-page PDF ({size} bytes): read in {elapsed:.1f} s, peak {peak / 2**20:.1f} MiB")
    assert sum(block.kind == "heading" for block in document.blocks) == 200
    assert document.blocks[-1].page == 200
    # The text itself is about 250 kB: the peak stays a small multiple of it, nowhere near
    # what holding every page's decoded content and layout at once would take.
    assert peak < 30 * 2**20


def _docx(build) -> io.BytesIO:
    document = docx.Document()
    build(document)
    data = io.BytesIO()
    document.save(data)
    data.seek(0)
    return data


def test_a_word_file_keeps_its_headings_lists_and_tables_in_order() -> None:
    def build(document) -> None:
        document.add_heading("Workplace safety", level=0)
        document.add_paragraph(PARAGRAPH)
        document.add_heading("Protective equipment", level=1)
        document.add_paragraph("Bring to the site:")
        document.add_paragraph("a helmet", style="List Bullet")
        document.add_paragraph("safety shoes", style="List Bullet")
        table = document.add_table(rows=2, cols=2)
        for row, cells in zip(table.rows, (("Item", "Owner"), ("Helmet", "Employee")), strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
        document.add_heading("Checks", level=2)
        document.add_paragraph("The safety officer checks helmets monthly.")

    blocks = read_document(_docx(build), FileType.DOCX).blocks

    assert blocks == (
        Block("heading", "Workplace safety", level=1),
        Block("paragraph", PARAGRAPH),
        Block("heading", "Protective equipment", level=1),
        Block("paragraph", "Bring to the site:"),
        Block("list", "a helmet\nsafety shoes", items=("a helmet", "safety shoes")),
        Block("table", "Item | Owner\nHelmet | Employee", rows=(("Item", "Owner"), ("Helmet", "Employee"))),
        Block("heading", "Checks", level=2),
        Block("paragraph", "The safety officer checks helmets monthly."),
    )


def test_a_word_file_with_merged_cells_lists_each_cell_once() -> None:
    def build(document) -> None:
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Helmets"
        table.cell(1, 0).text = "Size"
        table.cell(1, 1).text = "Owner"

    (block,) = read_document(_docx(build), FileType.DOCX).blocks

    assert block.rows == (("Helmets",), ("Size", "Owner"))


def test_an_empty_word_file_is_refused() -> None:
    with pytest.raises(DocumentError, match="no text to read"):
        read_document(_docx(lambda document: document.add_paragraph("")), FileType.DOCX)


def test_pasted_text_has_markdown_headings_lists_and_paragraphs() -> None:
    document = text_document(
        "# Safety\n\nEvery employee wears a helmet.\nIt is checked monthly.\n\n## Bring\n\n- a helmet\n- gloves\n\n"
        "Fire safety\n\nExtinguishers hang beside every exit."
    )

    assert document.blocks == (
        Block("heading", "Safety", level=1),
        Block("paragraph", "Every employee wears a helmet. It is checked monthly."),
        Block("heading", "Bring", level=2),
        Block("list", "a helmet\ngloves", items=("a helmet", "gloves")),
        Block("heading", "Fire safety", level=2),
        Block("paragraph", "Extinguishers hang beside every exit."),
    )


def test_pasted_text_without_blank_lines_has_a_paragraph_per_line() -> None:
    document = text_document("Helmets are worn on site.\r\nGloves are worn in the store.")

    assert [block.text for block in document.blocks] == ["Helmets are worn on site.", "Gloves are worn in the store."]


def test_pasted_blank_text_is_refused() -> None:
    with pytest.raises(DocumentError, match=r"There is no text to read\."):
        text_document("  \n\n ")


def test_a_block_survives_its_json_form() -> None:
    blocks = [
        Block("heading", "Title", level=2, page=3),
        Block("list", "a\nb", items=("a", "b")),
        Block("table", "x | y", rows=(("x", "y"),)),
    ]

    assert [Block.from_json(block.to_json()) for block in blocks] == blocks
