"""The one importer of lxml: untrusted XML and HTML parsed safely, and read by local names.

Agency documents come from outside, so the parser loads no DTD, resolves no entity (an
`&xxe;` stays an unexpanded reference, and a document that declares entities is rejected
outright), never touches the network, keeps libxml2's limits on depth (256) and text size
(no `huge_tree`); feeds.readers.agency refuses big documents before they get here.
Elements are matched by their local name, so a namespace that is missing, spelled with or
without a trailing slash, or reset with `xmlns=""` does not matter.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.entities import name2codepoint
from typing import TypeAlias

from lxml import etree

from feeds.errors import ArticleError
from feeds.text import xml_safe

Element: TypeAlias = etree._Element

_FORBIDDEN_REFERENCE = re.compile(r"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});?")
# libxml2's HTML parser, which never loads anything either.
_HTML_PARSER = etree.HTMLParser(
    no_network=True, remove_comments=True, remove_pis=True, default_doctype=False
)
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def parse(data: bytes) -> Element:
    """The root element of an XML document; raises ArticleError naming the line at fault."""
    try:
        root = etree.fromstring(data, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise ArticleError(
            f"not well-formed XML ({exc.msg}); the agency must resend the document",
            exc.lineno or 1,
        ) from None
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise ArticleError(
            "the document declares entities (<!ENTITY>), which are never expanded; "
            "ask the agency for the document without them"
        )
    return root


def html_fragment(text: str) -> Element:
    """HTML text (an agency's HTML body) as the children of one element (its `body`)."""
    text = _FORBIDDEN_REFERENCE.sub(_allowed_reference, xml_safe(text))  # lxml refuses them
    try:
        root = etree.fromstring(text, _HTML_PARSER) if text.strip() else None
    except (etree.ParserError, ValueError) as exc:  # not seen once the above is done
        raise ArticleError(f"the HTML body cannot be read ({exc})") from None
    body = None if root is None else root.find("body")
    return etree.Element("div") if body is None else body


def _allowed_reference(match: re.Match[str]) -> str:
    """A numeric character reference, or "" if it names a character XML forbids."""
    digits = match[1]
    codepoint = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
    return match[0] if codepoint <= 0x10FFFF and xml_safe(chr(codepoint)) else ""


def name(element: Element) -> str:
    """The local name of an element, without its namespace."""
    tag = element.tag
    if not isinstance(tag, str):  # a comment or processing instruction of an HTML body
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element: Element | None, wanted: str = "") -> Iterator[Element]:
    """The child elements (no entity references), only those named `wanted` if given."""
    for node in element if element is not None else ():
        if isinstance(node.tag, str) and (not wanted or name(node) == wanted):
            yield node


def child(element: Element | None, *names: str) -> Element | None:
    """The first element down the path of local `names`, or None."""
    for wanted in names:
        element = next(children(element, wanted), None)
    return element


def all_named(element: Element | None, wanted: str) -> list[Element]:
    """Every descendant element with local name `wanted`, in document order."""
    if element is None:
        return []
    return [node for node in element.iter(tag=etree.Element) if name(node) == wanted]


def text(element: Element | None) -> str:
    """The text of an element and its descendants, white space folded (entities left out)."""
    return " ".join(raw_text(element).split())


def raw_text(element: Element | None) -> str:
    """The text of an element and its descendants as written, line breaks and all."""
    return "" if element is None else "".join(_texts(element))


def entity_text(node: Element) -> str:
    """The character an entity reference left unexpanded stands for, if HTML names it
    (`&nbsp;`, `&eacute;`: a document with an external DTD that is never loaded); else ""."""
    if node.tag is not etree.Entity:
        return ""
    codepoint = name2codepoint.get(str(node.text).strip("&;"))
    return "" if codepoint is None else chr(codepoint)


def _texts(element: Element) -> Iterator[str]:
    if element.text and isinstance(element.tag, str):
        yield element.text
    for node in element:
        if isinstance(node.tag, str):
            yield from _texts(node)
        else:
            yield entity_text(node)
        if node.tail:
            yield node.tail


def attribute(element: Element | None, key: str) -> str:
    """An attribute's value, stripped; "" when the element or attribute is missing."""
    if element is None:
        return ""
    return str(element.get(key, "")).strip()


def language(element: Element | None) -> str:
    """The element's xml:lang, else "" (not inherited)."""
    return attribute(element, "{http://www.w3.org/XML/1998/namespace}lang")


def line(element: Element | None) -> int:
    """The 1-based line where the element starts (1 when unknown)."""
    if element is None:
        return 1
    return int(element.sourceline or 1)
