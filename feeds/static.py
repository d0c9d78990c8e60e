"""Writes the site into a folder: atomic per file, only changed bytes, stale files removed."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from feeds import urls
from feeds.errors import FeedsError
from feeds.site import Site

MANIFEST = ".feeds-manifest.json"


@dataclass(frozen=True, slots=True)
class WriteStats:
    written: int
    unchanged: int
    removed: int


class OutputError(FeedsError):
    """The output folder cannot be written."""


def write_site(
    site: Site, out_dir: Path, progress: Callable[[int, int], None] | None = None
) -> WriteStats:
    """Write every resource of `site` under `out_dir`; remove what an earlier build wrote.

    Each file is replaced atomically (temporary file, then rename), so a reader or a killed
    build never sees half a file; files this build did not create are left alone.
    """
    names = {urls.file_name(resource.path): resource for resource in site}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        previous = _read_manifest(out_dir)
        # Record the union first: a build killed midway still knows every file it may own.
        _write_manifest(out_dir, previous | names.keys())
        written = unchanged = 0
        for done, (name, resource) in enumerate(names.items(), start=1):
            if write_if_changed(out_dir / name, resource.render()):
                written += 1
            else:
                unchanged += 1
            if progress:
                progress(done, len(names))
        stale = sorted(previous - names.keys())
        for name in stale:
            _remove(out_dir, name)
        _write_manifest(out_dir, set(names))
    except OSError as exc:
        raise OutputError(
            f"{exc.filename or out_dir}: cannot write the site ({exc.strerror}); "
            "check that the output folder is writable"
        ) from None
    return WriteStats(written=written, unchanged=unchanged, removed=len(stale))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly those bytes."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        temporary.chmod(0o644)
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return True


def _remove(out_dir: Path, name: str) -> None:
    """Delete a stale file, then its folders as far up as they are empty."""
    path = out_dir / name
    path.unlink(missing_ok=True)
    for folder in path.parents:
        if folder == out_dir or not folder.is_relative_to(out_dir):
            break
        try:
            folder.rmdir()
        except OSError:
            break


def _read_manifest(out_dir: Path) -> set[str]:
    try:
        names = json.loads((out_dir / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return set()
    safe = (name for name in names if isinstance(name, str) and ".." not in Path(name).parts)
    return {name for name in safe if not Path(name).is_absolute()}


def _write_manifest(out_dir: Path, names: set[str]) -> None:
    data = json.dumps(sorted(names), indent=0).encode("utf-8")
    write_if_changed(out_dir / MANIFEST, data)
