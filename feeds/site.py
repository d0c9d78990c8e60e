"""The site: every published path with its content type, last change and renderer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from feeds import fingerprint, urls
from feeds.catalog import Catalog, is_in, select
from feeds.config import Config
from feeds.loader import Loaded
from feeds.model import Entry, Topic
from feeds.render import Bodies, Channel
from feeds.render.jsonfeed import render_json
from feeds.render.opml import render_opml
from feeds.render.pages import (
    render_article,
    render_gone,
    render_home,
    render_not_found,
    render_topic,
)
from feeds.render.syndication import render_atom, render_rss
from feeds.urls import Kind

_FEED_RENDERERS: dict[Kind, Callable[[Channel], bytes]] = {
    Kind.ATOM: render_atom,
    Kind.RSS: render_rss,
    Kind.JSON: render_json,
}


@dataclass(frozen=True, slots=True)
class Resource:
    """One path of the site: what it is and how to render its bytes."""

    path: str
    kind: Kind
    render: Callable[[], bytes]
    key: str  # a digest of every input of `render`: same key, same bytes

    def cache_control(self, config: Config) -> str:
        return urls.cache_control(self.path, config.cache_max_age, config.article_max_age)


@dataclass(frozen=True, slots=True)
class Site:
    """Every path of the site in a safe publishing order: articles, topics and feeds, home."""

    config: Config
    catalog: Catalog
    loaded: Loaded
    resources: dict[str, Resource]

    def __iter__(self) -> Iterator[Resource]:
        return iter(self.resources.values())

    @property
    def next_change(self) -> datetime | None:
        """The next moment the site changes by the clock alone (an embargo lifting)."""
        return self.catalog.next_embargo


def build_site(config: Config, loaded: Loaded, now: datetime, bodies: Bodies) -> Site:
    """The site as published at `now` (embargoed articles appear once `now` passes them)."""
    catalog = select(loaded.entries, now)
    home = Channel(config, config.topic(urls.ALL), catalog.entries, bodies)
    topics = [
        Channel(config, topic, catalog.in_topic(topic.slug), bodies) for topic in config.topics
    ]
    by_slug = {channel.topic.slug: channel for channel in topics}
    languages = _language_channels(config, catalog, bodies)
    key = _Keys(fingerprint.salt(config))
    resources: list[Resource] = []
    for entry in catalog.entries:
        path = urls.article_page(entry.slug)
        channels = [*(by_slug[slug] for slug in entry.topics), home]
        render = partial(render_article, entry, channels, _of_language(languages, entry.language))
        resources.append(Resource(path, Kind.HTML, render, key.of_entry(entry)))
    own = _of_language(languages, config.language)  # the feed of the pages' language
    for channel in topics:
        path = urls.topic_page(channel.topic.slug)
        render = partial(render_topic, channel, own)
        resources.append(Resource(path, Kind.HTML, render, key(path, channel.entries)))
    # A feed holds a channel's newest `max_entries` entries.
    feeds = [
        dataclasses.replace(c, entries=c.entries[: config.max_entries])
        for c in [*topics, home, *languages]
    ]
    for channel in feeds:
        resources.extend(_feeds(channel, key))
    render = partial(render_home, home, topics, languages)
    resources.append(Resource(urls.HOME, Kind.HTML, render, key(urls.HOME, home.entries)))
    render = partial(render_not_found, home)
    resources.append(Resource(urls.NOT_FOUND, Kind.HTML, render, key(urls.NOT_FOUND, ())))
    render = partial(render_gone, home)
    resources.append(Resource(urls.GONE, Kind.HTML, render, key(urls.GONE, ())))
    # The OPML lists the feeds: its date is the newest of theirs.
    render = partial(render_opml, feeds, config.title)
    listed = [entry for channel in feeds for entry in channel.entries]
    resources.append(Resource(urls.OPML, Kind.OPML, render, key(urls.OPML, listed)))
    return Site(config, catalog, loaded, {resource.path: resource for resource in resources})


def _language_channels(config: Config, catalog: Catalog, bodies: Bodies) -> list[Channel]:
    """`all-<lang>` for each of `[site] languages`, when there are several."""
    if len(config.languages) < 2:
        return []
    return [
        Channel(
            config,
            Topic(slug=urls.language_slug(tag), title=tag, description=config.description),
            catalog.in_language(tag),
            bodies,
            in_language=tag,
        )
        for tag in config.languages
    ]


def _of_language(channels: list[Channel], language: str) -> Channel | None:
    """The per-language channel of the most specific tag that holds `language`, if any."""
    holding = [c for c in channels if c.in_language and is_in(language, c.in_language)]
    return max(holding, key=lambda channel: len(channel.language), default=None)


def _feeds(channel: Channel, key: _Keys) -> Iterator[Resource]:
    """Atom, RSS and JSON Feed of a channel."""
    for kind, render in _FEED_RENDERERS.items():
        path = urls.feed(channel.topic.slug, kind)
        yield Resource(path, kind, partial(render, channel), key(path, channel.entries))


class _Keys:
    """Resource keys: the configuration, the code, the path and the entries rendered.

    Pages and feeds read nothing else (topic titles and feed links come from the
    configuration), so an unchanged key means unchanged bytes.
    """

    def __init__(self, salt: str) -> None:
        self._salt = salt

    def __call__(self, path: str, entries: Iterable[Entry]) -> str:
        return fingerprint.of_parts(self._salt, path, *[entry.fingerprint for entry in entries])

    def of_entry(self, entry: Entry) -> str:
        """An article page's key: its entry's fingerprint, which covers the salt and the slug
        (the page's path), is one already."""
        return entry.fingerprint
