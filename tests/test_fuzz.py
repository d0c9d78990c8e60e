"""Fuzz: generated wire copy and Markdown front matter (YAML and TOML) load, or become one
problem line, never an exception; whatever loads renders feeds that parse cleanly.

Well-formed articles must also load with the title and date they were written with. The
`fuzz` profile keeps the suite fast; FEEDS_FUZZ_PROFILE=fuzz-long runs many more examples.
"""

from __future__ import annotations

import json
import os
import tomllib
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from dateutil.tz import datetime_exists
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.loader import Loaded
from feeds.model import Entry
from feeds.site import build_site
from feeds.text import one_line
from feeds.urls import Kind
from tests.conftest import CONFIG, Site
from tests.serverfixtures import feed_titles

settings.register_profile(
    "fuzz",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile("fuzz-long", settings.get_profile("fuzz"), max_examples=2000)
FUZZ = settings.get_profile(os.environ.get("FEEDS_FUZZ_PROFILE", "fuzz"))

ZURICH = ZoneInfo("Europe/Zurich")  # the test config's time zone
NOW = datetime(2025, 10, 1, tzinfo=UTC)
FEEDS = {Kind.ATOM, Kind.RSS, Kind.JSON}
CP1252_GAPS = {0x81, 0x8D, 0x8F, 0x90, 0x9D}  # codes Windows-1252 leaves undefined
KICKERS = {
    name: topic["slug"]
    for topic in tomllib.loads(CONFIG)["topics"]
    for name in (topic["title"], *topic["aliases"])
}

# Text: letters and digits of any script, with the characters that markup, XML, JSON and
# line handling trip over mixed in.
SPICE = "<>&\"'`*_[]()#!|\\/:;,.?«»„“”‘’—–…\u00a0\u200b\u200f\u2028\u2029\x85\x7f\x1b\x0c\t\ufeff😀"  # noqa: RUF001
CREDITS = ["sda", "Keystone-SDA", "KEYSTONE/EPA/ANNA SMITH", "AP Photo/J. Doe"]
LETTERS = st.characters(categories=["L", "N"])
WORD = st.text(st.one_of(LETTERS, LETTERS, st.sampled_from(SPICE)), min_size=1, max_size=12)
CAPITALIZED = st.sampled_from(["Le", "La", "Des", "Un", "Die", "Der", "The", "Il", "Ein", "Ô"])


def words(minimum: int, maximum: int) -> st.SearchStrategy[str]:
    return st.lists(WORD, min_size=minimum, max_size=maximum).map(" ".join)


SENTENCE = words(3, 25).map(lambda text: text + ".")
TITLE = st.tuples(CAPITALIZED, words(1, 12)).map(" ".join)

MONTHS = {
    "en": "January February March April May June July August September October November December",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "it": "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre "
    "dicembre",
    "fr-short": "janv. févr. mars avr. mai juin juil. août sept. oct. nov. déc.",
}
DATE_FORMS = ["iso", "dotted", "comma", "fr", "fr-short", "de", "de-uhr", "it", "en"]
OFFSETS = [timezone(timedelta(minutes=m)) for m in (0, 60, 120, -240, 330, -570, 845)]
LOCAL_TIMES = st.datetimes(datetime(1900, 1, 2), datetime(9999, 12, 30)).map(
    lambda moment: moment.replace(second=0, microsecond=0)
)


@dataclass(frozen=True)
class Written:
    """An article's file bytes, and what it must load as when it is well formed."""

    suffix: str
    data: bytes
    title: str | None = None  # None: no promise, it may load or be rejected
    published: datetime | None = None  # None: no promise about the date


def local(moment: datetime) -> datetime | None:
    """`moment` in the site's zone, or None when the zone skips that time (DST)."""
    aware = moment.replace(tzinfo=ZURICH)
    return aware if datetime_exists(aware) else None


def written_date(moment: datetime, form: str, offset: tzinfo) -> tuple[str, datetime | None]:
    """A date line in one of the forms wire copy uses, and the moment it means."""
    months = {language: names.split() for language, names in MONTHS.items()}
    month, clock = moment.month - 1, f"{moment:%H:%M}"
    if form == "iso":
        aware = moment.replace(tzinfo=offset)
        return aware.isoformat(timespec="minutes"), aware
    hour12 = f"{(moment.hour - 1) % 12 + 1}:{moment:%M} {'pm' if moment.hour >= 12 else 'am'}"
    french_day = "1er" if moment.day == 1 else str(moment.day)
    text = {
        "dotted": f"{moment.day}.{moment.month}.{moment.year} - {clock}",
        "comma": f"{moment.day}.{moment.month}.{moment.year}, {clock}",
        "fr": f"{moment.day} {months['fr'][month]} {moment.year}, {moment:%Hh%M}",
        "fr-short": f"{french_day} {months['fr-short'][month]} {moment.year} à {moment:%Hh%M}",
        "de": f"{moment.day}. {months['de'][month]} {moment.year} {clock}",
        "de-uhr": f"{moment.day}. {months['de'][month]} {moment.year}, {moment:%-H.%M} Uhr",
        "it": f"{moment.day} {months['it'][month]} {moment.year}, ore {clock}",
        "en": f"{moment:%A}, {months['en'][month]} {moment.day}, {moment.year} {hour12}",
    }[form]
    return text, local(moment)


@st.composite
def wire_copy(draw: st.DrawFn) -> Written:
    """Wire copy as DESIGN lays it out: headline with an optional kicker, agency, date, lead,
    an optional picture block, body paragraphs and subheadings; any encoding and line end."""
    kicker = draw(st.none() | st.sampled_from(sorted(KICKERS)))
    title = draw(TITLE)
    form = draw(st.sampled_from(DATE_FORMS))
    date_line, published = written_date(draw(LOCAL_TIMES), form, draw(st.sampled_from(OFFSETS)))
    blocks = [f"{kicker} {title}" if kicker else title]
    agency = draw(st.none() | st.sampled_from(["ATS", "SDA", "AFP", "dpa", "Reuters", "ATS/AFP"]))
    blocks += [agency] if agency else []
    blocks += [date_line, draw(SENTENCE)]
    if draw(st.booleans()):
        caption = draw(SENTENCE)
        credits = draw(st.lists(st.sampled_from(CREDITS), min_size=1, max_size=2))
        blocks.append("\n".join([caption, caption, *credits]))
    blocks += draw(st.lists(st.one_of(SENTENCE, words(1, 4)), max_size=6))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(block.replace("\n", newline) + newline for block in blocks)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return Written(".txt", data, one_line(title), published)


ANY_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.datetimes(),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)
OPTIONAL = {  # valid values of the other front matter keys
    "updated": LOCAL_TIMES,
    "topics": st.lists(st.sampled_from([*KICKERS, "ukraine", "sport"]), max_size=3),
    "topic": st.sampled_from([*KICKERS, "economy"]),
    "tags": st.lists(words(1, 2), max_size=3),
    "author": words(1, 3) | st.lists(words(1, 2), min_size=1, max_size=2),
    "summary": SENTENCE,
    "lang": st.sampled_from(["fr", "de-CH", "en", "it", "zh-Hant-TW"]),
    "id": st.just("urn:uuid:0e2a6f0c-7f4b-4bfb-9a60-0f0b9a4f1e11"),
    "slug": st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    "draft": st.booleans(),
    "link": st.just("https://example.com/original"),
    "image": st.sampled_from(["pic.jpg", "../b.png", "https://img.example.net/a.png"])
    | st.fixed_dictionaries({"src": st.just("a.jpg"), "caption": SENTENCE, "credit": words(1, 2)}),
    "unknown": ANY_VALUE,
}
# Values that some key refuses: they load or are one problem, nothing else.
JUNK = ANY_VALUE | st.sampled_from(["/relative", "javascript:alert(1)", "data:x", "12", "Mars"])


def toml_value(value: Any) -> str:
    """A TOML value (tomllib reads but does not write)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = json.dumps(value, ensure_ascii=False)  # JSON escapes suit TOML basic strings
        return escaped.replace("\x7f", "\\u007f")
    if isinstance(value, datetime | date | int | float):
        if isinstance(value, float) and value != value:
            return "nan"
        if isinstance(value, float) and abs(value) == float("inf"):
            return "inf" if value > 0 else "-inf"
        return value.isoformat() if isinstance(value, date) else repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value if item is not None) + "]"
    if isinstance(value, dict):
        pairs = (f"{toml_value(k)} = {toml_value(v)}" for k, v in value.items() if v is not None)
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(value)


def front_matter(fields: dict[str, Any], fence: str) -> str:
    if fence == "---":
        return yaml.safe_dump(fields, allow_unicode=True, sort_keys=False)
    pairs = (f"{key} = {toml_value(value)}" for key, value in fields.items() if value is not None)
    return "\n".join(pairs) + "\n"


@st.composite
def markdown(draw: st.DrawFn) -> Written:
    """A Markdown article: YAML or TOML front matter with a title and a date (a datetime with
    or without offset, a date, or a written date), some optional keys, sometimes a key of any
    value, then a CommonMark body."""
    title = draw(TITLE)
    moment = draw(LOCAL_TIMES)
    kind = draw(st.sampled_from(["aware", "naive", "date", "written"]))
    value: Any
    published: datetime | None
    if kind == "aware":
        value = published = moment.replace(tzinfo=draw(st.sampled_from(OFFSETS)))
    elif kind == "naive":
        value, published = moment, local(moment)
    elif kind == "date":
        value, published = moment.date(), local(datetime.combine(moment.date(), time()))
    else:
        value, published = written_date(moment, draw(st.sampled_from(DATE_FORMS[1:])), UTC)
    fields: dict[str, Any] = {"title": title, "date": value}
    for key in draw(st.lists(st.sampled_from(sorted(OPTIONAL)), max_size=4, unique=True)):
        fields[key] = draw(OPTIONAL[key])
    if draw(st.booleans()):  # any value in a known key: loads or is one problem
        fields[draw(st.sampled_from(["title", "date", *sorted(OPTIONAL)]))] = draw(JUNK)
        published = None
        title = ""
    fence = draw(st.sampled_from(["---", "+++"]))
    body = "\n\n".join(draw(st.lists(SENTENCE, max_size=4)))
    text = f"{fence}\n{front_matter(fields, fence)}{fence}\n{body}\n"
    return Written(".md", text.encode("utf-8"), one_line(title) or None, published)


def load_one(site: Site, written: Written) -> Loaded:
    """Load a site whose only article is `written`; it must give one entry or one problem."""
    path = site.write(f"fuzz{written.suffix}", written.data)
    try:
        loaded = site.load()
    finally:
        path.unlink()
    assert len(loaded.entries) + len(loaded.problems) == 1
    for problem in loaded.problems:
        assert problem.path == f"articles/fuzz{written.suffix}"
        assert problem.line >= 1
        assert problem.message and "\n" not in str(problem)
    return loaded


_C1_AS_CP1252 = {
    code: bytes([code]).decode("cp1252") for code in range(0x80, 0xA0) if code not in CP1252_GAPS
}


def as_feedparser_reads(text: str) -> str:
    """Text in an Atom or RSS feed as feedparser 6 returns it (mixin.pop): what reads as UTF-8
    once encoded as Latin-1 is taken for mojibake and "repaired" (`Ã©tÃ©` becomes `été`),
    and C1 controls become the Windows-1252 characters of their codes."""
    with suppress(UnicodeError):
        text = text.encode("iso-8859-1").decode("utf-8")
    return text.translate(_C1_AS_CP1252)


def assert_feeds_parse(site: Site, loaded: Loaded, entry: Entry) -> None:
    """Every feed showing `entry` (published now) parses cleanly and shows its title."""
    built = build_site(site.config(), loaded, max(NOW, entry.published), site.store())
    channels = {"all", *entry.topics}
    for resource in built:
        if resource.kind in FEEDS and resource.path.split("/")[-1].split(".")[0] in channels:
            titles = feed_titles(resource.path, resource.render())
            title = entry.title if resource.kind is Kind.JSON else as_feedparser_reads(entry.title)
            assert titles == ([] if entry.draft else [title]), resource.path


def assert_loads_as_written(site: Site, written: Written) -> None:
    loaded = load_one(site, written)
    if written.title is not None and written.published is not None:
        assert [str(problem) for problem in loaded.problems] == []
    for entry in loaded.entries:
        if written.title is not None:
            assert entry.title == written.title
        if written.published is not None:
            assert entry.published.isoformat() == written.published.isoformat()
        assert_feeds_parse(site, loaded, entry)


@FUZZ
@given(written=wire_copy())
def test_wire_copy_loads_as_written_and_its_feeds_parse(site: Site, written: Written) -> None:
    assert_loads_as_written(site, written)


@FUZZ
@given(written=markdown())
def test_markdown_loads_as_written_and_its_feeds_parse(site: Site, written: Written) -> None:
    assert_loads_as_written(site, written)


@FUZZ
@given(written=st.one_of(wire_copy(), markdown()), cut=st.integers(0), noise=st.binary())
def test_damaged_articles_load_or_are_one_problem(
    site: Site, written: Written, cut: int, noise: bytes
) -> None:
    """Bytes replaced at a random place (a bad transfer, a bad paste): never an exception."""
    assume(noise)
    position = cut % (len(written.data) + 1)
    data = written.data[:position] + noise + written.data[position + len(noise) :]
    loaded = load_one(site, Written(written.suffix, data))
    for entry in loaded.entries:
        assert_feeds_parse(site, loaded, entry)
