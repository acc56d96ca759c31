"""Do both storage backends keep, stream and serve files alike? (issue 16, item 1)

Every test runs against the local directory and against a real S3 endpoint (moto's
server on loopback, ``tests/s3_server.py``). Files move as streams: saving 50 MB holds a
few megabytes, not the file. A browser gets a local file from us with Range support,
and an S3 one from the bucket through a short-lived presigned URL.
"""

from __future__ import annotations

import hashlib
import tracemalloc
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from werkzeug.wrappers import Response

from lms.models.enums import MediaProvider
from lms.storage import MissingFile, Storage, get_storage, read_bytes, save_bytes, storage_provider
from tests.s3_server import S3Server
from tests.smtp import free_port

MB = 1024 * 1024
PATTERN = bytes(range(256)) * 4096  # 1 MB


class Generated:
    """``size`` bytes made up as they are read: a large upload without a large source."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0

    def read(self, n: int = -1) -> bytes:
        left = self.size - self.position
        n = left if n is None or n < 0 else min(n, left)
        pieces = []
        while n:
            start = self.position % len(PATTERN)
            piece = memoryview(PATTERN)[start : start + n]
            pieces.append(piece)
            self.position += len(piece)
            n -= len(piece)
        return b"".join(pieces)


def _digest(stream: object, chunk: int = MB) -> str:
    digest = hashlib.sha256()
    while data := stream.read(chunk):  # type: ignore[attr-defined]
        digest.update(data)
    return digest.hexdigest()


@pytest.fixture(params=["local", "s3"])
def backend(request: pytest.FixtureRequest, app: Flask) -> str:
    if request.param == "s3":
        request.getfixturevalue("s3_storage")
    return request.param


@pytest.fixture
def storage(app: Flask, backend: str) -> Iterator[Storage]:
    with app.app_context():
        yield get_storage()


@pytest.fixture
def files_app(app: Flask, backend: str) -> Flask:
    """A small app with one route that serves any key through ``storage.send`` (the learner
    routes that do so need a whole company around them; tests/learner covers those)."""
    probe = Flask("storage_probe")
    probe.config.update({name: value for name, value in app.config.items() if name.startswith(("STORAGE", "S3_"))})

    @probe.get("/files/<path:key>")
    def serve(key: str) -> Response:
        return get_storage().send(key, mimetype="application/octet-stream", download_name="video.mp4", max_age=60)

    return probe


def test_a_stream_of_several_megabytes_is_saved_read_back_and_deleted(storage: Storage) -> None:
    size = 12 * MB + 7  # above the S3 backend's multipart threshold, not a whole number of parts
    key = "tenants/1/media/large.bin"

    written = storage.save(key, Generated(size))

    assert written == size
    assert storage.size(key) == size
    with storage.open(key) as stream:
        assert _digest(stream) == _digest(Generated(size))
    storage.delete(key)
    with pytest.raises(MissingFile):
        storage.size(key)


def test_saving_again_replaces_the_file(storage: Storage) -> None:
    save_bytes(storage, "tenants/1/certificates/a.pdf", b"first version")
    save_bytes(storage, "tenants/1/certificates/a.pdf", b"second")

    assert read_bytes(storage, "tenants/1/certificates/a.pdf") == b"second"
    assert storage.size("tenants/1/certificates/a.pdf") == 6


def test_a_missing_key_is_missing_file_everywhere_but_delete(app: Flask, storage: Storage) -> None:
    key = "tenants/1/gone/never-stored.bin"
    with pytest.raises(MissingFile):
        storage.open(key)
    with pytest.raises(MissingFile):
        storage.size(key)
    with app.test_request_context(), pytest.raises(MissingFile):
        storage.send(key, mimetype="application/pdf")
    storage.delete(key)  # nothing to delete is no error


@pytest.mark.parametrize("key", ["../outside", "tenants/../../etc/passwd", "/absolute", ""])
def test_a_key_never_climbs_out_of_the_storage(storage: Storage, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        save_bytes(storage, key, b"x")


def test_the_provider_follows_the_backend(app: Flask, backend: str) -> None:
    with app.app_context():
        assert storage_provider() is {"local": MediaProvider.LOCAL, "s3": MediaProvider.S3}[backend]


def test_a_range_request_gets_206_with_exactly_the_bytes_asked(
    app: Flask, storage: Storage, files_app: Flask, backend: str
) -> None:
    key = "tenants/1/media/clip.mp4"
    storage.save(key, Generated(3 * MB))
    expected = (PATTERN * 3)[MB + 10 : MB + 5000 + 1]

    response = files_app.test_client().get(f"/files/{key}", headers={"Range": f"bytes={MB + 10}-{MB + 5000}"})

    if backend == "local":
        assert response.status_code == 206
        assert response.headers["Content-Range"] == f"bytes {MB + 10}-{MB + 5000}/{3 * MB}"
        assert response.data == expected
        assert "video.mp4" in response.headers["Content-Disposition"]
    else:
        assert response.status_code == 303
        request = urllib.request.Request(response.location, headers={"Range": f"bytes={MB + 10}-{MB + 5000}"})  # noqa: S310 - loopback
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
            assert answer.status == 206
            assert answer.read() == expected
            assert "video.mp4" in answer.headers["Content-Disposition"]
            assert answer.headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("backend", ["local"], indirect=True)  # a bucket answers them on the presigned URL
def test_a_local_file_answers_conditional_requests_with_304(app: Flask, files_app: Flask, backend: str) -> None:
    with app.app_context():
        save_bytes(get_storage(), "tenants/1/covers/c.png", b"picture")
    client = files_app.test_client()
    first = client.get("/files/tenants/1/covers/c.png")

    again = client.get("/files/tenants/1/covers/c.png", headers={"If-None-Match": first.headers["ETag"]})

    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert again.status_code == 304


def test_a_presigned_url_carries_its_expiry_and_the_redirect_is_cached_for_less(
    app: Flask, s3_storage: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "S3_PRESIGNED_SECONDS", 40)
    with app.test_request_context():
        storage = get_storage()
        save_bytes(storage, "tenants/1/covers/c.png", b"picture")
        response = storage.send("tenants/1/covers/c.png", mimetype="image/png", max_age=3600)

    assert response.status_code == 303
    query = parse_qs(urlsplit(response.location).query)
    assert query["X-Amz-Expires"] == ["40"]
    assert query["response-content-type"] == ["image/png"]
    assert response.headers["Cache-Control"] == "private, max-age=20"


def test_saving_50_mb_does_not_hold_the_file_in_memory(storage: Storage, backend: str) -> None:
    size = 50 * MB
    tracemalloc.start()
    try:
        written = storage.save("tenants/1/media/big.bin", Generated(size))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    storage.delete("tenants/1/media/big.bin")

    assert written == size
    assert peak < 25 * MB, f"peak {peak / MB:.1f} MB while saving {size // MB} MB"


def _storage_check(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["lms", "storage-check"])
    return result.exit_code, result.output


def test_storage_check_says_where_the_files_go(app: Flask, backend: str, s3_server: S3Server) -> None:
    code, output = _storage_check(app)

    assert code == 0
    expected = f"storage ok: s3 bucket mojster-test at {s3_server.endpoint}\n"
    assert output == (expected if backend == "s3" else f"storage ok: local directory {app.config['STORAGE_DIR']}\n")


def test_storage_check_names_a_missing_bucket(
    app: Flask, s3_storage: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "S3_BUCKET", "no-such-bucket")

    code, output = _storage_check(app)

    assert code == 1
    assert output == f"storage check failed: s3 bucket no-such-bucket does not exist at {s3_storage.endpoint}\n"


def test_storage_check_names_an_unreachable_endpoint(
    app: Flask, s3_storage: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", nowhere)

    code, output = _storage_check(app)

    assert code == 1
    assert output.startswith(f"storage check failed: s3 endpoint {nowhere} is unreachable")
    assert output.count("\n") == 1


def test_storage_check_names_a_directory_it_cannot_write(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a-file").write_text("not a directory")
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "a-file" / "storage"))

    code, output = _storage_check(app)

    assert code == 1
    assert (
        output
        == f"storage check failed: storage directory {tmp_path}/a-file/storage is not writable: Not a directory\n"
    )
