"""The hub: subscription requests through Flask, verification, leases, delivery, restarts,
against subscribers of our own on 127.0.0.1 (`allow_private_callbacks = true`)."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from feeds.config import Config, load_config
from feeds.websub.endpoint import websub_blueprint
from feeds.websub.hub import DEFAULT_LEASE, MIN_LEASE, Hub, Retry, health
from feeds.websub.store import Store, database
from tests.sitefixtures import BASE_URL, CONFIG, make_site, run_main
from tests.websub.endpoints import Endpoint, Subscriber

WEBSUB = "\n[websub]\nhub = true\nallow_private_callbacks = true\n"
ALL = f"{BASE_URL}feeds/all.atom.xml"
ECONOMY = f"{BASE_URL}feeds/economy.json"
FAST = Retry(first=0.05, longest=0.2, give_up=60.0)


@dataclass
class Clock:
    """The hub's clock, moved by hand; real time by default."""

    offset: float = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@dataclass(frozen=True, slots=True)
class Changes:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass
class Setup:
    """A built site, its /websub through Flask's test client, and hubs started on it."""

    config: Config
    client: FlaskClient
    clock: Clock
    hubs: list[Hub] = field(default_factory=list)
    servers: list[Endpoint] = field(default_factory=list)

    def hub(self, retry: Retry = FAST, config: Config | None = None) -> Hub:
        hub = Hub(
            config or self.config,
            self.config.output_dir,
            clock=self.clock,
            retry=retry,
            timeout=5.0,
            poll=0.02,
        )
        hub.start()
        self.hubs.append(hub)
        return hub

    def subscriber(self, **options: object) -> Subscriber:
        subscriber = Subscriber(**options)  # type: ignore[arg-type]
        subscriber.server = Endpoint(subscriber.answer)
        self.servers.append(subscriber.server)
        return subscriber

    def ask(self, mode: str, callback: str, topic: str = ALL, **extra: str) -> tuple[int, str]:
        form = {"hub.mode": mode, "hub.callback": callback, "hub.topic": topic}
        form.update({f"hub.{name}": value for name, value in extra.items()})
        response = self.client.post("/websub", data=form)
        return response.status_code, response.get_data(as_text=True)

    def subscribe(self, subscriber: Subscriber, topic: str = ALL, **extra: str) -> None:
        """Subscribe and wait until the hub has verified and stored the subscription."""
        before = len(subscriber.verifications)
        status, _ = self.ask("subscribe", subscriber.server.url, topic, **extra)
        assert status == 202
        subscriber.server.wait_for(len(subscriber.server.received) + 1)
        assert len(subscriber.verifications) == before + 1
        self.settled()

    def settled(self) -> None:
        """Wait until no request waits for verification and no delivery is owed."""
        store = Store(database(self.config))
        try:
            eventually(
                lambda: (
                    not store.requests() and health(self.config)["websub_pending_deliveries"] == 0
                )
            )
        finally:
            store.close()

    def active(self) -> int:
        return health(self.config, self.clock())["websub_subscriptions"]


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the hub did not get there"
        time.sleep(0.01)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test site with the hub, built once; each test gets a copy of its folder."""
    root = tmp_path_factory.mktemp("built")
    assert run_main("build", "--config", str(make_site(root, config=CONFIG + WEBSUB))).code == 0
    return root


@pytest.fixture
def setup(built: Path, tmp_path: Path) -> Iterator[Setup]:
    shutil.copytree(built, tmp_path / "site")
    config = load_config(tmp_path / "site" / "config.toml")
    app = Flask(__name__)
    app.register_blueprint(websub_blueprint(config))
    made = Setup(config, app.test_client(), Clock())
    yield made
    for server in made.servers:
        server.close()
    for hub in made.hubs:
        hub.stop()


def test_a_subscription_is_verified_with_a_challenge_and_default_lease(setup: Setup) -> None:
    setup.hub()
    subscriber = setup.subscriber()
    status, text = setup.ask("subscribe", subscriber.server.url, ALL)
    assert (status, text) == (
        202,
        f"accepted: {subscriber.server.url} will be asked to confirm the subscribe\n",
    )
    (verification,) = subscriber.server.wait_for(1)
    query = verification.query
    assert query["hub.mode"] == "subscribe"
    assert query["hub.topic"] == ALL
    assert query["hub.lease_seconds"] == str(DEFAULT_LEASE)
    assert len(query["hub.challenge"]) >= 32
    setup.settled()
    assert setup.active() == 1


def test_a_wrong_challenge_makes_no_subscription(setup: Setup) -> None:
    setup.hub()
    subscriber = setup.subscriber(echo=False)
    setup.subscribe(subscriber)
    assert setup.active() == 0


def test_each_challenge_is_new_and_the_callback_query_is_kept(setup: Setup) -> None:
    setup.hub()
    subscriber = setup.subscriber()
    callback = subscriber.server.url + "cb?token=abc"
    for _ in range(2):
        assert setup.ask("subscribe", callback)[0] == 202
        setup.settled()
    first, second = subscriber.verifications
    assert first.target.startswith("/cb?token=abc&hub.mode=subscribe&")
    assert first.query["hub.challenge"] != second.query["hub.challenge"]
    assert setup.active() == 1  # the same subscription, renewed


def test_a_lease_is_clamped_kept_renewed_and_expired(setup: Setup) -> None:
    setup.hub()
    subscriber = setup.subscriber()
    setup.subscribe(subscriber, lease_seconds="5")
    assert subscriber.verifications[0].query["hub.lease_seconds"] == str(MIN_LEASE)
    setup.clock.offset = MIN_LEASE - 600
    setup.subscribe(subscriber, lease_seconds=str(MIN_LEASE))  # renewed before it ends
    setup.clock.offset = MIN_LEASE + 60
    assert setup.active() == 1
    setup.clock.offset = 2 * MIN_LEASE
    eventually(lambda: setup.active() == 0)


def test_unsubscribing_is_verified_too(setup: Setup) -> None:
    setup.hub()
    subscriber = setup.subscriber()
    setup.subscribe(subscriber)
    subscriber.echo = False
    assert setup.ask("unsubscribe", subscriber.server.url)[0] == 202
    setup.settled()
    assert setup.active() == 1  # not confirmed: the subscription stays
    subscriber.echo = True
    assert setup.ask("unsubscribe", subscriber.server.url)[0] == 202
    setup.settled()
    assert setup.active() == 0
    assert [v.query["hub.mode"] for v in subscriber.verifications] == [
        "subscribe",
        "unsubscribe",
        "unsubscribe",
    ]


def test_a_changed_feed_is_delivered_whole_signed_and_linked(setup: Setup) -> None:
    hub = setup.hub()
    subscriber = setup.subscriber()
    setup.subscribe(subscriber, secret="a secret of the subscriber")
    other = setup.subscriber()
    setup.subscribe(other, ECONOMY)
    hub.on_changes(
        setup.config,
        setup.config.output_dir,
        Changes(changed=("/feeds/all.atom.xml", "/articles/a/")),
    )
    subscriber.server.wait_for(2)
    setup.settled()
    (delivery,) = subscriber.deliveries
    body = (setup.config.output_dir / "feeds" / "all.atom.xml").read_bytes()
    assert delivery.body == body
    assert delivery.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert delivery.headers["Link"] == f'<{BASE_URL}websub>; rel="hub", <{ALL}>; rel="self"'
    expected = hmac.new(b"a secret of the subscriber", body, hashlib.sha256).hexdigest()
    assert delivery.headers["X-Hub-Signature"] == f"sha256={expected}"
    assert other.deliveries == []  # its feed did not change


def test_no_signature_without_a_secret(setup: Setup) -> None:
    hub = setup.hub()
    subscriber = setup.subscriber()
    setup.subscribe(subscriber, ECONOMY)
    hub.on_changes(setup.config, setup.config.output_dir, Changes(added=("/feeds/economy.json",)))
    subscriber.server.wait_for(2)
    (delivery,) = subscriber.deliveries
    assert "X-Hub-Signature" not in delivery.headers
    assert delivery.headers["Content-Type"] == "application/feed+json; charset=utf-8"


def test_410_ends_the_subscription(setup: Setup) -> None:
    hub = setup.hub()
    subscriber = setup.subscriber(statuses=[410])
    setup.subscribe(subscriber)
    hub.on_changes(setup.config, setup.config.output_dir, Changes(changed=("/feeds/all.atom.xml",)))
    subscriber.server.wait_for(2)
    eventually(lambda: setup.active() == 0)
    setup.settled()


def test_a_failing_subscriber_is_retried_and_delays_no_other(setup: Setup) -> None:
    hub = setup.hub()
    held = threading.Event()
    slow = setup.subscriber(statuses=[500, 503], hold=held)
    quick = setup.subscriber()
    setup.subscribe(slow)
    setup.subscribe(quick)
    hub.on_changes(setup.config, setup.config.output_dir, Changes(changed=("/feeds/all.atom.xml",)))
    slow.server.wait_for(2)  # its first delivery arrived, and is held unanswered
    quick.server.wait_for(2)  # delivered all the same
    assert not held.is_set()
    held.set()
    slow.server.wait_for(4)  # 500, 503, then 204
    setup.settled()
    assert len(quick.deliveries) == 1
    assert slow.deliveries[0].body == slow.deliveries[2].body == quick.deliveries[0].body
    assert setup.active() == 2


def test_a_change_during_a_delivery_is_delivered_after_it(setup: Setup) -> None:
    hub = setup.hub()
    held = threading.Event()
    subscriber = setup.subscriber(hold=held)
    setup.subscribe(subscriber)
    feed = setup.config.output_dir / "feeds" / "all.atom.xml"
    changed = Changes(changed=("/feeds/all.atom.xml",))
    hub.on_changes(setup.config, setup.config.output_dir, changed)
    subscriber.server.wait_for(2)  # the first version is on its way, unanswered
    first = feed.read_bytes()
    feed.write_bytes(first.replace(b"</feed>", b"<!-- a second version --></feed>"))
    hub.on_changes(setup.config, setup.config.output_dir, changed)
    held.set()
    subscriber.server.wait_for(3)
    setup.settled()
    assert [delivery.body for delivery in subscriber.deliveries] == [first, feed.read_bytes()]


def test_a_subscriber_failing_too_long_is_dropped(setup: Setup) -> None:
    hub = setup.hub(retry=Retry(first=0.05, longest=0.05, give_up=0.0))
    subscriber = setup.subscriber(statuses=[500])
    setup.subscribe(subscriber)
    hub.on_changes(setup.config, setup.config.output_dir, Changes(changed=("/feeds/all.atom.xml",)))
    eventually(lambda: setup.active() == 0)


def test_subscriptions_and_owed_deliveries_survive_a_restart(setup: Setup) -> None:
    first = setup.hub(retry=Retry(first=600.0))
    subscriber = setup.subscriber(statuses=[500])
    setup.subscribe(subscriber)
    first.on_changes(
        setup.config, setup.config.output_dir, Changes(changed=("/feeds/all.atom.xml",))
    )
    subscriber.server.wait_for(2)
    eventually(lambda: health(setup.config)["websub_pending_deliveries"] == 1)
    first.stop()
    setup.hubs.remove(first)
    setup.clock.offset = 601  # the retry is due
    setup.hub()
    subscriber.server.wait_for(3)
    setup.settled()
    assert setup.active() == 1
    assert subscriber.deliveries[1].body == subscriber.deliveries[0].body


def test_a_delivery_to_an_address_no_longer_allowed_ends_the_subscription(setup: Setup) -> None:
    subscriber = setup.subscriber()
    setup.hub()
    setup.subscribe(subscriber)
    assert setup.config.websub is not None
    strict = replace(
        setup.config, websub=replace(setup.config.websub, allow_private_callbacks=False)
    )
    setup.hubs.pop().stop()
    hub = setup.hub(config=strict)
    hub.on_changes(strict, strict.output_dir, Changes(changed=("/feeds/all.atom.xml",)))
    eventually(lambda: setup.active() == 0)
    assert subscriber.deliveries == []


@pytest.mark.parametrize(
    ("form", "status", "reason"),
    [
        ({"hub.topic": "https://elsewhere.example.org/feed.xml"}, 400, "hub.topic: not one of"),
        ({"hub.topic": f"{BASE_URL}feeds/nothing.atom.xml"}, 400, "hub.topic: not one of"),
        ({"hub.topic": f"{BASE_URL}articles/x/"}, 400, "hub.topic: not one of"),
        ({"hub.topic": ""}, 400, "hub.topic: is required"),
        ({"hub.callback": "ftp://127.0.0.1/"}, 400, "hub.callback: must be an http or https"),
        ({"hub.callback": "http://127.0.0.1:99999/"}, 400, "hub.callback: not a URL"),
        ({"hub.callback": "http://127.0.0.1/#x"}, 400, "hub.callback: must be an http or https"),
        ({"hub.mode": "publish"}, 400, "hub.mode: must be subscribe or unsubscribe"),
        ({"hub.secret": "s" * 200}, 400, "hub.secret: must be 1 to 199 bytes long"),
        ({"hub.secret": ""}, 400, "hub.secret: must be 1 to 199 bytes long"),
        ({"hub.lease_seconds": "-5"}, 400, "hub.lease_seconds: must be a whole number"),
        ({"hub.lease_seconds": "9" * 5000}, 400, "hub.lease_seconds: must be a whole number"),
        ({"hub.lease_seconds": "9" * 9000}, 413, "the request must have a Content-Length"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(
    setup: Setup, form: dict[str, str], status: int, reason: str
) -> None:
    data = {"hub.mode": "subscribe", "hub.callback": "http://127.0.0.1:9/", "hub.topic": ALL}
    data.update(form)
    response = setup.client.post("/websub", data=data)
    assert response.status_code == status
    assert response.get_data(as_text=True).startswith(reason)
    assert response.get_data(as_text=True).count("\n") == 1


def test_a_request_that_is_no_form_is_refused(setup: Setup) -> None:
    response = setup.client.post("/websub", json={"hub.mode": "subscribe"})
    assert response.status_code == 415


def test_a_secret_of_199_bytes_is_accepted(setup: Setup) -> None:
    assert setup.ask("subscribe", "http://127.0.0.1:9/", secret="é" * 99 + "s")[0] == 202


def test_a_private_callback_is_refused_without_the_setting(setup: Setup, tmp_path: Path) -> None:
    assert setup.config.websub is not None
    strict = replace(
        setup.config, websub=replace(setup.config.websub, allow_private_callbacks=False)
    )
    app = Flask(__name__)
    app.register_blueprint(websub_blueprint(strict))
    for callback in (
        "http://127.0.0.1:9/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://169.254.169.254/",
        "http://localhost/",
    ):
        form = {"hub.mode": "subscribe", "hub.callback": callback, "hub.topic": ALL}
        response = app.test_client().post("/websub", data=form)
        assert response.status_code == 400, callback
        assert "callbacks must be public" in response.get_data(as_text=True)


def test_subscriptions_per_callback_host_are_limited(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feeds.websub.store.MAX_PER_HOST", 2)
    assert setup.ask("subscribe", "http://127.0.0.1:9/a")[0] == 202
    assert setup.ask("subscribe", "http://127.0.0.1:9/b")[0] == 202
    status, text = setup.ask("subscribe", "http://127.0.0.1:9/c")
    assert (status, text) == (429, "127.0.0.1 has 2 subscriptions already\n")
    assert setup.ask("subscribe", "http://localhost:9/c")[0] == 202  # another host name
