"""The command line: the only place that prints and exits."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

from feeds import collector, stamp
from feeds.config import Config, load_config
from feeds.errors import FeedsError
from feeds.loader import Loaded, ScannedFile, load_cached, scan
from feeds.site import Resource, Site, build_site
from feeds.static import intact, write_site

EXIT_OK, EXIT_REJECTED, EXIT_ERROR = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run `feeds <command>`; returns the exit status."""
    args = _parser().parse_args(argv)
    # A build runs once, keeps what it loads to the end, and makes next to no reference
    # cycles (tests/test_cli_build.py checks): the collector would only walk its objects
    # again and again, 60 ms of a 0.43 s rebuild after one edit of 10,000 articles. A
    # server lives long, and a deploy runs boto3 for every object: they collect.
    batch = collector.paused() if args.run in (_build, _check) else nullcontext()
    try:
        with batch:
            config = load_config(args.config)
            return int(args.run(config, args))
    except FeedsError as exc:
        print(f"feeds: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="feeds", description="Publish wire copy and Markdown as feeds and pages."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="load every article and report each problem")
    check.set_defaults(run=_check)
    build = commands.add_parser("build", help="write the static site")
    build.add_argument("--out", type=Path, help="output folder (default: [build].output_dir)")
    build.add_argument("--strict", action="store_true", help="exit 1 if an article is rejected")
    build.set_defaults(run=_build)
    serve = commands.add_parser("serve", help="serve the site with gunicorn")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument("--workers", type=int, default=2, help="gunicorn workers (default: 2)")
    serve.add_argument("--dev", action="store_true", help="Flask's server with code reloading")
    serve.set_defaults(run=_serve)
    deploy = commands.add_parser("deploy", help="build, then sync the site to [deploy]'s bucket")
    deploy.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    deploy.add_argument("--force", action="store_true", help="delete past [deploy].max_deletes")
    deploy.set_defaults(run=_deploy)
    for command in (check, build, serve, deploy):
        command.add_argument("--config", default="config.toml", help="default: ./config.toml")
    return parser


def _problems(loaded: Loaded) -> list[str]:
    """Each rejected file as `path:line: message`, in path order."""
    problems = sorted(loaded.problems, key=lambda problem: (problem.path, problem.line))
    return [str(problem) for problem in problems]


def _report(problems: list[str]) -> None:
    for line in problems:
        print(line, file=sys.stderr)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _check(config: Config, args: argparse.Namespace) -> int:
    loaded = _load(config)
    _report(_problems(loaded))
    drafts = sum(entry.draft for entry in loaded.entries)
    note = f" ({_plural(drafts, 'draft')})" if drafts else ""
    print(
        f"{_plural(len(loaded.entries), 'article')}{note}, {len(loaded.problems):,} rejected",
        file=sys.stderr,
    )
    return EXIT_REJECTED if loaded.problems else EXIT_OK


def _build(config: Config, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    out = args.out or config.output_dir
    now = datetime.now(UTC)
    files = list(scan(config))
    inputs = stamp.inputs(config, files)
    last = stamp.read_stamp(config, out)
    if last is not None and last.still_valid(inputs, now) and intact(out):
        _report(last.problems)  # nothing changed: the last build's report still holds
        done, written, removed = last, 0, 0
    else:
        stamp.write_stamp(config, out, None)
        site = _load_site(config, now, files)
        stats = write_site(site, out, _progress("writing"))
        embargo = site.catalog.next_embargo
        done = stamp.Stamp(
            inputs=inputs or "",
            until=embargo.isoformat() if embargo else None,
            articles=len(site.catalog.entries),
            topics=sum(1 for topic in config.topics if site.catalog.in_topic(topic.slug)),
            problems=_problems(site.loaded),
        )
        if inputs is not None:
            stamp.write_stamp(config, out, done)
        written, removed = stats.written, stats.removed
    print(
        f"published {_plural(done.articles, 'article')} in "
        f"{_plural(done.topics, 'topic')}, {len(done.problems):,} rejected: "
        f"{_plural(written, 'file')} written, {removed:,} removed "
        f"({time.perf_counter() - started:.2f} s)",
        file=sys.stderr,
    )
    return EXIT_REJECTED if args.strict and done.problems else EXIT_OK


def _progress(verb: str) -> Callable[[int, int], None] | None:
    """A progress line on a terminal, redrawn at most every 0.1 s; nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    last = 0.0

    def show(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done == total or now - last >= 0.1:
            last = now
            end = "\r\033[K" if done == total else ""
            print(f"\r{verb} {done:,}/{total:,} files{end}", end="", file=sys.stderr, flush=True)

    return show


def _serve(config: Config, args: argparse.Namespace) -> int:
    from feeds.server import serve, serve_dev  # gunicorn is needed only here

    # Fill the entry cache on every CPU first: each worker then starts from it instead of
    # parsing every article on its own (minutes for a large archive on a cold start).
    _load(config)
    print(f"serving {config.title} on http://{args.host}:{args.port}/", file=sys.stderr)
    if args.dev:
        serve_dev(config.path, args.host, args.port)
    else:
        serve(config.path, args.host, args.port, args.workers)
    return EXIT_OK


def _load_site(config: Config, now: datetime, files: Sequence[ScannedFile] | None = None) -> Site:
    """Load every article, report the rejected ones, and build the site as of `now`."""
    loaded = _load(config, files)
    _report(_problems(loaded))
    return build_site(config, loaded, now)


def _load(config: Config, files: Sequence[ScannedFile] | None = None) -> Loaded:
    """Load with the cache of the last run, parsing changed files on every available CPU."""
    return load_cached(config, workers=_cpus(), files=files)


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):  # the CPUs this process may use, on Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _deploy(config: Config, args: argparse.Namespace) -> int:
    from feeds.deploy import Bucket, DeployError, built_in, plan, rendered, sync  # boto3 here only

    started = time.perf_counter()
    bucket = Bucket(config)
    remote = bucket.listing()
    site = _load_site(config, datetime.now(UTC))
    read: Callable[[Resource], bytes] = rendered
    if not args.dry_run:
        write_site(site, config.output_dir)
        read = built_in(config.output_dir)
    steps = plan(site, bucket.target, read, remote)
    limit = bucket.target.max_deletes
    if len(steps.deletes) > limit and not args.force:
        raise DeployError(
            f"would delete {len(steps.deletes):,} objects, more than [deploy].max_deletes = "
            f"{limit:,}; check the target and articles_dir, or pass --force"
        )
    if args.dry_run:
        for upload in steps.uploads:
            print(f"upload {upload.key} ({upload.content_type}, {len(upload.body):,} bytes)")
        for key in steps.deletes:
            print(f"delete {key}")
        verb = "would upload"
    else:
        sync(bucket, steps, _progress("uploading"))
        verb = "uploaded"
    print(
        f"deploy: {len(steps.uploads):,} {verb}, {len(steps.deletes):,} "
        f"{'would be ' if args.dry_run else ''}deleted, {steps.unchanged:,} unchanged "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return EXIT_OK
