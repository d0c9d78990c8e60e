"""The vocabulary shared by every stage: topics, pictures, entries and problems."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


class Picklable:
    """Pickles as a call of the class with its fields, in order.

    Loading that is several times faster than the generic state of a frozen slots dataclass,
    and the entry cache loads thousands of entries on every build.
    """

    __slots__ = ()

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        fields: tuple[str, ...] = type(self).__slots__  # a slots dataclass's fields, in order
        return type(self), tuple(getattr(self, name) for name in fields)


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic of the site, as configured in config.toml."""

    slug: str
    title: str
    description: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Picture(Picklable):
    """An article's picture; wire copy has a caption and credit but no image URL."""

    url: str | None
    caption: str = ""
    credit: str = ""


class DeferredText:
    """Text kept elsewhere until `text()` reads it (see Entry.body_html)."""

    __slots__ = ()

    def text(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Entry(Picklable):
    """One published article, normalised from any format.

    An entry from the entry cache holds its body as a DeferredText, read on the first use of
    `body_html` (see feeds.cache): a rebuild loads every entry and shows few bodies.
    """

    slug: str
    id: str
    title: str
    summary: str
    body_html: str
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

    @property
    def categories(self) -> tuple[str, ...]:
        """Topics then tags, without repeats: what feeds list as categories."""
        return tuple(dict.fromkeys(self.topics + self.tags))


class _ReadOnFirstUse:
    """Entry.body_html: its slot holds the text, or a DeferredText until the first read."""

    def __init__(self, slot: Any) -> None:
        self._slot = slot  # the member descriptor of the dataclass's slot

    def __get__(self, entry: Entry | None, owner: type | None = None) -> Any:
        if entry is None:
            return self
        value = self._slot.__get__(entry, owner)
        if isinstance(value, DeferredText):
            value = value.text()
            self._slot.__set__(entry, value)  # threads may do this twice: the same text
        return value

    def __set__(self, entry: Entry, value: str | DeferredText) -> None:
        self._slot.__set__(entry, value)


Entry.body_html = _ReadOnFirstUse(Entry.__dict__["body_html"])  # type: ignore[assignment,misc]


@dataclass(frozen=True, slots=True)
class Problem(Picklable):
    """Why one file was not published: printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
