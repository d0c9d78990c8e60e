"""The site: every published path with its content type, last change and renderer."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from importlib import import_module
from typing import Any

from feeds import fingerprint, urls
from feeds.catalog import Catalog, select
from feeds.config import Config
from feeds.loader import Loaded
from feeds.model import Entry
from feeds.render import Channel
from feeds.urls import Kind


def _lazy(module: str, name: str) -> Callable[..., bytes]:
    """A renderer imported on its first call.

    Finding that nothing changed needs neither Jinja2 nor feedgen, whose imports take longer
    than the rest of such a rebuild.
    """

    def render(*args: Any) -> bytes:
        function: Callable[..., bytes] = getattr(import_module(f"feeds.render.{module}"), name)
        return function(*args)

    return render


render_article = _lazy("pages", "render_article")
render_home = _lazy("pages", "render_home")
render_not_found = _lazy("pages", "render_not_found")
render_topic = _lazy("pages", "render_topic")
render_opml = _lazy("opml", "render_opml")
render_atom = _lazy("syndication", "render_atom")
render_rss = _lazy("syndication", "render_rss")
render_json = _lazy("jsonfeed", "render_json")

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
    key = _Keys(fingerprint.salt(config), loaded, catalog.entries)
    resources: list[Resource] = []
    for entry in catalog.entries:
        path = urls.article_page(entry.slug)
        channels = [*(by_slug[slug] for slug in entry.topics), home]
        render = partial(render_article, entry, channels)
        resources.append(Resource(path, Kind.HTML, render, key.of_entry(entry)))
    for channel in topics:
        path = urls.topic_page(channel.topic.slug)
        resources.append(
            Resource(path, Kind.HTML, partial(render_topic, channel), key(path, channel.entries))
        )
    # A feed holds a channel's newest `max_entries` entries.
    feeds = [
        dataclasses.replace(c, entries=c.entries[: config.max_entries]) for c in [*topics, home]
    ]
    for channel in feeds:
        resources.extend(_feeds(channel, key))
    render = partial(render_home, home, topics)
    resources.append(Resource(urls.HOME, Kind.HTML, render, key(urls.HOME, home.entries)))
    # The OPML lists the feeds: its date is the newest of theirs.
    render = partial(render_opml, feeds, config.title)
    listed = [entry for channel in feeds for entry in channel.entries]
    resources.append(Resource(urls.OPML, Kind.OPML, render, key(urls.OPML, listed)))
    return Site(config, catalog, loaded, {resource.path: resource for resource in resources})


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

    def __init__(self, salt: str, loaded: Loaded, entries: Iterable[Entry]) -> None:
        self._salt = salt
        self._entries = {entry.slug: loaded.fingerprint(entry) for entry in entries}

    def __call__(self, path: str, entries: Iterable[Entry]) -> str:
        digests = self._entries
        return fingerprint.of_parts(self._salt, path, *[digests[entry.slug] for entry in entries])

    def of_entry(self, entry: Entry) -> str:
        """An article page's key: its entry's fingerprint, which covers the salt and the slug
        (the page's path), is one already."""
        return self._entries[entry.slug]
