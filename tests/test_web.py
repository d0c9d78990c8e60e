"""The Flask app through its test client: same bytes as `feeds build`, conditional GET, headers."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import html5lib
import pytest
from flask import Flask, Response, request, send_file
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers
from werkzeug.http import http_date

from feeds import urls
from feeds.cli import main
from feeds.manifest import read_manifest
from feeds.web import create_app
from tests.conftest import CONFIG, Site, wire_copy
from tests.serverfixtures import FakeClock, article, feed_titles, parse_feed

NOW = datetime(2025, 9, 1, 12, 0, tzinfo=UTC)
FEED = "/feeds/all.atom.xml"
VALIDATORS = [("If-None-Match", "ETag"), ("If-Modified-Since", "Last-Modified")]
CONTENT_TYPES = {
    ".atom.xml": "application/atom+xml; charset=utf-8",
    ".rss.xml": "application/rss+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    "/opml.xml": "text/x-opml; charset=utf-8",
    "sitemap.xml": "application/xml; charset=utf-8",
    "/robots.txt": "text/plain; charset=utf-8",
    "/": "text/html; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}
UKRAINE_WIRE = wire_copy(
    "Ukraine Kyiv reopens its metro after the night alert",
    "ATS/AFP",
    "21.8.2025 - 06:28",
    "The metro of the capital reopened at dawn after a night of alerts.",
    "Trains ran every five minutes from six o'clock.",
)


def expected_type(path: str) -> str:
    return next(kind for suffix, kind in CONTENT_TYPES.items() if path.endswith(suffix))


def write_newsroom(site: Site) -> Site:
    """A handful of articles: two formats, a folder topic, markup in a title, accents,
    a draft, an embargo far ahead and one rejected file."""
    site.write("economy/snb.md", article("SNB holds its rate", "2025-08-20T09:00:00+02:00"))
    site.write("ukraine-metro.txt", UKRAINE_WIRE)
    site.write("bold.md", article("'<b>Bold</b> & café'", "2025-08-22T10:00:00Z"))
    site.write("glacier.md", article("Le glacier recule", "2025-08-19T08:00:00+02:00"))
    site.write("draft.md", article("Draft", "2025-08-23T10:00:00Z", extra="draft: true"))
    site.write("later.md", article("Far ahead", "2099-01-01T00:00:00Z"))
    site.write("broken.md", "---\ntitle: No date\n---\nBody.\n")
    return site


@pytest.fixture
def newsroom(site: Site) -> Site:
    return write_newsroom(site)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app over one build for the module: no test here changes the site."""
    newsroom = write_newsroom(Site(tmp_path_factory.mktemp("newsroom")))
    return create_app(newsroom.root / "config.toml", clock=FakeClock(NOW))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def site_paths(app: Flask) -> list[str]:
    """Every path the app's build wrote (the app built the site into its output folder)."""
    config = app.extensions["feeds"]
    return sorted(urls.site_path(name) for name in read_manifest(config.output_dir).files)


def built_files(out: Path) -> dict[str, bytes]:
    """Every file `feeds build` wrote, by the URL path it stands for."""
    return {urls.site_path(name): (out / name).read_bytes() for name in read_manifest(out).files}


# --- same bytes as the static build --------------------------------------------------------


def test_every_path_serves_the_bytes_feeds_build_wrote(
    newsroom: Site, client: FlaskClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "public"
    assert main(["build", "--config", str(newsroom.root / "config.toml"), "--out", str(out)]) == 0
    capsys.readouterr()
    files = built_files(out)
    assert sorted(files) == site_paths(client.application)
    for path, data in files.items():
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.data == data, path
        assert response.headers["Content-Type"] == expected_type(path), path


def test_site_map_holds_every_page_and_feed(client: FlaskClient) -> None:
    paths = site_paths(client.application)
    for slug in ["all", "economy", "ukraine", "sport", "climate"]:
        for suffix in [".atom.xml", ".rss.xml", ".json"]:
            assert f"/feeds/{slug}{suffix}" in paths
    for page in ["/", "/opml.xml", "/topics/economy/", "/articles/snb/", "/articles/bold/"]:
        assert page in paths
    assert "/articles/ukraine-metro/" in paths
    for withheld in ["/articles/draft/", "/articles/later/", "/articles/broken/", "/topics/all/"]:
        assert withheld not in paths


@pytest.mark.parametrize("suffix", [".atom.xml", ".rss.xml", ".json"])
def test_feeds_parse_with_their_entries(client: FlaskClient, suffix: str) -> None:
    path = f"/feeds/all{suffix}"
    assert feed_titles(path, client.get(path).data) == [
        "<b>Bold</b> & café",
        "Kyiv reopens its metro after the night alert",
        "SNB holds its rate",
        "Le glacier recule",
    ]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html; charset=utf-8"),
        ("/topics/economy/", "text/html; charset=utf-8"),
        ("/articles/snb/", "text/html; charset=utf-8"),
        ("/feeds/all.atom.xml", "application/atom+xml; charset=utf-8"),
        ("/feeds/economy.rss.xml", "application/rss+xml; charset=utf-8"),
        ("/feeds/ukraine.json", "application/feed+json; charset=utf-8"),
        ("/opml.xml", "text/x-opml; charset=utf-8"),
    ],
)
def test_content_types_carry_the_charset(client: FlaskClient, path: str, content_type: str) -> None:
    assert client.get(path).headers["Content-Type"] == content_type


def test_query_string_is_ignored(client: FlaskClient) -> None:
    assert client.get(FEED + "?utm_source=x").data == client.get(FEED).data


# --- conditional GET -----------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["", "gzip"])
def test_if_none_match_gives_304_with_empty_body(client: FlaskClient, accept: str) -> None:
    """A 304 carries ETag, Vary and Cache-Control of its 200, and no representation metadata
    (RFC 9110 15.4.5): with an ETag there, Last-Modified would not guide a cache."""
    first = client.get(FEED, headers={"Accept-Encoding": accept})
    etag = first.headers["ETag"]
    again = client.get(FEED, headers={"If-None-Match": etag, "Accept-Encoding": accept})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert again.headers["Vary"] == "Accept-Encoding"
    for entity in ["Content-Encoding", "Content-Length", "Content-Type", "Last-Modified"]:
        assert entity not in again.headers


@pytest.mark.parametrize(
    "header",
    [
        '"{tag}"',
        'W/"{tag}"',
        '"other", "{tag}"',
        "*",
        '"{tag}" , W/"x"',
        ' "a",W/"b",  "{tag}" ',
    ],
)
def test_if_none_match_forms(client: FlaskClient, header: str) -> None:
    """Weak comparison over the whole list (RFC 9110 13.1.2), by werkzeug."""
    tag = client.get(FEED).headers["ETag"].strip('"')
    assert client.get(FEED, headers={"If-None-Match": header.format(tag=tag)}).status_code == 304


@pytest.mark.parametrize(
    "header",
    ['"0123456789abcdef"', '"{tag}x"', '"*"', '"a", W/"b"', "", ","],
)
def test_if_none_match_without_our_tag_gives_200(client: FlaskClient, header: str) -> None:
    """Altered tags are not ours; a quoted `"*"` is a tag."""
    tag = client.get(FEED).headers["ETag"].strip('"')
    response = client.get(FEED, headers={"If-None-Match": header.format(tag=tag)})
    assert response.status_code == 200
    assert response.data


def test_if_modified_since_gives_304(client: FlaskClient) -> None:
    last_modified = client.get(FEED).headers["Last-Modified"]
    response = client.get(FEED, headers={"If-Modified-Since": last_modified})
    assert response.status_code == 304
    assert response.data == b""


def test_if_modified_since_later_date_gives_304(client: FlaskClient) -> None:
    later = http_date(NOW + timedelta(days=1))
    assert client.get(FEED, headers={"If-Modified-Since": later}).status_code == 304


@pytest.mark.parametrize("since", ["Thu, 01 Jan 1998 00:00:00 GMT", "not a date", ""])
def test_if_modified_since_earlier_or_bad_gives_200(client: FlaskClient, since: str) -> None:
    response = client.get(FEED, headers={"If-Modified-Since": since})
    assert response.status_code == 200
    assert response.data


def test_if_none_match_wins_over_if_modified_since(client: FlaskClient) -> None:
    first = client.get(FEED)
    headers = {"If-None-Match": '"stale"', "If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(FEED, headers=headers).status_code == 200
    headers = {"If-None-Match": first.headers["ETag"], "If-Modified-Since": http_date(0)}
    assert client.get(FEED, headers=headers).status_code == 304


def test_gzip_etag_differs_and_validates(client: FlaskClient) -> None:
    gzip_headers = {"Accept-Encoding": "gzip"}
    plain = client.get(FEED).headers["ETag"]
    zipped = client.get(FEED, headers=gzip_headers).headers["ETag"]
    assert zipped != plain
    again = client.get(FEED, headers={**gzip_headers, "If-None-Match": zipped})
    assert again.status_code == 304
    assert "Content-Encoding" not in again.headers


@pytest.fixture(scope="module")
def send_file_client(app: Flask) -> FlaskClient:
    """An app that answers every path with werkzeug's own send_file of its file."""
    out = app.extensions["feeds"].output_dir
    reference = Flask("reference")

    @reference.route("/<path:path>", methods=["GET", "HEAD"])
    def sent(path: str) -> Response:
        return send_file(out / urls.file_name("/" + path), mimetype="text/plain", etag=True)

    return reference.test_client()


@pytest.mark.parametrize(
    "conditions",
    [
        {},
        {"If-None-Match": "{etag}"},
        {"If-None-Match": '"other"'},
        {"If-Modified-Since": "{last_modified}"},
        {"If-Modified-Since": "Thu, 01 Jan 1998 00:00:00 GMT"},
        {"If-None-Match": '"other"', "If-Modified-Since": "{last_modified}"},
        {"Range": "bytes=0-99"},
        {"Range": "bytes=-10"},
        {"Range": "bytes=10-20", "If-Range": "{etag}"},
        {"Range": "bytes=10-20", "If-Range": '"old"'},
        {"Range": "bytes=10-20", "If-None-Match": "{etag}"},
        {"Range": "bytes=0-0,5-9"},
        {"If-Match": "{etag}"},
        {"If-Match": '"other"'},
        {"If-Match": "{etag}", "If-None-Match": "{etag}"},
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_files_answer_as_werkzeugs_send_file(
    client: FlaskClient, send_file_client: FlaskClient, conditions: dict[str, str], method: str
) -> None:
    """The status, validators, length, range and bytes of werkzeug's send_file, whichever
    path the app takes to them (304 from a stat, make_conditional for Range and If-Match)."""
    first = client.get(FEED)
    values = {"etag": first.headers["ETag"], "last_modified": first.headers["Last-Modified"]}
    headers = {name: value.format(**values) for name, value in conditions.items()}
    ours = client.open(FEED, method=method, headers=headers)
    theirs = send_file_client.open(FEED, method=method, headers=headers)
    assert ours.status_code == theirs.status_code
    for name in ["ETag", "Last-Modified", "Content-Length", "Content-Range", "Accept-Ranges"]:
        assert ours.headers.get(name) == theirs.headers.get(name), name
    assert ours.data == theirs.data


def test_a_range_past_the_end_gets_416(client: FlaskClient) -> None:
    size = len(client.get(FEED).data)
    response = client.get(FEED, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_a_304_is_answered_without_opening_the_file(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A conditional request that gets 304 needs the file's stat only."""
    etag = client.get(FEED).headers["ETag"]
    opened: list[object] = []
    real_open = open

    def tracking_open(file: object, *args: Any, **kwargs: Any) -> Any:
        opened.append(file)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", tracking_open)
    assert client.get(FEED, headers={"If-None-Match": etag}).status_code == 304
    assert opened == []
    assert client.get(FEED, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert len(opened) == 1


def test_a_file_replaced_after_its_stat_is_sent_whole_with_its_own_validators(
    newsroom: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The builder renames a new file over the old one at any time; a body comes with the
    length and validators of the file opened, whatever an earlier stat saw."""
    config = newsroom.root / "config.toml"
    app = create_app(config, clock=FakeClock(NOW))
    client = app.test_client()
    first = client.get(FEED)
    path = newsroom.root / "public" / "feeds" / "all.atom.xml"
    replacement = first.data + b"<!-- a longer, newer feed -->"
    real_stat = os.stat

    def stat_then_replace(file: Any, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(file, *args, **kwargs)
        if str(file) == str(path):
            staged = path.with_name(".all.atom.xml.new")
            staged.write_bytes(replacement)
            os.utime(staged, (1_700_000_000, 1_700_000_000))
            staged.replace(path)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(os, "stat", stat_then_replace)
        response = client.get(FEED, headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.data == replacement
    assert response.headers["Content-Length"] == str(len(replacement))
    assert response.headers["ETag"] == client.get(FEED).headers["ETag"] != first.headers["ETag"]
    assert response.headers["Last-Modified"] == http_date(1_700_000_000)


# --- methods -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", FEED, "/articles/snb/", "/healthz"])
def test_head_has_the_headers_of_get_and_no_body(client: FlaskClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(get.data))
    for name in ["Content-Type", "ETag", "Last-Modified", "Cache-Control"]:
        assert head.headers.get(name) == get.headers.get(name)


@pytest.mark.parametrize(("validator", "source"), VALIDATORS)
def test_head_honours_validators(client: FlaskClient, validator: str, source: str) -> None:
    response = client.head(FEED, headers={validator: client.get(FEED).headers[source]})
    assert (response.status_code, response.data) == (304, b"")


def test_head_with_gzip_has_the_headers_of_the_gzip_get(client: FlaskClient) -> None:
    accept = {"Accept-Encoding": "gzip"}
    get, head = client.get(FEED, headers=accept), client.head(FEED, headers=accept)
    assert (head.status_code, head.data) == (200, b"")
    assert head.headers["Content-Length"] == str(len(get.data))
    for name in ["Content-Encoding", "Content-Type", "ETag", "Last-Modified", "Vary"]:
        assert head.headers[name] == get.headers[name]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/", FEED, "/healthz", "/no/such/page"])
def test_other_methods_get_405_with_allow(client: FlaskClient, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 405
    allowed = {name.strip() for name in response.headers["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed <= {"GET", "HEAD", "OPTIONS"}


# --- not found and traversal ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nothing-here",
        "/feeds/",
        "/feeds/nope.atom.xml",
        "/feeds/all.xml",
        "/topics/economy",
        "/articles/draft/",
        "/articles/later/",
        "/articles/broken/",
        "/healthz/",
    ],
)
def test_unknown_paths_get_the_404_page(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_small_html_page(response.data)
    assert_html_security_headers(response.headers)


def assert_small_html_page(body: bytes) -> None:
    assert len(body) < 8192
    document = html5lib.parse(body, treebuilder="etree", namespaceHTMLElements=False)
    assert "Not found" in "".join(document.find("body").itertext())
    assert document.find(".//script") is None


TRAVERSALS = [
    "/feeds/../config.toml",
    "/feeds/%2e%2e/config.toml",
    "/feeds/%2E%2E/%2E%2E/config.toml",
    "/..%2fconfig.toml",
    "/%2e%2e%2fconfig.toml",
    "/feeds/..%5cconfig.toml",
    "/feeds/..\\config.toml",
    "/%c0%ae%c0%ae/config.toml",
    "/%c0%af..%c0%afconfig.toml",
    "/%252e%252e/config.toml",
    "/feeds/all.atom.xml%00.html",
    "/%00",
    "/feeds/all.atom.xml/",
    "/articles/../config.toml",
    "/articles/snb/../../../etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_through_the_client_gets_404(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert_refused(response.status_code, response.data)


# Exactly what a WSGI server would put in PATH_INFO (already percent-decoded, latin-1).
RAW_PATHS = [
    "//etc/passwd",
    "///etc/passwd",
    "/../config.toml",
    "/feeds/../config.toml",
    "/feeds/../../../../etc/passwd",
    "/\\..\\config.toml",
    "/config.toml",
    "/articles/\x00",
    "/\xc0\xae\xc0\xae/config.toml",
    "/etc/passwd",
    "/proc/self/environ",
]


@pytest.mark.parametrize("path_info", RAW_PATHS)
def test_traversal_in_path_info_gets_404(client: FlaskClient, path_info: str) -> None:
    response = client.get("/", environ_overrides={"PATH_INFO": path_info})
    assert_refused(response.status_code, response.data)


def assert_refused(status: int, body: bytes) -> None:
    assert status == 404
    for secret in [b"base_url", b"[site]", b"root:", b"PATH="]:
        assert secret not in body


# --- headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", [FEED, "/feeds/economy.rss.xml", "/feeds/all.json", "/", "/topics/economy/"]
)
def test_feeds_and_lists_cache_for_five_minutes(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Cache-Control"] == "public, max-age=300"


def test_cache_max_age_is_configurable(newsroom: Site) -> None:
    newsroom.configure(CONFIG + "\n[serve]\ncache_max_age = 60\n")
    client = create_app(newsroom.root / "config.toml").test_client()
    assert client.get(FEED).headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/feeds/sport.json").headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/opml.xml").headers["Cache-Control"] == "public, max-age=60"
    assert client.get("/").headers["Cache-Control"] == "public, max-age=60"


def test_article_pages_cache_for_article_max_age(client: FlaskClient) -> None:
    assert client.get("/articles/snb/").headers["Cache-Control"] == "public, max-age=3600"


def test_article_max_age_is_configurable(newsroom: Site) -> None:
    newsroom.configure(CONFIG + "\n[serve]\narticle_max_age = 600\n")
    client = create_app(newsroom.root / "config.toml").test_client()
    assert client.get("/articles/snb/").headers["Cache-Control"] == "public, max-age=600"


def test_healthz_is_never_cached(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", [FEED, "/", "/opml.xml", "/feeds/all.json"])
def test_vary_accept_encoding(client: FlaskClient, path: str) -> None:
    assert client.get(path).headers["Vary"] == "Accept-Encoding"
    assert client.get(path, headers={"Accept-Encoding": "gzip"}).headers["Vary"] == (
        "Accept-Encoding"
    )


@pytest.mark.parametrize("path", [FEED, "/", "/opml.xml", "/feeds/all.json", "/articles/snb/"])
@pytest.mark.parametrize(
    "accept",
    [
        "gzip",
        "gzip, deflate, br",
        "br;q=1.0, gzip;q=0.8",
        "*",
        "GZIP",
        "x-gzip",
        "gzip; q=0.001",
        "*;q=0, gzip",
        "deflate, *;q=0.5",
    ],
)
def test_gzip_decompresses_to_the_plain_body(client: FlaskClient, path: str, accept: str) -> None:
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": accept})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Content-Type"] == plain.headers["Content-Type"]
    assert zipped.data != plain.data
    assert gzip.decompress(zipped.data) == plain.data


@pytest.mark.parametrize(
    "accept",
    [
        "",
        "identity",
        "gzip;q=0",
        "gzip; q=0.000",
        "deflate",
        "br",
        "*;q=0",
        "gzip;q=0, *",
        "gzip;q=unreadable",
        "gzipped",
    ],
)
def test_no_gzip_unless_accepted(client: FlaskClient, accept: str) -> None:
    """RFC 9110 12.5.3: q=0 means not acceptable, and a named coding overrides `*`."""
    response = client.get(FEED, headers={"Accept-Encoding": accept})
    assert "Content-Encoding" not in response.headers
    assert parse_feed(response.data).bozo == 0


def assert_html_security_headers(headers: Headers) -> None:
    csp = headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script" not in csp
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/topics/ukraine/", "/articles/ukraine-metro/"])
def test_html_pages_have_security_headers(client: FlaskClient, path: str) -> None:
    assert_html_security_headers(client.get(path).headers)


@pytest.mark.parametrize("path", [FEED, "/feeds/all.json", "/opml.xml", "/healthz"])
def test_every_response_has_nosniff(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in response.headers


def test_html_304_keeps_the_security_headers(client: FlaskClient) -> None:
    etag = client.get("/").headers["ETag"]
    not_modified = client.get("/", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert_html_security_headers(not_modified.headers)


def test_405_and_304_have_nosniff(client: FlaskClient) -> None:
    etag = client.get(FEED).headers["ETag"]
    assert client.post(FEED).headers["X-Content-Type-Options"] == "nosniff"
    not_modified = client.get(FEED, headers={"If-None-Match": etag})
    assert not_modified.headers["X-Content-Type-Options"] == "nosniff"


def test_every_flask_hook_sees_every_request(newsroom: Site) -> None:
    app = create_app(newsroom.root / "config.toml", clock=FakeClock(NOW))
    seen: list[str] = []
    app.before_request(lambda: seen.append(f"{request.method} {request.path}"))
    after: list[int] = []

    @app.after_request
    def count(response: Response) -> Response:
        after.append(response.status_code)
        return response

    client = app.test_client()
    assert client.get(FEED).status_code == 200
    assert client.head("/articles/ukraine-metro/").status_code == 200
    assert client.get("/nowhere/").status_code == 404
    assert client.post(FEED).status_code == 405
    assert client.get("/healthz").status_code == 200
    assert seen == [
        "GET /feeds/all.atom.xml",
        "HEAD /articles/ukraine-metro/",
        "GET /nowhere/",
        "POST /feeds/all.atom.xml",
        "GET /healthz",
    ]
    assert after == [200, 200, 404, 405, 200]


def test_a_percent_encoded_path_finds_the_same_resource(client: FlaskClient) -> None:
    plain = client.get("/articles/ukraine-metro/")
    assert client.get("/articles/ukraine%2Dmetro/").data == plain.data


@pytest.mark.parametrize(
    ("base_url", "images"),
    [
        ("https://news.example.org/", "img-src https:;"),
        ("http://127.0.0.1:8000/", "img-src http: https:;"),
    ],
)
def test_pictures_come_over_https_unless_the_site_itself_is_on_http(
    newsroom: Site, base_url: str, images: str
) -> None:
    newsroom.configure(CONFIG.replace("https://news.example.org/", base_url))
    client = create_app(newsroom.root / "config.toml", clock=FakeClock(NOW)).test_client()
    policy = client.get("/").headers["Content-Security-Policy"]
    assert images in policy
    assert "data:" not in policy


def test_gzip_asked_of_a_folder_built_without_siblings_gets_the_plain_bytes(
    newsroom: Site,
) -> None:
    config = newsroom.root / "config.toml"
    assert main(["build", "--config", str(config)]) == 0  # `feeds build` writes no .gz
    client = create_app(config, build=False).test_client()
    response = client.get(FEED, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert response.data == (newsroom.root / "public" / "feeds" / "all.atom.xml").read_bytes()


def test_a_builder_that_went_silent_is_reported_down(newsroom: Site) -> None:
    config = newsroom.root / "config.toml"
    client = create_app(config).test_client()
    status = newsroom.root / "public" / ".feeds-status.json"
    record = json.loads(status.read_bytes())
    assert client.get("/healthz").status_code == 200
    silent = datetime.now(UTC) - timedelta(seconds=31)
    record["builder"] |= {"watching": True, "seen": silent.isoformat()}
    status.write_text(json.dumps(record), "utf-8")
    health = client.get("/healthz")
    assert (health.status_code, health.json["status"]) == (503, "down")  # type: ignore[index]
