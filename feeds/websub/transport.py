"""HTTP for WebSub with the standard library: a timeout, no proxy, no redirect, and (unless
allowed) a connection only to public addresses, checked on the address actually connected.

The address is checked where the socket is opened, after the name is resolved, so a name
that resolves to a public address for a check and a private one for the connection (DNS
rebinding) gets no connection either.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "feeds-websub (+https://www.w3.org/TR/websub/)"


class Unreachable(OSError):
    """No HTTP answer: refused, timed out, not resolved, or not a public address."""


class PrivateAddress(Unreachable):
    """The URL's host is (or resolves to) a loopback, private, link-local or multicast
    address, and such addresses are not allowed."""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: bytes  # at most the `read` bytes asked for

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def send(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float,
    allow_private: bool,
    read: int = 0,
) -> Reply:
    """One request; any status is a Reply (a redirect too: it is never followed)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    request.add_header("User-Agent", USER_AGENT)
    guarded = [] if allow_private else [_GuardedHandler()]
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect(), *guarded)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Reply(response.status, response.read(read))
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, exc.read(read))
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, PrivateAddress):
            raise reason from None
        raise Unreachable(str(reason)) from None
    except (OSError, http.client.HTTPException) as exc:
        raise Unreachable(str(exc) or type(exc).__name__) from None


def check_public(url: str) -> None:
    """Raise PrivateAddress unless every address the URL's host resolves to is public, or
    Unreachable if it does not resolve: the early check of a subscription request."""
    parts = urlsplit(url)
    _public_addresses(parts.hostname or "", parts.port or 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _public_addresses(host: str, port: int) -> list[Any]:
    """What `host` resolves to (getaddrinfo's tuples), if every address is public."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unreachable(f"{host} does not resolve ({exc})") from None
    for address in (str(found[4][0]) for found in addresses):
        if not is_public(address):
            raise PrivateAddress(f"{address} is not a public address")
    return addresses


def _public_connection(
    address: tuple[str, int], timeout: float | None = None, source: Any = None
) -> socket.socket:
    """socket.create_connection to the host's first reachable address, all of them public."""
    addresses = _public_addresses(*address)
    last: OSError = Unreachable(f"{address[0]} has no address")
    for family, kind, protocol, _, target in addresses:
        sock = socket.socket(family, kind, protocol)
        try:
            sock.settimeout(timeout)
            sock.connect(target)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        return sock
    raise last


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is the answer: WebSub counts it as a failure, and following one could lead to a
    private address."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _GuardedHTTP(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _GuardedHTTPS(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _GuardedHandler(urllib.request.HTTPHandler, urllib.request.HTTPSHandler):
    """http and https over the guarded connections; it stands in for urllib's own handlers."""

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTP, req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPS, req)
