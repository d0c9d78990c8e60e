"""Versions of agency stories across files: corrections, embargoes, withholds and kills, in
the catalog and in everything `feeds build` writes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feeds.catalog import select
from feeds.config import load_config
from feeds.loader import load
from feeds.site import build_site
from feeds.store import EntryStore
from feeds.web import create_app
from tests.readers.agencyfixtures import AgencySite, g2, nitf
from tests.serverfixtures import feed_titles
from tests.sitefixtures import run_main, tree

GUID = "urn:newsml:example.org:20250901:story-1"
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
SCHEMA = Path(__file__).parent / "schemas" / "atom.rng"


@pytest.fixture
def site(tmp_path: Path) -> AgencySite:
    return AgencySite(tmp_path)


def published(site: AgencySite, now: datetime = NOW) -> list[tuple[str, str]]:
    """(slug, title) of every entry published at `now`."""
    return [(entry.slug, entry.title) for entry in select(site.load().entries, now).entries]


def version(number: int, created: str, headline: str, status: str = "stat:usable") -> str:
    return g2(GUID, version=number, created=created, headline=headline, status=status)


def test_a_correction_replaces_the_story_in_place(site: AgencySite) -> None:
    site.write("v1.xml", version(1, "2025-09-01T08:00:00Z", "First title"))
    site.write("v2.xml", version(2, "2025-09-01T09:30:00Z", "Corrected title"))
    [entry] = select(site.load().entries, NOW).entries
    [first] = select([e for e in site.load().entries if e.source.endswith("v1.xml")], NOW).entries
    assert entry.title == "Corrected title"
    assert (entry.id, entry.slug) == (first.id, first.slug) == (GUID, "example-story-1")
    assert entry.published == datetime(2025, 9, 1, 8, tzinfo=UTC)  # first created: does not move
    assert entry.updated == datetime(2025, 9, 1, 9, 30, tzinfo=UTC)  # the new version's time


@pytest.mark.parametrize(
    ("files", "title"),
    [
        # the number decides, not the time or the file name
        (
            {
                "a.xml": (3, "2025-09-01T08:00:00Z", "Three"),
                "b.xml": (2, "2025-09-01T10:00:00Z", "Two"),
            },
            "Three",
        ),
        # same number: the later version time
        (
            {
                "a.xml": (2, "2025-09-01T10:00:00Z", "Later"),
                "b.xml": (2, "2025-09-01T09:00:00Z", "Earlier"),
            },
            "Later",
        ),
        # same number and time: the later path
        (
            {"a.xml": (2, "2025-09-01T10:00:00Z", "A"), "b.xml": (2, "2025-09-01T10:00:00Z", "B")},
            "B",
        ),
    ],
)
def test_the_highest_version_wins(
    site: AgencySite, files: dict[str, tuple[int, str, str]], title: str
) -> None:
    for name, (number, created, headline) in files.items():
        site.write(name, version(number, created, headline))
    assert published(site) == [("example-story-1", title)]
    assert site.problems() == []  # superseded is no problem


def test_withheld_then_usable_again(site: AgencySite) -> None:
    site.write("v1.xml", version(1, "2025-09-01T08:00:00Z", "Usable"))
    site.write("v2.xml", version(2, "2025-09-01T09:00:00Z", "Held", "stat:withheld"))
    assert published(site) == []
    site.write("v3.xml", version(3, "2025-09-01T10:00:00Z", "Usable again"))
    assert published(site) == [("example-story-1", "Usable again")]


def test_a_kill_as_the_highest_version_removes_the_story(site: AgencySite) -> None:
    site.write("v1.xml", version(1, "2025-09-01T08:00:00Z", "Story"))
    site.write("other.xml", g2("urn:x:other", headline="Other story"))
    assert len(published(site)) == 2
    site.write("v2.xml", version(2, "2025-09-01T09:00:00Z", "Story", "stat:canceled"))
    assert published(site) == [("x-other", "Other story")]


def test_a_kill_arriving_before_the_story(site: AgencySite) -> None:
    """A NITF kill notice naming the story's doc-id, and the story itself: nothing is shown."""
    kill = nitf("<p>Withdrawn.</p>", docdata='management-doc-idref="nitf-story-1"')
    site.write("0-kill.nitf", kill.replace('id-string="nitf-story-1"', 'id-string="kill-1"'))
    assert published(site) == []
    site.write("1-story.nitf", nitf("<p>The story.</p>"))
    assert published(site) == []


def test_an_embargo_holds_the_story_until_it_lifts(site: AgencySite) -> None:
    meta = "<embargoed>2025-10-02T06:00:00Z</embargoed>"
    site.write("story.xml", g2(GUID, created="2025-09-01T08:00:00Z", meta=meta))
    catalog = select(site.load().entries, NOW)
    assert catalog.entries == ()
    assert catalog.next_embargo == datetime(2025, 10, 2, 6, tzinfo=UTC)
    later = select(site.load().entries, datetime(2025, 10, 2, 6, tzinfo=UTC))
    assert [entry.title for entry in later.entries] == ["A headline for the story"]
    assert later.entries[0].published == datetime(2025, 9, 1, 8, tzinfo=UTC)


def test_check_counts_superseded_versions(site: AgencySite) -> None:
    site.write("v1.xml", version(1, "2025-09-01T08:00:00Z", "One"))
    site.write("v2.xml", version(2, "2025-09-01T09:00:00Z", "Two"))
    site.write("other.xml", g2("urn:x:other"))
    site.write("killed.xml", g2("urn:x:killed", status="stat:canceled"))
    run = run_main("check", "--config", str(site.root / "config.toml"))
    assert run.stderr == ["2 articles, 1 superseded, 1 withdrawn, 0 rejected"]
    assert run.code == 0


def test_a_kill_takes_the_story_out_of_every_file_built(site: AgencySite) -> None:
    """Build, kill, build again: no page, feed, list or sitemap names the story any more, and
    every feed still parses and is valid Atom."""
    site.write("story.xml", version(1, "2025-09-01T08:00:00Z", "Doomed headline"))
    site.write("kept.xml", g2("urn:x:kept", headline="Kept headline"))
    out = site.root / "public"
    config = str(site.root / "config.toml")
    assert run_main("build", "--config", config).code == 0
    before = tree(out)
    assert "articles/example-story-1/index.html" in before
    assert any(
        b"Doomed headline" in body for path, body in before.items() if path.startswith("feeds/")
    )
    site.write(
        "story-kill.xml", version(2, "2025-09-01T09:00:00Z", "Doomed headline", "stat:canceled")
    )
    assert run_main("build", "--config", config).code == 0
    after = tree(out)
    assert not any(path.startswith("articles/example-story-1/") for path in after)
    for path, body in after.items():
        if path.startswith(".feeds-"):  # the output record: it lists the gone page for a 410
            continue
        assert b"Doomed headline" not in body, path
        assert b"example-story-1" not in body, path
    schema = etree.RelaxNG(etree.parse(SCHEMA))
    for path, body in after.items():
        if path.startswith("feeds/") and path.endswith((".atom.xml", ".rss.xml")):
            titles = feed_titles(path, body)
            assert "Doomed headline" not in titles
            if path.endswith(".atom.xml"):
                assert schema.validate(etree.fromstring(body)), (path, schema.error_log)
    all_feed = feedparser.parse(after["feeds/all.atom.xml"])
    assert [entry.title for entry in all_feed.entries] == ["Kept headline"]
    client = create_app(site.root / "config.toml", build=False).test_client()
    with client.get("/articles/example-story-1/") as gone:
        assert gone.status_code == 410
        assert b"Doomed headline" not in gone.data
    with client.get("/articles/other/") as missing:
        assert missing.status_code == 404  # never published: not gone


def test_agency_feeds_carry_rights_and_pass_the_schema(site: AgencySite, tmp_path: Path) -> None:
    fixtures = [
        "g2-every-field.xml",
        "nitf-every-field.nitf",
        "newsml12-every-field.xml",
        "ninjs1-every-field.json",
        "ninjs3-every-field.json",
        "g2-message-two-stories.xml",
    ]
    for fixture in fixtures:
        site.copy(fixture)
    config = load_config(site.root / "config.toml")
    store = EntryStore(config)
    built = build_site(config, load(config, store), NOW, store)
    schema = etree.RelaxNG(etree.parse(SCHEMA))
    for path in ("/feeds/all.atom.xml", "/feeds/transport.atom.xml", "/feeds/all.rss.xml"):
        body = built.resources[path].render()
        assert len(feed_titles(path, body)) >= 5 if "all" in path else True
        if path.endswith(".atom.xml"):
            document = etree.fromstring(body)
            assert schema.validate(document), schema.error_log
    atom = feedparser.parse(built.resources["/feeds/all.atom.xml"].render())
    rights = {entry.title: entry.get("rights") for entry in atom.entries}
    assert (
        rights["Gotthard-Basistunnel wieder voll befahrbar"]
        == "© dpa GmbH 2025, all rights reserved"
    )
    rss = feedparser.parse(built.resources["/feeds/all.rss.xml"].render())
    assert {entry.title: entry.get("rights") for entry in rss.entries}[
        "Le prix du billet passe à 5 €"
    ] == "© 2025 AFP"


def test_a_kill_without_a_date_still_kills(site: AgencySite) -> None:
    site.write("v1.xml", version(1, "2025-09-01T08:00:00Z", "Story"))
    site.write("v2.xml", version(2, "", "", "stat:canceled"))
    assert published(site) == []
    assert site.problems() == []
