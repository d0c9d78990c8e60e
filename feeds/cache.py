"""What each article file loaded to, kept between runs in `.feeds-cache/` beside config.toml.

The loader reads a file again only when its stat signature changed, and parses it again only
when its bytes did. The cache is salted with the configuration and the code (see
feeds.fingerprint): after a change to either, every file is read afresh. A missing, stale or
corrupt cache file is ignored, and a folder that cannot be written means no cache, not an
error. The file is a pickle: it is trusted like config.toml, which sits beside it.

The file holds a header, the records, then every entry's body. The bodies are mapped into
memory, not read: an entry's body is decoded on its first use (see feeds.model.Entry), so a
rebuild reads the records, not 10,000 bodies to show a few. The file is only ever replaced
(a new file renamed over it), never changed in place, so a mapping stays valid.
"""

from __future__ import annotations

import io
import mmap
import os
import pickle
import tempfile
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from feeds import collector, fingerprint
from feeds.config import Config
from feeds.errors import FeedsError
from feeds.model import DeferredText, Entry, Picklable, Problem

FOLDER = ".feeds-cache"
_FILE = "entries.pickle"
_JOURNAL = "entries.journal"
_FORMAT = 3
ABANDONED_AFTER = 3600  # seconds: a temporary cache file older than this was left by a kill

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
            format_, salt_, size, bodies = pickle.load(handle)
            if (format_, salt_) != header:
                return Cache()
            # tens of thousands of objects, no cycles: see collector.paused
            records = _Reader(handle, size, bodies).load()
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
    """Write the whole cache atomically: a temporary file, then a rename.

    The header (format, salt, size of the records, size of the bodies), the records, the
    bodies one after another.
    """
    path.parent.mkdir(exist_ok=True)
    _remove_abandoned(path)
    records = io.BytesIO()
    writer = _Writer(records)
    writer.dump(cache.records)
    header = (_FORMAT, cache.salt, records.tell(), writer.size)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
            handle.write(records.getbuffer())
            handle.writelines(writer.bodies)
        Path(name).replace(path)
    finally:
        Path(name).unlink(missing_ok=True)


def _remove_abandoned(path: Path) -> None:
    """Delete the temporary files of a cache write that was killed (tens of megabytes each).

    Only those left for an hour: another process may be writing its own right now.
    """
    abandoned = time.time() - ABANDONED_AFTER
    for temporary in path.parent.glob(f".{path.name}.*.tmp"):
        with suppress(OSError):
            if temporary.stat().st_mtime < abandoned:
                temporary.unlink()


class DamagedCacheError(FeedsError):
    """A body in the entry cache is not what was written: a disk fault, or an edit by hand."""


@dataclass(frozen=True, slots=True)
class _Place:
    """Where an entry's body is among the bodies: offset and length in bytes."""

    offset: int
    length: int


class _Writer(pickle.Pickler):
    """Pickles records, setting each entry's body aside for `bodies`."""

    def __init__(self, file: BinaryIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self.bodies: list[bytes] = []
        self.size = 0

    def reducer_override(self, obj: object) -> Any:
        if type(obj) is not Entry:
            return NotImplemented
        body = obj.body_html.encode("utf-8", "surrogatepass")
        place = _Place(self.size, len(body))
        self.bodies.append(body)
        self.size += len(body)
        rebuild, fields = obj.__reduce__()
        return rebuild, (*fields[:_BODY], place, *fields[_BODY + 1 :])

    def persistent_id(self, obj: object) -> tuple[int, int] | None:
        return (obj.offset, obj.length) if type(obj) is _Place else None


_BODY = Entry.__slots__.index("body_html")  # its place among the fields Entry pickles


class _Reader(pickle.Unpickler):
    """Unpickles records whose entries' bodies stay in the mapped file until used."""

    def __init__(self, handle: BinaryIO, size: int, bodies: int) -> None:
        super().__init__(handle)
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        start = handle.tell() + size
        if len(mapped) != start + bodies:  # cut short, or not written by _replace
            raise pickle.UnpicklingError("the entry cache has the wrong size")
        self._bodies = memoryview(mapped)[start:]
        self._name = handle.name

    def persistent_load(self, pid: Any) -> _StoredBody:
        offset, length = pid
        if not 0 <= offset <= offset + length <= len(self._bodies):
            raise pickle.UnpicklingError("a body lies outside the entry cache")
        return _StoredBody(self._bodies[offset : offset + length], self._name)


class _StoredBody(DeferredText):
    """An entry's body in the mapped cache file: UTF-8 bytes until first used."""

    __slots__ = ("_data", "_file")

    def __init__(self, data: memoryview, file: str) -> None:
        self._data = data
        self._file = file

    def text(self) -> str:
        try:
            return str(self._data, "utf-8", "surrogatepass")
        except UnicodeDecodeError:
            message = "the entry cache is damaged; delete it and run again"
            raise DamagedCacheError(f"{self._file}: {message}") from None
