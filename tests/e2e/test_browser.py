"""Headless Chromium, a real browser, loads pages from a running server; we read its DOM.

`chromium --headless --dump-dom <url>` prints the DOM after the page has loaded and run
whatever it was allowed to run (with a virtual time budget, so timers fire too). If a script
ran, the DOM shows it: these tests assert what the page carries, and that hostile markup in an
article changed nothing. A control page proves the same command does see script that runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree

import html5lib
import pytest

from tests.e2e.served import (
    ARTICLES,
    TOPICS,
    Server,
    articles_in,
    require_binary,
    run_client,
    serving,
)

FLAGS = [
    "--headless",
    "--no-sandbox",  # tests may run as root, in a container
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=2000",  # let timers and late events fire before the dump
]
FEED_TYPES = {
    "atom.xml": "application/atom+xml",
    "rss.xml": "application/rss+xml",
    "json": "application/feed+json",
}
# Elements that can run script, load a document, or send the reader elsewhere.
SERVED = {
    "landing": "",
    "topic": "topics/climate/",
    "wire": "articles/convoi-kharkiv/",
    "markdown": "articles/qa-markup-in-titles/",
    "hostile": "articles/hostile-markup/",
}
# Without sanitising and without a CSP, these vectors set the flags that the checks look for.
CONTROL = (
    "<!DOCTYPE html><html><head><title>clean</title></head><body>"
    "<script>document.title='XSS'</script>"
    "<img src=x onerror=\"document.body.setAttribute('data-xss','1')\">"
    "<details open ontoggle=\"document.body.setAttribute('data-toggle','1')\"></details>"
    "<script>setTimeout(() => document.body.setAttribute('data-late', '1'), 500)</script>"
    "</body></html>"
)
ACTIVE = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "form"}
FLAG = "XSS"


@pytest.fixture(scope="module")
def chromium() -> str:
    return require_binary("chromium", "chromium-browser")


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("site")) as running:
        yield running


@pytest.fixture(scope="module")
def pages(
    chromium: str, server: Server, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[ElementTree.Element]]]:
    """Every page the tests look at, loaded by Chromium a few at a time (each load starts a
    browser, about a second); a test waits for its own page, so a failure names its test."""
    scratch = tmp_path_factory.mktemp("chromium")
    hostile, _ = server.get("articles/hostile-markup/")
    (scratch / "hostile-static.html").write_bytes(hostile)
    (scratch / "control.html").write_text(CONTROL, encoding="utf-8")
    urls = {name: server.url(path) for name, path in SERVED.items()}
    urls |= {name: (scratch / f"{name}.html").as_uri() for name in ("hostile-static", "control")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        yield {
            name: pool.submit(dump_dom, chromium, url, scratch / f"profile-{name}")
            for name, url in urls.items()
        }


def dump_dom(chromium: str, url: str, profile: Path) -> ElementTree.Element:
    """The DOM Chromium built for `url`, parsed as HTML5 (html5lib, as browsers parse)."""
    done = run_client([chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", url], profile)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    dom = done.stdout.decode("utf-8")
    assert dom.lstrip().startswith("<!DOCTYPE html>"), dom[:500]
    root: ElementTree.Element = html5lib.parse(dom, namespaceHTMLElements=False)
    return root


def local(name: str) -> str:
    """A tag or attribute name without its namespace (SVG, MathML, xlink)."""
    return name.rsplit("}", 1)[-1].lower()


def text(element: ElementTree.Element) -> str:
    return "".join(element.itertext())


def find_all(root: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    return [element for element in root.iter() if local(str(element.tag)) == tag]


def one(root: ElementTree.Element, tag: str) -> ElementTree.Element:
    found = find_all(root, tag)
    assert len(found) == 1, f"{len(found)} <{tag}>"
    return found[0]


def alternates(root: ElementTree.Element) -> dict[str, str]:
    """Autodiscovery: each <link rel="alternate"> in <head>, href to type."""
    head = one(root, "head")
    return {
        link.get("href", ""): link.get("type", "")
        for link in find_all(head, "link")
        if link.get("rel") == "alternate"
    }


def subscribe_links(root: ElementTree.Element) -> list[str]:
    """The addresses the visible "Subscribe" block offers to copy, with their link text."""
    [block] = [e for e in find_all(root, "section") if e.get("id") == "subscribe"]
    links = find_all(block, "a")
    for link in links[:-1]:
        assert text(link) == link.get("href"), "the address is shown as written"
    return [link.get("href", "") for link in links]


def feed_urls(server: Server, *slugs: str) -> dict[str, str]:
    return {
        server.url(f"feeds/{slug}.{kind}"): mime
        for slug in slugs
        for kind, mime in FEED_TYPES.items()
    }


def assert_feed_links(root: ElementTree.Element, server: Server, *slugs: str) -> None:
    expected = feed_urls(server, *slugs)
    assert alternates(root) == expected
    assert subscribe_links(root) == [*expected, server.url("opml.xml")]


Pages = dict[str, Future[ElementTree.Element]]


def test_landing_page(pages: Pages, server: Server) -> None:
    root = pages["landing"].result()
    assert text(one(root, "title")) == "E2E Wire"
    assert_feed_links(root, server, "all")
    topic_links = {
        a.get("href"): text(a) for a in find_all(root, "a") if "/topics/" in a.get("href", "")
    }
    assert topic_links == {
        server.url("topics/ukraine/"): "Ukraine",
        server.url("topics/economy/"): "Économie",
        server.url("topics/climate/"): "Climat",
    }
    counts = [text(span) for span in find_all(root, "span") if span.get("class") == "count"]
    assert counts == [f"({len(articles_in(slug))} articles)" for slug in TOPICS]
    headlines = [
        text(a) for a in find_all(one(root, "main"), "a") if "/articles/" in a.get("href", "")
    ]
    assert headlines == [article.title for article in articles_in("all")]


def test_topic_page(pages: Pages, server: Server) -> None:
    root = pages["topic"].result()
    assert text(one(root, "h1")) == "Climat"
    assert_feed_links(root, server, "climate")
    [listing] = [ul for ul in find_all(root, "ul") if ul.get("class") == "headlines"]
    assert [(a.get("href"), text(a)) for a in find_all(listing, "a")] == [
        (server.url(f"articles/{article.slug}/"), article.title)
        for article in articles_in("climate")
    ]


def test_wire_article_page_has_its_picture_caption(pages: Pages, server: Server) -> None:
    root = pages["wire"].result()
    assert text(one(root, "h1")) == "Le convoi humanitaire atteint Kharkiv"
    assert text(one(root, "title")) == "Le convoi humanitaire atteint Kharkiv — E2E Wire"
    assert_feed_links(root, server, "ukraine", "all")
    figure = one(one(root, "article"), "figure")
    caption = one(figure, "figcaption")
    assert text(caption) == "Des camions du convoi à l'entrée de la ville. sda, Keystone-SDA"
    assert text(one(caption, "small")) == "sda, Keystone-SDA"
    paragraphs = [text(p) for p in find_all(one(root, "article"), "p")]
    assert "sda" not in paragraphs
    assert "Keystone-SDA" not in paragraphs
    assert text(one(one(root, "article"), "h2")) == "La suite du voyage"


def test_markdown_article_page_has_its_picture_and_literal_title(
    pages: Pages, server: Server
) -> None:
    root = pages["markdown"].result()
    [qa] = [article for article in ARTICLES if article.slug == "qa-markup-in-titles"]
    assert text(one(root, "h1")) == qa.title
    assert find_all(one(root, "h1"), "b") == []
    assert_feed_links(root, server, "economy", "climate", "all")
    figure = one(one(root, "article"), "figure")
    image = one(figure, "img")
    assert image.get("src") == server.url("articles/qa-markup-in-titles/pictures/chart.png")
    assert image.get("alt") == "A chart & a <caption>"
    assert text(one(figure, "figcaption")) == "A chart & a <caption> Photo: Desk"
    links = [a.get("href") for a in find_all(one(root, "article"), "a")]
    assert server.url("articles/glacier-du-rhone/") in links


def assert_inert(root: ElementTree.Element) -> None:
    """Nothing in the DOM ran, can run, or leads to script."""
    assert text(one(root, "title")) != FLAG
    everything = list(root.iter())
    assert [local(str(e.tag)) for e in everything if local(str(e.tag)) in ACTIVE] == []
    assert [e.attrib for e in everything if "data-xss" in e.attrib] == []
    handlers = [(e.tag, name) for e in everything for name in e.attrib if local(name)[:2] == "on"]
    assert handlers == []
    assert [e.attrib for e in everything if "srcdoc" in e.attrib] == []
    refresh = [m for m in find_all(root, "meta") if m.get("http-equiv", "").lower() == "refresh"]
    assert refresh == []
    for element in everything:
        for name, value in element.attrib.items():
            squeezed = re.sub(r"[\s\x00-\x1f]+", "", value).lower()
            assert "javascript:" not in squeezed, (element.tag, name, value)
            if local(name) in {"href", "src", "action", "formaction", "data", "poster"}:
                assert not squeezed.startswith(("data:", "vbscript:")), (element.tag, name, value)
    [style] = find_all(root, "style")  # the page's own, in <head>
    assert "javascript" not in text(style).lower()
    assert find_all(one(root, "body"), "style") == []


def test_hostile_article_runs_nothing(pages: Pages) -> None:
    root = pages["hostile"].result()
    assert_inert(root)
    [hostile] = [article for article in ARTICLES if article.slug == "hostile-markup"]
    assert text(one(root, "title")) == f"{hostile.title} — E2E Wire"
    assert text(one(root, "h1")) == hostile.title
    article = one(root, "article")
    paragraphs = [text(p) for p in find_all(article, "p")]
    assert "Lead paragraph before the hostile markup." in paragraphs
    assert "Closing paragraph." in text(article)
    assert find_all(article, "svg") == []


def test_hostile_article_is_served_with_a_csp_without_script(server: Server) -> None:
    _, headers = server.get("articles/hostile-markup/")
    policy = headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'none'"
    assert directives.get("script-src", "'none'") == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"]


def test_hostile_article_runs_nothing_without_the_csp(pages: Pages) -> None:
    """The same bytes from a static host that sends no Content-Security-Policy (a file here):
    the sanitiser alone must make the page inert."""
    assert_inert(pages["hostile-static"].result())


def test_control_dump_dom_shows_script_that_ran(pages: Pages) -> None:
    """Unsanitised vectors without a CSP do set the flags: the checks above would see an
    attack that worked."""
    root = pages["control"].result()
    assert text(one(root, "title")) == FLAG
    body = one(root, "body")
    assert body.get("data-xss") == body.get("data-toggle") == body.get("data-late") == "1"
    with pytest.raises(AssertionError):
        assert_inert(root)
