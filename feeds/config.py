"""config.toml to a validated, typed Config; every mistake names its key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from feeds.errors import ConfigError
from feeds.model import Topic
from feeds.text import LANGUAGE_TAG
from feeds.urls import ALL, MaxAges

_SLUG = re.compile(r"[a-z0-9-]+")
_SECTIONS = {"site", "build", "serve", "deploy", "topics", "websub"}


@dataclass(frozen=True, slots=True)
class Deploy:
    """Where `feeds deploy` syncs the static site."""

    bucket: str
    prefix: str
    endpoint_url: str | None = None
    region: str | None = None
    max_deletes: int = 256


@dataclass(frozen=True, slots=True)
class WebSub:
    """Real-time push: the built-in hub, other hubs to advertise and ping."""

    hub: bool = False  # `feeds serve` is the hub of its own feeds at /websub
    hubs: tuple[str, ...] = ()  # other hubs: advertised and told of every change
    allow_private_callbacks: bool = False  # subscribers on loopback/private addresses (tests)


@dataclass(frozen=True, slots=True)
class Config:
    """Everything config.toml says, validated; paths are absolute."""

    path: Path
    title: str
    base_url: str
    description: str
    language: str
    languages: tuple[str, ...]  # those articles may be in; `language` among them
    timezone: ZoneInfo
    author: str
    icon: str | None
    logo: str | None
    articles_dir: Path
    output_dir: Path
    max_entries: int
    archive_size: int
    cache_max_age: int
    article_max_age: int
    archive_max_age: int
    robots: tuple[str, ...]
    topics: tuple[Topic, ...]
    deploy: Deploy | None
    websub: WebSub | None = None

    @property
    def root(self) -> Path:
        """The folder of config.toml: problem paths are relative to it."""
        return self.path.parent

    @property
    def max_ages(self) -> MaxAges:
        return MaxAges(self.cache_max_age, self.article_max_age, self.archive_max_age)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or ""

    def topic(self, slug: str) -> Topic:
        """The topic `slug`, or the implicit topic `all`."""
        for topic in self.topics:
            if topic.slug == slug:
                return topic
        return Topic(slug=ALL, title="All articles", description=self.description)


class _Table:
    """One TOML table and the name it is reported under; checks key types."""

    def __init__(self, path: str, name: str, data: object) -> None:
        if not isinstance(data, dict):
            raise ConfigError(path, name, "must be a table")
        self.path, self.name, self.data = path, name, data

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(self.path, f"{self.name}.{key}", message)

    def only(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown key; allowed: {', '.join(sorted(allowed))}")

    def get(self, key: str, kind: type, default: Any = None, required: bool = False) -> Any:
        if key not in self.data:
            if required:
                raise self.error(key, "is required")
            return default
        value = self.data[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise self.error(key, f"{value!r} is not {_KIND_NAMES[kind]}")
        if isinstance(value, str) and not value.strip() and required:
            raise self.error(key, "must not be empty")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.get(key, list, [])
        if not all(isinstance(value, str) for value in values):
            raise self.error(key, "must be a list of strings")
        return tuple(values)


_KIND_NAMES = {
    str: "a string",
    int: "a whole number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


def load_config(path: Path | str) -> Config:
    """Read and validate config.toml; raises ConfigError naming file and key."""
    path = Path(path)
    shown = str(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(
            shown, "", "not found; pass --config PATH or create config.toml"
        ) from None
    except OSError as exc:
        raise ConfigError(shown, "", f"cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(shown, "", f"not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(shown, "", "not valid UTF-8") from None
    for key in data:
        if key not in _SECTIONS:
            raise ConfigError(
                shown, key, f"unknown section; allowed: {', '.join(sorted(_SECTIONS))}"
            )
    return _parse(path.resolve(), shown, data)


def _parse(path: Path, shown: str, data: dict[str, Any]) -> Config:
    site = _Table(shown, "[site]", data.get("site", {}))
    site.only(
        {
            "title",
            "base_url",
            "description",
            "language",
            "languages",
            "timezone",
            "author",
            "icon",
            "logo",
            "robots",
        }
    )
    build = _Table(shown, "[build]", data.get("build", {}))
    build.only({"articles_dir", "output_dir", "max_entries", "archive_size"})
    serve = _Table(shown, "[serve]", data.get("serve", {}))
    serve.only({"cache_max_age", "article_max_age", "archive_max_age"})
    root = path.parent
    language = _language(site, site.get("language", str, "en"), "language")
    return Config(
        path=path,
        title=site.get("title", str, required=True).strip(),
        base_url=_base_url(site),
        description=site.get("description", str, ""),
        language=language,
        languages=_languages(site, language),
        timezone=_timezone(site),
        author=site.get("author", str, ""),
        icon=site.get("icon", str),
        logo=site.get("logo", str),
        articles_dir=_folder(root, build, "articles_dir", "articles"),
        output_dir=_folder(root, build, "output_dir", "public"),
        max_entries=_positive(build, "max_entries", 50),
        archive_size=_positive(build, "archive_size", 100),
        cache_max_age=_positive(serve, "cache_max_age", 300, minimum=0),
        article_max_age=_positive(serve, "article_max_age", 3600, minimum=0),
        archive_max_age=_positive(serve, "archive_max_age", 86400, minimum=0),
        robots=_robots(site),
        topics=_topics(shown, data.get("topics", [])),
        deploy=_deploy(shown, data["deploy"]) if "deploy" in data else None,
        websub=_websub(shown, data["websub"]) if "websub" in data else None,
    )


def _base_url(site: _Table) -> str:
    url: str = site.get("base_url", str, required=True).strip()
    parts = _absolute_url(site, "base_url", url)
    if parts.query or parts.fragment:
        raise site.error("base_url", f"{url!r} must not have a query or fragment")
    return url if url.endswith("/") else url + "/"


def _absolute_url(table: _Table, key: str, url: str) -> SplitResult:
    parts = _split(url)
    if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
        raise table.error(key, f"{url!r} is not an absolute http(s) URL")
    return parts


def _split(url: str) -> SplitResult | None:
    """The parts of `url`, or None if it has white space or does not parse (bad port, `[`)."""
    if any(char.isspace() or not char.isprintable() for char in url):
        return None
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return None
    return parts if port_ok else None


def _folder(root: Path, build: _Table, key: str, default: str) -> Path:
    """A folder named in [build], relative to the config file."""
    name: str = build.get(key, str, default)
    if not name.strip() or "\x00" in name:
        raise build.error(key, f"{name!r} is not a folder name")
    return root / name


def _language(site: _Table, language: str, key: str) -> str:
    if not LANGUAGE_TAG.fullmatch(language):
        raise site.error(key, f"{language!r} is not a BCP 47 language tag like 'fr' or 'de-CH'")
    return language


def _languages(site: _Table, language: str) -> tuple[str, ...]:
    """`[site] languages`: distinct tags (ignoring case), `language` among them."""
    tags = site.strings("languages") or (language,)
    folded: set[str] = set()
    for tag in tags:
        _language(site, tag, "languages")
        if tag.lower() in folded:
            raise site.error("languages", f"{tag!r} is listed twice")
        folded.add(tag.lower())
    if language.lower() not in folded:
        raise site.error("languages", f"must include the site's language {language!r}")
    return tags


def _robots(site: _Table) -> tuple[str, ...]:
    """Lines for robots.txt: each one line of printable text."""
    lines = site.strings("robots")
    for number, line in enumerate(lines, start=1):
        if not line.isprintable():
            raise site.error(
                "robots", f"line {number} ({line!r}) must be one line of printable text"
            )
    return tuple(line.strip() for line in lines)


def _timezone(site: _Table) -> ZoneInfo:
    name = site.get("timezone", str, "UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise site.error(
            "timezone", f"{name!r} is not an IANA time zone like 'Europe/Zurich'"
        ) from None


def _positive(table: _Table, key: str, default: int, minimum: int = 1) -> int:
    value = table.get(key, int, default)
    if value < minimum:
        raise table.error(key, f"{value} must be at least {minimum}")
    return int(value)


def _topics(shown: str, data: object) -> tuple[Topic, ...]:
    if not isinstance(data, list):
        raise ConfigError(shown, "topics", "must be an array of tables: [[topics]]")
    topics: list[Topic] = []
    for number, item in enumerate(data, start=1):
        table = _Table(shown, f"[topics][{number}]", item)
        table.only({"slug", "title", "description", "aliases", "subjects"})
        slug = table.get("slug", str, required=True)
        if not _SLUG.fullmatch(slug):
            raise table.error("slug", f'"{slug}" is not [a-z0-9-]+')
        if slug == ALL:
            raise table.error("slug", '"all" is reserved for the feed of every article')
        if slug.startswith(f"{ALL}-"):
            raise table.error("slug", f'"{slug}": "all-…" is reserved for the per-language feeds')
        if any(topic.slug == slug for topic in topics):
            raise table.error("slug", f'"{slug}" is already the slug of another topic')
        aliases = tuple(alias.strip() for alias in table.strings("aliases") if alias.strip())
        topics.append(
            Topic(
                slug=slug,
                title=table.get("title", str, required=True).strip(),
                description=table.get("description", str, ""),
                aliases=aliases,
                subjects=tuple(code.strip() for code in table.strings("subjects") if code.strip()),
            )
        )
    return tuple(topics)


def _deploy(shown: str, data: object) -> Deploy:
    table = _Table(shown, "[deploy]", data)
    table.only({"target", "endpoint_url", "region", "max_deletes"})
    target = table.get("target", str, required=True)
    parts = _split(target)
    if parts is None or parts.scheme != "s3" or not parts.netloc:
        raise table.error("target", f"{target!r} is not an s3://bucket/prefix/ URL")
    prefix = parts.path.strip("/")
    endpoint = table.get("endpoint_url", str)
    endpoint_parts = None if endpoint is None else _split(endpoint)
    if endpoint is not None and (
        endpoint_parts is None or endpoint_parts.scheme not in {"http", "https"}
    ):
        raise table.error("endpoint_url", f"{endpoint!r} is not an http(s) URL")
    return Deploy(
        bucket=parts.netloc,
        prefix=prefix + "/" if prefix else "",
        endpoint_url=endpoint,
        region=table.get("region", str),
        max_deletes=_positive(table, "max_deletes", 256, minimum=0),
    )


def _websub(shown: str, data: object) -> WebSub:
    table = _Table(shown, "[websub]", data)
    table.only({"hub", "hubs", "allow_private_callbacks"})
    hubs = table.strings("hubs")
    for url in hubs:
        _absolute_url(table, "hubs", url)
    if len(set(hubs)) < len(hubs):
        raise table.error("hubs", "lists a hub twice")
    return WebSub(
        hub=table.get("hub", bool, False),
        hubs=hubs,
        allow_private_callbacks=table.get("allow_private_callbacks", bool, False),
    )
