"""An S3-compatible target (AWS S3, Cloudflare R2, DigitalOcean Spaces, MinIO, Backblaze B2).

Every boto3 call goes through `S3Target._call`, which turns failures into one StorageError line that
names the object first and says how to fix it. Credentials come only from the standard AWS chain
(environment, AWS_PROFILE, SSO, instance roles); they are never read, stored or printed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import boto3
from boto3.exceptions import S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    HTTPClientError,
    NoCredentialsError,
    PartialCredentialsError,
)

from clgtv.errors import StorageError
from clgtv.layout import content_type
from clgtv.secrets import HIDDEN, redact, split_userinfo
from clgtv.settings import S3Settings
from clgtv.storage.plan import LocalFile, cache_control, is_control

T = TypeVar("T")
MiB = 1024 * 1024
DIGEST_METADATA = "sha256"  # x-amz-meta-sha256 on every upload: lets a later run trust what is there

NO_CREDENTIALS = "no AWS credentials found; set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
REJECTED = "AWS credentials rejected ({code}); check AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
DENIED = "access denied ({code}); the AWS credentials in use need {needs} on this bucket"
PUBLISHING = "s3:ListBucket, s3:GetObject, s3:PutObject and s3:DeleteObject"  # what publish needs
CORS = "s3:GetBucketCORS and s3:PutBucketCORS"  # what clgtv cors needs
NO_BUCKET = (
    "no such bucket (NoSuchBucket) at {endpoint}; check the bucket name in target (clgtv.yaml or --target) "
    "and s3.endpoint_url"
)
FAILING = "the storage service failed ({code}, HTTP {status}) {attempts} times; publish again later"
UNREACHABLE = "connection to {endpoint} failed ({error}); check s3.endpoint_url and the network, then publish again"

REJECTED_CODES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken", "TokenRefreshRequired")
DENIED_CODES = ("AccessDenied", "AllAccessDisabled", "Forbidden", "403")


def client_config(settings: S3Settings) -> Config:
    return Config(
        retries={"mode": "standard", "total_max_attempts": settings.max_attempts},  # backoff on 5xx, throttling, resets
        s3={"addressing_style": settings.addressing_style},
        connect_timeout=10,
        read_timeout=60,
        max_pool_connections=32,
        # only the checksums S3 requires: newer defaults (CRC32 trailers) break several S3-compatible services
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )


class S3Target:
    workers = 8

    def __init__(self, bucket: str, prefix: str, settings: S3Settings):
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self.url = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self._client, self.endpoint = self._connect(settings)
        self.attempts = settings.max_attempts
        self._transfer = TransferConfig(
            multipart_threshold=16 * MiB, multipart_chunksize=16 * MiB, max_concurrency=4, use_threads=True
        )

    def __str__(self) -> str:
        return self.url

    def _connect(self, settings: S3Settings) -> tuple[Any, str]:
        """The client, and its endpoint as messages show it. A user name and password in the endpoint
        (clgtv.yaml or AWS_ENDPOINT_URL_S3) mean nothing to S3, which signs each request with the AWS
        credentials: they are left out of every request, so no exception can carry them either."""
        session = boto3.session.Session()

        def client(endpoint: str | None) -> Any:
            return session.client(
                "s3", endpoint_url=endpoint, region_name=settings.region, config=client_config(settings)
            )

        try:
            made = client(settings.endpoint_url)
            endpoint, userinfo = split_userinfo(made.meta.endpoint_url)
            if not userinfo:
                return made, endpoint
            return client(endpoint), endpoint.replace("://", f"://{HIDDEN}@", 1)
        except ValueError:  # its text holds the endpoint, password and all
            raise StorageError(
                f"{self.url}: s3.endpoint_url is not a usable web address; check it (clgtv.yaml or AWS_ENDPOINT_URL_S3)"
            ) from None

    def objects(self) -> dict[str, int]:
        """key -> size of every object under the prefix, except clgtv's own .clgtv/ bookkeeping."""

        def listing() -> dict[str, int]:
            found = {}
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", ()):
                    key = item["Key"][len(self.prefix) :]
                    if key and not is_control(key):
                        found[key] = item["Size"]
            return found

        return self._call("", listing)

    def sweep(self) -> int:
        """Abort the multipart uploads a publish killed mid-upload left under the prefix (S3 keeps their parts,
        and bills them, until then); how many. Only under the publish lock. Housekeeping: a key not allowed
        s3:ListBucketMultipartUploads and s3:AbortMultipartUpload sweeps nothing, and publishes as before."""

        def abort() -> int:
            paginator = self._client.get_paginator("list_multipart_uploads")
            pages = paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)
            uploads = [upload for page in pages for upload in page.get("Uploads", ())]
            for upload in uploads:
                self._client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"])
            return len(uploads)

        try:
            return self._call("", abort)
        except StorageError:  # not allowed, or the service is down: the plan's own reads say so next
            return 0

    def checksum(self, key: str) -> str | None:
        """The sha256 this code stored with the object, or None (uploaded by another tool, or gone)."""
        try:
            head = self._call(key, lambda: self._client.head_object(Bucket=self.bucket, Key=self.prefix + key))
        except _Missing:
            return None
        return head.get("Metadata", {}).get(DIGEST_METADATA)

    def read(self, key: str) -> bytes | None:
        try:
            answer = self._call(key, lambda: self._client.get_object(Bucket=self.bucket, Key=self.prefix + key))
        except _Missing:
            return None
        return self._call(key, answer["Body"].read)

    def write(self, key: str, data: bytes, only_if_absent: bool = False) -> bool:
        """Write a small control object; with only_if_absent (If-None-Match: *), False when it exists.
        Where the service does not support conditional writes, it looks first (a small race remains)."""
        extra = {"IfNoneMatch": "*"} if only_if_absent else {}
        try:
            self._call(
                key,
                lambda: self._client.put_object(
                    Bucket=self.bucket,
                    Key=self.prefix + key,
                    Body=data,
                    ContentType="application/json",
                    CacheControl="no-store",
                    **extra,
                ),
            )
        except _Exists:
            return False
        except _Unsupported:
            if self.read(key) is not None:
                return False
            return self.write(key, data)
        return True

    def put(self, local: LocalFile, progress: Callable[[int], None]) -> None:
        """Upload one built file with its type, cache policy and digest; multipart when large."""
        extra = {
            "ContentType": content_type(local.key),
            "CacheControl": cache_control(local.key),
            "Metadata": {DIGEST_METADATA: local.sha256},
        }
        self._call(
            local.key,
            lambda: self._client.upload_file(
                str(local.path),
                self.bucket,
                self.prefix + local.key,
                ExtraArgs=extra,
                Config=self._transfer,
                Callback=progress,
            ),
        )

    def redirect(self, key: str, location: str, data: bytes | None = None) -> None:
        """Make the object answer at the bucket's website endpoint with a 301 to `location`
        (x-amz-website-redirect-location). It keeps its bytes for the REST endpoint, or gets `data`."""
        target = {"Bucket": self.bucket, "Key": self.prefix + key, "WebsiteRedirectLocation": location}
        if data is None:  # a copy onto itself: type, cache policy and digest kept
            source = {"Bucket": self.bucket, "Key": self.prefix + key}
            self._call(key, lambda: self._client.copy_object(CopySource=source, MetadataDirective="COPY", **target))
            return
        extra = {"ContentType": content_type(key), "CacheControl": cache_control(key)}
        digest = {DIGEST_METADATA: hashlib.sha256(data).hexdigest()}
        self._call(key, lambda: self._client.put_object(Body=data, Metadata=digest, **extra, **target))

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = [{"Key": self.prefix + key} for key in keys[start : start + 1000]]
            answer = self._call(
                "",
                lambda batch=batch: self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                ),
            )
            for error in answer.get("Errors", ()):
                key = error.get("Key", "")[len(self.prefix) :]
                message = redact(f"{error.get('Code')}: {error.get('Message')}")
                raise StorageError(f"{self._where(key)}: cannot delete ({message})")

    def cors_rules(self) -> list[dict[str, Any]]:
        """The bucket's CORS rules (none when it has no CORS configuration)."""
        try:
            answer = self._call("", lambda: self._client.get_bucket_cors(Bucket=self.bucket), needs=CORS)
        except _Missing:
            return []
        return list(answer.get("CORSRules", []))

    def set_cors_rules(self, rules: list[dict[str, Any]]) -> None:
        """Replace the bucket's CORS rules (the whole bucket: S3 has no CORS per prefix)."""
        configuration = {"CORSRules": rules}
        self._call(
            "", lambda: self._client.put_bucket_cors(Bucket=self.bucket, CORSConfiguration=configuration), needs=CORS
        )

    # --- the one place boto3 failures are translated ----------------------------------------------

    def _call(self, key: str, call: Callable[[], T], needs: str = PUBLISHING) -> T:
        """`call()`, every failure one StorageError; `needs`: the permissions to name when access is denied."""
        try:
            return call()
        except (NoCredentialsError, PartialCredentialsError):
            raise StorageError(f"{self.url}: {NO_CREDENTIALS}") from None
        except S3UploadFailedError as exc:  # boto3 wraps the ClientError of an upload
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, ClientError):
                raise self._client_error(key, cause, needs) from None
            raise StorageError(f"{self._where(key)}: upload failed ({redact(str(exc))})") from None
        except ClientError as exc:
            raise self._client_error(key, exc, needs) from None
        except (ConnectionError, HTTPClientError) as exc:
            raise StorageError(
                f"{self._where(key)}: {UNREACHABLE.format(endpoint=self.endpoint, error=type(exc).__name__)}"
            ) from None
        except BotoCoreError as exc:
            raise StorageError(f"{self._where(key)}: {redact(str(exc))}") from None

    def _client_error(self, key: str, exc: ClientError, needs: str) -> StorageError:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "Unknown"))
        if code in ("NoSuchKey", "404", "NoSuchCORSConfiguration"):
            return _Missing(f"{self._where(key)}: not found ({code})")
        if code in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
            return _Exists(f"{self._where(key)}: already exists ({code})")
        if code == "NotImplemented":
            return _Unsupported(f"{self._where(key)}: not supported by this service ({code})")
        if code == "NoSuchBucket":
            return StorageError(f"s3://{self.bucket}: {NO_BUCKET.format(endpoint=self.endpoint)}")
        if code in REJECTED_CODES:
            return StorageError(f"{self.url}: {REJECTED.format(code=code)}")
        if code in DENIED_CODES:
            return StorageError(f"{self._where(key)}: {DENIED.format(code=code, needs=needs)}")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500:
            return StorageError(
                f"{self._where(key)}: {FAILING.format(code=code, status=status, attempts=self.attempts)}"
            )
        return StorageError(f"{self._where(key)}: {code}: {redact(str(error.get('Message') or 'request failed'))}")

    def _where(self, key: str) -> str:
        return f"{self.url}/{key}" if key else self.url


class _Missing(StorageError):
    """The object is not there (404); the callers that expect this turn it into None."""


class _Exists(StorageError):
    """A conditional write found the object already there (412)."""


class _Unsupported(StorageError):
    """The service does not implement a feature of the request (501), such as If-None-Match."""
