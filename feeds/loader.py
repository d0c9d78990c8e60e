"""Walks articles_dir in sorted order, reads each article and collects the problems.

With the entry cache (feeds.store), only files that changed are read and parsed again; many
changed files are parsed in a pool of processes.
"""

from __future__ import annotations

import multiprocessing
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from feeds import fingerprint
from feeds.config import Config
from feeds.errors import ArticleError
from feeds.files import ScannedFile, scan, shown_path
from feeds.model import Entry, Problem, Text
from feeds.readers import Context, Draft, agency, markdown, wire
from feeds.store import EntryStore, Record, Signature
from feeds.text import MAX_TITLE, decode, one_line, slugify
from feeds.topics import TopicMatcher

READERS: dict[str, Callable[[str, Context], Draft]] = {
    ".txt": wire.read,
    ".md": markdown.read,
    ".markdown": markdown.read,
}
# Formats read from bytes, one file holding any number of stories (feeds.readers.agency).
BYTE_READERS: dict[str, Callable[[bytes, Context], list[Draft]]] = dict.fromkeys(
    agency.SUFFIXES, agency.read
)
MAX_BYTES = 5 * 1024 * 1024
# Below this many changed files, starting worker processes costs more than it saves.
PARALLEL_FROM = 200
TEXTS_PER_WRITE = 500


@dataclass(frozen=True, slots=True)
class Loaded:
    """Every entry that could be read (drafts included) and every rejected file."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class _Changed:
    """A file to parse: new (not read yet), or read and its bytes differ from the cached ones."""

    path: Path
    shown: str
    data: bytes | None
    signature: Signature | None


# What parsing one file gives: its record and the texts of its entries, or a problem that
# is not cached (the file could not be read: it is read again next time).
Parsed = tuple[Record, dict[str, Text]] | Problem


def load(
    config: Config,
    store: EntryStore,
    *,
    workers: int = 1,
    files: Sequence[ScannedFile] | None = None,
) -> Loaded:
    """Read every article under `config.articles_dir`; never raises for a bad article.

    Files that `store` holds unchanged are neither read nor parsed; when at least
    PARALLEL_FROM files changed and `workers` > 1, they are parsed in that many processes.
    What changed is saved in `store`. `files` is what `scan` just found, if the caller has it.
    Raises ArticlesFolderError if articles_dir or a folder in it cannot be listed.
    """
    known = store.records
    records: dict[str, Record | None] = {}  # in file order; None until parsed
    touched: dict[str, Record] = {}  # what to save: records new, re-signed or parsed
    unreadable: list[Problem] = []
    changed: list[_Changed] = []
    for path, shown, signature in scan(config) if files is None else files:
        cached = known.get(shown)
        if cached is not None and signature is not None and cached.signature == signature:
            records[shown] = cached  # unchanged: nearly every file, so decided here
            continue
        try:
            record, new = _check(path, shown, signature, config.articles_dir, cached)
        except ArticleError as exc:
            unreadable.append(Problem(shown, exc.line, one_line(exc.message)))
            continue
        records[shown] = record
        if record is not None:
            touched[shown] = record
        if new is not None:
            changed.append(new)
    texts: dict[str, Text] = {}  # stored a batch at a time: 100,000 bodies are 500 MB
    for item, parsed in zip(changed, _parse_all(changed, config, workers), strict=True):
        if isinstance(parsed, Problem):
            unreadable.append(parsed)
            del records[item.shown]
            continue
        record, new_texts = parsed
        records[item.shown] = touched[item.shown] = record
        texts.update(new_texts)
        if len(texts) >= TEXTS_PER_WRITE:
            store.add_texts(texts)
            texts.clear()
    store.add_texts(texts)
    store.save(touched, known.keys() - records.keys())
    if changed:
        store.forget_unused_texts()
    outcomes = [record.outcome for record in records.values() if record is not None]
    entries = [entry for outcome in outcomes if isinstance(outcome, tuple) for entry in outcome]
    problems = [outcome for outcome in outcomes if isinstance(outcome, Problem)]
    unique, duplicates = unique_slugs(entries)
    return Loaded(tuple(unique), tuple(problems + unreadable + duplicates))


def _check(
    path: str, shown: str, signature: Signature | None, root: Path, cached: Record | None
) -> tuple[Record, None] | tuple[None, _Changed]:
    """The cached record, signed anew, if the file's stat changed but not its bytes; else
    the file to parse.

    A file the cache does not know is read where it is parsed: in the pool, on a cold load.
    """
    if cached is None:
        return None, _Changed(Path(path), shown, None, signature)
    data = _read_bytes(Path(path), root)
    if cached.digest == fingerprint.of_bytes(data):
        return cached._replace(signature=signature), None
    return None, _Changed(Path(path), shown, data, signature)


def _parse_all(changed: list[_Changed], config: Config, workers: int) -> Iterator[Parsed]:
    """What each changed file parses to, in order; with many, from a pool of processes."""
    items = [(item.path, item.shown, item.data, item.signature) for item in changed]
    if workers < 2 or len(items) < PARALLEL_FROM:
        setting = _Setting.of(config)
        yield from (_parse(*item, setting) for item in items)
        return
    # spawn: a fork of a process that may run threads (the builder) is not safe, and a
    # forkserver would stay alive after the load.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(config,)
    ) as pool:
        yield from pool.map(_parse_in_worker, items, chunksize=32)


@dataclass(frozen=True, slots=True)
class _Setting:
    """What parsing every file needs, made once per process."""

    config: Config
    matcher: TopicMatcher
    salt: str

    @classmethod
    def of(cls, config: Config) -> _Setting:
        return cls(config, TopicMatcher(config.topics), fingerprint.salt(config))


_worker: _Setting | None = None


def _start_worker(config: Config) -> None:
    global _worker
    _worker = _Setting.of(config)


def _parse_in_worker(item: tuple[Path, str, bytes | None, Signature | None]) -> Parsed:
    assert _worker is not None, "_start_worker runs first in every worker"
    return _parse(*item, _worker)


def _parse(
    path: Path, shown: str, data: bytes | None, signature: Signature | None, setting: _Setting
) -> Parsed:
    """The file's record (its entries or why it was rejected) and their texts."""
    config = setting.config
    try:
        if data is None:
            data = _read_bytes(path, config.articles_dir)
        digest = fingerprint.of_bytes(data)
        articles = parse_article(path, data, config, setting.matcher)
    except ArticleError as exc:
        problem = Problem(shown, exc.line, one_line(exc.message))
        return problem if data is None else (Record(signature, digest, problem), {})
    entries = tuple(fingerprint.stamped(entry, setting.salt) for entry, _ in articles)
    texts = {entry.text_digest: text for entry, text in articles}
    return Record(signature, digest, entries), texts


# An article as a reader gives it: the entry, and its summary and HTML body.
Article = tuple[Entry, Text]


def parse_article(
    path: Path, data: bytes, config: Config, matcher: TopicMatcher
) -> tuple[Article, ...]:
    """The bytes of the article file at `path` to its articles; raises ArticleError."""
    relative = path.relative_to(config.articles_dir)
    file_slug = slugify(path.stem)
    if not file_slug:
        raise ArticleError(f"file name {path.name!r} has no letters or digits for a URL; rename it")
    context = Context(config=config, matcher=matcher, file_slug=file_slug)
    suffix = path.suffix.lower()
    if suffix in BYTE_READERS:
        drafts = BYTE_READERS[suffix](data, context)
    else:
        drafts = [READERS[suffix](decode(data), context)]
    shown = shown_path(str(path), config)
    return tuple(_entry(draft, context, relative, shown) for draft in drafts)


def _read_bytes(path: Path, root: Path) -> bytes:
    """The bytes of a regular file, or of a symlink's target inside `root`."""
    if path.is_symlink():
        path = _target(path, root)
    try:
        # No following a symlink swapped in meanwhile; no waiting for a writer on a FIFO.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(descriptor, "rb") as handle:
            status = os.fstat(descriptor)
            if not stat.S_ISREG(status.st_mode):
                raise ArticleError("not a regular file (a pipe or device?); remove it")
            if status.st_size > MAX_BYTES:
                raise ArticleError(
                    f"file is {status.st_size / 1024 / 1024:.1f} MB; an article may be at most "
                    f"{MAX_BYTES // 1024 // 1024} MB"
                )
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ArticleError(f"cannot be read ({exc.strerror}); check its permissions") from None


def _target(link: Path, root: Path) -> Path:
    """Where a symlink leads, if that is a file inside `root` (resolving costs: links only)."""
    try:
        real = link.resolve(strict=True)
    except (OSError, RuntimeError):
        raise ArticleError(
            "broken or looping symlink; point it at an article or remove it"
        ) from None
    if not real.is_relative_to(root.resolve()):
        raise ArticleError("symlink points outside articles_dir; copy the article in instead")
    return real


def _entry(draft: Draft, context: Context, relative: Path, shown: str) -> Article:
    config = context.config
    if len(draft.title) > MAX_TITLE:  # in any format; wire copy's headline is on line 1
        raise ArticleError(
            f"title is {len(draft.title):,} characters long; keep it under {MAX_TITLE:,}"
        )
    slug = draft.slug or context.file_slug
    topics = _topics(draft, context, relative)
    entry = Entry(
        slug=slug,
        id=draft.id or f"tag:{config.host},{draft.published.date().isoformat()}:{slug}",
        title=draft.title,
        text_digest=fingerprint.of_parts(draft.summary, draft.body_html),
        published=draft.published,
        updated=max(draft.updated or draft.published, draft.published),
        language=draft.language or _detected(draft, config) or config.language,
        author=draft.author or config.author,
        source=shown,
        topics=topics,
        tags=draft.tags,
        picture=draft.picture,
        link=draft.link,
        draft=draft.draft,
        rights=draft.rights,
        story=draft.story,
    )
    return entry, Text(draft.summary, draft.body_html)


def _detected(draft: Draft, config: Config) -> str | None:
    """The language of `languages` detected in the text, if there is a choice (lingua loads
    only then)."""
    if len(config.languages) < 2:
        return None
    from feeds import language  # here: a rebuild that parses nothing needs no lingua

    return language.detect(draft.title, draft.summary, draft.body_html, config.languages)


def _topics(draft: Draft, context: Context, relative: Path) -> tuple[str, ...]:
    """Topics by precedence: front matter > folder > kicker > aliases in title or lead."""
    if draft.front_matter_topics:
        return draft.front_matter_topics
    known_slugs = {topic.slug for topic in context.config.topics}
    folders = tuple(dict.fromkeys(p for p in relative.parent.parts if p in known_slugs))
    return folders or draft.kicker_topics or context.matcher.mentioned([draft.title, draft.summary])


def unique_slugs(entries: list[Entry]) -> tuple[list[Entry], list[Problem]]:
    """Keep the first-published article of each slug; reject the others, naming both."""
    if len({entry.slug for entry in entries}) == len(entries):
        return entries, []  # the usual case, told by one set
    first: dict[str, Entry] = {}
    shared: dict[str, list[Entry]] = {}  # rare: only these are sorted (see _duplicates)
    for entry in entries:
        owner = first.setdefault(entry.slug, entry)
        if owner is not entry:
            shared.setdefault(entry.slug, [owner]).append(entry)
    problems = [problem for group in shared.values() for problem in _duplicates(group)]
    if not problems:
        return entries, problems
    rejected = {problem.path for problem in problems}
    return [entry for entry in entries if entry.source not in rejected], problems


def _duplicates(group: list[Entry]) -> Iterator[Problem]:
    """Articles of one slug: the first published owns it (drafts never do); the rest are out."""
    owner, *others = sorted(group, key=lambda entry: (entry.draft, entry.published, entry.source))
    for entry in others:
        if entry.story is not None and owner.story is not None and entry.story.id == owner.story.id:
            continue  # versions of one story share its slug
        if not entry.draft and not owner.draft:
            yield Problem(
                entry.source,
                1,
                f"slug {entry.slug!r} is already used by {owner.source}, "
                "published first; rename one of the files or set 'slug:'",
            )
