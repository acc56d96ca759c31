"""PDF documents (certificates, generated attachments) with a Unicode font.

fpdf2's built-in fonts cover Latin-1 only; Slovenian needs č, š and ž, so every
document uses the bundled DejaVu Sans.

A designed page (the certificate) is a declarative layout file drawn by ``render_layout``:
a designer moves boxes, changes sizes and colours in JSON and never touches the code that
fills the page. JSON boxes were chosen over a Jinja-templated spec (a template language
invites logic into the page, and its output would still need a renderer of boxes) and over
fpdf2's ``Template`` elements (they fix colours per element, where ours name the company
theme's colours, and they neither shrink a long name to fit its box nor keep a logo's
aspect ratio). The layout holds no words: every text is a ``{value}`` the caller
translates, so one file serves every language.
"""

from __future__ import annotations

import io
import json
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF

FONTS = Path(__file__).resolve().parent / "static" / "fonts"
FONT = "DejaVu"
CERTIFICATE_LAYOUT = Path(__file__).resolve().parent / "certificate_layout.json"
ELEMENT_TYPES = frozenset({"rect", "line", "text", "image"})
# Colours a layout may name besides the caller's (the theme's); the caller's win.
BASE_PALETTE = {"text": "#212529", "muted": "#5c636a"}


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


@cache
def load_layout(path: Path = CERTIFICATE_LAYOUT) -> dict[str, Any]:
    """The layout file, read once per process; an element of an unknown type fails loudly here,
    not as a silently missing box on a certificate."""
    layout = json.loads(path.read_text(encoding="utf-8"))
    for element in layout["elements"]:
        if element.get("type") not in ELEMENT_TYPES:
            raise ValueError(f"{path.name}: unknown element type {element.get('type')!r}")
    return layout


def layout_fields(layout: Mapping[str, Any]) -> set[str]:
    """The ``{value}`` names a layout's texts use, so a test can hold the layout and its filler together."""
    return {
        name
        for element in layout["elements"]
        if element["type"] == "text"
        for _, name, _, _ in string.Formatter().parse(element["text"])
        if name
    }


def _rgb(colour: str, palette: Mapping[str, str]) -> tuple[int, int, int]:
    value = palette.get(colour, colour).lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def render_layout(
    layout: Mapping[str, Any],
    title: str,
    values: Mapping[str, str],
    images: Mapping[str, bytes | None],
    palette: Mapping[str, str],
) -> bytes:
    """One page drawn from ``layout`` with the caller's texts, images and theme colours.

    A text element whose text comes out empty and an image element with no image are left
    out, so an optional part (a logo, a signer) leaves no empty label behind.
    """
    palette = {**BASE_PALETTE, **palette}
    pdf = new_document(title)
    pdf.set_auto_page_break(False)
    page = layout.get("page", {})
    pdf.add_page(orientation=page.get("orientation", "landscape"), format=page.get("format", "A4"))
    for element in layout["elements"]:
        kind = element["type"]
        if kind == "rect":
            _draw_rect(pdf, element, palette)
        elif kind == "line":
            pdf.set_draw_color(*_rgb(element.get("color", "text"), palette))
            pdf.set_line_width(element.get("line_width", 0.3))
            pdf.line(element["x1"], element["y1"], element["x2"], element["y2"])
        elif kind == "image":
            data = images.get(element["source"])
            if data:
                pdf.image(
                    io.BytesIO(data), element["x"], element["y"], element["w"], element["h"], keep_aspect_ratio=True
                )
        else:
            _draw_text(pdf, element, element["text"].format_map(values).strip(), palette)
    return bytes(pdf.output())


def _draw_rect(pdf: FPDF, element: Mapping[str, Any], palette: Mapping[str, str]) -> None:
    style = ""
    if "fill" in element:
        pdf.set_fill_color(*_rgb(element["fill"], palette))
        style += "F"
    if "color" in element:
        pdf.set_draw_color(*_rgb(element["color"], palette))
        pdf.set_line_width(element.get("line_width", 0.3))
        style = "D" + style
    pdf.rect(element["x"], element["y"], element["w"], element["h"], style=style or "D")


def _draw_text(pdf: FPDF, element: Mapping[str, Any], text: str, palette: Mapping[str, str]) -> None:
    """A line of text in its box; too wide, it shrinks down to ``min_size``, then wraps below."""
    if not text:
        return
    width, height = element["w"], element["h"]
    size = element.get("size", 11)
    minimum = element.get("min_size", size)
    pdf.set_font(FONT, element.get("style", ""), size)
    pdf.set_char_spacing(element.get("spacing", 0))
    while size > minimum and pdf.get_string_width(text) > width:
        size -= 0.5
        pdf.set_font_size(size)
    pdf.set_text_color(*_rgb(element.get("color", "text"), palette))
    pdf.set_xy(element["x"], element["y"])
    if pdf.get_string_width(text) <= width:
        pdf.cell(width, height, text, align=element.get("align", "L"))
    else:
        pdf.multi_cell(width, size * 0.45, text, align=element.get("align", "L"))
    pdf.set_char_spacing(0)
