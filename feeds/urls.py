"""The one place where URL shapes, content types and Cache-Control live."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

ALL = "all"


class Kind(Enum):
    """Every kind of resource the site publishes, with its content type."""

    HTML = "text/html; charset=utf-8"
    ATOM = "application/atom+xml; charset=utf-8"
    RSS = "application/rss+xml; charset=utf-8"
    JSON = "application/feed+json; charset=utf-8"
    OPML = "text/x-opml; charset=utf-8"
    SITEMAP = "application/xml; charset=utf-8"
    TEXT = "text/plain; charset=utf-8"

    @property
    def content_type(self) -> str:
        return self.value

    @property
    def mime_type(self) -> str:
        """The content type without its charset parameter."""
        return self.value.split(";")[0]


FEED_KINDS = (Kind.ATOM, Kind.RSS, Kind.JSON)
_FEED_SUFFIX = {Kind.ATOM: ".atom.xml", Kind.RSS: ".rss.xml", Kind.JSON: ".json"}

HOME = "/"
OPML = "/opml.xml"
HEALTH = "/healthz"
# The pages a server answers 404 and 410 with; static hosts can use them as error pages.
NOT_FOUND = "/404.html"
GONE = "/410.html"
SITEMAP = "/sitemap.xml"
NEWS_SITEMAP = "/news-sitemap.xml"
ROBOTS = "/robots.txt"


def language_slug(tag: str) -> str:
    """The feed slug of every article in the language `tag` (BCP 47): `all-de`, `all-de-ch`."""
    return f"{ALL}-{tag.lower()}"


def topic_page(slug: str) -> str:
    """Path of a topic's page; `all` and `all-<lang>` have none, theirs is the landing page."""
    return HOME if slug == ALL or slug.startswith(f"{ALL}-") else f"/topics/{slug}/"


ARTICLES = "/articles/"


def article_page(slug: str) -> str:
    return f"{ARTICLES}{slug}/"


def is_article_page(path: str) -> bool:
    return path.startswith(ARTICLES)


def article_slug(path: str) -> str:
    """The slug of an article page's path: the inverse of `article_page`."""
    return path.removeprefix(ARTICLES).removesuffix("/")


FEEDS = "/feeds/"
WEBSUB = "/websub"


def feed(slug: str, kind: Kind) -> str:
    return f"{FEEDS}{slug}{_FEED_SUFFIX[kind]}"


def current_feed_kind(path: str) -> Kind | None:
    """The kind of a current feed's path (`/feeds/<slug>.atom.xml`…), else None: archive
    documents under `/feeds/archive/` and every other path are not current feeds."""
    name = path.removeprefix(FEEDS)
    if name == path or "/" in name:
        return None
    for kind, suffix in _FEED_SUFFIX.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return kind
    return None


def feed_archive(slug: str, number: int, kind: Kind) -> str:
    """Archive document `number` (1 = the oldest) of feed `slug` (RFC 5005 section 4)."""
    return f"/feeds/archive/{slug}/{number}{_FEED_SUFFIX[kind]}"


def topic_archive(slug: str, number: int) -> str:
    """Archive page `number` (1 = the oldest) of a topic, for people."""
    return f"/topics/{slug}/archive/{number}/"


_SITEMAPS = "/sitemaps/"


def sitemap_part(number: int) -> str:
    """Sitemap `number` (from 1) under the sitemap index, when one sitemap is not enough."""
    return f"{_SITEMAPS}{number}.xml"


# An archive's path, cut around its number: the next archive is the same with number + 1.
_ARCHIVE = re.compile(
    r"(?P<head>/feeds/archive/[a-z0-9-]+/|/topics/[a-z0-9-]+/archive/)(?P<number>[1-9][0-9]*)"
    r"(?P<tail>/|\.atom\.xml|\.rss\.xml|\.json)"
)


def next_archive(path: str) -> str | None:
    """The path of the archive after archive `path`, or None if `path` is no archive."""
    match = _ARCHIVE.fullmatch(path)
    if match is None:
        return None
    return f"{match['head']}{int(match['number']) + 1}{match['tail']}"


@dataclass(frozen=True, slots=True)
class MaxAges:
    """Cache-Control max-ages in seconds (config.toml's [serve])."""

    lists: int  # feeds, the landing page, topic pages, partial archives, sitemaps, robots.txt
    articles: int  # article pages
    archives: int  # full archives (feeds and topic pages), which change only on a correction


def cache_control(path: str, ages: MaxAges, exists: Callable[[str], bool]) -> str:
    """The Cache-Control of the site's `path`; `exists(path)` says if the site has a path.

    An archive is full, its entries fixed, once the archive after it exists; until then it is
    the newest, partial archive and changes with the feed.
    """
    following = next_archive(path)
    if following is not None and exists(following):
        seconds = ages.archives
    elif is_article_page(path):
        seconds = ages.articles
    else:
        seconds = ages.lists
    return f"public, max-age={seconds}"


def absolute(base_url: str, path: str) -> str:
    """Absolute URL of a site path; `base_url` ends with a slash."""
    return base_url + path.lstrip("/")


def kind_of(path: str) -> Kind | None:
    """The kind of resource a site path names, by its shape; None if the site has none such."""
    if path.endswith(("/", ".html")):
        return Kind.HTML
    if path == OPML:
        return Kind.OPML
    if path in {SITEMAP, NEWS_SITEMAP} or path.startswith(_SITEMAPS):
        return Kind.SITEMAP
    if path == ROBOTS:
        return Kind.TEXT
    for kind, suffix in _FEED_SUFFIX.items():
        if path.endswith(suffix):
            return kind
    return None


def file_name(path: str) -> str:
    """Relative file name of a site path in static output: folders get `index.html`."""
    relative = path.lstrip("/")
    return relative + "index.html" if path.endswith("/") else relative


def site_path(file_name: str) -> str:
    """The site path of a file name in static output: the inverse of `file_name`."""
    return "/" + file_name.removesuffix("index.html")
