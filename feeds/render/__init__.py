"""Renderers: a channel (one topic's feed) or page in, bytes out; no clock and no I/O (bodies
come from the entry cache through `Channel.body`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from feeds import urls
from feeds.config import Config
from feeds.model import Entry, Topic
from feeds.websub.discovery import hub_urls

# What an empty feed reports as its last update: a fixed moment, never the clock.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Bodies(Protocol):
    """Where the HTML bodies of entries are kept (feeds.store.EntryStore)."""

    def body(self, digest: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Channel:
    """One topic's feed (or `all`, or `all-<lang>`): its settings, its newest entries and
    their bodies."""

    config: Config
    topic: Topic
    entries: tuple[Entry, ...]
    bodies: Bodies
    in_language: str | None = None  # the feed of every article in this language (`all-<lang>`)

    def body(self, entry: Entry) -> str:
        """The entry's sanitised HTML body."""
        return self.bodies.body(entry.body_digest)

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
        return max((entry.updated for entry in self.entries), default=EPOCH)

    @property
    def page_url(self) -> str:
        return self.url(urls.topic_page(self.topic.slug))

    def feed_url(self, kind: urls.Kind) -> str:
        return self.url(urls.feed(self.topic.slug, kind))

    @property
    def hubs(self) -> tuple[str, ...]:
        """The WebSub hubs the feed names (`rel="hub"`); none without `[websub]`."""
        return hub_urls(self.config)

    def entry_url(self, entry: Entry) -> str:
        return self.url(urls.article_page(entry.slug))

    def url(self, path: str) -> str:
        return urls.absolute(self.config.base_url, path)

    def category_labels(self, entry: Entry) -> tuple[str, ...]:
        """Topic titles then tags: the categories a reader shows for an entry."""
        titles = {topic.slug: topic.title for topic in self.config.topics}
        return tuple(dict.fromkeys([titles[slug] for slug in entry.topics] + list(entry.tags)))
