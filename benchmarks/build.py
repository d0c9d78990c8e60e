"""Build benchmark: `feeds build` against Hugo, a naive pipeline, Pelican and the floor.

    python benchmarks/build.py --n 1000 [--n 10000] [--runs 5] [--topics 20]

Each build runs as its own subprocess; wall time by perf_counter, peak RSS from the
child's own rusage (os.wait4). Ratios are taken between cases of the same run.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import corpus

try:
    import feeds  # noqa: F401
except ImportError:
    raise SystemExit("run with the project's venv: .venv/bin/python benchmarks/build.py") from None

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
PELICAN_VENV = WORK / "pelican-venv"
TRASH = WORK / "trash"  # outputs of earlier runs, deleted at the end (see _wipe)
NOISE = "NOTE: shared, noisy 2-core machine: compare ratios within one run, not across runs."


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    rss_mb: float  # the largest single process (rusage)
    group_mb: float  # the largest sum over the process group, sampled every 50 ms


@dataclass(slots=True)
class Case:
    tool: str
    scenario: str
    command: list[str]
    out: Path | None  # the output folder whose files are counted; None: writes nothing
    prepare: Callable[[int], None] = lambda run: None
    env: dict[str, str] | None = None
    cwd: Path = WORK  # not the repo: `python -m` puts the cwd first on sys.path (see --rev)
    n: int = 0
    samples: list[Sample] = field(default_factory=list)
    files: int = 0


def measure(case: Case, run: int) -> Sample:
    """Prepare (untimed), then run the command once; raise SystemExit if it fails."""
    case.prepare(run)
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            case.command,
            cwd=case.cwd,
            env=case.env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group, whose RSS is sampled
        )
        sampler = GroupRss(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        group_mb = sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            errors.seek(0)
            tail = errors.read()[-3000:].decode("utf-8", "replace")
            raise SystemExit(f"{case.tool} {case.scenario} failed ({process.returncode}):\n{tail}")
    rss_mb = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    return Sample(seconds, rss_mb, max(group_mb, rss_mb))


def group_members(group: int) -> Iterator[tuple[Path, list[str]]]:
    """The /proc folder and the stat fields after the name of each process in a group."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # the process has gone
            continue
        if int(fields[2]) == group:
            yield stat.parent, fields


def rss_mb(proc: Path, field: str = "VmRSS") -> float:
    """A process's VmRSS (or its peak, VmHWM) in MB from /proc/<pid>/status; 0 if it has
    gone (or is a zombie)."""
    try:
        found = re.search(rf"^{field}:\s+(\d+) kB", (proc / "status").read_text(), re.MULTILINE)
    except OSError:
        return 0.0
    return int(found.group(1)) / 1024 if found else 0.0


class GroupRss:
    """The peak of the summed VmRSS of a process group's processes, sampled in a thread.

    A process pool's workers count here; rusage gives only the largest single process.
    Samples every 50 ms, so a peak shorter than that can be missed.
    """

    def __init__(self, group: int) -> None:
        self.group, self.peak = group, 0.0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.05):
            total = sum(rss_mb(proc) for proc, _ in group_members(self.group))
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self.done.set()
        self.thread.join()
        return self.peak


def _wipe(*paths: Path) -> Callable[[int], None]:
    """Empty `paths` for a cold run: moved into TRASH, deleted only when the benchmark ends.

    ext4 does not reuse an inode in the first seconds after it was freed and searches past
    each one: deleting the 10,086 files of the last run just before the next made that run's
    file creation 2 to 6 times slower, more with every run. A first build rarely follows
    such a deletion, and the tools writing 42 files never met it.
    """

    def prepare(run: int) -> None:
        TRASH.mkdir(parents=True, exist_ok=True)
        for path in paths:
            if path.exists():
                path.rename(tempfile.mkdtemp(dir=TRASH) + "/" + path.name)

    return prepare


def pelican() -> Path | None:
    """Pelican's command from a throwaway venv, installed on first use."""
    command = PELICAN_VENV / "bin" / "pelican"
    if not command.exists():
        print(f"installing Pelican into {PELICAN_VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        pip = [str(PELICAN_VENV / "bin" / "pip"), "install", "-q", "pelican", "markdown"]
        if subprocess.run(pip).returncode != 0:
            return None
    return command


def feeds_source(rev: str | None) -> tuple[dict[str, str], str]:
    """Environment and label for running feeds: the working tree, or a snapshot of `rev`."""
    git = ["git", "-C", str(HERE.parent)]
    if rev is None:
        return {}, f"feeds working tree at {_version([*git, 'describe', '--always', '--dirty'])}"
    sha = subprocess.run(
        [*git, "rev-parse", "--verify", f"{rev}^{{commit}}"], capture_output=True, text=True
    ).stdout.strip()
    if not sha:
        raise SystemExit(f"--rev {rev}: not a commit")
    target = WORK / f"src-{sha[:12]}"
    if not (target / "feeds").is_dir():
        archive = subprocess.run([*git, "archive", sha, "feeds"], capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(target, filter="data")
    # PYTHONSAFEPATH: `python -m` would put the cwd (maybe this repo) before PYTHONPATH.
    env = {"PYTHONPATH": str(target), "PYTHONSAFEPATH": "1"}
    return env, f"feeds at commit {sha[:12]} ({rev})"


def cases(
    n: int, topics: int, seed: int, tools: set[str], source: dict[str, str]
) -> tuple[list[Case], list[Case]]:
    """The cold cases (run round-robin) and feeds' rebuild cases (run after them)."""
    src = WORK / f"corpus-n{n}-k{topics}-s{seed}"
    meta = corpus.ensure(src, n, topics, seed)
    out = WORK / f"out-n{n}"
    # Keep "cold" cold: any cache feeds keeps (next to config.toml or under XDG_CACHE_HOME).
    cache = out / "xdg-cache"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), **source}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's install keeps compiled bytecode
    feeds_cmd = [sys.executable, "-m", "feeds", "build", "--config", str(src / "feeds/config.toml")]
    cold: list[Case] = []
    if "naive" in tools:
        naive = [sys.executable, str(HERE / "naive.py"), str(src / "feeds"), str(out / "naive")]
        cold.append(Case("naive", "cold", naive, out / "naive", _wipe(out / "naive")))
    cold.append(
        Case(
            "feeds",
            "cold",
            [*feeds_cmd, "--out", str(out / "feeds")],
            out / "feeds",
            _wipe(out / "feeds", cache, src / "feeds/.feeds-cache"),
        )
    )
    command = pelican() if "pelican" in tools else None
    if command:
        pelican_out = out / "pelican"
        pelican_args = [str(command), "content", "-s", "pelicanconf.py", "-o", str(pelican_out)]
        cold.append(
            Case(
                "pelican",
                "cold",
                [*pelican_args, "-q"],
                pelican_out,
                _wipe(pelican_out, src / "pelican/cache"),
                cwd=src / "pelican",
            )
        )
    hugo = shutil.which("hugo") if "hugo" in tools else None
    if hugo:
        hugo_out, hugo_cache = out / "hugo", out / "hugo-cache"
        hugo_args = [hugo, "--quiet", "--source", str(src / "hugo"), "--cacheDir", str(hugo_cache)]
        cold.append(
            Case(
                "hugo",
                "cold",
                [*hugo_args, "--destination", str(hugo_out)],
                hugo_out,
                _wipe(hugo_out, hugo_cache, src / "hugo/resources"),
            )
        )
    article = src / "feeds/articles" / f"{meta['newest']}.md"
    floor = [sys.executable, str(HERE / "floor.py"), str(article.parent)]
    rebuild = [
        Case("floor", "list+stat", floor, None),
        Case("feeds", "unchanged", [*feeds_cmd, "--out", str(out / "feeds")], out / "feeds"),
        Case(
            "feeds",
            "touch one",
            [*feeds_cmd, "--out", str(out / "feeds")],
            out / "feeds",
            Touch(article),
        ),
    ]
    if hugo:  # the same command into the last cold run's output, its cache folder kept
        again = [*hugo_args, "--destination", str(hugo_out)]
        edit = Touch(src / "hugo/content/posts" / article.name)
        rebuild += [
            Case("hugo", "unchanged", again, hugo_out),
            Case("hugo", "touch one", again, hugo_out, edit),
        ]
    for case in [*cold, *rebuild]:
        case.n = n
        case.env = env
    return cold, rebuild


class Touch:
    """Edit the body of the newest article (it is in the feeds): a new sentence each run."""

    def __init__(self, article: Path) -> None:
        self.article = article
        self.original = article.read_bytes().split(b"\nCorrection ")[0]  # after a crash too

    def __call__(self, run: int) -> None:
        note = f"\nCorrection {run}: this paragraph was edited for the benchmark.\n"
        self.article.write_bytes(self.original + note.encode())

    def restore(self) -> None:
        self.article.write_bytes(self.original)


def bench(n: int, args: argparse.Namespace, tools: set[str], source: dict[str, str]) -> list[Case]:
    cold, rebuild = cases(n, args.topics, args.seed, tools, source)
    runs, warmup = args.runs, args.warmup
    print(f"N={n}: {', '.join(c.tool for c in cold)}: cold, round-robin", file=sys.stderr)
    for run in range(-warmup, runs):
        for case in cold:
            sample = measure(case, run)
            if run >= 0:
                case.samples.append(sample)
    for case in rebuild:
        print(f"N={n}: {case.tool}: {case.scenario}", file=sys.stderr)
        try:
            for run in range(-warmup, runs):
                sample = measure(case, run)
                if run >= 0:
                    case.samples.append(sample)
        finally:
            if isinstance(case.prepare, Touch):
                case.prepare.restore()
    for case in cold + rebuild:
        if case.out:
            case.files = sum(len(files) for _, _, files in os.walk(case.out))
    return cold + rebuild


def _version(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


def header(feeds: str) -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    return [
        f"date {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs ({cpu}); "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"python {platform.python_version()}; {feeds}; "
        f"pelican {_version([str(PELICAN_VENV / 'bin/pelican'), '--version'])}; "
        f"{_version(['hugo', 'version']).split(' BuildDate')[0]}",
        NOISE,
    ]


def table(results: list[Case]) -> list[str]:
    head = ["tool", "N", "scenario", "median s", "min s", "max s", "peak RSS MB", "group MB"]
    rows = [[*head, "files out"]]
    for case in results:
        times = [s.seconds for s in case.samples]
        rows.append(
            [
                case.tool,
                f"{case.n:,}",
                case.scenario,
                f"{statistics.median(times):.3f}",
                f"{min(times):.3f}",
                f"{max(times):.3f}",
                f"{_peak(case):.0f}",
                f"{max(s.group_mb for s in case.samples):.0f}",
                f"{case.files:,}" if case.out else "-",
            ]
        )
    return render(rows)


def _median(case: Case) -> float:
    return statistics.median(s.seconds for s in case.samples)


def _peak(case: Case) -> float:
    return max(s.rss_mb for s in case.samples)


def _group(case: Case) -> float:
    return max(s.group_mb for s in case.samples)


# The targets of issue 14, shown beside the ratios they bound: (tool, other, scenario, N).
TARGETS = {
    ("hugo", "cold", 10_000): "<= 1.0, RSS <= 0.5",
    ("hugo", "unchanged", 10_000): "<= 0.2",
    ("hugo", "touch one", 10_000): "<= 0.2",
    ("feeds 10,000", "cold", 100_000): "<= 12",
    ("floor", "unchanged", 100_000): "(<= 1.5 s)",
    ("floor", "touch one", 100_000): "(<= 2 s)",
}


def ratios(results: list[Case]) -> list[str]:
    """feeds against its peers, the floor and itself at the next smaller N, same run."""
    by = {(c.tool, c.scenario, c.n): c for c in results}
    sizes = sorted({c.n for c in results})
    head = ["feeds", "N", "against", "feeds s", "other s", "x time", "feeds MB", "other MB"]
    # MB: group MB, so that a pool's workers count as Hugo's threads do
    rows = [[*head, "x RSS", "target"]]

    def row(scenario: str, n: int, label: str, other: Case | None, key: str) -> None:
        feeds = by.get(("feeds", scenario, n))
        if feeds is None or other is None:
            return
        rows.append(
            [
                scenario,
                f"{n:,}",
                label,
                f"{_median(feeds):.3f}",
                f"{_median(other):.3f}",
                f"{_median(feeds) / _median(other):.2f}",
                f"{_group(feeds):.0f}",
                f"{_group(other):.0f}",
                f"{_group(feeds) / _group(other):.2f}",
                TARGETS.get((key, scenario, n), ""),
            ]
        )

    for n in sizes:
        for scenario in ("cold", "unchanged", "touch one"):
            row(scenario, n, f"hugo {scenario}", by.get(("hugo", scenario, n)), "hugo")
        row("cold", n, "naive cold", by.get(("naive", "cold", n)), "naive")
        row("cold", n, "pelican cold", by.get(("pelican", "cold", n)), "pelican")
        for scenario in ("unchanged", "touch one"):
            row(scenario, n, "floor list+stat", by.get(("floor", "list+stat", n)), "floor")
    for smaller, n in itertools.pairwise(sizes):
        for scenario in ("cold", "unchanged", "touch one"):
            label = f"feeds {smaller:,} {scenario}"
            row(scenario, n, label, by.get(("feeds", scenario, smaller)), f"feeds {smaller:,}")
    return render(rows)


def render(rows: list[list[str]]) -> list[str]:
    """A Markdown table, columns padded."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) + " |"

    return [line(rows[0]), line(["-" * w for w in widths]), *map(line, rows[1:])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, action="append", help="articles (repeatable; 1000)")
    parser.add_argument("--topics", type=int, default=20, help="topics (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default 1)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--skip", action="append", default=[], choices=["naive", "pelican", "hugo"])
    parser.add_argument("--rev", help="run feeds from this git revision (default: work tree)")
    args = parser.parse_args()
    source, label = feeds_source(args.rev)
    tools = {"naive", "pelican", "hugo"} - set(args.skip)
    if "hugo" in tools and not shutil.which("hugo"):
        print("hugo is not on PATH (apt-get install -y hugo): skipped", file=sys.stderr)
    results: list[Case] = []
    shutil.rmtree(TRASH, ignore_errors=True)  # left by an interrupted run
    try:
        for n in args.n or [1000]:
            try:
                results += bench(n, args, tools, source)
            except SystemExit as failed:  # a long run keeps the sizes it measured
                print(f"N={n}: {failed}", file=sys.stderr)
    finally:
        shutil.rmtree(TRASH, ignore_errors=True)
    print("\n".join([*header(label), *table(results)]))
    print(
        f"median, min and max of {args.runs} runs after {args.warmup} warm-up; peak RSS: the\n"
        "largest of the runs (one process, os.wait4); group MB: the largest sum of the RSS of\n"
        "the build's processes (a pool's workers too), sampled every 50 ms. naive and pelican\n"
        "write 42 feeds (Atom+RSS, all + 20 topics); hugo a page per article and 21 RSS; feeds\n"
        "every page and feed. Pelican: one category (the first topic) per article. floor:\n"
        "floor.py lists and stats every article file. Cold: the last run's output is moved\n"
        "aside, not deleted, until the end (see _wipe). feeds runs with bytecode caching\n"
        "(PYTHONDONTWRITEBYTECODE unset in its environment), as an installed package does.\n"
    )
    print("\n".join(ratios(results)))
    print(
        "x time: feeds median / other median; x RSS: feeds group MB / other group MB, same run.\n"
        "target: issue 14's bound on the ratio (in brackets: on feeds' own median)."
    )


if __name__ == "__main__":
    main()
