"""newsboat, a real feed reader, subscribes to every Atom and RSS feed of a running server.

newsboat reads RSS and Atom only, not JSON Feed, so the `.json` feeds are not read here.

Each feed gets its own newsboat run and cache, driven without a terminal:
`newsboat -x reload -u <urls> -c <cache.db> -C <empty config> -d <log> -l 6`, with HOME in a
temporary folder and stdin from /dev/null. newsboat exits 0 even when a download or parse
fails, and silently stores the fetch time (or a wrong guess) for a date it cannot read, so the
tests read what it stored (its SQLite cache) and its debug log, and compare both with the
articles.
"""

from __future__ import annotations

import calendar
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import feedparser
import pytest

from tests.e2e.served import TOPICS, Server, articles_in, require_binary, run_client, serving

ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
FEEDS = [(slug, kind) for slug in ("all", *TOPICS) for kind in ("atom.xml", "rss.xml")]

# A log line starts `[YYYY-MM-DD HH:MM:SS] LEVEL: `; newsboat's levels, most severe first, are
# USERERROR (what the UI would show: "Error while retrieving <url>: ..."), CRITICAL, ERROR,
# WARNING, INFO, DEBUG. Message text may span several lines; only a line's start names a level.
LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] ([A-Z]+): (.*)$")
BAD_LEVELS = {"USERERROR", "CRITICAL", "ERROR", "WARNING"}
# Failure messages, whatever their level: a failed download (curl), a rejected document, or a
# date that RFC 822 parsing could not read (newsboat then guesses with a lax W3CDTF parser).
BAD_MESSAGES = re.compile(
    r"Error while retrieving|curl_easy_perform returned err|no RSS version|"
    r"parse_date: encountered t == -1"
)


@pytest.fixture(scope="module")
def newsboat() -> str:
    return require_binary("newsboat")


@pytest.fixture(scope="module")
def server(newsboat: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("site")) as running:
        yield running


@dataclass(frozen=True)
class Reading:
    """What newsboat made of one feed: its cache rows and its debug log."""

    feeds: list[dict[str, Any]]
    items: list[dict[str, Any]]
    log: str

    @property
    def feed(self) -> dict[str, Any]:
        assert len(self.feeds) == 1, self.feeds
        return self.feeds[0]


def read_with_newsboat(newsboat: str, url: str, folder: Path) -> Reading:
    """One `reload` of `url` into the cache in `folder` (a later call reloads the same cache)."""
    folder.mkdir(exist_ok=True)
    urls, cache, config = (folder / name for name in ("urls", "cache.db", "config"))
    log = folder / f"log-{len(list(folder.glob('log-*')))}"
    urls.write_text(url + "\n", encoding="utf-8")
    config.write_text("", encoding="utf-8")
    command = [newsboat, "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)]
    command += ["-d", str(log), "-l", "6"]
    done = run_client(command, folder / "home")
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    with closing(sqlite3.connect(cache)) as db:
        db.row_factory = sqlite3.Row
        feeds = [dict(row) for row in db.execute("SELECT * FROM rss_feed")]
        items = [dict(row) for row in db.execute("SELECT * FROM rss_item ORDER BY id")]
    return Reading(feeds, items, log.read_text(encoding="utf-8", errors="replace"))


def newsboat_statuses(server: Server, path: str) -> list[str]:
    """The status of each request newsboat made for `path`, from the server's access log
    (written just after the response: wait a moment for the last line)."""
    request = re.compile(rf'"GET /{re.escape(path)} HTTP/1.1" (\d+) .*"newsboat/')
    deadline = time.monotonic() + 2
    while True:
        statuses = request.findall(server.log())
        if statuses[-1:] == ["304"] or time.monotonic() > deadline:
            return statuses
        time.sleep(0.05)


def raw_contents(feed: bytes) -> dict[str, str]:
    """Each entry's link and HTML body as the feed's XML holds it (Atom or RSS)."""
    root = ElementTree.fromstring(feed)
    if root.tag == f"{{{ATOM}}}feed":
        return {
            _atom_link(entry): entry.findtext(f"{{{ATOM}}}content", "")
            for entry in root.iter(f"{{{ATOM}}}entry")
        }
    return {
        item.findtext("link", ""): item.findtext(f"{{{CONTENT}}}encoded", "")
        for item in root.iter("item")
    }


def _atom_link(entry: ElementTree.Element) -> str:
    for link in entry.iter(f"{{{ATOM}}}link"):
        if link.get("rel", "alternate") == "alternate":
            return link.get("href", "")
    return ""


def log_problems(log: str) -> list[str]:
    """Lines of a newsboat debug log that report a failure."""
    problems = []
    for line in log.splitlines():
        match = LOG_LINE.match(line)
        if (match and match[1] in BAD_LEVELS) or BAD_MESSAGES.search(line):
            problems.append(line)
    return problems


def test_log_scanner_catches_newsboat_failures() -> None:
    """The markers above, as newsboat 2.21 writes them for a 404, a refused connection and a
    document that is not a feed; its harmless "ret = 0 (No error)" is not one."""
    log = (
        "[2025-11-25 06:29:33] DEBUG: rsspp::Parser::parse_url: ret = 0 (No error)\n"
        "[2025-11-25 06:29:33] INFO: Parser::parse_url: retrieved data for http://x/: <rss>\n"
        "an error in continued message text\n"
    )
    assert log_problems(log) == []
    failures = [
        "[2025-11-25 06:29:33] ERROR: rsspp::Parser::parse_url: curl_easy_perform returned "
        "err 22: HTTP response code said error",
        "[2025-11-25 06:29:33] USERERROR: Error while retrieving http://x/: Couldn't connect",
        "[2025-11-25 06:29:33] USERERROR: Error while retrieving http://x/: no RSS version",
    ]
    for failure in failures:
        assert log_problems(log + failure + "\n") == [failure]


def test_newsboat_hides_its_failures_where_these_tests_look(newsboat: str, tmp_path: Path) -> None:
    """Controls: newsboat stores a made-up time for a date it cannot read (here 2021-01-01 for
    a dotted day-first date), and keeps an empty cache for a document that is not a feed; it
    exits 0 both times, and only its log tells."""
    written = datetime(2025, 8, 21, 6, 28, tzinfo=timezone(timedelta(hours=2)))
    undated = tmp_path / "undated.xml"
    undated.write_text(
        '<rss version="2.0"><channel><title>t</title><link>http://x/</link><item><title>a</title>'
        "<link>http://x/a</link><pubDate>21.8.2025 - 06:28</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    reading = read_with_newsboat(newsboat, undated.as_uri(), tmp_path / "undated")
    assert len(reading.items) == 1
    assert reading.items[0]["pubDate"] != int(written.timestamp())
    assert [problem.split("] ", 1)[1] for problem in log_problems(reading.log)] == [
        "INFO: RssParser::parse_date: encountered t == -1, trying out W3CDTF parser..."
    ]

    truncated = tmp_path / "truncated.xml"
    truncated.write_text("<rss><channel><title>t</tit", encoding="utf-8")
    reading = read_with_newsboat(newsboat, truncated.as_uri(), tmp_path / "truncated")
    assert reading.items == []
    assert [problem.split("] ", 1)[1] for problem in log_problems(reading.log)] == [
        f"USERERROR: Error while retrieving {truncated.as_uri()}: no RSS version"
    ]


@pytest.mark.parametrize(("slug", "kind"), FEEDS, ids=[f"{s}.{k}" for s, k in FEEDS])
def test_newsboat_reads_feed(
    newsboat: str, server: Server, tmp_path: Path, slug: str, kind: str
) -> None:
    url = server.url(f"feeds/{slug}.{kind}")
    body, _ = server.get(f"feeds/{slug}.{kind}")
    parsed = feedparser.parse(body)
    assert not parsed.bozo, parsed.get("bozo_exception")
    expected = articles_in(slug)
    # The feed itself says what the articles say: the order, links, titles and dates.
    assert [entry.link for entry in parsed.entries] == [
        server.url(f"articles/{article.slug}/") for article in expected
    ]
    assert [entry.title for entry in parsed.entries] == [article.title for article in expected]
    assert [calendar.timegm(entry.published_parsed) for entry in parsed.entries] == [
        article.timestamp for article in expected
    ]

    contents = raw_contents(body)
    reading = read_with_newsboat(newsboat, url, tmp_path / "newsboat")

    assert log_problems(reading.log) == []
    assert f"RssParser::parse: http URL {url}, valid: true" in reading.log
    assert reading.log.count("RssParser::parse: added article") == len(expected)
    assert reading.feed["rssurl"] == url
    assert reading.feed["title"] == parsed.feed.title
    assert reading.feed["url"] == server.url("" if slug == "all" else f"topics/{slug}/")

    items = {item["url"]: item for item in reading.items}
    assert len(reading.items) == len(parsed.entries) == len(expected)
    for entry, article in zip(parsed.entries, expected, strict=True):
        item = items[entry.link]
        where = f"{entry.link} in {slug}.{kind}"
        assert item["title"] == article.title, where
        assert item["guid"] == entry.id, where
        assert item["feedurl"] == url, where
        # newsboat stores the fetch time or a guess for a date it cannot read: compare exactly.
        assert item["pubDate"] == article.timestamp, (where, item["pubDate"], article.published)
        assert item["author"] == entry.get("author", ""), where
        # The full body, as the feed carries it (feedparser would rewrite it: read the XML).
        assert item["content"].strip() == contents[entry.link].strip(), where


@pytest.mark.parametrize("kind", ["atom.xml", "rss.xml"])
def test_newsboat_polls_with_conditional_requests(
    newsboat: str, server: Server, tmp_path: Path, kind: str
) -> None:
    """A reader polls: newsboat stores the ETag and Last-Modified it got, sends them back, gets
    304 Not Modified, and keeps every item and date."""
    path = f"feeds/all.{kind}"
    url = server.url(path)
    _, headers = server.get(path)
    readings = [read_with_newsboat(newsboat, url, tmp_path) for _ in range(3)]
    for reading in readings:
        assert log_problems(reading.log) == []
    # newsboat 2.21 saves the validators of its very first download only once the feed is in
    # its cache, so its second request is still unconditional; the third is conditional.
    etag = readings[1].feed["etag"]
    _, zipped = server.get(path, {"Accept-Encoding": "gzip"})
    assert etag == zipped["ETag"] != headers["ETag"]  # newsboat asks for gzip
    modified = parsedate_to_datetime(headers["Last-Modified"])
    assert readings[1].feed["lastmodified"] == int(modified.timestamp())
    assert f"lastmodified_callback: lastmodified = {int(modified.timestamp())} etag = {etag}" in (
        readings[2].log
    )
    assert newsboat_statuses(server, path)[-3:] == ["200", "200", "304"]
    assert readings[2].items == readings[1].items
    assert sorted(item["pubDate"] for item in readings[2].items) == sorted(
        article.timestamp for article in articles_in("all")
    )
