"""Helpers for the server tests: small articles, a fake clock, HTTP on 127.0.0.1, `feeds serve`."""

from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, TypeVar

import feedparser

HOST = "127.0.0.1"
T = TypeVar("T")


def article(title: str, date: datetime | str, *, extra: str = "", body: str = "") -> str:
    """A Markdown article; `date` is written as ISO 8601 with its offset, unquoted;
    `extra` holds more front-matter lines."""
    written = date.isoformat(timespec="seconds") if isinstance(date, datetime) else date
    lines = ["---", f"title: {title}", f"date: {written}"]
    if extra:
        lines.append(extra.strip())
    lines += ["---", body or f"Lead paragraph of {title}.", ""]
    return "\n".join(lines)


class FakeClock:
    """A clock the test moves by hand: no sleeping, no real time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def parse_feed(body: bytes) -> Any:
    """feedparser's reading of an Atom or RSS body."""
    return feedparser.parse(body)


def feed_titles(path: str, body: bytes) -> list[str]:
    """Entry titles of a valid feed; fails if it does not parse. feedparser 6.0 has no JSON
    Feed support, so JSON Feeds are checked for the JSON Feed 1.1 shape instead."""
    if path.endswith(".json"):
        feed = json.loads(body)
        assert feed["version"] == "https://jsonfeed.org/version/1.1"
        assert all(item["id"] and item["url"] for item in feed["items"])
        return [item["title"] for item in feed["items"]]
    parsed = parse_feed(body)
    assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
    assert parsed.version in {"atom10", "rss20"}
    return [entry.title for entry in parsed.entries]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(
    port: int, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Reply:
    """One request on a fresh connection to 127.0.0.1 (so either worker may answer)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        body = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, body)
    finally:
        connection.close()


def raw_request(port: int, target: bytes) -> bytes:
    """Send a request line exactly as given (no client normalisation); the whole reply."""
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def wait_for(check: Callable[[], T], timeout: float, interval: float = 0.05) -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still {value!r} after {timeout} s")
        time.sleep(interval)


class Server:
    """`python -m feeds serve` on a free port of 127.0.0.1 (with `dev`, `--dev`: Flask's
    server); output goes to a log file."""

    def __init__(self, config: Path, workers: int = 1, *, dev: bool = False) -> None:
        self.port = free_port()
        self.log_path = config.parent / f"serve-{self.port}.log"
        self._log: IO[bytes] = self.log_path.open("wb")
        command = [sys.executable, "-m", "feeds", "serve", "--config", str(config)]
        command += ["--host", HOST, "--port", str(self.port), "--workers", str(workers)]
        command += ["--dev"] if dev else []
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, cwd=config.parent
        )
        try:
            wait_for(self._healthy, timeout=20, interval=0.05)
        except BaseException:
            self.stop()
            raise

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"feeds serve exited {self.process.returncode}:\n{self.log()}")
        try:
            return fetch(self.port, "/healthz").status == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def send(self, number: signal.Signals) -> None:
        self.process.send_signal(number)

    def stop(self, timeout: float = 10) -> int:
        """SIGTERM, wait, then SIGKILL if need be; the exit status."""
        try:
            if self.process.poll() is None:
                self.process.terminate()
            try:
                return self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                return self.process.wait()
        finally:
            self._log.close()


def utc_now() -> datetime:
    return datetime.now(UTC)
