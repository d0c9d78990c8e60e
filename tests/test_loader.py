"""The loader: walking articles_dir, identity, slugs, and each rejection as `path:line: msg`."""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.files import ArticlesFolderError, article_files
from feeds.loader import MAX_BYTES
from tests.conftest import Site, front_matter, wire_copy

WIRE = wire_copy("Ukraine Des drones abattus", "ATS", "21.8.2025 - 06:28", "Le lead.", "Corps.")
MARKDOWN = front_matter("title: Un titre\ndate: 2025-08-21T06:28:00+02:00", "Le lead.\n")
NOT_A_DATE = "'demain' is not a date like '21.8.2025 - 06:28' or ISO 8601"


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        (
            "photo.txt",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "1: not a text file (it contains NUL bytes); save it as UTF-8 text",
        ),
        (
            "utf16.md",
            "---\ntitle: T\n---\n".encode("utf-16"),
            "1: not a text file (it is UTF-16); save it as UTF-8 text",
        ),
        (
            "garbage.txt",
            b"caf\x81\x8d\x8f\x90",
            "1: not a text file (neither UTF-8 nor Windows-1252); save it as UTF-8 text",
        ),
        ("empty.txt", b"", "1: empty file; write a headline, agency, date and text"),
        (
            "empty.md",
            b"",
            "1: no front matter; start the file with a '---' line, then title and date",
        ),
        (
            "no-title.md",
            "---\ndate: 2025-08-21\n---\nCorps.\n",
            "1: front matter has no title; add 'title: ...'",
        ),
        (
            "no-date.md",
            "---\ntitle: T\n---\nCorps.\n",
            "1: front matter has no date; add 'date: ...'",
        ),
        (
            "bad-date.md",
            "---\ntitle: T\ndate: demain\n---\n",
            f"3: date: {NOT_A_DATE}",
        ),
        (
            "no-date.txt",
            "Titre\n\nATS\n\ndemain\n\nLe lead.\n",
            f"5: unreadable date: {NOT_A_DATE}",
        ),
        (
            "no-lead.txt",
            "Titre\n\nATS\n\n21.8.2025 - 06:28\n",
            "6: no text after the date line; add the lead paragraph",
        ),
        (
            "bad.md",
            "---\ntitle: T\ndate: 2025-08-21\ntags: [a, b\n---\n",
            "5: front matter is not valid YAML: did not find expected ',' or ']'",
        ),
        (
            "bad-toml.md",
            "+++\ntitle = 'T'\ndate = = 1\n+++\n",
            "3: front matter is not valid TOML: Invalid value (at column 8)",
        ),
        (
            "bomb.md",
            "---\na: &a [x, x]\nb: [*a, *a]\ntitle: T\ndate: 2025-08-21\n---\n",
            "1: front matter repeats a YAML anchor (*alias); write values out",
        ),
        (
            "---.md",
            MARKDOWN,
            "1: file name '---.md' has no letters or digits for a URL; rename it",
        ),
    ],
)
def test_each_rejection_is_one_problem_line(
    site: Site, name: str, content: str | bytes, problem: str
) -> None:
    site.write("good.txt", WIRE)
    site.write(name, content)
    loaded = site.load()
    assert [str(found) for found in loaded.problems] == [f"articles/{name}:{problem}"]
    assert [entry.source for entry in loaded.entries] == ["articles/good.txt"]


def test_symlink_outside_articles_dir_is_rejected(site: Site) -> None:
    outside = site.root / "secret.txt"
    outside.write_text(WIRE)
    (site.articles / "link.txt").symlink_to(outside)
    assert site.problems() == [
        "articles/link.txt:1: symlink points outside articles_dir; copy the article in instead"
    ]


def test_symlink_inside_articles_dir_is_read(site: Site) -> None:
    site.write("originals/story.txt", WIRE)
    (site.articles / "alias.txt").symlink_to(site.articles / "originals" / "story.txt")
    loaded = site.load()
    assert [entry.slug for entry in loaded.entries] == ["alias", "story"]


@pytest.mark.parametrize("target", ["b.txt", "missing.txt"], ids=["loop", "broken"])
def test_looping_or_broken_symlink_is_rejected(site: Site, target: str) -> None:
    (site.articles / "a.txt").symlink_to(site.articles / target)
    if target == "b.txt":
        (site.articles / "b.txt").symlink_to(site.articles / "a.txt")
    expected = "broken or looping symlink; point it at an article or remove it"
    problems = site.problems()
    assert problems[0] == f"articles/a.txt:1: {expected}"
    assert all(problem.endswith(f":1: {expected}") for problem in problems)


def test_a_pipe_is_rejected_without_blocking(site: Site) -> None:
    os.mkfifo(site.articles / "pipe.txt")

    def give_up(signum: int, frame: object) -> None:
        raise TimeoutError("the loader blocked on a pipe")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.alarm(5)
    try:
        problems = site.problems()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert problems == ["articles/pipe.txt:1: not a regular file (a pipe or device?); remove it"]


def test_unreadable_file_is_rejected(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    path = site.write("locked.txt", WIRE)
    path.chmod(0)
    if os.geteuid() == 0:  # root opens anything: make this one file refuse
        open_file = os.open

        def refuse(file: str | Path, flags: int, *args: int) -> int:
            if Path(file).name == "locked.txt":
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
            return open_file(file, flags, *args)

        monkeypatch.setattr(os, "open", refuse)
    try:
        assert site.problems() == [
            "articles/locked.txt:1: cannot be read (Permission denied); check its permissions"
        ]
    finally:
        path.chmod(0o644)


def test_file_over_5_mb_is_rejected(site: Site) -> None:
    site.write("huge.txt", WIRE.encode() + b"x" * MAX_BYTES)
    site.write("just-fits.txt", WIRE.encode().ljust(MAX_BYTES, b" "))
    loaded = site.load()
    assert [str(problem) for problem in loaded.problems] == [
        "articles/huge.txt:1: file is 5.0 MB; an article may be at most 5 MB"
    ]
    assert [entry.slug for entry in loaded.entries] == ["just-fits"]


def test_duplicate_slug_first_published_keeps_it(site: Site) -> None:
    site.write("a/nouvelles.txt", WIRE.replace("21.8.2025", "22.8.2025"))
    site.write("b/nouvelles.md", MARKDOWN)
    loaded = site.load()
    assert [entry.source for entry in loaded.entries] == ["articles/b/nouvelles.md"]
    assert [str(problem) for problem in loaded.problems] == [
        "articles/a/nouvelles.txt:1: slug 'nouvelles' is already used by "
        "articles/b/nouvelles.md, published first; rename one of the files or set 'slug:'"
    ]


def test_duplicate_slug_at_the_same_moment_goes_to_path_order(site: Site) -> None:
    site.write("b/same.txt", WIRE)
    site.write("a/same.txt", WIRE)
    site.write("c.md", front_matter("title: T\ndate: 2025-08-21T06:28:00+02:00\nslug: same"))
    loaded = site.load()
    assert [entry.source for entry in loaded.entries] == ["articles/a/same.txt"]
    assert sorted(problem.path for problem in loaded.problems) == [
        "articles/b/same.txt",
        "articles/c.md",
    ]
    assert all("already used by articles/a/same.txt" in p.message for p in loaded.problems)


def test_a_draft_never_takes_a_published_slug(site: Site) -> None:
    site.write("a/same.md", front_matter("title: T\ndate: 2020-01-01\ndraft: true"))
    site.write("b/same.txt", WIRE)
    loaded = site.load()
    assert loaded.problems == ()
    owner = [entry for entry in loaded.entries if not entry.draft]
    assert [entry.source for entry in owner] == ["articles/b/same.txt"]


def test_files_are_walked_in_sorted_order_skipping_hidden_and_other_suffixes(site: Site) -> None:
    for name in ["z.txt", "b/c.md", "a.MD", "b/a.txt", ".hidden.txt", ".git/x.txt", "notes.rst"]:
        site.write(name, "x")
    site.write("image.jpg", b"\xff\xd8")
    root = site.articles
    found = [Path(path).relative_to(site.articles).as_posix() for path in article_files(root)]
    assert found == ["a.MD", "z.txt", "b/a.txt", "b/c.md"]


def test_a_missing_articles_dir_is_an_error_not_an_empty_site(site: Site) -> None:
    # Publishing nothing would remove every article: an unmounted share must stop the build.
    site.articles.rmdir()
    with pytest.raises(ArticlesFolderError, match="articles_dir does not exist; mount or create"):
        site.load()


def test_problem_paths_are_relative_to_the_config_folder(site: Site) -> None:
    site.configure(
        '[site]\ntitle = "T"\nbase_url = "https://e.org/"\n[build]\narticles_dir = "in/wire"\n'
    )
    (site.root / "in/wire/2025").mkdir(parents=True)
    (site.root / "in/wire/2025/bad.txt").write_text("Titre\n")
    assert site.problems() == [
        "in/wire/2025/bad.txt:2: no date line after the headline; add one like '21.8.2025 - 06:28'"
    ]


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Économie Zürich.md", "economie-zurich"),
        ("ats-fr-ukraine-kim-jong-un.txt", "ats-fr-ukraine-kim-jong-un"),
        ("2025/08/Le cœur du sujet.TXT", "le-coeur-du-sujet"),
        ("UPPER case__file.md", "upper-case-file"),
    ],
)
def test_slug_comes_from_the_file_name(site: Site, name: str, slug: str) -> None:
    site.write(name, WIRE if name.lower().endswith(".txt") else MARKDOWN)
    entry = site.entry(name)
    assert entry.slug == slug
    assert entry.id == f"tag:news.example.org,2025-08-21:{slug}"


def test_id_survives_edits_to_title_and_body(site: Site) -> None:
    site.write("story.txt", WIRE)
    before = site.entry("story.txt")
    body_before = site.body(before)
    site.write("story.txt", WIRE.replace("Des drones abattus", "Drones abattus: bilan corrigé"))
    site.write("story.txt", site.articles.joinpath("story.txt").read_text() + "\nAjout.\n")
    after = site.entry("story.txt")
    assert after.title != before.title
    assert site.body(after) != body_before
    assert after.id == before.id == "tag:news.example.org,2025-08-21:story"


def test_front_matter_id_and_slug_win(site: Site) -> None:
    site.write("file.md", front_matter("title: T\ndate: 2025-08-21\nid: urn:x:1\nslug: Autre"))
    entry = site.entry("file.md")
    assert (entry.slug, entry.id) == ("autre", "urn:x:1")


def test_tag_uri_uses_the_host_and_the_local_publication_date(site: Site) -> None:
    site.configure(
        '[site]\ntitle = "T"\nbase_url = "https://Wire.Example.net:8443/news"\n'
        'timezone = "Pacific/Auckland"\n'
    )
    site.write("late.md", front_matter("title: T\ndate: 2025-08-21T23:30:00"))
    assert site.entry("late.md").id == "tag:wire.example.net,2025-08-21:late"


# Lines that steer generated files towards the readers' interesting paths.
LINES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "---",
            "+++",
            "...",
            "title: T",
            "date: 2025-08-21",
            "title = 'T'",
            "date = 2025-08-21",
            "a: &a [1]",
            "b: [*a, *a]",
            "date: !!timestamp x",
            "Ukraine Un titre",
            "Ukraine",
            "ATS",
            "21.8.2025 - 06:28",
            "30.3.2025 - 02:30",
            "1.1.0001 - 00:00",
            "Une légende.",
            "sda",
            "Keystone-SDA",
            "<script>alert(1)</script>",
            "",
            "\ufeff",
            "\r",
        ]
    ),
)
STRUCTURED = st.lists(LINES, max_size=14).map("\n".join)
CONTENT = st.one_of(
    st.text(),
    st.binary(),
    STRUCTURED,
    STRUCTURED.map(lambda text: text.encode("cp1252", "replace")),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(content=CONTENT, suffix=st.sampled_from([".txt", ".md"]))
def test_any_content_loads_or_becomes_one_problem(
    site: Site, content: str | bytes, suffix: str
) -> None:
    path = site.write(f"fuzz{suffix}", content)
    try:
        loaded = site.load()
    finally:
        path.unlink()
    assert len(loaded.entries) + len(loaded.problems) == 1
    for problem in loaded.problems:
        assert problem.path == f"articles/fuzz{suffix}"
        assert problem.line >= 1
        assert "\n" not in str(problem)
