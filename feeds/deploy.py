"""Sync the built site to an S3-compatible bucket: the one importer of boto3."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError

from feeds import urls
from feeds.config import Config, Deploy
from feeds.errors import FeedsError
from feeds.manifest import Manifest

_REFUSED = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "InvalidToken",
    "ExpiredToken",
    "403",
}


UPLOAD_THREADS = 8

# How long one request may take. S3 answers a PUT of a page or a listing of 1,000 keys in
# well under a second; a store that takes longer than this to connect or to send the next
# bytes is not going to answer.
CONNECT_TIMEOUT = 5  # seconds
READ_TIMEOUT = 10  # seconds without a byte from the store
# A store that answers "slow down" (503 SlowDown, 429) or a 5xx is retried this many times in
# all, with botocore's backoff and its adaptive rate limit: a big first upload slows down and
# goes on. One that does not answer at all is tried this many times only: waiting ATTEMPTS
# times READ_TIMEOUT for nothing would take minutes.
ATTEMPTS = 10
UNANSWERED_ATTEMPTS = 2
_UNANSWERED = (BotoConnectionError, HTTPClientError)  # refused, reset, timed out


class DeployError(FeedsError):
    """A deploy that cannot go on: bad target, unreachable store, refused credentials."""


@dataclass(frozen=True, slots=True)
class Upload:
    """One object to put; `phase` orders them: article pages, lists and feeds, then home."""

    key: str
    file: Path
    size: int
    content_type: str
    cache_control: str
    phase: int


@dataclass(slots=True)
class Plan:
    """What a sync does, in a safe order: uploads (articles first), then deletions."""

    uploads: list[Upload] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    unchanged: int = 0


def plan(config: Config, out_dir: Path, built: Manifest, remote: dict[str, str]) -> Plan:
    """Compare each file of the build in `out_dir` with the `remote` objects {key: md5}."""
    target = _target(config)
    result = Plan()
    wanted: set[str] = set()

    def exists(path: str) -> bool:
        return urls.file_name(path) in built.files

    for name, written in built.files.items():
        key = target.prefix + name
        wanted.add(key)
        if remote.get(key) == written.md5:
            result.unchanged += 1
            continue
        path = urls.site_path(name)
        kind = urls.kind_of(path)
        assert kind is not None, f"the engine writes only site paths, not {name}"
        result.uploads.append(
            Upload(
                key,
                out_dir / name,
                written.size,
                kind.content_type,
                urls.cache_control(path, config.max_ages, exists),
                _phase(path),
            )
        )
    result.deletes = sorted(key for key in remote if key not in wanted)
    return result


def _phase(path: str) -> int:
    """Pages a feed links to go up before the feeds, archives before the feeds that link to
    them; the landing page, OPML, sitemaps and robots.txt go last."""
    if urls.is_article_page(path):
        return 0
    if urls.next_archive(path) is not None:
        return 1
    return 3 if path in _LAST or path.startswith("/sitemaps/") else 2


_LAST = {urls.HOME, urls.OPML, urls.SITEMAP, urls.NEWS_SITEMAP, urls.ROBOTS}


def sync(bucket: Bucket, steps: Plan, progress: Callable[[int, int], None] | None) -> None:
    """Upload phase by phase (in parallel within a phase), then delete: an interrupted sync
    leaves the old site working, and running it again finishes the job."""
    done = 0
    with ThreadPoolExecutor(max_workers=UPLOAD_THREADS) as pool:
        try:
            for phase in sorted({upload.phase for upload in steps.uploads}):
                batch = [upload for upload in steps.uploads if upload.phase == phase]
                for _ in pool.map(bucket.upload, batch):
                    done += 1
                    if progress:
                        progress(done, len(steps.uploads))
        except BaseException:
            # The first failure ends the deploy: the uploads still queued never start (the
            # pool would otherwise run every one of them, each failing in turn).
            pool.shutdown(cancel_futures=True)
            raise
    bucket.delete(steps.deletes)


class Bucket:
    """The deploy target: lists, uploads and deletes objects under its prefix only."""

    def __init__(self, config: Config) -> None:
        self.target = _target(config)
        self._client = boto3.client(
            "s3",
            endpoint_url=self.target.endpoint_url,
            region_name=self.target.region,
            config=BotoConfig(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"total_max_attempts": ATTEMPTS, "mode": "adaptive"},
            ),
        )
        self._client.meta.events.register_first("needs-retry.s3", _give_up_unanswered)

    def listing(self) -> dict[str, str]:
        """Every object under the prefix with its MD5 (from its ETag)."""
        objects: dict[str, str] = {}
        with _errors(self.target):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.target.bucket, Prefix=self.target.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    objects[item["Key"]] = item["ETag"].strip('"')
        return objects

    def upload(self, upload: Upload) -> None:
        body = upload.file.read_bytes()
        digest = base64.b64encode(hashlib.md5(body).digest()).decode("ascii")
        with _errors(self.target):
            self._client.put_object(
                Bucket=self.target.bucket,
                Key=upload.key,
                Body=body,
                ContentType=upload.content_type,
                CacheControl=upload.cache_control,
                ContentMD5=digest,
            )

    def delete(self, keys: list[str]) -> None:
        for start in range(0, len(keys), 1000):  # S3 deletes at most 1,000 keys a request
            batch = keys[start : start + 1000]
            with _errors(self.target):
                response = self._client.delete_objects(
                    Bucket=self.target.bucket,
                    Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                )
            # S3 authorises each key on its own: a refused one is listed here, not raised.
            refused: list[dict[str, str]] = response.get("Errors", [])
            if refused:
                first = refused[0]
                raise DeployError(
                    f"{_location(self.target)}: {len(refused):,} "
                    f"object{'' if len(refused) == 1 else 's'} not deleted, {first.get('Key')}: "
                    f"{first.get('Code', 'error')} ({first.get('Message', '')})"
                )


def _give_up_unanswered(attempts: int, caught_exception: Exception | None = None, **_: Any) -> None:
    """Stop retrying a request the store did not answer after UNANSWERED_ATTEMPTS tries.

    botocore retries a refused connection or a timeout as often as a throttled request;
    raising here (before its retry handler runs) ends the retries with that error, the same
    way in every botocore version.
    """
    if isinstance(caught_exception, _UNANSWERED) and attempts >= UNANSWERED_ATTEMPTS:
        raise caught_exception


@contextmanager
def _errors(target: Deploy) -> Iterator[None]:
    """Turns botocore's exceptions into one-line DeployErrors."""
    where = _location(target)
    try:
        yield
    except NoCredentialsError:
        raise DeployError(
            "no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
            "or AWS_PROFILE with ~/.aws/credentials"
        ) from None
    except ClientError as error:
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in {"NoSuchBucket", "404"}:
            raise DeployError(f"{where}: bucket {target.bucket!r} does not exist") from None
        if code in _REFUSED:
            raise DeployError(f"{where}: credentials refused ({code})") from None
        raise DeployError(f"{where}: {code or 'error'}: {error}") from None
    except BotoCoreError as error:
        endpoint = target.endpoint_url or "AWS S3"
        if isinstance(error, ReadTimeoutError):
            raise DeployError(
                f"{where}: {endpoint} did not answer within {READ_TIMEOUT} s, "
                f"{UNANSWERED_ATTEMPTS} times; check the store, then deploy again "
                "(it goes on where it stopped)"
            ) from None
        raise DeployError(f"{where}: cannot reach {endpoint}: {error}") from None


def _target(config: Config) -> Deploy:
    if config.deploy is None:
        raise DeployError(
            f'{config.path.name}: [deploy]: missing; add target = "s3://bucket/prefix/"'
        )
    return config.deploy


def _location(target: Deploy) -> str:
    return f"s3://{target.bucket}/{target.prefix}"
