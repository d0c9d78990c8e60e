"""Discovery for search engines: sitemaps (sitemaps.org 0.9), a Google News sitemap and
robots.txt. Plain text templates: each `<url>`'s bytes are known before it is written, so
the sitemaps can be cut at the protocol's limits exactly."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate, islice, takewhile
from operator import attrgetter
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
_TEXT, _SIZE, _STAMP = attrgetter("text"), attrgetter("size"), attrgetter("stamp")


@dataclass(frozen=True, slots=True)
class Location:
    """One URL of a sitemap, with the last change of what it shows (None: nothing yet)."""

    url: str
    lastmod: datetime | None


class Line(NamedTuple):
    """One URL's `<url>` element in a sitemap, its size in bytes, and the last change it
    gives, also as a POSIX timestamp (-inf for none): comparing floats instead of datetimes
    of many offsets made cutting 100,000 lines into sitemaps several times faster."""

    text: str
    size: int
    lastmod: datetime | None
    stamp: float


def line(location: Location) -> Line:
    text, lastmod = _url(location), location.lastmod
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    return Line(text, size, lastmod, -math.inf if lastmod is None else lastmod.timestamp())


def newest(lines: Sequence[Line]) -> datetime | None:
    """The latest last change among `lines` (the first such line's), if any."""
    return max(lines, key=_STAMP).lastmod if lines else None


@dataclass(frozen=True, slots=True)
class Urlset:
    """One sitemap: the text of its `<url>` elements, and the newest `lastmod` among them
    (its own in the sitemap index)."""

    urls: tuple[str, ...]
    lastmod: datetime | None


def partition(lines: Sequence[Line]) -> list[Urlset]:
    """The lines cut into sitemaps of at most MAX_URLS URLs and MAX_BYTES bytes, in order
    (the limits are read at each call, so a test can lower them); a line too long for any
    sitemap has one of its own."""
    room = MAX_BYTES - len(_URLSET_HEAD) - len(_URLSET_TAIL)
    ends = list(accumulate(map(_SIZE, lines)))  # the bytes of the lines up to each one
    parts: list[Urlset] = []
    start = 0
    while start < len(lines) or not parts:
        used = ends[start - 1] if start else 0
        end = min(bisect_right(ends, used + room, lo=start), start + MAX_URLS)
        part = lines[start : max(end, start + 1)]
        parts.append(Urlset(tuple(map(_TEXT, part)), newest(part)))
        start += len(part)
    return parts


def render_urlset(urlset: Urlset) -> bytes:
    """A sitemap: `<urlset>` with each page's `loc` and `lastmod`."""
    # One join, not two: a sitemap of 50,000 URLs is 6.5 MB.
    return "".join((_URLSET_HEAD, *urlset.urls, _URLSET_TAIL)).encode()


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
