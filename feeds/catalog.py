"""What is published at a given moment: drafts and embargoed articles out, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from feeds.model import Entry
from feeds.urls import ALL


@dataclass(frozen=True, slots=True)
class Catalog:
    """The published entries, newest first, and when the next embargo lifts."""

    entries: tuple[Entry, ...]
    next_embargo: datetime | None

    def in_topic(self, slug: str) -> tuple[Entry, ...]:
        """Entries of topic `slug` (every entry for `all`), newest first."""
        if slug == ALL:
            return self.entries
        return tuple(entry for entry in self.entries if slug in entry.topics)


def newest_first(entry: Entry) -> tuple[float, float, str]:
    """A total order: newest published first, then newest updated, then slug."""
    return (-entry.published.timestamp(), -entry.updated.timestamp(), entry.slug)


def select(entries: Iterable[Entry], now: datetime) -> Catalog:
    """Entries published at `now`: no drafts, no embargo; sorted newest first."""
    published: list[Entry] = []
    upcoming: list[datetime] = []
    for entry in entries:
        if entry.draft:
            continue
        if entry.published > now:
            upcoming.append(entry.published)
        else:
            published.append(entry)
    published.sort(key=newest_first)
    return Catalog(entries=tuple(published), next_embargo=min(upcoming, default=None))
