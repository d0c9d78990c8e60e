"""Pings: a hub on 127.0.0.1 is told of exactly the changed current feeds, and a hub that
fails costs a bounded number of requests and one log line."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds.config import Config, load_config
from feeds.websub.publish import ping_changed
from tests.sitefixtures import BASE_URL, CONFIG, make_site
from tests.websub.endpoints import Endpoint, Received, endpoint

FAST = {"timeout": 0.5, "attempts": 3, "pause": 0.01}


@dataclass(frozen=True, slots=True)
class Changes:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def configured(root: Path, *hubs: Endpoint) -> Config:
    listed = ", ".join(f'"{hub.url}"' for hub in hubs)
    return load_config(make_site(root, {}, config=CONFIG + f"[websub]\nhubs = [{listed}]\n"))


def accept(received: Received) -> tuple[int, bytes]:
    return 204, b""


def test_one_publish_per_changed_feed(tmp_path: Path) -> None:
    with endpoint(accept) as hub:
        changes = Changes(
            added=("/feeds/economy.atom.xml", "/articles/a-new-story/"),
            changed=("/feeds/all.atom.xml", "/feeds/all.json", "/feeds/archive/all/1.atom.xml"),
            removed=("/feeds/sport.rss.xml",),
        )
        ping_changed(configured(tmp_path, hub), changes, **FAST)
        pings = list(hub.received)
    assert [(ping.method, ping.target) for ping in pings] == [("POST", "/")] * 3
    assert {ping.headers["Content-Type"].split(";")[0] for ping in pings} == {
        "application/x-www-form-urlencoded"
    }
    assert [ping.form for ping in pings] == [
        {"hub.mode": ["publish"], "hub.url": [f"{BASE_URL}feeds/{name}"]}
        for name in ("all.atom.xml", "all.json", "economy.atom.xml")
    ]


@pytest.mark.parametrize(
    "changes",
    [Changes(), Changes(changed=("/articles/one/", "/", "/feeds/archive/all/1.json"))],
    ids=["nothing", "no-current-feed"],
)
def test_nothing_is_pinged_when_no_feed_changed(tmp_path: Path, changes: Changes) -> None:
    with endpoint(accept) as hub:
        ping_changed(configured(tmp_path, hub), changes, **FAST)
        assert hub.received == []


def test_a_failing_hub_is_one_log_line_and_others_are_told(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    changes = Changes(changed=("/feeds/all.atom.xml", "/feeds/all.rss.xml"))
    with endpoint(lambda received: (500, b"down")) as broken, endpoint(accept) as working:
        ping_changed(configured(tmp_path, broken, working), changes, **FAST)
        # Three attempts for the first feed; then the hub is not asked about the second.
        assert len(broken.received) == 3
        assert len(working.received) == 2
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        f"websub: hub {broken.url} was not told of 2 changed feed(s): "
        f"answered 500 for {BASE_URL}feeds/all.atom.xml"
    )


def test_a_hub_that_never_answers_is_given_up(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def hang(received: Received) -> tuple[int, bytes]:
        silent.released.wait()
        return 204, b""

    with endpoint(hang) as silent:
        config = configured(tmp_path, silent)
        ping_changed(
            config, Changes(changed=("/feeds/all.json",)), timeout=0.2, attempts=2, pause=0.01
        )
        assert len(silent.received) == 2
    (record,) = caplog.records
    assert "no answer (timed out)" in record.getMessage()


def test_a_refusing_hub_is_not_asked_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with endpoint(lambda received: (400, b"unknown topic")) as refusing:
        ping_changed(configured(tmp_path, refusing), Changes(added=("/feeds/all.json",)), **FAST)
        assert len(refusing.received) == 1
    assert "answered 400" in caplog.records[0].getMessage()


def test_without_hubs_nothing_is_sent(tmp_path: Path) -> None:
    config = load_config(make_site(tmp_path, {}, config=CONFIG + "[websub]\nhub = true\n"))
    ping_changed(config, Changes(changed=("/feeds/all.json",)), **FAST)  # no hub to reach
