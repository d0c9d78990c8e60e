"""Readers turn one article file into Drafts, each format in its own module.

Text formats give one Draft; agency documents, read as bytes, give one per story.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from feeds.config import Config
from feeds.model import Picture, Story
from feeds.topics import TopicMatcher


@dataclass(frozen=True, slots=True)
class Context:
    """What a reader needs besides the text: settings, topic names and the file's slug."""

    config: Config
    matcher: TopicMatcher
    file_slug: str


@dataclass(frozen=True, slots=True)
class Draft:
    """An article as its file states it, before topics, identity and selection."""

    title: str
    published: datetime
    summary: str
    body_html: str
    updated: datetime | None = None
    slug: str | None = None
    kicker_topics: tuple[str, ...] = ()  # slugs, as are front_matter_topics
    front_matter_topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    author: str = ""
    language: str | None = None
    id: str | None = None
    draft: bool = False
    link: str | None = None
    picture: Picture | None = None
    rights: str = ""
    story: Story | None = None  # an agency document's story id, version and status
