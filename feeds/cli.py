"""The command line: the only place that prints and exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from feeds.config import Config, load_config
from feeds.errors import FeedsError
from feeds.loader import Loaded, load

EXIT_OK, EXIT_REJECTED, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run `feeds <command>`; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        return int(args.run(config, args))
    except FeedsError as exc:
        print(f"feeds: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="feeds", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    check = commands.add_parser("check", help="load every article and report each problem")
    check.set_defaults(run=_check)
    for command in (check,):
        command.add_argument("--config", default="config.toml", help="default: ./config.toml")
    return parser


def report(loaded: Loaded) -> None:
    """Print each rejected file as `path:line: message` on stderr."""
    for problem in sorted(loaded.problems, key=lambda problem: (problem.path, problem.line)):
        print(problem, file=sys.stderr)


def _check(config: Config, args: argparse.Namespace) -> int:
    loaded = load(config)
    report(loaded)
    drafts = sum(entry.draft for entry in loaded.entries)
    note = f" ({drafts} draft{'s' * (drafts != 1)})" if drafts else ""
    print(
        f"{len(loaded.entries):,} articles{note}, {len(loaded.problems):,} rejected",
        file=sys.stderr,
    )
    return EXIT_REJECTED if loaded.problems else EXIT_OK
