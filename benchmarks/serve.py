"""Serve benchmark: `feeds serve` against a bare Flask app under wrk, then reload latency.

    python benchmarks/serve.py [--n 10000] [--duration 10] [--rounds 3] [--reloads 5]

Everything listens on 127.0.0.1 only, every loop is bounded in time, and the servers are
stopped (their process groups) whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import corpus
from build import NOISE, WORK, feeds_source, header, render

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
FEED = "/feeds/all.atom.xml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def get(
    port: int, path: str = FEED, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, dict[str, str], bytes]:
    """One request on a new connection: (status, headers, body)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@contextmanager
def server(
    command: list[str], log: Path, port: int, ready_timeout: float, env: dict[str, str]
) -> Iterator[int]:
    """Run a server in its own process group until the block ends; wait until it answers.

    Yields the process group's id.
    """
    with log.open("wb") as handle:
        process = subprocess.Popen(
            command,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **env},
            cwd=WORK,  # not the repo: `python -m` puts the cwd first on sys.path (see --rev)
        )
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if process.poll() is not None:
                raise SystemExit(f"server exited ({process.returncode}); see {log}")
            try:
                if get(port, timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"server not ready after {ready_timeout:.0f} s; see {log}")
            time.sleep(0.2)
        yield process.pid
    finally:
        _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group (master and workers), SIGKILL if it lingers."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(10)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_for_workers(log: Path, workers: int, timeout: float) -> bool:
    """Each feeds worker logs 'generation 1:' once its site is rendered; False on timeout."""
    deadline = time.monotonic() + timeout
    while log.read_bytes().count(b"generation 1:") < workers:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def group_cpu(group: int) -> float:
    """CPU seconds (user and system) used so far by the processes of a process group."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process has gone
            continue
        if int(fields[2]) == group:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Wrk:
    rps: float
    p99_ms: float
    errors: int
    cpu_us: float  # the server's CPU time per request: less noisy than rps on a busy machine


def wrk(port: int, group: int, args: argparse.Namespace, extra: list[str]) -> Wrk:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "--timeout", "5s", *extra, f"http://{HOST}:{port}{FEED}"]
    cpu = group_cpu(group)
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 60, check=True
    ).stdout
    cpu = group_cpu(group) - cpu
    requests = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if not rps or not p99 or not requests:
        raise SystemExit(f"cannot read wrk's output:\n{out}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = int(bad.group(1)) if bad else 0
    errors += sum(map(int, sockets.groups())) if sockets else 0
    cpu_us = cpu / max(int(requests.group(1)), 1) * 1e6
    return Wrk(float(rps.group(1)), float(p99.group(1)) * scale, errors, cpu_us)


# Written by gunicorn or werkzeug for any response, not by the app.
GENERATED = {"Date", "Server", "Connection", "Content-Length", "Keep-Alive", "Transfer-Encoding"}


def same_answers(feeds_port: int, bare_port: int, body: bytes, etag: str) -> None:
    """Both servers give the same status, headers (but Date) and bytes, for 200 and for 304."""
    for conditional, expected in (({}, (200, body)), ({"If-None-Match": etag}, (304, b""))):
        feeds, bare = (get(port, headers=conditional) for port in (feeds_port, bare_port))
        for _, headers, _ in (feeds, bare):
            headers.pop("Date", None)
        if feeds != bare:
            same = "same" if feeds[2] == bare[2] else "different"
            raise SystemExit(f"bare app, {conditional}: {bare[:2]}, not {feeds[:2]} ({same} bytes)")
        if (feeds[0], feeds[2]) != expected:
            raise SystemExit(f"feeds answers {conditional} with {feeds[0]} {feeds[1]}")


def throughput(feeds: tuple[int, int], args: argparse.Namespace, log_dir: Path) -> list[str]:
    """wrk against feeds and the bare app, alternating; `feeds` is (port, process group)."""
    feeds_port = feeds[0]
    _, headers, body = get(feeds_port)
    etag = headers["ETag"]
    (log_dir / "all.atom.xml").write_bytes(body)
    port = free_port()
    bare = [sys.executable, str(HERE / "bare_app.py"), "--body", str(log_dir / "all.atom.xml")]
    for name, value in headers.items():
        bare += [] if name in GENERATED else ["--header", f"{name}: {value}"]
    bare += ["--port", str(port), "--workers", str(args.workers)]
    results: dict[tuple[str, str], list[Wrk]] = {}
    with server(bare, log_dir / "bare-server.log", port, 60, {}) as group:
        same_answers(feeds_port, port, body, etag)
        for round_ in range(args.rounds):
            print(f"wrk round {round_ + 1}/{args.rounds}", file=sys.stderr)
            for case, extra in (("200", []), ("304", ["-H", f"If-None-Match: {etag}"])):
                for name, target in (("feeds", feeds), ("bare", (port, group))):
                    results.setdefault((name, case), []).append(wrk(*target, args, extra))
    head = ["server", "response", "rps median", "rps min", "rps max", "p99 ms", "errors"]
    rows = [[*head, "CPU us/req", "feeds/bare"]]
    paired = []
    for case in ("200", "304"):
        bare_rps = statistics.median(r.rps for r in results["bare", case])
        for name in ("feeds", "bare"):
            runs = results[name, case]
            rps = [r.rps for r in runs]
            rows.append(
                [
                    name,
                    f"{case} ({len(body) if case == '200' else 0:,} B)",
                    f"{statistics.median(rps):,.0f}",
                    f"{min(rps):,.0f}",
                    f"{max(rps):,.0f}",
                    f"{statistics.median(r.p99_ms for r in runs):.1f}",
                    f"{sum(r.errors for r in runs)}",
                    f"{statistics.median(r.cpu_us for r in runs):,.0f}",
                    f"{statistics.median(rps) / bare_rps:.2f}",
                ]
            )
        rounds = zip(results["feeds", case], results["bare", case], strict=True)
        paired.append(f"{case}: " + " ".join(f"{f.rps / b.rps:.2f}" for f, b in rounds))
    note = (
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.rounds} rounds "
        f"alternating feeds/bare;\nboth under gunicorn gthread, {args.workers} workers x 8 "
        "threads, on the same 2 cores as wrk. feeds/bare: ratio of the medians;\n"
        f"round by round: {'; '.join(paired)}.\n"
        "CPU us/req: the server's processes' CPU time (user+system) over its requests."
    )
    return [*render(rows), note]


class Load:
    """A light request loop in threads (a new connection each time) counting errors."""

    def __init__(self, port: int, threads: int = 2, pause: float = 0.05) -> None:
        self.port, self.pause = port, pause
        self.stop = threading.Event()
        self.requests = self.errors = 0
        self.slowest = 0.0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def run(self) -> None:
        deadline = time.monotonic() + 3600
        while not self.stop.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                ok = get(self.port)[0] == 200
            except OSError:
                ok = False
            took = time.perf_counter() - started
            with self.lock:
                self.requests += 1
                self.errors += not ok
                self.slowest = max(self.slowest, took)
            self.stop.wait(self.pause)

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(15)


def reload_latency(port: int, article: Path, args: argparse.Namespace) -> list[str]:
    """Retitle one article; time until the new title is in the feed (first, then steadily)."""
    original = article.read_text("utf-8")
    old_title = next(line for line in original.splitlines() if line.startswith("title: "))
    first: list[float] = []
    steady: list[float] = []
    try:
        with Load(port) as load:
            for attempt in range(args.reloads):
                print(f"reload {attempt + 1}/{args.reloads}", file=sys.stderr)
                title = f"Reload probe {attempt} {time.time_ns()}"
                temporary = article.with_name(f".{article.name}.tmp")
                temporary.write_text(original.replace(old_title, f'title: "{title}"', 1), "utf-8")
                changed = time.perf_counter()
                temporary.replace(article)
                seen = _until_seen(port, title.encode(), changed, args.reload_timeout)
                first.append(seen[0])
                steady.append(seen[1])
                time.sleep(1.5)
    finally:
        article.write_text(original, "utf-8")
    rows = [
        ["N", "reloads", "first seen median s", "min s", "max s", "steady median s", "max s"],
        [
            f"{args.n:,}",
            f"{len(first)}",
            f"{statistics.median(first):.2f}",
            f"{min(first):.2f}",
            f"{max(first):.2f}",
            f"{statistics.median(steady):.2f}",
            f"{max(steady):.2f}",
        ],
    ]
    return [
        *render(rows),
        f"meanwhile {load.requests:,} requests by 2 threads (new connection each, 50 ms pause):\n"
        f"{load.errors} errors (non-200 or failed), slowest {load.slowest:.2f} s.",
        "first seen: a response carries the new title; steady: 6 polls in a row (50 ms apart,\n"
        "new connections, so both workers) carry it. inf = not within --reload-timeout.",
    ]


def _until_seen(port: int, needle: bytes, since: float, timeout: float) -> tuple[float, float]:
    first = streak_start = float("inf")
    streak = 0
    while time.perf_counter() - since < timeout:
        now = time.perf_counter()
        try:
            hit = needle in get(port)[2]
        except OSError:
            hit = False
        if hit:
            first = min(first, now - since)
            streak_start = streak_start if streak else now - since
            streak += 1
            if streak >= 6:
                return first, streak_start
        else:
            streak = 0
        time.sleep(0.05)
    return first, float("inf")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10000, help="articles (default 10000)")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per case (default 3)")
    parser.add_argument("--reloads", type=int, default=5, help="reload probes (default 5)")
    parser.add_argument("--reload-timeout", type=float, default=120.0)
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--skip", action="append", default=[], choices=["wrk", "reload"])
    parser.add_argument("--rev", help="run feeds from this git revision (default: work tree)")
    args = parser.parse_args()
    feeds_env, label = feeds_source(args.rev)
    if "wrk" not in args.skip and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH: apt-get install -y wrk (or --skip wrk)")
    source = WORK / f"corpus-n{args.n}-k{args.topics}-s{args.seed}"
    meta = corpus.ensure(source, args.n, args.topics, args.seed)
    site = WORK / f"serve-n{args.n}"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(source / "feeds", site / "feeds")  # the copy is edited, not the corpus
    port = free_port()
    command = [sys.executable, "-m", "feeds", "serve", "--config", str(site / "feeds/config.toml")]
    command += ["--host", HOST, "--port", str(port), "--workers", str(args.workers)]
    lines = [*header(label), f"feeds serve --workers {args.workers}, N={args.n:,} articles"]
    log = site / "feeds-server.log"
    started = time.perf_counter()
    with server(command, log, port, args.ready_timeout, feeds_env) as group:
        if wait_for_workers(log, args.workers, min(args.ready_timeout, 300)):
            lines.append(
                f"startup until every worker serves: {time.perf_counter() - started:.1f} s"
            )
        else:
            lines.append("startup: no 'generation 1:' line from every worker in the log; went on")
        if "wrk" not in args.skip:
            lines += throughput((port, group), args, site)
        if "reload" not in args.skip:
            article = site / "feeds/articles" / f"{meta['newest']}.md"
            lines += reload_latency(port, article, args)
    print("\n".join(lines))
    print(f"logs: {site}/*.log; {NOISE}")


if __name__ == "__main__":
    main()
