"""JSON Feed 1.1: every built feed parsed back, with its fields, key order and encoding."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from feeds.render import Channel
from feeds.render.jsonfeed import render_json
from tests.render.conftest import Published
from tests.sitefixtures import (
    CHANNELS,
    MAX_ENTRIES,
    channel_title,
    expected_feed,
    expected_in,
    feed_url,
    page_url,
)

FEED_KEYS = [
    "version",
    "title",
    "home_page_url",
    "feed_url",
    "description",
    "language",
    "authors",
    "next_url",  # the newest archive document (History)
    "_history",
    "items",
]
ITEM_KEYS = [
    "id",
    "url",
    "title",
    "content_html",
    "summary",
    "date_published",
    "date_modified",
    "language",
    "tags",
]


def feed_of(published: Published, slug: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(published.read(f"feeds/{slug}.json"))
    return data


@pytest.mark.parametrize("slug", CHANNELS)
def test_feed_fields_in_a_fixed_order(published: Published, slug: str) -> None:
    feed = feed_of(published, slug)
    history = {"next_url", "_history"}  # a feed without entries has no archive
    assert list(feed) == [key for key in FEED_KEYS if expected_in(slug) or key not in history]
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == channel_title(slug)
    assert feed["home_page_url"] == page_url(slug)
    assert feed["feed_url"] == feed_url(slug, ".json")
    assert feed["language"] == "fr"
    assert feed["authors"] == [{"name": "Desk"}]


@pytest.mark.parametrize("slug", CHANNELS)
def test_items_are_the_newest_articles_newest_first(published: Published, slug: str) -> None:
    items = feed_of(published, slug)["items"]
    assert [item["id"] for item in items] == [want.id for want in expected_feed(slug)]
    assert len(items) <= MAX_ENTRIES
    moments = [datetime.fromisoformat(item["date_published"]) for item in items]
    assert moments == sorted(moments, reverse=True)


@pytest.mark.parametrize("slug", CHANNELS)
def test_items_round_trip(published: Published, slug: str) -> None:
    for item, want in zip(feed_of(published, slug)["items"], expected_feed(slug), strict=True):
        model = published.entry(want.slug)
        text = published.text(model)
        assert list(item)[: len(ITEM_KEYS)] == ITEM_KEYS
        assert item["url"] == want.url
        assert item["title"] == want.title
        assert (item["content_html"], item["summary"]) == (text.html, text.summary)
        assert item["date_published"] == want.published
        assert item["date_modified"] == want.last_update
        assert datetime.fromisoformat(item["date_modified"]).utcoffset() is not None
        assert item["language"] == want.language
        assert item["tags"] == want.categories
        assert item["authors"] == [{"name": model.author}]


def test_optional_item_fields(published: Published) -> None:
    items = {item["id"]: item for item in feed_of(published, "all")["items"]}
    items.update({item["id"]: item for item in feed_of(published, "economy")["items"]})
    extras = {
        key: {name: item[name] for name in ("image", "external_url") if name in item}
        for key, item in items.items()
    }
    assert {key: value for key, value in extras.items() if value} == {
        "tag:news.example.org,2025-09-10:glacier-retreat": {
            "image": "https://img.example.net/glacier.jpg"
        },
        "urn:uuid:1b0c9a52-7c1e-4a51-9d0e-3f1f6b2c8e41": {
            "external_url": "https://origin.example.com/auftraege"
        },
    }


def test_written_as_utf8_with_a_final_newline(published: Published) -> None:
    data = published.read("feeds/economy.json")
    assert "Économie".encode() in data
    assert b"\\u" not in data
    assert data.endswith(b"}\n")


def test_empty_channel(published: Published) -> None:
    config = published.site.config
    feed = json.loads(render_json(Channel(config, config.topic("sport"), (), published.store)))
    assert feed["items"] == []
    assert feed["home_page_url"] == page_url("sport")
