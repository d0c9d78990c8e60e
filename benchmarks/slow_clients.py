"""Slow-client probe: are normal requests still answered while slow clients hold connections?

    feeds serve --config site/config.toml --port 8000 &        # the server under test
    python benchmarks/slow_clients.py --port 8000 [--slow 16 --slow 50] [--hold 30]

Against a `feeds serve` already running on 127.0.0.1 (nothing else is ever contacted), for
each count N of `--slow`, and for each kind of slow client:

- `trickle`: sends a request line, then its headers one byte a second, never finishing;
- `stall`: sends a request line and part of its headers, then nothing;
- `reconnect`: trickles like the first, and opens a new connection as soon as the server
  closes one (a client that keeps trying, as an attack tool does).

it opens N such connections, and 2 s later, for `--hold` seconds, a normal client fetches
`--path` on a new connection every `--every` seconds (each with a 5 s timeout). The table
gives, per case, the normal requests answered out of those tried, their median and slowest
answer, and how long the server let the slow connections hang on (median and longest, from
open to the server closing them; "open": still open at the end). Everything is bounded: 500
slow connections and 120 s per case; every socket is closed at the end of its case.
"""

from __future__ import annotations

import argparse
import http.client
import selectors
import socket
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field

HOST = "127.0.0.1"
KINDS = ("trickle", "stall", "reconnect")
MAX_SLOW, MAX_HOLD = 500, 120.0
REQUEST_TIMEOUT = 5.0
SETTLE = 2.0  # seconds between opening the slow connections and the first normal request
HEAD = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
TRICKLE = b"X-Slow-Probe: " + b"a" * 4000  # a byte a second: longer than any --hold


@dataclass
class Normal:
    """What the normal client saw: the time of each answer, and how many got none."""

    answered: list[float] = field(default_factory=list)
    failed: int = 0


@dataclass
class Slow:
    """One slow connection: when it opened, how much it sent, and when the server closed it."""

    sock: socket.socket
    opened: float
    sent: int = 0
    closed: float | None = None


def normal_client(port: int, path: str, every: float, until: float, seen: Normal) -> None:
    """A request on a new connection every `every` seconds, until `until`."""
    while (start := time.monotonic()) < until:
        connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except OSError:
            ok = False
        finally:
            connection.close()
        if ok:
            seen.answered.append(time.monotonic() - start)
        else:
            seen.failed += 1
        time.sleep(max(0.0, every - (time.monotonic() - start)))


def open_slow(port: int, kind: str) -> Slow:
    sock = socket.create_connection((HOST, port), timeout=REQUEST_TIMEOUT)
    sock.sendall(HEAD if kind != "stall" else HEAD + b"X-Slow-Probe: stalled")
    sock.setblocking(False)
    return Slow(sock, time.monotonic())


def hold_slow(port: int, kind: str, count: int, until: float) -> list[Slow]:
    """Open `count` slow connections and keep them up (trickling a byte a second) until
    `until`; with "reconnect", replace each one the server closes. Returns every one opened."""
    selector = selectors.DefaultSelector()
    every: list[Slow] = []
    live: dict[socket.socket, Slow] = {}

    def add() -> None:
        try:
            slow = open_slow(port, kind)
        except OSError:
            return
        every.append(slow)
        live[slow.sock] = slow
        selector.register(slow.sock, selectors.EVENT_READ)

    def drop(slow: Slow) -> None:
        slow.closed = time.monotonic()
        selector.unregister(slow.sock)
        del live[slow.sock]
        slow.sock.close()
        if kind == "reconnect":
            add()

    for _ in range(count):
        add()
    next_byte = time.monotonic() + 1
    try:
        while (now := time.monotonic()) < until:
            for key, _ in selector.select(timeout=max(0.0, min(next_byte, until) - now)):
                slow = live[key.fileobj]  # type: ignore[index]
                try:
                    data = slow.sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:  # the server closed it (a 4xx answer before that is read away)
                    drop(slow)
            if kind != "stall" and time.monotonic() >= next_byte:
                next_byte += 1
                for slow in list(live.values()):
                    try:
                        slow.sock.send(TRICKLE[slow.sent : slow.sent + 1])
                        slow.sent += 1
                    except OSError:
                        drop(slow)
    finally:
        for slow in live.values():
            slow.sock.close()
        selector.close()
    return every


def run_case(port: int, path: str, kind: str, count: int, hold: float, every: float) -> str:
    """The slow connections first; SETTLE seconds later the normal client, for `hold` s."""
    seen = Normal()
    start = time.monotonic()
    until = start + SETTLE + hold
    slows: list[Slow] = []
    holder = threading.Thread(target=lambda: slows.extend(hold_slow(port, kind, count, until)))
    holder.start()
    time.sleep(SETTLE)
    normal_client(port, path, every, until, seen)
    holder.join()
    tried = len(seen.answered) + seen.failed
    answers = sorted(seen.answered)
    median = f"{statistics.median(answers) * 1000:.0f} ms" if answers else "-"
    slowest = f"{answers[-1] * 1000:.0f} ms" if answers else "-"
    held = sorted((slow.closed or until) - slow.opened for slow in slows)
    still_open = sum(slow.closed is None for slow in slows)
    held_median = f"{statistics.median(held):.1f} s" if held else "-"
    longest = f"{held[-1]:.1f} s" if held else "-"
    if still_open:
        longest += f" ({still_open} open)"
    return (
        f"| {kind} | {count} | {len(slows)} | {len(seen.answered)}/{tried} | {median} "
        f"| {slowest} | {held_median} | {longest} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True, help="of feeds serve on 127.0.0.1")
    parser.add_argument("--path", default="/feeds/all.atom.xml")
    parser.add_argument("--slow", type=int, action="append", help="slow connections (16, 50)")
    parser.add_argument("--kind", action="append", choices=KINDS, help="default: all three")
    parser.add_argument("--hold", type=float, default=30.0, help="seconds per case")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between requests")
    args = parser.parse_args()
    counts = args.slow or [16, 50]
    if any(not 0 < count <= MAX_SLOW for count in counts) or not 0 < args.hold <= MAX_HOLD:
        parser.error(f"--slow is 1 to {MAX_SLOW}, --hold at most {MAX_HOLD:.0f} s")
    print(
        "| slow clients | N | connections opened | normal answered | median | slowest "
        "| slow held (median) | longest |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for count in counts:
        for kind in args.kind or KINDS:
            print(f"{kind} x {count} for {args.hold:.0f} s …", file=sys.stderr)
            print(run_case(args.port, args.path, kind, count, args.hold, args.every), flush=True)
            time.sleep(2)  # let the server close what is left before the next case
    return 0


if __name__ == "__main__":
    sys.exit(main())
