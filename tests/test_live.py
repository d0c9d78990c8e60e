"""Live content: LiveSite.refresh() with an injected clock swaps whole generations."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from watchdog.observers import Observer

from feeds import site as site_module
from feeds.live import LiveSite
from feeds.model import Entry
from feeds.site import build_site
from feeds.web import create_app
from tests.conftest import Site
from tests.serverfixtures import FakeClock, article, feed_titles

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
FEED = "/feeds/all.atom.xml"
BROKEN = "---\ntitle: Broken\ndate: someday soon\n---\nBody.\n"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def newsroom(site: Site) -> Site:
    site.write("snb.md", article("SNB holds its rate", NOW - timedelta(days=2)))
    site.write("sport/ski.md", article("Ski season opens", NOW - timedelta(days=1)))
    return site


@pytest.fixture
def app(newsroom: Site, clock: FakeClock) -> Flask:
    return create_app(newsroom.root / "config.toml", clock=clock, watch=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def live(app: Flask) -> LiveSite:
    site = app.extensions["feeds"]
    assert isinstance(site, LiveSite)
    return site


def titles(client: FlaskClient, path: str = FEED) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return feed_titles(path, response.data)


def test_unchanged_files_keep_the_generation(live: LiveSite) -> None:
    before = live.current
    assert live.refresh() is False
    assert live.current is before
    assert before.number == 1


def test_adding_an_article_swaps_the_generation(
    newsroom: Site, live: LiveSite, client: FlaskClient
) -> None:
    before = live.current
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    assert live.refresh() is True
    assert live.current.number == 2
    assert titles(client) == ["Rates stay put", "Ski season opens", "SNB holds its rate"]
    assert titles(client, "/feeds/economy.rss.xml") == ["Rates stay put", "SNB holds its rate"]
    assert client.get("/articles/rates/").status_code == 200
    assert "/articles/rates/" not in before.responses  # the old generation is never touched
    assert live.refresh() is False


def test_editing_an_article_swaps_the_generation(
    newsroom: Site, live: LiveSite, client: FlaskClient
) -> None:
    etag = client.get(FEED).headers["ETag"]
    newsroom.write("snb.md", article("SNB cuts its rate", NOW - timedelta(days=2)))
    assert live.refresh() is True
    assert titles(client) == ["Ski season opens", "SNB cuts its rate"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 200
    assert b"SNB cuts its rate" in client.get("/articles/snb/").data


def test_same_size_edit_is_seen(newsroom: Site, live: LiveSite, client: FlaskClient) -> None:
    newsroom.write("snb.md", article("SNB lifts its rate", NOW - timedelta(days=2)))
    assert live.refresh() is True
    newsroom.write("snb.md", article("SNB cuts its rate!", NOW - timedelta(days=2)))
    assert live.refresh() is True
    assert "SNB cuts its rate!" in titles(client)


def test_deleting_an_article_swaps_the_generation(
    newsroom: Site, live: LiveSite, client: FlaskClient
) -> None:
    (newsroom.articles / "sport" / "ski.md").unlink()
    assert live.refresh() is True
    assert titles(client) == ["SNB holds its rate"]
    assert titles(client, "/feeds/sport.atom.xml") == []
    assert client.get("/articles/ski/").status_code == 404


def test_renaming_an_article_moves_its_page(
    newsroom: Site, live: LiveSite, client: FlaskClient
) -> None:
    (newsroom.articles / "snb.md").rename(newsroom.articles / "snb-rate.md")
    assert live.refresh() is True
    assert client.get("/articles/snb/").status_code == 404
    assert client.get("/articles/snb-rate/").status_code == 200


def test_files_that_are_not_articles_do_not_swap(newsroom: Site, live: LiveSite) -> None:
    newsroom.write(".snb.md.swp", b"\x00\x01")
    newsroom.write("notes.docx", b"PK")
    newsroom.write(".hidden/secret.md", article("Hidden", NOW))
    assert live.refresh() is False


def test_broken_article_is_logged_and_the_rest_served(
    newsroom: Site, live: LiveSite, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    newsroom.write("broken.md", BROKEN)
    with caplog.at_level(logging.WARNING, logger="feeds"):
        assert live.refresh() is True
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "articles/broken.md:3: date: 'someday soon' is not a date like "
        "'21.8.2025 - 06:28' or ISO 8601"
    ]
    assert titles(client) == ["Rates stay put", "Ski season opens", "SNB holds its rate"]
    assert client.get("/healthz").json["rejected"] == 1  # type: ignore[index]


def test_article_broken_by_an_edit_leaves_the_site(
    newsroom: Site, live: LiveSite, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    newsroom.write("snb.md", BROKEN)
    with caplog.at_level(logging.WARNING, logger="feeds"):
        assert live.refresh() is True
    assert any(r.getMessage().startswith("articles/snb.md:3: date: ") for r in caplog.records)
    assert titles(client) == ["Ski season opens"]


@pytest.mark.parametrize(
    "bad_config",
    [
        "[site\ntitle = 'x'\n",
        "[site]\ntitle = 'x'\nbase_url = 'not a url'\n",
        "[site]\nbase_url = 'https://x.example/'\n",
        "[site]\ntitle = 'x'\nbase_url = 'https://x.example/'\ntimezone = 'Mars/Olympus'\n",
    ],
)
def test_config_error_keeps_the_old_site(
    newsroom: Site,
    live: LiveSite,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    bad_config: str,
) -> None:
    before = live.current
    good_config = (newsroom.root / "config.toml").read_text("utf-8")
    body = client.get(FEED).data
    newsroom.configure(bad_config)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    with caplog.at_level(logging.ERROR, logger="feeds"):
        assert live.refresh() is False
        assert live.refresh() is False  # the same error is logged once, not at every look
    assert live.current is before
    assert client.get(FEED).data == body
    [message] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert message.startswith(str(newsroom.root / "config.toml") + ": ")
    assert message.endswith("(still serving generation 1)")
    newsroom.configure(good_config)
    assert live.refresh() is True
    assert "Rates stay put" in titles(client)
    caplog.clear()
    newsroom.configure(bad_config)
    with caplog.at_level(logging.ERROR, logger="feeds"):
        assert live.refresh() is False
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [
        message.replace("generation 1", "generation 2")
    ]


def test_missing_config_keeps_the_old_site(newsroom: Site, live: LiveSite) -> None:
    before = live.current
    (newsroom.root / "config.toml").unlink()
    assert live.refresh() is False
    assert live.current is before


def test_config_change_swaps_the_generation(
    newsroom: Site, live: LiveSite, client: FlaskClient
) -> None:
    config = newsroom.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("Test Wire", "Other Wire"), "utf-8")
    assert live.refresh() is True
    assert b"Other Wire" in client.get(FEED).data


def test_embargo_lifts_when_the_clock_passes_without_file_change(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    newsroom.write("embargo.md", article("Embargoed news", NOW + timedelta(minutes=30)))
    assert live.refresh() is True
    assert "Embargoed news" not in titles(client)
    assert client.get("/articles/embargo/").status_code == 404
    clock.advance(minutes=29, seconds=59)
    assert live.refresh() is False
    clock.advance(seconds=1)
    assert live.refresh() is True
    assert titles(client)[0] == "Embargoed news"
    assert client.get("/articles/embargo/").status_code == 200
    assert live.refresh() is False


def test_embargoes_lift_one_after_another(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    newsroom.write("first.md", article("First", NOW + timedelta(minutes=10)))
    newsroom.write("second.md", article("Second", NOW + timedelta(minutes=20)))
    assert live.refresh() is True
    clock.advance(minutes=15)
    assert live.refresh() is True
    assert titles(client)[:1] == ["First"]
    clock.advance(minutes=15)
    assert live.refresh() is True
    assert titles(client)[:2] == ["Second", "First"]


def test_embargo_present_at_startup_lifts(site: Site, clock: FakeClock) -> None:
    site.write("embargo.md", article("Embargoed news", NOW + timedelta(seconds=4)))
    live = LiveSite(site.root / "config.toml", clock)
    assert not live.current.site.catalog.entries
    clock.advance(seconds=4)
    assert live.refresh() is True
    assert [entry.title for entry in live.current.site.catalog.entries] == ["Embargoed news"]


def test_healthz_reports_the_generation(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    assert client.get("/healthz").json == {
        "status": "ok",
        "articles": 2,
        "rejected": 0,
        "generation": 1,
        "last_reload": "2025-09-01T12:00:00+00:00",
    }
    clock.advance(minutes=5)
    newsroom.write("broken.md", BROKEN)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW))
    live.refresh()
    assert client.get("/healthz").json == {
        "status": "ok",
        "articles": 3,
        "rejected": 1,
        "generation": 2,
        "last_reload": "2025-09-01T12:05:00+00:00",
    }


# --- validators across generations -----------------------------------------------------------


def test_backdated_article_is_not_hidden_by_if_modified_since(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    """Wire copy often arrives dated before the newest article already published."""
    last_modified = client.get(FEED).headers["Last-Modified"]
    clock.advance(minutes=5)
    newsroom.write("late.md", article("Late wire copy", NOW - timedelta(days=3)))
    assert live.refresh() is True
    response = client.get(FEED, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert "Late wire copy" in feed_titles(FEED, response.data)


def test_deletion_is_not_hidden_by_if_modified_since(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    last_modified = client.get(FEED).headers["Last-Modified"]
    clock.advance(minutes=5)
    (newsroom.articles / "snb.md").unlink()
    assert live.refresh() is True
    response = client.get(FEED, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert feed_titles(FEED, response.data) == ["Ski season opens"]


def test_unchanged_resources_keep_their_validators(
    newsroom: Site, live: LiveSite, client: FlaskClient, clock: FakeClock
) -> None:
    before = client.get("/feeds/climate.atom.xml")
    clock.advance(minutes=5)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    assert live.refresh() is True
    for name in ["If-None-Match", "If-Modified-Since"]:
        header = before.headers["ETag" if name == "If-None-Match" else "Last-Modified"]
        response = client.get("/feeds/climate.atom.xml", headers={name: header})
        assert response.status_code == 304


def test_last_modified_is_never_in_the_future(
    newsroom: Site, client: FlaskClient, clock: FakeClock
) -> None:
    newsroom.write("ahead.md", article("Updated ahead", NOW, extra="updated: 2025-09-03T00:00Z"))
    client = create_app(newsroom.root / "config.toml", clock=clock, watch=False).test_client()
    response = client.get("/articles/ahead/")
    assert response.last_modified is not None
    assert response.last_modified <= NOW


# --- the watcher thread --------------------------------------------------------------------


def wait_for_generation(live: LiveSite, number: int, seconds: float) -> float | None:
    """Seconds until `live` serves generation `number` or a later one; None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if live.current.number >= number:
            return time.monotonic() - started
        time.sleep(0.01)
    return None


@contextmanager
def watching(live: LiveSite, interval: float | None = None) -> Iterator[threading.Thread]:
    """The watcher thread of `live`, stopped and joined on the way out."""
    thread = live.watch(interval)
    try:
        yield thread
    finally:
        live.stop()
        thread.join(timeout=2)


def test_watcher_picks_up_a_new_article_and_stops(newsroom: Site, clock: FakeClock) -> None:
    live = LiveSite(newsroom.root / "config.toml", clock)
    with watching(live, 0.01) as thread:
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        assert wait_for_generation(live, 2, seconds=5) is not None
    assert not thread.is_alive()


def test_watcher_survives_a_bug_during_reload(
    newsroom: Site,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = LiveSite(newsroom.root / "config.toml", clock)
    calls = []

    def flaky_build(*args: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("renderer bug")
        return build_site(*args)  # type: ignore[arg-type]

    monkeypatch.setattr("feeds.live.build_site", flaky_build)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW))
    with watching(live, 0.01):
        assert wait_for_generation(live, 2, seconds=5) is not None
    assert any(
        "reload failed; still serving generation 1" in r.getMessage() for r in caplog.records
    )
    assert live.current.site.catalog.entries[0].title == "Rates stay put"


def test_a_reload_renders_only_what_the_edit_changes(
    newsroom: Site, live: LiveSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    render_article = site_module.render_article

    def spy(entry: Entry, *rest: object) -> bytes:
        rendered.append(entry.slug)
        return render_article(entry, *rest)

    monkeypatch.setattr(site_module, "render_article", spy)
    before = live.current
    newsroom.write("snb.md", article("SNB cuts its rate", NOW - timedelta(days=2)))
    assert live.refresh() is True
    after = live.current
    assert rendered == ["snb"]
    assert after.responses["/articles/ski/"] is before.responses["/articles/ski/"]
    assert after.responses["/articles/snb/"] is not before.responses["/articles/snb/"]
    assert b"SNB cuts its rate" in after.responses["/articles/snb/"].body
    fresh = build_site(after.site.config, after.site.loaded, NOW)
    assert {path: prepared.body for path, prepared in after.responses.items()} == {
        resource.path: resource.render() for resource in fresh
    }


def test_a_file_event_wakes_the_watcher_long_before_its_next_look(
    newsroom: Site, clock: FakeClock
) -> None:
    live = LiveSite(newsroom.root / "config.toml", clock)
    with watching(live, 60) as thread:
        time.sleep(0.2)  # the observer is up; the first look is a minute away
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        waited = wait_for_generation(live, 2, seconds=5)
        assert waited is not None and waited < 2
        assert live.current.number == 2
        assert live.current.site.catalog.entries[0].title == "Rates stay put"
        time.sleep(0.5)  # its own reads and cache writes must not wake it again
        assert live.current.number == 2
    assert not thread.is_alive()


def test_without_file_events_the_watcher_looks_every_second(
    newsroom: Site,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class NoEvents(Observer):  # as when inotify's limit of watches is reached
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr("feeds.live.Observer", NoEvents)
    live = LiveSite(newsroom.root / "config.toml", clock)
    with watching(live):
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        waited = wait_for_generation(live, 2, seconds=5)
        assert waited is not None and waited < 2.5
        assert live.current.site.catalog.entries[0].title == "Rates stay put"
    assert any("looking for changes every second" in r.getMessage() for r in caplog.records)
