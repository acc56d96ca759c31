"""PDF documents (certificates, generated attachments) with a Unicode font.

fpdf2's built-in fonts cover Latin-1 only; Slovenian needs č, š and ž, so every
document uses the bundled DejaVu Sans.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "static" / "fonts"
FONT = "DejaVu"


def new_document(title: str) -> FPDF:
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_creator("Mojster")
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_font(FONT, size=11)
    return pdf


def handout(title: str, organisation: str, paragraphs: list[str]) -> bytes:
    """A one-page handout: a title, the organisation and a few paragraphs."""
    pdf = new_document(title)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 10, title)
    pdf.set_font(FONT, "", 10)
    pdf.cell(0, 8, organisation, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(FONT, "", 11)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(3)
    return bytes(pdf.output())
