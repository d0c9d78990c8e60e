"""Helpers for the deploy tests: moto's S3 server and fake credentials, a small site written
for them, and a look into the bucket.

The bucket is moto's S3 server on 127.0.0.1 (`moto_server`); nothing here talks to anything
else. Credentials are fake and come from the environment only (`fake_aws`).
"""

from __future__ import annotations

import logging
import re
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

HOST = "127.0.0.1"
REGION = "us-east-1"
ACCESS_KEY = "AKIADEPLOYTESTS00001"
SECRET_KEY = "deploy-tests-secret-key"
PREFIX = "site/"
FEED_AGE = "public, max-age=300"
ARTICLE_AGE = "public, max-age=3600"

# Objects that share the bucket with the site and that no deploy may ever touch: another
# prefix, a key sharing the prefix's string without its slash, and one at the bucket root.
FOREIGN = {
    "other/index.html": b"<p>another site in the same bucket</p>",
    "site-other/x": b"shares 'site' but not 'site/'",
    "robots.txt": b"User-agent: *\n",
}

CONFIG = """\
[site]
title = "Harbour Desk"
base_url = "https://news.example.org/"
description = "Dispatches from the harbour, written for the deploy tests."
language = "en"
timezone = "Europe/Zurich"

[build]
articles_dir = "articles"
output_dir = "public"

[[topics]]
slug = "harbour"
title = "Harbour"
aliases = ["port", "ferry"]

[[topics]]
slug = "markets"
title = "Markets"
aliases = ["grain", "rates"]
"""

DEPLOY = """
[deploy]
target = "{target}"
endpoint_url = "{endpoint}"
region = "{region}"
max_deletes = {max_deletes}
"""


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1 and a free port; yields its URL."""
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # no line per request on stderr
    server = ThreadedMotoServer(ip_address=HOST, port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        werkzeug.setLevel(level)


def fake_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials in the environment; nothing of this machine's AWS setup, no proxy,
    no instance metadata, and a fresh boto3 default session (it caches credentials)."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_ROLE_ARN",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws" / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws" / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("NO_PROXY", HOST)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)


def markdown(title: str, date: str, topic: str, body: str) -> str:
    return f"---\ntitle: {title}\ndate: {date}\ntopics: [{topic}]\n---\n{body}\n"


ARTICLES = {
    "ferry.md": markdown(
        "Night ferry returns to the timetable",
        "2025-09-01T07:00:00+02:00",
        "harbour",
        "The night crossing runs again from Monday, the operator said.",
    ),
    "crane.md": markdown(
        "New crane lifts its first container",
        "2025-09-03T09:15:00+02:00",
        "harbour",
        "The crane on the east quay moved forty boxes in its first hour.",
    ),
    "rates.md": markdown(
        "Lenders keep their rates where they were",
        "2025-09-05T11:30:00+02:00",
        "markets",
        "Mortgage rates stay put for a third month in a row.",
    ),
    # Wire copy: the kicker puts it in its topic.
    "grain.txt": (
        "Markets Grain barges queue at the silo\n\n"
        "ATS\n\n"
        "4.9.2025 - 16:40\n\n"
        "Barges waited a day to unload after a conveyor broke at the grain silo.\n\n"
        "Repairs should be done by the weekend, the silo operator said.\n"
    ),
}
SLUGS = ("ferry", "crane", "rates", "grain")
TOPICS = ("harbour", "markets")
FEED_SUFFIXES = (".atom.xml", ".rss.xml", ".json")

SUMMARY = re.compile(
    r"deploy: (?P<uploaded>[\d,]+) uploaded, (?P<deleted>[\d,]+) deleted, "
    r"(?P<unchanged>[\d,]+) unchanged \(\d+\.\d s\)"
)
DRY_SUMMARY = re.compile(
    r"deploy: (?P<uploaded>[\d,]+) would upload, (?P<deleted>[\d,]+) would be deleted, "
    r"(?P<unchanged>[\d,]+) unchanged \(\d+\.\d s\)"
)
DRY_UPLOAD = re.compile(r"upload (?P<key>\S+) \((?P<type>[^,]+), (?P<size>[\d,]+) bytes\)")


def summary(line: str, *, dry_run: bool = False) -> dict[str, int]:
    """The numbers of deploy's last stderr line; fails unless the line has its exact shape."""
    match = (DRY_SUMMARY if dry_run else SUMMARY).fullmatch(line)
    assert match, line
    return {name: int(value.replace(",", "")) for name, value in match.groupdict().items()}


def dry_upload(line: str) -> tuple[str, str, int]:
    """(key, content type, size) of a dry run's `upload KEY (TYPE, SIZE bytes)` line."""
    match = DRY_UPLOAD.fullmatch(line)
    assert match, line
    return match["key"], match["type"], int(match["size"].replace(",", ""))


def article_key(slug: str) -> str:
    return f"{PREFIX}articles/{slug}/index.html"


def topic_key(slug: str) -> str:
    return f"{PREFIX}topics/{slug}/index.html"


def feed_keys(slug: str) -> set[str]:
    return {f"{PREFIX}feeds/{slug}{suffix}" for suffix in FEED_SUFFIXES}


HOME_KEY = PREFIX + "index.html"
OPML_KEY = PREFIX + "opml.xml"
# The pages a server or CDN answers for unknown paths (404) and removed articles (410).
ERROR_KEYS = {PREFIX + "404.html", PREFIX + "410.html"}
SITEMAP_KEY = PREFIX + "sitemap.xml"
NEWS_SITEMAP_KEY = PREFIX + "news-sitemap.xml"
ROBOTS_KEY = PREFIX + "robots.txt"
# What goes up last: the landing page, and what lists the site's pages and feeds.
LAST_KEYS = (HOME_KEY, OPML_KEY, SITEMAP_KEY, NEWS_SITEMAP_KEY, ROBOTS_KEY)


def archive_keys(slug: str) -> set[str]:
    """The archive of a channel (one document at archive_size 100), and of a topic its page."""
    keys = {f"{PREFIX}feeds/archive/{slug}/1{suffix}" for suffix in FEED_SUFFIXES}
    return keys if slug == "all" else keys | {f"{PREFIX}topics/{slug}/archive/1/index.html"}


def site_keys(slugs: tuple[str, ...] = SLUGS, filled: tuple[str, ...] = TOPICS) -> set[str]:
    """Every key a deploy of these articles (and the two topics, of which `filled` have
    articles and so archives) puts under the prefix."""
    keys = {article_key(slug) for slug in slugs} | set(LAST_KEYS) | ERROR_KEYS
    keys |= {topic_key(topic) for topic in TOPICS} | feed_keys("all") | archive_keys("all")
    for topic in TOPICS:
        keys |= feed_keys(topic) | (archive_keys(topic) if topic in filled else set())
    return keys


def site_path(key: str) -> str:
    """The URL path `feeds serve` answers for a key under the prefix."""
    return "/" + key.removeprefix(PREFIX).removesuffix("index.html")


def write_site(root: Path, deploy: str, articles: dict[str, str] = ARTICLES) -> Path:
    """config.toml (with `deploy` appended) and the articles; returns the config's path."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "config.toml"
    path.write_text(CONFIG + deploy, encoding="utf-8")
    for name, text in articles.items():
        file = root / "articles" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")
    return path


def deploy_section(
    bucket: str, endpoint: str, *, max_deletes: int = 256, prefix: str = PREFIX
) -> str:
    return DEPLOY.format(
        target=f"s3://{bucket}/{prefix}",
        endpoint=endpoint,
        region=REGION,
        max_deletes=max_deletes,
    )


def s3_client(endpoint: str, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY) -> Any:
    """A client of our own, to look into the bucket beside the one `feeds deploy` makes."""
    session = boto3.session.Session(
        aws_access_key_id=access_key, aws_secret_access_key=secret_key, region_name=REGION
    )
    return session.client("s3", endpoint_url=endpoint)


def moto_auth(endpoint: str, initial_no_auth_actions: str) -> None:
    """Make moto check credentials ("0") or accept any ("inf"), via its own API."""
    request = urllib.request.Request(
        endpoint + "/moto-api/reset-auth",
        data=initial_no_auth_actions.encode("ascii"),
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


@dataclass(frozen=True, slots=True)
class Stored:
    """One object as the bucket lists it."""

    etag: str
    size: int


class Bucket:
    """A test bucket on the moto server, filled with the foreign objects."""

    def __init__(self, endpoint: str, name: str) -> None:
        self.endpoint, self.name = endpoint, name
        self.client = s3_client(endpoint)
        self.client.create_bucket(Bucket=name)
        for key, body in FOREIGN.items():
            self.client.put_object(Bucket=name, Key=key, Body=body, ContentType="text/plain")

    def listing(self) -> dict[str, Stored]:
        """Every object of the bucket, prefix or not."""
        objects: dict[str, Stored] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            for item in page.get("Contents", []):
                objects[item["Key"]] = Stored(item["ETag"], item["Size"])
        return objects

    def site_keys(self) -> set[str]:
        return {key for key in self.listing() if key.startswith(PREFIX)}

    def body(self, key: str) -> bytes:
        data: bytes = self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
        return data

    def head(self, key: str) -> dict[str, Any]:
        head: dict[str, Any] = self.client.head_object(Bucket=self.name, Key=key)
        return head

    def assert_foreign_untouched(self) -> None:
        listing = self.listing()
        for key, body in FOREIGN.items():
            assert key in listing, key
            assert self.body(key) == body, key
            assert self.head(key)["ContentType"] == "text/plain", key
