"""`feeds check`: problem lines, the summary line and exit codes, in-process and as a program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feeds.cli import main
from tests.conftest import CONFIG, Site, front_matter, wire_copy

GOOD = wire_copy("Ukraine Des drones abattus", "ATS", "21.8.2025 - 06:28", "Le lead.")
BAD_DATE = (
    "articles/b.txt:5: unreadable date: 'plus tard' is not a date like '21.8.2025 - 06:28' "
    "or ISO 8601"
)
BAD_TOPIC = CONFIG + '\n[[topics]]\nslug = "Sport!"\ntitle = "Sport"\n'


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "feeds", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def check(site: Site, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    """Run `feeds check --config <site>/config.toml` in-process: (status, stderr lines)."""
    status = main(["check", "--config", str(site.root / "config.toml")])
    captured = capsys.readouterr()
    assert captured.out == ""
    return status, captured.err.splitlines()


def test_all_good_exits_0(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.write("a.txt", GOOD)
    site.write("b.md", front_matter("title: B\ndate: 2025-08-21"))
    assert check(site, capsys) == (0, ["2 articles, 0 rejected"])


def test_drafts_are_counted(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    site.write("a.txt", GOOD)
    site.write("b.md", front_matter("title: B\ndate: 2025-08-21\ndraft: true"))
    assert check(site, capsys) == (0, ["2 articles (1 draft), 0 rejected"])


def test_each_problem_is_one_line_then_a_summary(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    site.write("a.txt", GOOD)
    site.write("b.txt", "Titre\n\nATS\n\nplus tard\n\nLe lead.\n")
    site.write("c/empty.md", b"")
    site.write("d.txt", b"\x00\x01")
    assert check(site, capsys) == (
        1,
        [
            BAD_DATE,
            "articles/c/empty.md:1: no front matter; start the file with a '---' line, "
            "then title and date",
            "articles/d.txt:1: not a text file (it contains NUL bytes); save it as UTF-8 text",
            "1 article, 3 rejected",
        ],
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (BAD_TOPIC, '[topics][5].slug: "Sport!" is not [a-z0-9-]+'),
        ('[site]\ntitle = "T"\n', "[site].base_url: is required"),
        ('[site]\ntitle = "T"\nbase_url = "https://e.org/"\ntimezone = "Nowhere/City"\n', None),
        ("[site\n", None),
    ],
)
def test_bad_config_exits_2_with_one_line(
    site: Site, capsys: pytest.CaptureFixture[str], config: str, message: str | None
) -> None:
    path = site.configure(config)
    status, lines = check(site, capsys)
    assert status == 2
    assert len(lines) == 1
    assert lines[0].startswith(f"feeds: {path}: ")
    if message:
        assert lines[0] == f"feeds: {path}: {message}"


def test_missing_config_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--config", str(tmp_path / "none.toml")]) == 2
    assert capsys.readouterr().err == (
        f"feeds: {tmp_path / 'none.toml'}: not found; pass --config PATH or create config.toml\n"
    )


def test_program_exit_0_with_default_config(site: Site) -> None:
    site.write("a.txt", GOOD)
    result = run(["check"], cwd=site.root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "1 article, 0 rejected\n")


def test_program_exit_1_when_an_article_is_rejected(site: Site) -> None:
    site.write("a.txt", GOOD)
    site.write("b.txt", "Titre\n\nATS\n\nplus tard\n\nLe lead.\n")
    result = run(["check", "--config", "config.toml"], cwd=site.root)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [BAD_DATE, "1 article, 1 rejected"]


def test_program_exit_2_on_bad_config_without_traceback(site: Site) -> None:
    site.configure(BAD_TOPIC)
    result = run(["check", "--config", "config.toml"], cwd=site.root)
    assert result.returncode == 2
    assert result.stderr == 'feeds: config.toml: [topics][5].slug: "Sport!" is not [a-z0-9-]+\n'
    assert "Traceback" not in result.stderr
