"""The hub's records in SQLite (WAL), beside the entry cache: subscription requests waiting
for verification, active subscriptions with their lease, and pending deliveries.

The web workers only add requests; the one Hub of the server does everything else. Each
process opens its own connection; one Store is safe to share between threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from feeds.config import Config
from feeds.store import cache_folder

FILE = "websub.sqlite3"
# Active subscriptions and unverified requests per callback host, and unverified requests
# in all: a flood of subscription requests fills neither the database nor the hub's time.
MAX_PER_HOST = 100
MAX_REQUESTS = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    mode TEXT NOT NULL, callback TEXT NOT NULL, host TEXT NOT NULL, topic TEXT NOT NULL,
    lease INTEGER, secret TEXT
);
CREATE TABLE IF NOT EXISTS subscriptions (
    callback TEXT NOT NULL, topic TEXT NOT NULL, host TEXT NOT NULL, secret TEXT,
    expires REAL NOT NULL,
    PRIMARY KEY (callback, topic)
);
CREATE INDEX IF NOT EXISTS subscriptions_by_topic ON subscriptions (topic);
CREATE TABLE IF NOT EXISTS deliveries (
    callback TEXT NOT NULL, topic TEXT NOT NULL,
    attempts INTEGER NOT NULL, due REAL NOT NULL, since REAL NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (callback, topic),
    FOREIGN KEY (callback, topic) REFERENCES subscriptions ON DELETE CASCADE
);
"""


class LimitError(Exception):
    """Too many subscriptions for one callback host, or too many waiting requests."""


@dataclass(frozen=True, slots=True)
class Request:
    """A subscribe or unsubscribe request, as received, waiting for verification."""

    mode: str  # "subscribe" or "unsubscribe"
    callback: str
    host: str  # the callback's host name: what the per-host limit counts
    topic: str
    lease: int | None  # as asked; the hub clamps it
    secret: str | None
    id: int = 0


@dataclass(frozen=True, slots=True)
class Delivery:
    """A topic's new content owed to one subscriber."""

    callback: str
    topic: str
    secret: str | None
    attempts: int  # failed so far
    since: float  # when it was first owed: retries stop some time after
    version: int  # counts the changes of the topic while it was owed


def database(config: Config) -> Path:
    return cache_folder(config) / FILE


class Store:
    """One connection to the hub's database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, timeout=10, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def add_request(self, request: Request) -> None:
        """Keep a request for the hub; LimitError past MAX_PER_HOST or MAX_REQUESTS."""
        with self._transaction() as db:
            (waiting,) = db.execute("SELECT count(*) FROM requests").fetchone()
            if waiting >= MAX_REQUESTS:
                raise LimitError("too many subscription requests are waiting; try again later")
            if request.mode == "subscribe":
                (used,) = db.execute(
                    "SELECT (SELECT count(*) FROM subscriptions WHERE host = ?1)"
                    " + (SELECT count(*) FROM requests WHERE host = ?1)",
                    (request.host,),
                ).fetchone()
                if used >= MAX_PER_HOST:
                    raise LimitError(f"{request.host} has {MAX_PER_HOST} subscriptions already")
            db.execute(
                "INSERT INTO requests (mode, callback, host, topic, lease, secret)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (
                    request.mode,
                    request.callback,
                    request.host,
                    request.topic,
                    request.lease,
                    request.secret,
                ),
            )

    def requests(self) -> list[Request]:
        """Every waiting request, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT mode, callback, host, topic, lease, secret, id FROM requests ORDER BY id"
            ).fetchall()
        return [Request(*row) for row in rows]

    def finish(self, request: Request) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM requests WHERE id = ?", (request.id,))

    def subscribe(self, request: Request, expires: float) -> None:
        """Make or renew the subscription of a verified request, its secret replaced."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO subscriptions (callback, topic, host, secret, expires)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE"
                " SET host = excluded.host, secret = excluded.secret, expires = excluded.expires",
                (request.callback, request.topic, request.host, request.secret, expires),
            )

    def unsubscribe(self, callback: str, topic: str) -> None:
        """End a subscription and any delivery it is owed."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM subscriptions WHERE callback = ? AND topic = ?", (callback, topic)
            )

    def expire(self, now: float) -> int:
        """End every subscription whose lease is over; how many."""
        with self._transaction() as db:
            return db.execute("DELETE FROM subscriptions WHERE expires <= ?", (now,)).rowcount

    def owe(self, topic: str, now: float) -> None:
        """A delivery of `topic` to each of its active subscribers. One already owed keeps its
        schedule (its next attempt sends the newest bytes) but counts a new version, so that
        an attempt under way with the older bytes does not settle it."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO deliveries (callback, topic, attempts, due, since)"
                " SELECT callback, topic, 0, ?1, ?1 FROM subscriptions"
                " WHERE topic = ?2 AND expires > ?1"
                " ON CONFLICT DO UPDATE SET version = version + 1",
                (now, topic),
            )

    def due(self, now: float) -> list[Delivery]:
        """The deliveries whose next attempt is due, to active subscriptions."""
        with self._lock:
            rows = self._db.execute(
                "SELECT d.callback, d.topic, s.secret, d.attempts, d.since, d.version"
                " FROM deliveries d JOIN subscriptions s USING (callback, topic)"
                " WHERE d.due <= ? AND s.expires > ? ORDER BY d.due",
                (now, now),
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def delivered(self, delivery: Delivery) -> None:
        """Settle a delivery, unless the topic changed again since it was read."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM deliveries WHERE callback = ? AND topic = ? AND version = ?",
                (delivery.callback, delivery.topic, delivery.version),
            )

    def retry(self, delivery: Delivery, due: float) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, due = ?"
                " WHERE callback = ? AND topic = ?",
                (due, delivery.callback, delivery.topic),
            )

    def counts(self, now: float) -> tuple[int, int]:
        """Active subscriptions and pending deliveries."""
        with self._lock:
            row = self._db.execute(
                "SELECT (SELECT count(*) FROM subscriptions WHERE expires > ?1),"
                " (SELECT count(*) FROM deliveries d JOIN subscriptions s"
                "  USING (callback, topic) WHERE s.expires > ?1)",
                (now,),
            ).fetchone()
        return int(row[0]), int(row[1])
