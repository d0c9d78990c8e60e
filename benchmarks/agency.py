"""Reading agency documents against wire copy of the same text, in one process.

Prints, per format, the median time to read one story of `--paragraphs` paragraphs (parse,
map the body, sanitise) and its ratio to wire copy. Standard library and feeds only.

    .venv/bin/python benchmarks/agency.py --paragraphs 8 --runs 400
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from feeds.config import load_config
from feeds.readers import Context, agency, wire
from feeds.topics import TopicMatcher

CONFIG = '[site]\ntitle = "Bench"\nbase_url = "https://news.example.org/"\n'


def documents(paragraphs: int) -> dict[str, bytes]:
    """The same story as wire copy, NewsML-G2 (XHTML), NITF and ninjs 2.x."""
    text = [
        f"Paragraph {n} of the story, with a few words to make a sentence."
        for n in range(paragraphs)
    ]
    xhtml = "".join(f"<p>{line}</p>" for line in text)
    g2 = (
        '<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="urn:newsml:example.org:1:b" '
        'version="2"><itemMeta><itemClass qcode="ninat:text"/><versionCreated>20250901T080000Z'
        "</versionCreated></itemMeta><contentMeta><headline>UPDATE 1-A headline</headline>"
        '</contentMeta><contentSet><inlineXML contenttype="application/xhtml+xml">'
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body>{xhtml}</body></html>'
        "</inlineXML></contentSet></newsItem>"
    )
    nitf = (
        '<nitf><head><docdata><doc-id id-string="b-1" regsrc="AP"/>'
        '<date.issue norm="20250901T080000Z"/></docdata></head>'
        "<body><body.head><hedline><hl1>A headline</hl1></hedline></body.head>"
        f"<body.content>{xhtml}</body.content></body></nitf>"
    )
    ninjs = {
        "uri": "urn:ninjs:example.org:b",
        "versioncreated": "2025-09-01T08:00:00Z",
        "headlines": [{"value": "A headline"}],
        "bodies": [{"contenttype": "text/html", "value": xhtml}],
    }
    wire_copy = "\n\n".join(["A headline", "AP", "1.9.2025 - 08:00", *text]) + "\n"
    return {
        "wire copy": wire_copy.encode(),
        "NewsML-G2": g2.encode(),
        "NITF": nitf.encode(),
        "ninjs": json.dumps(ninjs).encode(),
    }


def _reader(name: str, data: bytes, context: Context) -> Callable[[], object]:
    if name == "wire copy":
        return lambda: wire.read(data.decode(), context)
    return lambda: agency.read(data, context)


def median_time(read: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=8)
    parser.add_argument("--runs", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.toml"
        path.write_text(CONFIG, encoding="utf-8")
        config = load_config(path)
    context = Context(config, TopicMatcher(config.topics), "story")
    results: dict[str, float] = {}
    for name, data in documents(args.paragraphs).items():
        results[name] = median_time(_reader(name, data, context), args.runs)
    print(f"| format | µs per story ({args.paragraphs} paragraphs) | times wire copy |")
    print("|---|---|---|")
    for name, seconds in results.items():
        print(f"| {name} | {seconds * 1e6:,.0f} | {seconds / results['wire copy']:.2f} |")


if __name__ == "__main__":
    main()
