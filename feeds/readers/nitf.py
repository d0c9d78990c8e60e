"""NITF 3.x (`nitf`, with or without its namespace): one story per document.

`docdata` gives the identity (`doc-id`), version (`du-key`), dates, status and rights;
`management-doc-idref` names a story this document kills. `ed-msg` and `note` are never
published.
"""

from __future__ import annotations

from feeds.readers import markup
from feeds.readers.story import Item, copyright_line, number
from feeds.readers.xmldoc import Element, all_named, attribute, child, language, line, name, text

_KILL = {"", "canceled", "cancelled"}


def items(root: Element) -> list[Item]:
    """The one story of a NITF document."""
    return [story(root)]


def story(root: Element) -> Item:
    """A `nitf` element as an Item (NewsML documents carry NITF bodies too)."""
    head, body = child(root, "head"), child(root, "body")
    docdata = child(head, "docdata")
    doc_id = child(docdata, "doc-id")
    item = Item(story_id=attribute(doc_id, "id-string"), line=line(root))
    item.version = number(attribute(child(docdata, "du-key"), "version"))
    issued = child(docdata, "date.issue")
    item.version_created = attribute(issued, "norm") or text(issued)
    item.status = attribute(docdata, "management-status") or "usable"
    if item.status.lower() == "embargoed":
        release = child(docdata, "date.release")
        item.embargo = attribute(release, "norm") or text(release)
    killed = attribute(docdata, "management-doc-idref")
    if killed and attribute(docdata, "management-idref-status").lower() in _KILL:
        item.kills = killed.split()
        item.status = "canceled"  # the notice of a kill is no story of its own
    body_head = child(body, "body.head")
    item.headline = text(child(body_head, "hedline", "hl1")) or text(child(head, "title"))
    item.summary = text(child(body_head, "abstract"))
    item.byline = text(child(body_head, "byline"))
    item.provider = attribute(doc_id, "regsrc") or text(child(body_head, "distributor"))
    item.language = language(root) or language(body)
    item.keywords = [attribute(k, "key") for k in all_named(child(docdata, "key-list"), "keyword")]
    item.subjects = [
        f"subj:{attribute(s, 'tobject.subject.refnum')}"
        for s in all_named(child(head, "tobject"), "tobject.subject")
        if attribute(s, "tobject.subject.refnum")
    ]
    owner = child(docdata, "doc.copyright")
    item.rights = copyright_line(attribute(owner, "holder"), attribute(owner, "year"))
    item.body = markup.from_element(child(body, "body.content"))
    return item


def read_embedded(inner: Element, item: Item) -> None:
    """The body of `item` from NITF or XHTML inside a NewsML document; NITF also gives the
    headline and summary when the NewsML item has none."""
    if name(inner) == "nitf":
        embedded = story(inner)
        item.body = embedded.body
        item.headline = item.headline or embedded.headline
        item.summary = item.summary or embedded.summary
        return
    bodies = all_named(inner, "body")
    item.body = markup.from_element(bodies[0] if bodies else inner)
