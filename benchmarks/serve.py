"""Serve benchmark: `feeds serve` with 1, 2 and 4 workers: memory, reloads, requests per second.

    python benchmarks/serve.py [--n 10000] [--workers 1 --workers 2 --workers 4] [--edits 100]

For each worker count: every process's RSS after start and after the edits, the time until
each edit is visible under load and the builds it caused, then wrk against feeds and a bare
Flask app with the same gunicorn settings and access log.

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
from dataclasses import dataclass, field
from pathlib import Path

import corpus
from build import NOISE, WORK, feeds_source, group_members, header, render, rss_mb

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
FEED = "/feeds/all.atom.xml"
# What the server logs once per build (per worker's render in feeds before the one builder).
BUILD_LINE = r"built: \d+ articles|generation \d+:"
# A cold start: no entry cache and no output, whatever an earlier build left in the corpus
# (a start that finds its files already written logs no build line to wait for).
COLD = shutil.ignore_patterns(".feeds-cache", "public")


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
            env=child_env(env),
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


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The servers' environment: bytecode caching on, as in a user's install."""
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


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


def builds(log: Path, pattern: re.Pattern[bytes]) -> int:
    """How many build lines the server has logged so far."""
    return len(pattern.findall(log.read_bytes()))


def settle(log: Path, pattern: re.Pattern[bytes], at_least: int, timeout: float) -> bool:
    """Wait until `at_least` build lines are logged and none came for 2 s; False on timeout."""
    deadline = time.monotonic() + timeout
    count, since = builds(log, pattern), time.monotonic()
    while count < at_least or time.monotonic() - since < 2:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
        now = builds(log, pattern)
        if now != count:
            count, since = now, time.monotonic()
    return True


@dataclass(frozen=True, slots=True)
class Process:
    pid: int
    role: str
    rss_mb: float
    peak_mb: float  # VmHWM: the most it ever had resident


def _module(cmdline: bytes) -> str:
    """What a helper process runs: `python -m X` or `python -c 'from X import ...'`."""
    found = re.search(rb"(?:-m |from )([\w.]+)", cmdline)
    return found.group(1).decode() if found else cmdline[:40].decode("utf-8", "replace")


def processes(group: int, log: Path, pattern: re.Pattern[bytes]) -> list[Process]:
    """The live processes of the server's process group with their VmRSS and role.

    Roles from the server's log, whatever the process titles: gunicorn logs its arbiter's
    pid ("Listening at: ... (pid)") and each worker's ("Booting worker with pid: N"), and
    every log line starts with its process's pid, so the builder is the process that logs
    the build lines. The group's leader is the supervisor unless it has another role.
    """
    text = log.read_bytes()
    workers = {int(pid) for pid in re.findall(rb"Booting worker with pid: (\d+)", text)}
    arbiter = {int(pid) for pid in re.findall(rb"Listening at: \S+ \((\d+)\)", text)}
    line = rb"^\[(\d+)\] .*(?:" + pattern.pattern + rb")"
    builders = {int(match.group(1)) for match in re.finditer(line, text, re.MULTILINE)}
    found = []
    for proc, _ in group_members(group):
        pid = int(proc.name)
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:  # the process has gone
            continue
        if pid in workers:
            role = "worker"
        elif pid in arbiter:
            role = "arbiter"
        elif pid in builders:
            role = "builder"
        else:
            role = "supervisor" if pid == group else f"other {_module(cmdline)}"
        if pid == group and role != "supervisor":
            role = f"{role} (leader)"
        found.append(Process(pid, role, rss_mb(proc), rss_mb(proc, "VmHWM")))
    return sorted(found, key=lambda p: (p.role, p.pid))


def group_cpu(group: int) -> tuple[float, float]:
    """CPU seconds used so far by the processes of a process group: user, system."""
    members = [fields for _, fields in group_members(group)]
    tick = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) for f in members) / tick, sum(int(f[12]) for f in members) / tick


@dataclass(frozen=True, slots=True)
class Wrk:
    rps: float
    p99_ms: float
    errors: int
    # the server's CPU time per request, user and system: less noisy than rps on a busy
    # machine, and the system part is the kernel's (sendfile, send)
    user_us: float
    system_us: float


def wrk(port: int, group: int, args: argparse.Namespace, extra: list[str]) -> Wrk:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "--timeout", "5s", *extra, f"http://{HOST}:{port}{FEED}"]
    before = group_cpu(group)
    out = subprocess.run(
        command, capture_output=True, text=True, timeout=args.duration + 60, check=True
    ).stdout
    after = group_cpu(group)
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
    per_request = 1e6 / max(int(requests.group(1)), 1)
    user, system = ((a - b) * per_request for a, b in zip(after, before, strict=True))
    return Wrk(float(rps.group(1)), float(p99.group(1)) * scale, errors, user, system)


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


# An access line in the format of feeds.server and bare_app.py, for GET of the feed.
ACCESS_LINE = re.compile(
    rb'^(?:<\d+> |\[\d+\] )?(\S+) "(GET '
    + re.escape(FEED.encode())
    + rb' HTTP/1.1)" (200) (\S+) \d+ms "(.*)"$',
    re.MULTILINE,
)


def same_access_log(feeds_log: Path, bare_log: Path) -> str:
    """Both servers log the feed's 200 alike (host, request, status, user agent); a note
    when the byte counts differ (gunicorn does not count the bytes it sends with sendfile)."""
    found = []
    for log in (feeds_log, bare_log):
        lines = ACCESS_LINE.findall(log.read_bytes())
        if not lines:
            raise SystemExit(f"{log}: no access line for GET {FEED} in the format of feeds")
        found.append(lines[-1])
    (*feeds, feeds_bytes, feeds_agent), (*bare, bare_bytes, bare_agent) = found
    if (feeds, feeds_agent) != (bare, bare_agent):
        raise SystemExit(f"access lines differ: feeds {found[0]!r}, bare {found[1]!r}")
    if feeds_bytes == bare_bytes:
        return ""
    return f"access log bytes of the 200: feeds {feeds_bytes.decode()}, bare {bare_bytes.decode()}"


def access_log_format(rev: str | None) -> str:
    """The access log format of the feeds being measured (the working tree or `rev`)."""
    env, _ = feeds_source(rev)
    code = "from feeds.server import ACCESS_LOG_FORMAT; print(ACCESS_LOG_FORMAT)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=child_env(env), cwd=WORK, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"cannot read feeds.server.ACCESS_LOG_FORMAT:\n{done.stderr}")
    return done.stdout.strip()


def throughput(
    feeds: tuple[int, int],
    workers: int,
    args: argparse.Namespace,
    log_dir: Path,
    notes: list[str],
) -> list[list[str]]:
    """wrk against feeds and the bare app, alternating; `feeds` is (port, process group).

    The bare app runs twice: sending the bytes from memory (the peer of the targets), and
    sending the file for each request as feeds does (what sendfile itself costs here). What
    the access logs of feeds and the bare app disagree on is added to `notes`."""
    feeds_port = feeds[0]
    _, headers, body = get(feeds_port)
    etag = headers["ETag"]
    (log_dir / "all.atom.xml").write_bytes(body)
    bare = [sys.executable, str(HERE / "bare_app.py"), "--body", str(log_dir / "all.atom.xml")]
    for name, value in headers.items():
        bare += [] if name in GENERATED else ["--header", f"{name}: {value}"]
    bare += ["--workers", str(workers), "--access-log-format", access_log_format(args.rev)]
    targets: dict[str, tuple[int, int]] = {"feeds": feeds}
    results: dict[tuple[str, str], list[Wrk]] = {}
    with contextlib.ExitStack() as servers:
        for name, extra in (("bare", []), ("bare sendfile", ["--sendfile"])):
            port, log = free_port(), log_dir / f"{name.replace(' ', '-')}-server.log"
            group = servers.enter_context(
                server([*bare, f"--port={port}", *extra], log, port, 60, {})
            )
            same_answers(feeds_port, port, body, etag)
            targets[name] = (port, group)
        time.sleep(0.5)  # gunicorn writes the access line after the response
        note = same_access_log(log_dir / "feeds-server.log", log_dir / "bare-server.log")
        if note:
            print(note, file=sys.stderr)
            notes.append(f"N={args.n:,}, {workers} workers: {note}")
        for round_ in range(args.rounds):
            print(f"wrk round {round_ + 1}/{args.rounds}", file=sys.stderr)
            for case, extra in (("200", []), ("304", ["-H", f"If-None-Match: {etag}"])):
                for name, target in targets.items():
                    results.setdefault((name, case), []).append(wrk(*target, args, extra))
    rows = []
    for case in ("200", "304"):
        bare_rps = statistics.median(r.rps for r in results["bare", case])
        rounds = zip(results["feeds", case], results["bare", case], strict=True)
        paired = " ".join(f"{f.rps / b.rps:.2f}" for f, b in rounds)
        for name in targets:
            runs = results[name, case]
            rps = [r.rps for r in runs]
            rows.append(
                [
                    f"{args.n:,}",
                    f"{workers}",
                    name,
                    f"{case} ({len(body) if case == '200' else 0:,} B)",
                    f"{statistics.median(rps):,.0f}",
                    f"{min(rps):,.0f}",
                    f"{max(rps):,.0f}",
                    f"{statistics.median(r.p99_ms for r in runs):.1f}",
                    f"{sum(r.errors for r in runs)}",
                    f"{statistics.median(r.user_us for r in runs):,.0f}",
                    f"{statistics.median(r.system_us for r in runs):,.0f}",
                    f"{statistics.median(rps) / bare_rps:.2f}",
                    paired if name == "feeds" else "",
                ]
            )
    return rows


def wrk_table(rows: list[list[str]], args: argparse.Namespace) -> list[str]:
    head = ["N", "workers", "server", "response", "rps median", "rps min", "rps max", "p99 ms"]
    head += ["errors", "user us/req", "sys us/req", "x bare", "feeds/bare by round"]
    return [
        *render([head, *rows]),
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.rounds} rounds "
        "alternating feeds, bare and bare sendfile, all under gunicorn gthread\n"
        "with the same workers x 8 threads and the same access log, on the same 2 cores as wrk.\n"
        "bare: the bytes from memory; bare sendfile: the file opened for each request and sent\n"
        "with sendfile, as feeds sends it. x bare: ratio of the medians to bare's; by round:\n"
        "of each round's feeds/bare pair.\n"
        "user, sys us/req: the server's processes' CPU time over its requests, in the\n"
        "process (user) and in the kernel (system: the socket, sendfile, the file's opening).",
    ]


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


@dataclass(slots=True)
class Edits:
    """What the edits measured: per edit, seconds until seen (first, steady) and builds."""

    first: list[float]
    steady: list[float]
    builds: list[int]
    total_builds: int = 0  # from the first save until the build lines stopped after the last
    requests: int = 0
    errors: int = 0
    slowest: float = 0.0


def edit_many(
    port: int, article: Path, log: Path, pattern: re.Pattern[bytes], args: argparse.Namespace
) -> Edits:
    """Retitle one article `--edits` times under load; per edit, time until the new title is
    in the feed (first, then steadily) and the build lines logged until the next edit."""
    original = article.read_text("utf-8")
    old_title = next(line for line in original.splitlines() if line.startswith("title: "))
    result = Edits([], [], [])
    start = builds(log, pattern)
    try:
        with Load(port) as load:
            for attempt in range(args.edits):
                if attempt % 10 == 0:
                    print(f"edit {attempt + 1}/{args.edits}", file=sys.stderr)
                title = f"Reload probe {attempt} {time.time_ns()}"
                temporary = article.with_name(f".{article.name}.tmp")
                temporary.write_text(original.replace(old_title, f'title: "{title}"', 1), "utf-8")
                before = builds(log, pattern)
                changed = time.perf_counter()
                temporary.replace(article)
                first, steady = _until_seen(port, title.encode(), changed, args.reload_timeout)
                result.first.append(first)
                result.steady.append(steady)
                time.sleep(args.pause)  # a late second build of the same change is counted
                result.builds.append(builds(log, pattern) - before)
        settle(log, pattern, 0, 60)
        result.total_builds = builds(log, pattern) - start
    finally:
        article.write_text(original, "utf-8")
    result.requests, result.errors, result.slowest = load.requests, load.errors, load.slowest
    return result


def edits_table(results: dict[tuple[int, int], Edits], args: argparse.Namespace) -> list[str]:
    head = ["N", "workers", "edits", "first seen median s", "min s", "max s", "steady median s"]
    rows = [[*head, "max s", "builds/edit", "most in a window", "requests", "errors"]]
    for (n, workers), edits in results.items():
        rows.append(
            [
                f"{n:,}",
                f"{workers}",
                f"{len(edits.first)}",
                f"{statistics.median(edits.first):.2f}",
                f"{min(edits.first):.2f}",
                f"{max(edits.first):.2f}",
                f"{statistics.median(edits.steady):.2f}",
                f"{max(edits.steady):.2f}",
                f"{edits.total_builds / len(edits.builds):.2f}",
                f"{max(edits.builds)}",
                f"{edits.requests:,}",
                f"{edits.errors}",
            ]
        )
    return [
        *render(rows),
        "Each edit retitles the newest article (a hidden temporary file renamed\n"
        "over it), while 2 threads request the feed (a new connection each, 50 ms pause;\n"
        "errors: non-200 or failed). first seen: a response carries the new title; steady: 6\n"
        "polls in a row (50 ms apart, new connections, so any worker) carry it; inf = not\n"
        "within --reload-timeout. builds/edit: build lines logged from the first save until\n"
        "they stopped after the last, over the edits; most in a window: the most logged from\n"
        f"one save until {args.pause} s after it was steady (a build's line can come after its\n"
        "files are served, so it may fall in the next edit's window).",
    ]


def others(found: list[Process]) -> str:
    """The helper processes' RSS, each with what it runs."""
    listed = [p for p in found if p.role.startswith("other")]
    return " ".join(f"{p.rss_mb:.0f} ({p.role.split()[1]})" for p in listed) or "-"


def rss_table(results: dict[tuple[int, int], dict[str, list[Process]]]) -> list[str]:
    head = ["N", "workers", "when", "builder MB", "builder peak MB", "arbiter MB"]
    rows = [[*head, "supervisor MB", "other MB", "each worker MB", "worker max MB", "total MB"]]
    for (n, workers), phases in results.items():
        for when, found in phases.items():

            def total(role: str, found: list[Process] = found) -> str:
                mb = [p.rss_mb for p in found if p.role.split()[0] == role]
                return f"{sum(mb):.0f}" if mb else "-"

            def peak(role: str, found: list[Process] = found) -> str:
                mb = [p.peak_mb for p in found if p.role.split()[0] == role]
                return f"{max(mb):.0f}" if mb else "-"

            each = [p.rss_mb for p in found if p.role == "worker"]
            rows.append(
                [
                    f"{n:,}",
                    f"{workers}",
                    when,
                    total("builder"),
                    peak("builder"),
                    total("arbiter"),
                    total("supervisor"),
                    others(found),
                    " ".join(f"{mb:.0f}" for mb in each),
                    f"{max(each):.0f}" if each else "-",
                    f"{sum(p.rss_mb for p in found):.0f}",
                ]
            )
    return [
        *render(rows),
        "VmRSS (and the builder's VmHWM, its peak) from /proc/<pid>/status of every process in\n"
        "the server's process group; roles from the server's log (see processes()). Pages\n"
        "shared by forked processes count in each of them.",
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


def run(workers: int, args: argparse.Namespace, site: Path, meta: dict[str, object]) -> Run:
    """One `feeds serve --workers N`: RSS after start, the edits, RSS after, then wrk."""
    feeds_env, _ = feeds_source(args.rev)
    port = free_port()
    command = [sys.executable, "-m", "feeds", "serve", "--config", str(site / "feeds/config.toml")]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    log = site / "feeds-server.log"
    pattern = re.compile(args.build_line.encode())
    result = Run(args.n, workers)
    print(f"feeds serve --workers {workers}", file=sys.stderr)
    started = time.perf_counter()
    with server(command, log, port, args.ready_timeout, feeds_env) as group:
        expected = workers if args.build_per_worker else 1
        if settle(log, pattern, expected, args.ready_timeout):
            result.startup = time.perf_counter() - started - 2  # less the quiet 2 s
        result.rss["after start"] = processes(group, log, pattern)
        if "reload" not in args.skip:
            article = site / "feeds/articles" / f"{meta['newest']}.md"
            result.edits = edit_many(port, article, log, pattern, args)
            settle(log, pattern, 0, 60)
            result.rss[f"after {args.edits} edits"] = processes(group, log, pattern)
        if "wrk" not in args.skip:
            result.wrk = throughput((port, group), workers, args, site, result.notes)
    return result


@dataclass(slots=True)
class Run:
    n: int
    workers: int
    startup: float = float("nan")
    rss: dict[str, list[Process]] = field(default_factory=dict)
    edits: Edits | None = None
    wrk: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable; 10000)")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workers", type=int, action="append", help="gunicorn workers (repeatable; 1, 2, 4)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per case (default 3)")
    parser.add_argument("--edits", type=int, default=100, help="timed edits (default 100)")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds after each edit")
    parser.add_argument("--build-line", default=BUILD_LINE, help="regex of the log's build line")
    parser.add_argument(
        "--build-per-worker",
        action="store_true",
        help="each worker builds (feeds before the one builder): wait for each at start",
    )
    parser.add_argument("--reload-timeout", type=float, default=120.0)
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    parser.add_argument("--skip", action="append", default=[], choices=["wrk", "reload"])
    parser.add_argument("--rev", help="run feeds from this git revision (default: work tree)")
    args = parser.parse_args()
    _, label = feeds_source(args.rev)
    if "wrk" not in args.skip and not shutil.which("wrk"):
        raise SystemExit("wrk is not on PATH: apt-get install -y wrk (or --skip wrk)")
    runs = []
    for n in args.n or [10000]:
        args.n = n  # what run() and throughput() label their rows with
        source = WORK / f"corpus-n{n}-k{args.topics}-s{args.seed}"
        meta = corpus.ensure(source, n, args.topics, args.seed)
        for workers in args.workers or [1, 2, 4]:
            site = WORK / f"serve-n{n}-w{workers}"
            shutil.rmtree(site, ignore_errors=True)
            # The copy is edited; without the entry cache build.py leaves, so a cold start.
            shutil.copytree(source / "feeds", site / "feeds", ignore=COLD)
            runs.append(run(workers, args, site, meta))
    lines = [*header(label), "feeds serve"]
    lines += [
        "startup (until the build lines stop): "
        + ", ".join(f"N={r.n:,} {r.workers} workers {r.startup:.1f} s" for r in runs),
        "",
        *rss_table({(r.n, r.workers): r.rss for r in runs}),
    ]
    edits = {(r.n, r.workers): r.edits for r in runs if r.edits}
    if edits:
        lines += ["", *edits_table(edits, args)]
    if any(r.wrk for r in runs):
        lines += ["", *wrk_table([row for r in runs for row in r.wrk], args)]
        lines += [note for r in runs for note in r.notes]
    print("\n".join(lines))
    print(f"logs: {WORK}/serve-n*-w*/*.log; {NOISE}")


if __name__ == "__main__":
    main()
