"""Versions of agency stories across files: which one stands, and which stories are gone.

Entries with one story id are versions of one story. The highest (version number, then
version time, then path) stands; the others are superseded, not problems. A standing version
that is withheld or canceled, or a story another document kills (NITF
`management-doc-idref`), leaves nothing published. The standing version keeps the first
version's published time, id and slug: a correction does not move the story or change its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from feeds import fingerprint
from feeds.model import USABLE, Entry


@dataclass(frozen=True, slots=True)
class Resolved:
    """The entries to publish (plain articles and standing usable versions), and counts."""

    entries: tuple[Entry, ...]
    superseded: int = 0  # versions a higher version of their story replaced
    withdrawn: int = 0  # stories whose standing version is withheld or canceled, or killed


def resolve(entries: Iterable[Entry]) -> Resolved:
    """The standing version of every story, and every entry that is no agency story."""
    plain: list[Entry] = []
    stories: dict[str, list[Entry]] = {}
    killed: set[str] = set()
    for entry in entries:
        if entry.story is None:
            plain.append(entry)
        else:
            stories.setdefault(entry.story.id, []).append(entry)
            killed.update(entry.story.kills)
    standing: list[Entry] = []
    superseded = withdrawn = 0
    for story_id, versions in stories.items():
        latest = max(versions, key=_rank)
        superseded += len(versions) - 1
        assert latest.story is not None  # grouped by it
        if story_id in killed or latest.story.status != USABLE:
            withdrawn += not latest.story.kills  # a kill notice is no story of its own
            continue
        standing.append(_as_first(latest, min(versions, key=_first)))
    return Resolved(tuple(plain + standing), superseded, withdrawn)


def _rank(entry: Entry) -> tuple[int, datetime, str]:
    assert entry.story is not None
    return entry.story.version, entry.updated, entry.source


def _first(entry: Entry) -> tuple[datetime, str]:
    return entry.published, entry.source


def _as_first(latest: Entry, first: Entry) -> Entry:
    """The latest version with the first version's published time, id and slug."""
    if (latest.published, latest.id, latest.slug) == (first.published, first.id, first.slug):
        return latest
    key = fingerprint.of_parts(
        latest.fingerprint, first.published.isoformat(), first.id, first.slug
    )
    return replace(latest, published=first.published, id=first.id, slug=first.slug, fingerprint=key)
