"""The Flask app: serves the built output folder with the HTTP that feed readers expect.

Every page and feed is a file the engine wrote (feeds.engine), sent with werkzeug's own
conditional machinery: the ETag and Last-Modified come from the file, whose mtime the
engine sets from its record, so every worker gives the same validators for the same bytes.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zlib import adler32

from flask import Flask, Response, abort, request
from flask.typing import ResponseReturnValue
from werkzeug.http import http_date, is_resource_modified, parse_accept_header
from werkzeug.security import safe_join
from werkzeug.wsgi import wrap_file

from feeds import urls
from feeds.builder import POLL_SECONDS_WITH_EVENTS, STATUS, Builder, Clock, utc_now
from feeds.config import Config, load_config
from feeds.engine import GONE
from feeds.websub.discovery import link_header
from feeds.websub.endpoint import websub_blueprint
from feeds.websub.hub import health as hub_health

METHODS = ["GET", "HEAD"]
GZIP = ("Content-Encoding", "gzip")
# A builder that has not been seen for this long is down (it looks at least this often).
BUILDER_SILENT_AFTER = 3 * POLL_SECONDS_WITH_EVENTS


def create_app(
    config_path: Path | str | None = None, *, build: bool = True, clock: Clock = utc_now
) -> Flask:
    """The app for `config_path` (default: $FEEDS_CONFIG or ./config.toml).

    With `build`, the site is built into the output folder once, now; `feeds serve` passes
    False: its builder process keeps the folder current for every worker.
    """
    path = config_path or os.environ.get("FEEDS_CONFIG", "config.toml")
    config = load_config(path)
    if build:
        Builder(path, clock=clock).build()
    app = Flask(__name__, static_folder=None)
    app.extensions["feeds"] = config
    out = config.output_dir
    root = str(out)
    security = _security_headers(config)
    hub = config.websub is not None and config.websub.hub
    if hub:
        app.register_blueprint(websub_blueprint(config))

    def built(site_path: str) -> bool:
        """Whether the output folder has the file of `site_path` (a fuller archive's)."""
        return Path(out, urls.file_name(site_path)).is_file()

    @app.route("/", endpoint="home", methods=METHODS)
    @app.route("/<path:path>", methods=METHODS)
    def page(path: str = "") -> Response:
        site_path = "/" + path
        kind = urls.kind_of(site_path)
        name = urls.file_name(site_path)
        file = safe_join(root, name)
        if kind is None or file is None or "\0" in name or _hidden(name):
            abort(404)
        headers = [
            ("Cache-Control", urls.cache_control(site_path, config.max_ages, built)),
            ("Vary", "Accept-Encoding"),
        ]
        if kind is urls.Kind.HTML:
            headers += security
        link = link_header(config, site_path)  # WebSub discovery, for current feeds
        if link is not None:
            headers.append(("Link", link))
        if _gzip_quality(request.environ.get("HTTP_ACCEPT_ENCODING", "")) > 0:
            try:
                return _send(file + ".gz", kind.content_type, [GZIP, *headers])
            except (FileNotFoundError, NotADirectoryError):
                pass  # a file written without its .gz: the plain one
        try:
            return _send(file, kind.content_type, headers)
        except (FileNotFoundError, NotADirectoryError):
            abort(410 if Path(out, GONE, name).is_file() else 404)

    @app.route(urls.HEALTH, methods=METHODS)
    def health() -> ResponseReturnValue:
        status = _health(out / STATUS)
        if hub:
            status.update(hub_health(config))
        response = app.json.response(status)
        response.status_code = 200 if status["status"] == "ok" else 503
        response.headers["Cache-Control"] = "no-store"
        return response

    def error_page(name: str, status: int) -> Response:
        headers = [("Cache-Control", "no-cache"), *security]
        try:
            response = _send(
                str(out / name), urls.Kind.HTML.content_type, headers, conditional=False
            )
        except FileNotFoundError:  # not built yet
            response = Response(f"{status}\n", mimetype="text/plain", headers=security)
        response.status_code = status
        return response

    @app.errorhandler(404)
    def not_found(error: Exception) -> Response:
        return error_page(urls.file_name(urls.NOT_FOUND), 404)

    @app.errorhandler(410)
    def gone(error: Exception) -> Response:
        return error_page(urls.file_name(urls.GONE), 410)

    @app.after_request
    def nosniff(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    return app


def _send(
    file: str, content_type: str, headers: list[tuple[str, str]], *, conditional: bool = True
) -> Response:
    """A file with werkzeug's validators (ETag and Last-Modified from its size and mtime) and
    its answers to If-None-Match, If-Modified-Since and Range, `headers` added; sent
    zero-copy where the server can (gunicorn's sendfile).

    A request with neither Range nor If-Match, nearly every one, is answered without
    werkzeug's make_conditional (which took as long as all the rest of the request): 304
    when werkzeug's is_resource_modified says so, from the file's stat without opening it,
    else the 200 that make_conditional would give. A body comes with the validators and
    length of the file opened (fstat), even if a newer one has replaced it since the stat:
    the builder renames files into place, and an open file keeps its bytes.
    """
    environ = request.environ
    if conditional:
        headers = [*headers, ("Accept-Ranges", "bytes")]  # Date: the server adds it
        if "HTTP_RANGE" not in environ and "HTTP_IF_MATCH" not in environ:
            if "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
                stat = os.stat(file)  # noqa: PTH116 (a string: this runs per request)
                etag = _etag(file, stat)
                mtime = datetime.fromtimestamp(stat.st_mtime, UTC)
                if not is_resource_modified(environ, etag, last_modified=mtime):
                    # werkzeug drops the representation's headers from a 304 (Content-Type
                    # is given so that it sets no default one first)
                    validators = [("Content-Type", content_type), ("ETag", etag)]
                    return Response(status=304, headers=[*validators, *headers])
            conditional = False
    body = open(file, "rb")  # noqa: PTH123, SIM115 (the server closes it once sent)
    try:
        stat = os.fstat(body.fileno())
        validators = [
            ("Content-Type", content_type),  # as given: werkzeug's mimetype= adds a charset
            ("Content-Length", str(stat.st_size)),
            ("ETag", _etag(file, stat)),
            ("Last-Modified", http_date(stat.st_mtime)),
        ]
        response = Response(
            wrap_file(environ, body), headers=[*validators, *headers], direct_passthrough=True
        )
        if conditional:
            response.make_conditional(environ, accept_ranges=True, complete_length=stat.st_size)
    except BaseException:
        body.close()
        raise
    return response


def _etag(file: str, stat: os.stat_result) -> str:
    """werkzeug's send_file's ETag for `file` as `stat` describes it: its mtime, its size and
    a checksum of its path."""
    return f'"{stat.st_mtime}-{stat.st_size}-{adler32(file.encode())}"'


def _hidden(name: str) -> bool:
    """The engine's own files (manifest, status, tombstones) start with a dot."""
    return any(part.startswith(".") for part in name.split("/"))


@lru_cache(maxsize=256)
def _gzip_quality(accept_encoding: str) -> float:
    """How much a client wants gzip (RFC 9110 12.5.3): `gzip` or `x-gzip` as listed, else
    `*`; werkzeug's lookup would let a `*` outrank an explicit `gzip;q=0`. Cached: readers
    send a few distinct headers, and parsing one was a quarter of a 304's time."""
    star = 0.0
    for coding, quality in parse_accept_header(accept_encoding):
        if coding.lower() in {"gzip", "x-gzip"}:
            return float(quality)
        if coding == "*":
            star = float(quality)
    return star


def _security_headers(config: Config) -> list[tuple[str, str]]:
    """Pages run no script; pictures come over HTTPS unless the site itself is on HTTP."""
    images = "http: https:" if config.base_url.startswith("http:") else "https:"
    return [
        (
            "Content-Security-Policy",
            f"default-src 'none'; style-src 'unsafe-inline'; img-src {images}; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]


def _health(status_file: Path) -> dict[str, object]:
    """The builder's status file, judged: "error" if it failed, "down" if it went silent."""
    try:
        status: dict[str, object] = json.loads(status_file.read_bytes())
    except (OSError, ValueError):
        return {"status": "starting", "error": None}
    builder = status.get("builder")
    if isinstance(builder, dict) and builder.get("watching"):
        seen = datetime.fromisoformat(str(builder["seen"]))
        if (datetime.now(UTC) - seen).total_seconds() > BUILDER_SILENT_AFTER:
            status["status"] = "down"
    return status
