"""Where uploaded and generated files live, behind one small interface of streams.

Web processes keep nothing on their own disk that another host would need: the
local backend serves the embedded mode and a single machine; an S3-compatible
bucket (``lms.storage.s3``) plugs in behind the same calls (DESIGN.md: running;
README: storage). ``STORAGE_BACKEND`` picks one.

Files move as streams, copied in chunks, never whole in memory: a 500 MB video goes
from the request to the disk or the bucket through a buffer of a few megabytes
(issue 16, item 1). Serving is the backend's: the local one answers HTTP Range and
conditional requests itself, a bucket is reached through a short-lived presigned URL
and serves Range itself. ``save_bytes`` / ``read_bytes`` are for the small files
(logos, certificates, mail attachments) whose callers hold them whole anyway.

A file a row names but the storage no longer holds (lost with a disk, removed by hand)
is ``MissingFile``, which every page serving files answers with a 404 (issue 10).
"""

from __future__ import annotations

import io
import os
import re
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO, ClassVar, Protocol

from flask import current_app, send_file
from werkzeug.wrappers import Response

from lms.errors import LmsError
from lms.models.enums import MediaProvider

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")
CHUNK = 1024 * 1024


class MissingFile(LmsError):
    """The storage holds no file under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class StorageProblem(LmsError):
    """The configured storage cannot be used; the message says why, in one line, for the operator."""


class Storage(Protocol):
    """Keys are relative paths (``tenants/3/covers/<uuid>.png``); see ``check_key``."""

    failures: ClassVar[tuple[type[Exception], ...]]

    def save(self, key: str, stream: BinaryIO) -> int:
        """Copy the stream in chunks to ``key`` (replacing what was there) and return the bytes written."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """The file as a readable stream; MissingFile when there is none."""
        ...

    def size(self, key: str) -> int:
        """The file's size in bytes; MissingFile when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; nothing happens when there is none."""
        ...

    def send(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        as_attachment: bool = False,
        max_age: int | None = None,
    ) -> Response:
        """The response that gets the file to the browser; MissingFile when there is none."""
        ...

    def describe(self) -> str:
        """Where the files go, for the operator."""
        ...

    def explain(self, error: Exception) -> str:
        """One of ``failures`` as one line for the operator."""
        ...


def check_key(key: str) -> str:
    """A key is a relative path of plain names: it can never climb out of the storage's root."""
    if not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under one directory."""

    failures: ClassVar[tuple[type[Exception], ...]] = (OSError,)

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, stream: BinaryIO) -> int:
        """Written to a temporary file beside the target and renamed over it: a reader sees
        the old file or the new one, never half of one, and two writers of one key (a job run
        twice) do not share a temporary file."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with temporary.open("wb") as target:
                shutil.copyfileobj(stream, target, CHUNK)
                written = target.tell()
            temporary.replace(path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return written

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise MissingFile(key) from None

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def send(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        as_attachment: bool = False,
        max_age: int | None = None,
    ) -> Response:
        """Flask's ``send_file`` of the path: Range requests get 206, ETag and Last-Modified
        come from the file, so If-None-Match / If-Modified-Since get 304."""
        try:
            return send_file(
                os.fspath(self._path(key)),
                mimetype=mimetype,
                as_attachment=as_attachment,
                download_name=download_name,
                conditional=True,
                max_age=max_age,
            )
        except FileNotFoundError:
            raise MissingFile(key) from None

    def describe(self) -> str:
        return f"local directory {self.root}"

    def explain(self, error: Exception) -> str:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return f"storage directory {self.root} is not writable: {reason}"


def get_storage() -> Storage:
    """The backend ``STORAGE_BACKEND`` names (README: storage)."""
    if current_app.config.get("STORAGE_BACKEND", "local") == "s3":
        from lms.storage.s3 import S3Storage

        return S3Storage.from_app(current_app)
    return LocalStorage(current_app.config["STORAGE_DIR"])


def storage_provider() -> MediaProvider:
    """What a MediaAsset stored now records as its provider."""
    return MediaProvider.S3 if current_app.config.get("STORAGE_BACKEND", "local") == "s3" else MediaProvider.LOCAL


def save_bytes(storage: Storage, key: str, data: bytes) -> int:
    return storage.save(key, io.BytesIO(data))


def read_bytes(storage: Storage, key: str) -> bytes:
    with storage.open(key) as stream:
        return stream.read()


@contextmanager
def open_seekable(storage: Storage, key: str) -> Iterator[BinaryIO]:
    """The stored file as a stream that can seek: PDF and zip readers jump around, a bucket's body
    cannot. Such a body is copied in chunks to a temporary file first, never held in memory."""
    with storage.open(key) as stream:
        if stream.seekable():
            yield stream
            return
        with tempfile.TemporaryFile() as copy:
            shutil.copyfileobj(stream, copy, CHUNK)
            copy.seek(0)
            yield copy


def check_storage(storage: Storage) -> str:
    """Write a probe file, read it back, compare, delete it (``flask lms storage-check``).

    Returns where the files go; raises StorageProblem with one line saying what is wrong.
    """
    key = f"storage-check/{uuid.uuid4().hex}.bin"
    probe = secrets.token_bytes(64 * 1024)
    try:
        save_bytes(storage, key, probe)
        try:
            back = read_bytes(storage, key)
        finally:
            storage.delete(key)
    except storage.failures as error:
        raise StorageProblem(storage.explain(error)) from None
    except MissingFile:
        raise StorageProblem(f"{storage.describe()}: a file just written cannot be read back") from None
    if back != probe:
        raise StorageProblem(f"{storage.describe()}: a file read back differs from what was written")
    return storage.describe()
