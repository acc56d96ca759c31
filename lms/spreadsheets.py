"""Reports as CSV and XLSX downloads, streamed with constant memory (issue 13, item 6).

A report hands over a ``Table``: translated column labels and an iterator of rows that
reads the database in chunks as the response is sent. Nothing holds the whole result:
CSV is written line by line; XLSX goes through openpyxl's write-only workbook, which
writes each row to a temporary file as it comes, and that file is sent in chunks and
removed. 10,000 learners by 200 modules is two million cells and still a few megabytes
of Python. Every cell passes ``spreadsheet_safe`` (CSV injection, issue 10).

The rows are produced after the view has returned, when Flask has torn down the request's
app context once and Flask-SQLAlchemy removed its session (Flask 3.1
``stream_with_context``): ``download`` re-enters the request's tenant in the re-pushed
context before the first row is read, so the tenancy hook scopes those queries as it
scoped the page's.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, BinaryIO
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import get_timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from lms.tenancy import current_tenant_id, set_tenant

FORMATS = ("csv", "xlsx")
CHUNK = 64 * 1024
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MIME = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def spreadsheet_safe(value: Any) -> Any:
    """An export cell that a spreadsheet would run as a formula, quoted (issue 10; OWASP "CSV injection").

    Text starting with ``= + - @``, a tab or a CR gets a leading ``'``, so a learner named
    ``=HYPERLINK(...)`` is shown as text in HR's spreadsheet, not followed. Numbers stay
    numbers: -50 XP is a value, not a formula, and a quote would turn it into text.
    """
    if value is None or isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def local_moment(value: datetime) -> str:
    """A moment in the company's time zone to the second, in the sortable form every
    spreadsheet reads (``2026-03-31 23:30:00``), as the pages show it."""
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return moment.astimezone(get_timezone()).strftime("%Y-%m-%d %H:%M:%S")


def cell(value: Any) -> Any:
    """One value as a spreadsheet cell: moments in the company's zone, text made safe."""
    if isinstance(value, datetime):
        return local_moment(value)
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_safe(value)


@dataclass
class Table:
    """What a report exports: a name for the file, the labels and the rows.

    ``rows`` is called once, when the download starts, and yields lists of plain values
    (text, numbers, dates); ``note`` (e.g. "filtered to group A") is written above the
    header so a file says what it holds.
    """

    name: str
    header: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Any]]]
    note: str | None = None

    def lines(self) -> Iterator[list[Any]]:
        if self.note:
            yield [spreadsheet_safe(self.note)]
        yield [spreadsheet_safe(label) for label in self.header]
        for row in self.rows():
            yield [cell(value) for value in row]


def file_name(company: str, report: str, day: date, fmt: str) -> str:
    """``<company>-<report>-<YYYY-MM-DD>.<fmt>``, letters kept (č, š, ž), the rest dashes."""
    words = "-".join(part for part in (company, report) if part)
    slug = re.sub(r"[^\w]+", "-", unicodedata.normalize("NFC", words)).strip("-_").lower() or "report"
    return f"{slug}-{day.isoformat()}.{fmt}"


def write_csv(table: Table) -> Iterator[bytes]:
    """The table as UTF-8 CSV with a byte-order mark (so Excel reads č, š, ž), in chunks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for line in table.lines():
        writer.writerow(line)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_xlsx(table: Table, out: BinaryIO) -> None:
    """The table as one sheet of a write-only workbook: rows go to disk as they come."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(table.name))
    for number, line in enumerate(table.lines()):
        header = number == (1 if table.note else 0)
        sheet.append([_bold(sheet, value) for value in line] if header else line)
    book.save(out)


def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
    label = WriteOnlyCell(sheet, value=value)
    label.font = Font(bold=True)
    return label


def _sheet_title(name: str) -> str:
    """Excel allows 31 characters and none of ``[]:*?/\\`` in a sheet's name."""
    return re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"


def _xlsx_chunks(table: Table) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as spool:
        write_xlsx(table, spool)
        spool.seek(0)
        while chunk := spool.read(CHUNK):
            yield chunk


def xlsx_bytes(table: Table) -> bytes:
    """The workbook whole, for an email attachment (a manager's groups, not a tenant)."""
    return b"".join(_xlsx_chunks(table))


def download(table: Table, fmt: str, filename: str) -> Response:
    """A streamed response of ``table`` as ``fmt`` (one of ``FORMATS``), read in the request's tenant."""
    tenant_id = current_tenant_id()

    def body() -> Iterator[bytes]:
        set_tenant(tenant_id)
        yield from (write_csv(table) if fmt == "csv" else _xlsx_chunks(table))

    response = Response(stream_with_context(body()), mimetype=_MIME[fmt])
    ascii_name = filename.encode("ascii", "ignore").decode() or f"report.{fmt}"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
