"""NewsML-G2: a `newsItem`, or a `newsMessage` whose `itemSet` holds several.

Text items become stories; picture items give the text items of the same message their
picture (or, alone in a message, are a story of their own). `edNote`, `signal` and the
other management elements are never read, so never published.
"""

from __future__ import annotations

from feeds.errors import ArticleError
from feeds.model import Picture
from feeds.readers import markup, nitf
from feeds.readers.story import Item, copyright_line, last_segment, number
from feeds.readers.xmldoc import (
    Element,
    all_named,
    attribute,
    child,
    children,
    language,
    line,
    name,
    raw_text,
    text,
)

_PICTURE_CLASSES = {"picture", "graphic", "photo"}


def items(root: Element) -> list[Item]:
    """The stories of a newsItem or newsMessage document."""
    if name(root) == "newsMessage":
        news_items = all_named(root, "newsItem")
        if not news_items:
            raise ArticleError("the newsMessage holds no newsItem; nothing to publish", line(root))
    else:
        news_items = [root]
    texts = [node for node in news_items if not _is_picture(node)]
    pictures = [_picture(node) for node in news_items if _is_picture(node)]
    if not texts:
        return [_picture_story(node) for node in news_items]
    stories = [_story(node) for node in texts]
    for story, picture in zip(
        (s for s in stories if s.picture is None and not s.body.pictures), pictures, strict=False
    ):
        story.picture = picture
    return stories


def _is_picture(node: Element) -> bool:
    qcode = attribute(child(node, "itemMeta", "itemClass"), "qcode")
    return last_segment(qcode) in _PICTURE_CLASSES


def _story(node: Element) -> Item:
    item = _common(node)
    item.summary = _described(child(node, "contentMeta"), ("summary", "abstract", "teaser", ""))
    _read_content(child(node, "contentSet"), item)
    return item


def _picture_story(node: Element) -> Item:
    item = _common(node)
    item.picture = _picture(node)
    return item


def _common(node: Element) -> Item:
    """Identity, version, dates, status, headline and metadata, the same for text and picture
    items."""
    meta, content = child(node, "itemMeta"), child(node, "contentMeta")
    item = Item(story_id=attribute(node, "guid"), line=line(node))
    item.headline = _headline(content)
    item.version = number(attribute(node, "version"))
    item.first_created = text(child(meta, "firstCreated"))
    item.version_created = text(child(meta, "versionCreated"))
    item.embargo = text(child(meta, "embargoed"))
    item.status = attribute(child(meta, "pubStatus"), "qcode") or "usable"
    provider = child(meta, "provider")
    item.provider = text(child(provider, "name")) or attribute(provider, "qcode").split(":")[-1]
    item.byline = text(child(content, "by")) or text(child(content, "creator", "name"))
    item.language = attribute(child(content, "language"), "tag") or language(node)
    item.keywords = [text(node) for node in children(content, "keyword")]
    subjects = list(children(content, "subject"))
    item.subjects = [attribute(s, "qcode") or attribute(s, "uri") for s in subjects]
    item.keywords += [_name_in(s, item.language) for s in subjects if _name_in(s, item.language)]
    rights = child(node, "rightsInfo")
    holder = text(child(rights, "copyrightHolder", "name"))
    item.rights = text(child(rights, "copyrightNotice")) or copyright_line(holder)
    return item


def _headline(content: Element | None) -> str:
    """The main headline: one without a role, or whose role is not a subheadline."""
    for headline in children(content, "headline"):
        if "sub" not in attribute(headline, "role").lower():
            return text(headline)
    return ""


def _described(content: Element | None, roles: tuple[str, ...]) -> str:
    for description in children(content, "description"):
        if last_segment(attribute(description, "role")) in roles:
            return text(description)
    return ""


def _name_in(subject: Element, tag: str) -> str:
    """The subject's name in the item's language, else its name without a language."""
    names = list(children(subject, "name"))
    primary = tag.split("-")[0].lower()
    for wanted in (primary, ""):
        for node in names:
            if language(node).split("-")[0].lower() == wanted:
                return text(node)
    return ""


def _read_content(content_set: Element | None, item: Item) -> None:
    """The body: XHTML or NITF in inlineXML, or text or HTML in inlineData."""
    for node in children(content_set):
        if name(node) == "inlineXML":
            inner = next(children(node), None)
            if inner is not None:
                nitf.read_embedded(inner, item)
            return
        if name(node) == "inlineData":
            source = raw_text(node)
            html = "html" in attribute(node, "contenttype").lower()
            item.body = markup.from_html(source) if html else markup.from_plain(source)
            return


def _picture(node: Element) -> Picture:
    """A picture item: its largest image rendition, its caption and its credit."""
    content = child(node, "contentMeta")
    renditions = [
        rendition
        for rendition in all_named(child(node, "contentSet"), "remoteContent")
        if attribute(rendition, "contenttype").lower().startswith("image/")
        or not attribute(rendition, "contenttype")
    ]
    renditions.sort(key=lambda rendition: number(attribute(rendition, "width")), reverse=True)
    url = next((attribute(r, "href") for r in renditions if attribute(r, "href")), "")
    caption = _described(content, ("caption", "summary", "")) or _headline(content)
    credit = text(child(content, "creditline")) or text(child(content, "by"))
    return Picture(url=url or None, caption=caption, credit=credit)
