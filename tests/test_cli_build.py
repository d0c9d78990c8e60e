"""`feeds build`: exit codes, the lines on stderr, the same bytes whatever the machine."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds import loader, urls
from feeds.loader import load
from feeds.manifest import MANIFEST, Manifest
from tests.serverfixtures import article
from tests.sitefixtures import (
    ARTICLES,
    PUBLISHED,
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
    # The site's files: the manifest records when each was written, for Last-Modified.
    built = site_files(tmp_path / "a")
    assert len(built) > len(PUBLISHED)
    assert site_files(tmp_path / "b") == built
    assert site_files(tmp_path / "c") == built


def site_files(folder: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree(folder).items() if name != MANIFEST}


def test_an_unchanged_rebuild_loads_nothing_and_repeats_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_site(tmp_path, {**ARTICLES, "bad.md": "Just a note, no front matter.\n"})
    first = run_main("build", "--config", str(config))
    assert first.stderr[:-1] == [BAD]

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("articles loaded although nothing changed")

    monkeypatch.setattr(loader, "load", fail)
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
    assert site_files(tmp_path / "public") == expected
    assert summary(again.stderr[-1])["written"] == sum(
        built.get(name) != data for name, data in expected.items()
    )


def test_the_record_of_a_build_expires_when_the_next_embargo_lifts() -> None:
    manifest = Manifest(inputs="inputs", until="2025-09-01T08:00:00+00:00")
    assert manifest.still_holds("inputs", datetime(2025, 9, 1, 7, 59, 59, tzinfo=UTC), False)
    assert not manifest.still_holds("inputs", datetime(2025, 9, 1, 8, 0, tzinfo=UTC), False)
    assert not manifest.still_holds("other", datetime(2025, 9, 1, 7, 0, tzinfo=UTC), False)
    assert not manifest.still_holds(None, datetime(2025, 9, 1, 7, 0, tzinfo=UTC), False)
    assert not manifest.still_holds("inputs", datetime(2025, 9, 1, 7, 0, tzinfo=UTC), True)
    assert Manifest(inputs="inputs").still_holds("inputs", datetime.now(UTC), False)


def test_a_symlinked_article_means_a_real_build_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_site(tmp_path)
    (tmp_path / "articles" / "linked.md").symlink_to(next((tmp_path / "articles").rglob("*.md")))
    run_main("build", "--config", str(config))
    record = json.loads((tmp_path / "public" / MANIFEST).read_bytes())
    assert record["inputs"] is None  # its target may change unseen
    loads: list[object] = []
    monkeypatch.setattr(
        loader, "load", lambda *args, **kwargs: loads.append(args) or load(*args, **kwargs)
    )
    run_main("build", "--config", str(config))
    assert len(loads) == 1


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("how", ["missing", "a-file"])
def test_an_articles_folder_that_cannot_be_listed_is_an_error_and_the_site_stays(
    tmp_path: Path, command: str, how: str
) -> None:
    config = make_site(tmp_path)
    assert run_main("build", "--config", str(config)).code == 0
    before = tree(tmp_path / "public")
    articles = tmp_path / "articles"
    if how == "missing":
        articles.rename(tmp_path / "unmounted")
    elif how == "a-file":
        shutil.rmtree(articles)
        articles.write_text("not a folder", "utf-8")
    run = run_process(tmp_path, command, "--config", str(config))
    assert run.code == 2
    assert len(run.stderr) == 1
    assert run.stderr[0].startswith("feeds: ")
    assert "articles" in run.stderr[0]
    assert tree(tmp_path / "public") == before


def test_a_subfolder_that_cannot_be_listed_stops_the_build_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_site(tmp_path)
    assert run_main("build", "--config", str(config)).code == 0
    before = tree(tmp_path / "public")
    (tmp_path / "articles" / "extra.md").write_text(
        "---\ntitle: Extra\ndate: 2025-09-01T08:00:00Z\n---\nMore.\n", "utf-8"
    )
    walk = os.walk

    def denied(top: str, onerror: Callable[[OSError], None], **kwargs: object) -> object:
        onerror(PermissionError(13, "Permission denied", f"{top}/ukraine"))
        return walk(top, onerror=onerror)

    monkeypatch.setattr(os, "walk", denied)
    run = run_main("build", "--config", str(config))
    assert run.code == 2
    assert run.stderr == [
        f"feeds: {tmp_path}/articles/ukraine: cannot be read (Permission denied); check its "
        "permissions (nothing was published, so that its articles are not removed)"
    ]
    assert tree(tmp_path / "public") == before


def test_a_build_that_would_remove_most_articles_needs_force(tmp_path: Path) -> None:
    many = {
        f"story-{n:02d}.md": article(f"Story {n}", f"2025-09-01T08:{n:02d}:00Z") for n in range(30)
    }
    config = make_site(tmp_path, many)
    assert run_main("build", "--config", str(config)).code == 0
    before = tree(tmp_path / "public")
    for name in list(many)[3:]:
        (tmp_path / "articles" / name).unlink()
    refused = run_main("build", "--config", str(config))
    assert refused.code == 2
    assert refused.stderr == [
        f"feeds: {tmp_path}/articles: 3 of the 30 published articles are left; if that is "
        "right, run again with --force (nothing was changed)"
    ]
    assert tree(tmp_path / "public") == before
    forced = run_main("build", "--config", str(config), "--force")
    assert forced.code == 0
    assert summary(forced.stderr[-1])["removed"] == 27
