"""The language an article is written in, detected among the site's languages: the one
importer of lingua (lingua-language-detector).

Each paragraph of the title and text with at least MIN_LETTERS letters is a vote, weighed by
its letters, for the language lingua names for it with at least MIN_CONFIDENCE. A language
is detected when its votes hold at least MIN_SHARE of the letters of all those paragraphs;
a text too short to vote, or mixed, or unsure, gets None (the site's language applies).
The thresholds are measured in the README ("Language").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from html import unescape

from lingua import IsoCode639_1, IsoCode639_3, Language, LanguageDetector, LanguageDetectorBuilder

# A paragraph with fewer letters than this does not vote: headlines and two-word lines fool
# every detector (lingua named 4 of 79 headlines of under 30 letters wrongly, none of 217
# longer texts: benchmarks/language.py).
MIN_LETTERS = 30
# lingua's relative confidence among the site's languages; its wrong guesses on the short
# texts of the test set were all below 0.7, its right ones on 30 letters and more 0.99 or more.
MIN_CONFIDENCE = 0.9
# The share of the voting letters the detected language must hold: below it, a text is mixed.
MIN_SHARE = 0.8
# Enough to decide (a title, a lead and a paragraph or two): past this many characters of
# voting paragraphs the rest is not read, which bounds lingua's time per article (its time
# grows with the length of the text).
MAX_READ = 600

_BLOCK = re.compile(r"<(?:p|h[1-6]|li|blockquote|figcaption|pre|td|th|dd|dt)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def detect(title: str, summary: str, body_html: str, languages: Sequence[str]) -> str | None:
    """The tag of `languages` (as configured, e.g. `de-CH`) the article is written in, or None.

    None also when fewer than two of `languages` are languages lingua knows.
    """
    known = _known(tuple(languages))
    if len(known) < 2:
        return None
    detector = _detector(tuple(known))
    letters: dict[str, int] = {}
    total = 0
    for text, count in _voting(_paragraphs(title, summary, body_html)):
        total += count
        best = detector.compute_language_confidence_values(text)[0]
        if best.value >= MIN_CONFIDENCE:
            tag = known[best.language]
            letters[tag] = letters.get(tag, 0) + count
    if not letters:
        return None
    tag, count = max(letters.items(), key=lambda item: item[1])
    return tag if count >= MIN_SHARE * total else None


def _paragraphs(title: str, summary: str, body_html: str) -> Iterator[str]:
    """The title, the summary, and the body's paragraphs as text (the summary only once)."""
    yield title
    yield summary
    lead = _SPACE.sub(" ", summary).strip()
    for part in _BLOCK.split(body_html):
        text = _SPACE.sub(" ", unescape(_TAG.sub(" ", part))).strip()
        if text != lead:
            yield text


def _voting(texts: Iterable[str]) -> Iterator[tuple[str, int]]:
    """The texts long enough to vote, with their count of letters, cut to MAX_READ characters
    in all."""
    left = MAX_READ
    for text in texts:
        if left < MIN_LETTERS:
            return
        text = text[:left]
        count = _letters(text)
        if count >= MIN_LETTERS:
            yield text, count
            left -= len(text)


def _letters(text: str) -> int:
    return len(_NOT_LETTERS.sub("", text))


@cache
def _known(languages: tuple[str, ...]) -> dict[Language, str]:
    """The configured tags whose primary subtag names a language lingua knows, by language."""
    known: dict[Language, str] = {}
    for tag in languages:
        language = _language(tag.split("-")[0].lower())
        if language is not None:
            known.setdefault(language, tag)
    return known


def _language(code: str) -> Language | None:
    try:
        if len(code) == 2:
            return Language.from_iso_code_639_1(IsoCode639_1.from_str(code))
        return Language.from_iso_code_639_3(IsoCode639_3.from_str(code))
    except ValueError:
        return None


@cache
def _detector(languages: tuple[Language, ...]) -> LanguageDetector:
    """A detector of `languages`, built once per process; its models load on first use.

    Low accuracy mode (trigrams only) was as accurate as the full mode on every text of 30
    letters and more in the test set, with a tenth of the memory and start-up time.
    """
    return LanguageDetectorBuilder.from_languages(*languages).with_low_accuracy_mode().build()
