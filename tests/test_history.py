"""RFC 5005 archived feeds and topic archive pages, read as a backfilling client reads them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import html5lib
import pytest
from lxml import etree

from feeds.config import Deploy, load_config
from feeds.deploy import plan
from feeds.manifest import read_manifest
from feeds.urls import Kind, MaxAges, cache_control
from feeds.web import create_app
from tests.historyfixtures import (
    BASE_URL,
    FORMATS,
    TOPICS,
    build,
    crawl,
    entry_id,
    expected_ids,
    write_article,
    write_site,
)
from tests.sitefixtures import tree

ATOM_SCHEMA = Path(__file__).parent / "schemas" / "atom.rng"
HISTORY = "{http://purl.org/syndication/history/1.0}archive"
A = "{http://www.w3.org/1999/xhtml}a"
FEEDS = ("all", *TOPICS)
# (archive_size, articles): none, one, an exact multiple of the size, one more.
CASES = [(3, 0), (3, 1), (3, 6), (3, 7), (1, 3), (4, 8), (4, 9), (100, 5)]


@pytest.fixture(scope="module", params=CASES, ids=lambda case: f"size{case[0]}-n{case[1]}")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    size, count = request.param
    root = tmp_path_factory.mktemp("history")
    return size, count, build(write_site(root, count, size))


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("feed", FEEDS)
def test_a_crawler_gets_every_entry_of_the_feed_once(built: tuple, feed: str, suffix: str) -> None:
    size, count, out = built
    current, archives = crawl(out, f"{BASE_URL}feeds/{feed}{suffix}")
    wanted = expected_ids(count, feed)
    seen = [entry["id"] for document in archives for entry in document.entries]
    assert len(seen) == len(set(seen))  # each entry in exactly one archive document
    assert set(seen) == wanted
    assert len(archives) == -(-len(wanted) // size)
    # The current feed holds the newest entries, with the same id and content as in its archive.
    in_archives = {entry["id"]: entry for document in archives for entry in document.entries}
    assert [in_archives[entry["id"]] for entry in current.entries] == current.entries


@pytest.mark.parametrize("suffix", FORMATS)
@pytest.mark.parametrize("feed", FEEDS)
def test_archive_documents_are_linked_and_full_but_the_newest(
    built: tuple, feed: str, suffix: str
) -> None:
    size, _, out = built
    current_url = f"{BASE_URL}feeds/{feed}{suffix}"
    _, archives = crawl(out, current_url)
    oldest_first = archives[::-1]
    for number, document in enumerate(oldest_first, start=1):
        assert document.url == f"{BASE_URL}feeds/archive/{feed}/{number}{suffix}"
        assert document.links["current"] == current_url
        newer = f"{BASE_URL}feeds/archive/{feed}/{number + 1}{suffix}"
        assert document.links.get("next-archive") == (newer if number < len(archives) else None)
        assert len(document.entries) == size or number == len(archives)
        # Oldest first: the ids of the numbered articles grow within a document.
        ids = [entry["id"] for entry in document.entries]
        assert ids == sorted(ids)


@pytest.mark.parametrize("feed", FEEDS)
def test_archive_documents_are_marked_and_valid_atom(built: tuple, feed: str) -> None:
    _, count, out = built
    schema = etree.RelaxNG(etree.parse(ATOM_SCHEMA))
    for path in sorted((out / "feeds" / "archive" / feed).glob("*.atom.xml")):
        document = etree.parse(path)
        assert schema.validate(document), (path, schema.error_log)
        assert document.getroot().find(HISTORY) is not None
        updated = document.getroot().findtext("{http://www.w3.org/2005/Atom}updated")
        entries = document.getroot().findall("{http://www.w3.org/2005/Atom}entry")
        assert updated == max(e.findtext("{http://www.w3.org/2005/Atom}updated") for e in entries)
    for path in sorted((out / "feeds" / "archive" / feed).glob("*.rss.xml")):
        assert etree.parse(path).getroot().find("channel").find(HISTORY) is not None
    current = etree.parse(out / "feeds" / f"{feed}.atom.xml").getroot()
    assert current.find(HISTORY) is None
    links = {link.get("rel") for link in current.iter("{*}link")}
    assert ("prev-archive" in links) == bool(expected_ids(count, feed))


def test_topic_archive_pages_page_back_to_the_first_article(built: tuple) -> None:
    _, count, out = built
    for topic in TOPICS:
        page = html5lib.parse((out / "topics" / topic / "index.html").read_bytes())
        older = [a.get("href") for a in page.iter(A) if a.text == "Older articles"]
        titles = []
        while older:
            (url,) = older
            page = html5lib.parse((out / url.removeprefix(BASE_URL) / "index.html").read_bytes())
            titles += [a.text for a in page.iter(A) if (a.text or "").startswith("Dispatch")]
            older = [a.get("href") for a in page.iter(A) if a.get("rel") == "prev"]
        wanted = expected_ids(count, topic)
        assert len(titles) == len(set(titles)) == len(wanted)
        numbers = sorted(int(title.split()[1]) for title in titles)
        assert {entry_id(number) for number in numbers} == wanted


def _feed_files(out: Path) -> dict[str, bytes]:
    return {name: data for name, data in tree(out).items() if not name.startswith(".")}


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}


def _archives(feed: str, numbers: tuple[int, ...]) -> set[str]:
    return {f"feeds/archive/{feed}/{n}{suffix}" for n in numbers for suffix in FORMATS}


def _currents(*feeds: str) -> set[str]:
    return {f"feeds/{feed}{suffix}" for feed in feeds for suffix in FORMATS}


def test_adding_an_article_changes_the_current_feed_and_the_newest_archive(tmp_path: Path) -> None:
    config = write_site(tmp_path, 7, 3)  # all: 3, 3, 1; rail (odd): 3, 1; harbour: 3
    before = _feed_files(build(config))
    write_article(tmp_path, 8)  # harbour: its archive 1 is full, archive 2 begins
    after = _feed_files(build(config))
    feeds = {name for name in _changed(before, after) if name.startswith("feeds/")}
    assert feeds == (
        _currents("all", "harbour")
        | _archives("all", (3,))
        | _archives("harbour", (1, 2))  # 1 gains its next-archive link, 2 is new
    )
    pages = {name for name in _changed(before, after) if name.startswith("topics/")}
    assert pages == {
        "topics/harbour/index.html",
        "topics/harbour/archive/1/index.html",
        "topics/harbour/archive/2/index.html",
    }


def test_editing_an_old_article_changes_only_its_archive(tmp_path: Path) -> None:
    config = write_site(tmp_path, 7, 3)
    before = _feed_files(build(config))
    write_article(tmp_path, 1, "Dispatch number 1, corrected.")  # rail, all: archive 1
    after = _feed_files(build(config))
    # Its page and the archives carrying its body; pages that list only its title keep theirs.
    assert _changed(before, after) == (
        _archives("all", (1,)) | _archives("rail", (1,)) | {"articles/dispatch-0001/index.html"}
    )


def test_a_full_archive_is_cached_long_and_the_newest_like_the_feed(tmp_path: Path) -> None:
    config = write_site(tmp_path, 7, 3)
    client = create_app(config).test_client()  # builds the site, serves the folder
    ages = load_config(config).max_ages
    long, short = f"public, max-age={ages.archives}", f"public, max-age={ages.lists}"
    assert long != short

    def cache_control(path: str) -> str:
        response = client.get(path)
        assert response.status_code == 200, path
        return str(response.headers["Cache-Control"])

    for suffix in FORMATS:
        assert cache_control(f"/feeds/archive/all/1{suffix}") == long
        assert cache_control(f"/feeds/archive/all/2{suffix}") == long
        assert cache_control(f"/feeds/archive/all/3{suffix}") == short
        assert cache_control(f"/feeds/all{suffix}") == short
    assert cache_control("/topics/rail/archive/1/") == long
    assert cache_control("/topics/rail/archive/2/") == short
    assert cache_control("/sitemap.xml") == short


@pytest.mark.parametrize(
    ("path", "present", "seconds"),
    [
        ("/feeds/archive/all/4.json", {"/feeds/archive/all/5.json"}, 9),
        ("/feeds/archive/all/4.json", {"/feeds/archive/all/5.atom.xml"}, 1),
        ("/feeds/archive/all-fr/12.rss.xml", {"/feeds/archive/all-fr/13.rss.xml"}, 9),
        ("/topics/rail/archive/9/", {"/topics/rail/archive/10/"}, 9),
        ("/topics/rail/archive/9/", set(), 1),
        ("/articles/archive-1/", {"/articles/archive-2/"}, 5),
        ("/feeds/all.atom.xml", set(), 1),
    ],
)
def test_cache_control_by_path(path: str, present: set[str], seconds: int) -> None:
    ages = MaxAges(lists=1, articles=5, archives=9)
    assert cache_control(path, ages, present.__contains__) == f"public, max-age={seconds}"


def test_deploy_uploads_archives_sitemaps_and_robots_with_their_headers(tmp_path: Path) -> None:
    config_path = write_site(tmp_path, 7, 3)
    out = build(config_path)
    config = load_config(config_path)
    config = replace(config, deploy=Deploy(bucket="news", prefix="site/"))
    steps = {upload.key: upload for upload in plan(config, out, read_manifest(out), {}).uploads}
    ages = config.max_ages
    expected = {
        "site/feeds/archive/all/1.atom.xml": (Kind.ATOM, ages.archives),
        "site/feeds/archive/all/3.json": (Kind.JSON, ages.lists),
        "site/topics/rail/archive/1/index.html": (Kind.HTML, ages.archives),
        "site/sitemap.xml": (Kind.SITEMAP, ages.lists),
        "site/news-sitemap.xml": (Kind.SITEMAP, ages.lists),
        "site/robots.txt": (Kind.TEXT, ages.lists),
    }
    for key, (kind, seconds) in expected.items():
        assert (steps[key].content_type, steps[key].cache_control) == (
            kind.content_type,
            f"public, max-age={seconds}",
        ), key
    assert Kind.SITEMAP.content_type == "application/xml; charset=utf-8"
    assert Kind.TEXT.content_type == "text/plain; charset=utf-8"
    # Archives go up before the feeds that link to them, what lists the site after it.
    phases = {key: upload.phase for key, upload in steps.items()}
    assert phases["site/feeds/archive/all/1.atom.xml"] < phases["site/feeds/all.atom.xml"]
    assert phases["site/feeds/all.atom.xml"] < phases["site/sitemap.xml"]
    assert phases["site/sitemap.xml"] == phases["site/robots.txt"] == phases["site/index.html"]


def test_the_server_gives_sitemaps_and_robots_their_content_types(tmp_path: Path) -> None:
    client = create_app(write_site(tmp_path, 2, 3)).test_client()
    for path, kind in [
        ("/sitemap.xml", Kind.SITEMAP),
        ("/news-sitemap.xml", Kind.SITEMAP),
        ("/robots.txt", Kind.TEXT),
        ("/feeds/archive/harbour/1.rss.xml", Kind.RSS),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Content-Type"] == kind.content_type, path
    assert b"Sitemap: https://desk.example.net/sitemap.xml" in client.get("/robots.txt").data
    for path in ("/", "/topics/rail/archive/1/", "/opml.xml"):  # one charset, not two
        assert client.get(path).headers["Content-Type"].count("charset") == 1, path


def test_archive_documents_name_no_websub_hub(tmp_path: Path) -> None:
    config = write_site(tmp_path, 4, 3)
    text = config.read_text("utf-8") + '\n[websub]\nhubs = ["https://hub.example.net/"]\n'
    config.write_text(text, "utf-8")
    client = create_app(config).test_client()
    for suffix in (".atom.xml", ".rss.xml"):
        current = client.get(f"/feeds/all{suffix}")
        assert b'rel="hub"' in current.data
        assert 'rel="hub"' in current.headers["Link"]
        archive = client.get(f"/feeds/archive/all/1{suffix}")
        assert archive.status_code == 200
        assert b'rel="hub"' not in archive.data
        assert "Link" not in archive.headers
    assert "hubs" not in client.get("/feeds/archive/all/1.json").get_json()
