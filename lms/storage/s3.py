"""Files in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2 …), the other ``lms.storage`` backend.

Uploads go as multipart uploads of a few megabytes at a time, so a web or job process
holds a bounded buffer whatever the file's size (issue 16, item 1). Browsers never
get the bytes through us: ``send`` redirects (303) to a presigned URL that lives
``S3_PRESIGNED_SECONDS``, and the bucket answers Range requests itself.

One boto3 client per process and settings, kept on the app: creating one costs
milliseconds and a connection pool, and a client is safe to share between threads
(boto3 documents clients, unlike resources and sessions, as thread-safe).
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any, BinaryIO, ClassVar
from urllib.parse import quote

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from flask import Flask, redirect
from werkzeug.http import dump_options_header
from werkzeug.wrappers import Response

from lms.errors import ConfigError
from lms.storage import MissingFile, check_key

MB = 1024 * 1024
# S3's smallest part is 5 MB. At most two parts in memory and two in flight: an upload
# holds about 20 MB whatever the file's size (s3transfer reads each part into memory).
TRANSFER = TransferConfig(multipart_threshold=8 * MB, multipart_chunksize=5 * MB, max_concurrency=2)
TRANSFER.max_in_memory_upload_chunks = 2
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_REFUSED = frozenset({"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})
_CLIENTS = "lms.s3_clients"
_lock = threading.Lock()


class _Counted:
    """A read-only view of a stream that counts what passes through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _client(app: Flask) -> BaseClient:
    config = app.config
    settings = (
        config["S3_ENDPOINT_URL"],
        config["S3_REGION"],
        config["S3_ACCESS_KEY_ID"],
        config["S3_SECRET_ACCESS_KEY"],
    )
    clients: dict[tuple[Any, ...], BaseClient] = app.extensions.setdefault(_CLIENTS, {})
    client = clients.get(settings)
    if client is None:
        with _lock:
            client = clients.get(settings)
            if client is None:
                endpoint, region, key_id, secret = settings
                client = boto3.session.Session().client(
                    "s3",
                    endpoint_url=endpoint,
                    region_name=region,
                    aws_access_key_id=key_id,
                    aws_secret_access_key=secret,
                    config=Config(
                        signature_version="s3v4",
                        # MinIO and most self-hosted servers know buckets by path, not by host name.
                        s3={"addressing_style": "path" if endpoint else "auto"},
                        connect_timeout=5,
                        read_timeout=60,
                        retries={"max_attempts": 3, "mode": "standard"},
                    ),
                )
                clients[settings] = client
    return client


def _disposition(download_name: str, as_attachment: bool) -> str:
    """Content-Disposition as Werkzeug's ``send_file`` writes it (RFC 6266, RFC 5987 for non-ASCII)."""
    value = "attachment" if as_attachment else "inline"
    try:
        download_name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", download_name).encode("ascii", "ignore").decode("ascii")
        quoted = quote(download_name, safe="!#$&+-.^_`|~")
        return dump_options_header(value, {"filename": simple, "filename*": f"UTF-8''{quoted}"})
    return dump_options_header(value, {"filename": download_name})


class S3Storage:
    failures: ClassVar[tuple[type[Exception], ...]] = (BotoCoreError, ClientError)

    def __init__(self, client: BaseClient, bucket: str, *, endpoint: str | None, presigned_seconds: int) -> None:
        self.client = client
        self.bucket = bucket
        self.endpoint = endpoint
        self.presigned_seconds = presigned_seconds

    @classmethod
    def from_app(cls, app: Flask) -> S3Storage:
        bucket = app.config["S3_BUCKET"]
        if not bucket:
            raise ConfigError("STORAGE_BACKEND=s3 needs S3_BUCKET")
        return cls(
            _client(app),
            bucket,
            endpoint=app.config["S3_ENDPOINT_URL"],
            presigned_seconds=app.config["S3_PRESIGNED_SECONDS"],
        )

    def save(self, key: str, stream: BinaryIO) -> int:
        counted = _Counted(stream)
        self.client.upload_fileobj(counted, self.bucket, check_key(key), Config=TRANSFER)
        return counted.count

    def open(self, key: str) -> BinaryIO:
        """The object's body, read from the network as the caller reads (not seekable)."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        except ClientError as error:
            if _code(error) in _MISSING:
                raise MissingFile(key) from None
            raise

    def size(self, key: str) -> int:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=check_key(key))["ContentLength"])
        except ClientError as error:
            if _code(error) in _MISSING:
                raise MissingFile(key) from None
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def send(
        self,
        key: str,
        *,
        mimetype: str,
        download_name: str | None = None,
        as_attachment: bool = False,
        max_age: int | None = None,
    ) -> Response:
        """A 303 to a presigned GET that makes the bucket answer with our type, name and caching.

        The object is looked up first, so a missing one is our own 404 page (issue 10), not
        the bucket's XML. A cacheable file's redirect is cacheable for at most half the URL's
        life: a browser never follows a remembered redirect to an expired URL.
        """
        self.size(key)
        params = {"Bucket": self.bucket, "Key": key, "ResponseContentType": mimetype}
        if download_name is not None or as_attachment:
            params["ResponseContentDisposition"] = _disposition(download_name or key.rsplit("/", 1)[-1], as_attachment)
        if max_age is not None:
            params["ResponseCacheControl"] = f"private, max-age={max_age}"
        url = self.client.generate_presigned_url("get_object", Params=params, ExpiresIn=self.presigned_seconds)
        response = redirect(url, code=303)
        if max_age is not None:
            response.cache_control.private = True
            response.cache_control.max_age = min(max_age, self.presigned_seconds // 2)
        else:
            response.cache_control.no_store = True
        return response

    def describe(self) -> str:
        return f"s3 bucket {self.bucket} at {self.endpoint or 'AWS'}"

    def explain(self, error: Exception) -> str:
        where = self.endpoint or "AWS"
        if isinstance(error, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
            return f"s3 endpoint {where} is unreachable: {error}"
        if isinstance(error, NoCredentialsError):
            return "no s3 credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY"
        if isinstance(error, ClientError):
            code = _code(error)
            message = error.response.get("Error", {}).get("Message") or code
            if code == "NoSuchBucket":
                return f"s3 bucket {self.bucket} does not exist at {where}"
            if code in _REFUSED:
                return f"s3 at {where} refused the credentials for bucket {self.bucket}: {message}"
            return f"s3 bucket {self.bucket} at {where} answered {code}: {message}"
        return f"s3 bucket {self.bucket} at {where}: {error}"
