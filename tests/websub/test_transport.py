"""Requests to subscribers: public addresses only unless allowed, and no redirect followed."""

from __future__ import annotations

import pytest

from feeds.websub.transport import PrivateAddress, Unreachable, check_public, is_public, send
from tests.websub.endpoints import Received, endpoint


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.0.0.8", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("0.0.0.0", False),
        ("224.0.0.251", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("192.0.2.1", False),  # documentation range
        ("9.9.9.9", True),
        ("2620:fe::fe", True),
    ],
)
def test_which_addresses_are_public(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_a_private_address_is_not_connected_to() -> None:
    with endpoint(lambda received: (200, b"")) as server:
        with pytest.raises(PrivateAddress, match=r"127\.0\.0\.1 is not a public address"):
            send("GET", server.url, timeout=2, allow_private=False)
        with pytest.raises(PrivateAddress):
            check_public(server.url.replace("127.0.0.1", "localhost"))
        assert server.received == []
        assert send("GET", server.url, timeout=2, allow_private=True).status == 200


def test_a_redirect_is_the_answer_and_not_followed() -> None:
    def redirect(received: Received) -> tuple[int, bytes]:
        return (302, b"") if received.target == "/from" else (200, b"followed")  # /elsewhere

    with endpoint(redirect) as server:
        reply = send("GET", server.url + "from", timeout=2, allow_private=True, read=100)
        assert (reply.status, reply.ok) == (302, False)
        assert [received.target for received in server.received] == ["/from"]


def test_no_answer_is_unreachable() -> None:
    with endpoint(lambda received: (200, b"")) as server:
        url = server.url
    with pytest.raises(Unreachable):
        send("POST", url, body=b"x", timeout=2, allow_private=True)


def test_the_body_read_is_bounded() -> None:
    with endpoint(lambda received: (200, b"x" * 10_000)) as server:
        assert send("GET", server.url, timeout=2, allow_private=True, read=10).body == b"x" * 10
