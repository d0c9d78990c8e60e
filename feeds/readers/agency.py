"""Agency documents (.xml, .nitf, .json): the format is recognised from the content.

JSON must be ninjs; XML is NewsML-G2 (`newsItem`, `newsMessage`), NewsML 1.2 (`NewsML`,
`NewsItem`) or NITF (`nitf`), whatever its namespace. Bytes in, one Draft per story out.
"""

from __future__ import annotations

from collections.abc import Callable

from feeds.errors import ArticleError
from feeds.readers import Context, Draft, newsml12, newsml_g2, ninjs, nitf
from feeds.readers.story import Item, to_draft
from feeds.readers.xmldoc import Element, line, name, parse

SUFFIXES = frozenset({".xml", ".nitf", ".json"})
MAX_DOCUMENT = 5 * 1024 * 1024  # bytes; checked before any parsing
_XML_FORMATS: dict[str, Callable[[Element], list[Item]]] = {
    "newsItem": newsml_g2.items,
    "newsMessage": newsml_g2.items,
    "NewsML": newsml12.items,
    "NewsItem": newsml12.items,
    "nitf": nitf.items,
}
_BOM = b"\xef\xbb\xbf"


def read(data: bytes, context: Context) -> list[Draft]:
    """Every story of an agency document; raises ArticleError naming what was expected."""
    if len(data) > MAX_DOCUMENT:
        raise ArticleError(
            f"document is {len(data) / 1024 / 1024:.1f} MB; an agency document may be at most "
            f"{MAX_DOCUMENT // 1024 // 1024} MB (ask the agency to send pictures by reference)"
        )
    start = data.removeprefix(_BOM).lstrip()
    if not start:
        raise ArticleError("empty file; an agency document is XML (NewsML, NITF) or ninjs JSON")
    if not start.startswith(b"<"):  # XML starts with "<", JSON never
        stories = ninjs.items(data.removeprefix(_BOM))
    else:
        root = parse(data)
        reader = _XML_FORMATS.get(name(root))
        if reader is None:
            raise ArticleError(
                f"XML with root element <{name(root)}>; expected an agency document: NewsML-G2 "
                "<newsItem> or <newsMessage>, NewsML 1.2 <NewsML>, or NITF <nitf>",
                line(root),
            )
        stories = reader(root)
    return [to_draft(story, context) for story in stories]
