"""The vocabulary shared by every stage: topics, pictures, entries and problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from sys import intern
from typing import Any, NamedTuple


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic of the site, as configured in config.toml."""

    slug: str
    title: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()  # agency subject qcodes, e.g. medtop:20000638


@dataclass(frozen=True, slots=True)
class Picture:
    """An article's picture; wire copy has a caption and credit but no image URL."""

    url: str | None
    caption: str = ""
    credit: str = ""


USABLE, WITHHELD, CANCELED = "usable", "withheld", "canceled"


@dataclass(frozen=True, slots=True)
class Story:
    """Where an agency document's entry stands among the versions of its story.

    Entries with one `id` are versions of one story (feeds.versions picks the one shown);
    `kills` are story ids that this document cancels (NITF `management-doc-idref`).
    """

    id: str
    version: int = 0
    status: str = USABLE
    embargo: datetime | None = None
    kills: tuple[str, ...] = ()


class Text(NamedTuple):
    """What an entry shows only in feeds and on its page: its summary (plain text) and its
    sanitised HTML body."""

    summary: str
    html: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One article, normalised from any format.

    Its Text is not held here but in the entry cache, under `text_digest`: a rebuild of
    100,000 articles shows few of them, and the summaries alone were a third of what the
    server's builder held for each article. Renderers read it with `Channel.text`.
    `fingerprint` digests every other field and the settings and code (feeds.fingerprint):
    the same fingerprint, the same entry.
    """

    slug: str
    id: str
    title: str
    text_digest: str
    published: datetime
    updated: datetime
    language: str
    author: str
    source: str
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    picture: Picture | None = None
    link: str | None = None
    draft: bool = False
    rights: str = ""
    story: Story | None = None
    fingerprint: str = ""

    def __reduce__(self) -> tuple[Callable[..., Entry], tuple[object, ...]]:
        """Pickled as its fields in order, so that unpickling calls `__init__` (reading the
        entry cache of 10,000 articles took 40% less time than through dataclasses' generic
        state of a frozen class), through `_unpickled`."""
        return _unpickled, tuple(getattr(self, name) for name in self.__slots__)


# One object for each value that many unpickled entries hold alike (each record of the entry
# cache is a pickle of its own, so it brings copies): 100,000 entries held MB of copies of
# "en", of topic slugs and of UTC offsets. The source, an article file's shown path, is
# interned as feeds.files and feeds.store intern it too: the builder names each file in its
# walk, in the entry cache's records and in the entries, with one string.
_OFFSETS: dict[timedelta | None, tzinfo] = {}


def _unpickled(
    slug: str,
    id: str,
    title: str,
    text_digest: str,
    published: datetime,
    updated: datetime,
    language: str,
    author: str,
    source: str,
    topics: tuple[str, ...],
    tags: tuple[str, ...],
    *rest: Any,  # picture, link, draft, rights, story, fingerprint
) -> Entry:
    shared = _shared_offset(published)
    return Entry(
        slug,
        id,
        title,
        text_digest,
        shared,
        shared if updated is published else _shared_offset(updated),  # often one object
        intern(language),
        intern(author),
        intern(source),
        tuple(map(intern, topics)),
        tuple(map(intern, tags)),
        *rest,
    )


def _shared_offset(moment: datetime) -> datetime:
    """`moment` with its fixed UTC offset as one `timezone` object (zones are shared already)."""
    if type(moment.tzinfo) is not timezone:
        return moment
    return moment.replace(tzinfo=_OFFSETS.setdefault(moment.utcoffset(), moment.tzinfo))


@dataclass(frozen=True, slots=True)
class Problem:
    """Why one file was not published: printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
