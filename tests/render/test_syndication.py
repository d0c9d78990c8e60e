"""Atom and RSS: every built feed parsed back, Atom checked against RFC 4287, feedgen pinned."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.model import Entry
from feeds.render import Channel
from feeds.render.syndication import render_atom, render_rss
from tests.render.conftest import Published
from tests.sitefixtures import (
    CHANNELS,
    MAX_ENTRIES,
    Expected,
    channel_title,
    expected_feed,
    feed_url,
    page_url,
)

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
SCHEMA = Path(__file__).parent.parent / "schemas" / "atom.rng"
SUFFIX = {"atom": ".atom.xml", "rss": ".rss.xml"}
VERSION = {"atom": "atom10", "rss": "rss20"}
MIME = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
CASES = [(slug, kind) for slug in CHANNELS for kind in SUFFIX]
EPOCH = "1970-01-01T00:00:00+00:00"
ATOM_DATE = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)")
RSS_DATE = re.compile(rb"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}")


def feed_bytes(published: Published, slug: str, kind: str) -> bytes:
    return published.read(f"feeds/{slug}{SUFFIX[kind]}")


def parsed(published: Published, slug: str, kind: str) -> feedparser.FeedParserDict:
    return feedparser.parse(feed_bytes(published, slug, kind))


def tree(published: Published, slug: str, kind: str) -> etree._Element:
    return etree.fromstring(feed_bytes(published, slug, kind))


def rfc822(iso: str) -> str:
    return format_datetime(datetime.fromisoformat(iso))


def newest_update(slug: str) -> str:
    """What a feed must give as its last change: its newest entry's update, never the clock."""
    entries = expected_feed(slug)
    if not entries:
        return EPOCH
    return max(entries, key=lambda e: datetime.fromisoformat(e.last_update)).last_update


def items(published: Published, slug: str, kind: str) -> list[tuple[etree._Element, Expected]]:
    """Each raw entry (Atom) or item (RSS) with the article it must be."""
    root = tree(published, slug, kind)
    found = root.findall("a:entry", NS) if kind == "atom" else root.findall("channel/item")
    return list(zip(found, expected_feed(slug), strict=True))


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_feed_parses_as_its_format(published: Published, slug: str, kind: str) -> None:
    feed = parsed(published, slug, kind)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == VERSION[kind]
    assert feed.feed.title == channel_title(slug)
    assert feed.feed.language == "fr"


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_entries_are_the_newest_articles_newest_first(
    published: Published, slug: str, kind: str
) -> None:
    entries = parsed(published, slug, kind).entries
    assert [entry.id for entry in entries] == [want.id for want in expected_feed(slug)]
    assert len(entries) <= MAX_ENTRIES
    moments = [entry.published_parsed for entry in entries]
    assert moments == sorted(moments, reverse=True)


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_entries_round_trip(published: Published, slug: str, kind: str) -> None:
    entries = parsed(published, slug, kind).entries
    for entry, want in zip(entries, expected_feed(slug), strict=True):
        assert entry.title == want.title
        assert entry.link == want.url
        assert [tag.term for tag in entry.tags] == want.categories
        assert entry.summary == published.text(published.entry(want.slug)).summary
        assert entry.content, "no full content"


@pytest.mark.parametrize("slug", CHANNELS)
def test_atom_entries_carry_exact_text_dates_and_content(published: Published, slug: str) -> None:
    for element, want in items(published, slug, "atom"):
        text = published.text(published.entry(want.slug))
        assert element.findtext("a:title", namespaces=NS) == want.title
        assert element.findtext("a:published", namespaces=NS) == want.published
        assert element.findtext("a:updated", namespaces=NS) == want.last_update
        content = element.find("a:content", NS)
        assert content is not None
        assert content.get("type") == "html"
        assert content.text == text.html
        assert element.findtext("a:summary", namespaces=NS) == text.summary
        assert element.get(XML_LANG) == want.language


@pytest.mark.parametrize("slug", CHANNELS)
def test_rss_items_carry_exact_text_dates_and_content(published: Published, slug: str) -> None:
    for element, want in items(published, slug, "rss"):
        model = published.entry(want.slug)
        text = published.text(model)
        assert element.findtext("title") == want.title
        assert element.findtext("link") == want.url
        assert element.findtext("pubDate") == rfc822(want.published)
        guid = element.find("guid")
        assert guid is not None
        assert (guid.text, guid.get("isPermaLink")) == (want.id, "false")
        assert element.findtext("description") == escape(text.summary, quote=False)
        assert element.findtext("content:encoded", namespaces=NS) == text.html
        assert element.findtext("dc:creator", namespaces=NS) == model.author


@pytest.mark.parametrize("slug", CHANNELS)
def test_atom_entry_links(published: Published, slug: str) -> None:
    for element, want in items(published, slug, "atom"):
        links = [dict(link.attrib) for link in element.findall("a:link", NS)]
        related = published.entry(want.slug).link
        assert links == [
            {"href": want.url, "rel": "alternate", "type": "text/html"},
            *([{"href": related, "rel": "related", "type": "text/html"}] if related else []),
        ]


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_feed_links_are_absolute(published: Published, slug: str, kind: str) -> None:
    links = {link.rel: link for link in parsed(published, slug, kind).feed.links}
    assert links["self"].href == feed_url(slug, SUFFIX[kind])
    assert links["self"].type == MIME[kind]
    assert links["alternate"].href == page_url(slug)


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_feed_updated_is_the_newest_entry_update(
    published: Published, slug: str, kind: str
) -> None:
    root = tree(published, slug, kind)
    if kind == "atom":
        assert root.findtext("a:updated", namespaces=NS) == newest_update(slug)
    else:
        assert root.findtext("channel/lastBuildDate") == rfc822(newest_update(slug))


@pytest.mark.parametrize(("slug", "kind"), CASES)
def test_generator_is_feeds_without_a_version(published: Published, slug: str, kind: str) -> None:
    root = tree(published, slug, kind)
    generator = root.find("a:generator" if kind == "atom" else "channel/generator", NS)
    assert generator is not None
    assert (generator.text, dict(generator.attrib)) == ("feeds", {})
    assert b"feedgen" not in feed_bytes(published, slug, kind).lower()


@pytest.mark.parametrize("kind", SUFFIX)
def test_pictures_with_a_url_become_media_content(published: Published, kind: str) -> None:
    pictures = {}
    for element, want in items(published, "all", kind):
        for media in element.findall("media:content", NS):
            pictures[want.slug] = (
                dict(media.attrib),
                media.findtext("media:description", namespaces=NS),
                media.findtext("media:credit", namespaces=NS),
            )
    # The wire story's picture has a caption but no image URL: it stays in the body only.
    assert pictures == {
        "glacier-retreat": (
            {"url": "https://img.example.net/glacier.jpg", "medium": "image"},
            "Meltwater running off the glacier tongue in late August.",
            "Photo Desk/Example",
        )
    }


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(SCHEMA))


@pytest.mark.parametrize("slug", CHANNELS)
def test_atom_is_valid_rfc_4287(
    published: Published, slug: str, atom_schema: etree.RelaxNG
) -> None:
    root = tree(published, slug, "atom")
    assert atom_schema.validate(root), atom_schema.error_log
    # The RFC's rules that its RELAX NG schema leaves to Schematron.
    feed_has_author = root.find("a:author", NS) is not None
    for entry in root.findall("a:entry", NS):
        assert feed_has_author or entry.find("a:author", NS) is not None
        alternates = [
            (link.get("type"), link.get("hreflang"))
            for link in entry.findall("a:link", NS)
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternates) == len(set(alternates)) >= 1


@pytest.mark.parametrize(("site_author", "feed_author"), [("Desk", "Desk"), ("", "Lakeside Wire")])
def test_atom_always_has_an_author(
    published: Published, atom_schema: etree.RelaxNG, site_author: str, feed_author: str
) -> None:
    # RFC 4287: an author for the feed, or for every entry; a site may configure none.
    config = dataclasses.replace(published.site.config, author=site_author)
    entries = tuple(dataclasses.replace(e, author="") for e in published.site.catalog.entries)
    root = etree.fromstring(
        render_atom(Channel(config, config.topic("all"), entries, published.store))
    )
    assert atom_schema.validate(root), atom_schema.error_log
    assert [a.findtext("a:name", namespaces=NS) for a in root.findall("a:author", NS)] == [
        feed_author
    ]


def _without_feed_id(root: etree._Element) -> None:
    root.remove(root.find("a:id", NS))


def _entry_without_updated(root: etree._Element) -> None:
    entry = root.find("a:entry", NS)
    entry.remove(entry.find("a:updated", NS))


def _date_without_offset(root: etree._Element) -> None:
    root.find("a:updated", NS).text = "2025-09-28 12:00"


def _unknown_atom_element(root: etree._Element) -> None:
    etree.SubElement(root.find("a:entry", NS), "{http://www.w3.org/2005/Atom}teaser")


def _foreign_element_in_link(root: etree._Element) -> None:
    # Allowed: RFC 4287 lets foreign markup into atom:link; the schema must not be too strict.
    etree.SubElement(root.find("a:link", NS), "{http://example.org/ext}note").text = "ok"


SCHEMA_CASES = [
    (_without_feed_id, False),
    (_entry_without_updated, False),
    (_date_without_offset, False),
    (_unknown_atom_element, False),
    (_foreign_element_in_link, True),
]


@pytest.mark.parametrize(
    ("change", "valid"),
    SCHEMA_CASES,
    ids=[change.__name__.strip("_") for change, _ in SCHEMA_CASES],
)
def test_schema_is_not_vacuous(
    published: Published,
    atom_schema: etree.RelaxNG,
    change: Callable[[etree._Element], None],
    valid: bool,
) -> None:
    root = tree(published, "all", "atom")
    change(root)
    assert atom_schema.validate(root) is valid


# Quirks of feedgen 1.0, pinned through our wrapper (ARCHITECTURE, habit 5).


def channel_of(published: Published, entries: tuple[Entry, ...]) -> Channel:
    config = published.site.config
    return Channel(config, config.topic("economy"), entries, published.store)


def test_entries_keep_our_order(published: Published) -> None:
    # feedgen prepends entries unless told to append: the wrapper must keep the given order.
    entries = tuple(reversed(published.site.catalog.entries))
    channel = channel_of(published, entries)
    atom = etree.fromstring(render_atom(channel))
    rss = etree.fromstring(render_rss(channel))
    ids = [entry.id for entry in entries]
    assert [e.findtext("a:id", namespaces=NS) for e in atom.findall("a:entry", NS)] == ids
    assert [e.findtext("guid") for e in rss.findall("channel/item")] == ids


def test_rss_channel_link_is_the_topic_page(published: Published) -> None:
    # feedgen writes the last link added as <channel><link>: it must be the page, not `self`.
    rss = etree.fromstring(render_rss(channel_of(published, published.site.catalog.entries)))
    assert rss.findtext("channel/link") == page_url("economy")


@pytest.mark.parametrize("render", [render_atom, render_rss], ids=["atom", "rss"])
@pytest.mark.parametrize("count", [0, 1, 6])
def test_no_date_comes_from_the_clock(
    published: Published, render: Callable[[Channel], bytes], count: int
) -> None:
    entries = published.site.catalog.entries[:count]
    data = render(channel_of(published, entries))
    moments = {moment for entry in entries for moment in (entry.published, entry.updated)}
    allowed_atom = {m.isoformat().encode() for m in moments} | {EPOCH.encode()}
    allowed_rss = {format_datetime(m).encode() for m in moments}
    allowed_rss.add(b"Thu, 01 Jan 1970 00:00:00 +0000")
    assert set(ATOM_DATE.findall(data)) <= allowed_atom
    assert set(RSS_DATE.findall(data)) <= allowed_rss
    assert ATOM_DATE.search(data) or RSS_DATE.search(data)


def test_summary_and_content_stay_apart(published: Published) -> None:
    # feedgen's description() would fill Atom content; summary and body must each keep their place.
    entry = published.entry("quotes")
    atom = etree.fromstring(render_atom(channel_of(published, (entry,))))
    assert atom.findtext("a:entry/a:summary", namespaces=NS) == published.text(entry).summary
    assert atom.findtext("a:entry/a:content", namespaces=NS) == published.text(entry).html
    assert b"CDATA" not in render_atom(channel_of(published, (entry,)))


def test_media_content_is_not_grouped(published: Published) -> None:
    # feedgen's media extension wraps content in media:group; ours writes media:content alone.
    channel = channel_of(published, (published.entry("glacier-retreat"),))
    for data in (render_atom(channel), render_rss(channel)):
        root = etree.fromstring(data)
        assert root.findall(".//media:group", NS) == []
        assert len(root.findall(".//media:content", NS)) == 1


def test_feedgen_refuses_control_characters(published: Published) -> None:
    # feedgen raises on characters XML forbids: the readers must drop them before rendering
    # (see test_site's test for such an article built end to end).
    entry = dataclasses.replace(published.entry("quotes"), title="bell\x07")
    with pytest.raises(ValueError, match="control characters"):
        render_atom(channel_of(published, (entry,)))
