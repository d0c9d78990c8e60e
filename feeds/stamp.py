"""A build with nothing to do: what the last build into a folder read, and what it reported.

When no article file's stat signature, no setting and no code changed since the last build
into a folder, no embargo has lifted since, and every file it wrote is still there, building
again could only write the same bytes. `feeds build` then repeats the last report instead of
loading every article. The stamp lives in `.feeds-cache/` beside the entry cache; a missing
or unreadable one means "build".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from feeds import fingerprint
from feeds.cache import FOLDER
from feeds.config import Config
from feeds.loader import ScannedFile


@dataclass(frozen=True, slots=True)
class Stamp:
    """The inputs of one build and its report."""

    inputs: str
    until: str | None  # when the next embargo lifts (ISO 8601), if any
    articles: int
    topics: int
    problems: list[str]

    def still_valid(self, inputs: str | None, now: datetime) -> bool:
        return inputs == self.inputs and (
            self.until is None or now < datetime.fromisoformat(self.until)
        )


def inputs(config: Config, files: Iterable[ScannedFile]) -> str | None:
    """A digest of the settings, the code and every article file's path and stat signature.

    None when a file has no signature (a symlink, whose target may change unseen).
    """
    parts = [fingerprint.salt(config)]
    for _, shown, signature in files:
        if signature is None:
            return None
        parts.append(f"{shown}:{signature}")
    return fingerprint.of_parts(*parts)


def read_stamp(config: Config, out_dir: Path) -> Stamp | None:
    try:
        return Stamp(**json.loads(_file(config, out_dir).read_text("utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_stamp(config: Config, out_dir: Path, stamp: Stamp | None) -> None:
    """Record `stamp` for builds into `out_dir`, or forget the last one (before building)."""
    path = _file(config, out_dir)
    with suppress(OSError):  # no stamp means a full build next time, never a wrong one
        if stamp is None:
            path.unlink(missing_ok=True)
        else:
            path.parent.mkdir(exist_ok=True)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(json.dumps(asdict(stamp)), "utf-8")
            temporary.replace(path)


def _file(config: Config, out_dir: Path) -> Path:
    """One stamp per output folder."""
    return config.root / FOLDER / f"build-{fingerprint.of_parts(str(out_dir.resolve()))}.json"
