"""The article files under articles_dir: found in sorted order, with their stat signatures.

Finding that nothing changed needs only this (and the manifest): no reader, no renderer.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
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
    for path in article_files(config.articles_dir):
        try:
            status = os.lstat(path)
        except FileNotFoundError:
            continue
        except OSError:
            status = None
        signature: Signature | None = None
        if status is not None and stat.S_ISREG(status.st_mode):
            signature = (status.st_mtime_ns, status.st_ctime_ns, status.st_size, status.st_ino)
        yield path, _relative(path, root), signature


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
            # Not os.path.splitext and join: at 100,000 files they took 0.35 s more.
            if name[0] != "." and name[name.rfind(".") :].lower() in SUFFIXES:
                yield f"{folder}{os.sep}{name}"


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
    if path.startswith(root):
        return path[len(root) :].replace(os.sep, "/")
    return one_line(path)


def available_cpus() -> int:
    """The CPUs this process may use: how many processes parse a cold load."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
