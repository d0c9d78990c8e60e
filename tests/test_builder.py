"""The builder of `feeds serve`: each change built once into the folder the workers serve,
with an injected clock."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from watchdog.observers import Observer

from feeds import builder as builder_module
from feeds import engine
from feeds import site as site_module
from feeds.builder import Builder
from feeds.model import Entry
from feeds.web import create_app
from tests.conftest import Site
from tests.serverfixtures import FakeClock, article, feed_titles, wait_for
from tests.sitefixtures import run_main, tree

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
def live(newsroom: Site, clock: FakeClock) -> Builder:
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    assert builder.build() is not None
    return builder


@pytest.fixture
def app(newsroom: Site, live: Builder) -> Flask:
    return create_app(newsroom.root / "config.toml", build=False)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def rebuilt(builder: Builder) -> bool:
    """Build once; True if any file changed."""
    done = builder.build()
    return done is not None and bool(done.changes)


def titles(client: FlaskClient, path: str = FEED) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return feed_titles(path, response.data)


def test_unchanged_files_build_nothing(live: Builder) -> None:
    before = live.last
    assert rebuilt(live) is False
    assert live.last is not None and before is not None
    assert live.last.manifest is before.manifest


def test_adding_an_article_swaps_the_generation(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    assert rebuilt(live) is True
    assert titles(client) == ["Rates stay put", "Ski season opens", "SNB holds its rate"]
    assert titles(client, "/feeds/economy.rss.xml") == ["Rates stay put", "SNB holds its rate"]
    assert client.get("/articles/rates/").status_code == 200
    assert rebuilt(live) is False


def test_editing_an_article_swaps_the_generation(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    etag = client.get(FEED).headers["ETag"]
    newsroom.write("snb.md", article("SNB cuts its rate", NOW - timedelta(days=2)))
    assert rebuilt(live) is True
    assert titles(client) == ["Ski season opens", "SNB cuts its rate"]
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 200
    assert b"SNB cuts its rate" in client.get("/articles/snb/").data


def test_same_size_edit_is_seen(newsroom: Site, live: Builder, client: FlaskClient) -> None:
    newsroom.write("snb.md", article("SNB lifts its rate", NOW - timedelta(days=2)))
    assert rebuilt(live) is True
    newsroom.write("snb.md", article("SNB cuts its rate!", NOW - timedelta(days=2)))
    assert rebuilt(live) is True
    assert "SNB cuts its rate!" in titles(client)


def test_deleting_an_article_swaps_the_generation(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    (newsroom.articles / "sport" / "ski.md").unlink()
    assert rebuilt(live) is True
    assert titles(client) == ["SNB holds its rate"]
    assert titles(client, "/feeds/sport.atom.xml") == []
    assert client.get("/articles/ski/").status_code == 410  # published, then removed


def test_renaming_an_article_moves_its_page(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    (newsroom.articles / "snb.md").rename(newsroom.articles / "snb-rate.md")
    assert rebuilt(live) is True
    assert client.get("/articles/snb/").status_code == 410
    assert client.get("/articles/snb-rate/").status_code == 200


def test_files_that_are_not_articles_do_not_swap(newsroom: Site, live: Builder) -> None:
    newsroom.write(".snb.md.swp", b"\x00\x01")
    newsroom.write("notes.docx", b"PK")
    newsroom.write(".hidden/secret.md", article("Hidden", NOW))
    assert rebuilt(live) is False


def test_broken_article_is_logged_and_the_rest_served(
    newsroom: Site, live: Builder, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    newsroom.write("broken.md", BROKEN)
    with caplog.at_level(logging.WARNING, logger="feeds"):
        assert rebuilt(live) is True
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "articles/broken.md:3: date: 'someday soon' is not a date like "
        "'21.8.2025 - 06:28' or ISO 8601"
    ]
    assert titles(client) == ["Rates stay put", "Ski season opens", "SNB holds its rate"]
    assert client.get("/healthz").json["rejected"] == 1  # type: ignore[index]


def test_article_broken_by_an_edit_leaves_the_site(
    newsroom: Site, live: Builder, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    newsroom.write("snb.md", BROKEN)
    with caplog.at_level(logging.WARNING, logger="feeds"):
        assert rebuilt(live) is True
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
    live: Builder,
    client: FlaskClient,
    caplog: pytest.LogCaptureFixture,
    bad_config: str,
) -> None:
    good_config = (newsroom.root / "config.toml").read_text("utf-8")
    body = client.get(FEED).data
    newsroom.configure(bad_config)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    with caplog.at_level(logging.ERROR, logger="feeds"):
        assert rebuilt(live) is False
        assert rebuilt(live) is False  # the same error is logged once, not at every look
    assert client.get(FEED).data == body
    [message] = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert message.startswith(str(newsroom.root / "config.toml") + ": ")
    assert message.endswith("(still serving the last complete build)")
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["status"] == "error"  # type: ignore[index]
    assert health.json["error"]["message"] == message.removesuffix(  # type: ignore[index]
        " (still serving the last complete build)"
    )
    newsroom.configure(good_config)
    assert rebuilt(live) is True
    assert "Rates stay put" in titles(client)
    assert client.get("/healthz").json["error"] is None  # type: ignore[index]
    caplog.clear()
    newsroom.configure(bad_config)
    with caplog.at_level(logging.ERROR, logger="feeds"):
        assert rebuilt(live) is False
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR] == [message]


def test_missing_config_keeps_the_old_site(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    body = client.get(FEED).data
    (newsroom.root / "config.toml").unlink()
    assert rebuilt(live) is False
    assert client.get(FEED).data == body
    assert client.get("/healthz").status_code == 503


@pytest.mark.parametrize("how", ["moved-away", "replaced-by-a-file"])
def test_a_vanished_articles_folder_keeps_the_old_site_and_says_so(
    newsroom: Site, live: Builder, client: FlaskClient, how: str
) -> None:
    body = client.get(FEED).data
    if how == "moved-away":
        newsroom.articles.rename(newsroom.root / "unmounted")
    else:
        newsroom.articles.rename(newsroom.root / "unmounted")
        newsroom.articles.write_text("a file", "utf-8")
    assert rebuilt(live) is False
    assert client.get(FEED).data == body
    assert client.get("/articles/snb/").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "articles_dir" in health.json["error"]["message"]  # type: ignore[index]


def test_config_change_swaps_the_generation(
    newsroom: Site, live: Builder, client: FlaskClient
) -> None:
    config = newsroom.root / "config.toml"
    config.write_text(config.read_text("utf-8").replace("Test Wire", "Other Wire"), "utf-8")
    assert rebuilt(live) is True
    assert b"Other Wire" in client.get(FEED).data


def test_embargo_lifts_when_the_clock_passes_without_file_change(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    newsroom.write("embargo.md", article("Embargoed news", NOW + timedelta(minutes=30)))
    assert rebuilt(live) is False  # nothing published changed
    assert live.last is not None and live.last.next_change == NOW + timedelta(minutes=30)
    assert "Embargoed news" not in titles(client)
    assert client.get("/articles/embargo/").status_code == 404
    clock.advance(minutes=29, seconds=59)
    assert rebuilt(live) is False
    clock.advance(seconds=1)
    assert rebuilt(live) is True
    assert titles(client)[0] == "Embargoed news"
    assert client.get("/articles/embargo/").status_code == 200
    assert rebuilt(live) is False


def test_embargoes_lift_one_after_another(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    newsroom.write("first.md", article("First", NOW + timedelta(minutes=10)))
    newsroom.write("second.md", article("Second", NOW + timedelta(minutes=20)))
    assert rebuilt(live) is False
    clock.advance(minutes=15)
    assert rebuilt(live) is True
    assert titles(client)[:1] == ["First"]
    clock.advance(minutes=15)
    assert rebuilt(live) is True
    assert titles(client)[:2] == ["Second", "First"]


def test_embargo_present_at_startup_lifts(site: Site, clock: FakeClock) -> None:
    site.write("embargo.md", article("Embargoed news", NOW + timedelta(seconds=4)))
    live = Builder(site.root / "config.toml", clock=clock)
    done = live.build()
    assert done is not None and done.report.articles == 0
    assert done.next_change == NOW + timedelta(seconds=4)
    clock.advance(seconds=4)
    assert rebuilt(live) is True
    assert live.last is not None and live.last.site is not None
    assert [entry.title for entry in live.last.site.catalog.entries] == ["Embargoed news"]


def test_healthz_reports_the_last_build(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json == {  # type: ignore[comparison-overlap]
        "status": "ok",
        "articles": 2,
        "rejected": 0,
        "last_build": "2025-09-01T12:00:00+00:00",
        "error": None,
        "builder": health.json["builder"],  # type: ignore[index]
    }
    clock.advance(minutes=5)
    newsroom.write("broken.md", BROKEN)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW))
    live.build()
    health = client.get("/healthz")
    assert health.json["articles"] == 3  # type: ignore[index]
    assert health.json["rejected"] == 1  # type: ignore[index]
    assert health.json["last_build"] == "2025-09-01T12:05:00+00:00"  # type: ignore[index]


# --- validators across generations -----------------------------------------------------------


def test_backdated_article_is_not_hidden_by_if_modified_since(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    """Wire copy often arrives dated before the newest article already published."""
    last_modified = client.get(FEED).headers["Last-Modified"]
    clock.advance(minutes=5)
    newsroom.write("late.md", article("Late wire copy", NOW - timedelta(days=3)))
    assert rebuilt(live) is True
    response = client.get(FEED, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert "Late wire copy" in feed_titles(FEED, response.data)


def test_deletion_is_not_hidden_by_if_modified_since(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    last_modified = client.get(FEED).headers["Last-Modified"]
    clock.advance(minutes=5)
    (newsroom.articles / "snb.md").unlink()
    assert rebuilt(live) is True
    response = client.get(FEED, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 200
    assert feed_titles(FEED, response.data) == ["Ski season opens"]


def test_unchanged_resources_keep_their_validators(
    newsroom: Site, live: Builder, client: FlaskClient, clock: FakeClock
) -> None:
    before = client.get("/feeds/climate.atom.xml")
    clock.advance(minutes=5)
    newsroom.write("economy/rates.md", article("Rates stay put", NOW - timedelta(hours=1)))
    assert rebuilt(live) is True
    for name in ["If-None-Match", "If-Modified-Since"]:
        header = before.headers["ETag" if name == "If-None-Match" else "Last-Modified"]
        response = client.get("/feeds/climate.atom.xml", headers={name: header})
        assert response.status_code == 304


def test_last_modified_is_never_in_the_future(newsroom: Site, clock: FakeClock) -> None:
    newsroom.write("ahead.md", article("Updated ahead", NOW, extra="updated: 2025-09-03T00:00Z"))
    client = create_app(newsroom.root / "config.toml", clock=clock).test_client()
    response = client.get("/articles/ahead/")
    assert response.last_modified is not None
    assert response.last_modified <= NOW


# --- the builder's loop -------------------------------------------------------------------


def wait_for_title(newsroom: Site, title: str, seconds: float) -> float | None:
    """Seconds until the built `all` feed shows `title`; None after `seconds`."""
    feed = newsroom.root / "public" / "feeds" / "all.atom.xml"
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if feed.is_file() and title in feed_titles(FEED, feed.read_bytes()):
            return time.monotonic() - started
        time.sleep(0.01)
    return None


@contextmanager
def running(builder: Builder, poll: float | None = None) -> Iterator[threading.Thread]:
    """The builder's loop in a thread, stopped and joined on the way out."""
    ready = threading.Event()
    thread = threading.Thread(target=builder.run, args=(ready.set, poll), daemon=True)
    thread.start()
    try:
        assert ready.wait(10)
        yield thread
    finally:
        builder.stop()
        thread.join(timeout=5)


def test_the_loop_picks_up_a_new_article_and_stops(newsroom: Site, clock: FakeClock) -> None:
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    with running(builder, 0.01) as thread:
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        assert wait_for_title(newsroom, "Rates stay put", seconds=5) is not None
    assert not thread.is_alive()


def test_the_loop_survives_a_bug_during_a_build(
    newsroom: Site,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    build = engine.build
    calls = []

    def flaky_build(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("renderer bug")
        return build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(engine, "build", flaky_build)
    with running(builder, 0.01):
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        assert wait_for_title(newsroom, "Rates stay put", seconds=5) is not None
    assert any("the build failed" in r.getMessage() for r in caplog.records)


def test_a_build_renders_only_what_the_edit_changes(
    newsroom: Site, live: Builder, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []
    render_article = site_module.render_article

    def spy(entry: Entry, *rest: object) -> bytes:
        rendered.append(entry.slug)
        return render_article(entry, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(site_module, "render_article", spy)
    out = newsroom.root / "public"
    ski = (out / "articles" / "ski" / "index.html").stat()
    newsroom.write("snb.md", article("SNB cuts its rate", NOW - timedelta(days=2)))
    assert rebuilt(live) is True
    assert rendered == ["snb"]
    assert (out / "articles" / "ski" / "index.html").stat().st_ino == ski.st_ino
    assert b"SNB cuts its rate" in (out / "articles" / "snb" / "index.html").read_bytes()


def test_a_file_event_wakes_the_builder_long_before_its_next_look(
    newsroom: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    builds = []
    build = engine.build
    monkeypatch.setattr(
        engine,
        "build",
        lambda *a, **k: builds.append(1) or build(*a, **k),  # type: ignore[func-returns-value]
    )
    with running(builder, 60) as thread:
        time.sleep(0.2)  # the observer is up; the first look is a minute away
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        waited = wait_for_title(newsroom, "Rates stay put", seconds=5)
        assert waited is not None and waited < 2
        count = len(builds)
        time.sleep(0.5)  # its own reads and cache writes must not wake it again
        assert len(builds) == count
    assert not thread.is_alive()


def test_file_events_say_which_files_to_look_at_and_the_site_is_what_a_walk_gives(
    newsroom: Site, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    walks: list[object] = []
    scan = builder_module.scan
    monkeypatch.setattr(builder_module, "scan", lambda config: walks.append(1) or scan(config))
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    with running(builder, 60):
        time.sleep(0.2)  # the observer is up, and its first build walked the folder
        walked = len(walks)
        newsroom.write("sport/rates.md", article("Rates stay put", NOW))
        assert wait_for_title(newsroom, "Rates stay put", seconds=5) is not None
        newsroom.write("snb.md", article("SNB cuts its rate", NOW - timedelta(days=2)))
        assert wait_for_title(newsroom, "SNB cuts its rate", seconds=5) is not None
        (newsroom.articles / "sport" / "ski.md").rename(newsroom.articles / "ski-2.md")
        newsroom.write("late.md", article("Late news", NOW))
        assert wait_for_title(newsroom, "Late news", seconds=5) is not None
        assert len(walks) == walked  # the events named every file that changed
        (newsroom.articles / "world").mkdir()
        newsroom.write("world/far.md", article("Far away", NOW))
        assert wait_for_title(newsroom, "Far away", seconds=5) is not None
        assert len(walks) > walked  # a new folder: walked again
    fresh = tmp_path / "fresh"
    walk = engine.build(newsroom.config(), fresh, NOW)
    assert builder.last is not None and builder.last.manifest.inputs == walk.manifest.inputs
    built = tree(newsroom.root / "public")
    assert {name: built[name] for name in walk.manifest.files} == {
        name: (fresh / name).read_bytes() for name in walk.manifest.files
    }
    assert "articles/ski-2/index.html" in built and "articles/ski/index.html" not in built


@pytest.mark.parametrize("how", ["recreated", "symlinked"])
def test_file_events_follow_an_articles_folder_that_is_replaced(
    newsroom: Site, clock: FakeClock, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    with caplog.at_level(logging.INFO, logger="feeds"), running(builder, 60):
        time.sleep(0.2)
        newsroom.articles.rename(newsroom.root / "old-articles")
        if how == "recreated":
            newsroom.articles.mkdir()
        else:
            (newsroom.root / "elsewhere").mkdir()
            newsroom.articles.symlink_to(newsroom.root / "elsewhere")
        # The next look (an event on config.toml's folder wakes it) re-arms the events.
        wait_for(lambda: any("re-armed" in r.getMessage() for r in caplog.records), 10)
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        assert wait_for_title(newsroom, "Rates stay put", seconds=5) is not None
    assert any("file events re-armed" in r.getMessage() for r in caplog.records)


def test_without_file_events_the_builder_looks_every_second(
    newsroom: Site,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class NoEvents(Observer):  # as when inotify's limit of watches is reached
        def start(self) -> None:
            raise OSError(28, "inotify watch limit reached")

    monkeypatch.setattr("feeds.builder.Observer", NoEvents)
    builder = Builder(newsroom.root / "config.toml", clock=clock)
    with running(builder):
        newsroom.write("economy/rates.md", article("Rates stay put", NOW))
        waited = wait_for_title(newsroom, "Rates stay put", seconds=5)
        assert waited is not None and waited < 2.5
    assert any("looking for changes every second" in r.getMessage() for r in caplog.records)


def test_a_shrunken_folder_waits_for_a_forced_build_then_the_builder_goes_on(
    site: Site, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    for number in range(12):
        site.write(f"story-{number}.md", article(f"Story {number}", NOW - timedelta(hours=number)))
    builder = Builder(site.root / "config.toml", clock=clock)
    assert builder.build() is not None
    for number in range(1, 12):
        (site.articles / f"story-{number}.md").unlink()
    with caplog.at_level(logging.ERROR, logger="feeds"):
        assert builder.build() is None
    assert "1 of the 12 published articles are left" in caplog.text
    assert (site.root / "public" / "articles" / "story-5" / "index.html").is_file()
    assert run_main("build", "--config", str(site.root / "config.toml"), "--force").code == 0
    site.write("story-new.md", article("A new story", NOW))
    assert rebuilt(builder) is True
    assert builder.last is not None and builder.last.report.articles == 2
