"""`feeds deploy` against a real S3 endpoint: moto's server on 127.0.0.1, fake credentials.

What a deploy puts in the bucket (keys, bytes, Content-Type, Cache-Control as `feeds serve`
sends them), what a rerun uploads and deletes, the order of uploads, the prefix it keeps to,
`max_deletes`, `--dry-run`, and one clean line for each way it can fail.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

import boto3
import pytest

from feeds import cli, deploy
from feeds.cli import main
from feeds.manifest import MANIFEST
from feeds.web import create_app
from tests.deployfixtures import (
    ARTICLE_AGE,
    ARTICLES,
    FEED_AGE,
    HOME_KEY,
    HOST,
    LAST_KEYS,
    NEWS_SITEMAP_KEY,
    OPML_KEY,
    PREFIX,
    ROBOTS_KEY,
    SITEMAP_KEY,
    SLUGS,
    Bucket,
    archive_keys,
    article_key,
    deploy_section,
    dry_upload,
    fake_aws,
    feed_keys,
    markdown,
    moto_auth,
    moto_server,
    site_keys,
    site_path,
    summary,
    topic_key,
    write_site,
)
from tests.readers.agencyfixtures import g2
from tests.sitefixtures import run_process, tree
from tests.storefaults import HANG, THROTTLE, Store, hangs_after, store_in_front_of, throttled_for

_buckets = count(1)

# What editing crane.md's title must upload: its page, its topic's page and feeds, the feeds
# of `all` and the landing page (latest headlines); not the other articles, topics or OPML.
CRANE_LISTED_IN = {
    article_key("crane"),
    topic_key("harbour"),
    *feed_keys("harbour"),
    *feed_keys("all"),
    *archive_keys("harbour"),
    *archive_keys("all"),
    HOME_KEY,
}
# What removing ferry.md must upload: everything that listed it, the sitemap included, but
# not its own page (deleted).
FERRY_LISTED_IN = CRANE_LISTED_IN - {article_key("crane")} | {SITEMAP_KEY}


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """moto's S3 server for the whole module."""
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def aws_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_aws(tmp_path, monkeypatch)


@pytest.fixture
def bucket(endpoint: str) -> Bucket:
    """A new bucket of its own for each test, holding the foreign objects."""
    return Bucket(endpoint, f"deploy-test-{next(_buckets)}")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "desk"


@pytest.fixture
def config(root: Path, bucket: Bucket, endpoint: str) -> Path:
    return write_site(root, deploy_section(bucket.name, endpoint))


@dataclass
class Calls:
    """What `feeds deploy` asked of the bucket, in order: ("start"|"end"|"delete", key)."""

    events: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, event: str, key: str) -> None:
        with self.lock:
            self.events.append((event, key))

    @property
    def uploaded(self) -> list[str]:
        return [key for event, key in self.events if event == "end"]

    @property
    def deleted(self) -> list[str]:
        return [key for event, key in self.events if event == "delete"]

    def clear(self) -> None:
        self.events.clear()


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Records each upload (when it starts and ends) and each delete, calling through."""
    recorded = Calls()
    upload, delete = deploy.Bucket.upload, deploy.Bucket.delete

    def recording_upload(self: deploy.Bucket, item: deploy.Upload) -> None:
        recorded.add("start", item.key)
        upload(self, item)
        recorded.add("end", item.key)

    def recording_delete(self: deploy.Bucket, keys: list[str]) -> None:
        for key in keys:
            recorded.add("delete", key)
        delete(self, keys)

    monkeypatch.setattr(deploy.Bucket, "upload", recording_upload)
    monkeypatch.setattr(deploy.Bucket, "delete", recording_delete)
    return recorded


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    stdout: list[str]
    stderr: list[str]


@pytest.fixture
def feeds_deploy(capsys: pytest.CaptureFixture[str], config: Path) -> _Deploy:
    return _Deploy(capsys, config)


class _Deploy:
    """`feeds deploy --config CONFIG ARGS` in-process, with its stdout and stderr lines."""

    def __init__(self, capsys: pytest.CaptureFixture[str], config: Path) -> None:
        self.capsys, self.config = capsys, config

    def __call__(self, *args: str, config: Path | None = None) -> Run:
        self.capsys.readouterr()
        code = main(["deploy", "--config", str(config or self.config), *args])
        out, err = self.capsys.readouterr()
        assert "Traceback" not in err, err
        return Run(code, out.splitlines(), err.splitlines())


def failed(run: Run) -> str:
    """The one line of a deploy that stopped: exit 2, nothing on stdout, one line on stderr."""
    assert run.code == 2, run
    assert run.stdout == []
    assert len(run.stderr) == 1, run.stderr
    assert run.stderr[0].startswith("feeds: "), run.stderr
    return run.stderr[0]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


# ---------------------------------------------------------------------------- first deploy


def test_first_deploy_puts_the_built_site_with_the_servers_headers(
    root: Path, config: Path, bucket: Bucket, feeds_deploy: _Deploy
) -> None:
    # As an operator runs it: `python -m feeds deploy` in a child process, credentials in env.
    run = run_process(root, "deploy", "--config", "config.toml")
    keys = site_keys()
    assert run.code == 0, run.stderr
    assert len(run.stderr) == 1, run.stderr
    assert summary(run.stderr[0]) == {"uploaded": len(keys), "deleted": 0, "unchanged": 0}
    assert bucket.site_keys() == keys

    # Key = prefix + the file name `feeds build` writes; bytes equal its files.
    assert main(["build", "--config", str(config), "--out", str(root / "built")]) == 0
    built = {PREFIX + name: data for name, data in tree(root / "built").items()}
    del built[PREFIX + MANIFEST]
    assert {key: bucket.body(key) for key in keys} == built
    assert PREFIX + "articles/crane/index.html" in built
    assert PREFIX + "feeds/all.atom.xml" in built

    # Same Content-Type, Cache-Control and bytes as `feeds serve`; stored uncompressed.
    client = create_app(config).test_client()
    for key in sorted(keys):
        head = bucket.head(key)
        with client.get(site_path(key)) as served:  # closed: it sends an open file
            assert served.status_code == 200, key
            assert head["ContentType"] == served.headers["Content-Type"], key
            assert head["CacheControl"] == served.headers["Cache-Control"], key
            assert bucket.body(key) == served.get_data(), key
        assert "ContentEncoding" not in head, key
        assert "charset=utf-8" in head["ContentType"], key
        is_article = key.startswith(PREFIX + "articles/")
        assert head["CacheControl"] == (ARTICLE_AGE if is_article else FEED_AGE), key
    assert bucket.head(OPML_KEY)["ContentType"] == "text/x-opml; charset=utf-8"
    for key in (SITEMAP_KEY, NEWS_SITEMAP_KEY):
        assert bucket.head(key)["ContentType"] == "application/xml; charset=utf-8"
    assert bucket.head(ROBOTS_KEY)["ContentType"] == "text/plain; charset=utf-8"
    assert bucket.head(PREFIX + "feeds/all.json")["ContentType"] == (
        "application/feed+json; charset=utf-8"
    )
    bucket.assert_foreign_untouched()

    # Nothing changed: a second deploy (in-process this time) uploads and deletes nothing.
    before = bucket.listing()
    again = feeds_deploy()
    assert again.code == 0
    assert again.stdout == []
    assert len(again.stderr) == 1
    assert summary(again.stderr[-1]) == {"uploaded": 0, "deleted": 0, "unchanged": len(keys)}
    assert bucket.listing() == before


def test_second_deploy_uploads_nothing(bucket: Bucket, feeds_deploy: _Deploy, calls: Calls) -> None:
    assert feeds_deploy().code == 0
    assert set(calls.uploaded) == site_keys()
    calls.clear()
    before = bucket.listing()
    run = feeds_deploy()
    assert run.code == 0
    assert summary(run.stderr[-1]) == {"uploaded": 0, "deleted": 0, "unchanged": len(site_keys())}
    assert calls.events == []
    assert bucket.listing() == before


def test_a_vanished_articles_folder_touches_neither_the_bucket_nor_the_output(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    assert feeds_deploy().code == 0
    before, built = bucket.listing(), tree(root / "public")
    calls.clear()
    (root / "articles").rename(root / "unmounted")
    line = failed(feeds_deploy())
    assert line.endswith(
        "articles_dir does not exist; mount or create it, or fix [build].articles_dir"
    )
    assert calls.events == []
    assert bucket.listing() == before
    assert tree(root / "public") == built


# ---------------------------------------------------------------------------- changes


def test_editing_an_article_uploads_it_and_what_lists_it(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    assert feeds_deploy().code == 0
    before = bucket.listing()
    edited = ARTICLES["crane.md"].replace("lifts its first", "hoists its first")
    (root / "articles" / "crane.md").write_text(edited, encoding="utf-8")
    calls.clear()

    plan = feeds_deploy("--dry-run")
    assert plan.code == 0
    assert calls.events == []
    assert {line.split()[1] for line in plan.stdout} == CRANE_LISTED_IN
    assert all(line.startswith("upload ") for line in plan.stdout)
    assert bucket.listing() == before

    run = feeds_deploy()
    assert run.code == 0
    assert sorted(calls.uploaded) == sorted(CRANE_LISTED_IN)  # each once, nothing else
    assert calls.deleted == []
    assert summary(run.stderr[-1]) == {
        "uploaded": len(CRANE_LISTED_IN),
        "deleted": 0,
        "unchanged": len(site_keys()) - len(CRANE_LISTED_IN),
    }
    after = bucket.listing()
    assert after.keys() == before.keys()
    assert {key for key in after if after[key] != before[key]} == CRANE_LISTED_IN
    assert b"New crane hoists its first container" in bucket.body(article_key("crane"))
    assert b"New crane hoists its first container" in bucket.body(HOME_KEY)
    bucket.assert_foreign_untouched()


def test_removing_an_article_deletes_its_page(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    assert feeds_deploy().code == 0
    before = bucket.listing()
    (root / "articles" / "ferry.md").unlink()
    calls.clear()

    run = feeds_deploy()
    assert run.code == 0
    assert calls.deleted == [article_key("ferry")]
    assert sorted(calls.uploaded) == sorted(FERRY_LISTED_IN)
    assert summary(run.stderr[-1]) == {
        "uploaded": len(FERRY_LISTED_IN),
        "deleted": 1,
        "unchanged": len(site_keys()) - 1 - len(FERRY_LISTED_IN),
    }
    remaining = tuple(slug for slug in SLUGS if slug != "ferry")
    assert bucket.site_keys() == site_keys(remaining)
    after = bucket.listing()
    assert {key for key in after if after[key] != before[key]} == FERRY_LISTED_IN
    assert b"Night ferry" not in bucket.body(HOME_KEY)
    bucket.assert_foreign_untouched()


def test_a_killed_agency_story_is_deleted_from_the_bucket(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    guid = "urn:newsml:example.org:20251001:deploy-kill"
    story = g2(guid, version=1, created="2025-10-01T08:00:00Z", headline="Story to be killed")
    (root / "articles" / "agency-v1.xml").write_text(story, encoding="utf-8")
    assert feeds_deploy().code == 0
    assert article_key("example-deploy-kill") in bucket.site_keys()
    kill = g2(guid, version=2, created="2025-10-01T09:00:00Z", status="stat:canceled")
    (root / "articles" / "agency-v2.xml").write_text(kill, encoding="utf-8")
    calls.clear()

    assert feeds_deploy().code == 0
    assert calls.deleted == [article_key("example-deploy-kill")]
    assert bucket.site_keys() == site_keys()
    for key in bucket.site_keys():
        assert b"Story to be killed" not in bucket.body(key), key
    bucket.assert_foreign_untouched()


def test_only_keys_under_the_prefix_are_listed_touched_or_deleted(
    root: Path, endpoint: str, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    # Stale objects under the prefix go; look-alikes outside it stay, even with --force.
    bucket.client.put_object(Bucket=bucket.name, Key=PREFIX + "old/page.html", Body=b"stale")
    bucket.client.put_object(Bucket=bucket.name, Key="site-other/y", Body=b"look-alike")
    bucket.client.put_object(Bucket=bucket.name, Key="sitemap.xml", Body=b"<urlset/>")
    run = feeds_deploy("--force")
    assert run.code == 0
    assert calls.deleted == [PREFIX + "old/page.html"]
    assert all(key.startswith(PREFIX) for key in calls.uploaded)
    assert summary(run.stderr[-1])["deleted"] == 1
    assert bucket.body("site-other/y") == b"look-alike"
    assert bucket.body("sitemap.xml") == b"<urlset/>"
    bucket.assert_foreign_untouched()

    # A second site deployed under another prefix of the same bucket leaves the first alone.
    first = bucket.listing()
    other = write_site(
        root.parent / "other-desk",
        deploy_section(bucket.name, endpoint, prefix="archive/"),
        {"crane.md": ARTICLES["crane.md"]},
    )
    calls.clear()
    assert feeds_deploy(config=other).code == 0
    assert all(key.startswith("archive/") for _, key in calls.events)
    after = bucket.listing()
    assert {key: after[key] for key in first} == first
    assert {key for key in after if key.startswith("archive/")} == {
        "archive/" + key.removeprefix(PREFIX) for key in site_keys(("crane",), ("harbour",))
    }


# ---------------------------------------------------------------------------- max_deletes


def test_max_deletes_refuses_a_mass_delete_and_force_goes_through(
    root: Path, endpoint: str, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    config = write_site(root, deploy_section(bucket.name, endpoint, max_deletes=1))
    assert feeds_deploy(config=config).code == 0
    for name in ("ferry.md", "grain.md", "grain.txt"):
        (root / "articles" / name).unlink(missing_ok=True)
    # The edit would be uploaded by a deploy that goes ahead; a refused one uploads nothing.
    (root / "articles" / "rates.md").write_text(
        markdown("Lenders cut", "2025-09-05T11:30:00+02:00", "markets", "Down."), "utf-8"
    )
    before = bucket.listing()
    calls.clear()

    refused = feeds_deploy(config=config)
    assert failed(refused) == (
        "feeds: would delete 2 objects, more than [deploy].max_deletes = 1; "
        "check the target and articles_dir, or pass --force"
    )
    assert calls.events == []
    assert bucket.listing() == before

    dry = feeds_deploy("--dry-run", config=config)
    assert failed(dry) == refused.stderr[0]
    assert bucket.listing() == before

    forced = feeds_deploy("--force", config=config)
    assert forced.code == 0
    assert sorted(calls.deleted) == sorted([article_key("ferry"), article_key("grain")])
    assert summary(forced.stderr[-1])["deleted"] == 2
    assert bucket.site_keys() == site_keys(("crane", "rates"))
    assert b"Lenders cut" in bucket.body(article_key("rates"))
    bucket.assert_foreign_untouched()


# ---------------------------------------------------------------------------- --dry-run


def test_dry_run_prints_the_plan_and_changes_nothing(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    empty = bucket.listing()
    plan = feeds_deploy("--dry-run")
    assert plan.code == 0
    assert calls.events == []
    assert bucket.listing() == empty
    assert not (root / "public").exists()  # a dry run writes nothing anywhere
    assert summary(plan.stderr[-1], dry_run=True) == {
        "uploaded": len(site_keys()),
        "deleted": 0,
        "unchanged": 0,
    }
    planned = {
        key: (content_type, size) for key, content_type, size in map(dry_upload, plan.stdout)
    }
    assert planned.keys() == site_keys()
    assert len(plan.stdout) == len(planned)

    # What the dry run announced is what the deploy puts: same keys, types and sizes.
    assert feeds_deploy().code == 0
    for key, (content_type, size) in planned.items():
        head = bucket.head(key)
        assert (head["ContentType"], head["ContentLength"]) == (content_type, size), key

    # With changes pending: each upload and the delete, and still nothing changes.
    (root / "articles" / "ferry.md").unlink()
    before = bucket.listing()
    calls.clear()
    plan = feeds_deploy("--dry-run")
    assert plan.code == 0
    uploads = {line.split()[1] for line in plan.stdout if line.startswith("upload ")}
    assert uploads == FERRY_LISTED_IN
    assert [line for line in plan.stdout if not line.startswith("upload ")] == [
        f"delete {article_key('ferry')}"
    ]
    assert plan.stdout[-1] == f"delete {article_key('ferry')}"  # deletions listed last
    assert summary(plan.stderr[-1], dry_run=True) == {
        "uploaded": len(FERRY_LISTED_IN),
        "deleted": 1,
        "unchanged": len(site_keys()) - 1 - len(FERRY_LISTED_IN),
    }
    assert calls.events == []
    assert bucket.listing() == before


# ---------------------------------------------------------------------------- safe order


def _phase(key: str) -> int:
    if key.startswith(PREFIX + "articles/"):
        return 0
    if "/archive/" in key:
        return 1
    return 3 if key in LAST_KEYS else 2


def _assert_phases_in_order(events: list[tuple[str, str]]) -> None:
    """Every upload of a phase has ended before any upload of a later phase starts."""
    starts = [(index, _phase(key)) for index, (event, key) in enumerate(events) if event == "start"]
    ends = [(index, _phase(key)) for index, (event, key) in enumerate(events) if event == "end"]
    for start, phase in starts:
        assert all(end < start for end, earlier in ends if earlier < phase), events


def test_articles_go_up_first_home_and_opml_last_deletions_after(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy, calls: Calls
) -> None:
    assert feeds_deploy().code == 0
    _assert_phases_in_order(calls.events)
    uploaded = calls.uploaded
    articles = {article_key(slug) for slug in SLUGS}
    assert set(uploaded[: len(articles)]) == articles
    assert set(uploaded[-len(LAST_KEYS) :]) == set(LAST_KEYS)
    middle = set(uploaded[len(articles) : -len(LAST_KEYS)])
    assert middle == site_keys() - articles - set(LAST_KEYS)

    # A new article and a removed one: the new page first, deletion only after every upload.
    (root / "articles" / "ferry.md").unlink()
    (root / "articles" / "tug.md").write_text(
        markdown("Tug crews vote on new rota", "2025-09-06T08:00:00+02:00", "harbour", "Vote."),
        encoding="utf-8",
    )
    calls.clear()
    assert feeds_deploy().code == 0
    _assert_phases_in_order(calls.events)
    assert calls.uploaded[0] == article_key("tug")
    assert calls.deleted == [article_key("ferry")]
    # The new headline, OPML's date, the sitemap's URLs (the news sitemap and robots.txt keep
    # their bytes: both articles are older than 48 hours).
    assert set(calls.uploaded[-3:]) == {HOME_KEY, OPML_KEY, SITEMAP_KEY}
    assert calls.events[-1] == ("delete", article_key("ferry"))  # after every upload ended


# ---------------------------------------------------------------------------- errors


def test_missing_deploy_section(root: Path, feeds_deploy: _Deploy) -> None:
    config = write_site(root, "")
    line = failed(feeds_deploy(config=config))
    assert line == 'feeds: config.toml: [deploy]: missing; add target = "s3://bucket/prefix/"'


def test_malformed_target_is_a_config_error(root: Path, feeds_deploy: _Deploy) -> None:
    config = write_site(root, '\n[deploy]\ntarget = "http://x"\n')
    line = failed(feeds_deploy(config=config))
    assert "[deploy].target: 'http://x' is not an s3://bucket/prefix/ URL" in line
    assert "config.toml" in line


def test_unreachable_endpoint_fails_fast(root: Path, bucket: Bucket, feeds_deploy: _Deploy) -> None:
    port = free_port()
    config = write_site(root, deploy_section(bucket.name, f"http://{HOST}:{port}"))
    started = time.perf_counter()
    line = failed(feeds_deploy(config=config))
    assert time.perf_counter() - started < 10
    assert line.startswith(f"feeds: s3://{bucket.name}/{PREFIX}: cannot reach http://{HOST}:{port}")


def test_missing_bucket(root: Path, endpoint: str, feeds_deploy: _Deploy) -> None:
    config = write_site(root, deploy_section("no-such-bucket", endpoint))
    line = failed(feeds_deploy(config=config))
    assert line == f"feeds: s3://no-such-bucket/{PREFIX}: bucket 'no-such-bucket' does not exist"


def test_no_credentials(
    monkeypatch: pytest.MonkeyPatch, bucket: Bucket, feeds_deploy: _Deploy
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    line = failed(feeds_deploy())
    assert line.startswith("feeds: no credentials: set AWS_ACCESS_KEY_ID")
    bucket.assert_foreign_untouched()


@pytest.fixture
def checked_credentials(endpoint: str) -> Iterator[None]:
    """moto checks access keys and signatures while the test runs (it accepts any otherwise)."""
    moto_auth(endpoint, "0")
    try:
        yield
    finally:
        moto_auth(endpoint, "inf")


def test_unknown_access_key_is_refused(
    root: Path, config: Path, bucket: Bucket, checked_credentials: None
) -> None:
    run = run_process(root, "deploy", "--config", "config.toml")
    assert run.code == 2
    assert run.stderr == [
        f"feeds: s3://{bucket.name}/{PREFIX}: credentials refused (InvalidAccessKeyId)"
    ]


def test_wrong_secret_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    endpoint: str,
    bucket: Bucket,
    feeds_deploy: _Deploy,
    calls: Calls,
) -> None:
    iam = boto3.session.Session(region_name="us-east-1").client("iam", endpoint_url=endpoint)
    iam.create_user(UserName="deployer")
    key = iam.create_access_key(UserName="deployer")["AccessKey"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-" + key["SecretAccessKey"])
    moto_auth(endpoint, "0")
    try:
        run = feeds_deploy()
    finally:
        moto_auth(endpoint, "inf")
    line = failed(run)
    assert (
        line == f"feeds: s3://{bucket.name}/{PREFIX}: credentials refused (SignatureDoesNotMatch)"
    )
    assert calls.events == []
    assert bucket.site_keys() == set()
    bucket.assert_foreign_untouched()


def test_a_refused_delete_is_reported_not_counted(
    root: Path, bucket: Bucket, feeds_deploy: _Deploy
) -> None:
    # S3 authorises each key of a DeleteObjects on its own and answers 200 with an Errors list.
    assert feeds_deploy().code == 0
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:DeleteObject",
                "Resource": f"arn:aws:s3:::{bucket.name}/{PREFIX}articles/*",
            }
        ],
    }
    bucket.client.put_bucket_policy(Bucket=bucket.name, Policy=json.dumps(policy))
    (root / "articles" / "ferry.md").unlink()
    line = failed(feeds_deploy())
    assert line == (
        f"feeds: s3://{bucket.name}/{PREFIX}: 1 object not deleted, "
        f"{article_key('ferry')}: AccessDenied (Access Denied)"
    )
    assert article_key("ferry") in bucket.site_keys()


# ---------------------------------------------------------------------- a store that misbehaves


@pytest.fixture
def store(endpoint: str) -> Iterator[Store]:
    """A thin proxy on 127.0.0.1 in front of moto's server; each test says how it misbehaves."""
    with store_in_front_of(endpoint) as proxy:
        yield proxy


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> float:
    """One second without an answer is a timeout (instead of 10), so a test of a store that
    never answers waits seconds, not tens of seconds."""
    monkeypatch.setattr(deploy, "READ_TIMEOUT", 1)
    return 1


def test_a_store_that_never_answers_the_listing_fails_in_seconds(
    root: Path, bucket: Bucket, store: Store, short_timeout: float, feeds_deploy: _Deploy
) -> None:
    store.behaviour = lambda method, path: HANG
    config = write_site(root, deploy_section(bucket.name, store.endpoint))
    started = time.monotonic()
    line = failed(feeds_deploy(config=config))
    # Tried twice, a timeout each: seconds (91 s before, at 30 s a try and three tries).
    assert time.monotonic() - started < 20 * short_timeout
    assert line == (
        f"feeds: s3://{bucket.name}/{PREFIX}: {store.endpoint} did not answer within 1 s, "
        "2 times; check the store, then deploy again (it goes on where it stopped)"
    )
    assert [method for method, _, _ in store.seen] == ["GET", "GET"]
    assert bucket.site_keys() == set()


def test_a_store_that_stops_answering_mid_upload_fails_without_trying_every_file(
    root: Path,
    bucket: Bucket,
    store: Store,
    short_timeout: float,
    feeds_deploy: _Deploy,
    calls: Calls,
) -> None:
    many = {**ARTICLES, **{f"extra-{n}.md": _extra(n) for n in range(40)}}
    config = write_site(root, deploy_section(bucket.name, store.endpoint), many)
    store.behaviour = hangs_after(uploads=3)
    line = failed(feeds_deploy(config=config))
    assert line.startswith(f"feeds: s3://{bucket.name}/{PREFIX}: {store.endpoint} did not answer")
    # The uploads in flight when the store stopped, not the 50-odd still queued.
    started = [key for event, key in calls.events if event == "start"]
    assert len(started) <= 3 + 2 * deploy.UPLOAD_THREADS
    assert len(bucket.site_keys()) == 3
    # Nothing deleted, and the landing page never went up before the articles.
    assert HOME_KEY not in started
    bucket.assert_foreign_untouched()


def _extra(n: int) -> str:
    return markdown(
        f"Harbour notice number {n}", "2025-09-02T08:00:00+02:00", "harbour", f"Notice {n}."
    )


def test_a_throttling_store_slows_the_deploy_down_and_it_completes(
    root: Path, bucket: Bucket, store: Store, feeds_deploy: _Deploy
) -> None:
    # Refused for 6 s from the first refusal after 5 uploads: three tries with botocore's
    # backoff (at most 2 + 4 s) gave up within the window before.
    store.behaviour = throttled_for(seconds=6, after=5)
    config = write_site(root, deploy_section(bucket.name, store.endpoint))
    run = feeds_deploy(config=config)
    assert run.code == 0, run.stderr
    assert summary(run.stderr[-1])["uploaded"] == len(site_keys())
    assert store.count(THROTTLE) > 0
    assert bucket.site_keys() == site_keys()
    for key in site_keys():
        assert bucket.body(key) == (root / "public" / key.removeprefix(PREFIX)).read_bytes()


def test_progress_lines_when_stderr_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, bucket: Bucket, feeds_deploy: _Deploy
) -> None:
    monkeypatch.setattr(cli, "PROGRESS_EVERY", 0)  # a line at every file instead of every 5 s
    run = feeds_deploy()
    assert run.code == 0
    total = len(site_keys())
    lines = [re.fullmatch(r"(writing|uploading) (\d+)/(\d+) files", line) for line in run.stderr]
    progress = [(m[1], int(m[2]), int(m[3])) for m in lines if m]
    assert [line for line, m in zip(run.stderr, lines, strict=True) if not m] == [run.stderr[-1]]
    # Each file but the last (the summary line says the rest), in order.
    assert progress == [("writing", n, total) for n in range(1, total)] + [
        ("uploading", n, total) for n in range(1, total)
    ]
    assert summary(run.stderr[-1])["uploaded"] == total
    assert "\r" not in "".join(run.stderr)
