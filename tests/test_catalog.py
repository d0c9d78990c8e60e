"""Selection at a given moment: drafts out, embargo withheld, newest first, per topic."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds import catalog as catalog_module
from feeds.catalog import newest_first, reselect, select
from feeds.model import Entry, Story
from tests.conftest import Site, front_matter

ZURICH = ZoneInfo("Europe/Zurich")
NOW = dt.datetime(2025, 8, 21, 12, 0, tzinfo=ZURICH)


def entry(slug: str, published: dt.datetime, **fields: Any) -> Entry:
    base = Entry(
        slug=slug,
        id=f"urn:{slug}",
        title=slug,
        text_digest="",
        published=published,
        updated=published,
        language="fr",
        author="",
        source=f"articles/{slug}.md",
    )
    return replace(base, **fields)


def at(hour: int, minute: int = 0, day: int = 21) -> dt.datetime:
    return dt.datetime(2025, 8, day, hour, minute, tzinfo=ZURICH)


def test_newest_first_with_a_total_order() -> None:
    entries = [
        entry("b", at(9)),
        entry("a", at(9)),
        entry("late", at(11)),
        entry("early", at(7)),
        entry("fixed", at(9), updated=at(10)),
    ]
    catalog = select(entries, NOW)
    assert [e.slug for e in catalog.entries] == ["late", "fixed", "a", "b", "early"]
    assert [e.slug for e in select(reversed(entries), NOW).entries] == [
        e.slug for e in catalog.entries
    ]


def test_offsets_are_compared_as_instants() -> None:
    utc = entry("utc", dt.datetime(2025, 8, 21, 8, 30, tzinfo=dt.UTC))  # 10:30 in Zurich
    local = entry("local", at(10))
    assert [e.slug for e in select([local, utc], NOW).entries] == ["utc", "local"]
    assert newest_first(utc) < newest_first(local)


def test_drafts_are_never_published() -> None:
    catalog = select([entry("draft", at(9), draft=True), entry("live", at(8))], NOW)
    assert [e.slug for e in catalog.entries] == ["live"]
    assert catalog.next_embargo is None


@pytest.mark.parametrize(
    ("now", "published", "embargo"),
    [
        (at(12), ["past"], at(14)),
        (at(14), ["soon", "past"], at(18)),
        (at(14, 0) - dt.timedelta(microseconds=1), ["past"], at(14)),
        (at(18), ["later", "soon", "past"], None),
    ],
)
def test_embargoed_articles_wait_for_their_moment(
    now: dt.datetime, published: list[str], embargo: dt.datetime | None
) -> None:
    entries = [
        entry("past", at(9)),
        entry("soon", at(14)),
        entry("later", at(18)),
        entry("later-draft", at(13), draft=True),
    ]
    catalog = select(entries, now)
    assert [e.slug for e in catalog.entries] == published
    assert catalog.next_embargo == embargo


def test_in_topic_and_all() -> None:
    entries = [
        entry("a", at(9), topics=("ukraine",)),
        entry("b", at(10), topics=("ukraine", "economy")),
        entry("c", at(11)),
    ]
    catalog = select(entries, NOW)
    assert [e.slug for e in catalog.in_topic("ukraine")] == ["b", "a"]
    assert [e.slug for e in catalog.in_topic("economy")] == ["b"]
    assert [e.slug for e in catalog.in_topic("sport")] == []
    assert [e.slug for e in catalog.in_topic("all")] == ["c", "b", "a"]


def test_empty_catalog() -> None:
    catalog = select([], NOW)
    assert (catalog.entries, catalog.next_embargo) == ((), None)


def test_loaded_files_go_through_selection(site: Site) -> None:
    site.write("past.md", front_matter("title: P\ndate: 2025-08-21T09:00:00"))
    site.write("draft.md", front_matter("title: D\ndate: 2025-08-21T08:00:00\ndraft: true"))
    site.write("future.md", front_matter("title: F\ndate: 2025-08-21T18:00:00+02:00"))
    loaded = site.load()
    assert len(loaded.entries) == 3
    catalog = select(loaded.entries, NOW)
    assert [e.slug for e in catalog.entries] == ["past"]
    assert catalog.next_embargo == at(18)
    assert [e.slug for e in select(loaded.entries, at(18)).entries] == ["future", "past"]


# A pool of entries, some published after NOW, some drafts, some sharing a moment.
POOL = [
    entry(f"e{n:02d}", at(6 + n % 9, 10 * (n % 3)), draft=n % 7 == 3, topics=("ukraine",) * (n % 2))
    for n in range(24)
]
pools = st.lists(st.sampled_from(POOL), unique=True)


@given(before=pools, entries=pools, hours=st.integers(0, 12))
@settings(max_examples=200, deadline=None)
def test_reselecting_after_a_change_gives_what_selecting_gives(
    before: list[Entry], entries: list[Entry], hours: int
) -> None:
    later = NOW + dt.timedelta(hours=hours)
    catalog = select(before, NOW)
    again = reselect(catalog, before, entries, later)
    fresh = select(entries, later)
    if catalog.next_embargo is not None and later >= catalog.next_embargo:
        assert again is None  # an embargo lifted: every held entry must be looked at again
        return
    assert again is not None
    assert again.entries == fresh.entries
    assert again.in_topic("ukraine") == fresh.in_topic("ukraine")
    # Never later than the next embargo (earlier when a held entry went: a wasted look).
    assert fresh.next_embargo is None or (
        again.next_embargo is not None and again.next_embargo <= fresh.next_embargo
    )


def test_reselecting_leaves_stories_a_clock_gone_back_and_many_changes_to_select(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain, story = POOL[0], replace(POOL[1], story=Story(id="urn:story", version=1))
    catalog = select([plain], NOW)
    assert reselect(catalog, [plain], [plain], NOW) == catalog
    assert reselect(catalog, [plain], [plain, story], NOW) is None
    assert reselect(catalog, [plain], [plain], NOW - dt.timedelta(seconds=1)) is None
    monkeypatch.setattr(catalog_module, "RESELECT_AT_MOST", 2)
    assert reselect(catalog, [plain], [plain, *POOL[2:4]], NOW) is not None
    assert reselect(catalog, [plain], [plain, *POOL[2:5]], NOW) is None
