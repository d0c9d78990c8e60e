"""Which hubs a feed names and its canonical `self` URL, in documents and Link headers."""

from __future__ import annotations

from urllib.parse import unquote

from feeds import urls
from feeds.config import Config
from feeds.engine import Changes


def hub_urls(config: Config) -> tuple[str, ...]:
    """Every hub of the site's feeds: its own `/websub` first when it is one, then `hubs`.

    Empty without `[websub]`: then no feed names a hub.
    """
    websub = config.websub
    if websub is None:
        return ()
    own = (urls.absolute(config.base_url, urls.WEBSUB),) if websub.hub else ()
    return own + websub.hubs


def topic_url(config: Config, path: str) -> str | None:
    """The canonical URL of the current feed at `path`, or None if `path` is not one."""
    if urls.current_feed_kind(path) is None:
        return None
    return urls.absolute(config.base_url, path)


def topic_path(config: Config, url: str) -> str | None:
    """The site path of a topic URL if it is one of the site's current feeds, else None.

    Percent-encoded characters are decoded first (WebSub 5.1.1); a slug has none that need
    encoding, so an encoded `/` or `?` makes the URL no feed's.
    """
    if not url.startswith(config.base_url):
        return None
    path = "/" + unquote(url.removeprefix(config.base_url))
    if urls.current_feed_kind(path) is None:
        return None
    return path


def link_header(config: Config, path: str) -> str | None:
    """The `Link` header value for the response at `path`: the hubs and `self` of a current
    feed (RFC 8288, one header, as WebSub 3 and 7 suggest); None for any other path or
    without `[websub]`."""
    hubs = hub_urls(config)
    topic = topic_url(config, path) if hubs else None
    if topic is None:
        return None
    links = [f'<{hub}>; rel="hub"' for hub in hubs]
    links.append(f'<{topic}>; rel="self"')
    return ", ".join(links)


def changed_topics(config: Config, changes: Changes) -> list[str]:
    """The URLs of the current feeds a build added or changed, in path order.

    A removed feed has no new content to tell of; archive documents are no topics.
    """
    paths = sorted({*changes.added, *changes.changed})
    return [url for url in (topic_url(config, path) for path in paths) if url is not None]
