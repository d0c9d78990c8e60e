"""Short digests that tell whether an input changed: of bytes, of entries, of code and config.

A build compares them instead of the things themselves, so an unchanged rebuild neither
parses articles nor renders pages. They only need to be stable between runs on one machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path

from feeds.config import Config
from feeds.model import Entry

# Libraries whose output ends up in entries, pages or feeds: an upgrade may change the bytes.
_LIBRARIES = ("cmarkgfm", "nh3", "yaml", "dateutil", "feedgen", "jinja2", "lxml", "flask", "lingua")
_PACKAGE = Path(__file__).parent


def of_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def of_parts(*parts: str) -> str:
    """One digest of several strings; a separator keeps ("ab", "c") apart from ("a", "bc")."""
    return of_bytes("\0".join(parts).encode("utf-8", "surrogatepass"))


def stamped(entry: Entry, salt: str) -> Entry:
    """`entry` with its fingerprint: every other field (its repr is exact and the same in
    every run, and names the body by its digest) under `salt`.

    An article page renders its entry and the settings only, so this is its resource key.
    """
    return replace(entry, fingerprint=of_parts(salt, repr(replace(entry, fingerprint=""))))


def salt(config: Config) -> str:
    """The settings and the code that every entry and page depends on.

    Not where the files are, nor the deploy or HTTP settings: the same articles built from
    another folder give the same bytes. Nor the robots.txt lines: that file's key holds them.
    """
    nowhere = Path()
    content = replace(
        config,
        path=nowhere,
        articles_dir=nowhere,
        output_dir=nowhere,
        deploy=None,
        cache_max_age=0,
        article_max_age=0,
        archive_max_age=0,
        robots=(),  # robots.txt's key holds its lines
    )
    return of_parts(repr(content), _code())


@cache
def _code() -> str:
    """This package's files, the interpreter, and the installed files of the libraries used.

    A library is identified by its `__init__` file's size and mtime, which change whenever it
    is upgraded; reading package metadata instead costs tens of milliseconds per build.
    """
    parts = [sys.version]
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in {".py", ".html"}:
            parts.append(f"{path.relative_to(_PACKAGE)}:{of_bytes(path.read_bytes())}")
    for name in _LIBRARIES:
        spec = importlib.util.find_spec(name)
        origin = spec.origin if spec else None
        if origin:
            status = Path(origin).stat()
            parts.append(f"{name}:{origin}:{status.st_size}:{status.st_mtime_ns}")
    return of_parts(*parts)
