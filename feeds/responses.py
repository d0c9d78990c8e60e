"""Responses ready to send: bytes, their gzip form and validators, computed once."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Prepared:
    """A resource ready to send: bytes, gzipped bytes and validators."""

    body: bytes
    gzipped: bytes
    etag: str
    last_modified: datetime
    content_type: str
    cache_control: str


def prepare(body: bytes, content_type: str, last_modified: datetime, cache: str) -> Prepared:
    digest = hashlib.sha256(body).hexdigest()[:32]
    return Prepared(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=digest,
        last_modified=last_modified,
        content_type=content_type,
        cache_control=cache,
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
