"""The test site, built once with `feeds build` for every renderer test to read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds.model import Entry, Text
from feeds.site import Site
from feeds.store import EntryStore
from tests.sitefixtures import Run, make_site, run_main, site_at


@dataclass(frozen=True, slots=True)
class Published:
    """The built site: its config, output folder, the build's stderr, the in-process site and
    its entry cache."""

    config: Path
    out: Path
    run: Run
    site: Site
    store: EntryStore

    def read(self, name: str) -> bytes:
        """The bytes of a file of the output, by its relative name (`feeds/all.json`)."""
        return (self.out / name).read_bytes()

    def entry(self, slug: str) -> Entry:
        (found,) = (entry for entry in self.site.catalog.entries if entry.slug == slug)
        return found

    def text(self, entry: Entry) -> Text:
        """The summary and HTML body of a published entry, from the entry cache."""
        return self.store.text(entry.text_digest)


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    config = make_site(tmp_path_factory.mktemp("site"))
    run = run_main("build", "--config", str(config))
    assert run.code == 0, run.stderr
    site = site_at(config)
    store = EntryStore(site.config)
    return Published(config=config, out=config.parent / "public", run=run, site=site, store=store)
