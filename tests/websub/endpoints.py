"""Small HTTP servers on 127.0.0.1 that the tests run as hubs and subscribers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the server saw it."""

    method: str
    target: str  # path and query
    headers: dict[str, str]
    body: bytes

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.target).query).items()}

    @property
    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode())


Answer = Callable[[Received], tuple[int, bytes]]


class Endpoint:
    """A threading HTTP server: every request is recorded, then answered by `answer` (a
    redirect to /elsewhere for a 3xx status)."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.received: list[Received] = []
        self.released = threading.Event()  # set on close: handlers waiting on it return
        self._arrived = threading.Condition()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                with endpoint._arrived:
                    endpoint.received.append(received)
                    endpoint._arrived.notify_all()
                status, body = endpoint.answer(received)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", "/elsewhere")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = handle_one

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def wait_for(self, count: int, timeout: float = 20.0) -> list[Received]:
        """The first `count` requests, once they have arrived (fails after `timeout`)."""
        with self._arrived:
            arrived = self._arrived.wait_for(lambda: len(self.received) >= count, timeout)
        assert arrived, f"{len(self.received)} requests arrived, expected {count}"
        return self.received[:count]

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def endpoint(answer: Answer) -> Iterator[Endpoint]:
    running = Endpoint(answer)
    try:
        yield running
    finally:
        running.close()


@dataclass
class Subscriber:
    """A callback: echoes the challenge (or not) and answers deliveries with `statuses`."""

    echo: bool = True
    statuses: list[int] = field(default_factory=list)  # then 204 for every later one
    hold: threading.Event | None = None  # a delivery waits for it before answering
    server: Endpoint = field(init=False)

    def answer(self, received: Received) -> tuple[int, bytes]:
        if received.method == "GET":
            challenge = received.query["hub.challenge"]
            return 200, (challenge if self.echo else challenge[::-1]).encode()
        if self.hold is not None:
            self.hold.wait(10)
        return (self.statuses.pop(0) if self.statuses else 204), b""

    @property
    def deliveries(self) -> list[Received]:
        return [received for received in self.server.received if received.method == "POST"]

    @property
    def verifications(self) -> list[Received]:
        return [received for received in self.server.received if received.method == "GET"]
