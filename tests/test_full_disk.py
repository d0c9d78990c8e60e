"""A full disk, on a real small file system: a tmpfs of a few hundred kilobytes mounted for
the test. Mounting needs root (CI runs as root); elsewhere the tests are skipped, and with
`CI` set they fail instead, like the end-to-end tests whose clients are missing.

`feeds build` into a folder on a full disk, and an entry cache on a full disk, each stop
with one line that says the disk is full and names the file; the rerun after space was
made publishes everything.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest

from feeds.store import FOLDER
from tests.sitefixtures import CONFIG, run_process, tree

DISK_FULL = "the disk is full (ENOSPC); free some space and {} again"
Mount = Callable[[int], Path]


def _skip_or_fail(message: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Mount]:
    """Mounts a tmpfs of `kilobytes` under tmp_path (unmounted at the end); needs root."""
    mounted: list[Path] = []

    def mount(kilobytes: int) -> Path:
        disk = tmp_path / f"disk-{len(mounted)}"
        disk.mkdir()
        if os.geteuid() != 0:
            _skip_or_fail("mounting a small tmpfs needs root (CI runs as root)")
        command = ["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k,mode=0755", "feeds-test"]
        done = subprocess.run([*command, str(disk)], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            _skip_or_fail(f"cannot mount a tmpfs: {done.stderr.strip()}")
        mounted.append(disk)
        return disk

    yield mount
    for disk in mounted:
        subprocess.run(["umount", "--lazy", str(disk)], check=True)


def resize(disk: Path, kilobytes: int) -> None:
    subprocess.run(["mount", "-o", f"remount,size={kilobytes}k", str(disk)], check=True)


def write_site(root: Path, count: int, start: int = 0) -> None:
    """config.toml and `count` articles of about 8 KB each (a long report, in our words)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "config.toml").write_text(CONFIG, "utf-8")
    for n in range(start, start + count):
        paragraphs = "\n\n".join(
            f"Paragraph {p} of report {n}: the harbour office counted {n * 31 + p} crossings, "
            f"{p * 7 + n} delays and {n + p} cancelled sailings in week {p + 1}."
            for p in range(60)
        )
        (root / "articles").mkdir(exist_ok=True)
        (root / "articles" / f"report-{n:03}.md").write_text(
            f"---\ntitle: Harbour report {n}\ndate: 2025-03-{n % 28 + 1:02}T08:00:00+01:00\n"
            f"---\n{paragraphs}\n",
            "utf-8",
        )


def fill(disk: Path, leave: int) -> Path:
    """A file that takes all the free space of `disk` but `leave` bytes."""
    status = os.statvfs(disk)
    free = status.f_bavail * status.f_frsize
    filler = disk / "filler"
    filler.write_bytes(b"\0" * max(0, free - leave))
    return filler


def published(out: Path) -> set[str]:
    """The slugs of the article pages in `out`."""
    return {page.parent.name for page in (out / "articles").glob("*/index.html")}


def titles(out: Path) -> list[str]:
    parsed = feedparser.parse((out / "feeds" / "all.atom.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return sorted(entry.title for entry in parsed.entries)


def test_a_build_onto_a_full_disk_names_the_file_that_did_not_fit(
    tmp_path: Path, small_disk: Mount
) -> None:
    site = tmp_path / "site"
    write_site(site, 30)
    disk = small_disk(256)  # the site needs about 1 MB: 30 pages and the full-text feeds
    out = disk / "public"
    run = run_process(site, "build", "--out", str(out))
    assert run.code == 2, run.stderr
    assert len(run.stderr) == 1, run.stderr
    ends = re.escape(": " + DISK_FULL.format("build"))
    match = re.fullmatch(rf"feeds: {re.escape(str(out))}/(?P<name>\S+){ends}", run.stderr[0])
    assert match, run.stderr
    name = match["name"]
    assert not Path(name).name.startswith("."), name  # the page or feed, not a temporary
    assert name.endswith((".html", ".xml", ".json", ".txt")), name
    assert not [path for path in tree(out) if path.endswith(".tmp")]
    resize(disk, 8192)
    rerun = run_process(site, "build", "--out", str(out))
    assert rerun.code == 0, rerun.stderr
    assert published(out) == {f"report-{n:03}" for n in range(30)}
    assert titles(out)  # the feeds parse


@pytest.mark.parametrize(
    "leave",
    [16 * 1024, 64 * 1024],
    # With 16 KB, SQLite finds no room for the index of its log (32 KB) when the cache opens;
    # with 64 KB, it opens and finds none for the new articles' bodies when it saves them.
    ids=["opening", "saving"],
)
def test_an_entry_cache_on_a_full_disk_is_named_and_the_output_untouched(
    tmp_path: Path, small_disk: Mount, leave: int
) -> None:
    disk = small_disk(1024)
    site = disk / "site"  # config.toml, the articles and the entry cache beside them
    out = tmp_path / "public"  # the output on another disk, with room
    write_site(site, 5)
    assert run_process(site, "build", "--out", str(out)).code == 0
    cache = site / FOLDER / "entries.sqlite3"
    assert cache.is_file()
    write_site(site, 30, start=5)  # about 240 KB of new articles: their bodies go in the cache
    built = tree(out)
    filler = fill(disk, leave)
    run = run_process(site, "build", "--out", str(out))
    assert run.code == 2, run.stderr
    assert run.stderr == [f"feeds: {cache}: {DISK_FULL.format('run')}"]
    assert tree(out) == built  # stopped before the site was written
    assert cache.is_file()  # kept for when there is room again
    filler.unlink()
    rerun = run_process(site, "build", "--out", str(out))
    assert rerun.code == 0, rerun.stderr
    assert published(out) == {f"report-{n:03}" for n in range(35)}
    assert titles(out)
