"""Slow clients against a real `feeds serve` (one gunicorn worker of 8 threads) on 127.0.0.1.

Connections that send part of a request head and stall hold no thread: a normal request is
answered meanwhile, and the server closes them once the head timeout is past. How many and
how fast is measured by benchmarks/slow_clients.py, not here: the only bound below is a
generous one on how long a stalled connection may stay open.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from feeds.worker import HEAD_TIMEOUT, MAX_HEAD
from tests.conftest import Site
from tests.serverfixtures import HOST, Server, article, feed_titles, fetch, utc_now

THREADS = 8  # of the one worker: feeds.server.serve's default
FEED = "/feeds/all.atom.xml"
PARTIAL = b"GET " + FEED.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: sl"
CLOSED_WITHIN = 6 * HEAD_TIMEOUT  # generous: the server closes them after HEAD_TIMEOUT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = Site(tmp_path_factory.mktemp("slow"))
    site.write("tide.md", article("Spring tide floods the quay", utc_now() - timedelta(hours=2)))
    process = Server(site.root / "config.toml", workers=1)
    yield process
    assert process.stop() == 0, process.log()
    assert "Traceback" not in process.log()


def stalled(port: int, head: bytes = PARTIAL) -> socket.socket:
    """A connection that sent `head` (not a whole request head) and sends nothing more."""
    sock = socket.create_connection((HOST, port), timeout=CLOSED_WITHIN)
    sock.sendall(head)
    return sock


def closed_by_server(sock: socket.socket) -> bytes:
    """Everything the server sent until it closed the connection (fails on the timeout)."""
    received = b""
    with sock:
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_stalled_heads_hold_no_thread_and_are_closed(server: Server) -> None:
    slow = [stalled(server.port) for _ in range(2 * THREADS)]
    # More stalled connections than threads, and a normal request is answered in full.
    reply = fetch(server.port, FEED)
    assert reply.status == 200
    assert feed_titles(FEED, reply.body) == ["Spring tide floods the quay"]
    for sock in slow:
        assert closed_by_server(sock) == b""  # closed, not answered
    assert f"no request head in {HEAD_TIMEOUT:.0f} s; closed" in server.log()


def test_a_kept_alive_connection_that_stalls_on_its_next_head_is_closed(server: Server) -> None:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=CLOSED_WITHIN)
    connection.request("GET", FEED)
    response = connection.getresponse()
    assert response.status == 200
    assert feed_titles(FEED, response.read()) == ["Spring tide floods the quay"]
    assert response.getheader("Connection") != "close"
    sock = connection.sock
    assert sock is not None
    sock.sendall(PARTIAL)
    held = [stalled(server.port) for _ in range(THREADS)]
    assert fetch(server.port, "/healthz").status == 200
    assert closed_by_server(sock) == b""
    for other in held:
        closed_by_server(other)


def test_a_head_sent_in_pieces_is_answered(server: Server) -> None:
    # Cut inside the blank line that ends the head: the end of the head spans two reads.
    head = b"GET " + FEED.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r"
    with socket.create_connection((HOST, server.port), timeout=CLOSED_WITHIN) as sock:
        for piece in (head[:5], head[5:], b"\n"):
            sock.sendall(piece)
        reply = closed_by_server(sock)
    status, _, body = reply.partition(b"\r\n\r\n")
    assert status.startswith(b"HTTP/1.1 200 OK\r\n")
    assert feed_titles(FEED, body) == ["Spring tide floods the quay"]


def test_an_endless_head_is_refused(server: Server) -> None:
    head = PARTIAL + b"x" * MAX_HEAD
    sock = stalled(server.port, head)
    assert closed_by_server(sock).startswith(b"HTTP/1.1 431 Request Header Fields Too Large\r\n")
    assert fetch(server.port, FEED).status == 200


def test_each_request_of_a_kept_alive_connection_is_answered(server: Server) -> None:
    # A kept-alive connection's next head has come when the worker looks: it is read at once.
    connection = http.client.HTTPConnection(HOST, server.port, timeout=CLOSED_WITHIN)
    etags = set()
    for _ in range(5):
        connection.request("GET", FEED)
        response = connection.getresponse()
        assert response.status == 200
        assert feed_titles(FEED, response.read()) == ["Spring tide floods the quay"]
        etags.add(response.getheader("ETag"))
    connection.request("GET", FEED, headers={"If-None-Match": etags.pop()})
    response = connection.getresponse()
    assert (response.status, response.read()) == (304, b"")
    assert not etags  # one file, one ETag, on every request
    connection.close()
