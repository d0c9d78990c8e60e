"""Finding the article files: a walk of the folder, or the last walk and the paths that
file events named since, which must give the same list."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from feeds.files import rescanned, scan
from tests.conftest import Site


def _lay_out(site: Site) -> None:
    for name in ("b.md", "a.txt", "z/deep/c.md", "m/d.xml", "m/n/e.json", "m/f.nitf"):
        site.write(name, f"for {name}\n")
    site.write(".hidden/g.md", "hidden folder\n")
    site.write("notes.doc", "not an article\n")
    (site.articles / "linked").symlink_to(site.articles / "m")  # os.walk does not enter it


def _edit(site: Site) -> list[Path]:
    return [site.write("m/d.xml", "edited, longer than before\n")]


def _add_in_order(site: Site) -> list[Path]:
    return [site.write(name, "new\n") for name in ("0.md", "m/a.md", "m/n/zz.md", "z/deep/a.md")]


def _remove(site: Site) -> list[Path]:
    (site.articles / "b.md").unlink()
    (site.articles / "m" / "n" / "e.json").unlink()
    return [site.articles / "b.md", site.articles / "m" / "n" / "e.json"]


def _rename(site: Site) -> list[Path]:
    (site.articles / "a.txt").rename(site.articles / "m" / "a.txt")
    return [site.articles / "a.txt", site.articles / "m" / "a.txt"]


def _not_articles(site: Site) -> list[Path]:
    paths = [site.write(".b.md.swp", "editor\n"), site.write("b.md~", "backup\n")]
    paths.append(site.write(".hidden/h.md", "hidden\n"))
    paths.append(site.write("m/new.md", "through the symlink\n"))
    (site.articles / "folder.md").mkdir()
    (site.articles / "to-folder.md").symlink_to(site.articles / "z")
    paths += [site.articles / "folder.md", site.articles / "to-folder.md"]
    return [*paths, site.articles / "linked" / "new.md", site.root / "config.toml"]


def _symlinked_article(site: Site) -> list[Path]:
    (site.articles / "link.md").symlink_to(site.articles / "b.md")
    return [site.articles / "link.md"]


@pytest.mark.parametrize(
    "change", [_edit, _add_in_order, _remove, _rename, _not_articles, _symlinked_article]
)
def test_the_last_walk_and_the_changed_paths_give_what_a_walk_gives(
    site: Site, change: Callable[[Site], list[Path]]
) -> None:
    _lay_out(site)
    config = site.config()
    before = list(scan(config))
    paths = [os.fspath(path) for path in change(site)]
    assert rescanned(config, before, paths) == list(scan(config))


def test_no_changed_path_gives_the_last_walk(site: Site) -> None:
    _lay_out(site)
    before = list(scan(site.config()))
    assert rescanned(site.config(), before, []) is before


def test_any_change_of_a_file_changes_its_signature_dated_before_1970_too(site: Site) -> None:
    article = site.write("old.md", "for old.md\n")
    os.utime(article, ns=(-86_400 * 10**9, -86_400 * 10**9))

    def signature() -> bytes | None:
        (found,) = [signature for _, _, signature in scan(site.config())]
        return found

    signatures = [signature()]
    os.utime(article, ns=(-86_400 * 10**9, -86_399 * 10**9))  # mtime
    signatures.append(signature())
    article.chmod(0o600)  # ctime
    signatures.append(signature())
    article.write_text("for old.md!\n", encoding="utf-8")  # size
    signatures.append(signature())
    replaced = article.with_name("new.tmp")
    replaced.write_text("for old.md?\n", encoding="utf-8")
    os.utime(replaced, ns=(-86_400 * 10**9, -86_399 * 10**9))
    replaced.replace(article)  # inode (and ctime)
    signatures.append(signature())
    assert None not in signatures
    assert len(set(signatures)) == len(signatures)
