"""Hostile and broken agency documents: each is one `path:line: message`, never an exception,
never obeyed; the other articles are published. Generated documents never raise."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.errors import ArticleError
from feeds.readers import Context, agency
from feeds.topics import TopicMatcher
from tests.readers.agencyfixtures import AgencySite, g2
from tests.sitefixtures import run_main

SECRET = "TOP-SECRET-CONTENT-4711"


def only_problem(site: AgencySite, name: str) -> str:
    """The one problem of articles/`name` (the good article beside it is still published)."""
    site.write("good.xml", g2("urn:x:good", headline="Good story"))
    loaded = site.load()
    assert [entry.title for entry in loaded.entries] == ["Good story"]
    [problem] = [str(problem) for problem in loaded.problems]
    assert problem.startswith(f"articles/{name}:")
    return problem


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def test_xxe_is_never_expanded(agency_site: AgencySite, secret_file: Path) -> None:
    document = g2(headline="Title &xxe;").replace(
        "<newsItem",
        f'<!DOCTYPE newsItem [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>\n<newsItem',
        1,
    )
    agency_site.write("xxe.xml", document)
    problem = only_problem(agency_site, "xxe.xml")
    assert "declares entities" in problem
    assert SECRET not in problem
    run = run_main("build", "--config", str(agency_site.root / "config.toml"))
    assert SECRET not in "\n".join(run.stderr)
    for path in (agency_site.root / "public").rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


def test_an_external_dtd_is_never_loaded(agency_site: AgencySite, tmp_path: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak "{SECRET}">', encoding="utf-8")
    document = g2(headline="Title &leak;").replace(
        "<newsItem", f'<!DOCTYPE newsItem SYSTEM "{dtd.as_uri()}">\n<newsItem', 1
    )
    agency_site.write("dtd.xml", document)
    loaded = agency_site.load()
    everything = repr(loaded) + "".join(agency_site.body(entry) for entry in loaded.entries)
    assert SECRET not in everything


def test_a_parameter_entity_is_never_fetched(agency_site: AgencySite, secret_file: Path) -> None:
    document = g2().replace(
        "<newsItem",
        f'<!DOCTYPE newsItem [<!ENTITY % remote SYSTEM "{secret_file.as_uri()}"> %remote;]>'
        "\n<newsItem",
        1,
    )
    agency_site.write("param.xml", document)
    assert SECRET not in only_problem(agency_site, "param.xml")


def test_billion_laughs(agency_site: AgencySite) -> None:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    document = g2(headline="&lol9;").replace(
        "<newsItem", f"<!DOCTYPE newsItem [{''.join(entities)}]>\n<newsItem", 1
    )
    agency_site.write("laughs.xml", document)
    problem = only_problem(agency_site, "laughs.xml")
    # libxml2 refuses the amplification itself (the parser is never asked to expand)
    assert "entity amplification" in problem or "declares entities" in problem
    assert "lol" not in problem


def test_deep_xml_nesting(agency_site: AgencySite) -> None:
    deep = "<div>" * 10_000 + "text" + "</div>" * 10_000
    document = g2(content=f'<inlineXML contenttype="application/xhtml+xml">{deep}</inlineXML>')
    agency_site.write("deep.xml", document)
    problem = only_problem(agency_site, "deep.xml")
    assert "not well-formed XML" in problem and "depth" in problem.lower()


def test_deep_json_nesting(agency_site: AgencySite) -> None:
    agency_site.write(
        "deep.json", '{"uri": "urn:x:1", "headline": "T", "x": ' + "[" * 10_000 + "]" * 10_000 + "}"
    )
    assert only_problem(agency_site, "deep.json") == (
        "articles/deep.json:1: JSON nests 10,001 levels deep; ninjs never needs more than 64"
    )


def test_a_50_mb_document(agency_site: AgencySite) -> None:
    filler = "<p>" + "x" * 1000 + "</p>"
    body = filler * (50 * 1024 * 1024 // len(filler) + 1)  # 50 MB of paragraphs
    agency_site.write(
        "huge.xml",
        g2(content=f'<inlineXML contenttype="text/html"><body>{body}</body></inlineXML>'),
    )
    problem = only_problem(agency_site, "huge.xml")
    assert problem.startswith("articles/huge.xml:1: file is 50.")
    assert "at most 5 MB" in problem


def test_the_readers_own_size_limit(agency_site: AgencySite) -> None:
    """Called without the loader (which stops at 5 MB too), the reader refuses big documents."""
    data = g2().encode() + b" " * agency.MAX_DOCUMENT
    context = Context(agency_site.config(), TopicMatcher(()), "story")
    with pytest.raises(ArticleError, match="an agency document may be at most 5 MB"):
        agency.read(data, context)


def test_invalid_utf8_in_a_utf8_document(agency_site: AgencySite) -> None:
    agency_site.write("bad.xml", g2(headline="Caf\udce9").encode("utf-8", "surrogateescape"))
    problem = only_problem(agency_site, "bad.xml")
    assert problem.startswith("articles/bad.xml:4: not well-formed XML (Invalid bytes in character")


@pytest.mark.parametrize(
    "document",
    ['{"name": "a shop", "price": 3}', "[1, 2, 3]", '"just a string"', '{"uri": "urn:x:1"}'],
)
def test_json_that_is_not_ninjs(agency_site: AgencySite, document: str) -> None:
    agency_site.write("other.json", document)
    assert only_problem(agency_site, "other.json") == (
        "articles/other.json:1: valid JSON but not ninjs: expected an object with 'uri' (or "
        "'guid') and 'headline', 'headlines' or a body, as IPTC ninjs 1.x, 2.x or 3.x has"
    )


def test_broken_json_names_its_line(agency_site: AgencySite) -> None:
    agency_site.write("broken.json", '{\n "uri": "urn:x:1",\n "headline": \n}')
    problem = only_problem(agency_site, "broken.json")
    assert problem.startswith("articles/broken.json:4: not valid JSON (")


def test_xml_of_another_kind(agency_site: AgencySite) -> None:
    agency_site.write("feed.xml", '<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>')
    assert only_problem(agency_site, "feed.xml") == (
        "articles/feed.xml:2: XML with root element <rss>; expected an agency document: "
        "NewsML-G2 <newsItem> or <newsMessage>, NewsML 1.2 <NewsML>, or NITF <nitf>"
    )


def test_xml_that_is_not_well_formed_names_its_line(agency_site: AgencySite) -> None:
    agency_site.write("broken.nitf", "<nitf>\n<head>\n<body></nitf>")
    assert only_problem(agency_site, "broken.nitf").startswith(
        "articles/broken.nitf:3: not well-formed XML ("
    )


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (g2(guid=""), "the item has no id"),
        (g2(created=""), "the item has no date"),
        (g2(created="yesterday"), "unreadable date"),
        (g2(headline="", content=""), "the item has neither a headline nor body text"),
    ],
)
def test_items_missing_what_they_need(agency_site: AgencySite, document: str, message: str) -> None:
    agency_site.write("item.xml", document)
    assert f"articles/item.xml:2: {message}" in only_problem(agency_site, "item.xml")


# Property tests: documents assembled from arbitrary text load to drafts or ArticleError.
_TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _read(site: AgencySite, data: bytes) -> None:
    context = Context(site.config(), TopicMatcher(site.config().topics), "story")
    try:
        drafts = agency.read(data, context)
    except ArticleError as exc:
        assert exc.message and exc.line >= 1
    else:
        assert len(drafts) == 1


@_SETTINGS
@given(
    guid=_TEXT,
    version=st.integers(-5, 10**12),
    created=st.one_of(_TEXT, st.datetimes().map(lambda moment: moment.isoformat())),
    status=st.sampled_from(["stat:usable", "stat:withheld", "stat:canceled", "", "nonsense"]),
    headline=_TEXT,
    body=_TEXT,
    kind=st.sampled_from(["text/plain", "text/html"]),
    escape=st.booleans(),
)
def test_generated_newsml_g2(
    agency_site: AgencySite,
    guid: str,
    version: int,
    created: str,
    status: str,
    headline: str,
    body: str,
    kind: str,
    escape: bool,
) -> None:
    def put(text: str) -> str:  # unescaped text makes documents that are not well-formed
        return (
            text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
            if escape
            else text
        )

    content = f'<inlineData contenttype="{kind}">{put(body)}</inlineData>'
    document = g2(
        put(guid),
        version=version,
        created=put(created),
        status=status,
        headline=put(headline),
        content=content,
    )
    _read(agency_site, document.encode("utf-8", "surrogatepass"))


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_NINJS_KEYS = st.sampled_from(
    [
        "uri",
        "guid",
        "headline",
        "headlines",
        "body_html",
        "body_text",
        "bodies",
        "versioncreated",
        "versionCreated",
        "firstcreated",
        "pubstatus",
        "embargoed",
        "embargoedUntil",
        "version",
        "subjects",
        "subject",
        "associations",
        "renditions",
        "by",
        "byline",
        "keywords",
        "language",
        "descriptions",
        "description_html",
        "copyrightnotice",
        "type",
    ]
)


@_SETTINGS
@given(fields=st.dictionaries(_NINJS_KEYS, _JSON | _TEXT, max_size=12), uri=_TEXT)
def test_generated_ninjs(agency_site: AgencySite, fields: dict[str, object], uri: str) -> None:
    document = {"uri": uri, "headline": "Title", "versioncreated": "2025-09-01T08:00:00Z", **fields}
    _read(agency_site, json.dumps(document).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize(
    "html",
    [
        "<a:b>x</a:b>",
        '<p:q xmlns:p="u">t</p:q>',
        "<?php echo 1 ?><p>x</p>",
        "&#xb;x",
        "&#0;",
        "<1>",
    ],
)
def test_odd_html_bodies(agency_site: AgencySite, html: str) -> None:
    document = {
        "uri": "urn:x:1",
        "headline": "Title",
        "versioncreated": "2025-09-01",
        "body_html": html,
    }
    agency_site.write("odd.json", json.dumps(document))
    [entry] = agency_site.entries("odd.json")
    assert "<?php" not in agency_site.body(entry)


@_SETTINGS
@given(html=st.text(alphabet='<>/&;:"=# abpq!-?x\n01\x0b', max_size=60))
def test_generated_html_bodies(agency_site: AgencySite, html: str) -> None:
    document = {
        "uri": "urn:x:1",
        "headline": "Title",
        "versioncreated": "2025-09-01",
        "body_html": html,
    }
    _read(agency_site, json.dumps(document).encode())
