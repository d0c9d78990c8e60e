"""Pings: tell every hub of `[websub] hubs` which current feeds changed (`hub.mode=publish`).

A hub that fails is one log line and never fails the command: after its retries run out for
one feed it is not asked about the others, so a dead hub costs at most ATTEMPTS requests of
TIMEOUT seconds and the pauses between them. Hubs are asked in parallel.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from feeds.config import Config
from feeds.engine import Changes
from feeds.websub.discovery import changed_topics
from feeds.websub.transport import Unreachable, send

LOG = logging.getLogger("feeds.websub")
TIMEOUT = 5.0  # seconds for each request to a hub
ATTEMPTS = 3  # per feed and hub; the pause before a retry doubles from FIRST_PAUSE
FIRST_PAUSE = 1.0
FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class _Failed(Exception):
    """A hub did not accept a ping after every attempt."""


def ping_changed(
    config: Config,
    changes: Changes,
    *,
    timeout: float = TIMEOUT,
    attempts: int = ATTEMPTS,
    pause: float = FIRST_PAUSE,
) -> None:
    """POST `hub.mode=publish&hub.url=<feed URL>` to every hub of `hubs` for every current
    feed that `changes` added or changed; nothing when none did."""
    hubs = config.websub.hubs if config.websub else ()
    topics = changed_topics(config, changes)
    if not hubs or not topics:
        return
    with ThreadPoolExecutor(max_workers=len(hubs)) as pool:
        list(pool.map(lambda hub: _tell(hub, topics, timeout, attempts, pause), hubs))


def _tell(hub: str, topics: list[str], timeout: float, attempts: int, pause: float) -> None:
    for done, topic in enumerate(topics):
        try:
            _ping(hub, topic, timeout, attempts, pause)
        except _Failed as exc:
            LOG.warning(
                "websub: hub %s was not told of %d changed feed(s): %s",
                hub,
                len(topics) - done,
                exc,
            )
            return


def _ping(hub: str, topic: str, timeout: float, attempts: int, pause: float) -> None:
    """One ping, retried after a 5xx, a 429 or no answer; any other 4xx is final."""
    body = urlencode({"hub.mode": "publish", "hub.url": topic}).encode()
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(pause * 2 ** (attempt - 1))
        try:
            # The operator names the hubs: they may be on a private network.
            reply = send("POST", hub, body=body, headers=FORM, timeout=timeout, allow_private=True)
        except Unreachable as exc:
            problem = f"no answer ({exc})"
            continue
        if reply.ok:
            return
        problem = f"answered {reply.status}"
        if reply.status < 500 and reply.status != 429:
            break
    raise _Failed(f"{problem} for {topic}")
