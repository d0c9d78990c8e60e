"""The command line: the only place that prints and exits."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from feeds import engine, urls
from feeds.config import Config, load_config
from feeds.engine import Build, Changes
from feeds.errors import FeedsError
from feeds.files import available_cpus
from feeds.store import EntryStore
from feeds.versions import resolve
from feeds.websub.publish import ping_changed

EXIT_OK, EXIT_REJECTED, EXIT_ERROR = 0, 1, 2
PROGRESS_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


def main(argv: Sequence[str] | None = None) -> int:
    """Run `feeds <command>`; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
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
    build.add_argument(
        "--force", action="store_true", help="build even if most article pages would go"
    )
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


def _report(problems: Sequence[str]) -> None:
    for line in problems:
        print(line, file=sys.stderr)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _check(config: Config, args: argparse.Namespace) -> int:
    from feeds.loader import load  # not at the top: a build with nothing to do needs no reader

    store = EntryStore(config)
    loaded = load(config, store, workers=available_cpus())
    _report(sorted(str(problem) for problem in loaded.problems))
    resolved = resolve(loaded.entries)
    drafts = sum(entry.draft for entry in resolved.entries)
    note = f" ({_plural(drafts, 'draft')})" if drafts else ""
    versions = f", {resolved.superseded:,} superseded" if resolved.superseded else ""
    gone = f", {resolved.withdrawn:,} withdrawn" if resolved.withdrawn else ""
    print(
        f"{_plural(len(resolved.entries), 'article')}{note}{versions}{gone}, "
        f"{len(loaded.problems):,} rejected",
        file=sys.stderr,
    )
    return EXIT_REJECTED if loaded.problems else EXIT_OK


def _build(config: Config, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    done = _run_engine(config, args.out or config.output_dir, force=args.force)
    ping_changed(config, done.changes)  # the hubs of [websub] hubs, if any
    report = done.report
    print(
        f"published {_plural(report.articles, 'article')} in "
        f"{_plural(report.topics, 'topic')}, {len(report.problems):,} rejected: "
        f"{_plural(done.written, 'file')} written, {len(done.changes.removed):,} removed "
        f"({time.perf_counter() - started:.2f} s)",
        file=sys.stderr,
    )
    return EXIT_REJECTED if args.strict and report.problems else EXIT_OK


def _run_engine(config: Config, out: Path, force: bool = False) -> Build:
    """Build into `out` on every available CPU, reporting each rejected article."""
    done = engine.build(
        config,
        out,
        datetime.now(UTC),
        workers=available_cpus(),
        force=force,
        progress=_progress("writing"),
    )
    _report(done.report.problems)
    return done


def _progress(verb: str) -> Callable[[int, int], None]:
    """A progress line redrawn at most every 0.1 s on a terminal; elsewhere (a log, a CI
    job) a line of its own every PROGRESS_EVERY seconds, so a long run shows it is alive."""
    terminal = sys.stderr.isatty()
    last = time.monotonic()

    def show(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if terminal and (done == total or now - last >= 0.1):
            last = now
            end = "\r\033[K" if done == total else ""
            print(f"\r{verb} {done:,}/{total:,} files{end}", end="", file=sys.stderr, flush=True)
        elif not terminal and done < total and now - last >= PROGRESS_EVERY:
            last = now
            print(f"{verb} {done:,}/{total:,} files", file=sys.stderr, flush=True)

    return show


def _serve(config: Config, args: argparse.Namespace) -> int:
    from feeds.server import serve, serve_dev  # gunicorn is needed only here

    print(f"serving {config.title} on http://{args.host}:{args.port}/", file=sys.stderr)
    if args.dev:
        serve_dev(config.path, args.host, args.port)
        return EXIT_OK
    return serve(config.path, args.host, args.port, args.workers)


def _deploy(config: Config, args: argparse.Namespace) -> int:
    from feeds.deploy import Bucket, DeployError, plan, sync  # boto3 here only

    started = time.perf_counter()
    bucket = Bucket(config)
    remote = bucket.listing()
    with tempfile.TemporaryDirectory() as scratch:  # a dry run changes nothing, output included
        out = Path(scratch) if args.dry_run else config.output_dir
        built = _run_engine(config, out, force=args.force)
        steps = plan(config, out, built.manifest, remote)
        limit = bucket.target.max_deletes
        if len(steps.deletes) > limit and not args.force:
            raise DeployError(
                f"would delete {len(steps.deletes):,} objects, more than [deploy].max_deletes = "
                f"{limit:,}; check the target and articles_dir, or pass --force"
            )
        if args.dry_run:
            for upload in steps.uploads:
                print(f"upload {upload.key} ({upload.content_type}, {upload.size:,} bytes)")
            for key in steps.deletes:
                print(f"delete {key}")
            verb = "would upload"
        else:
            sync(bucket, steps, _progress("uploading"))
            verb = "uploaded"
            # The bucket now holds the new feeds: the hubs may fetch them.
            uploaded = [
                urls.site_path(upload.file.relative_to(out).as_posix()) for upload in steps.uploads
            ]
            ping_changed(config, Changes(changed=tuple(uploaded)))
    print(
        f"deploy: {len(steps.uploads):,} {verb}, {len(steps.deletes):,} "
        f"{'would be ' if args.dry_run else ''}deleted, {steps.unchanged:,} unchanged "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )
    return EXIT_OK
