"""`feeds build` and `feeds deploy` ping the hubs of `[websub] hubs` after they are done:
once per changed current feed, and not at all when no feed changed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feeds.cli import main
from tests.deployfixtures import (
    Bucket,
    deploy_section,
    fake_aws,
    markdown,
    moto_server,
    write_site,
)
from tests.sitefixtures import BASE_URL, CONFIG, make_site, run_main
from tests.websub.endpoints import Endpoint, Received, endpoint

DEPLOY_BASE = "https://news.example.org/"


def accept(received: Received) -> tuple[int, bytes]:
    return 204, b""


@pytest.fixture
def hub() -> Iterator[Endpoint]:
    with endpoint(accept) as running:
        yield running


def told(hub: Endpoint) -> list[str]:
    """The feed URLs each ping named, in order; every ping is a publish."""
    forms = [received.form for received in hub.received]
    assert all(form["hub.mode"] == ["publish"] for form in forms)
    return [url for form in forms for url in form["hub.url"]]


def test_build_pings_each_changed_feed_once(tmp_path: Path, hub: Endpoint) -> None:
    config = make_site(tmp_path, config=CONFIG + f'[websub]\nhubs = ["{hub.url}"]\n')
    assert run_main("build", "--config", str(config)).code == 0
    first = told(hub)
    feeds = sorted(
        f"{BASE_URL}{path.relative_to(tmp_path / 'public').as_posix()}"
        for path in (tmp_path / "public" / "feeds").glob("*")
        if path.is_file() and not path.name.endswith(".gz")  # archives are no WebSub topics
    )
    assert sorted(first) == feeds  # the first build adds every feed
    assert len(first) == len(set(first))

    hub.received.clear()
    assert run_main("build", "--config", str(config)).code == 0
    assert hub.received == []  # nothing changed

    story = tmp_path / "articles" / "climate-extra.md"
    story.write_text(
        "---\ntitle: Glaciers lose more ice\ndate: 2025-09-20T10:00:00+02:00\n"
        "topics: [climate]\n---\nThe glaciers lost more ice this summer.\n",
        encoding="utf-8",
    )
    assert run_main("build", "--config", str(config)).code == 0
    assert sorted(told(hub)) == [
        f"{BASE_URL}feeds/{slug}{suffix}"
        for slug in ("all", "climate")
        for suffix in (".atom.xml", ".json", ".rss.xml")
    ]


def test_build_with_a_dead_hub_still_succeeds(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with endpoint(lambda received: (503, b"")) as dead:
        config = make_site(tmp_path, config=CONFIG + f'[websub]\nhubs = ["{dead.url}"]\n')
        assert run_main("build", "--config", str(config)).code == 0
    (line,) = [record.getMessage() for record in caplog.records if record.name == "feeds.websub"]
    assert line.startswith(f"websub: hub {dead.url} was not told of ")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 with fake credentials from the environment only."""
    fake_aws(tmp_path, monkeypatch)
    with moto_server() as url:
        yield url


def test_deploy_pings_the_feeds_it_uploaded(tmp_path: Path, hub: Endpoint, s3: str) -> None:
    bucket = Bucket(s3, "websub-pings")
    websub = f'\n[websub]\nhubs = ["{hub.url}"]\n'
    config = write_site(tmp_path, deploy_section(bucket.name, s3) + websub)
    deploy = ["deploy", "--config", str(config)]
    assert main([*deploy, "--dry-run"]) == 0
    assert hub.received == []  # a dry run uploads nothing, so it tells nobody
    assert main(deploy) == 0
    assert len(told(hub)) == 9  # all, harbour, markets: three formats each
    hub.received.clear()
    assert main(deploy) == 0
    assert hub.received == []
    (tmp_path / "articles" / "barley.md").write_text(
        markdown("Barley prices ease", "2025-09-05T08:00:00+02:00", "markets", "Prices fell."),
        encoding="utf-8",
    )
    assert main(deploy) == 0
    assert sorted(told(hub)) == [
        f"{DEPLOY_BASE}feeds/{slug}{suffix}"
        for slug in ("all", "markets")
        for suffix in (".atom.xml", ".json", ".rss.xml")
    ]
