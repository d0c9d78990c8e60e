"""Agency bodies (XHTML, NITF, HTML or plain text) to the HTML every other article has.

`hl1`/`hl2` become `<h2>`, `block` and other containers are flattened, `media` with its
caption becomes a `<figure>` (and the article's picture), `<pre>` is kept. Notes, editor's
messages and paragraphs that are markers or routing lines are left out; the result still
goes through feeds.sanitize.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from feeds.model import Picture
from feeds.readers import advisory
from feeds.readers.xmldoc import (
    Element,
    attribute,
    children,
    entity_text,
    html_fragment,
    name,
    text,
)

# Elements kept, under the HTML name they map to.
_RENAMED = {
    "p": "p",
    "hl1": "h2",
    "hl2": "h2",
    "h1": "h2",
    "h2": "h2",
    "h3": "h3",
    "h4": "h4",
    "h5": "h4",
    "h6": "h4",
    "pre": "pre",
    "bq": "blockquote",
    "blockquote": "blockquote",
    "ul": "ul",
    "ol": "ol",
    "li": "li",
    "dl": "dl",
    "dt": "dt",
    "dd": "dd",
    "table": "table",
    "thead": "thead",
    "tbody": "tbody",
    "tr": "tr",
    "td": "td",
    "th": "th",
    "em": "em",
    "i": "em",
    "strong": "strong",
    "b": "strong",
    "q": "q",
    "sub": "sub",
    "sup": "sup",
    "code": "code",
    "a": "a",
    "br": "br",
}
# Where a paragraph that is only a marker, a note or a routing line is left out.
_CHECKED = frozenset({"p", "h2", "h3", "h4"})
# Never published: notes for editors, the metadata parts of a NITF body, scripts.
_DROPPED = frozenset(
    {
        "note",
        "ed-msg",
        "head",
        "title",
        "body.head",
        "body.end",
        "script",
        "style",
        "media-metadata",
        "media-object",
        "fn",
        "credit",
    }
)
_HTML_TAG = re.compile(r"<(?:p|br|div|h[1-6]|ul|ol|li|b|i|em|strong|a)\b[^>]*>", re.IGNORECASE)


@dataclass
class Body:
    """A body as HTML (unsanitised), the pictures its `media` elements showed, and the text
    of its first paragraph (the lead, when the item has no summary)."""

    html: str = ""
    pictures: list[Picture] = field(default_factory=list)
    first_paragraph: str = ""


def from_element(element: Element | None) -> Body:
    """The HTML of an XHTML or NITF body element (its children; the element itself is not)."""
    body = Body()
    if element is not None:
        body.html = "\n".join(part for part in _convert_children(element, body) if part.strip())
    return body


def from_html(source: str) -> Body:
    """The HTML of an agency's HTML text (inlineData of type text/html, ninjs body_html)."""
    return from_element(html_fragment(source))


def from_plain(source: str) -> Body:
    """Plain text to paragraphs: by blank lines, or by line breaks when it has no blank line.

    Agencies put HTML into text/plain often enough that text with HTML tags is read as HTML.
    """
    if _HTML_TAG.search(source):
        return from_html(source)
    source = source.replace("\r\n", "\n").replace("\r", "\n").strip()
    separator = re.compile(r"\n\s*\n") if re.search(r"\n\s*\n", source) else re.compile(r"\n")
    paragraphs = [" ".join(part.split()) for part in separator.split(source)]
    kept = [part for part in paragraphs if part and not advisory.is_for_editors(part)]
    html = "\n".join(f"<p>{escape(part, quote=False)}</p>" for part in kept)
    return Body(html, first_paragraph=kept[0] if kept else "")


def _convert_children(element: Element, body: Body) -> list[str]:
    parts = [escape(element.text, quote=False)] if element.text else []
    for node in element:
        if isinstance(node.tag, str):
            parts.append(_convert(node, body))
        else:  # an entity reference left unexpanded, or a comment
            parts.append(escape(entity_text(node), quote=False))
        if node.tail:
            parts.append(escape(node.tail, quote=False))
    return parts


def _convert(node: Element, body: Body) -> str:
    local = name(node).lower()
    if local in _DROPPED:
        return ""
    if local == "media":
        return _media(node, body)
    tag = _RENAMED.get(local)
    if tag is None:  # block, div, span, person, location…: the content without the element
        return "".join(_convert_children(node, body))
    if tag == "br":
        return "<br>"
    if tag in _CHECKED:
        shown = text(node)
        if advisory.is_for_editors(shown):
            return ""
        if tag == "p" and not body.first_paragraph:
            body.first_paragraph = shown
    inner = "".join(_convert_children(node, body))
    href = attribute(node, "href")
    if tag == "a" and href:
        return f'<a href="{escape(href)}">{inner}</a>'
    return f"<{tag}>{inner}</{tag}>"


def _media(node: Element, body: Body) -> str:
    """A NITF `media` element: its image reference, caption and producer as a figure."""
    references = children(node, "media-reference")
    url = next((attribute(r, "source") for r in references if attribute(r, "source")), None)
    caption = " ".join(text(c) for c in children(node, "media-caption"))
    credit = " ".join(text(c) for c in children(node, "media-producer"))
    if attribute(node, "media-type") not in {"", "image", "photo", "graphic"}:
        return ""
    picture = Picture(url=url or None, caption=caption, credit=credit)
    body.pictures.append(picture)
    return figure(picture)


def figure(picture: Picture) -> str:
    """A picture as the `<figure>` the other formats write."""
    image = (
        f'<img src="{escape(picture.url)}" alt="{escape(picture.caption)}">' if picture.url else ""
    )
    credit = f" <small>{escape(picture.credit, quote=False)}</small>" if picture.credit else ""
    caption = escape(picture.caption, quote=False)
    if caption or credit:
        return f"<figure>{image}<figcaption>{caption}{credit}</figcaption></figure>"
    return f"<figure>{image}</figure>"
