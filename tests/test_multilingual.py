"""A French site with wire copy in German, Italian and English: each story in its own language
in every feed, on its page and in lists, with its dates; the feeds of each language.

Built with `feeds build`; feeds parsed with feedparser (and lxml for the attributes it leaves
out), Atom checked against RFC 4287, pages parsed as HTML5.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import feedparser
import html5lib
import pytest
from lxml import etree

from tests.sitefixtures import run_main

BASE_URL = "https://wire.example.org/"
SCHEMA = Path(__file__).parent / "schemas" / "atom.rng"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM = "{http://www.w3.org/2005/Atom}"
HTML = "{http://www.w3.org/1999/xhtml}"
DC_LANGUAGE = "{http://purl.org/dc/elements/1.1/}language"

CONFIG = f"""\
[site]
title = "Fil du Lac"
base_url = "{BASE_URL}"
language = "fr"
languages = ["fr", "de", "it", "en"]
timezone = "Europe/Zurich"

[[topics]]
slug = "sport"
title = "Sport"
aliases = ["Ski", "Calcio"]
"""

GERMAN = """\
Ski Aebersold fährt in Gröden aufs Podest

SDA

14.12.2025 - 13:40

Die Bernerin Nadja Aebersold hat in der Abfahrt von Gröden den dritten Platz erreicht. Sie \
verlor auf der Saslong nur 27 Hundertstel auf die Siegerin aus Österreich.

Im oberen Streckenteil war Aebersold noch die Schnellste gewesen, bei den Kamelbuckeln \
verlor sie jedoch wertvolle Zeit. «Ich bin trotzdem sehr zufrieden», sagte sie im Ziel.
"""

ITALIAN = """\
Calcio Il Bellinzona espugna Sciaffusa e sale al secondo posto

ATS

2 novembre 2025, ore 17:55

Il Bellinzona ha vinto per 2 a 0 sul campo dello Sciaffusa grazie a una doppietta del suo \
attaccante brasiliano e si porta a due punti dalla vetta della classifica.

I granata hanno controllato la partita fin dai primi minuti e avrebbero potuto segnare \
anche un terzo gol nel finale, quando la difesa di casa era ormai stanca.
"""

ENGLISH = """\
Swiss watch exports slip for a third month as demand in Asia cools

Reuters

October 21, 2025 8:15 am

Swiss watch exports fell for a third straight month in September, dragged down by weaker \
sales in Hong Kong and mainland China, industry figures showed on Tuesday.

Shipments to the United States held up better, helping the biggest brands offset part of \
the decline, analysts said.
"""

FRENCH = """\
Le téléphérique du Moléson rouvre après deux mois de travaux

ATS

9.10.2025 - 09:10

Le téléphérique qui relie Moléson-sur-Gruyères au sommet reprend du service samedi, après \
le remplacement complet de ses câbles et de ses deux cabines.
"""

# Under 30 letters in every paragraph: too short to tell, the site's language applies.
SHORT = """\
Zug siegt

SDA

8.10.2025 - 22:05

Zug gewinnt 3:1.
"""

# Half German, half Italian: mixed, the site's language applies rather than either guess.
MIXED = """\
Tunnel del Gottardo chiuso per un guasto

SDA

7.10.2025 - 07:45

Der Gotthard-Strassentunnel ist am frühen Morgen wegen einer Störung der Lüftung für \
mehrere Stunden gesperrt worden.

La galleria autostradale del San Gottardo è stata chiusa per diverse ore a causa di un \
guasto all'impianto di ventilazione.
"""

# A stated language wins over what the text looks like.
STATED = """\
---
title: Communiqué de la rédaction
date: 2025-10-05T10:00:00+02:00
lang: de-CH
---
Die Redaktion informiert ihre Leserinnen und Leser über die neuen Erscheinungszeiten.
"""

ARTICLES = {
    "sda-groeden.txt": GERMAN,
    "ats-bellinzona.txt": ITALIAN,
    "reuters-watches.txt": ENGLISH,
    "ats-moleson.txt": FRENCH,
    "sda-zug.txt": SHORT,
    "sda-gotthard.txt": MIXED,
    "communique.md": STATED,
}


@dataclass(frozen=True, slots=True)
class Story:
    slug: str
    language: str
    date: str  # the publication date as its page writes it


STORIES = (  # newest first
    Story("sda-groeden", "de", "14. Dezember 2025, 13:40"),
    Story("ats-bellinzona", "it", "2 novembre 2025, 17:55"),
    Story("reuters-watches", "en", "21 October 2025, 08:15"),
    Story("ats-moleson", "fr", "9 octobre 2025, 09:10"),
    Story("sda-zug", "fr", "8 octobre 2025, 22:05"),
    Story("sda-gotthard", "fr", "7 octobre 2025, 07:45"),
    Story("communique", "de-CH", "5. Oktober 2025, 10:00"),
)
LANGUAGE_OF = {story.slug: story.language for story in STORIES}
FEEDS = {"de": {"sda-groeden", "communique"}, "it": {"ats-bellinzona"}, "en": {"reuters-watches"}}
FEEDS["fr"] = set(LANGUAGE_OF) - set().union(*FEEDS.values())


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("multilingual")
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    for name, text in ARTICLES.items():
        (root / "articles").mkdir(exist_ok=True)
        (root / "articles" / name).write_text(text, encoding="utf-8")
    run = run_main("build", "--config", str(root / "config.toml"), "--strict")
    assert run.code == 0, run.stderr
    return root / "public"


def slug_of(url: str) -> str:
    return url.removeprefix(f"{BASE_URL}articles/").strip("/")


def page(out: Path, name: str) -> etree._Element:
    """The <html> element of a page of the output, parsed as HTML5."""
    document: etree._ElementTree = html5lib.parse((out / name).read_bytes(), treebuilder="lxml")
    return document.getroot()


@pytest.mark.parametrize("feed", ["all", "sport"])
def test_atom_entries_carry_their_language(out: Path, feed: str) -> None:
    data = (out / f"feeds/{feed}.atom.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.feed.language == "fr"
    languages = {slug_of(e.link): e.title_detail.language for e in parsed.entries}
    assert languages == {slug_of(e.link): LANGUAGE_OF[slug_of(e.link)] for e in parsed.entries}
    root = etree.fromstring(data)
    for element in root.iter(f"{ATOM}entry"):
        link = element.find(f"{ATOM}link")
        assert link is not None
        assert element.get(XML_LANG) == LANGUAGE_OF[slug_of(link.get("href", ""))]


def test_rss_items_carry_their_language_beside_the_channel(out: Path) -> None:
    data = (out / "feeds/all.rss.xml").read_bytes()
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.feed.language == "fr"
    assert {slug_of(e.link): e.language for e in parsed.entries} == LANGUAGE_OF
    items = etree.fromstring(data).findall("channel/item")
    assert [item.findtext(DC_LANGUAGE) for item in items] == [s.language for s in STORIES]


def test_json_feed_items_carry_their_language(out: Path) -> None:
    document = json.loads((out / "feeds/all.json").read_bytes())
    assert document["language"] == "fr"
    assert [(slug_of(item["url"]), item["language"]) for item in document["items"]] == [
        (story.slug, story.language) for story in STORIES
    ]


@pytest.mark.parametrize("story", STORIES, ids=lambda story: story.slug)
def test_each_page_is_in_its_language_with_its_dates(out: Path, story: Story) -> None:
    root = page(out, f"articles/{story.slug}/index.html")
    assert root.get("lang") == story.language
    times = [element.text for element in root.iter(f"{HTML}time")]
    assert times == [story.date]


def test_lists_write_each_headline_in_its_language(out: Path) -> None:
    root = page(out, "index.html")
    items = root.findall(f".//{HTML}ul[@class='headlines']/{HTML}li")
    found = [(slug_of(item.find(f"{HTML}a").get("href")), item.get("lang")) for item in items]
    assert found == [(story.slug, story.language) for story in STORIES]
    dates = [item.find(f"{HTML}time").text for item in items]
    assert dates == [story.date for story in STORIES]


@pytest.mark.parametrize("language", FEEDS)
def test_each_language_has_its_feeds_with_only_its_articles(
    out: Path, language: str, atom_schema: etree.RelaxNG
) -> None:
    atom = (out / f"feeds/all-{language}.atom.xml").read_bytes()
    assert atom_schema.validate(etree.fromstring(atom)), atom_schema.error_log
    for name in (f"all-{language}.atom.xml", f"all-{language}.rss.xml"):
        parsed = feedparser.parse((out / "feeds" / name).read_bytes())
        assert not parsed.bozo, name
        assert parsed.feed.language == language, name
        assert {slug_of(entry.link) for entry in parsed.entries} == FEEDS[language], name
    document = json.loads((out / f"feeds/all-{language}.json").read_bytes())
    assert document["language"] == language
    assert {slug_of(item["url"]) for item in document["items"]} == FEEDS[language]
    assert document["feed_url"] == f"{BASE_URL}feeds/all-{language}.json"
    assert document["home_page_url"] == BASE_URL


@pytest.fixture(scope="module")
def atom_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(SCHEMA))


def test_the_opml_lists_each_language_feed(out: Path) -> None:
    outlines = etree.fromstring((out / "opml.xml").read_bytes()).iter("outline")
    listed = {outline.get("xmlUrl"): outline.get("language") for outline in outlines}
    for language in FEEDS:
        assert listed[f"{BASE_URL}feeds/all-{language}.atom.xml"] == language


def alternates(root: etree._Element) -> set[str]:
    links = root.iter(f"{HTML}link")
    return {link.get("href", "") for link in links if link.get("rel") == "alternate"}


def test_the_landing_page_announces_every_language_feed(out: Path) -> None:
    found = alternates(page(out, "index.html"))
    for language in FEEDS:
        for suffix in (".atom.xml", ".rss.xml", ".json"):
            assert f"{BASE_URL}feeds/all-{language}{suffix}" in found


@pytest.mark.parametrize(
    ("name", "language"),
    [
        ("articles/sda-groeden/index.html", "de"),
        ("articles/communique/index.html", "de"),  # de-CH is in the feed of de
        ("articles/reuters-watches/index.html", "en"),
        ("articles/ats-moleson/index.html", "fr"),
        ("topics/sport/index.html", "fr"),  # lists are in the site's language
    ],
)
def test_each_page_links_the_feed_of_its_language_only(out: Path, name: str, language: str) -> None:
    found = {href for href in alternates(page(out, name)) if "/feeds/all-" in href}
    suffixes = (".atom.xml", ".rss.xml", ".json")
    assert found == {f"{BASE_URL}feeds/all-{language}{suffix}" for suffix in suffixes}


def test_a_site_of_one_language_has_no_language_feeds(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG.replace("languages =", "# "), encoding="utf-8")
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "sda-groeden.txt").write_text(GERMAN, encoding="utf-8")
    assert run_main("build", "--config", str(tmp_path / "config.toml")).code == 0
    assert not list((tmp_path / "public" / "feeds").glob("all-*"))
    parsed = feedparser.parse((tmp_path / "public/feeds/all.atom.xml").read_bytes())
    assert [entry.title_detail.language for entry in parsed.entries] == ["fr"]
