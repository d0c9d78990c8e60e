"""`feeds build`: exit codes, the lines on stderr, the same bytes whatever the machine."""

from __future__ import annotations

import gc
import os
import random
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds import cli, urls
from feeds.cache import FOLDER
from feeds.stamp import Stamp
from feeds.static import MANIFEST
from tests.serverfixtures import article
from tests.sitefixtures import (
    ARTICLES,
    PUBLISHED,
    TOPICS,
    make_site,
    run_main,
    run_process,
    site_at,
    tree,
)

SUMMARY = re.compile(
    r"published (?P<articles>\d+) articles? in (?P<topics>\d+) topics?, (?P<rejected>\d+) "
    r"rejected: (?P<written>\d+) files? written, (?P<removed>\d+) removed \(\d+\.\d\d s\)"
)
BAD = "articles/bad.md:1: no front matter; start the file with a '---' line, then title and date"


def summary(line: str) -> dict[str, int]:
    """The numbers of the summary line; fails if the line does not have its exact shape."""
    match = SUMMARY.fullmatch(line)
    assert match, line
    return {key: int(value) for key, value in match.groupdict().items()}


def test_build_writes_the_site_and_one_summary_line(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    run = run_main("build", "--config", str(config))
    files = len(list(site_at(config)))
    assert run.code == 0
    assert len(run.stderr) == 1
    assert summary(run.stderr[0]) == {
        "articles": len(PUBLISHED),
        "topics": 3,  # the topic without articles does not count
        "rejected": 0,
        "written": files,
        "removed": 0,
    }
    assert (tmp_path / "public" / "index.html").is_file()
    again = run_main("build", "--config", str(config))
    assert (again.code, summary(again.stderr[-1])["written"]) == (0, 0)


def test_out_overrides_the_configured_folder(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    run = run_main("build", "--config", str(config), "--out", str(tmp_path / "elsewhere"))
    assert run.code == 0
    assert (tmp_path / "elsewhere" / "feeds" / "all.atom.xml").is_file()
    assert not (tmp_path / "site" / "public").exists()


@pytest.mark.parametrize(("strict", "code"), [([], 0), (["--strict"], 1)])
def test_a_rejected_article_does_not_stop_the_build(
    tmp_path: Path, strict: list[str], code: int
) -> None:
    config = make_site(tmp_path, {**ARTICLES, "bad.md": "Just a note, no front matter.\n"})
    run = run_main("build", "--config", str(config), *strict)
    assert run.code == code
    assert run.stderr[:-1] == [BAD]
    numbers = summary(run.stderr[-1])
    assert (numbers["articles"], numbers["rejected"]) == (len(PUBLISHED), 1)
    assert (tmp_path / "public" / "articles" / "quotes" / "index.html").is_file()
    assert not (tmp_path / "public" / "articles" / "bad").exists()


def test_removed_articles_are_counted(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    run_main("build", "--config", str(config))
    (tmp_path / "articles" / "quotes.md").unlink()
    run = run_main("build", "--config", str(config))
    numbers = summary(run.stderr[-1])
    assert (numbers["articles"], numbers["removed"]) == (len(PUBLISHED) - 1, 1)
    assert not (tmp_path / "public" / "articles" / "quotes").exists()


def test_an_unwritable_output_folder_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    # Running as root, chmod would not stop the writes: a regular file makes mkdir fail.
    config = make_site(tmp_path / "site")
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder", "utf-8")
    run = run_main("build", "--config", str(config), "--out", str(blocker))
    assert run.code == 2
    assert len(run.stderr) == 1
    assert run.stderr[0].startswith(f"feeds: {blocker}: cannot write the site (")
    assert blocker.read_text("utf-8") == "not a folder"


def test_same_bytes_whatever_the_time_zone_locale_or_file_order(tmp_path: Path) -> None:
    """In-process and in child processes under other TZ and LC_ALL, with the articles written
    in another order (so other mtimes and directory order): byte-identical trees."""
    first = make_site(tmp_path / "first")
    order = list(ARTICLES)
    random.Random(4287).shuffle(order)
    assert order != list(ARTICLES)
    second = make_site(tmp_path / "second", order=order)
    assert run_main("build", "--config", str(first), "--out", str(tmp_path / "a")).code == 0
    runs = [
        run_process(
            tmp_path,
            "build",
            "--config",
            str(config),
            "--out",
            str(tmp_path / out),
            env=env,
        )
        for config, out, env in [
            (first, "b", {"TZ": "America/New_York", "LC_ALL": "C.UTF-8"}),
            (second, "c", {"TZ": "Asia/Tokyo"}),
        ]
    ]
    for run in runs:
        assert run.code == 0, run.stderr
        assert summary(run.stderr[-1])["articles"] == len(PUBLISHED)
    built = tree(tmp_path / "a")
    assert len(built) > len(PUBLISHED)
    assert tree(tmp_path / "b") == built
    assert tree(tmp_path / "c") == built


def test_an_unchanged_rebuild_loads_nothing_and_repeats_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_site(tmp_path, {**ARTICLES, "bad.md": "Just a note, no front matter.\n"})
    first = run_main("build", "--config", str(config))
    assert first.stderr[:-1] == [BAD]

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("articles loaded although nothing changed")

    monkeypatch.setattr(cli, "load_cached", fail)
    again = run_main("build", "--config", str(config), "--strict")
    assert again.code == 1
    assert again.stderr[:-1] == [BAD]
    assert summary(again.stderr[-1]) == {**summary(first.stderr[-1]), "written": 0}


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "public" / "index.html").unlink(),
        lambda root: (root / "public" / "feeds" / "all.json").write_text("{}", "utf-8"),
        lambda root: (root / "articles" / "extra.md").write_text(
            "---\ntitle: Extra\ndate: 2025-09-01T08:00:00Z\n---\nMore.\n", "utf-8"
        ),
        lambda root: os.utime(next((root / "articles").rglob("*.md")), ns=(1, 1)),
    ],
    ids=["output-deleted", "output-edited", "article-added", "article-touched"],
)
def test_any_change_of_input_or_output_means_a_real_build(
    tmp_path: Path, change: Callable[[Path], None]
) -> None:
    config = make_site(tmp_path)
    run_main("build", "--config", str(config))
    change(tmp_path)
    built = tree(tmp_path / "public")
    again = run_main("build", "--config", str(config))
    assert again.code == 0
    expected = {urls.file_name(resource.path): resource.render() for resource in site_at(config)}
    now = {name: data for name, data in tree(tmp_path / "public").items() if name != MANIFEST}
    assert now == expected
    assert summary(again.stderr[-1])["written"] == sum(
        built.get(name) != data for name, data in expected.items()
    )


def test_a_stamp_expires_when_the_next_embargo_lifts() -> None:
    stamp = Stamp("inputs", "2025-09-01T08:00:00+00:00", 3, 1, [])
    assert stamp.still_valid("inputs", datetime(2025, 9, 1, 7, 59, 59, tzinfo=UTC))
    assert not stamp.still_valid("inputs", datetime(2025, 9, 1, 8, 0, tzinfo=UTC))
    assert not stamp.still_valid("other", datetime(2025, 9, 1, 7, 0, tzinfo=UTC))
    assert not stamp.still_valid(None, datetime(2025, 9, 1, 7, 0, tzinfo=UTC))
    assert Stamp("inputs", None, 3, 1, []).still_valid("inputs", datetime.now(UTC))


def test_a_symlinked_article_means_no_stamp(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    (tmp_path / "articles" / "linked.md").symlink_to(next((tmp_path / "articles").rglob("*.md")))
    run_main("build", "--config", str(config))
    assert list((tmp_path / FOLDER).glob("build-*.json")) == []
    assert list((tmp_path / FOLDER).glob("entries.*")) != []


def _cyclic_garbage_of_a_cold_build(root: Path, articles: int) -> int:
    """Objects in reference cycles that `feeds build` leaves, the collector off meanwhile."""
    files = {
        f"story-{n:03d}.md": article(
            f"Story {n}",
            f"2025-0{1 + n % 9}-{1 + n % 28:02d}T10:00:00+02:00",
            extra=f"topics: [{TOPICS[n % len(TOPICS)]}]",
            body=f"Body of *story {n}*, with [a link](https://example.org/{n}).\n\n" * 5,
        )
        for n in range(articles)
    }
    config = make_site(root, files)
    gc.collect()
    gc.disable()
    try:
        assert run_main("build", "--config", str(config)).code == 0
        return gc.collect()
    finally:
        gc.enable()


def test_a_build_makes_no_reference_cycles_per_article(tmp_path: Path) -> None:
    """`feeds build` runs without the cyclic garbage collector (see feeds.cli.main): that
    is sound only while what it makes for each article is freed without it."""
    few = _cyclic_garbage_of_a_cold_build(tmp_path / "few", 15)
    many = _cyclic_garbage_of_a_cold_build(tmp_path / "many", 150)
    assert many - few < 30, (few, many)
