"""A site that follows its files: generations rendered in the background, swapped whole."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from feeds.cache import Signature
from feeds.config import Config, load_config
from feeds.errors import FeedsError
from feeds.loader import ScannedFile, load_cached, scan
from feeds.responses import Prepared, keep_or_prepare
from feeds.site import Resource, Site, build_site

LOG = logging.getLogger("feeds")
# How often the watcher looks for changes unasked. With file events (inotify, through
# watchdog) a change is seen at once and the look is a safety net for a file system that
# sends none (a network share under articles_dir); each look stats every article, 0.1 s of
# a worker's CPU at 10,000 articles. Without events, looking is the only way.
POLL_SECONDS = 1.0
POLL_SECONDS_WITH_EVENTS = 10.0
Clock = Callable[[], datetime]
Snapshot = frozenset[tuple[str, Signature]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Generation:
    """One complete, immutable rendering of the site; requests read only this."""

    number: int
    site: Site
    responses: dict[str, Prepared]
    not_found: bytes
    loaded_at: datetime
    snapshot: Snapshot


def snapshot(config_path: Path, files: Iterable[ScannedFile]) -> Snapshot:
    """Identity of the config and every article file: path and stat signature.

    `files` come from the loader's scan; a symlink has no signature there, so its target's
    is taken here.
    """
    items = []
    for path, _, signature in [(str(config_path), "", None), *files]:
        if signature is None:
            try:
                status = os.stat(path)  # noqa: PTH116 (paths are strings: see article_files)
            except OSError:
                continue
            signature = (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)
        items.append((path, signature))
    return frozenset(items)


class LiveSite:
    """Holds the current generation; a watcher thread replaces it when files change."""

    def __init__(self, config_path: Path | str, clock: Clock = utc_now) -> None:
        self.config_path = Path(config_path)
        self.clock = clock
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._config_error: str | None = None  # logged once, not at every look
        config = load_config(self.config_path)
        files = list(scan(config))
        self.current = self._render(config, None, files, snapshot(self.config_path, files))

    def refresh(self) -> bool:
        """Render a new generation if files changed or an embargo lifted; True if swapped."""
        with self._lock:
            try:
                config = load_config(self.config_path)
            except FeedsError as exc:
                if str(exc) != self._config_error:
                    LOG.error("%s (still serving generation %d)", exc, self.current.number)
                    self._config_error = str(exc)
                return False
            self._config_error = None
            current = self.current
            embargo = current.site.catalog.next_embargo
            lifted = embargo is not None and embargo <= self.clock()
            files = list(scan(config))
            state = snapshot(self.config_path, files)
            if not lifted and state == current.snapshot:
                return False
            self.current = self._render(config, current, files, state)
            return True

    def watch(self, interval: float | None = None) -> threading.Thread:
        """Reload in a daemon thread when the articles or config.toml change.

        File system events wake the thread at once; it also looks every `interval` seconds
        (by default POLL_SECONDS_WITH_EVENTS, or POLL_SECONDS where events cannot be had),
        and wakes when the next embargo lifts.
        """
        observer = self._observe()
        if interval is None:
            interval = POLL_SECONDS if observer is None else POLL_SECONDS_WITH_EVENTS

        def loop() -> None:
            while not self._stop.is_set():
                if self._wake.wait(self._timeout(interval)):
                    self._settle()
                if self._stop.is_set():
                    break
                try:
                    self.refresh()
                except Exception:  # a bug must not stop the watcher; the old site stays up
                    LOG.exception("reload failed; still serving generation %d", self.current.number)
            if observer is not None:
                observer.stop()

        thread = threading.Thread(target=loop, name="feeds-watch", daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _settle(self) -> None:
        """After an event, wait for 50 ms without one (a save is several events), 1 s at most."""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            self._wake.clear()
            if not self._wake.wait(0.05):
                return

    def _timeout(self, interval: float) -> float:
        """Seconds until the next look: `interval`, or sooner if an embargo lifts before."""
        embargo = self.current.site.catalog.next_embargo
        if embargo is None:
            return interval
        return min(interval, max((embargo - self.clock()).total_seconds(), 0.0))

    def _observe(self) -> BaseObserver | None:
        """Start watching for file events; None where the system cannot (polling remains)."""
        articles = self.current.site.config.articles_dir
        handler = _Changes(self.config_path, articles, self._wake)
        observer = Observer()
        observer.daemon = True
        try:
            observer.schedule(handler, str(self.config_path.parent), recursive=False)
            observer.schedule(handler, str(articles), recursive=True)
            observer.start()
        except OSError as exc:  # e.g. inotify's limit of watches reached
            LOG.warning("no file events (%s); looking for changes every second", exc)
            return None
        return observer

    def _render(
        self,
        config: Config,
        previous: Generation | None,
        files: list[ScannedFile],
        state: Snapshot,
    ) -> Generation:
        """A new generation from `files` (the loader's scan) whose identity is `state`."""
        cache = previous.site.loaded.cache if previous else None
        loaded = load_cached(config, previous=cache, files=files)
        for problem in loaded.problems:
            LOG.warning("%s", problem)
        now = self.clock()
        site = build_site(config, loaded, now)
        responses = {resource.path: _respond(resource, config, now, previous) for resource in site}
        number = previous.number + 1 if previous else 1
        LOG.info(
            "generation %d: %d articles, %d rejected",
            number,
            len(site.catalog.entries),
            len(loaded.problems),
        )
        return Generation(number, site, responses, site.not_found_page(), now, state)


class _Changes(FileSystemEventHandler):
    """Wakes the watcher for a change to config.toml or under articles_dir; not for reads
    (the reload's own reads would wake it again) nor for the cache it writes beside them."""

    _WRITES = frozenset({"created", "deleted", "modified", "moved", "closed"})

    def __init__(self, config_path: Path, articles: Path, wake: threading.Event) -> None:
        self._config = str(config_path)
        self._articles = os.path.join(articles, "")  # noqa: PTH118 (compared as strings)
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self._WRITES:
            return
        for path in (event.src_path, event.dest_path):
            if isinstance(path, str) and (path == self._config or path.startswith(self._articles)):
                self._wake.set()


def _respond(
    resource: Resource, config: Config, now: datetime, previous: Generation | None
) -> Prepared:
    """The previous generation's response when the resource's key is unchanged (not even
    rendered then: a reload after one edit renders a dozen resources, not the whole site)."""
    content_type, cache_control = resource.kind.content_type, resource.cache_control(config)
    old = previous.responses.get(resource.path) if previous else None
    if old is not None and previous is not None:
        was = (previous.site.resources[resource.path].key, old.content_type, old.cache_control)
        if was == (resource.key, content_type, cache_control):
            return old
    return keep_or_prepare(old, resource.render(), content_type, now, cache_control)
