"""Rendering the resources a build writes: shared with processes, one per CPU beside this
one, when there are many (a cold build of 10,000 articles renders 11,000 files, most of
its time).

Each process reads the loaded entries from the entry cache on disk, named by their files
and the digests of those files' bytes (pickling 100,000 entries to hand them over took
186 MB in this process), makes the site map again from them (the same site, by
construction) and reads bodies from the cache too; this process renders its own share
meanwhile, and the bytes come in the site's order, so the writer still publishes in that
order.
"""

from __future__ import annotations

import functools
import multiprocessing
from collections.abc import Collection, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from feeds import urls
from feeds.config import Config
from feeds.loader import Loaded
from feeds.model import Entry
from feeds.site import Resource, Site, build_site
from feeds.store import EntryStore, StoredEntries

# Below this many files, starting the processes (each makes the site map) costs more.
IN_PROCESSES_FROM = 1_000
_CHUNK = 32  # article pages
_AHEAD = 8  # chunks


def rendered(
    site: Site, paths: Collection[str], now: datetime, workers: int, store: EntryStore
) -> Iterator[tuple[Resource, bytes]]:
    """Each resource of `paths`, in the site's order, with its bytes; shared with
    `workers` - 1 processes when there are IN_PROCESSES_FROM or more and `store`, the
    entry cache the site was loaded with, is on disk."""
    if workers < 2 or store.file is None or len(paths) < IN_PROCESSES_FROM:
        yield from ((resource, resource.render()) for resource in site.only(paths))
        return
    # The article pages come first, _CHUNK to a chunk (a few KB each); then each list is a
    # chunk of its own: a feed archive shows whole bodies (half a MB or more), and with 32
    # to a chunk, the chunks waiting here held 150 MB at 10,000 articles.
    resources = list(site.only(paths))
    pages = sum(1 for resource in resources if urls.is_article_page(resource.path))
    chunks = [resources[start : start + _CHUNK] for start in range(0, pages, _CHUNK)]
    chunks += [[resource] for resource in resources[pages:]]
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
        theirs: dict[int, Future[list[bytes]]] = {}
        asked = 0  # chunks handed out so far, every workers-th one kept for this process
        for number, chunk in enumerate(chunks):
            # A few chunks ahead: the others stay busy, and few rendered bytes wait here.
            for ahead in range(asked, min(len(chunks), number + _AHEAD)):
                if ahead % workers:
                    paths_of = [resource.path for resource in chunks[ahead]]
                    theirs[ahead] = pool.submit(_render, paths_of)
                asked = ahead + 1
            done = theirs.pop(number, None)
            data = [resource.render() for resource in chunk] if done is None else done.result()
            yield from zip(chunk, data, strict=True)


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


def _render(paths: list[str]) -> list[bytes]:
    site, pages = _site()
    return [
        (site.lists[path] if path in site.lists else site.article(pages[path])).render()
        for path in paths
    ]
