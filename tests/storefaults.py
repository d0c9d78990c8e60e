"""A store that misbehaves, for the deploy tests: a thin HTTP proxy on 127.0.0.1 in front of
moto's S3 server that forwards each request, or answers 503 SlowDown, or never answers.

`Store.behaviour(method, path)` decides for each request; the tests set it. Nothing here
talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FORWARD, THROTTLE, HANG = "forward", "throttle", "hang"
Behaviour = Callable[[str, str], str]

SLOW_DOWN = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
    b"<RequestId>storefaults</RequestId></Error>"
)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "proxy-connection", "upgrade"}


class Store:
    """The proxy's state: what it does with the next request, and what it did."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.behaviour: Behaviour = lambda method, path: FORWARD
        self.seen: list[tuple[str, str, str]] = []  # (method, path, what was done)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.endpoint = ""

    def decide(self, method: str, path: str) -> str:
        with self.lock:
            what = self.behaviour(method, path)
            self.seen.append((method, path, what))
            return what

    def count(self, what: str, method: str = "PUT") -> int:
        with self.lock:
            return sum(1 for seen in self.seen if seen[0] == method and seen[2] == what)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # no line per request
        return

    def _answer(self) -> None:
        store = self.server.store
        what = store.decide(self.command, self.path)
        if what == HANG:  # the connection is open and nothing ever comes back
            store.closing.wait()
            self.close_connection = True
            return
        body = self._body()
        if what == THROTTLE:
            self._reply(503, {"Content-Type": "application/xml"}, SLOW_DOWN)
            return
        upstream = http.client.HTTPConnection(*store.upstream, timeout=30)
        try:
            headers = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length"
            }
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            data = response.read()
            kept = {
                name: value
                for name, value in response.getheaders()
                if name.lower() not in _HOP_BY_HOP and name.lower() != "content-length"
            }
            self._reply(response.status, kept, data)
        finally:
            upstream.close()

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in {b"\r\n", b"\n", b""}:  # trailers
                pass
            return b"".join(chunks)
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    store: Store


@contextmanager
def store_in_front_of(upstream: str) -> Iterator[Store]:
    """A proxy on 127.0.0.1 and a free port, forwarding to `upstream` until told otherwise."""
    store = Store(upstream)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.store = store
    store.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield store
    finally:
        store.closing.set()
        server.shutdown()
        server.server_close()


def throttled_for(seconds: float, after: int) -> Behaviour:
    """Uploads pass until `after` have, then every upload is refused with 503 SlowDown for
    `seconds` from the first refusal, as a store under load does; then all pass again."""
    passed = 0
    refusing_since: float | None = None

    def behaviour(method: str, path: str) -> str:
        nonlocal passed, refusing_since
        if method != "PUT":
            return FORWARD
        if passed < after:
            passed += 1
            return FORWARD
        now = time.monotonic()
        if refusing_since is None:
            refusing_since = now
        return THROTTLE if now - refusing_since < seconds else FORWARD

    return behaviour


def hangs_after(uploads: int) -> Behaviour:
    """The listing and `uploads` uploads are answered; then the store answers nothing."""
    passed = 0

    def behaviour(method: str, path: str) -> str:
        nonlocal passed
        if method != "PUT":
            return FORWARD
        passed += 1
        return FORWARD if passed <= uploads else HANG

    return behaviour
