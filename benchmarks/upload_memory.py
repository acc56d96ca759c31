"""A 500 MB upload to the media library over HTTP: does the worker hold the file in memory? (issue 16, item 1)

Not a test, and not for any host but this one. Like ``reports.py`` it starts gunicorn with
the README's production command on 127.0.0.1, one worker (so the memory is that worker's),
with ``MAX_UPLOAD_MB=1024``; signs in acme's HR user through the login form; and posts a
generated MP4 of ``--megabytes`` to ``/admin/media/upload/`` as one streamed multipart
request (the client never holds the file either). It prints the answer, the time, and the
worker's resident memory before and its high-water mark after (``/proc/<pid>/status``:
VmRSS, VmHWM). Streaming means the mark rises by a few megabytes, not by the file: the
request body is spooled to a temporary file by Werkzeug and copied from there to the
storage in chunks (``lms.storage``). The asset is deleted again at the end.

    flask --app app db upgrade
    DATABASE_URL=postgresql://... python benchmarks/upload_memory.py

The demo companies are built first when they are missing (``flask lms seed-demo``). Files go
to a temporary ``STORAGE_DIR`` unless the environment names a storage (``STORAGE_BACKEND=s3``
and its ``S3_*`` settings measure the bucket's upload path instead).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import secrets
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from http_load import Browser, ensure_tenant, gunicorn
from reports import _memory, _worker_pid

MB = 1024 * 1024
UPLOAD = "/admin/media/upload/"
BOUNDARY = "mojster-upload-benchmark"
CHUNK = bytes(range(256)) * 4096  # 1 MB of the video's "frames"


def _csrf(page: bytes) -> str:
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no csrf_token on the page")
    return token.group(1).decode()


def _mp4(size: int) -> tuple[bytes, int]:
    """An MP4's head (``ftyp`` and the header of one ``mdat`` box) and how many bytes of media follow it."""
    ftyp = struct.pack(">I4s4sI4s4s", 24, b"ftyp", b"isom", 512, b"isom", b"mp41")
    media = size - len(ftyp) - 16
    return ftyp + struct.pack(">I4sQ", 1, b"mdat", media + 16), media


def _multipart(fields: dict[str, str], size: int) -> tuple[Iterator[bytes], int]:
    """The form's body as chunks and its exact length, so it goes with a Content-Length."""
    head = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    head += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="benchmark.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    box, media = _mp4(size)

    def chunks() -> Iterator[bytes]:
        yield head + box
        left = media
        while left:
            piece = CHUNK[: min(left, len(CHUNK))]
            left -= len(piece)
            yield piece
        yield tail

    return chunks(), len(head) + size + len(tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="default: $DATABASE_URL")
    parser.add_argument("--megabytes", type=int, default=500, help="size of the upload (default 500)")
    arguments = parser.parse_args()
    if not arguments.database_url:
        parser.error("set DATABASE_URL or --database-url (PostgreSQL, at the latest migration)")
    with tempfile.TemporaryDirectory(prefix="mojster-upload-") as scratch:
        env = {
            "STORAGE_DIR": scratch,
            **os.environ,
            "LMS_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": arguments.database_url,
            "BASE_URL": "http://127.0.0.1",
            "MAX_UPLOAD_MB": "1024",
            "TMPDIR": scratch,  # Werkzeug's spool file of the request body
        }
        env.pop("REDIS_URL", None)  # processing runs inline after the commit, in the same worker
        ensure_tenant(arguments.database_url, "acme", env, [], "the demo companies")
        with gunicorn(env, workers=1, threads=4) as port:
            hr = Browser(port)
            hr.sign_in("hr@acme.test")
            _, form = hr.request("GET", UPLOAD)
            worker = _worker_pid(port)
            before = _memory(worker)
            body, length = _multipart(
                {"csrf_token": _csrf(form), "title": "Upload benchmark", "type": "VIDEO"}, arguments.megabytes * MB
            )
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
            started = time.perf_counter()
            connection.request(
                "POST",
                UPLOAD,
                body=body,
                headers={
                    "Cookie": "; ".join(f"{k}={v}" for k, v in hr.cookies.items()),
                    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                    "Content-Length": str(length),
                },
            )
            response = connection.getresponse()
            response.read()
            seconds = time.perf_counter() - started
            after = _memory(worker)
            print(
                f"upload of {arguments.megabytes} MB: HTTP {response.status} in {seconds:.1f} s; "
                f"worker RSS before {before['VmRSS'] / 1024:.0f} MB, peak before {before['VmHWM'] / 1024:.0f} MB, "
                f"peak after {after['VmHWM'] / 1024:.0f} MB",
                flush=True,
            )
            asset = re.search(r"[?&]id=(\d+)", response.headers.get("Location", ""))
            if response.status != 302 or asset is None:
                raise SystemExit(f"the upload was not accepted (HTTP {response.status})")
            _, details = hr.request("GET", f"/admin/media/details/?id={asset.group(1)}")
            delete = urlencode({"csrf_token": _csrf(details), "id": asset.group(1)})
            answer, _ = hr.request("POST", "/admin/media/delete/", delete)
            print(f"asset {asset.group(1)} deleted again: HTTP {answer.status}")


if __name__ == "__main__":
    main()
