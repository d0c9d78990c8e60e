"""Plain-text helpers: decoding article bytes, XML-safe text, folding and slugs."""

from __future__ import annotations

import re
import unicodedata

from feeds.errors import ArticleError

# Characters outside XML 1.0's `Char` production (C0 controls but tab/LF/CR, surrogates,
# U+FFFE and U+FFFF): no feed may contain them.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f]")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
_SPACE = re.compile(r"\s+")
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")  # BCP 47 in form: 'de-CH'
_BINARY_CONTROL_SHARE = 0.05
MAX_TITLE = 1000  # characters: a longer "title" is a paragraph taken for one
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# Letters that NFKD does not decompose into ASCII (fold has already lowered them).
_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th"}
)


def decode(data: bytes) -> str:
    """Decode article bytes: UTF-8 (BOM or not), else Windows-1252; LF newlines.

    Raises ArticleError for NUL bytes, UTF-16, undecodable bytes or binary-looking content.
    """
    if data.startswith(_UTF16_BOMS):  # first: UTF-16 text has NUL bytes too
        raise ArticleError("not a text file (it is UTF-16); save it as UTF-8 text")
    if b"\x00" in data:
        raise ArticleError("not a text file (it contains NUL bytes); save it as UTF-8 text")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise ArticleError(
                "not a text file (neither UTF-8 nor Windows-1252); save it as UTF-8 text"
            ) from exc
    if text and len(_CONTROL.findall(text)) > _BINARY_CONTROL_SHARE * len(text):
        raise ArticleError("not a text file (mostly control characters); save it as UTF-8 text")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 forbids."""
    return _XML_FORBIDDEN.sub("", text)


def one_line(text: str) -> str:
    """XML-safe text with every run of white space folded into one space."""
    return _SPACE.sub(" ", xml_safe(text)).strip()


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`, for matching kickers and aliases."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def slugify(text: str) -> str:
    """ASCII-folded, lowercase slug of [a-z0-9-]; empty if nothing is left."""
    ascii_text = fold(text).translate(_LIGATURES).encode("ascii", "ignore").decode("ascii")
    return _NON_SLUG.sub("-", ascii_text).strip("-")
