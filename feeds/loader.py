"""Walks articles_dir in sorted order, reads each article and collects the problems."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from feeds.config import Config
from feeds.errors import ArticleError
from feeds.model import Entry, Problem
from feeds.readers import Context, Draft, markdown, wire
from feeds.text import decode, one_line, slugify
from feeds.topics import TopicMatcher

READERS: dict[str, Callable[[str, Context], Draft]] = {
    ".txt": wire.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
}
MAX_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Loaded:
    """Every entry that could be read (drafts included) and every rejected file."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


def load(config: Config) -> Loaded:
    """Read every article under `config.articles_dir`; never raises for a bad article."""
    matcher = TopicMatcher(config.topics)
    entries: list[Entry] = []
    problems: list[Problem] = []
    for path in article_files(config.articles_dir):
        shown = _shown(path, config)
        try:
            entries.append(read_article(path, config, matcher))
        except ArticleError as exc:
            problems.append(Problem(shown, exc.line, one_line(exc.message)))
    kept, duplicates = unique_slugs(entries)
    return Loaded(tuple(kept), tuple(problems + duplicates))


def article_files(root: Path) -> Iterator[Path]:
    """Article files under `root`, any depth, in sorted order; hidden files are skipped."""
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in READERS:
                yield Path(folder, name)


def read_article(path: Path, config: Config, matcher: TopicMatcher) -> Entry:
    """One article file to an Entry; raises ArticleError."""
    data = _read_bytes(path, config.articles_dir)
    text = decode(data)
    relative = path.relative_to(config.articles_dir)
    file_slug = slugify(path.stem)
    if not file_slug:
        raise ArticleError(f"file name {path.name!r} has no letters or digits for a URL; rename it")
    context = Context(config=config, matcher=matcher, file_slug=file_slug)
    draft = READERS[path.suffix.lower()](text, context)
    return _entry(draft, context, relative, _shown(path, config))


def _read_bytes(path: Path, root: Path) -> bytes:
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ArticleError(
            "broken or looping symlink; point it at an article or remove it"
        ) from None
    if not real.is_relative_to(root.resolve()):
        raise ArticleError("symlink points outside articles_dir; copy the article in instead")
    try:
        status = real.stat()
        if not stat.S_ISREG(status.st_mode):
            raise ArticleError("not a regular file (a pipe or device?); remove it")
        size = status.st_size
        if size > MAX_BYTES:
            raise ArticleError(
                f"file is {size / 1024 / 1024:.1f} MB; an article may be at most "
                f"{MAX_BYTES // 1024 // 1024} MB"
            )
        return real.read_bytes()
    except OSError as exc:
        raise ArticleError(f"cannot be read ({exc.strerror}); check its permissions") from None


def _entry(draft: Draft, context: Context, relative: Path, shown: str) -> Entry:
    config = context.config
    slug = draft.slug or context.file_slug
    topics = _topics(draft, context, relative)
    return Entry(
        slug=slug,
        id=draft.id or f"tag:{config.host},{draft.published.date().isoformat()}:{slug}",
        title=draft.title,
        summary=draft.summary,
        body_html=draft.body_html,
        published=draft.published,
        updated=max(draft.updated or draft.published, draft.published),
        language=draft.language or config.language,
        author=draft.author or config.author,
        source=shown,
        topics=topics,
        tags=draft.tags,
        picture=draft.picture,
        link=draft.link,
        draft=draft.draft,
    )


def _topics(draft: Draft, context: Context, relative: Path) -> tuple[str, ...]:
    """Topics by precedence: front matter > folder > kicker > aliases in title or lead."""
    if draft.front_matter_topics:
        return draft.front_matter_topics
    known_slugs = {topic.slug for topic in context.config.topics}
    folders = tuple(dict.fromkeys(p for p in relative.parent.parts if p in known_slugs))
    return folders or draft.kicker_topics or context.matcher.mentioned([draft.title, draft.summary])


def unique_slugs(entries: list[Entry]) -> tuple[list[Entry], list[Problem]]:
    """Keep the first-published article of each slug; reject the others, naming both."""
    order = sorted(entries, key=lambda entry: (entry.draft, entry.published, entry.source))
    owners: dict[str, Entry] = {}
    problems: list[Problem] = []
    for entry in order:
        owner = owners.get(entry.slug)
        if owner is None or entry.draft:
            owners.setdefault(entry.slug, entry)
        else:
            problems.append(
                Problem(
                    entry.source,
                    1,
                    f"slug {entry.slug!r} is already used by {owner.source}, "
                    "published first; rename one of the files or set 'slug:'",
                )
            )
    rejected = {problem.path for problem in problems}
    return [entry for entry in entries if entry.source not in rejected], problems


def _shown(path: Path, config: Config) -> str:
    """A path as problems show it: relative to the config's folder when inside it."""
    try:
        return path.relative_to(config.root).as_posix()
    except ValueError:
        return one_line(str(path))
