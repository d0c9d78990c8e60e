"""Responses ready to send: bytes, their gzip form, validators and headers, computed once."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

HeaderList = tuple[tuple[str, str], ...]

NOSNIFF = ("X-Content-Type-Options", "nosniff")  # on every response

SECURITY_HEADERS: HeaderList = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


@dataclass(frozen=True, slots=True)
class Representation:
    """One encoding of a resource (plain or gzip): its body and its headers.

    A 304 is sent with the same headers: werkzeug drops the representation metadata from it
    (Content-Type, Content-Encoding, Content-Length, Last-Modified) and keeps ETag, Vary and
    Cache-Control, as RFC 9110 15.4.5 asks.
    """

    body: bytes
    headers: HeaderList


@dataclass(frozen=True, slots=True)
class Prepared:
    """A resource ready to send in either encoding, with its validators."""

    content_type: str
    cache_control: str
    last_modified: datetime  # to the second, as the Last-Modified header says it
    plain: Representation
    gzip: Representation
    etags: frozenset[str]  # both encodings' quoted tags: either in If-None-Match validates

    @property
    def body(self) -> bytes:
        """The plain bytes: what `feeds build` writes for this path."""
        return self.plain.body


def prepare(body: bytes, content_type: str, last_modified: datetime, cache: str) -> Prepared:
    tag = hashlib.sha256(body).hexdigest()[:32]
    modified = last_modified.astimezone(UTC).replace(microsecond=0)
    extra = SECURITY_HEADERS if content_type.startswith("text/html") else ()
    date = ("Last-Modified", format_datetime(modified, usegmt=True))

    def representation(data: bytes, etag: str, encoding: HeaderList) -> Representation:
        validators = (("Vary", "Accept-Encoding"), ("Cache-Control", cache), ("ETag", etag))
        entity = (("Content-Type", content_type), *encoding)
        return Representation(data, (*entity, *validators, date, *extra, NOSNIFF))

    plain, zipped = f'"{tag}"', f'"{tag}-gz"'
    return Prepared(
        content_type=content_type,
        cache_control=cache,
        last_modified=modified,
        plain=representation(body, plain, ()),
        gzip=representation(
            gzip.compress(body, compresslevel=6, mtime=0), zipped, (("Content-Encoding", "gzip"),)
        ),
        etags=frozenset((plain, zipped)),
    )


def keep_or_prepare(
    old: Prepared | None, body: bytes, content_type: str, now: datetime, cache: str
) -> Prepared:
    """The previous generation's response if nothing changed, else a new one modified `now`.

    Last-Modified is when this process first served these bytes, not the newest entry's
    date: a backdated or deleted article changes a feed without changing that date, and a
    client sending only If-Modified-Since would never see it.
    """
    if old and old.body == body and old.content_type == content_type and old.cache_control == cache:
        return old
    return prepare(body, content_type, now, cache)
