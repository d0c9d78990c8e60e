"""The hub service: one per server, in the builder process, with threads of its own.

It verifies the intent of every subscription request the web workers stored (WebSub 5.3),
keeps leases and ends them when due, and delivers each changed topic to its subscribers
(WebSub 7), retrying with back-off. Requests go out from a bounded thread pool with
timeouts, so a slow or dead subscriber holds one thread for at most TIMEOUT seconds and
never delays the others; a request already under way is not started again.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from feeds import urls
from feeds.config import Config
from feeds.engine import Changes
from feeds.websub.discovery import changed_topics, link_header, topic_path
from feeds.websub.store import Delivery, Request, Store, database
from feeds.websub.transport import PrivateAddress, Reply, Unreachable, send

LOG = logging.getLogger("feeds.websub")
# Leases: asked-for values are clamped to this range; a request without one gets DEFAULT.
MIN_LEASE = 3_600  # one hour
DEFAULT_LEASE = 864_000  # ten days
MAX_LEASE = 2_592_000  # thirty days
TIMEOUT = 10.0  # seconds for each request to a subscriber
WORKERS = 8  # requests to subscribers under way at once
POLL = 0.5  # seconds between looks at the database for new subscription requests


@dataclass(frozen=True, slots=True)
class Retry:
    """Back-off of a failed delivery: FIRST seconds, doubling up to LONGEST, given up (and
    the subscription ended, WebSub 7) once it has been failing for GIVE_UP seconds."""

    first: float = 10.0
    longest: float = 3_600.0
    give_up: float = 86_400.0

    def pause(self, attempts: int) -> float:
        return float(min(self.first * 2 ** max(attempts - 1, 0), self.longest))


def clamp_lease(asked: int | None) -> int:
    return DEFAULT_LEASE if asked is None else max(MIN_LEASE, min(asked, MAX_LEASE))


class Hub:
    """Start it once with `start()`; `on_changes` after each build; `stop()` at the end."""

    def __init__(
        self,
        config: Config,
        out_dir: Path,
        *,
        clock: Callable[[], float] = time.time,
        retry: Retry = Retry(),
        timeout: float = TIMEOUT,
        poll: float = POLL,
    ) -> None:
        self._config, self._out_dir = config, out_dir
        self._clock, self._retry, self._timeout, self._poll = clock, retry, timeout, poll
        self._store = Store(database(config))
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="websub")
        self._busy: set[Hashable] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="websub-hub", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop looking and wait for the requests under way (each ends within `timeout`);
        deliveries not started stay owed in the database for the next Hub."""
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._store.close()

    def on_changes(self, config: Config, out_dir: Path, changes: Changes) -> None:
        """Owe every subscriber of each added or changed current feed its new bytes."""
        self._config, self._out_dir = config, out_dir
        now = self._clock()
        for topic in changed_topics(config, changes):
            self._store.owe(topic, now)
        self._wake.set()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._look()
            except Exception:
                LOG.exception("websub: the hub's look at its database failed")
            self._wake.wait(self._poll)
            self._wake.clear()

    def _look(self) -> None:
        """Expire leases, then start what is due: verifications, then deliveries."""
        now = self._clock()
        self._store.expire(now)
        started: set[tuple[str, str]] = set()
        for request in self._store.requests():
            # One request per subscription at a time, in the order they came.
            pair = (request.callback, request.topic)
            if pair not in started:
                started.add(pair)
                self._start(("verify", *pair), partial(self._verify, request))
        for delivery in self._store.due(now):
            key = ("deliver", delivery.callback, delivery.topic)
            self._start(key, partial(self._deliver, delivery))

    def _start(self, key: Hashable, job: Callable[[], None]) -> None:
        """Run `job` in the pool unless the job of that key is under way."""
        with self._lock:
            if key in self._busy:
                return
            self._busy.add(key)

        def run() -> None:
            try:
                job()
            except Exception:
                LOG.exception("websub: %s failed", key)
            finally:
                with self._lock:
                    self._busy.discard(key)
                self._wake.set()

        self._pool.submit(run)

    def _verify(self, request: Request) -> None:
        """WebSub 5.3: GET the callback with a single-use challenge that must come back."""
        lease = clamp_lease(request.lease)
        challenge = secrets.token_urlsafe(32)
        query = urlencode(
            {
                "hub.mode": request.mode,
                "hub.topic": request.topic,
                "hub.challenge": challenge,
                "hub.lease_seconds": lease,
            }
        )
        url = request.callback + ("&" if "?" in request.callback else "?") + query
        asked_at = self._clock()
        outcome = self._call("GET", url, read=len(challenge) + 1)
        if not isinstance(outcome, Reply):
            problem = _describe(outcome)
        elif not outcome.ok:
            problem = f"answered {outcome.status}"
        elif outcome.body != challenge.encode():
            problem = "did not echo the challenge"
        else:
            problem = ""
        if problem:
            LOG.info(
                "websub: %s of %s to %s refused: callback %s",
                request.mode,
                request.callback,
                request.topic,
                problem,
            )
        elif request.mode == "subscribe":
            self._store.subscribe(request, asked_at + lease)
            LOG.info("websub: %s subscribed to %s for %d s", request.callback, request.topic, lease)
        else:
            self._store.unsubscribe(request.callback, request.topic)
            LOG.info("websub: %s unsubscribed from %s", request.callback, request.topic)
        self._store.finish(request)

    def _deliver(self, delivery: Delivery) -> None:
        """WebSub 7: POST the topic's whole current document, signed if asked."""
        config = self._config
        path = topic_path(config, delivery.topic)
        kind = urls.current_feed_kind(path) if path else None
        try:
            body = (self._out_dir / urls.file_name(path)).read_bytes() if path else None
        except (FileNotFoundError, NotADirectoryError):
            body = None
        if path is None or kind is None or body is None:  # the feed is gone (a topic removed)
            self._store.delivered(delivery)
            return
        headers = {"Content-Type": kind.content_type, "Link": link_header(config, path) or ""}
        if delivery.secret is not None:
            digest = hmac.new(delivery.secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Hub-Signature"] = f"sha256={digest}"
        outcome = self._call("POST", delivery.callback, body=body, headers=headers)
        if isinstance(outcome, PrivateAddress):
            self._end(delivery, _describe(outcome))
        elif not isinstance(outcome, Reply):
            self._failed(delivery, _describe(outcome))
        elif outcome.ok:
            self._store.delivered(delivery)
        elif outcome.status == 410:
            self._end(delivery, "answered 410 Gone")
        else:
            self._failed(delivery, f"answered {outcome.status}")

    def _failed(self, delivery: Delivery, problem: str) -> None:
        now = self._clock()
        if now - delivery.since >= self._retry.give_up:
            self._end(delivery, f"{problem}; failing since {delivery.since:.0f}")
            return
        pause = self._retry.pause(delivery.attempts + 1)
        LOG.info(
            "websub: delivery of %s to %s %s; again in %.0f s",
            delivery.topic,
            delivery.callback,
            problem,
            pause,
        )
        self._store.retry(delivery, now + pause)

    def _end(self, delivery: Delivery, why: str) -> None:
        LOG.info(
            "websub: subscription of %s to %s ended: %s", delivery.callback, delivery.topic, why
        )
        self._store.unsubscribe(delivery.callback, delivery.topic)

    def _call(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        read: int = 0,
    ) -> Reply | Unreachable:
        """The subscriber's reply, or why there is none; its address is checked each time."""
        allow = self._config.websub is not None and self._config.websub.allow_private_callbacks
        try:
            return send(
                method,
                url,
                body=body,
                headers=headers,
                timeout=self._timeout,
                allow_private=allow,
                read=read,
            )
        except Unreachable as exc:
            return exc


def _describe(problem: Unreachable) -> str:
    if isinstance(problem, PrivateAddress):
        return f"is not public ({problem})"
    return f"gave no answer ({problem})"


def health(config: Config, now: float | None = None) -> dict[str, int]:
    """What /healthz reports of the hub: active subscriptions and pending deliveries."""
    with closing(Store(database(config))) as store:
        active, pending = store.counts(time.time() if now is None else now)
    return {"websub_subscriptions": active, "websub_pending_deliveries": pending}
