"""Rebuilds as the server's builder makes them (the entry cache kept open, the last build
given as `previous`) write the very files of a fresh build, and say exactly what changed."""

from __future__ import annotations

import gzip
import shutil
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from feeds import engine, loader, rendering, urls
from feeds.config import Config, load_config
from feeds.engine import GONE
from feeds.loader import Loaded, load
from feeds.manifest import MANIFEST
from feeds.render import sitemaps
from feeds.site import build_site
from feeds.store import FOLDER, ChangedCacheError, EntryStore
from tests.historyfixtures import FIRST_DAY, article, write_article, write_site
from tests.readers.agencyfixtures import FIXTURES
from tests.sitefixtures import site_at, tree

NOW = FIRST_DAY + timedelta(days=60)
SOON = NOW + timedelta(hours=1)


def _site_files(out: Path) -> dict[str, bytes]:
    """The site's files in `out`: not the manifest, the tombstones or the gzip siblings."""
    return {
        name: data
        for name, data in tree(out).items()
        if name != MANIFEST and not name.startswith(GONE + "/") and not name.endswith(".gz")
    }


def _edit_newest(root: Path) -> None:
    write_article(root, 30, "The newest dispatch, told again.")


def _edit_oldest(root: Path) -> None:
    write_article(root, 1, "The first dispatch, corrected.")


def _add_older_than_all(root: Path) -> None:
    write_article(root, 0)  # every archive document shifts by one


def _remove_one(root: Path) -> None:
    (root / "articles" / "dispatch-0012.md").unlink()


def _remove_many(root: Path) -> None:
    for number in range(13, 22):  # archive documents and a sitemap go too
        (root / "articles" / f"dispatch-{number:04d}.md").unlink()


def _move_to_another_topic(root: Path) -> None:
    text = article(7).replace("topics: [rail]", "topics: [harbour]")
    (root / "articles" / "dispatch-0007.md").write_text(text, "utf-8")


def _embargo_until_soon(root: Path) -> None:
    text = f"---\ntitle: Held an hour\ndate: {SOON.isoformat()}\ntopics: [rail]\n---\nSoon.\n"
    (root / "articles" / "held-an-hour.md").write_text(text, "utf-8")


def _summarise(root: Path) -> None:
    """A summary given to an article: its body, title and dates stay."""
    text = article(9).replace("\ntopics:", "\nsummary: The ninth, in a line.\ntopics:")
    (root / "articles" / "dispatch-0009.md").write_text(text, "utf-8")


def _touch_only(root: Path) -> None:
    (root / "articles" / "dispatch-0005.md").touch()


# Each step: a change to the site, and the moment the build runs.
STEPS: list[tuple[Callable[[Path], None], datetime]] = [
    (_edit_newest, NOW),
    (_edit_oldest, NOW),
    (_add_older_than_all, NOW),
    (_remove_one, NOW),
    (_remove_many, NOW),
    (_move_to_another_topic, NOW),
    (_embargo_until_soon, NOW),
    (_summarise, NOW),
    (_touch_only, SOON + timedelta(minutes=1)),  # the embargo lifted: no file changed
]


@pytest.mark.parametrize("workers", [1, 2], ids=["in-one-process", "in-processes"])
def test_each_rebuild_from_the_last_one_writes_what_a_fresh_build_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """In processes, each one stages the files it renders (the unchanged among them too, and
    their gzip siblings), from the records of the last build."""
    if workers == 1:  # a patch the render processes, spawned, would not see
        monkeypatch.setattr(sitemaps, "MAX_URLS", 7)  # several sitemaps, so that they shift
    monkeypatch.setattr(rendering, "IN_PROCESSES_FROM", 2)
    monkeypatch.setattr(rendering, "_CHUNK", 2)
    root = tmp_path / "site"
    config = load_config(write_site(root, 30, archive_size=4))
    out = tmp_path / "out"
    with closing(EntryStore(config)) as store:
        last = engine.build(config, out, NOW, store=store, gzipped=True, workers=workers)
        for number, (change, now) in enumerate(STEPS):
            before = _site_files(out)
            change(root)
            done = engine.build(
                config, out, now, store=store, previous=last, gzipped=True, workers=workers
            )
            files = tree(out)
            assert not [name for name in files if name.endswith(".tmp")]
            after = _site_files(out)
            assert all(gzip.decompress(files[f"{name}.gz"]) == data for name, data in after.items())
            assert after == _site_files(_fresh(config, tmp_path / f"{number}", now))
            named = {
                kind: {urls.file_name(path) for path in paths}
                for kind, paths in (
                    ("added", done.changes.added),
                    ("changed", done.changes.changed),
                    ("removed", done.changes.removed),
                )
            }
            assert named == {
                "added": after.keys() - before.keys(),
                "changed": {
                    name for name in after.keys() & before.keys() if after[name] != before[name]
                },
                "removed": before.keys() - after.keys(),
            }, change.__name__
            last = done


def _fresh(config: Config, out: Path, now: datetime) -> Path:
    """A build as `feeds build` makes it in a new folder: no previous build, no open cache."""
    engine.build(config, out, now)
    return out


def test_a_previous_site_of_other_settings_changes_no_key(tmp_path: Path) -> None:
    root = tmp_path / "site"
    config_path = write_site(root, 12, archive_size=4)
    first = site_at(config_path, NOW)
    config_path.write_text(
        config_path.read_text("utf-8").replace("Quay Desk", "Quay Wire"), "utf-8"
    )
    config = load_config(config_path)
    with closing(EntryStore(config)) as store:
        loaded = load(config, store)
        alone = build_site(config, loaded, NOW, store)
        after_other = build_site(config, loaded, NOW, store, previous=first)
    keys = {resource.path: resource.key for resource in alone}
    assert keys == {resource.path: resource.key for resource in after_other}
    assert keys.keys() == {resource.path for resource in first}
    assert all(keys[resource.path] != resource.key for resource in first.lists.values())


@pytest.mark.parametrize("cache", ["on disk", "in memory"])
def test_rendering_in_processes_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str
) -> None:
    root = tmp_path / "site"
    config = load_config(write_site(root, 12, archive_size=4))
    _add_files_of_many_entries_and_rejected_ones(root)
    alone = tmp_path / "alone"
    engine.build(config, alone, NOW, workers=1)
    if cache == "in memory":  # a cache folder that cannot be made: no file to read bodies
        shutil.rmtree(root / FOLDER)
        (root / FOLDER).write_text("not a folder")
    pools: list[int] = []
    pool = rendering.ProcessPoolExecutor

    def counted(workers: int, **options: Any) -> ProcessPoolExecutor:
        pools.append(workers)
        return pool(workers, **options)

    monkeypatch.setattr(rendering, "ProcessPoolExecutor", counted)
    monkeypatch.setattr(rendering, "IN_PROCESSES_FROM", 2)
    monkeypatch.setattr(rendering, "_CHUNK", 2)  # many chunks: more than _AHEAD in flight
    together = tmp_path / "together"
    engine.build(config, together, NOW, workers=2)
    assert pools == ([1] if cache == "on disk" else [])
    assert _site_files(together) == _site_files(alone)
    assert b"first-story" in _site_files(together)[urls.file_name("/feeds/all.atom.xml")]


def test_a_cache_changed_by_another_build_meanwhile_stops_the_build_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "site"
    config = load_config(write_site(root, 12, archive_size=4))
    loaded_here = loader.load

    def and_another_build_meanwhile(config: Config, store: EntryStore, **options: Any) -> Loaded:
        loaded = loaded_here(config, store, **options)
        write_article(root, 3, body="Corrected by another build.")
        with closing(EntryStore(config)) as theirs:
            loaded_here(config, theirs)
        return loaded

    monkeypatch.setattr(loader, "load", and_another_build_meanwhile)
    monkeypatch.setattr(rendering, "IN_PROCESSES_FROM", 2)
    with pytest.raises(ChangedCacheError, match=r"^articles/dispatch-0003\.md: changed in the"):
        engine.build(config, tmp_path / "out", NOW, workers=2)


def _add_files_of_many_entries_and_rejected_ones(root: Path) -> None:
    """A message of two stories (dated within the site's days), a file that claims the slug
    of another, and one that cannot be read: the other processes must load what this one
    loads."""
    message = (FIXTURES / "g2-message-two-stories.xml").read_text(encoding="utf-8")
    message = message.replace("20250901T", "20250201T").replace("2025-09-01", "2025-02-01")
    articles = root / "articles"
    (articles / "two-stories.xml").write_text(message, encoding="utf-8")
    (articles / "zz-same-slug.md").write_text(
        article(1).replace("---\n", "---\nslug: dispatch-0001\n", 1), encoding="utf-8"
    )
    (articles / "broken.md").write_text("---\ntitle: [unclosed\n---\nBody.\n", encoding="utf-8")
