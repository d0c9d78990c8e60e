"""The article files under articles_dir: found in sorted order, with their stat signatures.

Finding that nothing changed needs only this (and the manifest): no reader, no renderer.
"""

from __future__ import annotations

import os
import stat
import struct
from bisect import insort
from collections.abc import Iterable, Iterator
from pathlib import Path
from sys import intern

from feeds.config import Config
from feeds.errors import FeedsError
from feeds.store import Signature
from feeds.text import one_line

# The suffixes of article files (feeds.loader has a reader for each; the last three are
# agency documents, feeds.readers.agency).
SUFFIXES = frozenset({".txt", ".md", ".markdown", ".xml", ".nitf", ".json"})
# An article file's path, its path as problems show it, and its stat signature.
ScannedFile = tuple[str, str, Signature | None]
# The signature's numbers (mtimes may be negative, an inode above 2**63).
_SIGNATURE = struct.Struct("<qqqQ")


class ArticlesFolderError(FeedsError):
    """articles_dir, or a folder under it, is missing or cannot be read: never an empty site."""


def scan(config: Config) -> Iterator[ScannedFile]:
    """Each article file: its path, its path as shown, and its stat signature.

    The signature is None when the file is not a regular one (a symlink, whose target is
    checked on reading) or cannot be stat'ed; a file that vanished since the folder was
    listed is left out.
    """
    root = _root(config)
    for path in article_files(config.articles_dir):
        scanned = _scanned(path, root)
        if scanned is not None:
            yield scanned


def rescanned(config: Config, files: list[ScannedFile], paths: Iterable[str]) -> list[ScannedFile]:
    """What `scan` gives now, from `files` (what it gave before) and the `paths` that may
    have changed since (file events name them): each of those looked at again, in order.

    `paths` must name every file added, changed or removed since, and no folder may have
    been added, moved or removed: then stat'ing a few files stands for the whole walk.
    """
    root, top = _root(config), config.articles_dir
    now: dict[str, ScannedFile | None] = {}
    for path in paths:
        if Path(path).is_relative_to(top) and _walked(top, Path(path).relative_to(top)):
            now[path] = _scanned(path, root)
    if not now:
        return files
    kept = [scanned for scanned in files if scanned[0] not in now]
    for scanned in now.values():
        if scanned is not None:
            insort(kept, scanned, key=_walk_order)
    return kept


def _scanned(path: str, root: str) -> ScannedFile | None:
    """The file at `path` as scan gives it; None if it is gone or is a folder (os.walk
    counts a symlink to a folder as one)."""
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError:
        status = None
    if status is not None and (
        stat.S_ISDIR(status.st_mode) or (stat.S_ISLNK(status.st_mode) and os.path.isdir(path))  # noqa: PTH112
    ):
        return None
    signature: Signature | None = None
    if status is not None and stat.S_ISREG(status.st_mode):
        signature = _SIGNATURE.pack(
            status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino
        )
    return path, _relative(path, root), signature


def _walked(top: Path, relative: Path) -> bool:
    """Whether article_files finds the file at `relative` under `top`: an article file's
    name, in no hidden folder and none that is a symlink (os.walk does not follow them)."""
    folder = top
    for part in relative.parts[:-1]:
        folder /= part
        if part.startswith(".") or folder.is_symlink():
            return False
    return bool(relative.parts) and _is_article(relative.name)


def _walk_order(scanned: ScannedFile) -> tuple[tuple[str, ...], str]:
    """article_files' order: a folder's files by name, then its folders' by name, depth first."""
    *folders, name = Path(scanned[0]).parts
    return tuple(folders), name


def _is_article(name: str) -> bool:
    # Not os.path.splitext: at 100,000 files it took 0.35 s more.
    return name[0] != "." and name[name.rfind(".") :].lower() in SUFFIXES


def article_files(root: Path) -> Iterator[str]:
    """Article files under `root`, any depth, in sorted order; hidden files are skipped.

    Paths as strings: Path objects cost more than the rest of a cached load of 10,000 files.
    Raises ArticlesFolderError for a folder that is missing or cannot be listed.
    """
    if not root.is_dir():
        problem = "is not a folder" if root.exists() else "does not exist"
        raise ArticlesFolderError(
            f"{root}: articles_dir {problem}; mount or create it, or fix [build].articles_dir"
        )
    for folder, subfolders, names in os.walk(root, onerror=_unlisted):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names):
            if _is_article(name):
                yield f"{folder}{os.sep}{name}"  # not os.path.join: slower, 100,000 times


def _unlisted(error: OSError) -> None:
    raise ArticlesFolderError(
        f"{error.filename}: cannot be read ({error.strerror}); check its permissions "
        "(nothing was published, so that its articles are not removed)"
    )


def shown_path(path: str, config: Config) -> str:
    """A path as problems show it: relative to the config's folder when inside it."""
    return _relative(path, _root(config))


def _root(config: Config) -> str:
    """The config's folder with a trailing separator, as a string like article_files' paths."""
    return os.path.join(config.root, "")  # noqa: PTH118


def _relative(path: str, root: str) -> str:
    """Interned: the entry cache's records and the entries name their file by it too."""
    if path.startswith(root):
        return intern(path[len(root) :].replace(os.sep, "/"))
    return intern(one_line(path))


def available_cpus() -> int:
    """The CPUs this process may use: how many processes parse a cold load."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
