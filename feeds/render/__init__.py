"""Renderers: a channel (one topic's feed) or page in, bytes out; no clock and no I/O (the
entries' summaries and bodies come from the entry cache through `Channel.text`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from operator import attrgetter
from typing import Protocol

from feeds import urls
from feeds.config import Config
from feeds.model import Entry, Text, Topic
from feeds.websub.discovery import hub_urls

# What an empty feed reports as its last update: a fixed moment, never the clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_UPDATED = attrgetter("updated")


class Texts(Protocol):
    """Where the texts of entries are kept (feeds.store.EntryStore)."""

    def text(self, digest: str) -> Text: ...


@dataclass(frozen=True, slots=True)
class Channel:
    """One topic's feed (or `all`, or `all-<lang>`): its settings, its entries and their
    texts.

    A channel of every entry of a feed, newest first, splits into the current feed
    (`current()`) and its archive documents (`archived()`, RFC 5005 section 4): document 1
    holds the oldest `archive_size` entries, oldest first, and so on; the newest may be
    partial. `number` is an archive document's number (None for the current feed) and
    `archives` the number of archive documents of the feed.
    """

    config: Config
    topic: Topic
    entries: tuple[Entry, ...]
    texts: Texts
    in_language: str | None = None  # the feed of every article in this language (`all-<lang>`)
    number: int | None = None
    archives: int = 0

    def text(self, entry: Entry) -> Text:
        """The entry's summary and sanitised HTML body."""
        return self.texts.text(entry.text_digest)

    def current(self) -> Channel:
        """The current feed: the newest `max_entries` entries, which link to the archives."""
        size = self.config.archive_size
        count = -(-len(self.entries) // size)
        return replace(self, entries=self.entries[: self.config.max_entries], archives=count)

    def archived(self) -> tuple[Channel, ...]:
        """The archive documents, oldest first, each with its entries oldest first."""
        size = self.config.archive_size
        oldest_first = self.entries[::-1]
        count = -(-len(oldest_first) // size)
        return tuple(
            replace(self, entries=oldest_first[start : start + size], number=n, archives=count)
            for n, start in enumerate(range(0, len(oldest_first), size), start=1)
        )

    @property
    def is_archive(self) -> bool:
        return self.number is not None

    @property
    def has_next(self) -> bool:
        """An archive document with a newer one after it: its entries are fixed."""
        return self.number is not None and self.number < self.archives

    @property
    def language(self) -> str:
        """The language the feed declares: its own, else the site's."""
        return self.in_language or self.config.language

    @property
    def title(self) -> str:
        if self.topic.slug == urls.ALL:
            return self.config.title
        return f"{self.config.title} — {self.topic.title}"

    @property
    def description(self) -> str:
        return self.topic.description or self.config.description or self.title

    @property
    def updated(self) -> datetime:
        """The newest entry's update time: what the feed says it was last changed."""
        return max(map(_UPDATED, self.entries), default=EPOCH)

    @property
    def page_url(self) -> str:
        return self.url(urls.topic_page(self.topic.slug))

    def feed_url(self, kind: urls.Kind) -> str:
        """The current feed's URL, also the feed's identity in its archive documents."""
        return self.url(urls.feed(self.topic.slug, kind))

    @property
    def hubs(self) -> tuple[str, ...]:
        """The WebSub hubs the feed names (`rel="hub"`); none without `[websub]`, and none in
        an archive document (only current feeds are WebSub topics)."""
        return () if self.is_archive else hub_urls(self.config)

    def document_url(self, kind: urls.Kind) -> str:
        """This document's own URL: the current feed's, or its archive document's."""
        if self.number is None:
            return self.feed_url(kind)
        return self.archive_url(self.number, kind)

    def archive_url(self, number: int, kind: urls.Kind) -> str:
        return self.url(urls.feed_archive(self.topic.slug, number, kind))

    def history(self, kind: urls.Kind) -> tuple[tuple[str, str], ...]:
        """RFC 5005 links of this document as (rel, href): `prev-archive` from the current
        feed to the newest archive; `current`, `prev-archive` and `next-archive` from an
        archive document."""
        if self.number is None:
            if not self.archives:
                return ()
            return (("prev-archive", self.archive_url(self.archives, kind)),)
        links = [("current", self.feed_url(kind))]
        if self.number > 1:
            links.append(("prev-archive", self.archive_url(self.number - 1, kind)))
        if self.has_next:
            links.append(("next-archive", self.archive_url(self.number + 1, kind)))
        return tuple(links)

    def entry_url(self, entry: Entry) -> str:
        return self.url(urls.article_page(entry.slug))

    def url(self, path: str) -> str:
        return urls.absolute(self.config.base_url, path)

    def category_labels(self, entry: Entry) -> tuple[str, ...]:
        """Topic titles then tags: the categories a reader shows for an entry."""
        titles = {topic.slug: topic.title for topic in self.config.topics}
        return tuple(dict.fromkeys([titles[slug] for slug in entry.topics] + list(entry.tags)))
