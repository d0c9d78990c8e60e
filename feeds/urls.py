"""The one place where URL shapes and content types live."""

from __future__ import annotations

from enum import Enum

ALL = "all"


class Kind(Enum):
    """Every kind of resource the site publishes, with its content type."""

    HTML = "text/html; charset=utf-8"
    ATOM = "application/atom+xml; charset=utf-8"
    RSS = "application/rss+xml; charset=utf-8"
    JSON = "application/feed+json; charset=utf-8"
    OPML = "text/x-opml; charset=utf-8"

    @property
    def content_type(self) -> str:
        return self.value

    @property
    def mime_type(self) -> str:
        """The content type without its charset parameter."""
        return self.value.split(";")[0]


FEED_KINDS = (Kind.ATOM, Kind.RSS, Kind.JSON)
_FEED_SUFFIX = {Kind.ATOM: ".atom.xml", Kind.RSS: ".rss.xml", Kind.JSON: ".json"}

HOME = "/"
OPML = "/opml.xml"
HEALTH = "/healthz"
# The pages a server answers 404 and 410 with; static hosts can use them as error pages.
NOT_FOUND = "/404.html"
GONE = "/410.html"


def language_slug(tag: str) -> str:
    """The feed slug of every article in the language `tag` (BCP 47): `all-de`, `all-de-ch`."""
    return f"{ALL}-{tag.lower()}"


def topic_page(slug: str) -> str:
    """Path of a topic's page; `all` and `all-<lang>` have none, theirs is the landing page."""
    return HOME if slug == ALL or slug.startswith(f"{ALL}-") else f"/topics/{slug}/"


ARTICLES = "/articles/"


def article_page(slug: str) -> str:
    return f"{ARTICLES}{slug}/"


def is_article_page(path: str) -> bool:
    return path.startswith(ARTICLES)


FEEDS = "/feeds/"
WEBSUB = "/websub"


def feed(slug: str, kind: Kind) -> str:
    return f"{FEEDS}{slug}{_FEED_SUFFIX[kind]}"


def current_feed_kind(path: str) -> Kind | None:
    """The kind of a current feed's path (`/feeds/<slug>.atom.xml`…), else None: archive
    documents under `/feeds/archive/` and every other path are not current feeds."""
    name = path.removeprefix(FEEDS)
    if name == path or "/" in name:
        return None
    for kind, suffix in _FEED_SUFFIX.items():
        if name.endswith(suffix) and len(name) > len(suffix):
            return kind
    return None


def absolute(base_url: str, path: str) -> str:
    """Absolute URL of a site path; `base_url` ends with a slash."""
    return base_url + path.lstrip("/")


def kind_of(path: str) -> Kind | None:
    """The kind of resource a site path names, by its shape; None if the site has none such."""
    if path.endswith(("/", ".html")):
        return Kind.HTML
    if path == OPML:
        return Kind.OPML
    for kind, suffix in _FEED_SUFFIX.items():
        if path.endswith(suffix):
            return kind
    return None


def cache_control(path: str, lists_max_age: int, articles_max_age: int) -> str:
    """Article pages rarely change and may be cached longer than feeds and lists."""
    seconds = articles_max_age if is_article_page(path) else lists_max_age
    return f"public, max-age={seconds}"


def file_name(path: str) -> str:
    """Relative file name of a site path in static output: folders get `index.html`."""
    relative = path.lstrip("/")
    return relative + "index.html" if path.endswith("/") else relative


def site_path(file_name: str) -> str:
    """The site path of a file name in static output: the inverse of `file_name`."""
    return "/" + file_name.removesuffix("index.html")
