"""NewsML 1.2: a `NewsML` envelope of one or more `NewsItem`s (or a bare `NewsItem`).

The story id is provider, date and item id (`urn:newsml:afp.com:20240710:TX-1`) without the
revision, which is the version. The text is NITF, XHTML or plain text in `DataContent`;
a photo component gives the picture. `Comment`s and `Instruction`s are never read.
"""

from __future__ import annotations

from feeds.errors import ArticleError
from feeds.model import Picture
from feeds.readers import markup, nitf
from feeds.readers.story import Item, copyright_line, number
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

_PHOTO = {"photo", "image", "picture", "graphic"}


def items(root: Element) -> list[Item]:
    """The stories of a NewsML 1.2 document."""
    news_items = [root] if name(root) == "NewsItem" else all_named(root, "NewsItem")
    if not news_items:
        raise ArticleError("the NewsML document holds no NewsItem; nothing to publish", line(root))
    return [_story(node) for node in news_items]


def _story(node: Element) -> Item:
    identifier = child(node, "Identification", "NewsIdentifier")
    parts = [text(child(identifier, key)) for key in ("ProviderId", "DateId", "NewsItemId")]
    story_id = f"urn:newsml:{':'.join(parts)}" if all(parts) else ""
    item = Item(story_id=story_id, line=line(node))
    item.version = number(text(child(identifier, "RevisionId")))
    management = child(node, "NewsManagement")
    item.first_created = text(child(management, "FirstCreated"))
    item.version_created = text(child(management, "ThisRevisionCreated"))
    item.status = attribute(child(management, "Status"), "FormalName") or "usable"
    if item.status.lower() == "embargoed":  # until StatusWillChange's time
        item.embargo = text(child(management, "StatusWillChange", "DateAndTime"))
    component = child(node, "NewsComponent")
    lines = child(component, "NewsLines")
    item.headline = text(child(lines, "HeadLine"))
    item.byline = text(child(lines, "ByLine"))
    item.keywords = [text(keyword) for keyword in all_named(lines, "KeywordLine")]
    item.provider = attribute(
        child(component, "AdministrativeMetadata", "Provider", "Party"), "FormalName"
    )
    described = child(component, "DescriptiveMetadata")
    item.language = attribute(child(described, "Language"), "FormalName") or language(node)
    item.subjects = [
        f"subj:{attribute(subject, 'FormalName')}"
        for subject in all_named(described, "Subject")
        if attribute(subject, "FormalName")
    ]
    item.rights = text(child(lines, "CopyrightLine")) or _copyright(component)
    text_item, item.picture = _contents(component)
    if text_item is not None:
        _read_text(text_item, item)
    return item


def _copyright(component: Element | None) -> str:
    copyright_element = child(component, "RightsMetadata", "Copyright")
    holder = text(child(copyright_element, "CopyrightHolder"))
    return copyright_line(holder, text(child(copyright_element, "CopyrightDate"))[:4])


def _contents(component: Element | None) -> tuple[Element | None, Picture | None]:
    """The ContentItem holding the text, and the picture of a photo component."""
    text_item: Element | None = None
    picture: Picture | None = None
    for content in all_named(component, "ContentItem"):
        media = attribute(child(content, "MediaType"), "FormalName").lower()
        if media in _PHOTO and picture is None and attribute(content, "Href"):
            picture = _photo(content)
        elif (
            media in {"text", ""}
            and text_item is None
            and child(content, "DataContent") is not None
        ):
            text_item = content
    return text_item, picture


def _photo(content: Element) -> Picture:
    """A photo ContentItem; its caption and credit are in its component's NewsLines."""
    lines = child(content.getparent(), "NewsLines")
    caption = text(child(lines, "HeadLine")) or text(child(lines, "CaptionLine"))
    return Picture(
        url=attribute(content, "Href"), caption=caption, credit=text(child(lines, "CreditLine"))
    )


def _read_text(content: Element, item: Item) -> None:
    data = child(content, "DataContent")
    inner = next(children(data), None)
    if inner is not None:
        nitf.read_embedded(inner, item)
    else:
        item.body = markup.from_plain(raw_text(data))
