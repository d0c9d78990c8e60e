"""A hostile corpus beside good articles, through `feeds check` and `feeds build` as child
processes: one `path:line: message` per bad file, every good article published, memory
bounded, every feed valid."""

from __future__ import annotations

import html
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from feeds.store import FOLDER
from tests.processfixtures import Finished, permissions_bind, run_feeds
from tests.serverfixtures import feed_titles
from tests.sitefixtures import PUBLISHED, make_site

# Peak resident memory of one `feeds check` or `feeds build` of this corpus. Python with the
# package's imports takes 30 to 60 MB; reading the 20 MB file whole and decoding it would
# pass the bound, and so would any expansion of the YAML billion laughs.
MEMORY_BOUND_MB = 100
PROBLEM = re.compile(r"(?P<path>articles/[^:]+):(?P<line>\d+): (?P<message>.+)")

WIRE_DATE = "Titre daté de l'an {year}\n\nATS\n\n1.6.{year} - 06:28\n\nLe lead.\n"
MARKDOWN_DATE = "---\ntitle: Daté de l'an {year}\ndate: {year}-06-01T00:00:00Z\n---\nCorps.\n"


def markdown(
    title: str, date: str = "2025-09-01T10:00:00+02:00", body: str = "Corps.", extra: str = ""
) -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n"


def billion_laughs(levels: int = 10) -> str:
    """YAML whose aliases expand to 9**levels strings if a loader followed them."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return "---\n" + "\n".join(lines) + "\ntitle: Lol\ndate: 2025-09-01\n---\nCorps.\n"


C0 = "".join(chr(code) for code in range(1, 32))  # every C0 control but NUL
# Wire copy with every C0 control character, few enough not to look binary: published, with
# the characters XML forbids dropped (DESIGN: dropped, never crash a build).
CONTROLS_WIRE = (
    f"Des caractères\x07 de contrôle{C0[:8]} dans le titre\n\nATS\n\n22.9.2025 - 08:00\n\n"
    f"Le lead{C0[8:20]} garde son texte. " + "Une phrase ordinaire. " * 40 + "\n\n"
    f"Le corps{C0[20:]} aussi. " + "Une autre phrase. " * 40 + "\n"
)
CONTROLS_MARKDOWN = markdown(
    "Contrôles\x1b[31m rouges\x08",
    body="Corps\x01\x02\x03 " + "et texte ordinaire " * 20,
    extra="topics: [sport]\n",  # so that every feed has an entry
)
WIRE_OK = "Un titre ordinaire\n\nATS\n\n21.9.2025 - 10:00\n\nLe lead.\n"


@dataclass(frozen=True, slots=True)
class Good:
    """A hostile-looking file that DESIGN says is published, with the title it shows."""

    name: str
    content: str | bytes
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class Bad:
    """A file DESIGN says is rejected: the line and the whole message it is reported with."""

    name: str
    line: int
    message: str


GOOD = (
    Good("controls.txt", CONTROLS_WIRE, "controls", "Des caractères de contrôle dans le titre"),
    Good("controls-md.md", CONTROLS_MARKDOWN, "controls-md", "Contrôles[31m rouges"),
    Good(
        "latin1.txt",
        "Un été à Zürich: « fraîcheur »\n\nATS\n\n2.9.2025 - 09:00\n\nLe lead.\n".encode("cp1252"),
        "latin1",
        "Un été à Zürich: « fraîcheur »",
    ),
    Good("kicker-only.md", markdown("Ukraine"), "kicker-only", "Ukraine"),  # no kickers in .md
    Good("same.md", markdown("Le premier", "2025-01-01T00:00:00Z"), "same", "Le premier"),
)
DEEP = "the body's elements nest more than 100 deep (block quotes, lists or HTML); flatten them"
NOT_TEXT = "not a text file (it contains NUL bytes); save it as UTF-8 text"
BAD = (
    Bad("binary.txt", 1, NOT_TEXT),
    Bad("empty.txt", 1, "empty file; write a headline, agency, date and text"),
    Bad("empty.md", 1, "no front matter; start the file with a '---' line, then title and date"),
    Bad("huge.txt", 1, "file is 20.0 MB; an article may be at most 5 MB"),
    Bad(
        "invalid-utf8.md",
        1,
        "not a text file (neither UTF-8 nor Windows-1252); save it as UTF-8 text",
    ),
    Bad("utf16.txt", 1, "not a text file (it is UTF-16); save it as UTF-8 text"),
    Bad("nul.md", 1, NOT_TEXT),
    Bad("laughs.md", 1, "front matter repeats a YAML anchor (*alias); write values out"),
    Bad(
        "bad-toml.md",
        3,
        "front matter is not valid TOML: Expected '=' after a key in a key/value pair "
        "(at column 6)",
    ),
    Bad("list.md", 1, "front matter is a list, not 'key: value' lines"),
    Bad("string.md", 1, "front matter is a str, not 'key: value' lines"),
    Bad("outside.md", 1, "symlink points outside articles_dir; copy the article in instead"),
    Bad("loop-a.md", 1, "broken or looping symlink; point it at an article or remove it"),
    Bad("loop-b.md", 1, "broken or looping symlink; point it at an article or remove it"),
    Bad("secret.md", 1, "cannot be read (Permission denied); check its permissions"),
    Bad(
        "later/same.md",
        1,
        "slug 'same' is already used by articles/same.md, published first; "
        "rename one of the files or set 'slug:'",
    ),
    Bad("year-0.md", 3, "date: year 0 is out of range; use 1900 to 9999"),
    Bad("year-1.md", 3, "date: year 1 is out of range; use 1900 to 9999"),
    Bad(
        "year-10000.md",
        3,
        "date: '10000-06-01T00:00:00Z' is not a date like '21.8.2025 - 06:28' or ISO 8601",
    ),
    Bad("year-0.txt", 5, "unreadable date: year 0 is out of range; use 1900 to 9999"),
    Bad("year-1.txt", 5, "unreadable date: year 1 is out of range; use 1900 to 9999"),
    Bad(
        "year-10000.txt",
        5,
        "unreadable date: '1.6.10000 - 06:28' is not a date like '21.8.2025 - 06:28' or ISO 8601",
    ),
    Bad("long-title.md", 2, "title is 100,000 characters long; keep it under 1,000"),
    Bad("long-title.txt", 1, "title is 100,000 characters long; keep it under 1,000"),
    Bad(
        "kicker-only.txt", 1, "the headline is only the kicker 'Ukraine'; write the title after it"
    ),
    # The sanitiser's time grows with the square of the depth: these would take minutes.
    Bad("deep-quotes.md", 5, DEEP),
    Bad("deep-html.md", 5, DEEP),
)
# Year 9999 is a date like any other: in the future, so an embargo, neither shown nor reported.
WITHHELD = {"year-9999.md": MARKDOWN_DATE, "wire-9999.txt": WIRE_DATE}


def write_corpus(root: Path) -> None:
    """The good articles of the site fixtures, the hostile good ones, and every bad file."""
    make_site(root)
    articles = root / "articles"
    files: dict[str, str | bytes] = {
        **{good.name: good.content for good in GOOD},
        **{name: text.format(year=9999) for name, text in WITHHELD.items()},
        "binary.txt": bytes(range(256)) * 64,
        "empty.txt": b"",
        "empty.md": b"",
        "invalid-utf8.md": b"---\ntitle: caf\xc3\n---\n\x81\x8d\x8f\x90\x9d\n",
        "utf16.txt": WIRE_OK.encode("utf-16"),
        "nul.md": markdown("Un\x00nul").encode(),
        "laughs.md": billion_laughs(),
        "bad-toml.md": '+++\ntitle = "T"\ndate 2025-09-01\n+++\nCorps.\n',
        "list.md": "---\n- title\n- date\n---\nCorps.\n",
        "string.md": "---\njust a string\n---\nCorps.\n",
        "secret.md": markdown("Secret"),
        "later/same.md": markdown("Le second", "2025-02-01T00:00:00Z"),
        "long-title.md": markdown("T" * 100_000),
        "long-title.txt": "T" * 100_000 + "\n\nATS\n\n21.8.2025 - 06:28\n\nLe lead.\n",
        "kicker-only.txt": "Ukraine\n\nATS\n\n21.8.2025 - 06:28\n\nLe lead.\n",
        "deep-quotes.md": markdown("Citations", body=">" * 100_000 + " Au fond."),
        "deep-html.md": markdown("Boîtes", body="<div>" * 200_000 + "Au fond."),
    }
    for year in ("0", "1", "10000"):
        files[f"year-{year}.md"] = MARKDOWN_DATE.format(year=year.zfill(4))
        files[f"year-{year}.txt"] = WIRE_DATE.format(year=year.zfill(4))
    for name, content in files.items():
        path = articles / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    with (articles / "huge.txt").open("wb") as huge:
        huge.write(WIRE_OK.encode())
        huge.write(b"Une phrase de plus.\n" * (20 * 1024 * 1024 // 20))
    (articles / "secret.md").chmod(0)
    (root / "elsewhere.md").write_text(markdown("Hors du dossier"), "utf-8")
    (articles / "outside.md").symlink_to(root / "elsewhere.md")  # a good article, but outside
    (articles / "loop-a.md").symlink_to("loop-b.md")
    (articles / "loop-b.md").symlink_to("loop-a.md")


@dataclass(frozen=True, slots=True)
class Corpus:
    """The corpus on disk, and what DESIGN says of it on this machine."""

    root: Path
    bad: tuple[Bad, ...]
    slugs: frozenset[str]  # of the published articles

    def run(self, *args: str, cached: bool = False) -> Finished:
        """`feeds ARGS` on the corpus; from a cold entry cache unless `cached`."""
        if not cached:
            shutil.rmtree(self.root / FOLDER, ignore_errors=True)
        return run_feeds(self.root, *args)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    root = tmp_path_factory.mktemp("hostile")
    write_corpus(root)
    slugs = {article.slug for article in PUBLISHED} | {good.slug for good in GOOD}
    if permissions_bind(root / "articles" / "secret.md"):
        yield Corpus(root, BAD, frozenset(slugs))
    else:  # root that could not drop its right to read anything: the file is readable
        bad = tuple(bad for bad in BAD if bad.name != "secret.md")
        yield Corpus(root, bad, frozenset(slugs | {"secret"}))
    (root / "articles" / "secret.md").chmod(0o600)  # so that pytest can clean up


def problems(run: Finished) -> dict[str, tuple[int, str]]:
    """The problem lines of a run (all but the summary) by path; fails on any other line."""
    found = [PROBLEM.fullmatch(line) for line in run.stderr[:-1]]
    assert all(found), run.stderr
    return {match["path"]: (int(match["line"]), match["message"]) for match in found if match}


def assert_reports(run: Finished, corpus: Corpus) -> None:
    """Exactly one line per bad file, in path order, each as expected; then one summary line;
    and memory within the bound."""
    expected = {f"articles/{bad.name}": (bad.line, bad.message) for bad in corpus.bad}
    found = problems(run)
    assert len(found) == len(run.stderr) - 1, "a file reported twice"
    assert list(found) == sorted(expected)
    assert found == expected
    assert f" {len(expected)} rejected" in run.stderr[-1]
    assert run.peak_mb < MEMORY_BOUND_MB, f"peak {run.peak_mb:.0f} MB"


def test_check_reports_each_bad_file_once_and_exits_1(corpus: Corpus) -> None:
    run = corpus.run("check")
    assert run.code == 1
    assert_reports(run, corpus)
    # Loaded: the published, the draft, and the embargoed (the fixtures' 2099 one and 9999).
    loaded = len(corpus.slugs) + 1 + 1 + len(WITHHELD)
    assert run.stderr[-1] == f"{loaded} articles (1 draft), {len(corpus.bad)} rejected"


@pytest.mark.parametrize(("flags", "code"), [((), 0), (("--strict",), 1)])
def test_build_publishes_every_good_article_and_exits_per_design(
    corpus: Corpus, tmp_path: Path, flags: tuple[str, ...], code: int
) -> None:
    out = tmp_path / "public"
    run = corpus.run("build", "--out", str(out), *flags)
    assert run.code == code
    assert_reports(run, corpus)
    assert run.stderr[-1].startswith(f"published {len(corpus.slugs)} articles in 4 topics, ")
    assert {path.parent.name for path in out.glob("articles/*/index.html")} == corpus.slugs
    for good in GOOD:
        page = (out / "articles" / good.slug / "index.html").read_text("utf-8")
        assert html.escape(good.title, quote=False) in page
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    feeds = sorted(path for path in (out / "feeds").iterdir() if path.is_file())  # not archive/
    assert len(feeds) == 3 * 5  # Atom, RSS and JSON Feed of four topics and `all`
    for feed in feeds:
        titles = feed_titles(feed.name, feed.read_bytes())  # no bozo; JSON Feed 1.1
        assert titles, feed.name
        assert "Hors du dossier" not in titles


def test_runs_from_the_cache_report_the_same(corpus: Corpus, tmp_path: Path) -> None:
    cold = corpus.run("check")
    assert corpus.run("check", cached=True).stderr == cold.stderr
    out = str(tmp_path / "public")
    built = corpus.run("build", "--out", out, cached=True)
    again = corpus.run("build", "--out", out, cached=True)  # nothing to do: the manifest says so
    assert problems(built) == problems(again) == problems(cold)
    assert ": 0 files written, 0 removed (" in again.stderr[-1]
