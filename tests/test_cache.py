"""The entry cache: a rebuild reads and parses only what changed, and never trusts a bad cache."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds import loader
from feeds.cache import ABANDONED_AFTER, FOLDER, cache_file, read_cache
from feeds.loader import Loaded, load, load_cached
from tests.conftest import CONFIG, Site, front_matter
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
def archive(site: Site) -> Site:
    """Twenty stories, loaded once with the cache: enough that a few edits are "few"."""
    for number in range(1, 21):
        site.write(f"story-{number}.md", article(f"Story {number}", number % 28 + 1))
    load_cached(site.config())
    return site


@pytest.fixture
def newsroom(site: Site) -> Site:
    for number in range(1, 9):
        site.write(f"story-{number}.md", article(f"Story {number}", number))
    site.write("broken.md", "no front matter here\n")
    return site


def outcomes(loaded: Loaded) -> tuple[object, ...]:
    return loaded.entries, sorted(map(str, loaded.problems))


def test_a_second_load_parses_nothing_and_gives_the_same_result(
    newsroom: Site, parsed: list[str]
) -> None:
    first = load_cached(newsroom.config())
    assert len(parsed) == 9
    parsed.clear()
    again = load_cached(newsroom.config())
    assert parsed == []
    assert outcomes(again) == outcomes(first) == outcomes(newsroom.load())
    assert len(again.entries) == 8
    assert [str(problem).split(":")[0] for problem in again.problems] == ["articles/broken.md"]


def test_an_edit_parses_that_file_only(newsroom: Site, parsed: list[str]) -> None:
    load_cached(newsroom.config())
    parsed.clear()
    newsroom.write("story-3.md", article("Story three, corrected", 3))
    loaded = load_cached(newsroom.config())
    assert parsed == ["articles/story-3.md"]
    titles = {entry.source: entry.title for entry in loaded.entries}
    assert titles["articles/story-3.md"] == "Story three, corrected"
    assert outcomes(loaded) == outcomes(newsroom.load())


def test_a_touched_file_is_read_but_not_parsed(newsroom: Site, parsed: list[str]) -> None:
    load_cached(newsroom.config())
    parsed.clear()
    path = newsroom.articles / "story-2.md"
    os.utime(path, ns=(1, 1_000_000_000))
    loaded = load_cached(newsroom.config())
    assert parsed == []
    assert outcomes(loaded) == outcomes(newsroom.load())
    record = read_cache(newsroom.config()).records["articles/story-2.md"]
    assert record.signature is not None and record.signature[0] == 1_000_000_000


def test_added_and_removed_files_are_followed(newsroom: Site, parsed: list[str]) -> None:
    load_cached(newsroom.config())
    parsed.clear()
    (newsroom.articles / "story-1.md").unlink()
    newsroom.write("story-9.md", article("Story 9", 9))
    loaded = load_cached(newsroom.config())
    assert parsed == ["articles/story-9.md"]
    assert outcomes(loaded) == outcomes(newsroom.load())
    records = read_cache(newsroom.config()).records
    assert "articles/story-1.md" not in records
    assert "articles/story-9.md" in records


def test_a_changed_setting_parses_everything_again(newsroom: Site, parsed: list[str]) -> None:
    load_cached(newsroom.config())
    parsed.clear()
    config = newsroom.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace('"Desk"', '"News desk"'), "utf-8")
    loaded = load_cached(newsroom.config())
    assert len(parsed) == 9
    assert {entry.author for entry in loaded.entries} == {"News desk"}


def test_few_changes_go_to_the_journal_many_rewrite_the_cache(
    archive: Site, parsed: list[str]
) -> None:
    site = archive
    journal = cache_file(site.config()).with_suffix(".journal")
    base = cache_file(site.config()).read_bytes()
    site.write("story-5.md", article("Story five", 5))
    load_cached(site.config())
    assert journal.is_file()
    assert cache_file(site.config()).read_bytes() == base
    assert read_cache(site.config()).records["articles/story-5.md"].outcome.title == "Story five"  # type: ignore[union-attr]
    for number in range(1, 11):
        site.write(f"story-{number}.md", article(f"Story {number}, again", number))
    parsed.clear()
    loaded = load_cached(site.config())
    assert len(parsed) == 10
    assert not journal.exists()
    parsed.clear()
    assert outcomes(load_cached(site.config())) == outcomes(loaded)
    assert parsed == []
    assert outcomes(loaded) == outcomes(site.load())


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"not a pickle at all",
        lambda data: data[:40] + bytes(64) + data[104:],
    ],
    ids=["empty", "truncated", "garbage", "overwritten"],
)
def test_a_damaged_cache_is_ignored(newsroom: Site, parsed: list[str], damage: object) -> None:
    load_cached(newsroom.config())
    path = cache_file(newsroom.config())
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    parsed.clear()
    loaded = load_cached(newsroom.config())
    assert len(parsed) == 9
    assert outcomes(loaded) == outcomes(newsroom.load())


def test_a_journal_cut_short_keeps_the_changes_before_the_cut(
    archive: Site, parsed: list[str]
) -> None:
    site = archive
    site.write("story-1.md", article("First edit", 1))
    load_cached(site.config())
    site.write("story-2.md", article("Second edit", 2))
    load_cached(site.config())
    journal = cache_file(site.config()).with_suffix(".journal")
    journal.write_bytes(journal.read_bytes()[:-10])
    parsed.clear()
    loaded = load_cached(site.config())
    assert parsed == ["articles/story-2.md"]
    assert outcomes(loaded) == outcomes(site.load())


def test_a_cache_folder_that_cannot_be_written_is_no_cache(
    newsroom: Site, parsed: list[str]
) -> None:
    (newsroom.root / FOLDER).write_text("a file where the folder would be", "utf-8")
    first = load_cached(newsroom.config())
    parsed.clear()
    assert outcomes(load_cached(newsroom.config())) == outcomes(first)
    assert len(parsed) == 9


def test_a_symlinked_article_is_read_every_time(newsroom: Site, parsed: list[str]) -> None:
    target = newsroom.write("archive/original.md", article("Linked story", 12))
    (newsroom.articles / "linked.md").symlink_to(target)
    load_cached(newsroom.config())
    target.write_text(article("Linked story, changed", 12), "utf-8")
    parsed.clear()
    loaded = load_cached(newsroom.config())
    titles = {entry.source: entry.title for entry in loaded.entries}
    assert titles["articles/linked.md"] == "Linked story, changed"
    assert "articles/linked.md" in parsed


def test_files_that_cannot_be_read_are_reported_not_cached_in_the_pool_too(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    os.mkfifo(newsroom.articles / "pipe.md")
    newsroom.write("huge.md", article("Huge", 3, "x" * (loader.MAX_BYTES + 1)))
    loaded = load_cached(newsroom.config(), workers=2)
    problems = sorted(map(str, loaded.problems))
    assert problems[1:] == [
        "articles/huge.md:1: file is 5.0 MB; an article may be at most 5 MB",
        "articles/pipe.md:1: not a regular file (a pipe or device?); remove it",
    ]
    assert len(loaded.entries) == 8
    cached = read_cache(newsroom.config()).records
    assert "articles/broken.md" in cached  # rejected after reading: cached with its digest
    assert "articles/huge.md" not in cached
    assert "articles/pipe.md" not in cached


def test_a_process_pool_gives_the_same_entries(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loader, "PARALLEL_FROM", 2)
    pooled = load(newsroom.config(), workers=2)
    assert outcomes(pooled) == outcomes(newsroom.load())
    assert [record.fingerprint for record in pooled.cache.records.values()] == [
        record.fingerprint for record in newsroom.load().cache.records.values()
    ]


def _rewrite_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Change bytes of `path` without replacing the file, as a disk fault or an editor would."""
    data = path.read_bytes()
    assert data.count(old) == 1
    with path.open("r+b") as handle:
        handle.seek(data.index(old))
        handle.write(new)


def test_a_cached_body_is_read_on_first_use_not_when_the_cache_is(newsroom: Site) -> None:
    newsroom.write("marked.md", article("Marked", 9, "The lead.\n\nThen QZX BEFORE.\n"))
    load_cached(newsroom.config())
    cached = {entry.source: entry for entry in load_cached(newsroom.config()).entries}
    _rewrite_in_place(cache_file(newsroom.config()), b"BEFORE", b"AFTERS")
    assert cached["articles/marked.md"].body_html == "<p>The lead.</p>\n<p>Then QZX AFTERS.</p>\n"
    assert cached["articles/story-1.md"].body_html == "<p>Some body text.</p>\n"


def test_a_damaged_cached_body_is_one_clear_error_until_the_cache_is_deleted(
    newsroom: Site,
) -> None:
    newsroom.write("marked.md", article("Marked", 9, "The lead.\n\nThen QZX here.\n"))
    config = newsroom.root / "config.toml"
    assert run_main("build", "--config", str(config)).code == 0
    path = cache_file(newsroom.config())
    _rewrite_in_place(path, b"QZX", b"\xff\xfe\xfd")
    fresh = ("build", "--config", str(config), "--out", str(newsroom.root / "fresh"))
    run = run_main(*fresh)
    assert run.code == 2
    assert run.stderr[-1] == f"feeds: {path}: the entry cache is damaged; delete it and run again"
    path.unlink()
    assert run_main(*fresh).code == 0


def test_a_killed_cache_write_leaves_a_file_that_a_later_write_removes(newsroom: Site) -> None:
    config = newsroom.config()
    load_cached(config)
    folder = cache_file(config).parent
    old, fresh = folder / ".entries.pickle.k2j3x9_a.tmp", folder / ".entries.pickle.z8y7w6_b.tmp"
    for left in (old, fresh):
        left.write_bytes(b"half a cache")
    hours_ago = time.time() - ABANDONED_AFTER - 60
    os.utime(old, (hours_ago, hours_ago))
    newsroom.configure(CONFIG.replace("Test Wire", "Test Wire 2"))  # a new salt: a new file
    load_cached(newsroom.config())
    assert not old.exists()
    assert fresh.exists()  # maybe another process's write in progress
