"""The vocabulary shared by every stage: topics, pictures, entries and problems."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from feeds.errors import FeedsError


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


class DamagedCacheError(FeedsError):
    """The entry cache's file changed under it: a disk fault, or an edit by hand."""


class _Deferrable:
    """A slot for an entry's fields that are not unpickled yet (see Entry.__reduce__)."""

    __slots__ = ("_deferred",)


@dataclass(frozen=True, slots=True)
class Entry(_Deferrable):
    """One published article, normalised from any format.

    An unpickled entry holds only the fields that every build reads for every entry, to
    select, sort and list it; the others (the body above all) are unpickled together on the
    first access to one of them. A rebuild from the entry cache reads thousands of entries
    and shows a few of them in full.
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

    def __reduce__(self) -> tuple[Callable[..., Entry], tuple[tuple[object, ...], bytes]]:
        """Pickles as the listed fields and, in one blob, the others."""
        pending = self._pending()
        if pending is None:
            values = tuple(getattr(self, name) for name in _DEFERRED)
            deferred = pickle.dumps(values, pickle.HIGHEST_PROTOCOL)
        else:
            deferred = bytes(pending)
        return _unpickle_entry, (tuple(getattr(self, name) for name in _LISTED), deferred)

    def _pending(self) -> bytes | memoryview | None:
        """The pickled deferred fields (maybe in the mapped entry cache), until unpickled."""
        try:
            deferred: bytes | memoryview | None = object.__getattribute__(self, "_deferred")
        except AttributeError:  # a new entry, never pickled
            return None
        return deferred

    if not TYPE_CHECKING:  # only deferred fields get here: mypy still checks every name

        def __getattr__(self, name: str) -> object:
            """Unpickle the deferred fields on the first access to one of them.

            Safe from several threads at once: each sets the same values, and the blob is
            dropped only after every field is set.
            """
            deferred = self._pending()
            if deferred is not None and name in _DEFERRED:
                try:
                    values = pickle.loads(deferred)
                    for field, value in zip(_DEFERRED, values, strict=True):
                        object.__setattr__(self, field, value)
                except Exception:
                    raise DamagedCacheError(
                        f"the cached entry of {self.source} is damaged; delete the "
                        ".feeds-cache folder beside config.toml and run again"
                    ) from None
                object.__setattr__(self, "_deferred", None)
            return object.__getattribute__(self, name)


# What each build reads of every entry (catalog, keys, topic lists); the rest is deferred.
_LISTED = ("slug", "title", "published", "updated", "language", "source", "topics", "draft")
_DEFERRED = tuple(name for name in Entry.__slots__ if name not in _LISTED)


def _unpickle_entry(listed: tuple[object, ...], deferred: bytes | memoryview) -> Entry:
    entry = object.__new__(Entry)
    for name, value in zip(_LISTED, listed, strict=True):
        object.__setattr__(entry, name, value)
    object.__setattr__(entry, "_deferred", deferred)
    return entry


@dataclass(frozen=True, slots=True)
class Problem(Picklable):
    """Why one file was not published: printed as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"
