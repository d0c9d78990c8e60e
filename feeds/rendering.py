"""Rendering and staging the files a build writes (feeds.output): shared with processes, one
per CPU beside this one, when there are many (a cold build of 10,000 articles renders,
hashes and writes 11,000 files, most of its time).

Each process reads the loaded entries from the entry cache on disk, named by their files
and the digests of those files' bytes (pickling 100,000 entries to hand them over took
186 MB in this process), makes the site map again from them (the same site, by
construction) and reads texts from the cache too; this process renders its own share
meanwhile, and the staged files come in the site's order, so the writer still publishes
them in that order.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from feeds import urls
from feeds.config import Config
from feeds.loader import Loaded
from feeds.manifest import Written
from feeds.model import Entry
from feeds.output import Stage, Staged
from feeds.site import Resource, Site, build_site
from feeds.store import EntryStore, StoredEntries

# Below this many files, starting the processes (each makes the site map) costs more.
IN_PROCESSES_FROM = 1_000
_CHUNK = 32  # article pages
_AHEAD = 8  # chunks


def staged(
    site: Site,
    paths: Collection[str],
    stage: Stage,
    olds: Mapping[str, Written],
    *,
    now: datetime,
    workers: int,
    store: EntryStore,
) -> Iterator[tuple[Resource, Staged]]:
    """Each resource of `paths`, in the site's order, staged from its file's last record
    in `olds`; shared with `workers` - 1 processes when there are IN_PROCESSES_FROM or more
    and `store`, the entry cache the site was loaded with, is on disk."""
    if workers < 2 or store.file is None or len(paths) < IN_PROCESSES_FROM:
        yield from ((resource, _staged(resource, stage, olds)) for resource in site.only(paths))
        return
    # spawn, as for parsing (feeds.loader): no fork of a process that may run threads.
    context = multiprocessing.get_context("spawn")
    # Each file's entries are together and in order in the loaded ones (a file is
    # published or rejected whole): its path stands for them.
    sources = dict.fromkeys(entry.source for entry in site.loaded.entries)
    files = [(source, store.records[source].digest) for source in sources]
    setting = (site.config, files, now, store.file)
    with ProcessPoolExecutor(
        workers - 1, mp_context=context, initializer=_start_worker, initargs=setting
    ) as pool:
        # A few chunks ahead, every workers-th one kept for this process: the others stay
        # busy, and few rendered bytes wait here.
        ahead: deque[tuple[list[Resource], Future[list[Staged]] | None]] = deque()
        for number, chunk in enumerate(_chunks(site.only(paths))):
            theirs = None
            if number % workers:
                paths_olds = [(r.path, olds.get(urls.file_name(r.path))) for r in chunk]
                theirs = pool.submit(_stage, stage, paths_olds)
            ahead.append((chunk, theirs))
            if len(ahead) == _AHEAD:
                yield from _done(*ahead.popleft(), stage, olds)
        while ahead:
            yield from _done(*ahead.popleft(), stage, olds)


def _chunks(resources: Iterable[Resource]) -> Iterator[list[Resource]]:
    """The article pages (they come first) _CHUNK to a chunk, a few KB each; then each
    list a chunk of its own: a feed archive shows whole bodies (half a MB or more), so
    that the processes' shares stay even (when chunks came back as bytes, 32 lists to a
    chunk also held 150 MB here at 10,000 articles). Made as they are asked for: all of
    them made first took 27 MB of the builder's peak at 100,000 articles."""
    pages: list[Resource] = []
    for resource in resources:
        if urls.is_article_page(resource.path):
            pages.append(resource)
            if len(pages) == _CHUNK:
                yield pages
                pages = []
            continue
        if pages:
            yield pages
            pages = []
        yield [resource]
    if pages:
        yield pages


def _done(
    chunk: list[Resource],
    theirs: Future[list[Staged]] | None,
    stage: Stage,
    olds: Mapping[str, Written],
) -> Iterator[tuple[Resource, Staged]]:
    """A chunk's resources with their files staged: here, or by another process."""
    if theirs is None:
        return ((resource, _staged(resource, stage, olds)) for resource in chunk)
    return zip(chunk, theirs.result(), strict=True)


def _staged(resource: Resource, stage: Stage, olds: Mapping[str, Written]) -> Staged:
    name = urls.file_name(resource.path)
    return stage(name, resource.render(), resource.key, olds.get(name))


# What this process renders from, set by _start_worker; the site is made at the first
# chunk, so that an error reaches the build as that chunk's (an initializer's error would
# only break the pool).
_setting: tuple[Config, list[tuple[str, str]], datetime, Path] | None = None


def _start_worker(config: Config, files: list[tuple[str, str]], now: datetime, cache: Path) -> None:
    global _setting
    _setting = (config, files, now, cache)


@functools.cache
def _site() -> tuple[Site, dict[str, Entry]]:
    """This process's site, and the entry of each of its article pages."""
    assert _setting is not None, "_start_worker runs first in every worker"
    config, files, now, cache = _setting
    stored = StoredEntries(cache)
    # No page shows the problems: the builder's report has them.
    site = build_site(config, Loaded(tuple(stored.entries(files)), ()), now, stored)
    return site, {urls.article_page(entry.slug): entry for entry in site.catalog.entries}


def _stage(stage: Stage, paths_olds: list[tuple[str, Written | None]]) -> list[Staged]:
    """The files of these paths staged, each from its last record, if any."""
    site, pages = _site()
    olds = {urls.file_name(path): old for path, old in paths_olds if old is not None}
    resources = (site.lists.get(path) or site.article(pages[path]) for path, _ in paths_olds)
    return [_staged(resource, stage, olds) for resource in resources]
