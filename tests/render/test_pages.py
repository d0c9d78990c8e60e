"""HTML pages: strict HTML5, autodiscovery, a subscribe block, languages, literal titles, dates."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import pytest

from feeds.render import Channel
from feeds.render.pages import render_topic
from feeds.store import FOLDER
from tests.render.conftest import Published
from tests.sitefixtures import (
    BASE_URL,
    PUBLISHED,
    SITE_TITLE,
    TOPIC_TITLES,
    TOPICS,
    TRICKY_TITLE,
    UNPUBLISHED,
    channel_title,
    expected_in,
    feed_url,
    make_site,
    run_main,
)

PAGES = [
    "index.html",
    *(f"topics/{slug}/index.html" for slug in TOPICS),
    *(f"articles/{want.slug}/index.html" for want in PUBLISHED),
]
FEED_TYPES = [
    (".atom.xml", "application/atom+xml", "Atom"),
    (".rss.xml", "application/rss+xml", "RSS"),
    (".json", "application/feed+json", "JSON Feed"),
]


def parse(data: bytes) -> Element:
    """Parse as HTML5, failing on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document: Element = parser.parse(data, transport_encoding="utf-8")
    return document


def page(published: Published, name: str) -> Element:
    return parse(published.read(name))


def text(element: Element | None) -> str:
    assert element is not None
    return "".join(element.itertext())


def hrefs(element: Element) -> list[str]:
    return [link.get("href", "") for link in element.iter("a")]


@pytest.mark.parametrize("name", PAGES)
def test_page_is_strict_html5_without_script(published: Published, name: str) -> None:
    document = page(published, name)
    assert list(document.iter("script")) == []
    assert b"<script" not in published.read(name).lower()
    # Every link absolute, so a page saved or proxied elsewhere still works.
    assert all(href.startswith("https://") for href in hrefs(document))


def test_not_found_page_is_strict_html5(published: Published) -> None:
    document = parse(published.read("404.html"))
    assert text(document.find(".//h1")) == "Not found"
    assert BASE_URL in hrefs(document)


def feeds_announced(slugs: list[str]) -> list[dict[str, str]]:
    return [
        {
            "rel": "alternate",
            "type": mime,
            "title": f"{channel_title(slug)} ({name})",
            "href": feed_url(slug, suffix),
        }
        for slug in slugs
        for suffix, mime, name in FEED_TYPES
    ]


# Each page announces the feeds it belongs to: its topics' feeds, then `all`.
AUTODISCOVERY = [
    ("index.html", ["all"]),
    *((f"topics/{slug}/index.html", [slug]) for slug in TOPICS),
    *((f"articles/{want.slug}/index.html", [*want.topics, "all"]) for want in PUBLISHED),
]


@pytest.mark.parametrize(("name", "slugs"), AUTODISCOVERY)
def test_autodiscovery_and_subscribe_block(
    published: Published, name: str, slugs: list[str]
) -> None:
    document = page(published, name)
    head = document.find("head")
    assert head is not None
    links = [dict(link.attrib) for link in head.iter("link") if link.get("rel") == "alternate"]
    assert links == feeds_announced(slugs)
    subscribe = document.find(".//section[@id='subscribe']")
    assert subscribe is not None
    assert hrefs(subscribe) == [link["href"] for link in links] + [f"{BASE_URL}opml.xml"]


LANGUAGES = [
    ("index.html", "fr"),
    ("topics/climate/index.html", "fr"),
    *((f"articles/{want.slug}/index.html", want.language) for want in PUBLISHED),
]


@pytest.mark.parametrize(("name", "language"), LANGUAGES)
def test_html_lang(published: Published, name: str, language: str) -> None:
    assert page(published, name).get("lang") == language


def test_title_is_shown_literally(published: Published) -> None:
    data = published.read("articles/quotes/index.html")
    document = parse(data)
    assert text(document.find(".//title")) == f"{TRICKY_TITLE} — {SITE_TITLE}"
    assert text(document.find(".//h1")) == TRICKY_TITLE
    assert b"<b>" not in data.split(b"<h1>")[1].split(b"</h1>")[0]
    for name in ("index.html", "topics/economy/index.html"):
        titles = [text(link) for link in page(published, name).iter("a")]
        assert TRICKY_TITLE in titles


# Dates written out in the article's language, in its time zone, on its page and in lists.
DATES = [
    ("port-drones", "21 août 2025, 06:28", "2025-08-21T06:28:00+02:00"),
    ("glacier-retreat", "10 September 2025, 08:00", "2025-09-10T08:00:00+02:00"),
    ("auftraege", "1. August 2025, 07:30", "2025-08-01T07:30:00+02:00"),
    ("istanbul-talks", "2 juin 2025, 16:45", "2025-06-02T16:45:00+02:00"),
]


@pytest.mark.parametrize(("slug", "shown", "machine"), DATES)
def test_dates_in_the_article_language(
    published: Published, slug: str, shown: str, machine: str
) -> None:
    article = page(published, f"articles/{slug}/index.html").find(".//article")
    assert article is not None
    first = article.find(".//time")
    assert first is not None
    assert (text(first), first.get("datetime")) == (shown, machine)
    listed = {
        time.get("datetime"): text(time) for time in page(published, "index.html").iter("time")
    }
    assert listed[machine] == shown


def test_update_time_is_shown_when_it_differs(published: Published) -> None:
    article = page(published, "articles/glacier-retreat/index.html").find(".//article")
    assert article is not None
    times = [(time.get("datetime"), text(time)) for time in article.iter("time")]
    assert times == [
        ("2025-09-10T08:00:00+02:00", "10 September 2025, 08:00"),
        ("2025-09-11T09:30:00+02:00", "11 September 2025, 09:30"),
    ]


def test_landing_page_lists_topics_with_counts_and_latest_headlines(published: Published) -> None:
    document = page(published, "index.html")
    topics = document.find(".//ul[@class='topics']")
    assert topics is not None
    assert [text(item.find("a")) for item in topics.iter("li")] == list(TOPIC_TITLES.values())
    assert [text(count) for count in topics.iter("span")] == [
        "(2 articles)",
        "(3 articles)",
        "(2 articles)",
        "(0 articles)",
    ]
    headlines = document.find(".//ul[@class='headlines']")
    assert headlines is not None
    assert hrefs(headlines) == [want.url for want in PUBLISHED]


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0 articles"), (1, "1 article"), (2, "2 articles")]
)
def test_topic_page_counts_its_articles(published: Published, count: int, shown: str) -> None:
    config = published.site.config
    entries = published.site.catalog.entries[:count]
    document = parse(
        render_topic(Channel(config, config.topic("economy"), entries, published.store), count)
    )
    assert text(document.find(".//p[@class='count']")) == shown


@pytest.mark.parametrize("slug", TOPICS)
def test_topic_page_lists_all_its_articles_newest_first(published: Published, slug: str) -> None:
    document = page(published, f"topics/{slug}/index.html")
    headlines = document.find(".//ul[@class='headlines']")
    wanted = [want.url for want in expected_in(slug)]
    if wanted:
        assert headlines is not None
        assert hrefs(headlines) == wanted
    else:
        assert headlines is None
        assert "No articles yet." in text(document.find(".//main"))


def test_a_script_in_an_article_reaches_no_file(published: Published) -> None:
    assert "<script>" in (published.config.parent / "articles" / "quotes.md").read_text("utf-8")
    for path in published.out.rglob("*"):
        if path.is_file():
            assert b"pwned" not in path.read_bytes(), path


def test_unpublished_articles_are_nowhere(published: Published) -> None:
    for name in PAGES:
        data = published.read(name)
        for slug in UNPUBLISHED:
            assert slug.encode() not in data, (name, slug)
    for slug in UNPUBLISHED:
        assert not (published.out / "articles" / slug).exists()


def test_picture_with_caption_and_credit(published: Published) -> None:
    article = page(published, "articles/glacier-retreat/index.html").find(".//article")
    assert article is not None
    figure = article.find("figure")
    assert figure is not None
    image = figure.find("img")
    assert image is not None
    assert image.get("src") == "https://img.example.net/glacier.jpg"
    caption = "Meltwater running off the glacier tongue in late August."
    assert image.get("alt") == caption
    assert text(figure.find("figcaption")) == f"{caption} Photo Desk/Example"


def test_wire_picture_block_is_a_caption_once(published: Published) -> None:
    article = page(published, "articles/port-drones/index.html").find(".//article")
    assert article is not None
    caption = "Un entrepôt endommagé au bord de la mer Noire."
    assert text(article.find(".//figcaption")) == f"{caption} sda, Keystone-SDA"
    assert text(article).count(caption) == 1
    assert [text(p) for p in article.findall("p") if "Keystone" in text(p)] == []
    assert [text(h) for h in article.iter("h2")] == ["Des exportations ralenties"]


@pytest.mark.parametrize(
    ("slug", "canonical"),
    [
        ("quotes", f"{BASE_URL}articles/quotes/"),
        ("auftraege", "https://origin.example.com/auftraege"),
    ],
)
def test_canonical_link(published: Published, slug: str, canonical: str) -> None:
    head = page(published, f"articles/{slug}/index.html").find("head")
    assert head is not None
    links = [link.get("href") for link in head.iter("link") if link.get("rel") == "canonical"]
    assert links == [canonical]


def test_pages_still_render_when_the_cache_folder_cannot_be_written(tmp_path: Path) -> None:
    config = make_site(tmp_path)
    (tmp_path / FOLDER).write_text("a file where the folder would be", "utf-8")
    run = run_main("build", "--config", str(config))
    assert run.code == 0, run.stderr
    assert b"<h1>" in (tmp_path / "public" / "index.html").read_bytes()
