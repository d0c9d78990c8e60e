"""What is published at a given moment: drafts and embargoed articles out, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from feeds.model import Entry
from feeds.urls import ALL
from feeds.versions import resolve


@dataclass(frozen=True, slots=True)
class Catalog:
    """The published entries, newest first, and when the next embargo lifts."""

    entries: tuple[Entry, ...]
    next_embargo: datetime | None
    _topics: dict[str, tuple[Entry, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        topics: dict[str, list[Entry]] = {}
        for entry in self.entries:
            for slug in set(entry.topics):
                topics.setdefault(slug, []).append(entry)
        by_slug = {slug: tuple(entries) for slug, entries in topics.items()}
        object.__setattr__(self, "_topics", by_slug)  # the usual way in a frozen dataclass

    def in_topic(self, slug: str) -> tuple[Entry, ...]:
        """Entries of topic `slug` (every entry for `all`), newest first."""
        if slug == ALL:
            return self.entries
        return self._topics.get(slug, ())

    def in_language(self, tag: str) -> tuple[Entry, ...]:
        """Entries in the language `tag` (see is_in), newest first."""
        return tuple(entry for entry in self.entries if is_in(entry.language, tag))


def is_in(language: str, tag: str) -> bool:
    """Whether `language` is the language `tag` or one of its subtags (RFC 4647 basic
    filtering, ignoring case): `de-CH` is in `de`, `de` is not in `de-CH`."""
    language, tag = language.lower(), tag.lower()
    return language == tag or language.startswith(f"{tag}-")


def newest_first(entry: Entry) -> tuple[float, float, str]:
    """A total order: newest published first, then newest updated, then slug."""
    return (-entry.published.timestamp(), -entry.updated.timestamp(), entry.slug)


def select(entries: Iterable[Entry], now: datetime) -> Catalog:
    """Entries published at `now`: the standing version of each agency story (see
    feeds.versions), no drafts, nothing dated or embargoed after `now`; newest first."""
    published: list[Entry] = []
    upcoming: list[datetime] = []
    for entry in resolve(entries).entries:
        if entry.draft:
            continue
        held = _held_until(entry, now)
        if held is not None:
            upcoming.append(held)
        else:
            published.append(entry)
    published.sort(key=newest_first)
    return Catalog(entries=tuple(published), next_embargo=min(upcoming, default=None))


def _held_until(entry: Entry, now: datetime) -> datetime | None:
    """When a future date or an agency embargo lets `entry` out, if that is after `now`."""
    latest = entry.published
    if entry.story is not None and entry.story.embargo is not None:
        latest = max(latest, entry.story.embargo)
    return latest if latest > now else None
