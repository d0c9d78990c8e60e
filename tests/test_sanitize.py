"""The sanitiser: no script, style, event handler or dangerous URL survives; links absolute."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from feeds.sanitize import MAX_DEPTH, sanitize_html
from tests.conftest import Site, front_matter

BASE = "https://news.example.org/articles/story/"
SAFE_SCHEMES = ("https://", "http://", "mailto:", "tel:")

VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<style>body { display: none }</style>",
    '<iframe src="https://evil.example/"></iframe>',
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"',
    "<body onload=alert(1)>",
    '<a href="#" onclick="alert(1)">x</a>',
    '<p onmouseover="alert(1)">x</p>',
    "<details open ontoggle=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt:alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="java\tscript:alert(1)">x</a>',
    '<a href="&#106;avascript:alert(1)">x</a>',
    '<a href="&#x6A;&#x61;vascript&#58;alert(1)">x</a>',
    '<a href="&#0000106&#0000097vascript:alert(1)">x</a>',
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    '<a href="vbscript:msgbox(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<scr<script>ipt>alert(1)</script>",
    "<object data=evil.swf></object>",
    "<embed src=evil.swf>",
    '<form action="https://evil.example/"><input name=x></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "<template><script>alert(1)</script></template>",
    "<p>unclosed <b>bold <i>italic <script>alert(1)",
]
FORBIDDEN_TAGS = {
    "script",
    "style",
    "iframe",
    "svg",
    "math",
    "object",
    "embed",
    "form",
    "input",
    "meta",
    "base",
    "link",
    "body",
    "template",
    "noscript",
}


class _Elements(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_harmless(html: str, *, as_text: bool = False) -> None:
    """No dangerous tag, attribute or URL; unless `as_text`, not even their words as text."""
    lowered = html.lower()
    pieces = ["<script", "<style", "<iframe", "<svg"]
    if not as_text:
        pieces += ["javascript:", "vbscript:", "data:"]
    for piece in pieces:
        assert piece not in lowered, html
    for tag, attrs in _Elements(html).found:
        assert tag not in FORBIDDEN_TAGS, html
        for name, value in attrs:
            assert not name.startswith("on"), html
            assert name != "style", html
            if name in {"href", "src"}:
                assert (value or "").startswith(SAFE_SCHEMES), html


@pytest.mark.parametrize("vector", VECTORS)
def test_no_vector_survives_the_sanitiser(vector: str) -> None:
    assert_harmless(sanitize_html(vector, BASE))


@pytest.mark.parametrize("vector", VECTORS)
def test_no_vector_survives_a_markdown_body(site: Site, vector: str) -> None:
    site.write("xss.md", front_matter("title: T\ndate: 2025-08-21", f"Lead.\n\n{vector}\n"))
    assert_harmless(site.body(site.entry("xss.md")))


@pytest.mark.parametrize(
    "link",
    ["[x](javascript:alert(1))", "[x](JAVASCRIPT:alert(1))", "![x](data:image/png;base64,AA)"],
)
def test_markdown_links_to_dangerous_schemes_are_dropped(site: Site, link: str) -> None:
    site.write("xss.md", front_matter("title: T\ndate: 2025-08-21", f"Lead {link}.\n"))
    body = site.body(site.entry("xss.md"))
    assert_harmless(body, as_text=True)
    assert "href" not in body
    assert "src" not in body


@pytest.mark.parametrize(
    "vector", ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=x>"]
)
def test_wire_copy_shows_markup_as_text(site: Site, vector: str) -> None:
    site.write("w.txt", f"Titre\n\nATS\n\n21.8.2025 - 06:28\n\nLead {vector}.\n\nBody {vector}.\n")
    body = site.body(site.entry("w.txt"))
    assert "<" + vector[1:] not in body
    assert f"Body {vector.replace('<', '&lt;').replace('>', '&gt;')}." in body
    assert_harmless(body, as_text=True)


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<a href="photo.html">x</a>', f'<a href="{BASE}photo.html" rel="noopener noreferrer">'),
        ('<a href="../other/">x</a>', '<a href="https://news.example.org/articles/other/"'),
        ('<a href="/about/">x</a>', '<a href="https://news.example.org/about/"'),
        ('<a href="#part">x</a>', f'<a href="{BASE}#part"'),
        ('<img src="pic.jpg" alt="A">', f'<img src="{BASE}pic.jpg" alt="A">'),
        ('<a href="https://other.example/x">x</a>', '<a href="https://other.example/x"'),
        ('<a href="mailto:desk@example.org">x</a>', '<a href="mailto:desk@example.org"'),
    ],
)
def test_relative_urls_are_made_absolute(html: str, expected: str) -> None:
    assert expected in sanitize_html(html, BASE)


@pytest.mark.parametrize(
    "html",
    [
        "<p>Plain <em>emphasis</em>, <strong>strong</strong> and <code>code</code>.</p>",
        "<h2>Subheading</h2>",
        "<blockquote><p>Quote</p></blockquote>",
        "<ul><li>one</li><li>two</li></ul>",
        "<figure><figcaption>Caption</figcaption></figure>",
        '<table><tbody><tr><td colspan="2">cell</td></tr></tbody></table>',
    ],
)
def test_ordinary_markup_is_kept(html: str) -> None:
    assert sanitize_html(html, BASE) == html


def test_characters_xml_forbids_are_dropped() -> None:
    assert sanitize_html("<p>a\x01b\x0bc\ufffed</p>", BASE) == "<p>abcd</p>"


def test_nesting_up_to_the_limit_is_kept_deeper_is_refused() -> None:
    deepest = "<div>" * MAX_DEPTH + "x" + "</div>" * MAX_DEPTH
    assert sanitize_html(deepest, BASE) == deepest
    # Closed elements do not add up, and those that need no end tag do not count.
    siblings = "<blockquote><p>a</p></blockquote>" * 500 + "<li>b<br><img src=a.png>" * 500
    assert sanitize_html(siblings, BASE).count("<blockquote>") == 500
    with pytest.raises(ValueError, match="nest more than 100 deep"):
        sanitize_html("<div>" * (MAX_DEPTH + 1) + "x", BASE)
