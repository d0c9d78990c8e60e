"""The site: every published path with its content type, last change and renderer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from feeds import urls
from feeds.catalog import Catalog, select
from feeds.config import Config
from feeds.loader import Loaded
from feeds.render import Channel
from feeds.render.jsonfeed import render_json
from feeds.render.opml import render_opml
from feeds.render.pages import render_article, render_home, render_not_found, render_topic
from feeds.render.syndication import render_atom, render_rss
from feeds.urls import Kind

_FEED_RENDERERS: dict[Kind, Callable[[Channel], bytes]] = {
    Kind.ATOM: render_atom,
    Kind.RSS: render_rss,
    Kind.JSON: render_json,
}


@dataclass(frozen=True, slots=True)
class Resource:
    """One path of the site: what it is, when it last changed, how to render its bytes."""

    path: str
    kind: Kind
    updated: datetime
    render: Callable[[], bytes]

    def cache_control(self, config: Config) -> str:
        """Article pages rarely change and may be cached longer than feeds and lists."""
        is_article = urls.is_article_page(self.path)
        seconds = config.article_max_age if is_article else config.cache_max_age
        return f"public, max-age={seconds}"


@dataclass(frozen=True, slots=True)
class Site:
    """Every path of the site in a safe publishing order: articles, topics and feeds, home."""

    config: Config
    catalog: Catalog
    loaded: Loaded
    resources: dict[str, Resource]

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    def not_found_page(self) -> bytes:
        return render_not_found(self._home())

    def _home(self) -> Channel:
        return Channel(self.config, self.config.topic(urls.ALL), self.catalog.entries)


def build_site(config: Config, loaded: Loaded, now: datetime) -> Site:
    """The site as published at `now` (embargoed articles appear once `now` passes them)."""
    catalog = select(loaded.entries, now)
    home = Channel(config, config.topic(urls.ALL), catalog.entries)
    topics = [Channel(config, topic, catalog.in_topic(topic.slug)) for topic in config.topics]
    by_slug = {channel.topic.slug: channel for channel in topics}
    resources: list[Resource] = [
        Resource(
            urls.article_page(entry.slug),
            Kind.HTML,
            entry.updated,
            partial(render_article, entry, [*(by_slug[slug] for slug in entry.topics), home]),
        )
        for entry in catalog.entries
    ]
    for channel in topics:
        resources.append(
            Resource(
                urls.topic_page(channel.topic.slug),
                Kind.HTML,
                channel.updated,
                partial(render_topic, channel),
            )
        )
    for channel in [*topics, home]:
        resources.extend(_feeds(channel))
    newest = home.updated
    resources.append(Resource(urls.HOME, Kind.HTML, newest, partial(render_home, home, topics)))
    resources.append(
        Resource(urls.OPML, Kind.OPML, newest, partial(render_opml, [*topics, home], config.title))
    )
    return Site(config, catalog, loaded, {resource.path: resource for resource in resources})


def _feeds(channel: Channel) -> Iterator[Resource]:
    """Atom, RSS and JSON Feed of a channel, each with its newest `max_entries` entries."""
    limited = dataclasses.replace(channel, entries=channel.entries[: channel.config.max_entries])
    for kind, render in _FEED_RENDERERS.items():
        yield Resource(
            urls.feed(channel.topic.slug, kind), kind, limited.updated, partial(render, limited)
        )
