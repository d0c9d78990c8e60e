"""Shared fixtures: a site folder in tmp_path with config.toml and article files on disk."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from feeds.config import Config, load_config
from feeds.loader import Loaded, load
from feeds.model import Entry, Text
from feeds.readers import Context, Draft, markdown, wire
from feeds.store import EntryStore
from feeds.topics import TopicMatcher

CONFIG = """\
[site]
title = "Test Wire"
base_url = "https://news.example.org/"
language = "fr"
timezone = "Europe/Zurich"
author = "Desk"

[[topics]]
slug = "ukraine"
title = "Ukraine"
aliases = ["Ukraine", "Kyiv", "Kiev"]

[[topics]]
slug = "economy"
title = "Économie"
aliases = ["Wirtschaft", "SNB", "BNS"]

[[topics]]
slug = "sport"
title = "Sport"
aliases = ["Ski", "Fussball"]

[[topics]]
slug = "climate"
title = "Climat"
aliases = ["glacier", "Klima"]
"""


def wire_copy(*blocks: str) -> str:
    """Wire copy from its blocks, separated by blank lines as agencies send them."""
    return "\n\n".join(blocks) + "\n"


def front_matter(fields: str, body: str = "Some body text.\n", fence: str = "---") -> str:
    """A Markdown article: `fields` between two fences, then the body."""
    return f"{fence}\n{fields.strip()}\n{fence}\n{body}"


class Site:
    """A folder holding config.toml and an articles/ tree, as an editor lays it out."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.articles = root / "articles"
        self.articles.mkdir()
        self.configure(CONFIG)

    def configure(self, text: str) -> Path:
        path = self.root / "config.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def write(self, name: str, content: str | bytes) -> Path:
        """Write an article under articles/ (str as UTF-8, bytes as they are)."""
        path = self.articles / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
        return path

    def config(self) -> Config:
        return load_config(self.root / "config.toml")

    def store(self) -> EntryStore:
        """The site's entry cache, in .feeds-cache/ beside config.toml."""
        return EntryStore(self.config())

    def load(self) -> Loaded:
        with closing(self.store()) as store:
            return load(self.config(), store)

    def text(self, entry: Entry) -> Text:
        """The summary and HTML body of a loaded entry, from the entry cache."""
        with closing(self.store()) as store:
            return store.text(entry.text_digest)

    def body(self, entry: Entry) -> str:
        return self.text(entry).html

    def entry(self, name: str) -> Entry:
        """The entry loaded from articles/`name`; fails with the problems if it was rejected."""
        loaded = self.load()
        found = [entry for entry in loaded.entries if entry.source == f"articles/{name}"]
        assert len(found) == 1, [str(problem) for problem in loaded.problems]
        return found[0]

    def problems(self) -> list[str]:
        """Every problem as `path:line: message`, sorted."""
        return sorted(str(problem) for problem in self.load().problems)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    return Site(tmp_path)


@pytest.fixture
def config(site: Site) -> Config:
    return site.config()


def _context(config: Config, file_slug: str) -> Context:
    return Context(config=config, matcher=TopicMatcher(config.topics), file_slug=file_slug)


@pytest.fixture
def read_wire(config: Config) -> Callable[[str], Draft]:
    """Read wire copy text with the test config, without touching the disk."""
    return lambda text: wire.read(text, _context(config, "story"))


@pytest.fixture
def read_markdown(config: Config) -> Callable[[str], Draft]:
    """Read a Markdown article with the test config; its file is `story.md`."""
    return lambda text: markdown.read(text, _context(config, "story"))


@pytest.fixture(autouse=True)
def _test_clients_close_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask's test client reads a response whole and closes it, as a server does: pages and
    feeds are files the app sends open (werkzeug's send_file)."""
    open_request = FlaskClient.open

    def buffered(self: FlaskClient, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return open_request(self, *args, **kwargs)

    monkeypatch.setattr(FlaskClient, "open", buffered)
