"""Markdown articles (.md): front matter keys, then a CommonMark body."""

from __future__ import annotations

import ctypes
import html
import re
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

from cmarkgfm import _cmark
from cmarkgfm.cmark import Options

from feeds import urls
from feeds.dates import from_value
from feeds.errors import ArticleError
from feeds.model import Picture
from feeds.readers import Context, Draft
from feeds.readers.frontmatter import line_of, split
from feeds.sanitize import sanitize_html
from feeds.text import LANGUAGE_TAG, MAX_TITLE, one_line, slugify, xml_safe

# Raw HTML is kept, as CommonMark says, and then sanitised like every body.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE
# cmark returns its HTML in a buffer of the C library's malloc, for the caller to free.
_free = ctypes.CDLL(None).free
_free.argtypes = [ctypes.c_void_p]
# cmark writes a paragraph as <p>…</p>, an image as <img src="…" alt="…" …/>, and escapes
# the text and attribute values (so a tag's quoted values hold no quote, and text no "<").
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
_IMAGE = re.compile(r'<img [^>]*?alt="([^"]*)"[^>]*>')
_TAG = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.DOTALL)


def _to_html(markdown: str) -> str:
    """cmark's HTML for `markdown`, as `cmarkgfm.markdown_to_html` gives it, which never
    frees cmark's buffer (cmarkgfm issue 53): that leaked about 6 KB an article, over 500 MB
    in the parsing processes of a cold load of 100,000, and 6 KB in the builder at each edit."""
    data = markdown.encode()
    buffer = _cmark.lib.cmark_markdown_to_html(data, len(data), _CMARK_OPTIONS)
    try:
        html_text: str = _cmark.ffi.string(buffer).decode()
    finally:
        _free(int(_cmark.ffi.cast("uintptr_t", buffer)))
    return html_text


def read(text: str, context: Context) -> Draft:
    """Parse a Markdown article; raises ArticleError naming the line of a bad key."""
    data, head, body, body_line = split(xml_safe(text))  # YAML and TOML refuse controls
    fields = _Fields(data, head)
    slug = fields.get("slug", _slug) or context.file_slug
    base = urls.absolute(context.config.base_url, urls.article_page(slug))
    rendered = _to_html(body)
    try:
        body_html = sanitize_html(rendered, base)
    except ValueError as exc:
        raise ArticleError(f"the body's {exc}", body_line) from None
    title = fields.required("title", _text)
    if len(title) > MAX_TITLE:
        raise ArticleError(
            f"title is {len(title):,} characters long; keep it under {MAX_TITLE:,}",
            line_of(head, "title"),
        )
    moment = partial(from_value, zone=context.config.timezone)
    topics = partial(_topic_slugs, context=context)
    return Draft(
        title=title,
        published=fields.required("date", moment),
        updated=fields.get("updated", moment),
        summary=fields.get("summary", _text) or _lead(rendered),
        body_html=body_html,
        slug=slug,
        front_matter_topics=fields.get("topics", topics) or fields.get("topic", topics) or (),
        tags=fields.get("tags", _names) or (),
        author=fields.get("author", _author) or "",
        language=fields.get("lang", _language),
        id=fields.get("id", _text) or None,
        draft=bool(fields.get("draft", _flag)),
        link=fields.get("link", _http_url),
        picture=fields.get("image", partial(_picture, base=base)),
    )


class _Fields:
    """Front-matter values converted one key at a time; errors carry the key's line."""

    def __init__(self, data: dict[str, Any], head: list[str]) -> None:
        self.data, self.head = data, head

    def get(self, key: str, convert: Callable[[Any], Any]) -> Any:
        value = self.data.get(key)
        if value is None:
            return None
        try:
            return convert(value)
        except ValueError as exc:
            raise ArticleError(f"{key}: {exc}", line_of(self.head, key)) from None

    def required(self, key: str, convert: Callable[[Any], Any]) -> Any:
        value = self.get(key, convert)
        if value in (None, ""):
            raise ArticleError(
                f"front matter has no {key}; add '{key}: ...'", line_of(self.head, key)
            )
        return value


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{value!r} is not text")
    return one_line(str(value))


def _names(value: Any) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise ValueError(f"{value!r} is not a list of names")
    return tuple(dict.fromkeys(name for name in map(_text, items) if name))


def _topic_slugs(value: Any, context: Context) -> tuple[str, ...]:
    """Topic names (slug, title or alias) as slugs; a name config.toml lacks is an error."""
    slugs: list[str] = []
    for name in _names(value):
        found = context.matcher.named(name)
        if not found:
            known = ", ".join(topic.slug for topic in context.config.topics) or "none"
            raise ValueError(f"{name!r} is not a topic of config.toml (known: {known})")
        slugs.extend(found)
    return tuple(dict.fromkeys(slugs))


def _author(value: Any) -> str:
    return ", ".join(_names(value)) if isinstance(value, list) else _text(value)


def _slug(value: Any) -> str:
    slug = slugify(_text(value))
    if not slug:
        raise ValueError(f"{value!r} has no letters or digits for a URL")
    return slug


def _language(value: Any) -> str:
    language = _text(value)
    if not LANGUAGE_TAG.fullmatch(language):
        raise ValueError(f"{language!r} is not a language tag like 'fr' or 'de-CH'")
    return language


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{value!r} is not true or false")
    return value


def _http_url(value: Any) -> str:
    url = _text(value)
    if urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).netloc:
        raise ValueError(f"{url!r} is not an absolute http(s) URL")
    return url


def _picture(value: Any, base: str) -> Picture:
    """`image: pic.jpg`, or a table with `src` (or `url`), `caption` and `credit`."""
    if isinstance(value, dict):
        source = value.get("src", value.get("url"))
        caption, credit = _text(value.get("caption", "")), _text(value.get("credit", ""))
    else:
        source, caption, credit = value, "", ""
    url = urljoin(base, _text(source))
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ValueError(f"{source!r} is not an http(s) or relative image URL")
    return Picture(url=url, caption=caption, credit=credit)


def _lead(rendered: str) -> str:
    """Plain text of the body's first paragraph with text outside images: the lead."""
    for match in _PARAGRAPH.finditer(rendered):
        inside = match.group(1)
        if _plain(_IMAGE.sub("", inside)).strip():
            return one_line(_plain(_IMAGE.sub(r"\1", inside)))
    return ""


def _plain(fragment: str) -> str:
    """Text of rendered inline HTML: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", fragment))
