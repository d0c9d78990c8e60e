"""Wire copy (.txt) as news agencies deliver it: headline, agency, date, lead, body."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from itertools import dropwhile, takewhile

from feeds.dates import parse_date
from feeds.errors import ArticleError
from feeds.model import Picture
from feeds.readers import Context, Draft
from feeds.readers.markup import figure
from feeds.text import fold, one_line

# Words of agency and photo credits; `Keystone-SDA` or `EPA-EFE` are read word by word.
_CREDIT_WORDS = frozenset(
    [
        "sda",
        "ats",
        "keystone",
        "key",
        "afp",
        "ap",
        "epa",
        "efe",
        "reuters",
        "dpa",
        "ansa",
        "apa",
        "anp",
        "belga",
        "getty",
        "imago",
        "photo",
        "photos",
        "foto",
        "fotos",
        "bild",
        "bilder",
        "image",
        "picture",
        "archiv",
        "archives",
        "archivbild",
    ]
)
# Between credit words: white space, commas, hyphens, en dashes, brackets and ©.
_CREDIT_WORD_SEPARATORS = re.compile(r"[\s,\-\u2013()\[\]©]+")
_PHOTO_PREFIX = re.compile(r"(?:photos?|fotos?|bild(?:er)?|images?|pictures?)\s*:", re.IGNORECASE)
_SENTENCE_END = ".!?:;…\"'»«”“)"
_MAX_AGENCY, _MAX_CREDIT, _MAX_SUBHEADING = 80, 60, 100


@dataclass(frozen=True, slots=True)
class _Block:
    """Lines between blank lines, and the 1-based line where they start."""

    line: int
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return one_line(" ".join(self.lines))


def read(text: str, context: Context) -> Draft:
    """Parse wire copy; raises ArticleError with the line of the first problem."""
    blocks = _blocks(text)
    if not blocks:
        raise ArticleError("empty file; write a headline, agency, date and text")
    topics, title = _headline(blocks[0], context)
    index, author = 1, ""
    if len(blocks) > 2 and not _is_date(blocks[1], context) and len(blocks[1].text) <= _MAX_AGENCY:
        index, author = 2, blocks[1].text
    if index >= len(blocks):
        raise ArticleError(
            "no date line after the headline; add one like '21.8.2025 - 06:28'", blocks[-1].line + 1
        )
    try:
        published = parse_date(blocks[index].text, context.config.timezone)
    except ValueError as exc:
        raise ArticleError(f"unreadable date: {exc}", blocks[index].line) from None
    if index + 1 >= len(blocks):
        raise ArticleError(
            "no text after the date line; add the lead paragraph", blocks[index].line + 1
        )
    lead, picture, body = _lead(blocks[index + 1 :])
    return Draft(
        title=title,
        published=published,
        summary=lead,
        body_html="\n".join([f"<p>{escape(lead, quote=False)}</p>", *_body(body, picture)]),
        kicker_topics=topics,
        author=author,
        picture=picture,
    )


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    start = 1
    for number, raw in enumerate([*text.split("\n"), ""], start=1):
        line = one_line(raw)
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append(_Block(start, tuple(current)))
            current = []
    return blocks


def _headline(block: _Block, context: Context) -> tuple[tuple[str, ...], str]:
    headline = block.text
    if context.matcher.named(headline):
        raise ArticleError(
            f"the headline is only the kicker {headline!r}; write the title after it", block.line
        )
    topics, _, title = context.matcher.kicker(headline)
    return topics, title


def _is_date(block: _Block, context: Context) -> bool:
    try:
        parse_date(block.text, context.config.timezone)
    except ValueError:
        return False
    return True


def _lead(blocks: list[_Block]) -> tuple[str, Picture | None, list[_Block]]:
    """The lead, the picture and the body's blocks. The picture block comes right after the
    lead; one pasted above the lead, as web pages give it with its caption twice, counts too."""
    first = blocks[0].lines
    above = _picture(blocks) if first[1:2] == first[:1] else None
    after = list(dropwhile(_is_credit_block, blocks[1:]))
    if above is not None and after:
        return after[0].text, above, after[1:]
    lead, *body = blocks
    below = _picture(body)
    return lead.text, below, body[1:] if below else body


def _body(blocks: list[_Block], picture: Picture | None) -> list[str]:
    """The HTML parts after the lead: the picture's figure, paragraphs and subheadings."""
    html = [figure(picture)] if picture else []
    for position, block in enumerate(blocks):
        if _is_credit_block(block):
            continue  # the picture's credits, or a stray credit: never text
        if position + 1 < len(blocks) and _is_subheading(block):
            html.append(f"<h2>{escape(block.text, quote=False)}</h2>")
        else:
            html.append(f"<p>{escape(block.text, quote=False)}</p>")
    return html


def _picture(blocks: list[_Block]) -> Picture | None:
    """The picture of the first block, if it is a picture block: a caption line, then only
    that caption repeated or credit lines, with the credit-only blocks right after it. A
    caption alone in its block needs such credit blocks, and text after them."""
    if not blocks:
        return None
    caption, *others = blocks[0].lines
    credits = [line for line in others if line != caption]
    if _is_credit(caption) or not all(_is_credit(line) for line in credits):
        return None
    following = list(takewhile(_is_credit_block, blocks[1:]))
    if not others and not 0 < len(following) < len(blocks) - 1:
        return None  # a paragraph, or the last one with the agency's sign after it
    credits += [line for block in following for line in block.lines]
    return Picture(url=None, caption=caption, credit=", ".join(credits))


def _is_credit_block(block: _Block) -> bool:
    return all(_is_credit(line) for line in block.lines)


def _is_credit(line: str) -> bool:
    """A credit-only line: only credit words (`sda`, `Keystone-SDA`, `AP Photo`), a `Foto: …`
    line, or a slash chain of agencies or capitals (`KEYSTONE/EPA/ANNA MUSTER`), whose last
    part may be a photographer's name if an agency is named (`AP Photo/Jane Doe`)."""
    stripped = line.strip("()[]©® ")
    if not stripped or len(stripped) > _MAX_CREDIT or stripped[-1] in _SENTENCE_END:
        return False
    if _PHOTO_PREFIX.match(stripped):
        return True
    *sources, last = (part.strip() for part in stripped.split("/"))
    if not sources:
        return _is_agency(last)
    if not all(_is_agency(source) or source.isupper() for source in sources):
        return False
    return last.isupper() or any(_is_agency(part) for part in (*sources, last))


def _is_agency(text: str) -> bool:
    """`text` is made of credit words only."""
    words = _CREDIT_WORD_SEPARATORS.split(fold(text))
    return all(word in _CREDIT_WORDS for word in words if word) and any(words)


def _is_subheading(block: _Block) -> bool:
    text = block.text
    return len(block.lines) == 1 and len(text) <= _MAX_SUBHEADING and text[-1] not in _SENTENCE_END
