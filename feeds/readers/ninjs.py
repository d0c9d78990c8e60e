"""ninjs, IPTC's news in JSON, in its three generations.

1.x has flat fields (`headline`, `body_html`, `description_text`, `byline`, objects of
`renditions` and `associations`); 2.x has arrays (`headlines`, `bodies`, `descriptions`,
`subjects`, `by`); 3.x spells the same names in camelCase (`versionCreated`, `pubStatus`,
`embargoedUntil`). Each field is looked up under every spelling. `ednote`/`edNote` is
never read.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

from feeds.errors import ArticleError
from feeds.model import Picture
from feeds.readers import markup
from feeds.readers.story import Item, copyright_line, number

MAX_DEPTH = 64  # ninjs nests a few levels; json's recursion would fail near 1,000
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_CAMEL_END = re.compile(r"(created|status|until|notice|holder|terms|sources)$")
_BODY_KEYS = ("headline", "headlines", "body_html", "body_text", "bodies", "versioncreated")


def items(data: bytes) -> list[Item]:
    """The one story of a ninjs document; raises ArticleError for JSON that is not ninjs."""
    document = _load(data)
    if (
        not isinstance(document, dict)
        or not (_string(document, "uri") or _string(document, "guid"))
        or not any(_get(document, key) is not None for key in _BODY_KEYS)
    ):
        raise ArticleError(
            "valid JSON but not ninjs: expected an object with 'uri' (or 'guid') and "
            "'headline', 'headlines' or a body, as IPTC ninjs 1.x, 2.x or 3.x has"
        )
    return [_story(document)]


def _load(data: bytes) -> Any:
    depth, deepest = 0, 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', data)):
        depth += 1 if match[0] in b"[{" else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise ArticleError(
            f"JSON nests {deepest:,} levels deep; ninjs never needs more than {MAX_DEPTH}"
        )
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise ArticleError("not UTF-8 JSON; the agency must send ninjs as UTF-8") from None
    except json.JSONDecodeError as exc:
        raise ArticleError(
            f"not valid JSON ({exc.msg}); the agency must resend it", exc.lineno
        ) from None


def _get(document: dict[str, Any], key: str) -> Any:
    """A field under its ninjs 1.x/2.x spelling (lower case) or its 3.x one (camelCase)."""
    for spelling in _spellings(key):
        if spelling in document:
            return document[spelling]
    return None


@cache
def _spellings(key: str) -> tuple[str, ...]:
    """`versioncreated`: itself and `versionCreated`; `body_html`: also `bodyhtml`."""
    camel = _CAMEL_END.sub(lambda match: match[1].title(), key)
    return tuple(dict.fromkeys((key, key.replace("_", ""), camel)))


def _string(document: dict[str, Any], key: str) -> str:
    value = _get(document, key)
    return value.strip() if isinstance(value, str) else ""


def _objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a 2.x/3.x array, or of a 1.x object keyed by name (name added)."""
    if isinstance(value, dict):
        return [{"name": key, **item} for key, item in value.items() if isinstance(item, dict)]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _story(document: dict[str, Any]) -> Item:
    item = Item(story_id=_string(document, "uri") or _string(document, "guid"), line=1)
    version = _get(document, "version")
    item.version = number(str(version)) if isinstance(version, str | int) else 0
    item.first_created = _string(document, "firstcreated")
    item.version_created = _string(document, "versioncreated")
    item.status = _string(document, "pubstatus") or "usable"
    item.embargo = _string(document, "embargoeduntil") or _string(document, "embargoed")
    item.headline = _string(document, "headline") or _value(document, "headlines", ("", "main"))
    item.summary = (
        _string(document, "description_text")
        or markup.from_html(_string(document, "description_html")).first_paragraph
        or _value(document, "descriptions", ("", "summary", "abstract", "teaser"))
    )
    item.body = _body(document)
    item.byline = _string(document, "byline") or _by(_get(document, "by"))
    sources = _objects(_get(document, "infosources"))
    item.provider = next((str(s.get("name", "")) for s in sources if s.get("name")), "")
    item.language = _string(document, "language")
    keywords = _get(document, "keywords")
    item.keywords = (
        [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else []
    )
    subjects = _objects(_get(document, "subjects")) + _objects(_get(document, "subject"))
    item.subjects = [_code(subject) for subject in subjects if _code(subject)]
    item.keywords += [str(s["name"]) for s in subjects if isinstance(s.get("name"), str)]
    holder = _string(document, "copyrightholder")
    item.rights = _string(document, "copyrightnotice") or copyright_line(holder)
    item.picture = _picture(document)
    return item


def _value(document: dict[str, Any], key: str, roles: tuple[str, ...]) -> str:
    """The value of the first entry of an array (headlines, descriptions) with one of `roles`."""
    for entry in _objects(_get(document, key)):
        role = entry.get("role", "")
        if isinstance(role, str) and role.lower() in roles and isinstance(entry.get("value"), str):
            return str(entry["value"]).strip()
    return ""


def _body(document: dict[str, Any]) -> markup.Body:
    html, plain = _string(document, "body_html"), _string(document, "body_text")
    if html:
        return markup.from_html(html)
    if plain:
        return markup.from_plain(plain)
    for body in _objects(_get(document, "bodies")):
        value, kind = body.get("value"), str(body.get("contentType", body.get("contenttype", "")))
        if isinstance(value, str) and value.strip():
            return markup.from_html(value) if "html" in kind.lower() else markup.from_plain(value)
    return markup.Body()


def _by(value: Any) -> str:
    if isinstance(value, str):
        return value
    names = [str(person.get("name", "")) for person in _objects(value) if person.get("name")]
    return ", ".join(names)


def _code(subject: dict[str, Any]) -> str:
    """A subject's code: its uri, `literal`, or 1.x `scheme` + `code`."""
    for key in ("uri", "qcode"):
        if isinstance(subject.get(key), str):
            return str(subject[key])
    code, scheme = subject.get("code"), subject.get("scheme")
    if isinstance(code, str) and isinstance(scheme, str):
        return scheme.rstrip("/") + "/" + code if "://" in scheme else f"{scheme}:{code}"
    return str(subject["literal"]) if isinstance(subject.get("literal"), str) else ""


def _picture(document: dict[str, Any]) -> Picture | None:
    """The item's own renditions if it is a picture, else its first associated picture."""
    if _string(document, "type") == "picture":
        return _as_picture(document)
    for associated in _objects(_get(document, "associations")):
        if associated.get("type") in {"picture", "graphic"}:
            return _as_picture(associated)
    return None


def _width(rendition: dict[str, Any]) -> int:
    width = rendition.get("width")  # json reads NaN and Infinity too
    return int(width) if isinstance(width, int | float) and 0 <= width < 10**9 else 0


def _as_picture(document: dict[str, Any]) -> Picture | None:
    renditions = _objects(_get(document, "renditions"))
    renditions.sort(key=_width, reverse=True)
    url = next((str(r["href"]) for r in renditions if isinstance(r.get("href"), str)), "")
    caption = (
        _string(document, "description_text")
        or _value(document, "descriptions", ("", "caption", "summary"))
        or _string(document, "headline")
        or _value(document, "headlines", ("", "main"))
    )
    credit = _string(document, "byline") or _by(_get(document, "by"))
    if not (url or caption):
        return None
    return Picture(url=url or None, caption=caption, credit=credit)
