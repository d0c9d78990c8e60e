"""The entry cache: a rebuild reads and parses only what changed, and never trusts a bad cache."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from feeds import loader
from feeds.files import scan
from feeds.loader import Loaded, load
from feeds.model import Text
from feeds.store import FOLDER, ChangedCacheError, EntryStore, StoredEntries
from tests.conftest import Site, front_matter
from tests.sitefixtures import run_main


def article(title: str, day: int = 1, body: str = "Some body text.\n") -> str:
    return front_matter(f"title: {title}\ndate: 2025-09-{day:02d}T08:00:00+02:00", body)


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The shown path of every file the loader parses, in order."""
    calls: list[str] = []
    parse = loader._parse

    def spy(path: Path, shown: str, *rest: object) -> object:
        calls.append(shown)
        return parse(path, shown, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_parse", spy)
    yield calls


@pytest.fixture
def newsroom(site: Site) -> Site:
    for number in range(1, 9):
        site.write(f"story-{number}.md", article(f"Story {number}", number))
    site.write("broken.md", "no front matter here\n")
    return site


def cached(site: Site, workers: int = 1) -> Loaded:
    """A load with the site's entry cache, as `feeds build` makes it."""
    with closing(EntryStore(site.config())) as store:
        return load(site.config(), store, workers=workers)


def fresh(site: Site) -> Loaded:
    """A load from nothing: the cache deleted first."""
    shutil.rmtree(site.root / FOLDER, ignore_errors=True)
    return cached(site)


def outcomes(loaded: Loaded) -> tuple[object, ...]:
    return loaded.entries, sorted(map(str, loaded.problems))


def test_a_second_load_parses_nothing_and_gives_the_same_result(
    newsroom: Site, parsed: list[str]
) -> None:
    first = cached(newsroom)
    assert len(parsed) == 9
    parsed.clear()
    again = cached(newsroom)
    assert parsed == []
    assert outcomes(again) == outcomes(first) == outcomes(fresh(newsroom))
    assert len(again.entries) == 8
    assert [str(problem).split(":")[0] for problem in again.problems] == ["articles/broken.md"]


def test_an_edit_parses_that_file_only(newsroom: Site, parsed: list[str]) -> None:
    cached(newsroom)
    parsed.clear()
    newsroom.write("story-3.md", article("Story three, corrected", 3, "A new body.\n"))
    loaded = cached(newsroom)
    assert parsed == ["articles/story-3.md"]
    entries = {entry.source: entry for entry in loaded.entries}
    assert entries["articles/story-3.md"].title == "Story three, corrected"
    assert newsroom.body(entries["articles/story-3.md"]) == "<p>A new body.</p>\n"
    assert outcomes(loaded) == outcomes(fresh(newsroom))


def test_a_touched_file_is_read_but_not_parsed(newsroom: Site, parsed: list[str]) -> None:
    cached(newsroom)
    parsed.clear()
    path = newsroom.articles / "story-2.md"
    os.utime(path, ns=(1, 1_000_000_000))
    loaded = cached(newsroom)
    assert parsed == []
    record = EntryStore(newsroom.config()).records["articles/story-2.md"]
    now = {shown: signature for _, shown, signature in scan(newsroom.config())}
    assert record.signature == now["articles/story-2.md"] is not None
    assert outcomes(loaded) == outcomes(fresh(newsroom))


def test_added_and_removed_files_are_followed(newsroom: Site, parsed: list[str]) -> None:
    cached(newsroom)
    parsed.clear()
    (newsroom.articles / "story-1.md").unlink()
    newsroom.write("story-9.md", article("Story 9", 9))
    loaded = cached(newsroom)
    assert parsed == ["articles/story-9.md"]
    records = EntryStore(newsroom.config()).records
    assert "articles/story-1.md" not in records
    assert "articles/story-9.md" in records
    assert outcomes(loaded) == outcomes(fresh(newsroom))


def test_a_changed_setting_parses_everything_again(newsroom: Site, parsed: list[str]) -> None:
    cached(newsroom)
    parsed.clear()
    config = newsroom.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace('"Desk"', '"News desk"'), "utf-8")
    loaded = cached(newsroom)
    assert len(parsed) == 9
    assert {entry.author for entry in loaded.entries} == {"News desk"}


def test_a_cache_of_an_older_format_starts_empty_without_its_tables(
    newsroom: Site, parsed: list[str]
) -> None:
    cached(newsroom)
    with sqlite3.connect(newsroom.root / FOLDER / "entries.sqlite3") as database:
        database.execute("CREATE TABLE bodies (digest TEXT PRIMARY KEY, html TEXT NOT NULL)")
        database.execute("UPDATE meta SET value = '5:' || value WHERE name = 'salt'")
    parsed.clear()
    loaded = cached(newsroom)
    assert len(parsed) == 9
    assert outcomes(loaded) == outcomes(fresh(newsroom))
    with sqlite3.connect(newsroom.root / FOLDER / "entries.sqlite3") as database:
        tables = database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert sorted(name for (name,) in tables) == ["files", "meta", "texts"]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"not a database at all" * 100,
        lambda data: data[:40] + bytes(64) + data[104:],
    ],
    ids=["empty", "truncated", "garbage", "overwritten"],
)
def test_a_damaged_cache_is_ignored(newsroom: Site, parsed: list[str], damage: object) -> None:
    cached(newsroom)
    path = newsroom.root / FOLDER / "entries.sqlite3"
    for leftover in path.parent.glob("entries.sqlite3-*"):  # the write-ahead log, its index
        leftover.unlink()
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    parsed.clear()
    loaded = cached(newsroom)
    assert len(parsed) in {0, 9}  # an empty file is an empty cache; the rest is thrown away
    assert outcomes(loaded) == outcomes(fresh(newsroom))


def test_a_cache_folder_that_cannot_be_written_is_no_cache(
    newsroom: Site, parsed: list[str]
) -> None:
    (newsroom.root / FOLDER).write_text("a file where the folder would be", "utf-8")
    first = cached(newsroom)
    parsed.clear()
    assert outcomes(cached(newsroom)) == outcomes(first)
    assert len(parsed) == 9
    assert run_main("build", "--config", str(newsroom.root / "config.toml")).code == 0


def test_a_symlinked_article_is_read_every_time(newsroom: Site, parsed: list[str]) -> None:
    target = newsroom.write("archive/original.md", article("Linked story", 12))
    (newsroom.articles / "linked.md").symlink_to(target)
    cached(newsroom)
    target.write_text(article("Linked story, changed", 12), "utf-8")
    parsed.clear()
    loaded = cached(newsroom)
    titles = {entry.source: entry.title for entry in loaded.entries}
    assert titles["articles/linked.md"] == "Linked story, changed"
    assert "articles/linked.md" in parsed


def test_files_that_cannot_be_read_are_reported_not_cached_in_the_pool_too(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    os.mkfifo(newsroom.articles / "pipe.md")
    newsroom.write("huge.md", article("Huge", 3, "x" * (loader.MAX_BYTES + 1)))
    loaded = cached(newsroom, workers=2)
    problems = sorted(map(str, loaded.problems))
    assert problems[1:] == [
        "articles/huge.md:1: file is 5.0 MB; an article may be at most 5 MB",
        "articles/pipe.md:1: not a regular file (a pipe or device?); remove it",
    ]
    assert len(loaded.entries) == 8
    records = EntryStore(newsroom.config()).records
    assert "articles/broken.md" in records  # rejected after reading: cached with its digest
    assert "articles/huge.md" not in records
    assert "articles/pipe.md" not in records


def test_a_process_pool_gives_the_same_entries_and_texts(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    pooled = cached(newsroom, workers=2)
    texts = [newsroom.text(entry) for entry in pooled.entries]
    alone = fresh(newsroom)
    assert outcomes(pooled) == outcomes(alone)
    assert texts == [newsroom.text(entry) for entry in alone.entries]


def test_a_missing_text_is_one_clear_error_until_the_cache_is_deleted(newsroom: Site) -> None:
    newsroom.write("marked.md", article("Marked", 9, "The lead.\n\nThen QZX here.\n"))
    config = newsroom.root / "config.toml"
    assert run_main("build", "--config", str(config)).code == 0
    with sqlite3.connect(newsroom.root / FOLDER / "entries.sqlite3") as database:
        database.execute("DELETE FROM texts WHERE html LIKE '%QZX%'")
    again = ("build", "--config", str(config), "--out", str(newsroom.root / "again"))
    run = run_main(*again)
    assert run.code == 2
    assert run.stderr[-1] == (
        "feeds: .feeds-cache/entries.sqlite3: the entry cache lacks a text; "
        "delete the folder and run again"
    )
    shutil.rmtree(newsroom.root / FOLDER)
    assert run_main(*again).code == 0


def test_texts_no_file_holds_are_forgotten_once_they_outnumber_the_entries(
    newsroom: Site,
) -> None:
    for edit in range(20):
        newsroom.write("story-1.md", article("Story 1", 1, f"Body, version {edit}.\n"))
        cached(newsroom)
    with sqlite3.connect(newsroom.root / FOLDER / "entries.sqlite3") as database:
        (stored,) = database.execute("SELECT count(*) FROM texts").fetchone()
    assert stored <= 2 * 8 + 1
    loaded = cached(newsroom)
    assert [newsroom.body(e) for e in loaded.entries if e.source == "articles/story-1.md"] == [
        "<p>Body, version 19.</p>\n"
    ]


def test_entries_read_back_equal_and_share_what_many_hold_alike(newsroom: Site) -> None:
    for number in (2, 3):
        text = article(f"Story {number}", number).replace("\ndate:", "\ntags: [desk]\ndate:", 1)
        newsroom.write(f"story-{number}.md", text.replace("+02:00", "+05:30"))
    parsed = {entry.slug: entry for entry in cached(newsroom).entries}
    read = {entry.slug: entry for entry in cached(newsroom).entries}  # from the cache
    assert read == parsed
    two, three = read["story-2"], read["story-3"]
    assert two.published.utcoffset() == timedelta(hours=5, minutes=30)
    assert two.published.tzinfo is three.published.tzinfo
    assert two.language is three.language and two.tags[0] is three.tags[0]


@pytest.mark.parametrize("source", ["parsed in processes", "read from the cache"])
def test_a_file_s_shown_path_and_an_unchanged_date_are_held_once(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    if source == "read from the cache":
        cached(newsroom)
    config = newsroom.config()
    with closing(EntryStore(config)) as store:
        files = list(scan(config))
        entry = load(config, store, workers=2, files=files).entries[0]
        shown = next(shown for _, shown, _ in files if shown == entry.source)
        key = next(key for key in store.records if key == entry.source)
    assert entry.source is shown is key  # one string, not three at 100,000 files
    assert entry.updated is entry.published


def test_the_cache_names_its_file_and_none_when_in_memory(newsroom: Site) -> None:
    cached(newsroom)
    with closing(newsroom.store()) as store:
        unused = Text("Unused.", "<p>Unused.</p>")
        store.add_texts({f"{number:032d}": unused for number in range(40)})
        store.forget_unused_texts()  # with a temporary table beside the main database
        assert store.file == newsroom.root / FOLDER / "entries.sqlite3"
    shutil.rmtree(newsroom.root / FOLDER)
    (newsroom.root / FOLDER).write_text("a file where the folder goes")
    with closing(newsroom.store()) as store:
        assert store.file is None


def test_a_process_that_renders_reads_the_entries_loaded_or_stops(newsroom: Site) -> None:
    loaded = cached(newsroom)
    sources = dict.fromkeys(entry.source for entry in loaded.entries)
    with closing(newsroom.store()) as store:
        files = [(source, store.records[source].digest) for source in sources]
        assert store.file is not None
        stored = StoredEntries(store.file)
    assert tuple(stored.entries(files)) == loaded.entries
    newsroom.write("story-3.md", article("Story 3, corrected", 3))
    cached(newsroom)  # another build saved the edit meanwhile
    with pytest.raises(ChangedCacheError) as raised:
        list(stored.entries(files))
    assert str(raised.value) == (
        "articles/story-3.md: changed in the entry cache during the build (another build of "
        "this site?); build again"
    )
