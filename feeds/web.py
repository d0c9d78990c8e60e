"""The Flask app: serves the site map from memory with the HTTP that feed readers expect."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue

from feeds.live import Clock, LiveSite, utc_now
from feeds.responses import SECURITY_HEADERS, Prepared

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

    # Two endpoints, not one with `defaults`: werkzeug would look for a redirect to the
    # defaults rule on every request.
    @app.route("/", endpoint="home", methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def serve(path: str = "") -> Response:
        generation = live.current
        prepared = generation.responses.get(request.path)
        if prepared is None:
            return _not_found(generation.not_found)
        return _respond(prepared)

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
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return app


def _respond(prepared: Prepared) -> Response:
    """The plain or gzip representation, or its 304, from headers prepared with the site."""
    gzipped = _accepts_gzip(request.environ.get("HTTP_ACCEPT_ENCODING"))
    representation = prepared.gzip if gzipped else prepared.plain
    if _not_modified(prepared):
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


def _not_modified(prepared: Prepared) -> bool:
    """If-None-Match, weak comparison, either encoding's tag; if absent, If-Modified-Since
    (RFC 9110 13.1.2, 13.1.3, 13.2.2)."""
    if_none_match = request.environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        if if_none_match.strip() == "*":
            return True
        tags = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
        return not prepared.etags.isdisjoint(tags)
    since = request.if_modified_since
    return since is not None and prepared.last_modified <= since


def _not_found(page: bytes) -> Response:
    return Response(
        page, status=404, headers=SECURITY_HEADERS, content_type="text/html; charset=utf-8"
    )
