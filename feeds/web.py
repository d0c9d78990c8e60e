"""The Flask app: serves the site map from memory with the HTTP that feed readers expect."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from flask import Flask, Response
from flask.typing import ResponseReturnValue
from werkzeug.http import parse_date
from werkzeug.wsgi import get_path_info

from feeds.live import Clock, LiveSite, utc_now
from feeds.responses import NOSNIFF, SECURITY_HEADERS, Prepared

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

METHODS = ["GET", "HEAD"]


def create_app(
    config_path: Path | str | None = None, *, clock: Clock = utc_now, watch: bool = True
) -> Flask:
    """Build the app for `config_path` (default: $FEEDS_CONFIG or ./config.toml).

    With `watch`, a background thread picks up changed articles as they are saved.
    """
    path = config_path or os.environ.get("FEEDS_CONFIG", "config.toml")
    live = LiveSite(path, clock)
    if watch:
        live.watch()
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = live
    app.wsgi_app = _SitePaths(app.wsgi_app, live)  # type: ignore[method-assign,assignment]

    # Every path has a rule, so that another method gets 405 (two rules, not one with
    # `defaults`: werkzeug would look for a redirect to the defaults rule on every request).
    # GET and HEAD of the site's own paths never get here (see _SitePaths): what does is
    # not found.
    @app.route("/", endpoint="home", methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def elsewhere(path: str = "") -> Response:
        return _not_found(live.current.not_found)

    @app.route("/healthz", methods=METHODS)
    def health() -> ResponseReturnValue:
        generation = live.current
        response = app.json.response(
            status="ok",
            generation=generation.number,
            articles=len(generation.site.catalog.entries),
            rejected=len(generation.site.loaded.problems),
            last_reload=generation.loaded_at.isoformat(),
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(404)
    def not_found(error: Exception) -> Response:
        return _not_found(live.current.not_found)

    @app.after_request
    def nosniff(response: Response) -> Response:
        response.headers.set(*NOSNIFF)  # the prepared responses have it already
        return response

    return app


class _SitePaths:
    """WSGI in front of Flask: GET and HEAD of the site's paths, from the prepared responses.

    Their answers are fixed when a generation is made; Flask's request context, routing and
    hooks took a fifth of a 304's time. The response is the werkzeug Response that Flask
    would send, so the bytes on the wire are the same. The rest goes on to Flask.
    """

    def __init__(self, app: WSGIApplication, live: LiveSite) -> None:
        self._app = app
        self._live = live

    def __call__(self, environ: WSGIEnvironment, start: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") in METHODS:
            path = "/" + get_path_info(environ).lstrip("/")  # as flask.Request.path
            prepared = self._live.current.responses.get(path)
            if prepared is not None:
                return _respond(prepared, environ)(environ, start)
        return self._app(environ, start)


def _respond(prepared: Prepared, environ: WSGIEnvironment) -> Response:
    """The plain or gzip representation, or its 304, from headers prepared with the site."""
    gzipped = _accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING"))
    representation = prepared.gzip if gzipped else prepared.plain
    if _not_modified(prepared, environ):
        return Response(status=304, headers=representation.headers)
    return Response(representation.body, headers=representation.headers)


def _accepts_gzip(header: str | None) -> bool:
    """Whether Accept-Encoding allows gzip (RFC 9110 12.5.3): `gzip` (or `x-gzip`) with a
    quality above 0, else `*` with a quality above 0. No header: plain bytes."""
    star = False
    for item in (header or "").split(","):
        coding, *parameters = item.split(";")
        coding = coding.strip().lower()
        if coding in {"gzip", "x-gzip"}:
            return _quality(parameters) > 0
        if coding == "*":
            star = _quality(parameters) > 0
    return star


def _quality(parameters: list[str]) -> float:
    """The `q` of an Accept-Encoding item: 1 if absent, 0 if unreadable."""
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _not_modified(prepared: Prepared, environ: WSGIEnvironment) -> bool:
    """If-None-Match, weak comparison, either encoding's tag; if absent, If-Modified-Since
    (RFC 9110 13.1.2, 13.1.3, 13.2.2)."""
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
        return not prepared.etags.isdisjoint(tags)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and prepared.last_modified <= since


def _not_found(page: bytes) -> Response:
    return Response(
        page, status=404, headers=SECURITY_HEADERS, content_type="text/html; charset=utf-8"
    )
