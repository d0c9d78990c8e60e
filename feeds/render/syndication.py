"""Atom 1.0 and RSS 2.0 with feedgen: the one importer of feedgen, and its quirks."""

from __future__ import annotations

from html import escape
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from feeds.model import Entry, Picture
from feeds.render import Channel
from feeds.urls import Kind

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_LINK = "{http://www.w3.org/2005/Atom}link"
HISTORY_NS = "http://purl.org/syndication/history/1.0"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
GENERATOR = "feeds"


def render_atom(channel: Channel) -> bytes:
    return bytes(_generator(channel, Kind.ATOM).atom_str(pretty=True))


def render_rss(channel: Channel) -> bytes:
    return bytes(_generator(channel, Kind.RSS).rss_str(pretty=True))


class _FeedExtras(BaseExtension):  # type: ignore[misc]
    """Declares the Media RSS and feed history namespaces, and writes what feedgen lacks at
    the feed level (feedgen 1.0 writes only `self` in RSS): the WebSub hub links
    (`atom:link rel="hub"`), the RFC 5005 links and `<fh:archive/>`, in RSS as `atom:link` in
    the channel (RFC 5005 appendix B)."""

    def __init__(self) -> None:
        self.hubs: tuple[str, ...] = ()
        self.archive = False
        self.links: tuple[tuple[str, str], ...] = ()
        self.mime_type = ""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "fh": HISTORY_NS}

    def extend_atom(self, feed: Any) -> Any:
        # feedgen's Atom elements have no namespace of their own: the root declares Atom's
        # as the default, so a plain `link` is an atom:link and serialises without a prefix.
        self._extend(feed, "link")
        return feed

    def extend_rss(self, feed: Any) -> Any:
        self._extend(feed.find("channel"), ATOM_LINK)
        return feed

    def _extend(self, parent: Any, link: str) -> None:
        for hub in self.hubs:
            xml_elem(link, parent, href=hub, rel="hub")
        if self.archive:
            xml_elem(f"{{{HISTORY_NS}}}archive", parent)
        for rel, href in self.links:
            xml_elem(link, parent, rel=rel, href=href, type=self.mime_type)


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """What feedgen lacks: Media RSS with caption and credit, xml:lang on each entry, and the
    `rel` and `type` of an entry's Atom links (feedgen 1.0 writes only their `href`)."""

    def __init__(self) -> None:
        self.picture: Picture | None = None
        self.language: str | None = None
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: Any) -> Any:
        if self.language:
            entry.set(XML_LANG, self.language)
        for element, link in zip(entry.findall("link"), self.links, strict=True):
            element.attrib.update(link)
        return self.extend_rss(entry)

    def extend_rss(self, item: Any) -> Any:
        if self.picture is None or self.picture.url is None:
            return item
        content = xml_elem(f"{{{MEDIA_NS}}}content", item, url=self.picture.url, medium="image")
        for name, text in (("description", self.picture.caption), ("credit", self.picture.credit)):
            if text:
                xml_elem(f"{{{MEDIA_NS}}}{name}", content).text = text
        return item


def _generator(channel: Channel, kind: Kind) -> FeedGenerator:
    """A FeedGenerator set up so that nothing defaults to the clock or feedgen's version."""
    feed = FeedGenerator()
    feed.register_extension("extras", _FeedExtras, _EntryExtras)
    feed.extras.hubs = channel.hubs
    feed.load_extension("dc", atom=False, rss=True)
    config = channel.config
    feed.id(channel.feed_url(Kind.ATOM))
    feed.title(channel.title)
    feed.subtitle(channel.description)
    # RSS's <channel><link> is the last link added: `self` first, then the page.
    feed.link(href=channel.document_url(kind), rel="self", type=kind.mime_type)
    feed.link(href=channel.page_url, rel="alternate", type="text/html")
    feed.language(channel.language)
    # RFC 4287 wants an author for the feed or every entry: without one, the site stands in.
    feed.author(name=config.author or config.title)
    feed.updated(channel.updated)
    feed.generator(GENERATOR)
    if config.icon:
        feed.icon(channel.url(config.icon))
    if config.logo:
        feed.logo(channel.url(config.logo))
    feed.extras.archive = channel.is_archive
    feed.extras.links = channel.history(kind)
    feed.extras.mime_type = kind.mime_type
    for entry in channel.entries:
        _add_entry(feed, channel, entry, kind)
    return feed


def _add_entry(feed: FeedGenerator, channel: Channel, entry: Entry, kind: Kind) -> None:
    item = feed.add_entry(order="append")
    item.id(entry.id)
    item.guid(entry.id, permalink=False)
    item.title(entry.title)
    links = [{"href": channel.entry_url(entry), "rel": "alternate", "type": "text/html"}]
    if entry.link:
        links.append({"href": entry.link, "rel": "related", "type": "text/html"})
    item.link(links)
    item.extras.links = links
    item.published(entry.published)
    item.updated(entry.updated)
    summary, html = channel.text(entry)
    item.content(html, type="html")
    if summary and kind is Kind.RSS:
        # RSS readers take <description> for HTML: the plain-text summary is escaped as HTML
        # once more (then once for XML), so `<script>` in it is shown, never run.
        item.description(escape(summary, quote=False), isSummary=True)
    elif summary:
        item.summary(summary)  # Atom <summary> without a type is text
    if entry.author:
        item.author(name=entry.author)
        item.dc.dc_creator(entry.author)
    if entry.rights:  # an agency's copyright notice: Atom <rights>, RSS <dc:rights>
        item.rights(entry.rights)
        item.dc.dc_rights(entry.rights)
    for label in channel.category_labels(entry):
        item.category(term=label)
    item.extras.picture = entry.picture
    item.extras.language = entry.language
    item.dc.dc_language(entry.language)  # RSS: the item's language, beside the channel's
