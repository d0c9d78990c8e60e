"""The entry cache: what each article file loaded to, in SQLite in `.feeds-cache/`.

One row per article file (its stat signature, a digest of its bytes and its outcome: the
entries it holds, or why it was rejected) and one row per entry's text (its summary and HTML
body), by their digest. The loader reads a file again only when its signature changed and
parses it again only when its bytes did; renderers read the few texts they show. The cache
is salted with the settings and the code (feeds.fingerprint): after a change to either it
starts empty. A damaged file is replaced; a folder that cannot be written means a cache in
memory, for this run only. A full disk is an error (CacheFullError) that names the file:
the cache is left as it was, and the run stops before it writes anything else. Outcomes are
pickles: the file is trusted like config.toml beside it.
"""

from __future__ import annotations

import errno
import pickle
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager, suppress
from pathlib import Path
from sys import intern
from typing import NamedTuple

from feeds import fingerprint
from feeds.config import Config
from feeds.errors import FeedsError
from feeds.model import Entry, Problem, Text

FOLDER = ".feeds-cache"
_FILE = "entries.sqlite3"
_FORMAT = "6"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, signature BLOB, digest TEXT NOT NULL, outcome BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS texts (
    digest TEXT PRIMARY KEY, summary TEXT NOT NULL, html TEXT NOT NULL
);
"""

# st_mtime_ns, st_ctime_ns, st_size and st_ino, packed by feeds.files: any write, rename or
# chmod changes one of them. As bytes, 65 bytes a file; as a tuple of the four numbers, 200:
# the builder holds two per article file.
Signature = bytes
Outcome = tuple[Entry, ...] | Problem


class Record(NamedTuple):
    """One file's outcome and how to tell that the file has not changed since (a tuple: a
    cached load makes one per file)."""

    signature: Signature | None  # None for a symlink: its target is read every time
    digest: str  # of the file's bytes
    outcome: Outcome


class DamagedCacheError(FeedsError):
    """The entry cache lacks a text it lists: a disk fault, or an edit by hand."""


class ChangedCacheError(FeedsError):
    """A record of the entry cache changed while a build read it."""


class CacheFullError(FeedsError):
    """The disk that holds the entry cache is full."""


def _full(path: Path) -> CacheFullError:
    return CacheFullError(f"{path}: the disk is full (ENOSPC); free some space and run again")


@contextmanager
def _full_disk_named(path: Path) -> Iterator[None]:
    """Turn SQLite's "database or disk is full" (or ENOSPC itself) into CacheFullError."""
    try:
        yield
    except (OSError, sqlite3.OperationalError) as exc:
        if _is_full(exc):
            raise _full(path) from None
        raise


# SQLite's codes for a write that found no room: the database or its log, or the index of
# the log (the -shm file, grown when the cache is opened).
_FULL = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR_SHMSIZE}


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    return isinstance(exc, sqlite3.Error) and exc.sqlite_errorcode in _FULL


def cache_folder(config: Config) -> Path:
    return config.root / FOLDER


class EntryStore:
    """The entry cache of one site; `records` is what it held when opened."""

    def __init__(self, config: Config) -> None:
        self._salt = fingerprint.salt(config)
        self._path = cache_folder(config) / _FILE
        self._connection = _open(self._path, self._salt)
        self.records: dict[str, Record] = {}
        try:
            self.records = self._read()
        except (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError):
            self._connection.close()  # damaged: start afresh in memory, for this run
            self._connection = _open(Path(":memory:"), self._salt)

    @property
    def file(self) -> Path | None:
        """The database's file; None when the cache is in memory, for this run only."""
        rows = self._connection.execute("PRAGMA database_list")
        name = next(name for _, schema, name in rows if schema == "main")
        return Path(name) if name else None

    def text(self, digest: str) -> Text:
        """The summary and HTML body stored under `digest`."""
        return _text(self._connection, digest)

    def add_texts(self, texts: Mapping[str, Text]) -> None:
        """Keep texts by their digest (before the records that name them are saved)."""
        rows = ((digest, *text) for digest, text in texts.items())
        with _full_disk_named(self._path), self._connection as connection:
            connection.executemany("INSERT OR IGNORE INTO texts VALUES (?, ?, ?)", rows)

    def save(self, changed: Mapping[str, Record], removed: Iterable[str]) -> None:
        """Record the files that changed, and forget removed files."""
        rows = (  # one at a time: 100,000 pickled records at once held 100 MB more
            (path, record.signature, record.digest, pickle.dumps(record.outcome))
            for path, record in changed.items()
        )
        with _full_disk_named(self._path), self._connection as connection:
            connection.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)
            connection.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in removed))
        self.records.update(changed)
        for path in removed:
            self.records.pop(path, None)

    def forget_unused_texts(self) -> None:
        """Delete the texts no file holds any more, once they outnumber the entries."""
        (stored,) = self._connection.execute("SELECT count(*) FROM texts").fetchone()
        if stored <= 2 * len(self.records):  # most files hold one entry: no need to look
            return
        used = {
            entry.text_digest
            for record in self.records.values()
            if isinstance(record.outcome, tuple)
            for entry in record.outcome
        }
        if stored <= 2 * len(used):
            return
        with _full_disk_named(self._path), self._connection as connection:
            connection.execute("CREATE TEMP TABLE IF NOT EXISTS used (digest TEXT PRIMARY KEY)")
            connection.execute("DELETE FROM used")
            connection.executemany("INSERT INTO used VALUES (?)", ((d,) for d in used))
            connection.execute("DELETE FROM texts WHERE digest NOT IN (SELECT digest FROM used)")

    def close(self) -> None:
        self._connection.close()

    def _read(self) -> dict[str, Record]:
        records: dict[str, Record] = {}
        rows = self._connection.execute("SELECT path, signature, digest, outcome FROM files")
        for path, signature, digest, outcome in rows:
            records[intern(path)] = Record(signature, digest, pickle.loads(outcome))
        return records


class StoredEntries:
    """An entry cache on disk, read only: what a process that renders pages needs of it
    (see feeds.rendering)."""

    def __init__(self, file: Path) -> None:
        self._connection = sqlite3.connect(f"{file.as_uri()}?mode=ro", uri=True, timeout=30)

    def entries(self, files: Iterable[tuple[str, str]]) -> Iterator[Entry]:
        """The entries of each article file (its path as shown, and the digest of its bytes
        that the caller loaded), in order; raises ChangedCacheError if a file's record is
        no longer the one the caller has."""
        for path, digest in files:
            row = self._connection.execute(
                "SELECT outcome FROM files WHERE path = ? AND digest = ?", (path, digest)
            ).fetchone()
            if row is None:
                raise ChangedCacheError(
                    f"{path}: changed in the entry cache during the build (another build of "
                    "this site?); build again"
                )
            yield from pickle.loads(row[0])  # entries: the caller loaded some from it

    def text(self, digest: str) -> Text:
        return _text(self._connection, digest)


def _text(connection: sqlite3.Connection, digest: str) -> Text:
    query = "SELECT summary, html FROM texts WHERE digest = ?"
    row = connection.execute(query, (digest,)).fetchone()
    if row is None:
        raise DamagedCacheError(
            f"{FOLDER}/{_FILE}: the entry cache lacks a text; delete the folder and run again"
        )
    return Text(*row)


def _open(path: Path, salt: str) -> sqlite3.Connection:
    """The cache at `path`, emptied if it was made for another salt; in memory if `path`
    cannot be used."""
    try:
        if path.name != ":memory:":
            path.parent.mkdir(exist_ok=True)
        connection = _connect(path, salt)
    except (OSError, sqlite3.DatabaseError) as exc:
        if _is_full(exc):  # not damaged: keep it for when there is room again
            raise _full(path) from None
        with suppress(OSError):
            path.unlink(missing_ok=True)  # damaged: one more try with a new file
        try:
            connection = _connect(path, salt)
        except (OSError, sqlite3.DatabaseError):
            connection = _connect(Path(":memory:"), salt)
    return connection


def _connect(path: Path, salt: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode = WAL")  # readers never wait for a writer
        connection.execute("PRAGMA synchronous = NORMAL")  # a cache: losing the last write is fine
        connection.executescript(_SCHEMA)
        with closing(connection.execute("SELECT value FROM meta WHERE name = 'salt'")) as rows:
            found = rows.fetchone()
        if found is None or found[0] != f"{_FORMAT}:{salt}":
            with connection:  # every table dropped: an older format's too
                tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                for (table,) in tables.fetchall():
                    connection.execute(f'DROP TABLE "{table}"')
            connection.executescript(_SCHEMA)
            with connection:
                connection.execute("INSERT INTO meta VALUES ('salt', ?)", (f"{_FORMAT}:{salt}",))
    except BaseException:
        connection.close()
        raise
    return connection
