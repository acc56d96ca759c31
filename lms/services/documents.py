"""Reading a company document into blocks (issue 16, item 4: the AI module builder).

A PDF, a Word file or pasted text becomes a flat list of blocks — headings, paragraphs,
lists and tables in reading order — which the media library stores as plain text and the
module builder cuts into sections and questions. Each generated question cites a block by
its index, so the blocks must be stable for the same input: no randomness, no network.

PDF carries no structure, so it is recovered from the page itself, simply and predictably:
pypdf's text visitor gives each run of text with its font and position; a line set in a
larger font than the body text (or bold on its own line, or numbered "1." / "2.3" without a
final full stop) is a heading, a vertical gap wider than the line spacing ends a paragraph,
lines whose runs stand apart in columns are table rows, and bulleted lines are list items.
Pages are read one after another, so memory holds the text and never the whole page tree's
content streams at once. A scanned PDF has no text layer; that is refused with a reason, as
is a password-protected one. Word files keep their structure: heading and list styles and
tables, in body order.
"""

from __future__ import annotations

import itertools
import re
import statistics
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _
from lxml.etree import XMLSyntaxError
from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, PdfReadError, PdfStreamError

from lms.errors import LmsError
from lms.services.file_types import FileType

HEADING = "heading"
PARAGRAPH = "paragraph"
LIST = "list"
TABLE = "table"
KINDS = (HEADING, PARAGRAPH, LIST, TABLE)
MAX_LEVEL = 6

# A heading is a short line: at most this many characters and words.
_HEADING_MAX_CHARS = 120
_HEADING_MAX_WORDS = 14
# A font this much larger than the body text sets a heading.
_HEADING_SIZE_RATIO = 1.15
_NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})\.?\s+\S")
_BULLET = re.compile(r"^\s*(?:[\u2022\u25e6\u25aa\u2023\u25cf\u25cb\u25a0\u25a1\u2013*-]|\d{1,2}[.)])\s+")
_SENTENCE_END = (".", ",", ";", ":")
_PAGE_NUMBER = re.compile(r"^\s*(?:(?:page|stran)\s*)?\d+(?:\s*(?:/|of|od)\s*\d+)?\s*$", re.IGNORECASE)
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_DOCX_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)


class DocumentError(LmsError):
    """The document cannot be read; the message tells the user why and what to do."""


@dataclass(frozen=True)
class Block:
    """One unit of a document's text: what a section is built from and a question cites.

    ``text`` is always the block's plain text (a list's items one a line, a table's rows one
    a line with cells parted by " | "), so search, summaries and statements need no kind.
    """

    kind: str
    text: str
    level: int = 0
    items: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    page: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.level:
            data["level"] = self.level
        if self.items:
            data["items"] = list(self.items)
        if self.rows:
            data["rows"] = [list(row) for row in self.rows]
        if self.page is not None:
            data["page"] = self.page
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Block:
        kind = str(data.get("kind", PARAGRAPH))
        if kind not in KINDS:
            raise ValueError(f"unknown block kind {kind!r}")
        page = data.get("page")
        return cls(
            kind=kind,
            text=str(data.get("text", "")),
            level=int(data.get("level") or 0),
            items=tuple(str(item) for item in data.get("items") or ()),
            rows=tuple(tuple(str(cell) for cell in row) for row in data.get("rows") or ()),
            page=int(page) if page is not None else None,
        )


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]

    @property
    def text(self) -> str:
        """Plain text, blocks parted by blank lines: what ``MediaAsset.extracted_text`` stores."""
        return "\n\n".join(block.text for block in self.blocks if block.text)


def heading(text: str, level: int = 1, page: int | None = None) -> Block:
    return Block(HEADING, text, level=max(1, min(level, MAX_LEVEL)), page=page)


def paragraph(text: str, page: int | None = None) -> Block:
    return Block(PARAGRAPH, text, page=page)


def bullet_list(items: Iterable[str], page: int | None = None) -> Block:
    items = tuple(items)
    return Block(LIST, "\n".join(items), items=items, page=page)


def table(rows: Iterable[Iterable[str]], page: int | None = None) -> Block:
    rows = tuple(tuple(row) for row in rows)
    return Block(TABLE, "\n".join(" | ".join(row) for row in rows), rows=rows, page=page)


def read_document(stream: BinaryIO, file_type: FileType) -> Document:
    """The document's blocks; DocumentError with the reason when it cannot be read.

    ``file_type`` is what ``file_types.sniff`` found in the content, never the file's name.
    """
    if file_type is FileType.PDF:
        return _read_pdf(stream)
    if file_type is FileType.DOCX:
        return _read_docx(stream)
    raise DocumentError(_("Only PDF and Word (.docx) documents can be read."))


# --- Pasted text ---------------------------------------------------------------------------


def text_document(text: str) -> Document:
    """Pasted text as blocks: "#" headings, "- " lists, blank lines between paragraphs.

    When the text has no blank line at all, every line is its own paragraph (text copied
    from a web page or an e-mail often comes so). A short line standing alone, without a
    final full stop and followed by more text, is a heading too: people paste titles
    without "#".
    """
    lines = [line.rstrip() for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").strip().split("\n")]
    one_per_line = len(lines) > 1 and all(line.strip() for line in lines)
    groups: list[list[str]] = [[]]
    for line in lines:
        if not line.strip() or one_per_line:
            groups.append([])
        if line.strip():
            groups[-1].append(line.strip())
    groups = [group for group in groups if group]
    blocks: list[Block] = []
    for index, group in enumerate(groups):
        blocks.extend(_text_group(group, followed=index + 1 < len(groups)))
    if not blocks:
        raise DocumentError(_("There is no text to read."))
    return Document(tuple(blocks))


def _text_group(lines: list[str], *, followed: bool) -> Iterator[Block]:
    """The blocks of one run of non-blank lines of pasted text."""
    prose: list[str] = []
    items: list[str] = []

    def flush() -> Iterator[Block]:
        if prose:
            yield paragraph(" ".join(prose))
            prose.clear()
        if items:
            yield bullet_list(list(items))
            items.clear()

    for line in lines:
        marked = _MARKDOWN_HEADING.match(line)
        bullet = _BULLET.match(line)
        if marked and marked.group(2):
            yield from flush()
            yield heading(marked.group(2), len(marked.group(1)))
        elif bullet:
            if prose:
                yield from flush()
            items.append(line[bullet.end() :].strip())
        elif items and not prose:
            items[-1] = f"{items[-1]} {line}"
        else:
            prose.append(line)
    if len(prose) == 1 and not items and followed and _looks_like_heading(prose[0]):
        yield heading(prose.pop(), 2)
    yield from flush()


def _looks_like_heading(line: str) -> bool:
    """A short line of words that does not end like a sentence."""
    words = line.split()
    return (
        0 < len(words) <= _HEADING_MAX_WORDS
        and len(line) <= _HEADING_MAX_CHARS
        and not line.endswith(_SENTENCE_END)
        and any(char.isalpha() for char in line)
    )


# --- PDF -----------------------------------------------------------------------------------


@dataclass
class _Run:
    x: float
    text: str
    size: float
    bold: bool


@dataclass
class _Line:
    page: int
    y: float
    runs: list[_Run] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(" ".join(run.text.split()) for run in self.runs if run.text.strip())

    @property
    def size(self) -> float:
        sized = [(run.size, len(run.text.strip())) for run in self.runs if run.text.strip()]
        return max((size for size, _chars in sized), default=0.0)

    @property
    def bold(self) -> bool:
        return all(run.bold for run in self.runs if run.text.strip())

    def cells(self) -> list[str]:
        """The line's runs grouped into cells where a wide gap parts them (a table row)."""
        cells: list[list[_Run]] = []
        end = None
        for run in sorted((run for run in self.runs if run.text.strip()), key=lambda run: run.x):
            # A run is about half its font size wide per character; a gap of three
            # characters more than that is a column, not a word space.
            if end is None or run.x > end + 3 * run.size:
                cells.append([])
            cells[-1].append(run)
            end = run.x + 0.5 * run.size * len(run.text.rstrip())
        return [" ".join(" ".join(run.text.split()) for run in cell) for cell in cells]


def _read_pdf(stream: BinaryIO) -> Document:
    try:
        reader = PdfReader(stream)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise DocumentError(_("This PDF is password-protected; remove the password and upload it again."))
        lines: list[_Line] = []
        for number, page in enumerate(reader.pages, start=1):
            lines.extend(_page_lines(page, number))
    except DependencyError as error:
        raise DocumentError(_("This PDF is password-protected; remove the password and upload it again.")) from error
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DocumentError(_("This file is not a readable PDF.")) from error
    lines = [line for line in lines if line.text and not _PAGE_NUMBER.match(line.text)]
    if not lines:
        raise DocumentError(_("No text to read — scanned documents are not supported."))
    return Document(tuple(_pdf_blocks(lines)))


def _page_lines(page: Any, number: int) -> list[_Line]:
    """The page's text lines, each with its runs' position, size and weight."""
    lines: list[_Line] = []

    def visit(text: str, cm: list[float], tm: list[float], font: dict | None, font_size: float) -> None:
        if not text:
            return
        scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1.0
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        base_font = str((font or {}).get("/BaseFont", ""))
        for position, piece in enumerate(text.split("\n")):
            if position or not lines or abs(lines[-1].y - y) > 1.0:
                if lines and not lines[-1].runs:
                    lines[-1].y = y
                else:
                    lines.append(_Line(number, y))
            if piece.strip():
                run = _Run(x, piece, round(font_size * scale, 1), "bold" in base_font.lower())
                lines[-1].runs.append(run)

    page.extract_text(visitor_text=visit)
    return [line for line in lines if line.runs]


def _pdf_blocks(lines: list[_Line]) -> Iterator[Block]:
    body_size = _body_size(lines)
    levels = _size_levels(lines, body_size)
    spacing = _line_spacing(lines)
    kinds = [_line_kind(lines, index, body_size) for index in range(len(lines))]

    pending: list[_Line] = []
    pending_kind = ""

    def flush() -> Iterator[Block]:
        nonlocal pending_kind
        if not pending:
            return
        page = pending[0].page
        if pending_kind == TABLE:
            yield table((line.cells() for line in pending), page)
        elif pending_kind == LIST:
            yield bullet_list(_list_items(pending), page)
        else:
            yield paragraph(_join_lines(line.text for line in pending), page)
        pending.clear()
        pending_kind = ""

    for index, line in enumerate(lines):
        kind = kinds[index]
        if kind == HEADING:
            yield from flush()
            yield heading(line.text, _heading_level(line, levels, body_size), line.page)
            continue
        previous = lines[index - 1] if index else None
        gap = previous is not None and (
            previous.page != line.page or previous.y - line.y > spacing * 1.35 + 0.5 or previous.y < line.y
        )
        continues_item = kind == PARAGRAPH and pending_kind == LIST and not gap
        if continues_item:
            pending.append(line)
            continue
        if gap or kind != pending_kind:
            yield from flush()
        pending.append(line)
        pending_kind = kind
    yield from flush()


def _line_kind(lines: list[_Line], index: int, body_size: float) -> str:
    line = lines[index]
    text = line.text
    if len(line.cells()) >= 2 and any(
        len(lines[other].cells()) >= 2 and lines[other].page == line.page
        for other in (index - 1, index + 1)
        if 0 <= other < len(lines)
    ):
        return TABLE
    if _BULLET.match(text) and not _is_heading(lines, index, body_size):
        return LIST
    if _is_heading(lines, index, body_size):
        return HEADING
    return PARAGRAPH


def _is_heading(lines: list[_Line], index: int, body_size: float) -> bool:
    line = lines[index]
    text = line.text
    if not _looks_like_heading(text):
        return False
    if body_size and line.size >= body_size * _HEADING_SIZE_RATIO:
        return True
    if (
        line.bold
        and not _neighbour(lines, index, -1, lambda other: other.bold)
        and not _neighbour(lines, index, 1, lambda other: other.bold)
    ):
        return True
    if _NUMBERED_HEADING.match(text):
        # A run of numbered lines is a numbered list, not a row of headings.
        return not _neighbour(lines, index, -1, _is_numbered) and not _neighbour(lines, index, 1, _is_numbered)
    return False


def _is_numbered(line: _Line) -> bool:
    return bool(_NUMBERED_HEADING.match(line.text))


def _neighbour(lines: list[_Line], index: int, step: int, test: Any) -> bool:
    other = index + step
    return 0 <= other < len(lines) and lines[other].page == lines[index].page and test(lines[other])


def _body_size(lines: list[_Line]) -> float:
    """The font size most of the text is set in."""
    sizes: Counter[float] = Counter()
    for line in lines:
        sizes[line.size] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _size_levels(lines: list[_Line], body_size: float) -> list[float]:
    """The heading font sizes, largest first: the first is level 1."""
    if not body_size:
        return []
    sizes = {
        line.size for line in lines if line.size >= body_size * _HEADING_SIZE_RATIO and _looks_like_heading(line.text)
    }
    return sorted(sizes, reverse=True)[: MAX_LEVEL - 1]


def _heading_level(line: _Line, levels: list[float], body_size: float) -> int:
    if line.size in levels:
        return levels.index(line.size) + 1
    numbered = _NUMBERED_HEADING.match(line.text)
    if numbered and not levels:
        return min(numbered.group(1).count(".") + 1, MAX_LEVEL)
    return min(len(levels) + 1, MAX_LEVEL)


def _line_spacing(lines: list[_Line]) -> float:
    """The usual distance between two lines of one paragraph."""
    gaps = [
        round(previous.y - line.y, 1)
        for previous, line in itertools.pairwise(lines)
        if previous.page == line.page and previous.y > line.y
    ]
    if not gaps:
        return 0.0
    common = Counter(gaps).most_common(1)[0][0]
    return min(common, statistics.median(gaps))


def _join_lines(texts: Iterable[str]) -> str:
    """Wrapped lines back into one paragraph; a word hyphenated at a line's end is rejoined."""
    joined = ""
    for text in texts:
        if joined.endswith("-") and text[:1].islower():
            joined = joined[:-1] + text
        else:
            joined = f"{joined} {text}" if joined else text
    return joined


def _list_items(lines: list[_Line]) -> list[str]:
    items: list[list[str]] = []
    for line in lines:
        bullet = _BULLET.match(line.text)
        if bullet or not items:
            items.append([line.text[bullet.end() :] if bullet else line.text])
        else:
            items[-1].append(line.text)
    return [_join_lines(item) for item in items]


# --- Word ----------------------------------------------------------------------------------


def _read_docx(stream: BinaryIO) -> Document:
    try:
        document = docx.Document(stream)
        # Style names by id, read once: python-docx looks a paragraph's style up by scanning them all.
        styles = {style.style_id: style.name or "" for style in document.styles}
        blocks = list(_docx_blocks(document.iter_inner_content(), styles))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as error:
        raise DocumentError(_("This file is not a readable Word document (.docx).")) from error
    if not blocks:
        raise DocumentError(_("The document has no text to read."))
    return Document(tuple(blocks))


def _docx_blocks(content: Iterable[Paragraph | Table], styles: dict[str, str]) -> Iterator[Block]:
    items: list[str] = []
    for part in content:
        if isinstance(part, Table):
            if items:
                yield bullet_list(items)
                items = []
            rows = _docx_rows(part)
            if rows:
                yield table(rows)
            continue
        text = " ".join(part.text.split())
        style = styles.get(part._p.style or "", "")
        if _is_docx_list(part, style):
            if text:
                items.append(text)
            continue
        if items:
            yield bullet_list(items)
            items = []
        if not text:
            continue
        level = _docx_heading_level(style)
        yield heading(text, level) if level else paragraph(text)
    if items:
        yield bullet_list(items)


def _docx_heading_level(style: str) -> int:
    if style.lower() == "title":
        return 1
    numbered = _DOCX_HEADING_STYLE.match(style.strip())
    return min(int(numbered.group(1)), MAX_LEVEL) if numbered else 0


def _is_docx_list(part: Paragraph, style: str) -> bool:
    """A list style ("List Bullet", "List Number", "List Paragraph") or Word numbering."""
    if style.lower().startswith("list"):
        return True
    properties = part._p.pPr
    return properties is not None and properties.numPr is not None


def _docx_rows(part: Table) -> list[tuple[str, ...]]:
    """The table's rows of cell text; a merged cell, which python-docx repeats, counts once."""
    rows = []
    for row in part.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append(tuple(cells))
    return rows
