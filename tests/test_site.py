"""The site map: which paths are published at a given moment, with their type and key."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest

from feeds import urls
from feeds.manifest import MANIFEST
from feeds.site import Site
from feeds.urls import Kind
from tests.sitefixtures import (
    ARTICLES,
    CHANNELS,
    MAX_ENTRIES,
    NOW,
    PUBLISHED,
    TOPICS,
    expected_in,
    make_site,
    site_at,
)

FEED_SUFFIXES = {Kind.ATOM: ".atom.xml", Kind.RSS: ".rss.xml", Kind.JSON: ".json"}
EMBARGO_LIFTS = datetime.fromisoformat("2099-01-01T00:00:00+01:00")


@pytest.fixture(scope="module")
def config_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="module")
def site(config_path: Path) -> Site:
    return site_at(config_path)


def _feeds(slug: str) -> list[str]:
    """A channel's archive (archive_size is 100 here: one document) and current feeds."""
    archive = [f"/feeds/archive/{slug}/1{suffix}" for suffix in FEED_SUFFIXES.values()]
    current = [f"/feeds/{slug}{suffix}" for suffix in FEED_SUFFIXES.values()]
    return archive + current if expected_in(slug) else current


def _archive_pages(slug: str) -> list[str]:
    return [f"/topics/{slug}/archive/1/"] if expected_in(slug) else []


def test_paths_in_publishing_order(site: Site) -> None:
    # Articles first, then topic pages (archives before), feeds (archives before), the landing
    # page, and what lists them last: a reader of a half-synced site never follows a link to a
    # page that is not there yet.
    assert list(site.resources) == [
        *(f"/articles/{want.slug}/" for want in PUBLISHED),
        *(path for slug in TOPICS for path in [*_archive_pages(slug), f"/topics/{slug}/"]),
        *(path for slug in CHANNELS for path in _feeds(slug)),
        "/",
        "/404.html",
        "/410.html",
        "/opml.xml",
        "/sitemap.xml",
        "/news-sitemap.xml",
        "/robots.txt",
    ]
    assert all(path == resource.path for path, resource in site.resources.items())


def test_kinds_match_paths(site: Site) -> None:
    for resource in site:
        if resource.path.endswith(("/", ".html")):
            assert resource.kind is Kind.HTML
        elif resource.path == "/opml.xml":
            assert resource.kind is Kind.OPML
        elif resource.path in {"/sitemap.xml", "/news-sitemap.xml"}:
            assert resource.kind is Kind.SITEMAP
        elif resource.path == "/robots.txt":
            assert resource.kind is Kind.TEXT
        else:
            assert resource.path.endswith(FEED_SUFFIXES[resource.kind])


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [
        (Kind.HTML, "text/html; charset=utf-8"),
        (Kind.ATOM, "application/atom+xml; charset=utf-8"),
        (Kind.RSS, "application/rss+xml; charset=utf-8"),
        (Kind.JSON, "application/feed+json; charset=utf-8"),
        (Kind.OPML, "text/x-opml; charset=utf-8"),
        (Kind.SITEMAP, "application/xml; charset=utf-8"),
        (Kind.TEXT, "text/plain; charset=utf-8"),
    ],
)
def test_content_types(kind: Kind, content_type: str) -> None:
    assert kind.content_type == content_type


def test_opml_date_is_the_newest_update_of_the_feeds_it_lists(site: Site) -> None:
    opml = ElementTree.fromstring(site.resources["/opml.xml"].render())
    listed = [outline.get("xmlUrl", "") for outline in opml.iter("outline")]
    assert len(listed) == len(TOPICS) + 1
    updates = []
    for url in listed:
        path = url.removeprefix(site.config.base_url.rstrip("/"))
        updates.append(feedparser.parse(site.resources[path].render()).feed.updated_parsed)
    date_modified = parsedate_to_datetime(opml.findtext("head/dateModified", ""))
    assert date_modified.isoformat() == "2025-09-28T12:00:00+02:00"
    assert date_modified.utctimetuple()[:6] == max(updates)[:6]


def test_rendering_is_repeatable(site: Site) -> None:
    for resource in site:
        assert resource.render() == resource.render(), resource.path


def test_cache_control(site: Site) -> None:
    config = site.config

    def cache_control(path: str) -> str:
        return urls.cache_control(path, config.max_ages, site.resources.__contains__)

    assert cache_control("/articles/quotes/") == f"public, max-age={config.article_max_age}"
    lists = ("/", "/topics/economy/", "/feeds/all.atom.xml", "/opml.xml", "/sitemap.xml")
    # The only archive of each feed is its newest, partial one: cached like the feed.
    partial = ("/feeds/archive/all/1.atom.xml", "/topics/economy/archive/1/", "/robots.txt")
    for path in lists + partial:
        assert cache_control(path) == f"public, max-age={config.cache_max_age}"


def test_feeds_are_cut_to_max_entries_but_pages_list_everything(site: Site) -> None:
    feed = feedparser.parse(site.resources["/feeds/all.atom.xml"].render())
    assert len(feed.entries) == MAX_ENTRIES < len(PUBLISHED)
    home = site.resources["/"].render().decode()
    assert all(want.url in home for want in PUBLISHED)
    topic = site.resources["/topics/ukraine/"].render().decode()
    assert all(want.url in topic for want in expected_in("ukraine"))


@pytest.mark.parametrize(
    ("now", "held_back", "next_embargo"),
    [
        (NOW, True, EMBARGO_LIFTS),
        (EMBARGO_LIFTS - timedelta(seconds=1), True, EMBARGO_LIFTS),
        (EMBARGO_LIFTS, False, None),
    ],
)
def test_embargo_lifts_at_its_moment(
    config_path: Path, now: datetime, held_back: bool, next_embargo: datetime | None
) -> None:
    site = site_at(config_path, now)
    assert ("/articles/held-report/" not in site.resources) is held_back
    assert site.catalog.next_embargo == next_embargo
    # Every other article is older than the news sitemap's 48 hours; the one of the embargo
    # ages out of it 48 hours after it appears.
    assert site.next_change == (next_embargo or EMBARGO_LIFTS + timedelta(hours=48))
    assert "/articles/budget-notes/" not in site.resources  # a draft, never published


def test_before_any_article_every_path_still_renders(config_path: Path) -> None:
    site = site_at(config_path, datetime.fromisoformat("2000-01-01T00:00:00+00:00"))
    assert not [path for path in site.resources if path.startswith("/articles/")]
    for resource in site:
        data = resource.render()
        if resource.kind in (Kind.ATOM, Kind.RSS):
            assert feedparser.parse(data).bozo == 0
    assert b"No articles yet." in site.resources["/"].render()


def test_a_rejected_article_is_left_out(tmp_path: Path) -> None:
    articles = {**ARTICLES, "bad.md": "no front matter here\n"}
    site = site_at(make_site(tmp_path, articles))
    assert [problem.path for problem in site.loaded.problems] == ["articles/bad.md"]
    assert len(site.catalog.entries) == len(PUBLISHED)


def test_characters_xml_forbids_never_reach_a_feed(tmp_path: Path) -> None:
    articles = {
        "bell.md": "---\ntitle: Ring the bell\ndate: 2025-09-01T10:00:00+02:00\n---\n"
        "A form\x0cfeed, a bell\x07 and an escape\x1b in the lead.\n",
        "bell-wire.txt": "Un titre\x08 de dépêche\n\nATS\n\n1.9.2025 - 09:00\n\nUn lead\x0b ici.\n",
    }
    site = site_at(make_site(tmp_path, articles))
    assert site.loaded.problems == ()
    assert sorted(entry.title for entry in site.catalog.entries) == [
        "Ring the bell",
        "Un titre de dépêche",
    ]
    for resource in site:
        data = resource.render()
        assert not any(byte in data for byte in b"\x07\x08\x0b\x0c\x1b"), resource.path
        if resource.kind in (Kind.ATOM, Kind.RSS):
            assert feedparser.parse(data).bozo == 0, resource.path


def test_manifest_is_not_a_page(site: Site) -> None:
    # the engine keeps its list of written files beside them; no URL of the site may reach it.
    names = {urls.file_name(path) for path in site.resources}
    assert MANIFEST not in names
    assert not [name for name in names if name.startswith(".")]
