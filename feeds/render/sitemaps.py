"""Discovery for search engines: sitemaps (sitemaps.org 0.9), a Google News sitemap and
robots.txt. Plain text templates: each `<url>`'s bytes are known before it is written, so
the sitemaps can be cut at the protocol's limits exactly."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice, takewhile
from typing import NamedTuple
from xml.sax.saxutils import escape

from feeds.model import Entry
from feeds.render import Channel

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
# The sitemaps.org protocol: at most 50,000 URLs and 50 MB (52,428,800 bytes) per file.
MAX_URLS = 50_000
MAX_BYTES = 52_428_800
# Google News: articles published in the last two days, at most 1,000 a sitemap.
NEWS_WINDOW = timedelta(hours=48)
NEWS_MAX_URLS = 1_000

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_URLSET_HEAD = f'{_DECLARATION}<urlset xmlns="{SITEMAP_NS}">\n'
_URLSET_TAIL = "</urlset>\n"
_ENTITIES = {'"': "&quot;", "'": "&apos;"}


@dataclass(frozen=True, slots=True)
class Location:
    """One URL of a sitemap, with the last change of what it shows (None: nothing yet)."""

    url: str
    lastmod: datetime | None


class Line(NamedTuple):
    """One URL's `<url>` element in a sitemap, and the last change it gives."""

    text: str
    lastmod: datetime | None


def line(location: Location) -> Line:
    return Line(_url(location), location.lastmod)


@dataclass(frozen=True, slots=True)
class Urlset:
    """One sitemap: the text of its `<url>` elements, and the newest `lastmod` among them
    (its own in the sitemap index)."""

    urls: tuple[str, ...]
    lastmod: datetime | None


def partition(lines: Iterable[Line]) -> list[Urlset]:
    """The lines cut into sitemaps of at most MAX_URLS URLs and MAX_BYTES bytes, in order
    (the limits are read at each call, so a test can lower them)."""
    max_urls, max_bytes = MAX_URLS, MAX_BYTES
    empty = len(_URLSET_HEAD) + len(_URLSET_TAIL)
    parts: list[Urlset] = []
    part: list[str] = []
    size, newest = empty, None
    for text, lastmod in lines:
        grows = len(text) if text.isascii() else len(text.encode("utf-8"))
        if part and (len(part) == max_urls or size + grows > max_bytes):
            parts.append(Urlset(tuple(part), newest))
            part, size, newest = [], empty, None
        part.append(text)
        size += grows
        if lastmod is not None and (newest is None or lastmod > newest):
            newest = lastmod
    parts.append(Urlset(tuple(part), newest))
    return parts


def render_urlset(urlset: Urlset) -> bytes:
    """A sitemap: `<urlset>` with each page's `loc` and `lastmod`."""
    return f"{_URLSET_HEAD}{''.join(urlset.urls)}{_URLSET_TAIL}".encode()


def render_index(sitemaps: Iterable[Location]) -> bytes:
    """A sitemap index: `<sitemapindex>` of the sitemaps, each with its newest `lastmod`."""
    body = "".join(
        f"<sitemap>\n<loc>{_text(sitemap.url)}</loc>\n{_lastmod(sitemap.lastmod)}</sitemap>\n"
        for sitemap in sitemaps
    )
    head = f'{_DECLARATION}<sitemapindex xmlns="{SITEMAP_NS}">\n'
    return f"{head}{body}</sitemapindex>\n".encode()


def news_entries(entries: Iterable[Entry], now: datetime) -> tuple[Entry, ...]:
    """Of published entries, newest first, those first published in the 48 hours before
    `now`: at most 1,000, the newest."""
    since = now - NEWS_WINDOW
    recent = takewhile(lambda entry: entry.published > since, entries)  # newest first
    return tuple(islice((entry for entry in recent if entry.published <= now), NEWS_MAX_URLS))


def render_news(home: Channel, entries: Iterable[Entry]) -> bytes:
    """A Google News sitemap: each article's URL, the publication's name and the article's
    language, its first publication and its title."""
    name = _text(home.config.title)
    body = "".join(
        f"<url>\n<loc>{_text(home.entry_url(entry))}</loc>\n<news:news>\n"
        f"<news:publication>\n<news:name>{name}</news:name>\n"
        f"<news:language>{news_language(entry.language)}</news:language>\n"
        f"</news:publication>\n"
        f"<news:publication_date>{entry.published.isoformat()}</news:publication_date>\n"
        f"<news:title>{_text(entry.title)}</news:title>\n</news:news>\n</url>\n"
        for entry in entries
    )
    head = f'{_DECLARATION}<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">\n'
    return f"{head}{body}{_URLSET_TAIL}".encode()


def news_language(tag: str) -> str:
    """Google News wants the ISO 639 code (`it-IT` → `it`), but `zh-cn` and `zh-tw` whole."""
    lowered = tag.lower()
    if lowered in {"zh-cn", "zh-tw"}:
        return lowered
    return lowered.split("-")[0]


def render_robots(sitemaps: Iterable[str], lines: Iterable[str]) -> bytes:
    """robots.txt: everything allowed to every robot, the sitemaps, then the site's lines."""
    text = "User-agent: *\nAllow: /\n\n"
    text += "".join(f"Sitemap: {url}\n" for url in sitemaps)
    extra = "\n".join(lines)
    if extra:
        text += f"\n{extra}\n"
    return text.encode("utf-8")


def _url(location: Location) -> str:
    return f"<url>\n<loc>{_text(location.url)}</loc>\n{_lastmod(location.lastmod)}</url>\n"


def _lastmod(moment: datetime | None) -> str:
    return "" if moment is None else f"<lastmod>{moment.isoformat()}</lastmod>\n"


def _text(value: str) -> str:
    return escape(value, _ENTITIES)
