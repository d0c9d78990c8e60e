"""Discovery: with `[websub]` every current feed names its hubs and exactly one `self`."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.config import load_config
from feeds.websub.discovery import hub_urls, link_header, topic_path
from tests.sitefixtures import BASE_URL, CHANNELS, CONFIG, feed_url, make_site, run_main

ATOM = "http://www.w3.org/2005/Atom"
SCHEMA = Path(__file__).parent.parent / "schemas" / "atom.rng"
OTHER_HUB = "https://hub.example.net/"
HUBS = [f"{BASE_URL}websub", OTHER_HUB]
WEBSUB = f'\n[websub]\nhub = true\nhubs = ["{OTHER_HUB}"]\n'


@pytest.fixture(scope="module")
def announced(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the test site built with the built-in hub and one other."""
    return built(tmp_path_factory.mktemp("site"), CONFIG + WEBSUB)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of the test site built without `[websub]`."""
    return built(tmp_path_factory.mktemp("site"), CONFIG)


def built(root: Path, config: str) -> Path:
    path = make_site(root, config=config)
    assert run_main("build", "--config", str(path)).code == 0
    return root / "public"


def xml_links(data: bytes, rel: str) -> list[str]:
    root = etree.fromstring(data)
    links = root.findall(f"{{{ATOM}}}link") + root.findall(f"channel/{{{ATOM}}}link")
    return [str(link.get("href")) for link in links if link.get("rel") == rel]


@pytest.mark.parametrize("slug", CHANNELS)
@pytest.mark.parametrize("suffix", [".atom.xml", ".rss.xml"])
def test_xml_feeds_name_every_hub_and_one_self(announced: Path, slug: str, suffix: str) -> None:
    data = (announced / "feeds" / f"{slug}{suffix}").read_bytes()
    assert xml_links(data, "hub") == HUBS
    assert xml_links(data, "self") == [feed_url(slug, suffix)]
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    links = [(link.rel, link.href) for link in parsed.feed.links if link.rel in {"hub", "self"}]
    assert links == [("self", feed_url(slug, suffix)), *(("hub", hub) for hub in HUBS)]


@pytest.mark.parametrize("slug", CHANNELS)
def test_atom_with_hubs_is_valid_rfc_4287(announced: Path, slug: str) -> None:
    schema = etree.RelaxNG(etree.parse(SCHEMA))
    root = etree.parse(announced / "feeds" / f"{slug}.atom.xml")
    assert schema.validate(root), schema.error_log


@pytest.mark.parametrize("slug", CHANNELS)
def test_json_feed_lists_its_hubs(announced: Path, slug: str) -> None:
    feed = json.loads((announced / "feeds" / f"{slug}.json").read_bytes())
    assert feed["hubs"] == [{"type": "WebSub", "url": hub} for hub in HUBS]
    assert feed["feed_url"] == feed_url(slug, ".json")


@pytest.mark.parametrize("slug", CHANNELS)
def test_without_websub_no_feed_names_a_hub(plain: Path, slug: str) -> None:
    for suffix in (".atom.xml", ".rss.xml"):
        data = (plain / "feeds" / f"{slug}{suffix}").read_bytes()
        assert xml_links(data, "hub") == []
        assert xml_links(data, "self") == [feed_url(slug, suffix)]
    assert "hubs" not in json.loads((plain / "feeds" / f"{slug}.json").read_bytes())


def test_link_header_names_hubs_then_self(tmp_path: Path) -> None:
    config = load_config(make_site(tmp_path, {}, config=CONFIG + WEBSUB))
    assert link_header(config, "/feeds/economy.rss.xml") == (
        f'<{BASE_URL}websub>; rel="hub", <{OTHER_HUB}>; rel="hub", '
        f'<{BASE_URL}feeds/economy.rss.xml>; rel="self"'
    )
    assert link_header(config, "/feeds/archive/all/1.atom.xml") is None
    assert link_header(config, "/articles/some-story/") is None
    assert link_header(config, "/") is None


def test_only_hubs_of_the_config_are_named(tmp_path: Path) -> None:
    without = load_config(make_site(tmp_path / "a", {}))
    assert hub_urls(without) == ()
    assert link_header(without, "/feeds/all.atom.xml") is None
    own = load_config(make_site(tmp_path / "b", {}, config=CONFIG + "[websub]\nhub = true\n"))
    assert hub_urls(own) == (f"{BASE_URL}websub",)
    others = CONFIG + f'[websub]\nhubs = ["{OTHER_HUB}"]\n'
    assert hub_urls(load_config(make_site(tmp_path / "c", {}, config=others))) == (OTHER_HUB,)


@pytest.mark.parametrize(
    ("url", "path"),
    [
        (f"{BASE_URL}feeds/all.atom.xml", "/feeds/all.atom.xml"),
        (f"{BASE_URL}feeds/%61ll.json", "/feeds/all.json"),
        (f"{BASE_URL}feeds/archive/all/1.atom.xml", None),
        (f"{BASE_URL}feeds/all.atom.xml?x=1", None),
        (f"{BASE_URL}feeds/a%2Fb.atom.xml", None),
        (f"{BASE_URL}articles/one/", None),
        ("https://elsewhere.example.org/feeds/all.atom.xml", None),
    ],
)
def test_topic_path_accepts_only_current_feeds(tmp_path: Path, url: str, path: str | None) -> None:
    config = load_config(make_site(tmp_path, {}, config=CONFIG + WEBSUB))
    assert topic_path(config, url) == path
