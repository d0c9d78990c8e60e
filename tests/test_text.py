"""Decoding article bytes, XML-safe text, folding for matching, and slugs."""

from __future__ import annotations

import pytest

from feeds.errors import ArticleError
from feeds.text import decode, fold, one_line, slugify, xml_safe

TEXT = "Économie: l\u2019été « chaud » à Zürich \u2013 10'000 €"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("utf-8"), TEXT),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), TEXT),
        (TEXT.encode("cp1252"), TEXT),
        ("Zürich\r\nGenève\r\n".encode("cp1252"), "Zürich\nGenève\n"),
        ("Zürich\r\nGenève\r\n".encode(), "Zürich\nGenève\n"),
        (b"one\rtwo\r\rthree", "one\ntwo\n\nthree"),
        (b"mixed\r\nends\rhere\n", "mixed\nends\nhere\n"),
        ("café".encode("latin-1"), "café"),
        (b"", ""),
        (b"\xef\xbb\xbf", ""),
        (b"tab\there", "tab\there"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "cp1252",
        "cp1252-crlf",
        "utf8-crlf",
        "lone-cr",
        "mixed-newlines",
        "latin1",
        "empty",
        "bom-only",
        "tab",
    ],
)
def test_decode_accepts_utf8_and_windows_1252(data: bytes, expected: str) -> None:
    assert decode(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        b"headline\x00\x00body",
        "Zürich news".encode("utf-16"),
        "Zürich news".encode("utf-16-le"),
        "日本語".encode("utf-16"),
        b"caf\x81 \x8d\x8f\x90\x9d",
        bytes(range(1, 32)) * 4,
        b"\x89PNG\r\n\x1a\n" + bytes(range(1, 9)) * 8,
    ],
    ids=["nul", "utf16", "utf16-le", "utf16-bom-cjk", "bad-cp1252", "controls", "png"],
)
def test_decode_rejects_what_is_not_text(data: bytes) -> None:
    with pytest.raises(ArticleError, match="not a text file"):
        decode(data)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\x00b\x01c\x08d", "abcd"),
        ("a\x0bb\x0cc", "abc"),
        ("a\x1fb\x1ec", "abc"),
        ("a\ufffeb\uffffc", "abc"),
        ("a\ud800b\udfffc", "abc"),
        ("tab\tnew\nline\rcr", "tab\tnew\nline\rcr"),
        (
            "« guillemets » l\u2019apostrophe 10'000 & <b>",
            "« guillemets » l\u2019apostrophe 10'000 & <b>",
        ),
        ("emoji 🗞 and \u00a0nbsp", "emoji 🗞 and \u00a0nbsp"),
    ],
)
def test_xml_safe_drops_only_what_xml_forbids(text: str, expected: str) -> None:
    assert xml_safe(text) == expected


def test_one_line_folds_white_space_and_drops_forbidden_characters() -> None:
    assert one_line("  Kim\x07 Jong-un \n\t salue\u00a0ses  troupes \x1b ") == (
        "Kim Jong-un salue ses troupes"
    )


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("ÉCONOMIE", "Économie"),
        ("economie", "Économie"),
        ("ZÜRICH", "zurich"),
        ("Straße", "STRASSE"),
        ("Genève", "GENEVE"),
    ],
)
def test_fold_ignores_case_and_accents(left: str, right: str) -> None:
    assert fold(left) == fold(right)


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Économie Zürich", "economie-zurich"),
        ("ats-fr-ukraine-kim-jong-un", "ats-fr-ukraine-kim-jong-un"),
        ("  Hello,  World!  ", "hello-world"),
        ("l'été 2025", "l-ete-2025"),
        ("Le cœur de l'ŒUVRE", "le-coeur-de-l-oeuvre"),
        ("Straße nach Łódź", "strasse-nach-lodz"),
        ("UPPER_case__snake", "upper-case-snake"),
        ("---", ""),
        ("日本語", ""),
    ],
)
def test_slugify_is_ascii_lowercase_and_dashes(text: str, slug: str) -> None:
    assert slugify(text) == slug
