"""`feeds build`: exit codes, the lines on stderr, the same bytes whatever the machine."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

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
    built = tree(tmp_path / "a")
    assert len(built) > len(PUBLISHED)
    assert tree(tmp_path / "b") == built
    assert tree(tmp_path / "c") == built
