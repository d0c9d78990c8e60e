"""The hub of a real `feeds serve` on 127.0.0.1: a subscriber of our own subscribes at
/websub, an article dropped into articles/ arrives at its callback signed, polling readers
still get 304s, and the subscription outlives a restart."""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.serverfixtures import HOST, Server, article, fetch, wait_for
from tests.sitefixtures import BASE_URL, CONFIG, make_site
from tests.websub.endpoints import Endpoint, Subscriber

TOPIC = f"{BASE_URL}feeds/all.atom.xml"
LINK = f'<{BASE_URL}websub>; rel="hub", <{TOPIC}>; rel="self"'
SECRET = "shared between the hub and us"


@pytest.fixture
def subscriber() -> Iterator[Subscriber]:
    made = Subscriber()
    made.server = Endpoint(made.answer)
    yield made
    made.server.close()


def websub_request(port: int, form: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/websub", data=urlencode(form).encode(), method="POST"
    )
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def health(port: int) -> dict[str, object]:
    data: dict[str, object] = json.loads(fetch(port, "/healthz").body)
    return data


def test_an_article_dropped_in_arrives_at_the_subscriber(
    tmp_path: Path, subscriber: Subscriber
) -> None:
    websub = "\n[websub]\nhub = true\nallow_private_callbacks = true\n"
    config = make_site(tmp_path, config=CONFIG + websub)
    server = Server(config, workers=1)
    try:
        form = {"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.secret": SECRET}
        status, _ = websub_request(server.port, {**form, "hub.callback": subscriber.server.url})
        assert status == 202
        subscriber.server.wait_for(1)
        wait_for(lambda: health(server.port)["websub_subscriptions"] == 1, timeout=20)

        polled = fetch(server.port, "/feeds/all.atom.xml")
        assert polled.headers["link"] == LINK
        assert "link" not in fetch(server.port, "/").headers
        etag = polled.headers["etag"]
        assert fetch(server.port, "/feeds/all.atom.xml", {"If-None-Match": etag}).status == 304

        story = article("Ferry resumes night crossings", "2025-09-30T09:00:00+02:00")
        (tmp_path / "articles" / "ferry-night.md").write_text(story, encoding="utf-8")
        (verification, delivery) = subscriber.server.wait_for(2)
        assert verification.method == "GET"
        served = fetch(server.port, "/feeds/all.atom.xml")
        assert delivery.body == served.body
        assert b"Ferry resumes night crossings" in delivery.body
        assert delivery.headers["Link"] == LINK
        assert delivery.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
        signature = hmac.new(SECRET.encode(), delivery.body, hashlib.sha256).hexdigest()
        assert delivery.headers["X-Hub-Signature"] == f"sha256={signature}"
        # A reader that polls gets the new feed once, then 304s again.
        assert fetch(server.port, "/feeds/all.atom.xml", {"If-None-Match": etag}).status == 200
        again = {"If-None-Match": served.headers["etag"]}
        assert fetch(server.port, "/feeds/all.atom.xml", again).status == 304
        wait_for(lambda: health(server.port)["websub_pending_deliveries"] == 0, timeout=20)

        outside = {**form, "hub.callback": subscriber.server.url, "hub.topic": BASE_URL}
        assert websub_request(server.port, outside)[0] == 400
    finally:
        server.stop()
    restarted = Server(config, workers=1)
    try:
        assert health(restarted.port)["websub_subscriptions"] == 1
    finally:
        restarted.stop()
