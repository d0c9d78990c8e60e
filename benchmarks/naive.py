"""The naive reference pipeline: the least a feed publisher must do, written plainly.

    python benchmarks/naive.py CORPUS/feeds OUT

Reads every article, splits the YAML front matter (PyYAML's C loader), renders the body with
markdown-it-py, and writes with feedgen an Atom and an RSS feed for every topic and for all
articles: the 50 newest entries each, full content. No pages, no sanitising, no cache.
"""

from __future__ import annotations

import sys
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from feedgen.feed import FeedGenerator
from markdown_it import MarkdownIt


def read(path: Path, md: MarkdownIt) -> dict[str, Any]:
    text = path.read_text("utf-8")
    _, front, body = text.split("---\n", 2)
    meta: dict[str, Any] = yaml.load(front, Loader=yaml.CSafeLoader)
    meta["html"] = md.render(body)
    meta["slug"] = path.stem
    return meta


def write_feeds(out: Path, slug: str, title: str, base: str, entries: list[dict[str, Any]]) -> None:
    feed = FeedGenerator()
    feed.id(f"{base}feeds/{slug}.atom.xml")
    feed.title(title)
    feed.link(href=f"{base}feeds/{slug}.atom.xml", rel="self")
    feed.link(href=base, rel="alternate")
    feed.description(f"{title}: the newest articles")
    feed.language("en")
    for meta in reversed(entries):  # feedgen prepends each new entry
        date: datetime = meta["date"]
        url = f"{base}articles/{meta['slug']}/"
        entry = feed.add_entry()
        entry.id(url)
        entry.guid(url, permalink=True)
        entry.title(meta["title"])
        entry.link(href=url)
        entry.published(date)
        entry.updated(date)
        entry.description(meta["title"])
        entry.content(meta["html"], type="html")
        for topic in meta["topics"]:
            entry.category(term=topic)
    if entries:
        feed.updated(entries[0]["date"])
    feed.atom_file(str(out / f"{slug}.atom.xml"))
    feed.rss_file(str(out / f"{slug}.rss.xml"))


def main() -> None:
    source, out = Path(sys.argv[1]), Path(sys.argv[2])
    config = tomllib.loads((source / "config.toml").read_text("utf-8"))
    base: str = config["site"]["base_url"]
    limit: int = config["build"]["max_entries"]
    md = MarkdownIt("commonmark")
    articles = [read(path, md) for path in sorted((source / "articles").glob("*.md"))]
    articles.sort(key=lambda meta: meta["date"], reverse=True)
    out.mkdir(parents=True, exist_ok=True)
    write_feeds(out, "all", config["site"]["title"], base, articles[:limit])
    for topic in config["topics"]:
        chosen = [meta for meta in articles if topic["slug"] in meta["topics"]][:limit]
        write_feeds(out, topic["slug"], topic["title"], base, chosen)


if __name__ == "__main__":
    main()
