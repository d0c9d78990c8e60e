"""Writes the site into a folder: atomic per file, only changed bytes, stale files removed."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from feeds import urls
from feeds.errors import FeedsError
from feeds.site import Site

MANIFEST = ".feeds-manifest.json"
# The files a build is about to change, while it changes them: a build killed midway leaves
# it, and the next trusts none of them (the manifest is written once, at the end).
PENDING = ".feeds-pending.json"
# The name of a temporary file of write_if_changed (tempfile.mkstemp): .index.html.k2j3x9_a.tmp
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")


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
    build never sees half a file; files this build did not create are left alone. A file
    whose resource key and size match the manifest is not even rendered again.
    """
    names = {urls.file_name(resource.path): resource for resource in site}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        previous = _read_manifest(out_dir)
        _remove_leftovers(out_dir, previous)
        # First list the files about to change and the new ones: a build killed midway
        # still knows every file it may own, and trusts none it may have rewritten.
        pending = {name for name, record in previous.items() if record is None} | {
            name
            for name, resource in names.items()
            if (record := previous.get(name)) is None or record.key != resource.key
        }
        if pending:
            _write_json(out_dir / PENDING, sorted(pending))
        records: dict[str, _Written | None] = {}
        written = 0
        folder = str(out_dir)
        for done, (name, resource) in enumerate(names.items(), start=1):
            record = previous.get(name)
            if record is None or record.key != resource.key or not record.matches(folder, name):
                data = resource.render()
                written += write_if_changed(out_dir / name, data)
                record = _Written(resource.key, len(data))
            records[name] = record
            if progress:
                progress(done, len(names))
        stale = sorted(name for name in previous.keys() - names.keys() if _is_safe(name))
        for name in stale:
            _remove(out_dir, name)
        _write_manifest(out_dir, records)
        (out_dir / PENDING).unlink(missing_ok=True)
    except OSError as exc:
        raise OutputError(
            f"{exc.filename or out_dir}: cannot write the site ({exc.strerror}); "
            "check that the output folder is writable"
        ) from None
    return WriteStats(written=written, unchanged=len(names) - written, removed=len(stale))


def intact(out_dir: Path) -> bool:
    """True if every file of the last complete build is still there with the size written."""
    records = _read_manifest(out_dir)
    folder = str(out_dir)
    return bool(records) and all(
        record is not None and record.matches(folder, name) for name, record in records.items()
    )


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly those bytes."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # name the folder, not a temporary file that never existed
        raise OSError(exc.errno, exc.strerror, str(path.parent)) from None
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


def _remove_leftovers(out_dir: Path, previous: dict[str, _Written | None]) -> None:
    """Delete the temporary files of atomic writes that a killed build never renamed.

    Only a build that was interrupted (it left files it meant to change untrusted) can have
    left them, anywhere; those of the manifest and the pending list may be left by any.
    """
    if any(record is None for record in previous.values()):
        found = list(out_dir.rglob(".*.tmp"))
    else:
        found = [*out_dir.glob(f".{MANIFEST}.*.tmp"), *out_dir.glob(f".{PENDING}.*.tmp")]
    for path in found:
        if _TEMPORARY.fullmatch(path.name):
            path.unlink(missing_ok=True)


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


class _Written(NamedTuple):
    """What the manifest remembers of a written file: its resource key and size.

    Not its mtime: two builds of the same input write byte-identical folders, manifest too.
    A tuple: the manifest of 10,000 files is read on every build.
    """

    key: str
    size: int

    def matches(self, folder: str, name: str) -> bool:
        """True if the file is still there with the size written (not deleted or edited)."""
        try:  # strings, not Paths: this runs for every file of an unchanged build
            return os.stat(f"{folder}/{name}").st_size == self.size  # noqa: PTH116
        except FileNotFoundError:
            return False


def _read_manifest(out_dir: Path) -> dict[str, _Written | None]:
    """The files earlier builds wrote, None for those not to trust (an interrupted build's)."""
    match _read_json(out_dir / MANIFEST):
        case {"files": dict(files)}:
            pass
        case list(names):  # written by feeds before 0.2: names only
            files = dict.fromkeys(name for name in names if isinstance(name, str))
        case _:
            files = {}
    match _read_json(out_dir / PENDING):
        case list(names):
            files |= dict.fromkeys(name for name in names if isinstance(name, str))
    # A record that is not [key, size] is no record. Wrong types inside one only make the
    # file look changed; a name is checked before its file is removed (see _is_safe).
    return {
        name: _Written._make(value) if type(value) is list and len(value) == 2 else None
        for name, value in files.items()
    }


def _read_json(path: Path) -> object:
    """The JSON in `path`; None if it is missing or not JSON (cut short, edited)."""
    try:
        return json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError):
        return None


def _is_safe(name: str) -> bool:
    """Only relative paths inside the output folder: the manifest may have been edited."""
    return bool(name) and not name.startswith("/") and ".." not in name.split("/")


def _write_manifest(out_dir: Path, records: dict[str, _Written | None]) -> None:
    files = {
        name: None if record is None else [record.key, record.size]
        for name, record in sorted(records.items())
    }
    _write_json(out_dir / MANIFEST, {"format": 2, "files": files})


def _write_json(path: Path, value: object) -> None:
    # One line: with `indent`, json falls back from its C encoder to Python, 10 times slower.
    write_if_changed(path, json.dumps(value, separators=(",", ":")).encode("utf-8"))
