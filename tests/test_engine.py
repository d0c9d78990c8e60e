"""The engine: every path as a file, only changed files rewritten, stale files removed, and
what changed said as site paths."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from feeds import engine, urls
from feeds import site as site_module
from feeds.config import load_config
from feeds.engine import BUILDING, GONE, Changes, OutputError
from feeds.manifest import MANIFEST
from feeds.site import Resource, Site
from tests.sitefixtures import NOW, make_site, site_at, stamps, tree

FEEDS = ("atom.xml", "rss.xml", "json")


def feeds_of(*slugs: str) -> set[str]:
    return {f"feeds/{slug}.{suffix}" for slug in slugs for suffix in FEEDS}


def archives_of(*slugs: str) -> set[str]:
    """The one archive document (archive_size is 100 here) of each feed, in every format."""
    return {f"feeds/archive/{slug}/1.{suffix}" for slug in slugs for suffix in FEEDS}


def published_names(config: Path) -> dict[str, bytes]:
    """What the site at `config` must write: file name → bytes."""
    return {urls.file_name(r.path): r.render() for r in site_at(config)}


@dataclass(frozen=True, slots=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int


def build(
    config: Path, out: Path, progress: Callable[[int, int], None] | None = None
) -> WriteStats:
    done = engine.build(load_config(config), out, NOW, progress=progress)
    total = len(done.manifest.files)
    removed = len(done.changes.removed)
    return WriteStats(written=done.written, unchanged=total - done.written, removed=removed)


@pytest.fixture
def sites(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[[Site], Site]]]:
    """Changes the engine's next site maps go through, one per build."""
    changes: list[Callable[[Site], Site]] = []
    make = site_module.build_site

    def changed(*args: object) -> Site:
        site = make(*args)  # type: ignore[arg-type]
        return changes.pop(0)(site) if changes else site

    monkeypatch.setattr(site_module, "build_site", changed)
    yield changes


def files_of(out: Path) -> dict[str, bytes]:
    """The site's files in `out`: not the manifest, nor the tombstones of removed pages."""
    return {
        name: data
        for name, data in tree(out).items()
        if name != MANIFEST and not name.startswith(GONE + "/")
    }


def test_writes_every_resource_where_a_static_host_serves_it(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    expected = published_names(config)
    stats = build(config, out)
    files = tree(out)
    assert stats == WriteStats(written=len(expected), unchanged=0, removed=0)
    assert files_of(out) == expected
    assert "index.html" in files
    assert "articles/quotes/index.html" in files
    assert sorted(json.loads(files[MANIFEST])["files"]) == sorted(expected)
    assert {path.stat().st_mode & 0o777 for path in out.rglob("*") if path.is_file()} == {0o644}


def test_a_second_write_rewrites_nothing(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    first = build(config, out)
    before = stamps(out)
    assert build(config, out) == WriteStats(written=0, unchanged=first.written, removed=0)
    assert stamps(out) == before


def _retitle(text: str) -> str:
    return text.replace("laisse son taux directeur inchangé", "relève son taux directeur")


def _new_lead(text: str) -> str:
    return text.replace("deuxième journée", "troisième journée")


def _new_tag(text: str) -> str:
    return text.replace("tags: [ice, Alps]", "tags: [ice, Alps, melt]")


EDITS = [
    pytest.param(
        "bns-taux.txt",
        _retitle,
        # Its page, every page listing its title, the feeds it is in (its topic's and `all`)
        # and their archives.
        {"articles/bns-taux/index.html", "topics/economy/index.html", "index.html"}
        | {"topics/economy/archive/1/index.html"}
        | feeds_of("economy", "all")
        | archives_of("economy", "all"),
        id="title",
    ),
    pytest.param(
        "ukraine/istanbul-talks.txt",
        _new_lead,
        # The lead is the summary: its page and its topic's feeds; too old for `all`'s current
        # feeds, not for their archive.
        {"articles/istanbul-talks/index.html"}
        | feeds_of("ukraine")
        | archives_of("ukraine", "all"),
        id="lead-of-old-article",
    ),
    pytest.param(
        "features/glacier-retreat.md",
        _new_tag,
        {"articles/glacier-retreat/index.html"}
        | feeds_of("climate", "all")
        | archives_of("climate", "all"),
        id="tag",
    ),
]


@pytest.mark.parametrize(("name", "edit", "changed"), EDITS)
def test_an_edit_rewrites_only_what_shows_it(
    tmp_path: Path, name: str, edit: Callable[[str], str], changed: set[str]
) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    before_bytes, before_stamps = tree(out), stamps(out)
    article = config.parent / "articles" / name
    article.write_text(edit(article.read_text("utf-8")), "utf-8")
    stats = build(config, out)
    after_bytes, after_stamps = tree(out), stamps(out)
    assert after_bytes.keys() == before_bytes.keys()
    # The manifest records the new resource keys of what changed.
    assert {n for n in after_bytes if after_bytes[n] != before_bytes[n]} == changed | {MANIFEST}
    assert {n for n in after_stamps if after_stamps[n] != before_stamps[n]} == changed | {MANIFEST}
    assert (stats.written, stats.removed) == (len(changed), 0)


def test_a_removed_article_disappears_but_user_files_stay(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    user_files = {
        "humans.txt": b"Desk: the newsroom\n",
        "feeds/extra.xml": b"<x/>\n",
        "articles/istanbul-talks/notes.txt": b"kept by the editor\n",
    }
    for name, data in user_files.items():
        (out / name).write_bytes(data)
    for name in ("ukraine/port-drones.txt", "ukraine/istanbul-talks.txt"):
        (config.parent / "articles" / name).unlink()
    stats = build(config, out)
    # Both article pages, and the archives of the topic they leave empty (three feeds, a page).
    assert stats.removed == 6
    assert not (out / "articles" / "port-drones").exists()
    assert not (out / "articles" / "istanbul-talks" / "index.html").exists()
    files = tree(out)
    assert {name: files[name] for name in user_files} == user_files
    assert files_of(out) == {**published_names(config), **user_files}
    assert (out / GONE / "articles" / "port-drones" / "index.html").is_file()
    assert sorted(json.loads(files[MANIFEST])["files"]) == sorted(published_names(config))


def test_a_tampered_manifest_cannot_remove_files_outside(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", "utf-8")
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    manifest["files"] |= {"../victim.txt": None, str(victim): None}
    (out / MANIFEST).write_text(json.dumps(manifest), "utf-8")
    build(config, out)
    assert victim.read_text("utf-8") == "precious"


def _unrenderable(site: Site) -> Site:
    """The same site, except that rendering any resource fails the test."""

    def fail() -> bytes:
        raise AssertionError("rendered although its key and file are unchanged")

    return _each(site, lambda resource: resource._replace(render=fail))


def _each(site: Site, change: Callable[[Resource], Resource]) -> Site:
    """The same site with `change` applied to every resource."""
    lists = {path: change(resource) for path, resource in site.lists.items()}
    return replace(site, article=lambda entry: change(site.article(entry)), lists=lists)


def test_an_unchanged_rebuild_renders_nothing(
    tmp_path: Path, sites: list[Callable[[Site], Site]]
) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    first = build(config, out)
    (config.parent / "articles" / "quotes.md").touch()  # read again, not rendered
    sites.append(_unrenderable)
    assert build(config, out) == WriteStats(written=0, unchanged=first.written, removed=0)


def test_a_file_changed_in_the_output_is_rendered_again(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    page = out / "articles" / "quotes" / "index.html"
    original = page.read_bytes()
    page.write_bytes(b"edited by hand")
    assert build(config, out).written == 1
    assert page.read_bytes() == original


def _rekeyed(site: Site) -> Site:
    return _each(site, lambda resource: resource._replace(key=resource.key + "-new"))


def test_a_new_key_with_the_same_bytes_rewrites_no_file(
    tmp_path: Path, sites: list[Callable[[Site], Site]]
) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    before = stamps(out)
    article = config.parent / "articles" / "quotes.md"
    article.touch()
    sites.append(_rekeyed)
    stats = build(config, out)
    assert (stats.written, stats.unchanged) == (0, len(published_names(config)))
    assert {name: stamp for name, stamp in stamps(out).items() if name != MANIFEST} == {
        name: stamp for name, stamp in before.items() if name != MANIFEST
    }
    # The manifest now holds the new keys.
    article.touch()
    sites.append(lambda site: _unrenderable(_rekeyed(site)))
    assert build(config, out).written == 0


def test_an_unreadable_manifest_is_an_empty_one(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_text("{not json", "utf-8")
    assert build(config, out).written == len(published_names(config))


def test_no_temporary_file_is_left_behind(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    (config.parent / "articles" / "quotes.md").unlink()
    build(config, out)
    assert [path.name for path in out.rglob("*.tmp")] == []


@pytest.mark.parametrize(
    ("blocked", "reason"),
    [("", "File exists"), ("feeds", "Not a directory")],
    ids=["output-is-a-file", "feeds-is-a-file"],
)
def test_an_unwritable_output_is_one_clear_error(tmp_path: Path, blocked: str, reason: str) -> None:
    # As root, permissions do not stop writes: a file where a folder must be does.
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    in_the_way = out / blocked if blocked else out
    in_the_way.parent.mkdir(exist_ok=True)
    in_the_way.write_bytes(b"in the way")
    with pytest.raises(OutputError) as caught:
        build(config, out)
    assert re.fullmatch(
        rf"{re.escape(str(in_the_way))}(/[^:]+)?: cannot write the site \({reason}\); "
        "check that the output folder is writable",
        str(caught.value),
    )
    assert in_the_way.read_bytes() == b"in the way"


def test_progress_counts_every_file(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    calls: list[tuple[int, int]] = []
    build(config, tmp_path / "out", lambda done, total: calls.append((done, total)))
    total = len(published_names(config))
    assert calls == [(done, total) for done in range(1, total + 1)]


def _interrupted_after(site: Site, renders: int) -> Site:
    """The same site, except that the build is killed when it renders one more resource."""
    count = 0

    def wrap(render: Callable[[], bytes]) -> Callable[[], bytes]:
        def interrupted() -> bytes:
            nonlocal count
            count += 1
            if count > renders:
                raise KeyboardInterrupt
            return render()

        return interrupted

    return _each(site, lambda resource: resource._replace(render=wrap(resource.render)))


def test_after_an_interrupted_build_of_an_edit_its_revert_builds_right(
    tmp_path: Path, sites: list[Callable[[Site], Site]]
) -> None:
    """The edit's build dies after rewriting one file; the manifest must not vouch for it
    (the file's mtime is not the one it records)."""
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    build(config, out)
    original = files_of(out)
    article = config.parent / "articles" / "bns-taux.txt"
    text = article.read_text("utf-8")
    article.write_text(text.replace("taux", "TAUX"), "utf-8")  # same sizes, other bytes
    sites.append(lambda site: _interrupted_after(site, 1))
    with pytest.raises(KeyboardInterrupt):
        build(config, out)
    assert (out / BUILDING).exists()  # the next build knows it was interrupted
    assert files_of(out) != original  # one file of the edit was written
    article.write_text(text, "utf-8")
    build(config, out)
    assert files_of(out) == original
    assert not (out / BUILDING).exists()


def test_changes_name_the_paths_added_changed_and_removed(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    first = engine.build(load_config(config), out, NOW)
    assert set(first.changes.added) == {r.path for r in site_at(config)}
    assert first.changes.changed == first.changes.removed == ()
    articles = config.parent / "articles"
    (articles / "quotes.md").unlink()
    edited = articles / "bns-taux.txt"
    edited.write_text(_retitle(edited.read_text("utf-8")), "utf-8")
    second = engine.build(load_config(config), out, NOW)
    assert second.changes.added == ()
    assert second.changes.removed == ("/articles/quotes/",)
    assert "/articles/bns-taux/" in second.changes.changed
    assert "/feeds/economy.atom.xml" in second.changes.changed
    assert "/feeds/sport.atom.xml" not in second.changes.changed
    again = engine.build(load_config(config), out, NOW)
    assert again.changes == Changes()
    assert again.site is None  # nothing changed: not even loaded


def test_each_change_moves_last_modified_on_and_the_manifest_records_it(tmp_path: Path) -> None:
    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    engine.build(load_config(config), out, NOW)
    feed = out / "feeds" / "economy.atom.xml"
    first = int(feed.stat().st_mtime)
    assert first == int(NOW.timestamp())
    edited = config.parent / "articles" / "bns-taux.txt"
    edited.write_text(_retitle(edited.read_text("utf-8")), "utf-8")
    done = engine.build(load_config(config), out, NOW)  # the same second: one more anyway
    assert int(feed.stat().st_mtime) == first + 1
    assert done.manifest.files["feeds/economy.atom.xml"].mtime == first + 1


def test_gzipped_siblings_hold_the_same_bytes_compressed(tmp_path: Path) -> None:
    import gzip

    config = make_site(tmp_path / "site")
    out = tmp_path / "out"
    engine.build(load_config(config), out, NOW, gzipped=True)
    for name, data in published_names(config).items():
        assert gzip.decompress((out / f"{name}.gz").read_bytes()) == data
    engine.build(load_config(config), out, NOW)  # without: the siblings of rewritten files go
    assert (out / "index.html.gz").exists()
    (config.parent / "articles" / "quotes.md").unlink()
    engine.build(load_config(config), out, NOW)
    assert not (out / "articles" / "quotes" / "index.html.gz").exists()
