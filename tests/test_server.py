"""A real `feeds serve` process (gunicorn, two workers) on 127.0.0.1, fetched over HTTP."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import feedparser
import pytest

from feeds import urls
from tests.conftest import Site
from tests.serverfixtures import (
    HOST,
    Reply,
    Server,
    article,
    feed_titles,
    fetch,
    raw_request,
    utc_now,
    wait_for,
)
from tests.sitefixtures import run_main

WORKERS = 4
FEED = "/feeds/all.atom.xml"
SLUGS = ["all", "ukraine", "economy", "sport", "climate"]
FEED_PATHS = [f"/feeds/{slug}{suffix}" for slug in SLUGS for suffix in (".atom.xml", ".rss.xml")]
JSON_PATHS = [f"/feeds/{slug}.json" for slug in SLUGS]
# Fresh connections per request, so that both workers get asked.
AGREEMENT = 8
BUILT_LINE = re.compile(r"^\[(\d+)\] INFO built: (\d+) articles", re.MULTILINE)
ACCESS_LINE = re.compile(r"^<(\d+)> 127\.0\.0\.1 \"GET (\S+) ", re.MULTILINE)


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> Site:
    site = Site(tmp_path_factory.mktemp("served"))
    now = utc_now()
    site.write("economy/snb.md", article("SNB holds its rate", now - timedelta(days=2)))
    site.write("sport/ski.md", article("Ski season opens", now - timedelta(days=1)))
    site.write("kyiv.md", article("Kyiv metro reopens", now - timedelta(hours=3)))
    return site


@pytest.fixture(scope="module")
def server(newsroom: Site) -> Iterator[Server]:
    started = time.monotonic()
    process = Server(newsroom.root / "config.toml", workers=WORKERS)
    print(f"feeds serve ready in {time.monotonic() - started:.2f} s")
    yield process
    status = process.stop()
    log = process.log()
    print("".join(line for line in log.splitlines(True) if "WARNING" in line or "ERROR" in line))
    assert status == 0, log
    assert "Traceback" not in log
    assert "reload failed" not in log


def url(server: Server, path: str) -> str:
    return f"http://{HOST}:{server.port}{path}"


def parse(server: Server, path: str, **kwargs: Any) -> Any:
    """feedparser fetching over HTTP, with proxies from the environment switched off."""
    handlers = [urllib.request.ProxyHandler({})]
    return feedparser.parse(url(server, path), handlers=handlers, **kwargs)


def titles(server: Server, path: str = FEED) -> list[str]:
    reply = fetch(server.port, path)
    assert reply.status == 200, reply
    return feed_titles(path, reply.body)


def all_agree(server: Server, check: Any, path: str = FEED) -> bool:
    """True when `check(titles)` holds for several requests on fresh connections."""
    return all(check(titles(server, path)) for _ in range(AGREEMENT))


def builds(server: Server) -> list[tuple[int, int]]:
    """Every build that changed files, from the server log: (builder pid, articles)."""
    return [(int(pid), int(count)) for pid, count in BUILT_LINE.findall(server.log())]


def answered_by(server: Server, path: str) -> set[int]:
    """The pids of the workers that answered `path`, from the access log."""
    return {int(pid) for pid, target in ACCESS_LINE.findall(server.log()) if target == path}


def add_and_wait(server: Server, newsroom: Site, name: str, title: str) -> float:
    """Write an article dated an hour ago; seconds until every worker serves it."""
    started = time.monotonic()
    newsroom.write(name, article(title, utc_now() - timedelta(hours=1)))
    wait_for(lambda: title in titles(server), timeout=3)
    elapsed = time.monotonic() - started
    wait_for(lambda: all_agree(server, lambda seen: title in seen), timeout=3)
    return elapsed


# --- fetching ------------------------------------------------------------------------------


def test_every_worker_gives_the_same_bytes_and_validators(server: Server) -> None:
    """Whichever worker answers, and a worker started later too (the kernel may hand every
    connection to one worker, so the one that answered is stopped and gunicorn starts another)."""
    first = fetch(server.port, FEED)
    validators = {(first.body, first.headers["etag"], first.headers["last-modified"])}
    for _ in range(2):
        replies = [fetch(server.port, FEED) for _ in range(4 * WORKERS)]
        assert {(r.body, r.headers["etag"], r.headers["last-modified"]) for r in replies} == (
            validators
        )
        since = {"If-Modified-Since": first.headers["last-modified"]}
        assert {fetch(server.port, FEED, since).status for _ in range(2 * WORKERS)} == {304}
        match = {"If-None-Match": first.headers["etag"]}
        assert {fetch(server.port, FEED, match).status for _ in range(2 * WORKERS)} == {304}
        for pid in answered_by(server, FEED):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # gunicorn's arbiter starts a new worker
        time.sleep(1)
    assert len(answered_by(server, FEED)) > 1  # old workers and new ones answered


def test_healthz_over_http(server: Server) -> None:
    reply = fetch(server.port, "/healthz")
    assert reply.status == 200
    assert reply.headers["content-type"] == "application/json"
    health = json.loads(reply.body)
    assert set(health) >= {"status", "articles", "rejected", "last_build", "error", "builder"}
    assert health["status"] == "ok"
    assert health["articles"] == len(titles(server))
    assert health["rejected"] == 0
    assert datetime.fromisoformat(health["last_build"]) <= utc_now()


@pytest.mark.parametrize("path", FEED_PATHS)
def test_feedparser_reads_every_feed_over_http(server: Server, path: str) -> None:
    parsed = parse(server, path)
    assert parsed.status == 200
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.headers["content-type"].endswith("+xml; charset=utf-8")
    assert parsed.headers["content-encoding"] == "gzip"  # feedparser asks for gzip


@pytest.mark.parametrize("path", JSON_PATHS)
def test_every_json_feed_over_http(server: Server, path: str) -> None:
    reply = fetch(server.port, path)
    assert reply.headers["content-type"] == "application/feed+json; charset=utf-8"
    feed_titles(path, reply.body)


@pytest.mark.parametrize("path", [FEED, "/feeds/economy.rss.xml"])
def test_second_fetch_with_etag_gets_304(server: Server, path: str) -> None:
    first = parse(server, path)
    assert first.etag
    for _ in range(AGREEMENT):  # whichever worker answers
        again = parse(server, path, etag=first.etag)
        assert again.status == 304
        assert again.entries == []
    plain = fetch(server.port, path)
    raw = fetch(server.port, path, {"If-None-Match": plain.headers["etag"]})
    assert (raw.status, raw.body) == (304, b"")
    assert raw.headers["etag"] == plain.headers["etag"]
    assert "content-length" not in raw.headers


def test_gzip_over_http_is_the_plain_body(server: Server) -> None:
    plain = fetch(server.port, FEED)
    zipped = fetch(server.port, FEED, {"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.headers["vary"] == "Accept-Encoding"
    assert plain.headers["cache-control"] == "public, max-age=300"
    assert gzip.decompress(zipped.body) == plain.body


def test_head_and_405_over_http(server: Server) -> None:
    head = fetch(server.port, FEED, method="HEAD")
    assert head.status == 200
    assert head.body == b""
    assert int(head.headers["content-length"]) == len(fetch(server.port, FEED).body)
    post = fetch(server.port, FEED, method="POST")
    assert post.status == 405
    assert {"GET", "HEAD"} <= {name.strip() for name in post.headers["allow"].split(",")}


@pytest.mark.parametrize(
    "target",
    [
        b"/feeds/../config.toml",
        b"/feeds/%2e%2e/config.toml",
        b"/feeds/%2E%2E/%2E%2E/config.toml",
        b"//etc/passwd",
        b"/%2fetc%2fpasswd",
        b"/..%2f..%2fconfig.toml",
        b"/feeds/..%5cconfig.toml",
        b"/feeds/..\\config.toml",
        b"/%00",
        b"/config.toml%00.html",
        b"/%c0%ae%c0%ae/config.toml",
        b"/%252e%252e/config.toml",
        b"http://127.0.0.1/../config.toml",
        b"/" + b"../" * 40 + b"etc/passwd",
    ],
)
def test_traversal_over_http_never_reaches_a_file(server: Server, target: bytes) -> None:
    reply = raw_request(server.port, target)
    assert reply.startswith(b"HTTP/1.1 404 "), reply[:200]
    for secret in [b"base_url", b"[site]", b"root:"]:
        assert secret not in reply


# --- live changes --------------------------------------------------------------------------


def test_added_article_appears_within_3_seconds_built_once(server: Server, newsroom: Site) -> None:
    before = builds(server)
    elapsed = add_and_wait(server, newsroom, "economy/rates.md", "Rates stay put")
    print(f"new article served after {elapsed:.2f} s")
    time.sleep(0.5)
    assert len(builds(server)) == len(before) + 1  # one build for every worker
    assert "Rates stay put" in titles(server, "/feeds/economy.rss.xml")
    assert fetch(server.port, "/articles/rates/").status == 200


def test_embargoed_article_appears_after_its_time(server: Server, newsroom: Site) -> None:
    zurich_summer = timezone(timedelta(hours=2))
    lifts = (utc_now() + timedelta(seconds=4)).astimezone(zurich_summer).replace(microsecond=0)
    newsroom.write("embargo.md", article("Embargoed statement", lifts))
    assert "+02:00" in (newsroom.articles / "embargo.md").read_text("utf-8")
    time.sleep(1.5)  # both watchers have read the new file by now
    assert all_agree(server, lambda seen: "Embargoed statement" not in seen)
    wait_for(lambda: "Embargoed statement" in titles(server), timeout=7)
    seen_at = utc_now()
    print(f"embargo lifted {(seen_at - lifts).total_seconds():.2f} s after its time")
    assert seen_at >= lifts
    wait_for(lambda: all_agree(server, lambda seen: seen[0] == "Embargoed statement"), timeout=3)
    assert fetch(server.port, "/articles/embargo/").status == 200


def test_deleted_article_disappears(server: Server, newsroom: Site) -> None:
    add_and_wait(server, newsroom, "economy/obsolete.md", "Obsolete story")
    before = len(titles(server))
    (newsroom.articles / "economy" / "obsolete.md").unlink()
    started = time.monotonic()
    wait_for(lambda: all_agree(server, lambda seen: "Obsolete story" not in seen), timeout=3)
    print(f"deleted article gone after {time.monotonic() - started:.2f} s")
    assert len(titles(server)) == before - 1
    gone = fetch(server.port, "/articles/obsolete/")
    assert gone.status == 410
    assert b"Gone" in gone.body
    assert gone.headers["content-type"] == "text/html; charset=utf-8"


# --- concurrent requests while articles change ---------------------------------------------

CHURN_PATHS = [FEED, "/feeds/all.rss.xml", "/feeds/all.json", "/feeds/economy.atom.xml", "/"]


class Reader(threading.Thread):
    """Fetches feeds on fresh connections until told to stop; records every failure."""

    def __init__(self, server: Server, index: int, stop: threading.Event) -> None:
        super().__init__(name=f"reader-{index}")
        self.server, self.index, self.stop = server, index, stop
        self.requests = 0
        self.failures: list[str] = []

    def run(self) -> None:
        etags: dict[str, str] = {}
        while not self.stop.is_set():
            path = CHURN_PATHS[(self.requests + self.index) % len(CHURN_PATHS)]
            headers = {"If-None-Match": etags[path]} if path in etags and self.requests % 2 else {}
            self.requests += 1
            try:
                reply = fetch(self.server.port, path, headers)
                self.check(path, reply)
                etags[path] = reply.headers.get("etag", "")
            except Exception as exc:  # every failure counts, whatever its kind
                self.failures.append(f"{path}: {exc!r}")

    def check(self, path: str, reply: Reply) -> None:
        assert reply.status in {200, 304}, reply.status
        if reply.status == 200 and path.startswith("/feeds/"):
            feed_titles(path, reply.body)


def test_concurrent_requests_while_articles_change(server: Server, newsroom: Site) -> None:
    now = utc_now()
    stop = threading.Event()
    readers = [Reader(server, index, stop) for index in range(4)]
    for reader in readers:
        reader.start()
    expected: dict[int, str] = {}
    started = time.monotonic()
    try:
        for number in range(30):
            title = f"Churn {number} SNB"
            newsroom.write(f"churn/c{number}.md", article(title, now - timedelta(minutes=number)))
            expected[number] = title
            if number % 3 == 2:
                edited = number - 1
                expected[edited] = f"Churn {edited} SNB, corrected"
                newsroom.write(
                    f"churn/c{edited}.md",
                    article(expected[edited], now - timedelta(minutes=edited)),
                )
            if number % 5 == 4:
                (newsroom.articles / "churn" / f"c{number - 4}.md").unlink()
                del expected[number - 4]
            time.sleep(0.08)
        time.sleep(max(0.0, 3 - (time.monotonic() - started)))
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=15)
    failures = [failure for reader in readers for failure in reader.failures]
    requests = sum(reader.requests for reader in readers)
    print(f"{requests} requests in {time.monotonic() - started:.2f} s, {len(failures)} failed")
    assert failures == []
    assert requests >= 100

    want = set(expected.values())

    def settled(seen: list[str]) -> bool:
        return {title for title in seen if title.startswith("Churn")} == want

    wait_for(lambda: all_agree(server, settled), timeout=3)
    for path in ["/feeds/all.rss.xml", "/feeds/all.json", "/feeds/economy.atom.xml"]:
        assert settled(titles(server, path)), path


# --- the builder ---------------------------------------------------------------------------


def test_a_killed_builder_comes_back_and_the_site_stays(server: Server, newsroom: Site) -> None:
    pid = json.loads(fetch(server.port, "/healthz").body)["builder"]["pid"]
    body = fetch(server.port, FEED).body
    os.kill(pid, signal.SIGKILL)
    assert {fetch(server.port, FEED).body for _ in range(WORKERS)} == {body}

    def restarted() -> bool:
        health = json.loads(fetch(server.port, "/healthz").body)
        return health["builder"]["pid"] != pid and health["status"] == "ok"

    wait_for(restarted, timeout=10)
    assert "the builder stopped (signal 9); starting it again" in server.log()
    add_and_wait(server, newsroom, "economy/after-kill.md", "Built after the kill")


def test_an_articles_folder_that_vanishes_and_comes_back(site: Site) -> None:
    """Unmounted: the site stays and /healthz says why; back as a new folder: its file
    events are armed again, so a new article is seen long before the 10 s look."""
    site.write("one.md", article("Still served", utc_now() - timedelta(hours=1)))
    server = Server(site.root / "config.toml", workers=2)
    try:
        site.articles.rename(site.root / "unmounted")

        def reported() -> dict[str, Any] | None:
            reply = fetch(server.port, "/healthz")
            health: dict[str, Any] = json.loads(reply.body)
            return health if reply.status == 503 and health["status"] == "error" else None

        health = wait_for(reported, timeout=5)
        assert "articles_dir does not exist" in health["error"]["message"]
        assert titles(server) == ["Still served"]
        assert server.log().count("articles_dir does not exist") == 1
        (site.root / "unmounted").rename(site.articles)
        wait_for(lambda: fetch(server.port, "/healthz").status == 200, timeout=5)
        site.write("two.md", article("After the remount", utc_now()))
        wait_for(lambda: "After the remount" in titles(server), timeout=3)
    finally:
        server.stop()


# --- stopping ------------------------------------------------------------------------------


def test_sigterm_stops_the_server_within_5_seconds(site: Site) -> None:
    site.write("one.md", article("One", utc_now() - timedelta(hours=1)))
    server = Server(site.root / "config.toml", workers=1)
    try:
        started = time.monotonic()
        server.send(signal.SIGTERM)
        status = server.process.wait(timeout=5)
        print(f"stopped {time.monotonic() - started:.2f} s after SIGTERM")
    finally:
        server.stop()
    assert status == 0, server.log()
    with pytest.raises(OSError):
        fetch(server.port, "/healthz")


# --- the development server ----------------------------------------------------------------


def test_the_development_server_serves_what_feeds_build_writes_and_follows_edits(
    site: Site,
) -> None:
    """`feeds serve --dev`: Flask's server and its reloader's child, with the builder in a
    thread: the bytes of `feeds build`, an edit seen, and SIGTERM stops both processes."""
    site.write("one.md", article("Before the edit", utc_now() - timedelta(hours=1)))
    server = Server(site.root / "config.toml", dev=True)
    try:
        built = site.root / "built"
        config = str(site.root / "config.toml")
        assert run_main("build", "--config", config, "--out", str(built)).code == 0
        for path in (FEED, "/feeds/all.rss.xml", "/articles/one/", "/sitemap.xml"):
            assert fetch(server.port, path).body == (built / urls.file_name(path)).read_bytes()
        site.write("one.md", article("After the edit", utc_now() - timedelta(hours=1)))
        wait_for(lambda: titles(server) == ["After the edit"], timeout=5)
        assert "Inotify queue overflowed" not in server.log()
    finally:
        status = server.stop()
    assert status == 0, server.log()
    with pytest.raises(OSError):
        fetch(server.port, "/healthz")
