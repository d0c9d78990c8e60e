"""JSON Feed 1.1, with a fixed key order."""

from __future__ import annotations

from typing import Any

import orjson

from feeds.model import Entry
from feeds.render import Channel
from feeds.urls import Kind

VERSION = "https://jsonfeed.org/version/1.1"
HISTORY_ABOUT = "https://www.rfc-editor.org/rfc/rfc5005"


def render_json(channel: Channel) -> bytes:
    config = channel.config
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": channel.title,
        "home_page_url": channel.page_url,
        "feed_url": channel.feed_url(Kind.JSON),
        "description": channel.description,
        "language": channel.language,
    }
    if config.icon:
        feed["icon"] = channel.url(config.icon)
    if config.author:
        feed["authors"] = [{"name": config.author}]
    if channel.hubs:
        feed["hubs"] = [{"type": "WebSub", "url": hub} for hub in channel.hubs]
    feed.update(_history(channel))
    feed["items"] = [_item(channel, entry) for entry in channel.entries]
    # The bytes json.dumps(ensure_ascii=False, indent=2) gives, made in C: the standard
    # library indents in Python, which made JSON Feed the slowest of the three formats.
    return orjson.dumps(feed, option=orjson.OPT_INDENT_2) + b"\n"


def _item(channel: Channel, entry: Entry) -> dict[str, Any]:
    text = channel.text(entry)
    item: dict[str, Any] = {
        "id": entry.id,
        "url": channel.entry_url(entry),
        "title": entry.title,
        "content_html": text.html,
        "summary": text.summary,
        "date_published": entry.published.isoformat(),
        "date_modified": entry.updated.isoformat(),
        "language": entry.language,
        "tags": list(channel.category_labels(entry)),
    }
    if entry.link:
        item["external_url"] = entry.link
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.picture and entry.picture.url:
        item["image"] = entry.picture.url
    return item


def _history(channel: Channel) -> dict[str, Any]:
    """JSON Feed's paging, `next_url`, leads back in time: from the current feed to the
    newest archive document, from each archive document to the one before it. The RFC 5005
    links themselves go into the `_history` extension object."""
    links = dict(channel.history(Kind.JSON))
    fields: dict[str, Any] = {}
    if "prev-archive" in links:
        fields["next_url"] = links["prev-archive"]
    if channel.is_archive or links:
        fields["_history"] = {"about": HISTORY_ABOUT, "archive": channel.is_archive, **links}
    return fields
