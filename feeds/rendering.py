"""Rendering the resources a build writes: shared with processes, one per CPU beside this
one, when there are many (a cold build of 10,000 articles renders 11,000 files, most of
its time).

Each process makes the site map again from the loaded entries (the same site, by
construction) and reads bodies from the entry cache on disk; this process renders its own
share meanwhile, and the bytes come in the site's order, so the writer still publishes in
that order.
"""

from __future__ import annotations

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
from feeds.store import StoredBodies

# Below this many files, starting the processes (each makes the site map) costs more.
IN_PROCESSES_FROM = 1_000
_CHUNK = 32
_AHEAD = 8  # chunks


def rendered(
    site: Site, paths: Collection[str], now: datetime, workers: int, bodies: Path | None
) -> Iterator[tuple[Resource, bytes]]:
    """Each resource of `paths`, in the site's order, with its bytes; shared with
    `workers` - 1 processes when there are IN_PROCESSES_FROM or more and the entry cache is
    on disk (`bodies`, its file)."""
    if workers < 2 or bodies is None or len(paths) < IN_PROCESSES_FROM:
        yield from ((resource, resource.render()) for resource in site.only(paths))
        return
    resources = list(site.only(paths))
    chunks = [resources[start : start + _CHUNK] for start in range(0, len(resources), _CHUNK)]
    # spawn, as for parsing (feeds.loader): no fork of a process that may run threads.
    context = multiprocessing.get_context("spawn")
    setting = (site.config, site.loaded, now, bodies)
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


_site: Site | None = None
_pages: dict[str, Entry] = {}  # the entry of each article page of _site


def _start_worker(config: Config, loaded: Loaded, now: datetime, bodies: Path) -> None:
    global _site, _pages
    _site = build_site(config, loaded, now, StoredBodies(bodies))
    _pages = {urls.article_page(entry.slug): entry for entry in _site.catalog.entries}


def _render(paths: list[str]) -> list[bytes]:
    assert _site is not None, "_start_worker runs first in every worker"
    site = _site
    return [
        (site.lists[path] if path in site.lists else site.article(_pages[path])).render()
        for path in paths
    ]
