"""Where uploaded and generated files live, behind one small interface.

Web processes keep nothing on their own disk that another host would need: the
local backend serves the embedded mode and a single machine; an S3-compatible
backend plugs in behind the same three calls (DESIGN.md: running).

A file a row names but the storage no longer holds (lost with a disk, removed by hand)
is ``MissingFile``, which every page serving files answers with a 404 (issue 10).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from flask import current_app

from lms.errors import LmsError

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


class MissingFile(LmsError):
    """The storage holds no file under this key."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class Storage(Protocol):
    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes:
        """The file's bytes; MissingFile when there is none."""
        ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    """Files under one directory; keys are relative paths and can never climb out of it."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        if not _KEY.fullmatch(key) or ".." in key.split("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)

    def read(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def get_storage() -> Storage:
    return LocalStorage(current_app.config["STORAGE_DIR"])
