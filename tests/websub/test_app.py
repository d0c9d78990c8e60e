"""The Flask app with `[websub]`: Link headers on current feeds, /websub, /healthz counts."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from feeds.web import create_app
from tests.sitefixtures import BASE_URL, CONFIG, make_site

HUB = "https://hub.example.net/"


def get(client: FlaskClient, path: str, **headers: str) -> tuple[int, Headers]:
    """Status and headers of a GET, its file closed."""
    with client.get(path, headers=headers) as response:
        return response.status_code, response.headers


def test_current_feeds_send_their_hubs_and_self_as_a_link_header(tmp_path: Path) -> None:
    websub = f'\n[websub]\nhub = true\nhubs = ["{HUB}"]\n'
    client = create_app(make_site(tmp_path, config=CONFIG + websub)).test_client()
    for path in ("/feeds/all.atom.xml", "/feeds/economy.rss.xml", "/feeds/all.json"):
        status, headers = get(client, path)
        assert status == 200
        assert headers["Link"] == (
            f'<{BASE_URL}websub>; rel="hub", <{HUB}>; rel="hub", <{BASE_URL}{path[1:]}>; rel="self"'
        )
        assert get(client, path, **{"If-None-Match": headers["ETag"]})[0] == 304

    assert "Link" not in get(client, "/")[1]
    assert "Link" not in get(client, "/opml.xml")[1]
    health = client.get("/healthz").get_json()
    assert (health["websub_subscriptions"], health["websub_pending_deliveries"]) == (0, 0)
    form = {
        "hub.mode": "subscribe",
        "hub.topic": f"{BASE_URL}feeds/all.atom.xml",
        "hub.callback": "http://127.0.0.1:9/",
    }
    refused = client.post("/websub", data=form)  # a private callback, not allowed here
    assert refused.status_code == 400
    assert "callbacks must be public" in refused.get_data(as_text=True)


def test_without_websub_there_is_no_hub_and_no_link(tmp_path: Path) -> None:
    client = create_app(make_site(tmp_path)).test_client()
    assert "Link" not in get(client, "/feeds/all.atom.xml")[1]
    assert client.post("/websub", data={"hub.mode": "subscribe"}).status_code == 405
    assert "websub_subscriptions" not in client.get("/healthz").get_json()


def test_other_hubs_only_means_no_hub_here(tmp_path: Path) -> None:
    websub = f'\n[websub]\nhubs = ["{HUB}"]\n'
    client = create_app(make_site(tmp_path, config=CONFIG + websub)).test_client()
    assert get(client, "/feeds/all.json")[1]["Link"] == (
        f'<{HUB}>; rel="hub", <{BASE_URL}feeds/all.json>; rel="self"'
    )
    assert client.post("/websub", data={"hub.mode": "subscribe"}).status_code == 405
