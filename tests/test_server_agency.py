"""Agency stories in a real `feeds serve` (gunicorn, two workers) on 127.0.0.1: an embargo
lifts without a file change, a correction replaces the story, a kill takes it out of every
feed at once and its page answers 410."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import pytest

from tests.readers.agencyfixtures import AgencySite, g2
from tests.serverfixtures import Reply, Server, feed_titles, fetch, utc_now, wait_for

FEEDS = ["/feeds/all.atom.xml", "/feeds/all.rss.xml", "/feeds/all.json"]


@pytest.fixture(scope="module")
def newsroom(tmp_path_factory: pytest.TempPathFactory) -> AgencySite:
    site = AgencySite(tmp_path_factory.mktemp("agency-served"))
    site.write(
        "kept.xml", g2("urn:x:kept", created=_iso(utc_now() - timedelta(hours=1)), headline="Kept")
    )
    return site


@pytest.fixture(scope="module")
def server(newsroom: AgencySite) -> Iterator[Server]:
    process = Server(newsroom.root / "config.toml", workers=2)
    yield process
    status = process.stop()
    log = process.log()
    assert status == 0, log
    assert "Traceback" not in log


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def titles(server: Server, path: str = "/feeds/all.atom.xml") -> list[str]:
    reply = fetch(server.port, path)
    assert reply.status == 200, reply
    return feed_titles(path, reply.body)


def everywhere(server: Server, check: Callable[[list[str]], bool]) -> bool:
    """`check` holds for the titles of the Atom, RSS and JSON feeds of every article."""
    return all(check(titles(server, path)) for path in FEEDS)


def _if_gone(reply: Reply) -> Reply | None:
    return reply if reply.status == 410 else None


def test_an_embargo_lifts_in_the_server(server: Server, newsroom: AgencySite) -> None:
    lifts = (utc_now() + timedelta(seconds=4)).replace(microsecond=0)
    meta = f"<embargoed>{_iso(lifts)}</embargoed>"
    created = _iso(utc_now() - timedelta(minutes=5))
    newsroom.write(
        "embargo.xml", g2("urn:x:embargo", created=created, headline="Under embargo", meta=meta)
    )
    time.sleep(1.5)  # the builder has read the new file by now
    assert everywhere(server, lambda seen: "Under embargo" not in seen)
    assert fetch(server.port, "/articles/x-embargo/").status == 404
    wait_for(lambda: "Under embargo" in titles(server), timeout=8)
    assert utc_now() >= lifts
    wait_for(lambda: everywhere(server, lambda seen: "Under embargo" in seen), timeout=3)
    assert fetch(server.port, "/articles/x-embargo/").status == 200


def test_a_correction_then_a_kill(server: Server, newsroom: AgencySite) -> None:
    guid, created = "urn:x:doomed", _iso(utc_now() - timedelta(minutes=30))
    newsroom.write("doomed-1.xml", g2(guid, version=1, created=created, headline="First take"))
    wait_for(lambda: everywhere(server, lambda seen: "First take" in seen), timeout=5)
    newsroom.write(
        "doomed-2.xml", g2(guid, version=2, created=_iso(utc_now()), headline="Corrected take")
    )
    wait_for(
        lambda: everywhere(
            server, lambda seen: "Corrected take" in seen and "First take" not in seen
        ),
        timeout=5,
    )
    page = fetch(server.port, "/articles/x-doomed/")
    assert page.status == 200 and b"Corrected take" in page.body
    newsroom.write(
        "doomed-3.xml",
        g2(guid, version=3, created=_iso(utc_now()), headline="", status="stat:canceled"),
    )
    started = time.monotonic()
    wait_for(lambda: everywhere(server, lambda seen: "Corrected take" not in seen), timeout=5)
    print(f"killed story gone from every feed after {time.monotonic() - started:.2f} s")
    # the page goes in the same build, after the feeds (deletions come last)
    gone = wait_for(lambda: _if_gone(fetch(server.port, "/articles/x-doomed/")), timeout=3)
    assert b"Corrected take" not in gone.body
    home = fetch(server.port, "/")
    assert b"Corrected take" not in home.body and b"Kept" in home.body
