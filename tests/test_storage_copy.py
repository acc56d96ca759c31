"""Moving to a bucket after starting on the local disk: ``flask lms storage-copy``.

A company that grows from one machine to several hosts switches ``STORAGE_BACKEND`` to
``s3``; the files its rows name must be in the bucket under the same keys, and its media
library must say that they are there. The bucket is a real S3 endpoint (moto's server on loopback).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from lms.extensions import db
from lms.models import MediaAsset
from lms.models.enums import MediaAssetStatus, MediaAssetType, MediaProvider
from lms.storage import MissingFile, get_storage, read_bytes
from lms.tenancy import tenant_context, unscoped
from tests.factories import make_tenant
from tests.s3_server import S3Server

VIDEO = bytes(range(256)) * 12_288  # 3 MB: more than one chunk of the copy


def _write(root: Path, key: str, data: bytes) -> str:
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key


def _copy(app: Flask, root: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["lms", "storage-copy", "--from-dir", str(root)])
    return result.exit_code, result.output


def _in_bucket(app: Flask, key: str) -> bytes | None:
    with app.app_context():
        try:
            return read_bytes(get_storage(), key)
        except MissingFile:
            return None


def test_every_file_is_copied_once_and_a_second_run_finds_them_there(
    app: Flask, s3_storage: S3Server, tmp_path: Path
) -> None:
    prefix = f"tenants/{uuid.uuid4().hex}"
    cover = _write(tmp_path, f"{prefix}/covers/logo.png", b"\x89PNG small")
    video = _write(tmp_path, f"{prefix}/media/ladder.webm", VIDEO)
    _write(tmp_path, f"{prefix}/media/.next.webm.1234.part", b"half")  # a save in progress: skipped
    probe = _write(tmp_path, f"storage-check/{uuid.uuid4().hex}.bin", b"probe")
    _write(tmp_path, f"{prefix}/notes by hand.txt", b"not a key")  # no key has a space: skipped

    code, output = _copy(app, tmp_path)

    assert code == 0, output
    assert "copied 2 files (3.1 MB)" in output
    assert "0 were there already" in output
    assert _in_bucket(app, cover) == b"\x89PNG small"
    assert _in_bucket(app, video) == VIDEO
    assert _in_bucket(app, probe) is None
    assert (tmp_path / video).read_bytes() == VIDEO, "the local files stay"

    code, output = _copy(app, tmp_path)

    assert code == 0
    assert "copied 0 files (0.0 MB)" in output
    assert "2 were there already" in output


def test_media_whose_files_arrived_are_recorded_in_the_bucket_and_the_rest_stay_local(
    app: Flask, s3_storage: S3Server, tmp_path: Path
) -> None:
    prefix = f"tenants/{uuid.uuid4().hex}/media"
    with app.app_context():
        tenant = make_tenant("copyco")
        with tenant_context(tenant.id):
            assets = {
                name: MediaAsset(
                    type=MediaAssetType.VIDEO,
                    status=MediaAssetStatus.READY,
                    provider=provider,
                    title=name,
                    file_name=f"{name}.webm",
                    storage_path=f"{prefix}/{name}.webm",
                    poster_path=poster,
                )
                for name, provider, poster in [
                    ("copied", MediaProvider.LOCAL, f"{prefix}/copied.jpg"),
                    ("lost", MediaProvider.LOCAL, None),  # its file is not on the disk any more
                    ("poster-lost", MediaProvider.LOCAL, f"{prefix}/gone.jpg"),
                    ("in-bucket", MediaProvider.S3, None),
                ]
            }
            db.session.add_all(assets.values())
            db.session.commit()
            ids = {name: asset.id for name, asset in assets.items()}
    _write(tmp_path, f"{prefix}/copied.webm", VIDEO)
    _write(tmp_path, f"{prefix}/copied.jpg", b"poster")
    _write(tmp_path, f"{prefix}/poster-lost.webm", VIDEO)

    code, output = _copy(app, tmp_path)

    assert code == 0, output
    assert "1 media assets now recorded in the bucket" in output
    with app.app_context(), unscoped("test: the assets' providers"):
        providers = dict(db.session.execute(sa.select(MediaAsset.title, MediaAsset.provider)).all())
    assert providers == {
        "copied": MediaProvider.S3,
        "lost": MediaProvider.LOCAL,
        "poster-lost": MediaProvider.LOCAL,
        "in-bucket": MediaProvider.S3,
    }
    assert set(ids) == set(providers)


def test_with_the_local_backend_there_is_nothing_to_copy_into(app: Flask, tmp_path: Path) -> None:
    _write(tmp_path, "tenants/1/covers/a.png", b"x")

    code, output = _copy(app, tmp_path)

    assert code == 1
    assert output == "storage copy: STORAGE_BACKEND is local; set it and S3_* to the bucket to copy into\n"


def test_a_missing_bucket_is_one_line_and_changes_nothing(
    app: Flask, s3_storage: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "S3_BUCKET", "no-such-bucket")
    key = _write(tmp_path, "tenants/1/media/a.webm", VIDEO)
    with app.app_context():
        tenant = make_tenant("copyco")
        with tenant_context(tenant.id):
            db.session.add(
                MediaAsset(
                    type=MediaAssetType.VIDEO,
                    status=MediaAssetStatus.READY,
                    provider=MediaProvider.LOCAL,
                    title="a",
                    file_name="a.webm",
                    storage_path=key,
                )
            )
            db.session.commit()

    code, output = _copy(app, tmp_path)

    assert code == 1
    assert output.startswith("storage copy failed: s3 bucket no-such-bucket does not exist at ")
    assert output.count("\n") == 1
    with app.app_context(), unscoped("test: the asset's provider"):
        assert db.session.scalar(sa.select(MediaAsset.provider)) == MediaProvider.LOCAL
