"""HTML pages with Jinja2: landing page, topic pages, article pages, the 404 page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from feeds import urls
from feeds.dates import format_date
from feeds.model import Entry
from feeds.render import Channel
from feeds.urls import FEED_KINDS, Kind

_FORMAT_NAMES = {Kind.ATOM: "Atom", Kind.RSS: "RSS", Kind.JSON: "JSON Feed"}
LATEST_HEADLINES = 20


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed to announce: autodiscovery `<link>` and the subscribe block."""

    title: str
    format_name: str
    mime_type: str
    url: str


def feed_links(channels: Sequence[Channel]) -> list[FeedLink]:
    """Atom, RSS and JSON Feed of each channel."""
    return [
        FeedLink(
            title=f"{channel.title} ({_FORMAT_NAMES[kind]})",
            format_name=_FORMAT_NAMES[kind],
            mime_type=kind.mime_type,
            url=channel.feed_url(kind),
        )
        for channel in channels
        for kind in FEED_KINDS
    ]


def render_home(
    all_articles: Channel, topics: Sequence[Channel], languages: Sequence[Channel] = ()
) -> bytes:
    """The landing page: every topic with its count and feeds, the latest headlines; the
    feeds of every article and of each language (`languages`) announced."""
    return _render(
        "home.html",
        all_articles,
        language=all_articles.config.language,
        title=all_articles.config.title,
        feeds=feed_links([all_articles, *languages]),
        topics=topics,
        topic_feeds={channel.topic.slug: feed_links([channel]) for channel in topics},
        headlines=all_articles.entries[:LATEST_HEADLINES],
    )


def render_topic(channel: Channel, count: int, own: Channel | None = None) -> bytes:
    """A topic page: its newest articles (a current channel), newest first, the number of
    all of them, its feed links and those of `own`, the feed of the page's language (the
    site's), and a link to its newest archive page."""
    older = channel.url(urls.topic_archive(channel.topic.slug, channel.archives))
    return _render(
        "topic.html",
        channel,
        language=channel.config.language,
        title=channel.title,
        feeds=feed_links([channel, *_present(own)]),
        count=count,
        older=older if channel.archives else None,
    )


def render_topic_archive(archive: Channel, own: Channel | None = None) -> bytes:
    """Archive page `archive.number` of a topic: its articles, newest first, linked to the
    pages before and after it. Nothing on it depends on newer articles but whether a page
    after it exists, so a full page keeps its bytes."""
    number = archive.number or 1
    slug = archive.topic.slug
    size = archive.config.archive_size
    first = (number - 1) * size + 1
    following = urls.topic_archive(slug, number + 1) if archive.has_next else None
    return _render(
        "archive.html",
        archive,
        language=archive.config.language,
        title=f"{archive.title} — articles {first} to {first + len(archive.entries) - 1}",
        feeds=feed_links([archive, *_present(own)]),
        first=first,
        current_url=archive.url(urls.topic_page(slug)),
        previous=archive.url(urls.topic_archive(slug, number - 1)) if number > 1 else None,
        next=archive.url(following) if following else None,
    )


def render_article(entry: Entry, channels: Sequence[Channel], own: Channel | None = None) -> bytes:
    """An article page; `channels` are the feeds it appears in (its topics, then `all`), and
    `own` the feed of its language, if the site has one."""
    home = channels[-1]
    return _render(
        "article.html",
        home,
        language=entry.language,
        title=f"{entry.title} — {home.config.title}",
        feeds=feed_links([*channels, *_present(own)]),
        entry=entry,
        topics=channels[:-1],
    )


def render_not_found(home: Channel) -> bytes:
    return _error_page("404.html", "Not found", home)


def render_gone(home: Channel) -> bytes:
    """What the server answers for an article page it published and no longer has."""
    return _error_page("410.html", "Gone", home)


def _error_page(name: str, title: str, home: Channel) -> bytes:
    return _render(
        name,
        home,
        language=home.config.language,
        title=f"{title} — {home.config.title}",
        feeds=feed_links([home]),
    )


def _present(channel: Channel | None) -> list[Channel]:
    return [] if channel is None else [channel]


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("feeds", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["display_date"] = format_date
    return environment


def _render(name: str, channel: Channel, **context: Any) -> bytes:
    config = channel.config
    template = _environment().get_template(name)
    page = template.render(
        site=config,
        channel=channel,
        home_url=channel.url(urls.HOME),
        opml_url=channel.url(urls.OPML),
        topic_url=lambda slug: channel.url(urls.topic_page(slug)),
        **context,
    )
    return page.encode("utf-8")
