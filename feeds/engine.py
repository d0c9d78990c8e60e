"""The one build primitive, used by `feeds build`, `feeds serve` and `feeds deploy`.

From the configuration, the article files and the record of the last output (the manifest),
it renders what changed, writes it atomically file by file and says which site paths were
added, changed and removed. Two records carry it: what each article file loaded to (the
entry cache, feeds.store) and what each output file holds (the manifest, beside the files).
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from feeds import fingerprint, urls
from feeds.config import Config
from feeds.errors import FeedsError
from feeds.files import ScannedFile, scan
from feeds.manifest import MANIFEST, Manifest, Report, Written, encode, intact, read_manifest
from feeds.output import Stage, is_safe, publish, remove, remove_leftovers, replace
from feeds.store import EntryStore

if TYPE_CHECKING:
    from feeds.output import Staged
    from feeds.site import Resource, Site

    # The resources of a site's paths, each staged (feeds.output) by `stage` from its last
    # record among `olds`, in the site's order.
    Rendering = Callable[
        [Site, Collection[str], Stage, Mapping[str, Written]], Iterator[tuple[Resource, Staged]]
    ]

# Present while a build writes: a build that finds it (one was killed or failed) looks for
# the temporary files that were staged and never renamed (feeds.output).
BUILDING = ".feeds-building"
# An empty file per article page the site published and no longer has: the server answers
# 410 Gone for it.
GONE = ".feeds-gone"
# A build that would remove more than this share of the published article pages (and more
# than SHRINK_FLOOR of them) stops unless forced: an unmounted share or a failed sync that
# leaves a few files looks like that.
SHRINK_SHARE = 0.5
SHRINK_FLOOR = 10


class OutputError(FeedsError):
    """The output folder cannot be written."""


class ShrinkError(FeedsError):
    """The articles folder suddenly holds far fewer articles than were published."""


@dataclass(frozen=True, slots=True)
class Changes:
    """Site paths whose bytes a build added, changed or removed."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True, slots=True)
class Build:
    """The outcome of one build: what changed, the new record, and the site when loaded."""

    changes: Changes
    manifest: Manifest
    site: Site | None  # when nothing changed, the site given in `previous`, if any
    written: int

    @property
    def report(self) -> Report:
        return self.manifest.report

    @property
    def next_change(self) -> datetime | None:
        until = self.manifest.until
        return None if until is None else datetime.fromisoformat(until)


def build(
    config: Config,
    out_dir: Path,
    now: datetime,
    *,
    store: EntryStore | None = None,
    previous: Build | None = None,
    workers: int = 1,
    gzipped: bool = False,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    files: list[ScannedFile] | None = None,
) -> Build:
    """Bring `out_dir` up to date with the articles as published at `now`.

    `previous` is what the caller got from its last build into `out_dir` with `store` (the
    server's builder keeps both): its manifest is taken as the folder's, and its site saves
    remaking what is unchanged. Without it, the manifest in the folder is read and every
    file is checked against it (size and mtime), so files deleted or edited by hand are
    written again. With `gzipped`, each file gets a `.gz` sibling for servers that send it
    as is. `files` is what `scan(config)` gives now, if the caller knows it (the server's
    builder, from file events). Raises ArticlesFolderError before anything is written if
    the articles cannot all be listed, ShrinkError if most article pages would go (unless
    `force`), OutputError if the folder cannot be written.
    """
    files = list(scan(config)) if files is None else files
    checked = previous is None
    last = read_manifest(out_dir) if previous is None else previous.manifest
    before = None if previous is None else previous.site
    inputs = _inputs(config, files)
    if last.still_holds(inputs, now, gzipped) and (not checked or intact(out_dir, last)):
        return Build(Changes(), last, before, 0)
    # Imported here: finding that nothing changed needs no reader and no renderer, whose
    # imports (cmark, PyYAML, nh3, Jinja2, feedgen, lxml) take longer than the rest of it.
    from feeds.loader import load
    from feeds.rendering import staged
    from feeds.site import build_site

    with nullcontext(store) if store else closing(EntryStore(config)) as entries:
        loaded = load(config, entries, workers=workers, files=files)
        site = build_site(config, loaded, now, entries, before)
        _refuse_shrinking(site, last, force)
        writer = _Writer(out_dir, last, now, gzipped, checked)
        rendering = partial(staged, now=now, workers=workers, store=entries)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            with _locked(out_dir):
                return writer.write(site, before, rendering, inputs, progress)
        except OSError as exc:
            raise _output_error(exc, out_dir) from None


def _inputs(config: Config, files: list[ScannedFile]) -> str | None:
    """A digest of the settings, the code and every article file's path and stat signature;
    None when a file has none (a symlink, whose target may change unseen)."""
    signatures = [signature for _, _, signature in files if signature is not None]
    if len(signatures) < len(files):
        return None
    names = "\0".join([fingerprint.salt(config), *(shown for _, shown, _ in files), ""])
    return fingerprint.of_bytes(names.encode("utf-8", "surrogatepass") + b"".join(signatures))


def _refuse_shrinking(site: Site, last: Manifest, force: bool) -> None:
    published, kept = last.report.articles, len(site.catalog.entries)  # a page per article
    lost = published - kept
    if not force and lost > SHRINK_FLOOR and lost > SHRINK_SHARE * published:
        raise ShrinkError(
            f"{site.config.articles_dir}: {kept:,} of the {published:,} published articles "
            "are left; if that is right, run again with --force (nothing was changed)"
        )


class _Writer:
    """Writes one build into a folder, file by file, and keeps the new manifest."""

    def __init__(
        self, out_dir: Path, last: Manifest, now: datetime, gzipped: bool, checked: bool
    ) -> None:
        self.out_dir, self.last = out_dir, last
        self.stage = Stage(out_dir, int(now.timestamp()), gzipped, checked)
        self.files: dict[str, Written] = {}
        self.written = 0

    def write(
        self,
        site: Site,
        before: Site | None,
        rendering: Rendering,
        inputs: str | None,
        progress: Callable[[int, int], None] | None,
    ) -> Build:
        """Write `site` into the folder (the caller holds its lock); `before` is the site of
        the last build, if the caller kept it, and `rendering` stages the files of the paths
        to write (feeds.rendering), which this publishes in order."""
        out_dir = self.out_dir
        marker = out_dir / BUILDING
        if marker.exists():
            remove_leftovers(out_dir)
        marker.touch()
        added: list[str] = []
        changed: list[str] = []
        done, total = 0, len(site)
        # Keys first, without making the resources (100,000 article pages at 100,000
        # articles, of which an edit changes one); then what differs, rendered in order.
        files, stale = self.last.files, set()
        for path, key in self._visits(site, before):
            name = urls.file_name(path)
            old = files.get(name)
            if old is None or old.key != key or not self.stage.kept(name, old):
                stale.add(path)
                continue
            self.files[name] = old
            done += 1
            if progress:
                progress(done, total)
        for resource, staged in rendering(site, stale, self.stage, files):
            name = urls.file_name(resource.path)
            old = files.get(name)
            if staged.temporaries:
                publish(out_dir, name, staged, old)
                self.written += 1
                (added if old is None else changed).append(resource.path)
            self.files[name] = staged.written
            done += 1
            if progress:
                progress(done, total)
        removed = sorted(self.last.files.keys() - self.files.keys())
        gone = self._remove(removed)
        catalog = site.catalog
        next_change = site.next_change
        manifest = Manifest(
            files=self.files,
            gone=gone,
            inputs=inputs,
            until=None if next_change is None else next_change.isoformat(),
            gzipped=self.stage.gzipped,
            report=Report(
                articles=len(catalog.entries),
                topics=sum(1 for topic in site.config.topics if catalog.in_topic(topic.slug)),
                problems=tuple(
                    str(problem)
                    for problem in sorted(site.loaded.problems, key=lambda p: (p.path, p.line))
                ),
            ),
        )
        replace(out_dir / MANIFEST, encode(manifest), self.stage.now)
        marker.unlink()
        changes = Changes(tuple(added), tuple(changed), tuple(map(urls.site_path, removed)))
        return Build(changes, manifest, site, self.written)

    def _visits(self, site: Site, before: Site | None) -> Iterable[tuple[str, str]]:
        """The paths, with their keys, whose files may differ from those of the last build.

        Every path, unless the site's catalog was reselected from `before`'s and the files
        are as the last build left them: then the last build's files stand, but for the
        pages of the entries that went and the lists the site no longer has, and only the
        pages of the entries that came and the lists are looked at.
        """
        delta = site.catalog.delta
        stage = self.stage
        if delta is None or before is None or stage.checked or stage.gzipped > self.last.gzipped:
            return site.keyed()
        came = [(urls.article_page(entry.slug), entry.fingerprint) for entry in delta.added]
        went = {urls.article_page(entry.slug) for entry in delta.removed}
        self.files = dict(self.last.files)  # what is visited is put back if it stays
        for path in went | (before.lists.keys() - site.lists.keys()):
            self.files.pop(urls.file_name(path), None)
        return [*came, *((path, resource.key) for path, resource in site.lists.items())]

    def _remove(self, names: list[str]) -> frozenset[str]:
        """Delete the files the site no longer has; an article page leaves a tombstone."""
        gone = {name for name in self.last.gone if name not in self.files}
        for name in self.files.keys() & self.last.gone:
            (self.out_dir / GONE / name).unlink(missing_ok=True)
        for name in names:
            if not is_safe(name):
                continue
            if urls.is_article_page(urls.site_path(name)):  # first: no moment of 404
                tombstone = self.out_dir / GONE / name
                tombstone.parent.mkdir(parents=True, exist_ok=True)
                tombstone.touch()
                gone.add(name)
            remove(self.out_dir, name)
            remove(self.out_dir, name + ".gz")
        return frozenset(gone)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold the folder's lock: two builds into one folder (a `feeds build` while the server's
    builder runs) write one after the other."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def _output_error(exc: OSError, out_dir: Path) -> OutputError:
    where = Path(exc.filename) if exc.filename else out_dir
    if exc.errno == errno.ENOSPC:  # the file that did not fit (never a temporary's name)
        return OutputError(f"{where}: the disk is full (ENOSPC); free some space and build again")
    if where.name.startswith("."):  # the marker or a temporary file: name their folder
        where = where.parent
    return OutputError(
        f"{where}: cannot write the site ({exc.strerror}); check that the output folder is writable"
    )
