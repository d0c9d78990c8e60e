"""config.toml: defaults, paths, and every mistake reported as one `path: key: message`."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from feeds.config import load_config
from feeds.errors import ConfigError
from tests.conftest import CONFIG, Site

SITE = '[site]\ntitle = "T"\nbase_url = "https://news.example.org/"\n'
TOPIC = '[[topics]]\nslug = "{slug}"\ntitle = "{title}"\n'


def config_error(site: Site, text: str) -> str:
    """The one-line message for config text; fails if the config loads."""
    path = site.configure(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    prefix = f"{path}: "
    assert message.startswith(prefix)
    return message.removeprefix(prefix)


def test_the_shared_config_loads_with_its_topics(site: Site) -> None:
    config = site.config()
    assert config.title == "Test Wire"
    assert config.base_url == "https://news.example.org/"
    assert config.host == "news.example.org"
    assert config.language == "fr"
    assert config.timezone == ZoneInfo("Europe/Zurich")
    assert [topic.slug for topic in config.topics] == ["ukraine", "economy", "sport", "climate"]
    assert config.topic("economy").title == "Économie"
    assert config.topic("ukraine").aliases == ("Ukraine", "Kyiv", "Kiev")
    assert config.topic("all").slug == "all"


def test_defaults(site: Site) -> None:
    config = load_config(site.configure(SITE))
    assert config.language == "en"
    assert config.languages == ("en",)
    assert config.timezone == ZoneInfo("UTC")
    assert config.max_entries == 50
    assert config.archive_size == 100
    assert (config.archive_max_age, config.robots) == (86400, ())
    assert config.topics == ()
    assert config.deploy is None
    assert config.articles_dir == site.root / "articles"
    assert config.output_dir == site.root / "public"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://news.example.org", "https://news.example.org/"),
        ("https://news.example.org/", "https://news.example.org/"),
        ("http://example.org/news", "http://example.org/news/"),
        ("  https://news.example.org:8443/a/b/  ", "https://news.example.org:8443/a/b/"),
    ],
)
def test_base_url_gets_a_trailing_slash(site: Site, given: str, expected: str) -> None:
    config = load_config(site.configure(f'[site]\ntitle = "T"\nbase_url = "{given}"\n'))
    assert config.base_url == expected


def test_paths_are_relative_to_the_config_file(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = site.root / "conf" / "site.toml"
    nested.parent.mkdir()
    nested.write_text(SITE + '[build]\narticles_dir = "../copy"\noutput_dir = "out"\n')
    monkeypatch.chdir(site.articles)
    config = load_config(Path("../conf/site.toml"))
    assert config.path == nested
    assert config.root == nested.parent
    assert config.articles_dir.resolve() == site.root / "copy"
    assert config.output_dir == nested.parent / "out"


def test_languages_are_kept_as_written_with_the_site_language_among_them(site: Site) -> None:
    config = load_config(site.configure(SITE + 'language = "fr"\nlanguages = ["de-CH", "FR"]\n'))
    assert (config.language, config.languages) == ("fr", ("de-CH", "FR"))


def test_deploy_section_is_parsed(site: Site) -> None:
    config = load_config(
        site.configure(
            SITE
            + '[deploy]\ntarget = "s3://bucket/site"\nendpoint_url = "https://s3.example.net"\n'
        )
    )
    assert config.deploy is not None
    assert (config.deploy.bucket, config.deploy.prefix) == ("bucket", "site/")
    assert config.deploy.endpoint_url == "https://s3.example.net"
    assert config.deploy.max_deletes == 256


NO_SITE = '[site]\ntitle = "T"\n'


def test_websub_section_is_parsed(site: Site) -> None:
    config = load_config(
        site.configure(SITE + '[websub]\nhub = true\nhubs = ["https://hub.example.net/"]\n')
    )
    assert config.websub is not None
    assert config.websub.hub
    assert config.websub.hubs == ("https://hub.example.net/",)
    assert not config.websub.allow_private_callbacks
    assert load_config(site.configure(SITE)).websub is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[site]\nbase_url = "https://e.org/"\n', "[site].title: is required"),
        ('[site]\ntitle = "  "\nbase_url = "https://e.org/"\n', "[site].title: must not be empty"),
        ("[site]\ntitle = 3\nbase_url = 'https://e.org/'\n", "[site].title: 3 is not a string"),
        (NO_SITE, "[site].base_url: is required"),
        ("", "[site].title: is required"),
        (
            NO_SITE + 'base_url = "news.example.org"\n',
            "[site].base_url: 'news.example.org' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "ftp://news.example.org/"\n',
            "[site].base_url: 'ftp://news.example.org/' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "/news/"\n',
            "[site].base_url: '/news/' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "http://[::1/"\n',
            "[site].base_url: 'http://[::1/' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "https://news example.org/"\n',
            "[site].base_url: 'https://news example.org/' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "https://news.example.org:99999/"\n',
            "[site].base_url: 'https://news.example.org:99999/' is not an absolute http(s) URL",
        ),
        (
            NO_SITE + 'base_url = "https://e.org/?page=1"\n',
            "[site].base_url: 'https://e.org/?page=1' must not have a query or fragment",
        ),
        (
            SITE + 'timezone = "Mars/Olympus"\n',
            "[site].timezone: 'Mars/Olympus' is not an IANA time zone like 'Europe/Zurich'",
        ),
        (
            SITE + 'timezone = "../../etc/passwd"\n',
            "[site].timezone: '../../etc/passwd' is not an IANA time zone like 'Europe/Zurich'",
        ),
        (
            SITE + 'language = "français"\n',
            "[site].language: 'français' is not a BCP 47 language tag like 'fr' or 'de-CH'",
        ),
        (
            SITE + 'language = "fr"\nlanguages = ["fr", "deutsch"]\n',
            "[site].languages: 'deutsch' is not a BCP 47 language tag like 'fr' or 'de-CH'",
        ),
        (
            SITE + 'language = "fr"\nlanguages = ["de", "it"]\n',
            "[site].languages: must include the site's language 'fr'",
        ),
        (
            SITE + 'language = "fr"\nlanguages = ["fr", "de", "DE"]\n',
            "[site].languages: 'DE' is listed twice",
        ),
        (SITE + 'languages = "fr"\n', "[site].languages: 'fr' is not a list"),
        (SITE + "languages = [1]\n", "[site].languages: must be a list of strings"),
        (SITE + 'colour = "red"\n', "[site].colour: unknown key; allowed: "),
        (SITE + "[build]\nmax_entries = 0\n", "[build].max_entries: 0 must be at least 1"),
        (
            SITE + '[build]\nmax_entries = "10"\n',
            "[build].max_entries: '10' is not a whole number",
        ),
        (SITE + "[build]\nmax_entries = true\n", "[build].max_entries: True is not a whole number"),
        (SITE + "[build]\narchive_size = 0\n", "[build].archive_size: 0 must be at least 1"),
        (SITE + "[build]\narchive_size = 2.5\n", "[build].archive_size: 2.5 is not a whole number"),
        (
            SITE + "[serve]\narchive_max_age = -1\n",
            "[serve].archive_max_age: -1 must be at least 0",
        ),
        (SITE + 'robots = "Disallow: /"\n', "[site].robots: 'Disallow: /' is not a list"),
        (
            SITE + 'robots = ["User-agent: *", "Disallow: /a\\nAllow: /"]\n',
            "[site].robots: line 2 ('Disallow: /a\\nAllow: /') must be one line of printable text",
        ),
        (SITE + '[build]\narticles_dir = ""\n', "[build].articles_dir: '' is not a folder name"),
        (
            SITE + '[build]\noutput_dir = "a\\u0000b"\n',
            "[build].output_dir: 'a\\x00b' is not a folder name",
        ),
        (SITE + '[build]\ntheme = "dark"\n', "[build].theme: unknown key; allowed: "),
        (SITE + "[extra]\nkey = 1\n", "extra: unknown section; allowed: "),
        ("[[site]]\ntitle = 'T'\n", "[site]: must be a table"),
        (SITE + '[topics]\nslug = "a"\n', "topics: must be an array of tables: [[topics]]"),
        (
            SITE + TOPIC.format(slug="news", title="News") + TOPIC.format(slug="Sport!", title="S"),
            '[topics][2].slug: "Sport!" is not [a-z0-9-]+',
        ),
        (SITE + TOPIC.format(slug="", title="Empty"), "[topics][1].slug: must not be empty"),
        (
            SITE + TOPIC.format(slug="all", title="All"),
            '[topics][1].slug: "all" is reserved for the feed of every article',
        ),
        (
            SITE + TOPIC.format(slug="all-de", title="Deutsch"),
            '[topics][1].slug: "all-de": "all-…" is reserved for the per-language feeds',
        ),
        (
            SITE + TOPIC.format(slug="news", title="A") + TOPIC.format(slug="news", title="B"),
            '[topics][2].slug: "news" is already the slug of another topic',
        ),
        (SITE + '[[topics]]\nslug = "news"\n', "[topics][1].title: is required"),
        (SITE + '[[topics]]\ntitle = "News"\n', "[topics][1].slug: is required"),
        (
            SITE + TOPIC.format(slug="news", title="N") + "aliases = [1, 2]\n",
            "[topics][1].aliases: must be a list of strings",
        ),
        (
            SITE + TOPIC.format(slug="news", title="N") + 'keywords = ["a"]\n',
            "[topics][1].keywords: unknown key; allowed: aliases, description, slug, subjects, "
            "title",
        ),
        (SITE + '[deploy]\nregion = "x"\n', "[deploy].target: is required"),
        (
            SITE + '[deploy]\ntarget = "https://bucket/"\n',
            "[deploy].target: 'https://bucket/' is not an s3://bucket/prefix/ URL",
        ),
        (
            SITE + '[deploy]\ntarget = "s3://[bucket/"\n',
            "[deploy].target: 's3://[bucket/' is not an s3://bucket/prefix/ URL",
        ),
        (
            SITE + '[deploy]\ntarget = "s3://b/"\nendpoint_url = "s3.example.net"\n',
            "[deploy].endpoint_url: 's3.example.net' is not an http(s) URL",
        ),
        (SITE + "[websub]\nhub = 1\n", "[websub].hub: 1 is not true or false"),
        (
            SITE + '[websub]\nhubs = ["ftp://hub.example.net/"]\n',
            "[websub].hubs: 'ftp://hub.example.net/' is not an absolute http(s) URL",
        ),
        (
            SITE + '[websub]\nhubs = ["https://h.example.net/", "https://h.example.net/"]\n',
            "[websub].hubs: lists a hub twice",
        ),
        (SITE + "[websub]\nhubs = [1]\n", "[websub].hubs: must be a list of strings"),
        (
            SITE + "[websub]\nsecret = true\n",
            "[websub].secret: unknown key; allowed: allow_private_callbacks, hub, hubs",
        ),
        ("[site\ntitle = 'T'\n", "not valid TOML: "),
        ('[site]\ntitle = "T"\ntitle = "U"\n', "not valid TOML: "),
    ],
)
def test_each_mistake_is_one_line_naming_the_key(site: Site, text: str, message: str) -> None:
    assert config_error(site, text).startswith(message)


def test_a_missing_config_says_how_to_name_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found; pass --config PATH"):
        load_config(tmp_path / "nowhere.toml")


def test_a_config_that_is_not_utf8_is_reported(site: Site) -> None:
    path = site.root / "config.toml"
    path.write_bytes(CONFIG.encode("utf-16"))
    with pytest.raises(ConfigError, match="not valid UTF-8"):
        load_config(path)


def test_a_folder_given_as_config_cannot_be_read(site: Site) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_config(site.root)


def test_topic_subjects_are_agency_codes(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        SITE + TOPIC.format(slug="rail", title="Rail") + 'subjects = [" medtop:20000766 ", ""]\n'
    )
    assert load_config(path).topics[0].subjects == ("medtop:20000766",)
