"""The Flask app: serves the site map from memory with the HTTP that feed readers expect."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request
from flask.typing import ResponseReturnValue

from feeds.live import Clock, LiveSite, utc_now
from feeds.responses import Prepared

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
METHODS = ["GET", "HEAD"]


def create_app(
    config_path: Path | str | None = None, *, clock: Clock = utc_now, watch: bool = True
) -> Flask:
    """Build the app for `config_path` (default: $FEEDS_CONFIG or ./config.toml).

    With `watch`, a background thread picks up changed articles about once a second.
    """
    path = config_path or os.environ.get("FEEDS_CONFIG", "config.toml")
    live = LiveSite(path, clock)
    if watch:
        live.watch()
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = live

    @app.route("/", defaults={"path": ""}, methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def serve(path: str) -> Response:
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
    gzipped = request.accept_encodings["gzip"] > 0
    response = Response(
        prepared.gzipped if gzipped else prepared.body, content_type=prepared.content_type
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.headers["Cache-Control"] = prepared.cache_control
    response.set_etag(prepared.etag + ("-gz" if gzipped else ""))
    response.last_modified = prepared.last_modified
    if prepared.content_type.startswith("text/html"):
        response.headers.update(SECURITY_HEADERS)
    if _not_modified(prepared):
        response.status_code = 304
        response.set_data(b"")
        del response.headers["Content-Type"]
        del response.headers["Content-Encoding"]
    return response


def _not_modified(prepared: Prepared) -> bool:
    """If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)."""
    if request.if_none_match:
        tags = request.if_none_match
        return tags.contains_weak(prepared.etag) or tags.contains_weak(prepared.etag + "-gz")
    since = request.if_modified_since
    return since is not None and prepared.last_modified.replace(microsecond=0) <= since


def _not_found(page: bytes) -> Response:
    response = Response(page, status=404, content_type="text/html; charset=utf-8")
    response.headers.update(SECURITY_HEADERS)
    return response
