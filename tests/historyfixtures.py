"""Sites of N numbered articles for the History tests, and a crawler of archived feeds.

The crawler is what a reader that backfills history does (RFC 5005 section 4.2): it reads the
current feed, then follows `prev-archive` from document to document, and keeps every entry it
has not seen (the newer document wins). Atom and RSS are read with feedparser; JSON Feed with
json, following `next_url`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser

from tests.sitefixtures import run_main

BASE_URL = "https://desk.example.net/"
TOPICS = ("harbour", "rail")
FORMATS = (".atom.xml", ".rss.xml", ".json")


def config(archive_size: int, max_entries: int = 2, robots: str = "") -> str:
    return f"""\
[site]
title = "Quay Desk"
base_url = "{BASE_URL}"
language = "en"
timezone = "UTC"
{robots}
[build]
max_entries = {max_entries}
archive_size = {archive_size}

[[topics]]
slug = "harbour"
title = "Harbour"

[[topics]]
slug = "rail"
title = "Rail"
"""


FIRST_DAY = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def published(number: int) -> datetime:
    """Article `number` is published on day `number` after FIRST_DAY."""
    return FIRST_DAY + timedelta(days=number)


def article(number: int, body: str = "") -> str:
    """Article `number`, in harbour when even, rail when odd."""
    topic = TOPICS[number % 2]
    text = body or f"Dispatch number {number} from the {topic} desk."
    moment = published(number).isoformat()
    return f"---\ntitle: Dispatch {number}\ndate: {moment}\ntopics: [{topic}]\n---\n{text}\n"


def write_site(root: Path, count: int, archive_size: int, robots: str = "") -> Path:
    """config.toml and articles 1..count, plus a draft and an embargoed story; the config."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    path = root / "config.toml"
    path.write_text(config(archive_size, robots=robots), encoding="utf-8")
    for number in range(1, count + 1):
        write_article(root, number)
    draft = "---\ntitle: Not yet\ndate: 2025-01-02T08:00:00+00:00\ndraft: true\n---\nDraft.\n"
    (root / "articles" / "draft.md").write_text(draft, encoding="utf-8")
    later = "---\ntitle: Held back\ndate: 2999-01-01T08:00:00+00:00\ntopics: [rail]\n---\nLater.\n"
    (root / "articles" / "held.md").write_text(later, encoding="utf-8")
    return path


def write_article(root: Path, number: int, body: str = "") -> None:
    file = root / "articles" / f"dispatch-{number:04d}.md"
    file.write_text(article(number, body), encoding="utf-8")


def build(config_path: Path) -> Path:
    """`feeds build` of the site; its output folder."""
    run = run_main("build", "--config", str(config_path))
    assert run.code == 0, run.stderr
    return config_path.parent / "public"


def expected_ids(count: int, feed: str) -> set[str]:
    """The entry ids of the published articles of `feed` (`all` or a topic)."""
    numbers = [n for n in range(1, count + 1) if feed == "all" or TOPICS[n % 2] == feed]
    return {entry_id(number) for number in numbers}


def entry_id(number: int) -> str:
    return f"tag:desk.example.net,{published(number).date().isoformat()}:dispatch-{number:04d}"


@dataclass(frozen=True, slots=True)
class Document:
    """One feed document as a crawler reads it: its links by rel, and its entries."""

    url: str
    links: dict[str, str]
    entries: list[dict[str, str]]  # id and content, in document order


def read(out: Path, url: str) -> Document:
    """The document at `url`, read from the built folder."""
    data = (out / url.removeprefix(BASE_URL)).read_bytes()
    if url.endswith(".json"):
        return _json(url, json.loads(data))
    parsed = feedparser.parse(data)
    assert not parsed.bozo, (url, parsed.bozo_exception)
    links = {link["rel"]: link["href"] for link in parsed.feed.links}
    entries = [{"id": e.id, "content": e.content[0].value} for e in parsed.entries]
    return Document(url, links, entries)


def _json(url: str, feed: dict[str, Any]) -> Document:
    history = feed.get("_history", {})
    links = {rel: href for rel, href in history.items() if rel not in {"about", "archive"}}
    if "next_url" in feed:
        assert feed["next_url"] == links["prev-archive"]
        links["next_url"] = feed["next_url"]
    entries = [{"id": item["id"], "content": item["content_html"]} for item in feed["items"]]
    return Document(url, links, entries)


def crawl(out: Path, current_url: str) -> tuple[Document, list[Document]]:
    """The current feed and the archive documents reached from it, newest first."""
    current = read(out, current_url)
    archives: list[Document] = []
    url = current.links.get("prev-archive")
    while url is not None:
        assert url not in {doc.url for doc in archives}, f"{url} loops"
        document = read(out, url)
        archives.append(document)
        url = document.links.get("prev-archive")
    return current, archives
