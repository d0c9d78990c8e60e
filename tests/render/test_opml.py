"""OPML 2.0: one outline per topic's Atom feed and `all`, to subscribe to everything at once."""

from __future__ import annotations

from lxml import etree

from feeds.render.opml import render_opml
from tests.render.conftest import Published
from tests.sitefixtures import CHANNELS, SITE_TITLE, channel_title, feed_url, page_url


def opml(published: Published) -> etree._Element:
    return etree.fromstring(published.read("opml.xml"))


def test_opml_head(published: Published) -> None:
    root = opml(published)
    assert (root.tag, root.get("version")) == ("opml", "2.0")
    assert root.findtext("head/title") == SITE_TITLE
    # The newest update of any feed, never the clock.
    assert root.findtext("head/dateModified") == "Sun, 28 Sep 2025 12:00:00 +0200"


def test_every_topic_and_all_listed_in_order(published: Published) -> None:
    outlines = [dict(outline.attrib) for outline in opml(published).findall("body/outline")]
    assert [
        (o["type"], o["text"], o["title"], o["xmlUrl"], o["htmlUrl"], o["language"])
        for o in outlines
    ] == [
        (
            "rss",
            channel_title(slug),
            channel_title(slug),
            feed_url(slug, ".atom.xml"),
            page_url(slug),
            "fr",
        )
        for slug in CHANNELS
    ]
    assert all(outline["description"] for outline in outlines)


def test_every_listed_feed_is_published(published: Published) -> None:
    for outline in opml(published).findall("body/outline"):
        name = outline.get("xmlUrl", "").removeprefix(published.site.config.base_url)
        assert (published.out / name).is_file(), name


def test_no_channels_no_date() -> None:
    root = etree.fromstring(render_opml([], "Empty"))
    assert root.find("head/dateModified") is None
    assert root.findall("body/outline") == []
