"""The builder of `feeds serve`: one process that keeps the output folder current.

It runs the engine into `output_dir` whenever an article or config.toml changes (file
events, with a periodic look for file systems that send none) or the clock changes the site
(an embargo lifting), calls its hooks with what changed, and records how it went in a status
file that every worker reads for /healthz. `python -m feeds.builder CONFIG` runs it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from feeds import engine
from feeds.config import Config, load_config
from feeds.engine import Build, Changes
from feeds.errors import FeedsError
from feeds.files import ScannedFile, rescanned, scan
from feeds.store import EntryStore
from feeds.websub.service import Push

LOG = logging.getLogger("feeds")
# How often the builder looks for changes unasked. With file events (inotify, through
# watchdog) a change is seen at once and the look is a safety net for a file system that
# sends none (a network share under articles_dir); without events, looking is the only way.
POLL_SECONDS = 1.0
POLL_SECONDS_WITH_EVENTS = 10.0
STATUS = ".feeds-status.json"  # in the output folder, beside the manifest
Clock = Callable[[], datetime]
Hook = Callable[[Config, Path, Changes], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class _Watched:
    """What the file events are armed on: a folder as named and the folder it is now."""

    articles_dir: Path
    identity: tuple[int, int] | None  # st_dev, st_ino; None while it is missing


class Builder:
    """Builds the site of one config.toml into its output folder, again and again."""

    def __init__(
        self,
        config_path: Path | str,
        *,
        clock: Clock = utc_now,
        hooks: Sequence[Hook] = (),
        workers: int = 1,
        watching: bool = False,
    ) -> None:
        self.config_path = Path(config_path)
        self.clock = clock
        self.hooks = hooks
        self.workers = workers
        self.watching = watching
        self.config: Config | None = None
        self.last: Build | None = None
        self._store: EntryStore | None = None
        self._previous: Build | None = None  # the last build with this store, if it stands
        self._files: list[ScannedFile] | None = None  # the article files it was built from
        self._events: _Changes | None = None  # the file events armed, if any
        self._error: tuple[str, datetime] | None = None
        self._built_at: datetime | None = None  # when the last build succeeded
        self._wake = threading.Event()
        self._stop = threading.Event()

    def build(self) -> Build | None:
        """Build once; a failure is logged once (until it changes) and the old site stays."""
        try:
            config = load_config(self.config_path)
            if config != self.config:  # another setting or folder: start from its records
                self._close()
                self.config = config
            if self._store is None:
                self._store = EntryStore(config)
            files, self._files = self._article_files(config), None  # None until it stands
            done = engine.build(
                config,
                config.output_dir,
                self.clock(),
                store=self._store,
                previous=self._previous,
                workers=self.workers,
                gzipped=True,
                files=files,
            )
        except FeedsError as exc:
            self._fail(str(exc))
            return None
        self._previous = self.last = done
        self._files = files
        self._built_at = self.clock()
        if self._error is not None:
            LOG.info("%s: fine again", self.config_path.name)
        self._error = None
        if done.changes:
            self._log(done)
            for hook in self.hooks:
                try:
                    hook(config, config.output_dir, done.changes)
                except Exception:  # a hook's bug must not stop the builder
                    LOG.exception("a hook failed after a build")
        self._write_status()
        return done

    def run(self, ready: Callable[[], None] = lambda: None, poll: float | None = None) -> None:
        """Build, call `ready`, then build again on every change until `stop`.

        Besides file events and the clock, it looks every `poll` seconds (by default
        POLL_SECONDS_WITH_EVENTS, or POLL_SECONDS where events cannot be had).
        """
        self.build()
        watched: _Watched | None = None
        observer: BaseObserver | None = None
        while not self._stop.is_set():
            current = _watched(self.config)
            if current != watched:
                if observer is not None:
                    observer.stop()
                    LOG.info("%s changed; file events re-armed", current.articles_dir)
                observer = self._observe(current)
                self._wake.set()  # look again: what changed before the events were armed
                if watched is None:
                    ready()  # events armed: nothing written from now on goes unseen
                watched = current
            interval = poll or (POLL_SECONDS if observer is None else POLL_SECONDS_WITH_EVENTS)
            if self._wake.wait(self._timeout(interval)):
                self._settle()
            else:
                self._files = None  # a periodic look walks the whole folder
            if self._stop.is_set():
                break
            try:
                self.build()
            except Exception:  # a bug must not stop the builder; the last build stays up
                LOG.exception("the build failed; still serving the last complete build")
        if observer is not None:
            observer.stop()
        self._close()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _timeout(self, interval: float) -> float:
        """Seconds until the next look: `interval`, or sooner if the site changes by then."""
        due = self.last.next_change if self.last else None
        if due is None:
            return interval
        return min(interval, max((due - self.clock()).total_seconds(), 0.0))

    def _settle(self) -> None:
        """After an event, wait for 50 ms without one (a save is several events), 1 s at most."""
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:
            self._wake.clear()
            if not self._wake.wait(0.05):
                return

    def _article_files(self, config: Config) -> list[ScannedFile]:
        """What `scan(config)` gives: the last build's files with those that file events
        named since looked at again, or else (no events yet, a folder event, a periodic
        look) a walk of the whole folder."""
        paths = self._events.take() if self._events is not None else None
        if self._files is None or paths is None:
            return list(scan(config))
        return rescanned(config, self._files, paths)

    def _observe(self, watched: _Watched) -> BaseObserver | None:
        """Start file events on config.toml's folder and articles_dir; None where the system
        gives none (the periodic look remains)."""
        self._files = self._events = None  # what changed before they were armed is unknown
        handler = _Changes(self.config_path, watched.articles_dir, self._wake)
        observer = Observer()
        observer.daemon = True
        try:
            observer.schedule(handler, str(self.config_path.parent), recursive=False)
            if watched.identity is not None:
                # inotify does not follow a symlinked folder: watch where it leads.
                observer.schedule(handler, os.path.realpath(watched.articles_dir), recursive=True)
            observer.start()
        except OSError as exc:  # e.g. inotify's limit of watches reached
            LOG.warning("no file events (%s); looking for changes every second", exc)
            return None
        self._events = handler
        return observer

    def _fail(self, message: str) -> None:
        # The folder's record is read again next time: a build that failed midway, or a
        # `feeds build --force` run by hand meanwhile, may have changed it.
        self._previous = self._files = None
        if self._error is None or self._error[0] != message:
            LOG.error("%s (still serving the last complete build)", message)
        self._error = (message, self._error[1] if self._error else self.clock())
        self._write_status()

    def _log(self, done: Build) -> None:
        changes, report = done.changes, done.report
        LOG.info(
            "built: %d articles, %d rejected; %d added, %d changed, %d removed",
            report.articles,
            len(report.problems),
            len(changes.added),
            len(changes.changed),
            len(changes.removed),
        )
        for problem in report.problems:
            LOG.warning("%s", problem)

    def _write_status(self) -> None:
        """What /healthz reports, for every worker: written atomically beside the manifest."""
        if self.config is None:
            return
        report = self.last.report if self.last else None
        status = {
            "status": "ok" if self._error is None else "error",
            "articles": report.articles if report else 0,
            "rejected": len(report.problems) if report else 0,
            "last_build": None if self._built_at is None else _iso(self._built_at),
            "error": None
            if self._error is None
            else {"message": self._error[0], "since": self._error[1].isoformat()},
            "builder": {"pid": os.getpid(), "watching": self.watching, "seen": _iso(utc_now())},
        }
        path = self.config.output_dir / STATUS
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{STATUS}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(status), "utf-8")
            temporary.replace(path)
        except OSError as exc:
            LOG.error("%s: cannot write the status (%s)", path, exc.strerror)

    def _close(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = None
        self._previous = self._files = None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _watched(config: Config | None) -> _Watched:
    if config is None:
        return _Watched(Path(), None)
    try:
        status = config.articles_dir.stat()
    except OSError:
        return _Watched(config.articles_dir, None)
    return _Watched(config.articles_dir, (status.st_dev, status.st_ino))


class _Changes(FileSystemEventHandler):
    """Wakes the builder for a change to config.toml or under articles_dir; not for reads
    (a build's own reads would wake it again) nor for what it writes beside them. Keeps the
    article paths the events name, as articles_dir names them, for `take`."""

    _WRITES = frozenset({"created", "deleted", "modified", "moved", "closed"})
    # A folder that comes, goes or moves changes files that no event names one by one.
    _FOLDER_CHANGES = frozenset({"created", "deleted", "moved"})

    def __init__(self, config_path: Path, articles: Path, wake: threading.Event) -> None:
        self._config = str(config_path)
        # As named and as resolved: events under a symlinked folder may name either.
        self._named, self._resolved = str(articles), os.path.realpath(articles)
        self._wake = wake
        self._lock = threading.Lock()
        self._paths: set[str] | None = set()  # None once a folder event was seen

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in self._WRITES:
            return
        for path in (event.src_path, event.dest_path):
            if not isinstance(path, str) or not path:
                continue
            named = self._as_named(path)
            if named is not None:
                self._note(named, event.is_directory and event.event_type in self._FOLDER_CHANGES)
            if named is not None or path == self._config:
                self._wake.set()

    def take(self) -> set[str] | None:
        """The article paths named since the last call; None if a folder event said that
        more may have changed."""
        with self._lock:
            paths, self._paths = self._paths, set()
        return paths

    def _note(self, path: str, folder_changed: bool) -> None:
        with self._lock:
            if folder_changed:
                self._paths = None
            elif self._paths is not None:
                self._paths.add(path)

    def _as_named(self, path: str) -> str | None:
        """`path` under articles_dir as named, if it is there or under where it leads."""
        for folder in (self._named, self._resolved):
            if path == folder or path.startswith(folder + os.sep):
                return self._named + path[len(folder) :]
        return None


def serving(config_path: Path | str, workers: int = 1) -> tuple[Builder, Push]:
    """The builder of a server, with WebSub's hub and pings as its hook."""
    push = Push()
    builder = Builder(config_path, workers=workers, watching=True, hooks=[push.on_changes])
    return builder, push


def run_serving(builder: Builder, push: Push, ready: Callable[[], None] = lambda: None) -> None:
    """Run the builder until it stops; the WebSub hub runs from the first build on (a build
    that changed nothing calls no hook) and stops with it."""

    def started() -> None:
        if builder.config is not None:
            push.follow(builder.config, builder.config.output_dir)
        ready()

    try:
        builder.run(started)
    finally:
        push.close()


def main(argv: Sequence[str] | None = None) -> None:
    """The builder process of `feeds serve`; SIGTERM stops it."""
    parser = argparse.ArgumentParser(prog="python -m feeds.builder")
    parser.add_argument("config", type=Path)
    parser.add_argument("--ready-fd", type=int, help="write one byte there after the first build")
    parser.add_argument("--workers", type=int, default=1, help="processes for a cold load")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(process)d] %(levelname)s %(message)s")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the supervisor, which stops us
    builder, push = serving(args.config, args.workers)
    signal.signal(signal.SIGTERM, lambda *_: builder.stop())

    def ready() -> None:
        if args.ready_fd is not None:
            os.write(args.ready_fd, b"1")
            os.close(args.ready_fd)

    run_serving(builder, push, ready)


if __name__ == "__main__":
    main()
