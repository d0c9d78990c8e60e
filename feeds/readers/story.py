"""What every agency format shares: one story as the document states it (`Item`), and the
rules that make a Draft of it (identity, slug, dates, status, headline, summary, body)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from feeds import urls
from feeds.dates import parse_date
from feeds.errors import ArticleError
from feeds.model import CANCELED, USABLE, WITHHELD, Picture, Story
from feeds.readers import Context, Draft, advisory
from feeds.readers.markup import Body, figure
from feeds.sanitize import sanitize_html
from feeds.text import LANGUAGE_TAG, one_line, slugify

# Schemes an agency's story id may keep as the entry id as it is; any other id becomes a tag:.
_URI_SCHEMES = ("urn:", "http://", "https://", "tag:")
# Parts of an id that name its scheme, not the agency: `dpa:…` names dpa, `urn:newsml:…` not.
_ID_WORDS = frozenset({"urn", "tag", "http", "https", "newsml", "ninjs", "nitf", "uuid", "id"})
_KILLED = {"canceled", "cancelled", "kill", "killed", "deleted"}
_CODES = {"mediatopic": "medtop", "subjectcode": "subj", "genre": "genre"}
_CV_URI = re.compile(r"^https?://cv\.iptc\.org/newscodes/([a-z0-9]+)/([^/#?]+)/?$", re.IGNORECASE)
_URI = re.compile(r"[^\s<>\"{}|\\^`]+")  # no character an IRI (an Atom id) may not hold
_BYLINE_PREFIX = re.compile(r"^(?:by|von|par|di|de|av)\s+", re.IGNORECASE)
MAX_HEADLINE_FROM_BODY = 100  # characters of the body that stand in for a missing headline
UNDATED_KILL = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Item:
    """One story as an agency document states it: plain values, before the common rules."""

    story_id: str
    line: int
    version: int = 0
    headline: str = ""
    summary: str = ""
    body: Body = field(default_factory=Body)
    first_created: str = ""
    version_created: str = ""
    status: str = USABLE
    embargo: str = ""
    byline: str = ""
    provider: str = ""
    language: str = ""
    keywords: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)  # codes as given: qcodes or URIs
    picture: Picture | None = None
    rights: str = ""
    kills: list[str] = field(default_factory=list)


def to_draft(item: Item, context: Context) -> Draft:
    """The Draft of one agency story; raises ArticleError on the item's line."""
    story_id = one_line(item.story_id)
    if not story_id:
        raise ArticleError(
            "the item has no id (guid, doc-id or uri); the agency must add one", item.line
        )
    status, embargo = _status(item, context)
    published, version_time = _times(item, context, status)
    slug = story_slug(story_id, item.provider) or context.file_slug
    title = _title(item)
    if not title and status == USABLE:
        raise ArticleError(
            "the item has neither a headline nor body text; nothing to publish", item.line
        )
    topics: tuple[str, ...] = ()
    if title and not context.matcher.named(title):
        topics, _, title = context.matcher.kicker(title)
    picture = item.picture or (item.body.pictures[0] if item.body.pictures else None)
    return Draft(
        title=title,
        published=published,
        updated=version_time,
        summary=one_line(item.summary) or item.body.first_paragraph,
        body_html=_body(item, picture, slug, context),
        slug=slug,
        id=story_id if _is_uri(story_id) else None,
        kicker_topics=topics,
        front_matter_topics=context.matcher.subjects(subject_code(code) for code in item.subjects),
        tags=tuple(dict.fromkeys(one_line(tag) for tag in item.keywords if one_line(tag))),
        author=_BYLINE_PREFIX.sub("", one_line(item.byline)) or one_line(item.provider),
        language=_language(item.language),
        picture=picture,
        rights=one_line(item.rights),
        story=Story(story_id, item.version, status, embargo, tuple(item.kills)),
    )


def story_slug(story_id: str, provider: str) -> str:
    """A slug from the story id that stays the same in every version: `dpa-221011-99-4303`.

    The id's last part, after the agency's short name (from a domain in the id, else a
    leading name such as `dpa:`, else the provider's name) when it does not start with it.
    """
    parts = [part for part in re.split(r"[:/]+", story_id) if part]
    if not parts:
        return ""
    last = slugify(parts[-1])
    domains = [part for part in parts[:-1] if "." in part and not part[:1].isdigit()]
    labels = [label for label in domains[0].split(".") if label != "www"] if domains else []
    prefixes = [part for part in parts[:-1] if part.isalpha() and part.lower() not in _ID_WORDS]
    names = [*labels[:1], *prefixes[:1], *provider.split()[:1]]
    agency = slugify(names[0]) if names else ""
    if agency and not last.startswith(agency):
        return f"{agency}-{last}" if last else agency
    return last


def subject_code(code: str) -> str:
    """An IPTC code as a qcode: `http://cv.iptc.org/newscodes/mediatopic/20000638` and
    `medtop:20000638` alike give `medtop:20000638`."""
    code = code.strip()
    match = _CV_URI.match(code)
    if match:
        scheme = match[1].lower()
        return f"{_CODES.get(scheme, scheme)}:{match[2]}"
    return code


def number(text: str) -> int:
    """A version number as written (`3`, ` 12 `); 0 for anything else."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdecimal() and len(text) <= 18 else 0


def copyright_line(holder: str, year: str = "") -> str:
    """`© 2024 dpa` from a copyright's holder and year; "" without a holder."""
    return " ".join(part for part in ("©", year, holder) if part) if holder else ""


def last_segment(code: str) -> str:
    """`stat:usable` or `http://cv.iptc.org/newscodes/pubstatusg2/usable` to `usable`."""
    return re.split(r"[:/]", code.strip().rstrip("/"))[-1].lower()


def _times(item: Item, context: Context, status: str) -> tuple[datetime, datetime]:
    """First-created and version times; a kill must never be lost for want of a date."""
    try:
        version_time = _moment(item.version_created or item.first_created, context, item)
        first = _moment(item.first_created, context, item) if item.first_created else version_time
    except ArticleError:
        if status != CANCELED:
            raise
        return UNDATED_KILL, UNDATED_KILL
    return min(first, version_time), version_time


def _is_uri(story_id: str) -> bool:
    """An id that can be the entry id as it is: an absolute URI of a scheme feeds know."""
    return story_id.lower().startswith(_URI_SCHEMES) and bool(_URI.fullmatch(story_id))


def _language(tag: str) -> str | None:
    """A BCP 47 tag as given (`it-IT`; `de_CH` spelled `de-CH`); None for anything else."""
    tag = tag.strip().replace("_", "-")
    return tag if LANGUAGE_TAG.fullmatch(tag) else None


def _moment(value: str, context: Context, item: Item) -> datetime:
    if not value.strip():
        raise ArticleError(
            "the item has no date (versionCreated, firstCreated or date.issue); "
            "the agency must add one",
            item.line,
        )
    try:
        return parse_date(value.strip(), context.config.timezone)
    except ValueError as exc:
        raise ArticleError(f"unreadable date: {exc}", item.line) from None


def _status(item: Item, context: Context) -> tuple[str, datetime | None]:
    """usable, withheld or canceled, and the embargo's end; an embargo with no time withholds."""
    status = last_segment(item.status) or USABLE
    embargo = _moment(item.embargo, context, item) if item.embargo.strip() else None
    if status in _KILLED:
        return CANCELED, embargo
    if status == WITHHELD:
        return WITHHELD, embargo
    if status == "embargoed" and embargo is None:
        return WITHHELD, None
    return USABLE, embargo


def _title(item: Item) -> str:
    """The headline without markers, else the start of the body's first paragraph."""
    title = advisory.clean_headline(one_line(item.headline))
    if title:
        return title
    start = item.body.first_paragraph
    if len(start) <= MAX_HEADLINE_FROM_BODY:
        return start
    return start[:MAX_HEADLINE_FROM_BODY].rsplit(" ", 1)[0] + "…"


def _body(item: Item, picture: Picture | None, slug: str, context: Context) -> str:
    """The sanitised body; the picture of a separate picture item goes after the first
    paragraph, as the figure of wire copy does."""
    html = item.body.html
    if picture is not None and not item.body.pictures:
        first_end = html.find("</p>")
        at = first_end + len("</p>") if first_end >= 0 else 0
        html = f"{html[:at]}\n{figure(picture)}\n{html[at:]}"
    base = urls.absolute(context.config.base_url, urls.article_page(slug))
    try:
        return sanitize_html(html, base)
    except ValueError as exc:
        raise ArticleError(f"the body's {exc}", item.line) from None
