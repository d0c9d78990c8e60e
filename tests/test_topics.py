"""Topics: kickers and aliases ignoring case and accents, and the precedence of the rules."""

from __future__ import annotations

import pytest

from feeds.model import Topic
from feeds.topics import TopicMatcher
from tests.conftest import Site, front_matter, wire_copy

MATCHER = TopicMatcher(
    [
        Topic("ukraine", "Ukraine", aliases=("Ukraine", "Kyiv", "Kiev")),
        Topic("economy", "Économie", aliases=("Wirtschaft", "SNB", "Banque nationale")),
        Topic("sport", "Sport", aliases=("Ski",)),
        Topic("europe", "Europe", aliases=("Ukraine", "EU")),
    ]
)


@pytest.mark.parametrize(
    ("headline", "topics", "title"),
    [
        ("Ukraine Kim salue ses troupes", ("ukraine", "europe"), "Kim salue ses troupes"),
        ("ÉCONOMIE La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("economie La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("Économie La BNS baisse son taux", ("economy",), "La BNS baisse son taux"),
        ("Kyiv Des drones abattus", ("ukraine",), "Des drones abattus"),
        ("KIEV Des drones abattus", ("ukraine",), "Des drones abattus"),
        ("sport Odermatt gagne", ("sport",), "Odermatt gagne"),
        ("Banque nationale Les taux baissent", ("economy",), "Les taux baissent"),
        ("Banque centrale Les taux baissent", (), "Banque centrale Les taux baissent"),
        ("Skiing Odermatt gagne", (), "Skiing Odermatt gagne"),
        ("Ukraine: la guerre continue", (), "Ukraine: la guerre continue"),
        ("La guerre en Ukraine continue", (), "La guerre en Ukraine continue"),
        ("Ukraine", (), "Ukraine"),
        # The title after a kicker starts with a capital letter, a digit or a quote.
        ("Kiev frappée par des drones", (), "Kiev frappée par des drones"),
        ("Sport is good for you", (), "Sport is good for you"),
        ("Banque nationale baisse ses taux", (), "Banque nationale baisse ses taux"),
        ("Ukraine 10'000 soldats au front", ("ukraine", "europe"), "10'000 soldats au front"),
        ("Kyiv «Nous tiendrons», dit le maire", ("ukraine",), "«Nous tiendrons», dit le maire"),
        ('Sport "Wir sind zurück"', ("sport",), '"Wir sind zurück"'),
        ("Sport „Wir sind zurück“", ("sport",), "„Wir sind zurück“"),
        ("Ski Élan suisse à Wengen", ("sport",), "Élan suisse à Wengen"),
        # A kicker is separated by white space only: a colon belongs to the title.
        ("Sport: Basel gewinnt", (), "Sport: Basel gewinnt"),
        ("Sport: the word", (), "Sport: the word"),
    ],
)
def test_kicker_is_the_longest_topic_name_in_front(
    headline: str, topics: tuple[str, ...], title: str
) -> None:
    found, _, rest = MATCHER.kicker(headline)
    assert (found, rest) == (topics, title)


def test_the_longest_name_in_front_decides_if_there_is_a_kicker() -> None:
    matcher = TopicMatcher([Topic("economy", "Économie", aliases=("Banque", "Banque nationale"))])
    assert matcher.kicker("Banque Nationale baisse ses taux") == (
        (),
        "",
        "Banque Nationale baisse ses taux",
    )
    assert matcher.kicker("Banque La BNS agit") == (("economy",), "Banque", "La BNS agit")


@pytest.mark.parametrize(
    ("name", "topics"),
    [
        ("ukraine", ("ukraine", "europe")),
        ("ÉCONOMIE", ("economy",)),
        ("economy", ("economy",)),
        ("  banque   NATIONALE ", ("economy",)),
        ("wirtschaft", ("economy",)),
        ("Ski", ("sport",)),
        ("Skiing", ()),
        ("", ()),
    ],
)
def test_named_matches_slug_title_or_alias(name: str, topics: tuple[str, ...]) -> None:
    assert MATCHER.named(name) == topics


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        ("Les drones visent Kyiv cette nuit", ("ukraine",)),
        ("À KYIV, la nuit a été calme", ("ukraine",)),
        ("Kyiv's mayor speaks", ("ukraine",)),
        ("La BNS et Kyiv", ("ukraine",)),
        ("La SNB et l'Ukraine", ("ukraine", "economy", "europe")),
        ("Ski: la saison commence", ("sport",)),
        ("Skiing season opens", ()),
        ("Le biathlon-ski attire", ("sport",)),
        ("La Banque nationale suisse", ("economy",)),
        ("La Banque  nationale", ()),
        ("Die Wirtschaftslage", ()),
        ("SNBs Entscheid", ()),
        ("L'EU décide", ("europe",)),
        ("Neutral text about nothing", ()),
    ],
)
def test_aliases_match_whole_words_only(text: str, topics: tuple[str, ...]) -> None:
    assert MATCHER.mentioned([text]) == topics


def test_a_matcher_without_topics_finds_nothing() -> None:
    matcher = TopicMatcher([])
    assert matcher.kicker("Ukraine Kim salue") == ((), "", "Ukraine Kim salue")
    assert matcher.mentioned(["Ukraine"]) == ()


WIRE_KICKER = wire_copy(
    "Ukraine Les drones reviennent",
    "ATS",
    "21.8.2025 - 06:28",
    "La BNS observe la situation à Kyiv.",
)
WIRE_PLAIN = wire_copy(
    "Les drones reviennent sur Kyiv", "ATS", "21.8.2025 - 06:28", "La BNS observe la situation."
)
MD_TOPICS = front_matter("title: Kyiv et la BNS\ndate: 2025-08-21\ntopics: [Klima, sport]")
MD_TOPIC = front_matter("title: Kyiv et la BNS\ndate: 2025-08-21\ntopic: Économie")
MD_PLAIN = front_matter("title: Kyiv et la BNS\ndate: 2025-08-21", "Un glacier fond.\n")


@pytest.mark.parametrize(
    ("name", "text", "topics"),
    [
        # Front matter beats every other rule, folder included; names, titles, aliases work.
        ("sport/a.md", MD_TOPICS, ("climate", "sport")),
        ("a.md", MD_TOPIC, ("economy",)),
        # Then a folder named like a topic slug (any depth, every one counts).
        ("sport/a.md", MD_PLAIN, ("sport",)),
        ("sport/2025/climate/a.md", MD_PLAIN, ("sport", "climate")),
        ("sport/a.txt", WIRE_KICKER, ("sport",)),
        ("Sport/a.txt", WIRE_KICKER, ("ukraine",)),
        # Then the wire kicker, which is taken off the title.
        ("2025/a.txt", WIRE_KICKER, ("ukraine",)),
        # Last, aliases as whole words in the title or lead; several can match.
        ("a.txt", WIRE_PLAIN, ("ukraine", "economy")),
        ("a.md", MD_PLAIN, ("ukraine", "economy", "climate")),
    ],
)
def test_topic_precedence(site: Site, name: str, text: str, topics: tuple[str, ...]) -> None:
    site.write(name, text)
    assert site.entry(name).topics == topics


def test_alias_in_the_body_alone_does_not_count(site: Site) -> None:
    site.write("a.md", front_matter("title: Rien\ndate: 2025-08-21", "Lead.\n\nÀ Kyiv.\n"))
    assert site.entry("a.md").topics == ()


def test_unknown_topic_in_front_matter_is_rejected_at_its_line(site: Site) -> None:
    site.write("a.md", front_matter("title: T\ndate: 2025-08-21\ntopics:\n  - sport\n  - Mars"))
    assert site.problems() == [
        "articles/a.md:4: topics: 'Mars' is not a topic of config.toml "
        "(known: ukraine, economy, sport, climate)"
    ]
