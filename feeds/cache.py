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
from dataclasses import dataclass, field
from pathlib import Path

from feeds import fingerprint
from feeds.config import Config
from feeds.model import Entry, Picklable, Problem

FOLDER = ".feeds-cache"
_FILE = "entries.pickle"
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


def read_cache(config: Config) -> Cache:
    """The cache saved by the last run, or an empty one when there is none that can be used.

    The salt comes first in the file, so a stale cache is never loaded whole.
    """
    salt = fingerprint.salt(config)
    try:
        with cache_file(config).open("rb") as handle:
            if pickle.load(handle) != (_FORMAT, salt):
                return Cache()
            records = pickle.load(handle)
    except Exception:  # missing, truncated, unreadable: all mean "start afresh"
        return Cache()
    return Cache(salt, records) if isinstance(records, dict) else Cache()


def write_cache(config: Config, cache: Cache) -> bool:
    """Replace the saved cache atomically; False if the folder cannot be written."""
    folder = cache_file(config).parent
    try:
        folder.mkdir(exist_ok=True)
        descriptor, name = tempfile.mkstemp(prefix=f".{_FILE}.", suffix=".tmp", dir=folder)
    except OSError:
        return False
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump((_FORMAT, cache.salt), handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(cache.records, handle, protocol=pickle.HIGHEST_PROTOCOL)
        Path(name).replace(folder / _FILE)
    except OSError:
        return False
    finally:
        Path(name).unlink(missing_ok=True)
    return True
