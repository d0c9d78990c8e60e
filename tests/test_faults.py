"""Faults: `feeds build` killed at random moments, an output folder it may not write, and a
real `feeds serve` answering without pause while hundreds of files change under it."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from feeds.engine import BUILDING, GONE
from feeds.manifest import MANIFEST
from feeds.store import FOLDER
from tests.conftest import CONFIG as SERVE_CONFIG
from tests.processfixtures import (
    child_environment,
    feeds_command,
    permissions_bind,
    run_feeds,
)
from tests.serverfixtures import Reply, Server, article, feed_titles, fetch, wait_for
from tests.sitefixtures import CONFIG, tree

ARTICLES = 150  # below the loader's PARALLEL_FROM: one process to kill, no pool left behind
KILLS = 6
# A temporary file of an atomic write (tempfile.mkstemp's name): `.index.html.k2j3x9_a.tmp`.
LEFTOVER = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


def corpus(edition: str, numbers: range) -> dict[str, str]:
    """Markdown articles whose every title and body name `edition`, in three topics."""
    return {
        f"articles/story-{n:03d}.md": article(
            f"Story {n} ({edition})",
            f"2025-0{1 + n % 9}-{1 + n % 28:02d}T{n % 24:02d}:00:00+02:00",
            extra=f"topics: [{('ukraine', 'economy', 'climate')[n % 3]}]",
            body=f"{edition} body of story {n}. " * 20,
        )
        for n in numbers
    }


OLD = corpus("old", range(ARTICLES))
NEW = corpus("new", range(20, ARTICLES + 20))  # every story edited, 20 gone, 20 added


def write_files(root: Path, files: dict[str, str]) -> None:
    """Make the articles folder hold exactly `files`."""
    shutil.rmtree(root / "articles", ignore_errors=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")


def build(root: Path, out: Path) -> None:
    run = run_feeds(root, "build", "--out", str(out), preexec=None)
    assert run.code == 0, run.stderr


def feeds_of(slug: str) -> list[str]:
    return [f"feeds/{slug}.{kind}" for kind in ("atom.xml", "rss.xml", "json")]


@dataclass(frozen=True, slots=True)
class Editions:
    """A site built with the OLD articles, edited to the NEW ones; both builds' files."""

    site: Path
    out: Path
    saved: Path  # the output and the entry cache as the old build left them
    old: dict[str, bytes]
    new: dict[str, bytes]
    loading: float = 0.0  # seconds a build of the new edition takes before its first write
    writing: float = 0.0  # and from then on

    def restore(self) -> None:
        """Back to the moment the new edition was saved: old output, old entry cache."""
        for folder, saved in ((self.out, "out"), (self.site / FOLDER, "cache")):
            shutil.rmtree(folder)
            shutil.copytree(self.saved / saved, folder)

    def start(self, command: list[str]) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command,
            cwd=self.site,
            env=child_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def first_write(self, process: subprocess.Popen[bytes]) -> None:
        """Wait until `process` marks the folder as being written: it writes files next."""
        marker = self.out / BUILDING
        wait_for(lambda: process.poll() is not None or marker.exists(), 30, 0.001)

    def timed(self) -> Editions:
        """These editions with the phases of a build of the new edition over the old timed."""
        self.restore()
        started = time.monotonic()
        with self.start(feeds_command("build", "--out", str(self.out))) as process:
            self.first_write(process)
            writing = time.monotonic()
            assert process.wait() == 0
        return replace(self, loading=writing - started, writing=time.monotonic() - writing)

    def assert_old_or_new(self, when: object) -> None:
        """Every file is one build's complete version; the manifest is whole JSON; the only
        others are temporary files of an atomic write."""
        for name, data in tree(self.out).items():
            if name == MANIFEST:
                json.loads(data)
            elif name != BUILDING and not LEFTOVER.fullmatch(Path(name).name):
                assert data in (self.old.get(name), self.new.get(name)), (when, name)

    def is_mixed(self) -> bool:
        """True if the output holds files of the old build and of the new one."""
        left = tree(self.out).items()
        kept = [name for name, data in left if data == self.old.get(name) != self.new.get(name)]
        made = [name for name, data in left if data == self.new.get(name) != self.old.get(name)]
        return bool(kept and made)

    def assert_rerun_builds_new(self, when: object) -> None:
        build(self.site, self.out)
        assert site_files(self.out) == site_files_of(self.new), when


def site_files_of(files: dict[str, bytes]) -> dict[str, bytes]:
    """The files of the site: not the manifest, whose records say when each file was written."""
    return {name: data for name, data in files.items() if name != MANIFEST}


def site_files(out: Path) -> dict[str, bytes]:
    return site_files_of(tree(out))


@pytest.fixture
def editions(tmp_path: Path) -> Editions:
    site, out, saved = tmp_path / "site", tmp_path / "out", tmp_path / "saved"
    site.mkdir()
    (site / "config.toml").write_text(CONFIG, "utf-8")
    write_files(site, OLD)
    build(site, out)
    old = tree(out)
    shutil.copytree(out, saved / "out")
    shutil.copytree(site / FOLDER, saved / "cache")
    write_files(site, NEW)
    build(site, out)
    result = Editions(site, out, saved, old, tree(out))
    unchanged = {name for name in old.keys() & result.new.keys() if old[name] == result.new[name]}
    assert unchanged <= {
        "opml.xml",
        "topics/sport/index.html",
        "404.html",
        "410.html",
        "robots.txt",
        "news-sitemap.xml",  # both editions are older than its 48 hours
        *feeds_of("sport"),
    }
    return result


def test_a_build_killed_at_random_moments_leaves_old_or_new_files_and_a_rerun_completes(
    editions: Editions,
) -> None:
    """Half the kills at any moment (starting, loading, writing the entry cache), half while
    it writes the site; whenever it dies, the next build completes the new edition."""
    editions = editions.timed()
    seeded = random.Random(7)
    moments = [(False, seeded.uniform(0, editions.loading)) for _ in range(KILLS // 2)]
    moments += [(True, seeded.uniform(0, editions.writing)) for _ in range(KILLS // 2)]
    mixed = 0  # kills that left some old files and some new ones
    for writing, moment in moments:
        editions.restore()
        with editions.start(feeds_command("build", "--out", str(editions.out))) as process:
            if writing:
                editions.first_write(process)
            time.sleep(moment)
            process.send_signal(signal.SIGKILL)
        editions.assert_old_or_new(moment)
        mixed += editions.is_mixed()
        editions.assert_rerun_builds_new(moment)
    assert mixed, "no kill hit the build while it wrote the site"


# `feeds build OUT` that kills itself when about to rename a file into OUT for the Nth time:
# a temporary file written in full, not renamed yet; at random, a window too short to hit.
KILL_AT_RENAME = """\
import os, signal, sys
from feeds.cli import main

out, stop, renames = os.path.join(sys.argv[1], ""), int(sys.argv[2]), 0


def hook(event, args):
    global renames
    if event == "os.rename" and str(args[1]).startswith(out):
        renames += 1
        if renames == stop:
            os.kill(os.getpid(), signal.SIGKILL)


sys.addaudithook(hook)
main(["build", "--out", *sys.argv[1:2]])
"""


def test_a_build_killed_before_a_rename_leaves_a_temporary_file_the_rerun_removes(
    editions: Editions,
) -> None:
    # Each file the build changes is one rename (the markers of removed pages are not
    # renamed into place): kill it at one of them.
    changed = [
        name
        for name, data in editions.new.items()
        if editions.old.get(name) != data and not name.startswith(f"{GONE}/")
    ]
    for rename in sorted(random.Random(11).sample(range(1, len(changed)), KILLS // 2)):
        editions.restore()
        command = [sys.executable, "-c", KILL_AT_RENAME, str(editions.out), str(rename)]
        with editions.start(command) as process:
            assert process.wait() == -signal.SIGKILL
        left = [name for name in tree(editions.out) if LEFTOVER.fullmatch(Path(name).name)]
        assert len(left) == 1, (rename, left)
        editions.assert_old_or_new(rename)
        editions.assert_rerun_builds_new(rename)


@pytest.mark.parametrize("existing", [True, False], ids=["over-a-build", "new-folder"])
def test_an_unwritable_output_folder_is_one_clear_error(tmp_path: Path, existing: bool) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "config.toml").write_text(CONFIG, "utf-8")
    write_files(site, corpus("only", range(3)))
    locked = tmp_path / "locked"
    out = locked / "public"
    locked.mkdir()
    if existing:
        build(site, out)
        (site / "articles" / "story-000.md").write_text(article("Edited", "2025-05-05"), "utf-8")
    before = tree(locked)
    folders = (locked, out) if existing else (locked,)
    for folder in folders:
        folder.chmod(0o555)
    try:
        binds = permissions_bind(folders[-1], os.W_OK)
        run = run_feeds(site, "build", "--out", str(out))
    finally:
        for folder in folders:
            folder.chmod(0o755)
    if not binds:  # root that could not drop its override: it may write, and does
        assert run.code == 0, run.stderr
        return
    assert (run.code, len(run.stderr)) == (2, 1), run.stderr
    assert re.fullmatch(
        rf"feeds: {re.escape(str(out))}: cannot write the site \(Permission denied\); "
        "check that the output folder is writable",
        run.stderr[0],
    ), run.stderr
    assert tree(locked) == before


FEEDS = ("/feeds/all.atom.xml", "/feeds/all.rss.xml", "/feeds/all.json", "/feeds/economy.atom.xml")
PAGES = ("/", "/topics/ukraine/")
CHANGES = 500


def assert_complete(path: str, reply: Reply) -> None:
    """A 200 with a whole body: a feed that parses cleanly, or a page that ends."""
    assert reply.status == 200, (path, reply.status)
    if path in PAGES:
        assert reply.body.rstrip().endswith(b"</html>"), path
    else:
        feed_titles(path, reply.body)  # feedparser without bozo; JSON Feed 1.1


def served_titles(port: int) -> list[str]:
    return feed_titles("all.json", fetch(port, "/feeds/all.json").body)


class Editor:
    """Adds, edits and deletes Markdown articles at random (seeded), remembering what is there."""

    def __init__(self, articles: Path, seed: int) -> None:
        self.articles = articles
        self.random = random.Random(seed)
        self.titles: dict[int, str] = {}  # article number to its current title
        self.added = 0

    def date(self, number: int) -> datetime:
        return datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=number)  # one date per story

    def write(self, number: int, title: str) -> None:
        self.titles[number] = title
        path = self.articles / f"story-{number:04d}.md"
        path.write_text(article(title, self.date(number), extra="topics: [economy]"), "utf-8")

    def change(self) -> None:
        """One change: add (or always, when few are left), edit, or delete an article."""
        roll = self.random.random()
        if roll < 0.4 or len(self.titles) < 20:
            self.added += 1
            self.write(self.added, f"Story {self.added}")
        elif roll < 0.8:
            number = self.random.choice(sorted(self.titles))
            self.write(number, f"Story {number}, edit {self.random.randrange(10**6)}")
        else:
            number = self.random.choice(sorted(self.titles))
            del self.titles[number]
            (self.articles / f"story-{number:04d}.md").unlink()

    def newest(self, count: int) -> list[str]:
        return [self.titles[n] for n in sorted(self.titles, reverse=True)[:count]]


def test_serve_answers_every_request_while_hundreds_of_files_change(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(SERVE_CONFIG, "utf-8")
    editor = Editor(tmp_path / "articles", seed=5)
    editor.articles.mkdir()
    for _ in range(60):
        editor.change()
    server = Server(config, workers=2)
    stop = threading.Event()
    failures: list[str] = []
    versions: set[bytes] = set()  # distinct bodies of the `all` Atom feed: reloads were seen

    def client(paths: tuple[str, ...]) -> None:
        while not stop.is_set():
            for path in paths:
                try:
                    reply = fetch(server.port, path)
                    assert_complete(path, reply)
                except Exception as exc:  # every failure counts, whatever it is
                    failures.append(f"{path}: {exc!r}")
                else:
                    if path == FEEDS[0]:
                        versions.add(reply.body)

    clients = [
        threading.Thread(target=client, args=(paths,)) for paths in (FEEDS, FEEDS[::-1], PAGES)
    ]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # the editor gets its turn between the clients' parsing
    try:
        for thread in clients:
            thread.start()
        for _ in range(CHANGES):
            editor.change()
            time.sleep(0.005)
        expected = editor.newest(50)
        wait_for(lambda: served_titles(server.port) == expected, timeout=15)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
        server.stop()
        sys.setswitchinterval(interval)
    assert failures == []
    assert len(versions) > 3  # the server reloaded while answering
