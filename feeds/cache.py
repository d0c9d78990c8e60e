"""What each article file loaded to, kept between runs in `.feeds-cache/` beside config.toml.

The loader reads a file again only when its stat signature changed, and parses it again only
when its bytes did. The cache is salted with the configuration and the code (see
feeds.fingerprint): after a change to either, every file is read afresh. A missing, stale or
corrupt cache file is ignored, and a folder that cannot be written means no cache, not an
error. The file is a pickle: it is trusted like config.toml, which sits beside it.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

from feeds import collector, fingerprint
from feeds.config import Config
from feeds.model import Entry, Picklable, Problem

FOLDER = ".feeds-cache"
_FILE = "entries.pickle"
_JOURNAL = "entries.journal"
_FORMAT = 2

# st_mtime_ns, st_ctime_ns, st_size, st_ino: any write, rename or chmod changes one of them.
Signature = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class Record(Picklable):
    """One file's outcome and how to tell that the file has not changed since."""

    signature: Signature | None  # None for a symlink: its target is checked every time
    digest: str  # of the file's bytes
    outcome: Entry | Problem
    fingerprint: str  # of the entry, "" for a problem


@dataclass(frozen=True, slots=True)
class Cache:
    """Records by the file's shown path, valid for one salt (configuration and code)."""

    salt: str = ""
    records: dict[str, Record] = field(default_factory=dict)


def cache_file(config: Config) -> Path:
    return config.root / FOLDER / _FILE


def _journal(config: Config) -> Path:
    """Changes since the cache file was written, appended: one edit rewrites a few kilobytes,
    not the whole cache. Every record is checked against its file before use, so a journal
    that is stale or cut short can cost parsing, never a wrong entry."""
    return config.root / FOLDER / _JOURNAL


def read_cache(config: Config) -> Cache:
    """The cache saved by the last run, or an empty one when there is none that can be used.

    The salt comes first in the file, so a stale cache is never loaded whole.
    """
    salt = fingerprint.salt(config)
    header = (_FORMAT, salt)
    try:
        with collector.paused(), cache_file(config).open("rb") as handle:
            if pickle.load(handle) != header:
                return Cache()
            records = pickle.load(handle)  # tens of thousands of objects, no cycles
    except Exception:  # missing, truncated, unreadable: all mean "start afresh"
        return Cache()
    if not isinstance(records, dict):
        return Cache()
    with suppress(Exception), _journal(config).open("rb") as handle:
        while True:  # until the end, or a change cut short by a killed run
            changes = pickle.load(handle)
            if changes[0] == header:
                for shown, record in changes[1].items():
                    _apply(records, shown, record)
    return Cache(salt, records)


def _apply(records: dict[str, Record], shown: str, record: Record | None) -> None:
    if record is None:
        records.pop(shown, None)
    else:
        records[shown] = record


def write_cache(config: Config, cache: Cache, previous: Cache) -> bool:
    """Save `cache`, read earlier as `previous`: the changes only, when they are few.

    False if the folder cannot be written.
    """
    changes: dict[str, Record | None] = {
        shown: record
        for shown, record in cache.records.items()
        if previous.records.get(shown) is not record
    }
    changes.update((shown, None) for shown in previous.records.keys() - cache.records.keys())
    if not changes and cache.salt == previous.salt:
        return True
    journal = _journal(config)
    few = cache.salt == previous.salt and len(changes) < len(cache.records) // 4
    try:
        if few and _size(journal) < _size(cache_file(config)) // 4:
            data = pickle.dumps(((_FORMAT, cache.salt), changes), pickle.HIGHEST_PROTOCOL)
            with journal.open("ab") as handle:
                handle.write(data)  # one write: concurrent runs append whole changes
        else:  # the journal would be a large part of the cache: start a new cache file
            _replace(cache_file(config), cache)
            journal.unlink(missing_ok=True)
    except OSError:
        return False
    return True


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _replace(path: Path, cache: Cache) -> None:
    """Write the whole cache atomically: a temporary file, then a rename."""
    path.parent.mkdir(exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump((_FORMAT, cache.salt), handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(cache.records, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(name).replace(path)
    finally:
        Path(name).unlink(missing_ok=True)
