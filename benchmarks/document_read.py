"""Reading a 200-page document and drafting a module from it (issue 16, "Proof": a 200-page
document under 30 s and in bounded memory; the figures go to docs/performance.md).

Not a test. It builds a 200-page PDF with fpdf2 and a Word file of the same text with
python-docx (each page: a heading and four paragraphs of policy prose), then, for each,
times ``documents.read_document`` and ``ai_generator.OfflineGenerator().draft`` in this
process and prints the wall time and Python's peak allocation during the step
(``tracemalloc``), plus the process's resident high-water mark (``/proc/self/status``:
VmHWM) at the end. Nothing is mocked and nothing touches the network or the database.

    python benchmarks/document_read.py [--pages 200]
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from fpdf import FPDF

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from flask_babel import Babel

from lms.services.ai_generator import OfflineGenerator
from lms.services.documents import read_document
from lms.services.file_types import FileType, sniff

SENTENCES = (
    "Every employee wears a safety helmet on the building site.",
    "The safety officer checks every helmet and harness once a month and records the check.",
    "Fire extinguishers hang beside every exit, and the fire warden tests the alarm on Friday.",
    "Chemicals are stored in the locked warehouse cabinet, away from heat and open flames.",
    "An accident is reported to the safety officer on the same day, even when nobody is hurt.",
    "Visitors sign in at reception and wear a visitor badge while they are on the site.",
)


def _paragraph(page: int, number: int) -> str:
    start = (page + number) % len(SENTENCES)
    return " ".join(SENTENCES[(start + offset) % len(SENTENCES)] for offset in range(4))


def make_pdf(pages: int) -> bytes:
    pdf = FPDF()
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 10, f"Chapter {page}: site rules", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for number in range(4):
            pdf.multi_cell(0, 6, _paragraph(page, number), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
    return bytes(pdf.output())


def make_docx(pages: int) -> bytes:
    document = docx.Document()
    for page in range(1, pages + 1):
        document.add_heading(f"Chapter {page}: site rules", level=1)
        for number in range(4):
            document.add_paragraph(_paragraph(page, number))
        document.add_page_break()
    data = io.BytesIO()
    document.save(data)
    return data.getvalue()


def measure(label: str, step: Callable[[], Any]) -> Any:
    tracemalloc.start()
    started = time.perf_counter()
    result = step()
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<28} {elapsed:7.2f} s   peak {peak / 2**20:7.1f} MiB")
    return result


def high_water_mark() -> str:
    status = Path("/proc/self/status")
    if not status.exists():
        return "n/a"
    found = re.search(r"VmHWM:\s+(\d+) kB", status.read_text())
    return f"{int(found.group(1)) / 1024:.0f} MiB" if found else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()

    app = Flask(__name__)  # only for flask_babel's gettext: the generator's phrases are translated
    Babel(app)
    with app.app_context():
        for name, make in (("PDF", make_pdf), ("DOCX", make_docx)):
            data = make(args.pages)
            print(f"{name}: {args.pages} pages, {len(data) / 2**20:.2f} MiB")
            stream = io.BytesIO(data)
            file_type = sniff(stream)
            assert file_type in (FileType.PDF, FileType.DOCX)
            document = measure(
                f"  read {name}", lambda stream=stream, file_type=file_type: read_document(stream, file_type)
            )
            print(f"  {len(document.blocks)} blocks, {len(document.text) / 1024:.0f} KiB of text")
            draft = measure(
                f"  draft from {name}", lambda document=document: OfflineGenerator().draft(list(document.blocks), "en")
            )
            print(f"  {len(draft['sections'])} sections, {len(draft['questions'])} questions")
    print(f"process resident high-water mark: {high_water_mark()}")


if __name__ == "__main__":
    main()
