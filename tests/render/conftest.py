"""The test site, built once with `feeds build` for every renderer test to read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds.model import Entry
from feeds.site import Site
from tests.sitefixtures import Run, make_site, run_main, site_at


@dataclass(frozen=True, slots=True)
class Published:
    """The built site: its config, output folder, the build's stderr and the in-process site."""

    config: Path
    out: Path
    run: Run
    site: Site

    def read(self, name: str) -> bytes:
        """The bytes of a file of the output, by its relative name (`feeds/all.json`)."""
        return (self.out / name).read_bytes()

    def entry(self, slug: str) -> Entry:
        (found,) = (entry for entry in self.site.catalog.entries if entry.slug == slug)
        return found


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    config = make_site(tmp_path_factory.mktemp("site"))
    run = run_main("build", "--config", str(config))
    assert run.code == 0, run.stderr
    return Published(config=config, out=config.parent / "public", run=run, site=site_at(config))
