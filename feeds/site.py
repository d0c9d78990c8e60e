"""The site: every published path with its content type, last change and renderer."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from typing import NamedTuple

from feeds import fingerprint, urls
from feeds.catalog import Catalog, is_in, reselect, select
from feeds.config import Config
from feeds.loader import Loaded
from feeds.model import Entry, Topic
from feeds.render import Channel, Texts, sitemaps
from feeds.render.jsonfeed import render_json
from feeds.render.opml import render_opml
from feeds.render.pages import (
    render_article,
    render_gone,
    render_home,
    render_not_found,
    render_topic,
    render_topic_archive,
)
from feeds.render.sitemaps import Line, Location, Urlset
from feeds.render.syndication import render_atom, render_rss
from feeds.urls import Kind

_FEED_RENDERERS: dict[Kind, Callable[[Channel], bytes]] = {
    Kind.ATOM: render_atom,
    Kind.RSS: render_rss,
    Kind.JSON: render_json,
}


class Resource(NamedTuple):
    """One path of the site: what it is and how to render its bytes (a tuple: a build
    makes one per article).

    Its Cache-Control is chosen by path, in `feeds.urls.cache_control`.
    """

    path: str
    kind: Kind
    render: Callable[[], bytes]
    key: str  # a digest of every input of `render`: same key, same bytes


@dataclass(frozen=True, slots=True)
class Site:
    """Every path of the site in a safe publishing order: articles, topics and feeds, home,
    then what lists them (OPML, sitemaps, robots.txt).

    The article pages' resources are made as they are iterated (`article` makes one), not
    held: at 100,000 articles, holding them made a rebuild allocate 100,000s of objects
    that the garbage collector then looked through. `next_change` is the next moment the
    site changes by the clock alone: an embargo lifts, or an article ages out of the news
    sitemap. `made` lets the next build of the same settings skip remaking what shows the
    same entries (see Made).
    """

    config: Config
    catalog: Catalog
    loaded: Loaded
    article: Callable[[Entry], Resource]
    lists: dict[str, Resource]  # every other path: topics, feeds, home, sitemaps…
    next_change: datetime | None
    made: Made  # what its keys and sitemap lines were made of, for the next build

    def __iter__(self) -> Iterator[Resource]:
        yield from map(self.article, self.catalog.entries)
        yield from self.lists.values()

    def keyed(self) -> Iterator[tuple[str, str]]:
        """Each path and its key, in order, without making the resources (an article page's
        key is its entry's fingerprint)."""
        page = urls.article_page
        yield from ((page(entry.slug), entry.fingerprint) for entry in self.catalog.entries)
        yield from ((path, resource.key) for path, resource in self.lists.items())

    def only(self, paths: Collection[str]) -> Iterator[Resource]:
        """The resources of `paths`, in order: article pages first."""
        slugs = {urls.article_slug(path) for path in paths if urls.is_article_page(path)}
        if slugs:
            yield from map(self.article, (e for e in self.catalog.entries if e.slug in slugs))
        yield from (resource for path, resource in self.lists.items() if path in paths)

    def __len__(self) -> int:
        return len(self.catalog.entries) + len(self.lists)

    @property
    def resources(self) -> dict[str, Resource]:
        """Every resource by its path (made anew at each call)."""
        return {resource.path: resource for resource in self}


class Made(NamedTuple):
    """The keys a build made, by path with the entries and facts they digest, and the
    sitemap lines it made, by the key of the page they list.

    The server's builder keeps the entries of unchanged files as the same objects from one
    build to the next, so the next build compares the entries a key shows with these by
    identity (in C) instead of digesting their fingerprints again: at 100,000 articles a
    rebuild makes some 10,000 keys of 100 entries each, and 100,000 sitemap lines.
    """

    keys: Mapping[str, tuple[tuple[Entry, ...], tuple[str, ...], str]]
    lines: Mapping[str, Line]  # a page's line in the sitemap, by the page's key


NOTHING_MADE = Made({}, {})


def build_site(
    config: Config, loaded: Loaded, now: datetime, texts: Texts, previous: Site | None = None
) -> Site:
    """The site as published at `now` (embargoed articles appear once `now` passes them).

    `previous`, the last site built with the same settings and entry cache, saves work: see
    Made. The site is the same with or without it.
    """
    before, catalog = NOTHING_MADE, None
    if previous is not None and previous.config == config:
        before = previous.made
        catalog = reselect(previous.catalog, previous.loaded.entries, loaded.entries, now)
    if catalog is None:
        catalog = select(loaded.entries, now)
    home = Channel(config, config.topic(urls.ALL), catalog.entries, texts)
    topics = [
        Channel(config, topic, catalog.in_topic(topic.slug), texts) for topic in config.topics
    ]
    by_slug = {channel.topic.slug: channel for channel in topics}
    languages = _language_channels(config, catalog, texts)
    # Per topic list and per language, not per entry: 100,000 entries share a few hundred.
    channels_of = cache(lambda slugs: (*(by_slug[slug] for slug in slugs), home))
    feed_of = cache(partial(_of_language, languages))

    def page(entry: Entry) -> bytes:
        return render_article(entry, channels_of(entry.topics), feed_of(entry.language))

    def article(entry: Entry) -> Resource:
        """An article page; its key is its entry's fingerprint, which covers the settings,
        the code and the slug."""
        path = urls.article_page(entry.slug)
        return Resource(path, Kind.HTML, partial(page, entry), entry.fingerprint)

    key = _Keys(fingerprint.salt(config), before.keys)
    line = _Lines(before.lines)
    resources: list[Resource] = []
    lists: list[Line] = []  # the sitemap's lines of the list pages
    own = feed_of(config.language)  # the feed of the pages' language
    for channel in topics:
        resources.extend(_topic_pages(channel, own, key, line, lists))
    feeds = [*topics, home, *languages]
    current = [channel.current() for channel in feeds]
    for channel in feeds:
        resources.extend(_feeds(channel, key))
    render = partial(render_home, home, topics, languages)
    home_key = key(urls.HOME, home.entries)
    resources.append(Resource(urls.HOME, Kind.HTML, render, home_key))
    render = partial(render_not_found, home)
    resources.append(Resource(urls.NOT_FOUND, Kind.HTML, render, key(urls.NOT_FOUND, ())))
    render = partial(render_gone, home)
    resources.append(Resource(urls.GONE, Kind.HTML, render, key(urls.GONE, ())))
    # The OPML lists the feeds: its date is the newest of theirs.
    render = partial(render_opml, current, config.title)
    listed = tuple(entry for channel in current for entry in channel.entries)
    resources.append(Resource(urls.OPML, Kind.OPML, render, key(urls.OPML, listed)))
    articles = line.articles(config.base_url, catalog.entries)
    # The home page's last change is the newest article's: found among their lines.
    last_change = sitemaps.newest(articles)
    home_line = line(home_key, lambda: Location(home.url(urls.HOME), last_change))
    pages = [home_line, *articles, *lists]  # every HTML page
    news = sitemaps.news_entries(catalog.entries, now)
    resources.extend(_discovery(home, pages, news, key))
    ages_out = min((entry.published for entry in news), default=None)
    next_change = _earliest(catalog.next_embargo, ages_out and ages_out + sitemaps.NEWS_WINDOW)
    by_path = {resource.path: resource for resource in resources}
    return Site(config, catalog, loaded, article, by_path, next_change, Made(key.made, line.made))


def _topic_pages(
    channel: Channel, own: Channel | None, key: _Keys, line: _Lines, lines: list[Line]
) -> Iterator[Resource]:
    """A topic's archive pages, oldest first, then its page of the newest articles, each
    with its sitemap line added to `lines`; `own` is the feed of the pages' language, which
    they announce too."""
    slug = channel.topic.slug
    archives = channel.archived()
    for archive in archives:
        assert archive.number is not None  # an archive has its number
        path = urls.topic_archive(slug, archive.number)
        render = partial(render_topic_archive, archive, own)
        made = key(path, archive.entries, archive.has_next)
        yield Resource(path, Kind.HTML, render, made)
        lines.append(line(made, partial(_location, archive, path)))
    path = urls.topic_page(slug)
    shown = channel.current()
    render = partial(render_topic, shown, len(channel.entries), own)
    made = key(path, shown.entries, len(channel.entries), shown.archives)
    yield Resource(path, Kind.HTML, render, made)
    lines.append(line(made, partial(_location, shown, path)))


def _language_channels(config: Config, catalog: Catalog, texts: Texts) -> list[Channel]:
    """`all-<lang>` for each of `[site] languages`, when there are several."""
    if len(config.languages) < 2:
        return []
    return [
        Channel(
            config,
            Topic(slug=urls.language_slug(tag), title=tag, description=config.description),
            catalog.in_language(tag),
            texts,
            in_language=tag,
        )
        for tag in config.languages
    ]


def _of_language(channels: list[Channel], language: str) -> Channel | None:
    """The per-language channel of the most specific tag that holds `language`, if any."""
    holding = [c for c in channels if c.in_language and is_in(language, c.in_language)]
    return max(holding, key=lambda channel: len(channel.language), default=None)


def _feeds(channel: Channel, key: _Keys) -> Iterator[Resource]:
    """Atom, RSS and JSON Feed of a channel of all its entries: the archive documents, then
    the current feed. A full archive's key (and so its bytes) holds only its own entries."""
    archives = channel.archived()
    for kind, render in _FEED_RENDERERS.items():
        for archive in archives:
            assert archive.number is not None  # an archive has its number
            path = urls.feed_archive(channel.topic.slug, archive.number, kind)
            rendered = partial(render, archive)
            yield Resource(path, kind, rendered, key(path, archive.entries, archive.has_next))
    current = channel.current()
    for kind, render in _FEED_RENDERERS.items():
        path = urls.feed(channel.topic.slug, kind)
        rendered = partial(render, current)
        yield Resource(path, kind, rendered, key(path, current.entries, current.archives))


def _discovery(
    home: Channel, pages: list[Line], news: tuple[Entry, ...], key: _Keys
) -> Iterator[Resource]:
    """The sitemap (an index of sitemaps past the protocol's limits), the news sitemap and
    robots.txt. Their keys digest what they list: each URL and its lastmod."""
    parts = sitemaps.partition(pages)
    if len(parts) == 1:
        yield _urlset(urls.SITEMAP, parts[0], key)
    else:
        index = []
        for number, part in enumerate(parts, start=1):
            path = urls.sitemap_part(number)
            yield _urlset(path, part, key)
            index.append(Location(home.url(path), part.lastmod))
        render = partial(sitemaps.render_index, index)
        yield Resource(urls.SITEMAP, Kind.SITEMAP, render, key.of_text(urls.SITEMAP, repr(index)))
    render = partial(sitemaps.render_news, home, news)
    yield Resource(urls.NEWS_SITEMAP, Kind.SITEMAP, render, key(urls.NEWS_SITEMAP, news))
    listed = [home.url(urls.SITEMAP), home.url(urls.NEWS_SITEMAP)]
    lines = home.config.robots
    render = partial(sitemaps.render_robots, listed, lines)
    yield Resource(urls.ROBOTS, Kind.TEXT, render, key.of_text(urls.ROBOTS, *listed, *lines))


def _urlset(path: str, urlset: Urlset, key: _Keys) -> Resource:
    render = partial(sitemaps.render_urlset, urlset)
    return Resource(path, Kind.SITEMAP, render, key.of_text(path, *urlset.urls))


class _Lines:
    """The sitemap's line of each HTML page, remembered by the page's key, which covers its
    URL and the entries it shows, so its last change (an article page's key is its entry's
    fingerprint)."""

    def __init__(self, before: Mapping[str, Line]) -> None:
        self._before = before
        self.made: dict[str, Line] = {}

    def __call__(self, key: str, location: Callable[[], Location]) -> Line:
        line = self._before.get(key)
        if line is None:
            line = sitemaps.line(location())
        self.made[key] = line
        return line

    def articles(self, base_url: str, entries: Iterable[Entry]) -> list[Line]:
        """The lines of the article pages of `entries` (a loop of its own: 100,000 a build)."""
        before, made = self._before, self.made
        lines = []
        for entry in entries:
            line = before.get(entry.fingerprint)
            if line is None:
                url = urls.absolute(base_url, urls.article_page(entry.slug))
                line = sitemaps.line(Location(url, entry.updated))
            made[entry.fingerprint] = line
            lines.append(line)
        return lines


def _location(channel: Channel, path: str) -> Location:
    """A list page in the sitemap: its last change is that of the newest entry it lists."""
    return Location(channel.url(path), channel.updated if channel.entries else None)


def _earliest(*moments: datetime | None) -> datetime | None:
    return min((moment for moment in moments if moment is not None), default=None)


class _Keys:
    """Resource keys: the configuration, the code, the path and the entries rendered.

    Pages and feeds read nothing else (topic titles and feed links come from the
    configuration), so an unchanged key means unchanged bytes. Each key is remembered in
    `made` with what it was made of; a key in `before` made of the same entries (compared
    by identity first, so in C) and facts is taken as it is.
    """

    def __init__(
        self, salt: str, before: Mapping[str, tuple[tuple[Entry, ...], tuple[str, ...], str]]
    ) -> None:
        self._salt, self._before = salt, before
        self.made: dict[str, tuple[tuple[Entry, ...], tuple[str, ...], str]] = {}

    def __call__(self, path: str, entries: tuple[Entry, ...], *extra: object) -> str:
        """The key of `path` showing `entries`, and of `extra` facts (counts, flags)."""
        facts = tuple(map(str, extra))
        known = self._before.get(path)
        if known is not None and known[0] == entries and known[1] == facts:
            key = known[2]
        else:
            parts = [entry.fingerprint for entry in entries]
            key = fingerprint.of_parts(self._salt, path, *parts, *facts)
        self.made[path] = (entries, facts, key)
        return key

    def of_text(self, path: str, *parts: str) -> str:
        """The key of `path` whose bytes depend on `parts` alone (and the settings and code)."""
        return fingerprint.of_parts(self._salt, path, *parts)
