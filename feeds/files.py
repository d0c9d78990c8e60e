"""The article files under articles_dir: found in sorted order, with their stat signatures.

Finding that nothing changed needs only this (and the manifest): no reader, no renderer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from operator import attrgetter
from pathlib import Path

from feeds.config import Config
from feeds.errors import FeedsError
from feeds.store import Signature
from feeds.text import one_line

# The suffixes of article files (feeds.loader has a reader for each; the last three are
# agency documents, feeds.readers.agency).
SUFFIXES = frozenset({".txt", ".md", ".markdown", ".xml", ".nitf", ".json"})
# An article file's path, its path as problems show it, and its stat signature.
ScannedFile = tuple[str, str, Signature | None]


class ArticlesFolderError(FeedsError):
    """articles_dir, or a folder under it, is missing or cannot be read: never an empty site."""


def scan(config: Config) -> Iterator[ScannedFile]:
    """Each article file: its path, its path as shown, and its stat signature.

    The signature is None when the file is not a regular one (a symlink, whose target is
    checked on reading) or cannot be stat'ed; a file that vanished since the folder was
    listed is left out.
    """
    root = _root(config)
    for found in _article_entries(config.articles_dir):
        try:
            status = found.stat(follow_symlinks=False)
        except FileNotFoundError:
            continue
        except OSError:
            status = None
        signature: Signature | None = None
        if status is not None and stat.S_ISREG(status.st_mode):
            signature = (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)
        yield found.path, _relative(found.path, root), signature


def article_files(root: Path) -> Iterator[str]:
    """Article files under `root`, any depth, in sorted order; hidden files are skipped.

    Raises ArticlesFolderError for a folder that is missing or cannot be listed.
    """
    return (found.path for found in _article_entries(root))


def _article_entries(root: Path) -> Iterator[os.DirEntry[str]]:
    if not root.is_dir():
        problem = "is not a folder" if root.exists() else "does not exist"
        raise ArticlesFolderError(
            f"{root}: articles_dir {problem}; mount or create it, or fix [build].articles_dir"
        )
    return _listed(str(root))


def _listed(folder: str) -> Iterator[os.DirEntry[str]]:
    """A folder's article files by name, then those of its subfolders, folder by folder
    (symlinked folders are not followed). Strings and DirEntry, not Path objects: this runs
    for every file of every build."""
    try:
        with os.scandir(folder) as listing:
            found = sorted(
                (item for item in listing if not item.name.startswith(".")), key=attrgetter("name")
            )
    except OSError as error:
        raise ArticlesFolderError(
            f"{error.filename}: cannot be read ({error.strerror}); check its permissions "
            "(nothing was published, so that its articles are not removed)"
        ) from None
    folders = []
    for item in found:
        if _is_folder(item):
            folders.append(item)
        elif os.path.splitext(item.name)[1].lower() in SUFFIXES:  # noqa: PTH122
            yield item
    for item in folders:
        if not item.is_symlink():
            yield from _listed(item.path)


def _is_folder(item: os.DirEntry[str]) -> bool:
    """A folder, or a symlink to one (which is not followed); a looping symlink is not."""
    try:
        return item.is_dir()
    except OSError:
        return False


def shown_path(path: str, config: Config) -> str:
    """A path as problems show it: relative to the config's folder when inside it."""
    return _relative(path, _root(config))


def _root(config: Config) -> str:
    """The config's folder with a trailing separator, as a string like article_files' paths."""
    return os.path.join(config.root, "")  # noqa: PTH118


def _relative(path: str, root: str) -> str:
    if path.startswith(root):
        return path[len(root) :].replace(os.sep, "/")
    return one_line(path)


def available_cpus() -> int:
    """The CPUs this process may use: how many processes parse a cold load."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
