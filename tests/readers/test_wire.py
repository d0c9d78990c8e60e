"""Wire copy: headline and kicker, agency, date line, lead, picture block and body."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from feeds.errors import ArticleError
from feeds.model import Entry
from feeds.readers import Draft
from tests.conftest import Site, wire_copy

ReadWire = Callable[[str], Draft]

CAPTION = "Des soldats défilent sur une place de Pyongyang (archives)."
# Laid out like the agency copy: kicker and title, agency, date, lead, a caption twice with
# its credit, a credit block, empty blocks, body, a subheading, more body.
ACCEPTANCE = (
    "Ukraine Le dirigeant du Nord félicite ses soldats envoyés au front\n"
    "\n"
    "ATS\n"
    "\n"
    "21.8.2025 - 06:28\n"
    "\n"
    "Le dirigeant nord-coréen a félicité jeudi les soldats envoyés en Russie, selon "
    "l'agence officielle. Près de 10'000 hommes auraient rejoint le front.\n"
    "\n"
    f"{CAPTION}\n"
    f"{CAPTION}\n"
    "sda\n"
    "\n"
    "Keystone-SDA\n"
    "\n"
    "\n"
    "\n"
    'Il a salué « l\u2019héroïsme » des troupes, a rapporté l\'agence, qui cite un "discours".\n'
    "\n"
    "Les analystes restent prudents sur ces chiffres.\n"
    "\n"
    "Un front qui s'étend\n"
    "\n"
    "Les deux pays ont signé un pacte de défense l'an dernier.\n"
)
LEAD = (
    "Le dirigeant nord-coréen a félicité jeudi les soldats envoyés en Russie, selon "
    "l'agence officielle. Près de 10'000 hommes auraient rejoint le front."
)


@pytest.fixture
def acceptance(site: Site) -> Entry:
    site.write("ats-ukraine-front.txt", ACCEPTANCE)
    return site.entry("ats-ukraine-front.txt")


def test_acceptance_headline_agency_and_date(acceptance: Entry) -> None:
    assert acceptance.title == "Le dirigeant du Nord félicite ses soldats envoyés au front"
    assert acceptance.topics == ("ukraine",)
    assert acceptance.author == "ATS"
    assert acceptance.published.isoformat() == "2025-08-21T06:28:00+02:00"
    assert acceptance.updated == acceptance.published
    assert acceptance.slug == "ats-ukraine-front"
    assert acceptance.id == "tag:news.example.org,2025-08-21:ats-ukraine-front"
    assert acceptance.language == "fr"


def test_acceptance_lead_caption_and_body(site: Site, acceptance: Entry) -> None:
    summary, body = site.text(acceptance)
    assert summary == LEAD
    assert body.startswith(f"<p>{LEAD}</p>")
    assert body.count(CAPTION) == 1
    assert f"<figure><figcaption>{CAPTION} <small>sda, Keystone-SDA</small>" in body
    assert "<p>sda</p>" not in body
    assert "<p>Keystone-SDA</p>" not in body
    assert "<h2>Un front qui s'étend</h2>" in body
    assert body.endswith("<p>Les deux pays ont signé un pacte de défense l'an dernier.</p>")
    assert "<p></p>" not in body
    assert acceptance.picture is not None
    assert (acceptance.picture.caption, acceptance.picture.credit) == (CAPTION, "sda, Keystone-SDA")


def test_acceptance_typography_is_published_as_written(site: Site, acceptance: Entry) -> None:
    summary, body = site.text(acceptance)
    assert (
        "<p>Il a salué « l\u2019héroïsme » des troupes, a rapporté l'agence, qui cite un "
        '"discours".</p>' in body
    )
    assert "10'000" in summary
    assert "&#" not in body
    assert "&quot;" not in body


def test_only_ampersand_and_angle_brackets_are_escaped(read_wire: ReadWire) -> None:
    draft = read_wire(
        wire_copy(
            'Les <b>taux</b> & « prix » d\u2019"avant"',
            "AFP",
            "21.8.2025 - 06:28",
            "Profits & pertes: <script> « 10'000 » d\u2019un coup.",
        )
    )
    assert draft.title == 'Les <b>taux</b> & « prix » d\u2019"avant"'
    assert draft.summary == "Profits & pertes: <script> « 10'000 » d\u2019un coup."
    assert (
        draft.body_html == "<p>Profits &amp; pertes: &lt;script&gt; « 10'000 » d\u2019un coup.</p>"
    )


@pytest.mark.parametrize(
    ("headline", "topics", "title"),
    [
        ("Ukraine Kim salue ses troupes", ("ukraine",), "Kim salue ses troupes"),
        ("UKRAINE Kim salue ses troupes", ("ukraine",), "Kim salue ses troupes"),
        ("ÉCONOMIE La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("Économie La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("ECONOMIE La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("Kyiv Nuit d'alerte aérienne", ("ukraine",), "Nuit d'alerte aérienne"),
        ("Wirtschaft Die Zinsen sinken", ("economy",), "Die Zinsen sinken"),
        ("Climat Le glacier recule", ("climate",), "Le glacier recule"),
        ("Nuit d'alerte aérienne à Kyiv", (), "Nuit d'alerte aérienne à Kyiv"),
        ("Kiev frappée par des drones", (), "Kiev frappée par des drones"),
        ("Ukraine 10'000 soldats au front", ("ukraine",), "10'000 soldats au front"),
    ],
)
def test_kicker_is_matched_and_taken_off_the_title(
    read_wire: ReadWire, headline: str, topics: tuple[str, ...], title: str
) -> None:
    draft = read_wire(wire_copy(headline, "ATS", "21.8.2025 - 06:28", "Le lead."))
    assert (draft.kicker_topics, draft.title) == (topics, title)


def test_a_headline_that_starts_with_a_topic_name_keeps_it(site: Site) -> None:
    site.write("a.txt", wire_copy("Kiev frappée par des drones", "ATS", "21.8.2025", "Le lead."))
    entry = site.entry("a.txt")
    assert (entry.title, entry.topics) == ("Kiev frappée par des drones", ("ukraine",))


@pytest.mark.parametrize("agency", ["ATS", "SDA", "AFP", "dpa", "Reuters", "ATS/AFP", "sda/dpa"])
def test_agency_line_becomes_the_author(read_wire: ReadWire, agency: str) -> None:
    draft = read_wire(wire_copy("Titre", agency, "21.8.2025 - 06:28", "Le lead."))
    assert draft.author == agency
    assert draft.summary == "Le lead."


def test_agency_line_is_optional(site: Site) -> None:
    site.write("a.txt", wire_copy("Titre", "21.8.2025 - 06:28", "Le lead."))
    entry = site.entry("a.txt")
    assert entry.author == "Desk"
    assert site.text(entry).summary == "Le lead."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("21.8.2025 - 06:28", "2025-08-21T06:28:00+02:00"),
        ("21.8.2025, 06:28", "2025-08-21T06:28:00+02:00"),
        ("2025-08-21T06:28:00Z", "2025-08-21T06:28:00+00:00"),
        ("21 août 2025, 06h28", "2025-08-21T06:28:00+02:00"),
        ("3. März 2025, 6.28 Uhr", "2025-03-03T06:28:00+01:00"),
        ("21 agosto 2025, 06:28", "2025-08-21T06:28:00+02:00"),
        ("August 21, 2025 6:28 pm", "2025-08-21T18:28:00+02:00"),
        ("Jeudi 21 août 2025, 06h28", "2025-08-21T06:28:00+02:00"),
    ],
)
def test_date_line_in_every_language(read_wire: ReadWire, line: str, expected: str) -> None:
    draft = read_wire(wire_copy("Titre", "ATS", line, "Le lead."))
    assert draft.published.isoformat() == expected


@pytest.mark.parametrize(
    ("blocks", "caption", "credit"),
    [
        (["Une légende.\nsda"], "Une légende.", "sda"),
        (["Une légende.\nUne légende."], "Une légende.", ""),
        (["Une légende.\nKEYSTONE/EPA/ANNA MUSTER"], "Une légende.", "KEYSTONE/EPA/ANNA MUSTER"),
        (["Une légende.\nAP Photo/Jane Doe"], "Une légende.", "AP Photo/Jane Doe"),
        (["Une légende.\n(KEYSTONE/Peter Muster)"], "Une légende.", "(KEYSTONE/Peter Muster)"),
        (["Une légende.", "sda", "Keystone-SDA"], "Une légende.", "sda, Keystone-SDA"),
        (["Une légende.\nsda", "Keystone-SDA", "AFP"], "Une légende.", "sda, Keystone-SDA, AFP"),
    ],
)
def test_picture_block_is_kept_once_as_caption_and_credit(
    read_wire: ReadWire, blocks: list[str], caption: str, credit: str
) -> None:
    text = wire_copy("Titre", "ATS", "21.8.2025 - 06:28", "Le lead.", *blocks, "Le corps.")
    draft = read_wire(text)
    assert draft.picture is not None
    assert (draft.picture.caption, draft.picture.credit) == (caption, credit)
    assert draft.body_html.count(caption) == 1
    assert draft.body_html.endswith("</figure>\n<p>Le corps.</p>")


@pytest.mark.parametrize(
    ("blocks", "html"),
    [
        # A paragraph wrapped by hand whose last line is an agency's name, in the body.
        (
            ["Un.", "Le bilan a été confirmé à\nReuters", "Deux."],
            ["<p>Un.</p>", "<p>Le bilan a été confirmé à Reuters</p>", "<p>Deux.</p>"],
        ),
        (
            ["Un.", "Une phrase entière.\nKEYSTONE/EPA", "Deux."],
            ["<p>Un.</p>", "<p>Une phrase entière. KEYSTONE/EPA</p>", "<p>Deux.</p>"],
        ),
        # Right after the lead, a credit comes after its caption, never before.
        (
            ["AFP\nLe bilan a été confirmé.", "Deux."],
            ["<p>AFP Le bilan a été confirmé.</p>", "<p>Deux.</p>"],
        ),
        (["Un.\nsda\nDeux.", "Trois."], ["<p>Un. sda Deux.</p>", "<p>Trois.</p>"]),
        # The agency's sign after the only paragraph of the body.
        (["Corps.", "(sda)"], ["<p>Corps.</p>"]),
    ],
)
def test_a_paragraph_is_not_taken_for_a_picture_block(
    read_wire: ReadWire, blocks: list[str], html: list[str]
) -> None:
    draft = read_wire(wire_copy("Titre", "ATS", "21.8.2025 - 06:28", "Le lead.", *blocks))
    assert draft.picture is None
    assert draft.body_html == "\n".join(["<p>Le lead.</p>", *html])


@pytest.mark.parametrize(
    ("blocks", "credit"),
    [
        (["Une légende.\nUne légende.\nsda", "Keystone-SDA"], "sda, Keystone-SDA"),
        (["Une légende.\nUne légende."], ""),
    ],
)
def test_a_picture_block_pasted_above_the_lead_is_still_the_picture(
    read_wire: ReadWire, blocks: list[str], credit: str
) -> None:
    text = wire_copy("Titre", "ATS", "21.8.2025 - 06:28", *blocks, "Le lead.", "Le corps.")
    draft = read_wire(text)
    assert draft.summary == "Le lead."
    assert draft.picture is not None
    assert (draft.picture.caption, draft.picture.credit) == ("Une légende.", credit)
    small = f" <small>{credit}</small>" if credit else ""
    assert draft.body_html == (
        "<p>Le lead.</p>\n"
        f"<figure><figcaption>Une légende.{small}</figcaption></figure>\n"
        "<p>Le corps.</p>"
    )


@pytest.mark.parametrize(
    ("blocks", "summary"),
    [
        # Above the lead only a repeated caption marks a picture block: this is the lead.
        (["Le lead\nsda", "Le corps."], "Le lead sda"),
        (["Le lead.\nLe lead."], "Le lead. Le lead."),
    ],
)
def test_a_lead_is_not_taken_for_a_picture_block(
    read_wire: ReadWire, blocks: list[str], summary: str
) -> None:
    draft = read_wire(wire_copy("Titre", "ATS", "21.8.2025 - 06:28", *blocks))
    assert (draft.summary, draft.picture) == (summary, None)


@pytest.mark.parametrize(
    ("blocks", "html"),
    [
        (["Premier.", "Second."], ["<p>Premier.</p>", "<p>Second.</p>"]),
        (["Un intertitre", "Suite."], ["<h2>Un intertitre</h2>", "<p>Suite."]),
        (["Corps.", "Dernière ligne courte"], ["<p>Dernière ligne courte</p>"]),
        (["Ligne un,\nligne deux."], ["<p>Ligne un, ligne deux.</p>"]),
        (["Il a dit: «Non»", "Suite."], ["<p>Il a dit: «Non»</p>"]),
        (["Corps.", "Une légende isolée.", "sda"], ["<p>Une légende isolée.</p>"]),
    ],
)
def test_body_paragraphs_and_subheadings(
    read_wire: ReadWire, blocks: list[str], html: list[str]
) -> None:
    draft = read_wire(wire_copy("Titre", "ATS", "21.8.2025 - 06:28", "Le lead.", *blocks))
    assert draft.picture is None
    for part in html:
        assert part in draft.body_html
    assert "<figure>" not in draft.body_html


@pytest.mark.parametrize(
    "credit",
    [
        "sda",
        "Keystone-SDA",
        "KEYSTONE-ATS",
        "EPA-EFE",
        "AFP",
        "Reuters",
        "dpa",
        "AP Photo",
        "Keystone, AFP",
        "© Reuters",
        "KEYSTONE/EPA/ANNA MUSTER",
        "KEYSTONE/EPA/NTB/GEIR OLSEN",
        "NTB/GEIR OLSEN",
        "(KEYSTONE/Peter Muster)",
        "AP Photo/Jane Doe",
        "REUTERS/Gleb Garanich",
        "dpa/Michael van der Berg",
        "Foto: Peter Muster",
        "Photo : Jean-Christophe Bott",
        "Bild: zvg",
        "KEYSTONE (Archiv)",
        "Keystone-SDA (archives)",
        "Photo © AFP",
    ],
)
def test_credit_only_blocks_are_never_published(read_wire: ReadWire, credit: str) -> None:
    text = wire_copy("Titre", "ATS", "21.8.2025 - 06:28", "Le lead.", "Un.", "Deux.", credit)
    assert read_wire(text).body_html == "<p>Le lead.</p>\n<p>Un.</p>\n<p>Deux.</p>"


@pytest.mark.parametrize(
    "line",
    [
        "Keystone der Diplomatie",
        "SDA-Umfrage zeigt Mehrheit",
        "Bild der Woche",
        "AP verliert vor Gericht",
        "Photo finish à Kvitfjell",
        "Reuters-Recherche deckt auf",
        "Archives ouvertes au public",
        "USA/Kanada Handelsstreit",
        "EU/Schweiz Verhandlungen stocken",
        "Bild-Zeitung Chefredaktor tritt ab",
    ],
)
def test_text_that_starts_with_a_credit_word_is_kept(read_wire: ReadWire, line: str) -> None:
    draft = read_wire(wire_copy("Titre", "ATS", "21.8.2025 - 06:28", "Le lead.", line, "Un.", line))
    assert draft.picture is None
    assert draft.body_html == f"<p>Le lead.</p>\n<h2>{line}</h2>\n<p>Un.</p>\n<p>{line}</p>"


def test_forbidden_characters_are_dropped_from_every_field(site: Site) -> None:
    site.write(
        "a.txt",
        wire_copy(
            "Ukraine Ti\x01tre\x0b\ufffe",
            "A\x07TS",
            "21.8.2025 - 06:28",
            "Le\x1b lead.",
            "Une lé\x02gende.\nsd\x03a",
            "Le co\x0crps.",
            "Un long paragraphe sans caractère interdit, pour que le fichier reste du texte. " * 3,
        ),
    )
    entry = site.entry("a.txt")
    summary, body = site.text(entry)
    assert (entry.title, entry.author, summary) == ("Titre", "ATS", "Le lead.")
    assert entry.picture is not None
    assert (entry.picture.caption, entry.picture.credit) == ("Une légende.", "sda")
    assert "<p>Le corps.</p>" in body


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty file"),
        ("\n\n  \n", 1, "empty file"),
        ("Ukraine\n\nATS\n\n21.8.2025 - 06:28\n\nLe lead.\n", 1, "the headline is only the kicker"),
        (
            "\n\nÉconomie\n\nATS\n\n21.8.2025 - 06:28\n\nLead.\n",
            3,
            "the headline is only the kicker",
        ),
        ("Titre\n", 2, "no date line after the headline"),
        ("Titre\n\nATS\n\nLe lead sans date.\n\nCorps.\n", 5, "unreadable date: "),
        ("Titre\n\nATS\n\nhier soir\n\nLe lead.\n", 5, "unreadable date: 'hier soir'"),
        (
            "Titre\n\nATS\n\n" + "Un lead bien trop long pour une date. " * 9 + "\n\nSuite.\n",
            5,
            "unreadable date: 'Un lead bien trop long pour une date. U…' is not a date like",
        ),
        ("Titre\n\nATS\n\n32.8.2025 - 06:28\n\nLe lead.\n", 5, "unreadable date: "),
        ("Titre\n\nATS\n\n1.1.0001 - 00:00\n\nLe lead.\n", 5, "unreadable date: "),
        ("Titre\n\nATS\n\n21.8.2025 - 06:28\n", 6, "no text after the date line"),
        ("Titre\n\n\n\nATS\n\n\n21.8.2025 - 06:28\n\n\n", 9, "no text after the date line"),
    ],
)
def test_rejections_name_the_line(read_wire: ReadWire, text: str, line: int, message: str) -> None:
    with pytest.raises(ArticleError) as caught:
        read_wire(text)
    assert (caught.value.line, caught.value.message[: len(message)]) == (line, message)


def test_line_numbers_count_crlf_files_like_lf_files(site: Site) -> None:
    site.write("crlf.txt", b"Titre\r\n\r\nATS\r\n\r\nplus tard\r\n\r\nLe lead.\r\n")
    assert site.problems() == [
        "articles/crlf.txt:5: unreadable date: 'plus tard' is not a date like "
        "'21.8.2025 - 06:28' or ISO 8601"
    ]


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: text.encode("utf-8"),
        lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"),
        lambda text: text.replace("\n", "\r\n").encode("cp1252"),
        lambda text: text.replace("\n", "\r").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "cp1252-crlf", "lone-cr"],
)
def test_every_encoding_reads_the_same(site: Site, encode: Callable[[str], bytes]) -> None:
    text = wire_copy(
        "Économie Hausse des prix à Zürich", "ATS", "21.8.2025 - 06:28", "Un été « chaud »."
    )
    site.write("prix.txt", encode(text))
    entry = site.entry("prix.txt")
    assert (entry.title, entry.topics) == ("Hausse des prix à Zürich", ("economy",))
    assert site.text(entry).summary == "Un été « chaud »."
