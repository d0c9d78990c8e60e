"""sitemap.xml (and its index), news-sitemap.xml and robots.txt of a built site."""

from __future__ import annotations

import urllib.robotparser
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from feeds import urls
from feeds.model import Entry
from feeds.render import sitemaps
from feeds.site import Site
from tests.historyfixtures import BASE_URL, build, published, write_site
from tests.sitefixtures import site_at

SCHEMAS = Path(__file__).parent.parent / "schemas"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
# A sitemap with news elements is checked against both schemas: sitemap.xsd lets elements of
# other namespaces in only if a schema declares them ("strict").
BOTH = f"""<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema">
<xsd:import namespace="http://www.sitemaps.org/schemas/sitemap/0.9"
  schemaLocation="{(SCHEMAS / "sitemap.xsd").as_uri()}"/>
<xsd:import namespace="http://www.google.com/schemas/sitemap-news/0.9"
  schemaLocation="{(SCHEMAS / "sitemap-news.xsd").as_uri()}"/>
</xsd:schema>"""
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SCHEMAS / name))


def valid(document: bytes, against: etree.XMLSchema) -> etree._Element:
    root = etree.fromstring(document, etree.XMLParser(resolve_entities=False, no_network=True))
    assert against.validate(root), against.error_log
    return root


def locations(root: etree._Element) -> dict[str, str | None]:
    return {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root}


def html_pages(out: Path) -> set[str]:
    """The URL of every page `feeds build` wrote as a folder's index.html."""
    names = (path.relative_to(out).as_posix() for path in out.rglob("index.html"))
    return {urls.absolute(BASE_URL, urls.site_path(name)) for name in names}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(write_site(tmp_path_factory.mktemp("sitemaps"), 7, 3))


def test_the_sitemap_lists_every_page_with_the_date_of_its_newest_entry(out: Path) -> None:
    root = valid((out / "sitemap.xml").read_bytes(), schema("sitemap.xsd"))
    listed = locations(root)
    assert set(listed) == html_pages(out)
    # Home, two topics, the archive pages (rail 3 + 1 articles, harbour 3), the articles.
    assert len(listed) == 1 + 2 + 3 + 7
    assert listed[f"{BASE_URL}articles/dispatch-0003/"] == published(3).isoformat()
    assert listed[BASE_URL] == published(7).isoformat()
    assert listed[f"{BASE_URL}topics/rail/archive/1/"] == published(5).isoformat()
    assert not [url for url in listed if "held" in url or "draft" in url]


def test_past_the_limits_the_sitemap_is_an_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_site(tmp_path, 7, 3)
    whole = locations(etree.fromstring(site_at(config).resources[urls.SITEMAP].render()))
    monkeypatch.setattr(sitemaps, "MAX_URLS", 4)
    site = site_at(config)
    index = valid(site.resources[urls.SITEMAP].render(), schema("siteindex.xsd"))
    parts = [item.findtext(f"{SM}loc") for item in index]
    assert parts == [f"{BASE_URL}sitemaps/{n}.xml" for n in range(1, 5)]  # 14 URLs, 4 a part
    seen: dict[str, str | None] = {}
    for item, url in zip(index, parts, strict=True):
        part = locations(valid(_render(site, url), schema("sitemap.xsd")))
        assert 0 < len(part) <= 4
        assert item.findtext(f"{SM}lastmod") == max(value or "" for value in part.values())
        seen |= part
    assert seen == whole


def test_no_sitemap_is_over_its_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sitemaps, "MAX_BYTES", 700)
    site = site_at(write_site(tmp_path, 7, 3))
    assert len(_render(site, BASE_URL + "sitemap.xml")) * 3 > sitemaps.MAX_BYTES
    parts = [path for path in site.resources if path.startswith("/sitemaps/")]
    assert len(parts) > 1
    assert all(len(site.resources[path].render()) <= 700 for path in parts)


def _greedy(lines: list[sitemaps.Line], max_urls: int, max_bytes: int) -> list[list[str]]:
    """The plain way to cut lines into sitemaps: fill each as far as it takes one more."""
    empty = len(sitemaps.render_urlset(sitemaps.Urlset((), None)))
    parts: list[list[str]] = [[]]
    size = empty
    for line in lines:
        if parts[-1] and (len(parts[-1]) == max_urls or size + line.size > max_bytes):
            parts.append([])
            size = empty
        parts[-1].append(line.text)
        size += line.size
    return parts


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(-2, 2)), max_size=40),
    st.integers(1, 6),
    st.integers(1, 5),
    st.integers(-1, 1),
)
def test_each_sitemap_is_filled_as_far_as_the_limits_let_it(
    pages: list[tuple[int, int]], max_urls: int, fitting: int, slack: int
) -> None:
    lines = [
        sitemaps.line(
            sitemaps.Location(
                f"{BASE_URL}{'é' * length}", None if day < 0 else NOW + timedelta(day)
            )
        )
        for length, day in pages
    ]
    # Room for exactly the first `fitting` lines, give or take a byte.
    empty = len(sitemaps.render_urlset(sitemaps.Urlset((), None)))
    max_bytes = empty + sum(line.size for line in lines[:fitting]) + slack
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sitemaps, "MAX_URLS", max_urls)
        patch.setattr(sitemaps, "MAX_BYTES", max_bytes)
        parts = sitemaps.partition(lines)
    assert [list(part.urls) for part in parts] == _greedy(lines, max_urls, max_bytes)
    dated = iter(lines)
    for part in parts:
        shown = [next(dated).lastmod for _ in part.urls]
        assert part.lastmod == max((d for d in shown if d is not None), default=None)


def _render(site: Site, url: str) -> bytes:
    return site.resources["/" + url.removeprefix(BASE_URL)].render()


def _news_site(root: Path) -> Path:
    """Stories at set times before NOW: two inside the 48 hours, one just out, one embargoed."""
    config = write_site(root, 0, 3)
    stories = {
        "fresh": (NOW - timedelta(hours=1), "fr-CH"),
        "edge": (NOW - timedelta(hours=47, minutes=59), "zh-TW"),
        "stale": (NOW - timedelta(hours=48), "en"),
        "later": (NOW + timedelta(hours=3), "en"),
    }
    for slug, (moment, lang) in stories.items():
        front = f"title: Story <{slug}> & co\ndate: {moment.isoformat()}\nlang: {lang}"
        text = f"---\n{front}\n---\nText.\n"
        (root / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    return config


def test_the_news_sitemap_holds_the_last_48_hours(tmp_path: Path) -> None:
    site = site_at(_news_site(tmp_path), NOW)
    root = valid(site.resources[urls.NEWS_SITEMAP].render(), etree.XMLSchema(etree.XML(BOTH)))
    news = {
        url.findtext(f"{SM}loc"): (
            url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}name"),
            url.findtext(f"{NEWS}news/{NEWS}publication/{NEWS}language"),
            url.findtext(f"{NEWS}news/{NEWS}publication_date"),
            url.findtext(f"{NEWS}news/{NEWS}title"),
        )
        for url in root
    }
    assert news == {
        f"{BASE_URL}articles/fresh/": (
            "Quay Desk",
            "fr",
            (NOW - timedelta(hours=1)).isoformat(),
            "Story <fresh> & co",
        ),
        f"{BASE_URL}articles/edge/": (
            "Quay Desk",
            "zh-tw",
            (NOW - timedelta(hours=47, minutes=59)).isoformat(),
            "Story <edge> & co",
        ),
    }
    # Next by the clock: "edge" ages out in a minute (before the embargo lifts in 3 hours).
    assert site.next_change == NOW + timedelta(minutes=1)


def test_the_news_sitemap_moves_with_the_clock(tmp_path: Path) -> None:
    config = _news_site(tmp_path)
    later = site_at(config, NOW + timedelta(hours=3))  # the embargo lifted, edge aged out
    listed = locations(etree.fromstring(later.resources[urls.NEWS_SITEMAP].render()))
    assert set(listed) == {f"{BASE_URL}articles/fresh/", f"{BASE_URL}articles/later/"}
    assert later.next_change == NOW + timedelta(hours=47)  # fresh ages out
    empty = site_at(config, NOW + timedelta(days=30))
    assert locations(etree.fromstring(empty.resources[urls.NEWS_SITEMAP].render())) == {}
    assert empty.next_change == datetime(2999, 1, 1, 8, 0, tzinfo=UTC)  # held.md's embargo


def test_the_news_sitemap_holds_at_most_the_newest_1000(tmp_path: Path) -> None:
    site = site_at(_news_site(tmp_path), NOW)
    (model,) = (entry for entry in site.catalog.entries if entry.slug == "fresh")
    entries = [_copy(model, number) for number in range(1_001)]  # newest first, a minute apart
    kept = sitemaps.news_entries(entries, NOW)
    assert kept == tuple(entries[:1_000])


def _copy(entry: Entry, number: int) -> Entry:
    moment = NOW - timedelta(minutes=number)
    return replace(entry, slug=f"story-{number}", published=moment, updated=moment)


def test_robots_txt_allows_everything_and_names_both_sitemaps(tmp_path: Path) -> None:
    robots = 'robots = ["User-agent: GPTBot", "Disallow: /"]\n'
    out = build(write_site(tmp_path, 2, 3, robots=robots))
    text = (out / "robots.txt").read_text("utf-8")
    assert text.endswith("User-agent: GPTBot\nDisallow: /\n")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(text.splitlines())
    assert parser.site_maps() == [f"{BASE_URL}sitemap.xml", f"{BASE_URL}news-sitemap.xml"]
    for path in ("feeds/all.atom.xml", "feeds/archive/all/1.json", "articles/dispatch-0001/", ""):
        assert parser.can_fetch("NetNewsWire", BASE_URL + path)
    assert not parser.can_fetch("GPTBot", BASE_URL + "feeds/all.atom.xml")
