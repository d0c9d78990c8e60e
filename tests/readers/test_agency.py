"""Agency documents, format by format: every field of DESIGN, each variation agencies send,
and nothing meant for editors in the published entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from feeds import files, loader
from feeds.model import CANCELED, USABLE, WITHHELD, Picture
from tests.readers.agencyfixtures import FIXTURES, AgencySite, g2, nitf

ZURICH_SUMMER = timezone(timedelta(hours=2))


@dataclass(frozen=True)
class Expected:
    """What one fixture must load to."""

    fixture: str
    slug: str
    id: str
    title: str
    summary: str
    author: str
    language: str
    published: datetime
    updated: datetime
    version: int
    rights: str
    picture: Picture | None
    tags: tuple[str, ...]
    body: tuple[str, ...]  # fragments the body holds, in this order
    secrets: tuple[str, ...] = ()  # text that must appear nowhere in the entry
    topics: tuple[str, ...] = ("transport",)


EVERY_FIELD = [
    Expected(
        fixture="g2-every-field.xml",
        slug="dpa-250901-99-7001",
        id="urn:newsml:dpa.com:20250901:250901-99-7001",
        title="Gotthard-Basistunnel wieder voll befahrbar",
        summary="Nach einem Jahr fahren wieder alle Züge durch beide Röhren.",
        author="Lea Muster",
        language="de-CH",
        published=datetime(2025, 9, 1, 8, 0, tzinfo=ZURICH_SUMMER),
        updated=datetime(2025, 9, 1, 10, 30, tzinfo=ZURICH_SUMMER),
        version=3,
        rights="© dpa GmbH 2025, all rights reserved",
        picture=Picture(
            "https://img.example.org/gotthard.jpg",
            "Ein Zug verlässt das Südportal.",
            "dpa/Foto Muster",
        ),
        tags=("Gotthard", "Bahnverkehr"),
        body=(
            "<p>Die Bahn hat den Tunnel am Montag wieder ganz freigegeben.</p>",
            "<h2>Fahrplan normal</h2>",
            "<p>Ab sofort gilt der <em>normale</em> Fahrplan.</p>",
            '<figure><img src="https://img.example.org/gotthard.jpg"',
            "<figcaption>Ein Zug verlässt das Südportal. <small>dpa/Foto Muster</small>",
            "<pre>Nord  06:00\nSüd   06:17</pre>",
        ),
        secrets=(
            "SECRET",
            "SUBHEADLINE",
            "UPDATE 2",
            "Adds quotes",
            "yyzz",
            "© dpa GmbH",  # rights, never body text
        ),
    ),
    Expected(
        fixture="nitf-every-field.nitf",
        slug="ntb-2025-09-01-ferry",
        id="tag:news.example.org,2025-09-01:ntb-2025-09-01-ferry",
        title="Ferry returns to the lake after repairs",
        summary="The ferry is back on its route.",
        author="Ola Example",
        language="nb-NO",
        published=datetime(2025, 9, 1, 7, 15, tzinfo=timezone(timedelta(hours=1))),
        updated=datetime(2025, 9, 1, 7, 15, tzinfo=timezone(timedelta(hours=1))),
        version=2,
        rights="© 2025 NTB",
        picture=None,
        tags=("ferry", "lake"),
        body=(
            "<p>The ferry left the yard on Monday \u2014 two weeks early.</p>",
            "<p>A paragraph that resets the namespace.</p>",
            "<h2>Timetable</h2>",
        ),
        secrets=("SECRET", "SUBHEAD", "1ST LEAD", "Lake ferry title fallback"),
    ),
    Expected(
        fixture="newsml12-every-field.xml",
        slug="afp-tx-sge-euro1",
        id="urn:newsml:afp.com:20250901:TX-SGE-EURO1",
        title="Le prix du billet passe à 5 €",
        summary="Le billet coûtera 5 € dès lundi, annonce la régie.",
        author="Marie Exemple",
        language="fr",
        published=datetime(2025, 9, 1, 6, 0, tzinfo=UTC),
        updated=datetime(2025, 9, 1, 6, 30, tzinfo=UTC),
        version=2,
        rights="© 2025 AFP",
        picture=Picture(
            "https://img.example.org/guichet.jpg",
            "Un guichet de la gare centrale.",
            "AFP/Photo Exemple",
        ),
        tags=("transports",),
        body=(
            "<p>Le billet coûtera 5 € dès lundi, annonce la régie.</p>",
            "<figure>",
            "<p>Les abonnements ne changent pas.</p>",
        ),
        secrets=("SECRET",),
    ),
    Expected(
        fixture="ninjs1-every-field.json",
        slug="ntb-bussrute-7",
        id="urn:ninjs:ntb.no:2025:bussrute-7",
        title="Bus route 7 runs again",
        summary="The route reopens after the roadworks.",
        author="Kari Example",
        language="nb",
        published=datetime(2025, 9, 1, 11, 0, tzinfo=UTC),
        updated=datetime(2025, 9, 1, 12, 0, tzinfo=UTC),
        version=4,
        rights="© NTB",
        picture=Picture(
            "https://img.example.org/bus-hires.jpg", "A bus at the square.", "NTB/Photo Example"
        ),
        tags=("bus", "public transport"),
        body=("<p>The buses run again from Tuesday.</p>", "<figure>", "<p>The stop at the square"),
        secrets=("SECRET", "Eil"),
    ),
    Expected(
        fixture="ninjs3-every-field.json",
        slug="tt-tram-line",
        id="https://tt.example.se/ninjs/2025/tram-line",
        title="Tram line opens to the harbour",
        summary="The new line links the station and the harbour.",
        author="Nils Example",
        language="sv-SE",
        published=datetime(2025, 9, 1, 7, 0, tzinfo=ZURICH_SUMMER),
        updated=datetime(2025, 9, 1, 9, 0, tzinfo=ZURICH_SUMMER),
        version=2,
        rights="© TT 2025",
        picture=None,
        tags=("tram",),
        body=("<p>The first tram left at six.</p>", "<p>Riders were counted all day.</p>"),
        secrets=("SECRET", "SUB-NOT-TITLE"),
    ),
]


@pytest.mark.parametrize("expected", EVERY_FIELD, ids=lambda expected: expected.fixture)
def test_every_field(agency_site: AgencySite, expected: Expected) -> None:
    agency_site.copy(expected.fixture)
    [entry] = agency_site.entries(expected.fixture)
    summary, body = agency_site.text(entry)
    assert (entry.slug, entry.id, entry.title) == (expected.slug, expected.id, expected.title)
    assert (summary, entry.author, entry.language) == (
        expected.summary,
        expected.author,
        expected.language,
    )
    assert (entry.published, entry.updated) == (expected.published, expected.updated)
    assert entry.published.utcoffset() == expected.published.utcoffset()
    assert entry.story is not None
    assert (entry.story.version, entry.story.status) == (expected.version, USABLE)
    assert entry.rights == expected.rights
    assert entry.picture == expected.picture
    assert entry.tags == expected.tags
    assert entry.topics == expected.topics
    positions = [body.find(fragment) for fragment in expected.body]
    assert -1 not in positions, body
    assert positions == sorted(positions), body
    shown = " ".join([entry.title, summary, entry.author, body, *entry.tags])
    for secret in expected.secrets:
        assert secret not in shown


def test_the_story_id_is_the_agencys(agency_site: AgencySite) -> None:
    """NITF's doc-id is no URI: the entry id is a tag: URI, the story id stays the agency's."""
    agency_site.copy("nitf-every-field.nitf")
    [entry] = agency_site.entries("nitf-every-field.nitf")
    assert entry.story is not None
    assert entry.story.id == "NTB-2025-09-01-ferry"


def test_two_stories_in_one_news_message_share_its_picture_item(agency_site: AgencySite) -> None:
    agency_site.copy("g2-message-two-stories.xml")
    first, second = agency_site.entries("g2-message-two-stories.xml")
    assert (first.slug, first.title) == ("apa-first-story", "Erste Meldung des Tages")
    assert (second.slug, second.title) == ("apa-second-story", "Zweite Meldung des Tages")
    assert first.author == "APA"  # the provider, when there is no byline
    assert first.picture == Picture(
        "https://img.example.org/platz-large.jpg",
        "Ein Blick auf den Platz am Morgen.",
        "APA/Foto Beispiel",
    )
    assert second.picture is None
    # text/plain with single line breaks: one paragraph a line; with blank lines: by blocks
    assert agency_site.body(first).count("<p>") == 2
    assert "<p>Zweiter Absatz der zweiten Meldung.</p>" in agency_site.body(second)
    assert second.updated == datetime(2025, 9, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("20240710T125902Z", datetime(2024, 7, 10, 12, 59, 2, tzinfo=UTC)),
        ("2024-07-10T12:59:02.000Z", datetime(2024, 7, 10, 12, 59, 2, tzinfo=UTC)),
        ("20240710T125902+0100", datetime(2024, 7, 10, 11, 59, 2, tzinfo=UTC)),
        ("2024-07-10T12:59:02+02:00", datetime(2024, 7, 10, 10, 59, 2, tzinfo=UTC)),
        ("2024-07-10T12:59:02", datetime(2024, 7, 10, 10, 59, 2, tzinfo=UTC)),  # site zone
        ("2024-07-10", datetime(2024, 7, 9, 22, 0, tzinfo=UTC)),
        ("  20240710  ", datetime(2024, 7, 9, 22, 0, tzinfo=UTC)),
    ],
)
def test_dates_as_agencies_write_them(
    agency_site: AgencySite, created: str, expected: datetime
) -> None:
    agency_site.write("story.xml", g2(created=created))
    [entry] = agency_site.entries("story.xml")
    assert entry.published == expected
    assert entry.published.utcoffset() is not None


@pytest.mark.parametrize(
    ("name", "document"),
    [
        ("no-namespace", g2(namespace="")),
        ("namespace-without-slash", g2(namespace="http://iptc.org/std/nar/2006-10-01")),
        ("bom", "\ufeff" + g2()),
        ("padded-headline", g2(headline="\n   A headline for the story   \n")),
    ],
)
def test_g2_variations_give_the_same_story(
    agency_site: AgencySite, name: str, document: str
) -> None:
    agency_site.write(f"{name}.xml", document)
    [entry] = agency_site.entries(f"{name}.xml")
    assert entry.title == "A headline for the story"
    assert agency_site.body(entry) == "<p>The first paragraph.</p>"


@pytest.mark.parametrize("encoding", ["iso-8859-1", "iso-8859-15"])
def test_declared_latin_encodings(agency_site: AgencySite, encoding: str) -> None:
    document = g2(headline="Zürich: Grüße à la française").replace(
        'encoding="UTF-8"', f'encoding="{encoding}"'
    )
    agency_site.write("latin.xml", document.encode(encoding))
    [entry] = agency_site.entries("latin.xml")
    assert entry.title == "Zürich: Grüße à la française"


def _data(kind: str, text: str) -> str:
    return f'<inlineData contenttype="{kind}">{text}</inlineData>'


@pytest.mark.parametrize(
    ("content", "paragraphs"),
    [
        (  # text/plain that holds HTML
            _data("text/plain", "&lt;p&gt;One.&lt;/p&gt;&lt;p&gt;Two.&lt;/p&gt;"),
            ["One.", "Two."],
        ),
        (
            '<inlineData contenttype="text/plain">One.\nTwo.\nThree.</inlineData>',
            ["One.", "Two.", "Three."],
        ),
        (
            _data("text/html", "&lt;p&gt;Only &lt;b&gt;one&lt;/b&gt;.&lt;/p&gt;"),
            ["Only <strong>one</strong>."],
        ),
        (  # XHTML without its namespace
            '<inlineXML contenttype="application/xhtml+xml">'
            "<html><body><p>Bare.</p></body></html></inlineXML>",
            ["Bare."],
        ),
        (
            '<inlineData contenttype="text/plain">Numeric &#233;t&#xE9;.</inlineData>',
            ["Numeric été."],
        ),
    ],
)
def test_bodies(agency_site: AgencySite, content: str, paragraphs: list[str]) -> None:
    agency_site.write("story.xml", g2(content=content))
    [entry] = agency_site.entries("story.xml")
    assert agency_site.body(entry) == "\n".join(f"<p>{text}</p>" for text in paragraphs)


def test_a_missing_headline_is_the_start_of_the_body(agency_site: AgencySite) -> None:
    words = " ".join(["Lorem"] * 40)
    content = f'<inlineData contenttype="text/plain">{words}.</inlineData>'
    agency_site.write("story.xml", g2(headline="", content=content))
    [entry] = agency_site.entries("story.xml")
    assert entry.title.startswith("Lorem Lorem")
    assert entry.title.endswith("…")
    assert len(entry.title) <= 101
    agency_site.write(
        "short.xml",
        g2(
            guid="urn:x:short",
            headline="  ",
            content='<inlineData contenttype="text/plain">Short.</inlineData>',
        ),
    )
    assert agency_site.entries("short.xml")[0].title == "Short."


@pytest.mark.parametrize(
    ("headline", "title"),
    [
        ("UPDATE 2-Minister resigns", "Minister resigns"),
        ("REFILE-UPDATE 1-Minister resigns", "Minister resigns"),
        ("1ST LEAD: Minister resigns", "Minister resigns"),
        ("Minister resigns (Eil)", "Minister resigns"),
        ("Minister resigns (Adds reaction from party)", "Minister resigns"),
        ("Minister resigns, 3rd Writethru", "Minister resigns"),
        ("URGENT: Minister resigns", "Minister resigns"),
        ("Update on the minister", "Update on the minister"),  # a word, not a marker
    ],
)
def test_advisory_markers_leave_headlines(
    agency_site: AgencySite, headline: str, title: str
) -> None:
    agency_site.write("story.xml", g2(headline=headline))
    assert agency_site.entries("story.xml")[0].title == title


@pytest.mark.parametrize(
    "paragraph",
    [
        "(Adds quotes from minister)",
        "(Eil)",
        "Writethru",
        "Editor's note: embargoed material follows",
        "Note to editors: pictures to come",
        "Redaktionshinweis: Bilder folgen",
        "dpa xy yyzz a3",
        "=",
        "(end)",
    ],
)
def test_editors_lines_leave_bodies(agency_site: AgencySite, paragraph: str) -> None:
    content = f'<inlineData contenttype="text/plain">{paragraph}\n\nThe story.</inlineData>'
    agency_site.write("story.xml", g2(content=content))
    [entry] = agency_site.entries("story.xml")
    assert agency_site.text(entry) == ("The story.", "<p>The story.</p>")


@pytest.mark.parametrize(
    "namespace",
    [None, "http://iptc.org/std/NITF/2006-10-18/", "http://iptc.org/std/NITF/2006-10-18"],
)
def test_nitf_with_any_namespace(agency_site: AgencySite, namespace: str | None) -> None:
    agency_site.write(
        "story.nitf", nitf("<p>Text.</p><block><p>In a block.</p></block>", namespace=namespace)
    )
    [entry] = agency_site.entries("story.nitf")
    assert entry.title == "Headline"
    assert agency_site.body(entry) == "<p>Text.</p>\n<p>In a block.</p>"


def test_empty_elements_are_no_text(agency_site: AgencySite) -> None:
    agency_site.write("story.nitf", nitf("<p>Text.</p><p/><p>   </p><hl2/>"))
    assert agency_site.body(agency_site.entries("story.nitf")[0]) == "<p>Text.</p>"


@pytest.mark.parametrize(
    ("meta", "status", "embargo"),
    [
        ("", USABLE, None),
        (
            "<embargoed>2025-09-02T06:00:00Z</embargoed>",
            USABLE,
            datetime(2025, 9, 2, 6, tzinfo=UTC),
        ),
    ],
)
def test_g2_embargo(
    agency_site: AgencySite, meta: str, status: str, embargo: datetime | None
) -> None:
    agency_site.write("story.xml", g2(meta=meta))
    story = agency_site.entries("story.xml")[0].story
    assert story is not None
    assert (story.status, story.embargo) == (status, embargo)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("stat:usable", USABLE),
        ("stat:withheld", WITHHELD),
        ("stat:canceled", CANCELED),
        ("http://cv.iptc.org/newscodes/pubstatusg2/canceled", CANCELED),
    ],
)
def test_g2_statuses(agency_site: AgencySite, status: str, expected: str) -> None:
    agency_site.write("story.xml", g2(status=status))
    story = agency_site.entries("story.xml")[0].story
    assert story is not None and story.status == expected


def test_nitf_embargo_and_kill_reference(agency_site: AgencySite) -> None:
    agency_site.write(
        "embargoed.nitf",
        nitf("<p>Text.</p>", docdata='management-status="embargoed"').replace(
            "</docdata>", '<date.release norm="20250905T120000Z"/></docdata>'
        ),
    )
    story = agency_site.entries("embargoed.nitf")[0].story
    assert story is not None
    assert (story.status, story.embargo) == (USABLE, datetime(2025, 9, 5, 12, tzinfo=UTC))
    agency_site.write(
        "kill.nitf",
        nitf("<p>Withdrawn.</p>", docdata='management-doc-idref="other-story"').replace(
            "nitf-story-1", "nitf-kill-1"
        ),
    )
    kill = agency_site.entries("kill.nitf")[0].story
    assert kill is not None
    assert (kill.status, kill.kills) == (CANCELED, ("other-story",))


def test_ninjs_embargo_spellings(agency_site: AgencySite) -> None:
    for number, key in enumerate(["embargoed", "embargoedUntil"]):
        agency_site.write(
            f"story-{number}.json",
            f'{{"uri": "urn:x:{number}", "headline": "Title", "versioncreated": '
            f'"2025-09-01T08:00:00Z", "{key}": "2025-09-03T08:00:00Z"}}',
        )
        story = agency_site.entries(f"story-{number}.json")[0].story
        assert story is not None
        assert story.embargo == datetime(2025, 9, 3, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("tag", "language"),
    [("it-IT", "it-IT"), ("de_CH", "de-CH"), ("  en ", "en"), ("123", "fr"), ("", "fr")],
)
def test_languages_as_given_or_the_sites(agency_site: AgencySite, tag: str, language: str) -> None:
    agency_site.write(
        "story.xml", g2().replace("<contentMeta>", f'<contentMeta><language tag="{tag}"/>')
    )
    assert agency_site.entries("story.xml")[0].language == language


@pytest.mark.parametrize(
    ("guid", "entry_id"),
    [
        ("urn:newsml:example.org:1:a", "urn:newsml:example.org:1:a"),
        ("https://example.org/story/1", "https://example.org/story/1"),
        ("urn:with space:1", "tag:news.example.org,2025-09-01:1"),
        ("dpa:250901-99-1", "tag:news.example.org,2025-09-01:dpa-250901-99-1"),
    ],
)
def test_entry_ids(agency_site: AgencySite, guid: str, entry_id: str) -> None:
    agency_site.write("story.xml", g2(guid))
    assert agency_site.entries("story.xml")[0].id == entry_id


def test_html_entities_of_a_dtd_that_is_never_loaded(agency_site: AgencySite) -> None:
    """NITF with an external DTD may use its entities; HTML's names are known without it."""
    document = nitf("<p>caf&eacute;&nbsp;cr&egrave;me &unknown;</p>").replace(
        "<nitf>", '<!DOCTYPE nitf SYSTEM "nitf-3-6.dtd">\n<nitf>'
    )
    agency_site.write("story.nitf", document)
    assert agency_site.body(agency_site.entries("story.nitf")[0]) == "<p>café&nbsp;crème </p>"


@pytest.mark.parametrize(
    "paragraph",
    [
        "Service stations closed early.",
        "Service stations closed",
        "AP has more",
        "Advisory boards met on Monday.",
        "Update on the minister",
        "(Adds) " * 100 + "a story after all",
    ],
)
def test_readers_lines_stay(agency_site: AgencySite, paragraph: str) -> None:
    content = f'<inlineData contenttype="text/plain">{paragraph}\n\nThe story.</inlineData>'
    agency_site.write("story.xml", g2(content=content))
    body = agency_site.body(agency_site.entries("story.xml")[0])
    assert body.startswith(f"<p>{paragraph.strip()}</p>")


def test_embedded_nitf_gives_a_missing_headline_and_summary(agency_site: AgencySite) -> None:
    content = (
        '<inlineXML contenttype="application/nitf+xml"><nitf><body><body.head>'
        "<hedline><hl1>Headline from NITF</hl1></hedline><abstract>Abstract from NITF.</abstract>"
        "</body.head><body.content><p>Body.</p></body.content></body></nitf></inlineXML>"
    )
    agency_site.write("story.xml", g2(headline="", content=content))
    [entry] = agency_site.entries("story.xml")
    assert entry.title == "Headline from NITF"
    assert agency_site.text(entry) == ("Abstract from NITF.", "<p>Body.</p>")


@pytest.mark.parametrize(("status", "embargo"), [("Embargoed", True), ("Usable", False)])
def test_newsml12_embargo(agency_site: AgencySite, status: str, embargo: bool) -> None:
    document = (
        (FIXTURES / "newsml12-every-field.xml")
        .read_bytes()
        .replace(
            b'<Status FormalName="Usable"/>',
            f'<Status FormalName="{status}"/><StatusWillChange><FutureStatus FormalName="Usable"/>'
            "<DateAndTime>20250902T060000Z</DateAndTime></StatusWillChange>".encode(),
        )
    )
    agency_site.write("story.xml", document)
    story = agency_site.entries("story.xml")[0].story
    assert story is not None
    assert story.embargo == (datetime(2025, 9, 2, 6, tzinfo=UTC) if embargo else None)


def test_the_file_walk_finds_every_format_the_loader_reads() -> None:
    assert set(loader.READERS) | set(loader.BYTE_READERS) == files.SUFFIXES
