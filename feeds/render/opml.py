"""OPML 2.0: every topic's Atom feed (and `all`, and `all-<lang>`), to subscribe to them at
once."""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from feeds.render import Channel
from feeds.urls import Kind


def render_opml(channels: Sequence[Channel], title: str) -> bytes:
    """An OPML 2.0 document; `dateModified` is the newest channel update, never the clock."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if channels:
        newest = max(channel.updated for channel in channels)
        ET.SubElement(head, "dateModified").text = format_datetime(newest)
    body = ET.SubElement(root, "body")
    for channel in channels:
        ET.SubElement(
            body,
            "outline",
            type="rss",
            text=channel.title,
            title=channel.title,
            xmlUrl=channel.feed_url(Kind.ATOM),
            htmlUrl=channel.page_url,
            description=channel.description,
            language=channel.language,
        )
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
