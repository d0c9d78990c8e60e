"""Summaries are plain text: markup in one is shown as written by every format, never run.

RSS readers take `<description>` for HTML, so there the summary must be escaped as HTML
before it is escaped for XML; Atom `<summary>` and JSON Feed `summary` are text by spec.
"""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import html5lib
import pytest
from lxml import etree

from tests.sitefixtures import run_main

SCRIPT = "<script>alert(1)</script>"
MARKUP = f'{SCRIPT} & <b>"bold"</b>'
HTML = "{http://www.w3.org/1999/xhtml}"

CONFIG = """\
[site]
title = "Plain Text Wire"
base_url = "https://text.example.org/"
language = "en"
"""

MARKDOWN = f"""\
---
title: A summary full of markup
date: 2025-05-04T10:00:00+02:00
summary: '{MARKUP}'
---
The body says nothing of it.
"""

WIRE = f"""\
A lead full of markup

Reuters

2025-05-03T09:00:00+02:00

{MARKUP}

The body goes on.
"""


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("summaries")
    (root / "config.toml").write_text(CONFIG, encoding="utf-8")
    (root / "articles").mkdir()
    (root / "articles" / "front-matter.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "articles" / "wire-lead.txt").write_text(WIRE, encoding="utf-8")
    run = run_main("build", "--config", str(root / "config.toml"), "--strict")
    assert run.code == 0, run.stderr
    return root / "public"


def shown(html: str) -> str:
    """What a reader shows of an HTML fragment: its text; fails if it holds any element."""
    nodes = html5lib.parseFragment(html, treebuilder="lxml")  # text and elements, in order
    assert all(isinstance(node, str) for node in nodes), html
    return "".join(nodes)


def test_rss_description_is_shown_as_the_literal_text(out: Path) -> None:
    parsed = feedparser.parse((out / "feeds/all.rss.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 2
    for entry in parsed.entries:
        assert entry.summary_detail.type == "text/html"  # how RSS readers take it
        assert shown(entry.summary) == MARKUP


def test_atom_summary_is_the_literal_text(out: Path) -> None:
    parsed = feedparser.parse((out / "feeds/all.atom.xml").read_bytes())
    assert not parsed.bozo
    assert [(e.summary_detail.type, e.summary) for e in parsed.entries] == [
        ("text/plain", MARKUP),
        ("text/plain", MARKUP),
    ]


def test_json_feed_summary_is_the_literal_text(out: Path) -> None:
    document = json.loads((out / "feeds/all.json").read_bytes())
    assert [item["summary"] for item in document["items"]] == [MARKUP, MARKUP]


def test_the_wire_lead_opens_the_body_as_text(out: Path) -> None:
    document = json.loads((out / "feeds/all.json").read_bytes())
    (wire,) = (item for item in document["items"] if "wire-lead" in item["url"])
    paragraph = html5lib.parseFragment(wire["content_html"], treebuilder="lxml")[0]
    assert (paragraph.tag, paragraph.text, len(paragraph)) == (f"{HTML}p", MARKUP, 0)


def test_no_page_holds_a_script(out: Path) -> None:
    pages = sorted(out.rglob("*.html"))
    assert len(pages) >= 3
    for path in pages:
        document = html5lib.parse(path.read_bytes(), treebuilder="lxml")
        assert list(document.iter(f"{HTML}script")) == [], path
    opml = etree.fromstring((out / "opml.xml").read_bytes())
    assert SCRIPT not in etree.tostring(opml, encoding="unicode")
