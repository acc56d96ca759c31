"""Moving the files of a local storage directory into the configured bucket
(``flask lms storage-copy``, README: storage).

A company that starts on one machine and grows to several hosts switches
``STORAGE_BACKEND`` to ``s3``; every key its rows name (covers, logos, attachments,
certificates, media and their posters) must then be in the bucket under the same key.
The copy streams each file (never whole in memory), skips a file the bucket already
holds with the same size, so an interrupted run is simply run again, and leaves the
local files in place: nothing is lost if the bucket turns out to be the wrong one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lms.storage import LocalStorage, MissingFile, Storage, check_key

PROBES = "storage-check/"  # ``check_storage``'s probe files: never anything a row names


@dataclass
class CopyReport:
    copied: int = 0
    copied_bytes: int = 0
    present: int = 0
    stored: set[str] = field(default_factory=set)  # every key the target now holds
    failed: list[str] = field(default_factory=list)  # "<key>: <why>", one line each


def local_keys(root: Path) -> Iterator[str]:
    """The keys of the files under ``root``: not a probe, not a name no key can have (a write
    in progress, ``.<name>.part``, or a file put there by hand)."""
    for path in sorted(root.rglob("*")):
        key = path.relative_to(root).as_posix()
        if not path.is_file() or key.startswith(PROBES):
            continue
        try:
            yield check_key(key)
        except ValueError:
            continue


def copy_files(source: LocalStorage, target: Storage) -> CopyReport:
    """Every file of the local directory into ``target``, one stream at a time; a file that
    cannot be read or written is named in the report and the copy goes on."""
    report = CopyReport()
    for key in local_keys(source.root):
        try:
            size = source.size(key)
            if _size_in(target, key) == size:
                report.present += 1
            else:
                with source.open(key) as stream:
                    report.copied_bytes += target.save(key, stream)
                report.copied += 1
        except MissingFile:
            continue  # removed since the directory was listed
        except target.failures as error:
            report.failed.append(f"{key}: {target.explain(error)}")
            continue
        except OSError as error:  # the local file (the target's own errors are its failures above)
            report.failed.append(f"{key}: cannot read {source.root / key}: {error.strerror or error}")
            continue
        report.stored.add(key)
    return report


def _size_in(storage: Storage, key: str) -> int | None:
    try:
        return storage.size(key)
    except MissingFile:
        return None
