"""A small site on disk for the publishing tests: config.toml, articles, and ways to build it.

Every article is written here for the tests; each exercises something the feeds and pages
must carry (a wire picture block, an image with caption and credit, a title full of markup
characters, a script to drop, a second and third language, an article in two topics and one in
none, a draft, an embargo, a topic with no articles).
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from feeds.cli import main
from feeds.config import Config, load_config
from feeds.loader import load
from feeds.site import Site, build_site
from feeds.store import EntryStore

BASE_URL = "https://news.example.org/wire/"
SITE_TITLE = "Lakeside Wire"
MAX_ENTRIES = 4
# A fixed "now" for building the site in-process: after every dated article, before the embargo.
NOW = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)

CONFIG = f"""\
[site]
title = "{SITE_TITLE}"
base_url = "{BASE_URL}"
description = "Short dispatches, written for the tests."
language = "fr"
timezone = "Europe/Zurich"
author = "Desk"

[build]
articles_dir = "articles"
output_dir = "public"
max_entries = {MAX_ENTRIES}

[[topics]]
slug = "ukraine"
title = "Ukraine"
description = "The war and its diplomacy."
aliases = ["Ukraine", "Kyiv"]

[[topics]]
slug = "economy"
title = "Économie"
aliases = ["BNS", "SNB", "Wirtschaft"]

[[topics]]
slug = "climate"
title = "Climat"
aliases = ["glacier", "glaciers"]

[[topics]]
slug = "sport"
title = "Sport"
aliases = ["Ski"]
"""

# A wire story in a topic folder, with a picture block: caption twice and credits over two blocks.
WIRE_PICTURE = """\
Ukraine Des drones frappent un dépôt près du port d'Odessa

ATS

21.8.2025 - 06:28

Plusieurs drones ont touché un entrepôt de céréales près du port d'Odessa dans la nuit, \
selon les autorités régionales. Aucun blessé n'a été signalé.

Un entrepôt endommagé au bord de la mer Noire.
Un entrepôt endommagé au bord de la mer Noire.
sda

Keystone-SDA

Les pompiers ont maîtrisé l'incendie au petit matin, a précisé le gouverneur.

Des exportations ralenties

Le port reste ouvert, mais les chargements prennent du retard depuis le début du mois.
"""

# Wire copy whose kicker (an alias) puts it in a topic.
WIRE_KICKER = """\
BNS La banque nationale laisse son taux directeur inchangé

ATS

25.9.2025 - 10:05

La Banque nationale maintient son taux directeur, comme l'attendaient les économistes.

L'institut d'émission juge l'inflation maîtrisée pour les prochains trimestres.
"""

# The oldest story: cut from `all` by max_entries, still in its topic's feed and pages.
WIRE_OLD = """\
Ukraine Des pourparlers reprennent à Istanbul

AFP

2.6.2025 - 16:45

Les délégations se retrouvent pour une deuxième journée de discussions sur les prisonniers.
"""

# No kicker and no alias anywhere: in no topic, only in `all`.
WIRE_NO_TOPIC = """\
Un festival de jazz affiche complet à Montreux

Keystone-ATS

15.7.2025 - 11:20

Les organisateurs ont vendu tous les billets en moins d'une heure, une première depuis dix ans.
"""

# English, with an image (caption and credit), tags, an update and a relative link.
MARKDOWN_IMAGE = """\
---
title: Alpine glacier lost a tenth of its ice this summer
date: 2025-09-10T08:00:00+02:00
updated: 2025-09-11T09:30:00+02:00
topics: [climate]
tags: [ice, Alps]
lang: en
author: Mira Stone
image:
  src: https://img.example.net/glacier.jpg
  caption: Meltwater running off the glacier tongue in late August.
  credit: Photo Desk/Example
---
Surveyors measured the steepest summer loss since records began, the network said.

## What was measured

Stakes drilled into the ice showed up to three metres of thinning. The [report](report.pdf)
has the details.
"""

TRICKY_TITLE = """Fish & chips: <b>"hot"</b> isn't > cold"""

# TOML front matter; a title with every character that markup escapes.
MARKDOWN_TRICKY = f"""\
+++
title = '''{TRICKY_TITLE}'''
date = 2025-09-28T12:00:00+02:00
topics = ["economy"]
summary = "A title with every character that needs escaping."
+++
Le corps parle de prix & de marges, <b>sans</b> balises.

<script>alert("pwned")</script>
"""

# German, in two topics (named by an alias and a title), a fixed id, a canonical link elsewhere.
MARKDOWN_GERMAN = """\
---
title: Industrie meldet weniger Aufträge
date: 2025-08-01T07:30:00+02:00
topics: [Wirtschaft, Climat]
lang: de
id: urn:uuid:1b0c9a52-7c1e-4a51-9d0e-3f1f6b2c8e41
link: https://origin.example.com/auftraege
---
Die Betriebe erhielten im Juli weniger neue Bestellungen als im Vormonat.
"""

MARKDOWN_DRAFT = """\
---
title: Budget notes, not ready
date: 2025-09-01T09:00:00+02:00
topics: [economy]
draft: true
---
Not for publication.
"""

MARKDOWN_EMBARGO = """\
---
title: Report held until the next century
date: 2099-01-01T00:00:00+01:00
topics: [climate]
---
Embargoed text.
"""

ARTICLES: dict[str, str] = {
    "ukraine/port-drones.txt": WIRE_PICTURE,
    "bns-taux.txt": WIRE_KICKER,
    "ukraine/istanbul-talks.txt": WIRE_OLD,
    "montreux-jazz.txt": WIRE_NO_TOPIC,
    "features/glacier-retreat.md": MARKDOWN_IMAGE,
    "quotes.md": MARKDOWN_TRICKY,
    "auftraege.md": MARKDOWN_GERMAN,
    "budget-notes.md": MARKDOWN_DRAFT,
    "held-report.md": MARKDOWN_EMBARGO,
}


@dataclass(frozen=True, slots=True)
class Expected:
    """What the tests expect of one published article."""

    slug: str
    title: str
    language: str
    topics: tuple[str, ...]
    published: str  # ISO 8601 with offset, as the feeds write it
    updated: str = ""  # empty: the same as published
    fixed_id: str = ""  # the front matter's `id`, if any
    tags: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.fixed_id or f"tag:news.example.org,{self.published[:10]}:{self.slug}"

    @property
    def last_update(self) -> str:
        return self.updated or self.published

    @property
    def url(self) -> str:
        return f"{BASE_URL}articles/{self.slug}/"

    @property
    def categories(self) -> list[str]:
        """What feeds list as categories: topic titles, then tags."""
        return [TOPIC_TITLES[slug] for slug in self.topics] + list(self.tags)


# Newest first: the order of every feed and list.
PUBLISHED = (
    Expected("quotes", TRICKY_TITLE, "fr", ("economy",), "2025-09-28T12:00:00+02:00"),
    Expected(
        "bns-taux",
        "La banque nationale laisse son taux directeur inchangé",
        "fr",
        ("economy",),
        "2025-09-25T10:05:00+02:00",
    ),
    Expected(
        "glacier-retreat",
        "Alpine glacier lost a tenth of its ice this summer",
        "en",
        ("climate",),
        "2025-09-10T08:00:00+02:00",
        "2025-09-11T09:30:00+02:00",
        tags=("ice", "Alps"),
    ),
    Expected(
        "port-drones",
        "Des drones frappent un dépôt près du port d'Odessa",
        "fr",
        ("ukraine",),
        "2025-08-21T06:28:00+02:00",
    ),
    Expected(
        "auftraege",
        "Industrie meldet weniger Aufträge",
        "de",
        ("economy", "climate"),
        "2025-08-01T07:30:00+02:00",
        fixed_id="urn:uuid:1b0c9a52-7c1e-4a51-9d0e-3f1f6b2c8e41",
    ),
    Expected(
        "montreux-jazz",
        "Un festival de jazz affiche complet à Montreux",
        "fr",
        (),
        "2025-07-15T11:20:00+02:00",
    ),
    Expected(
        "istanbul-talks",
        "Des pourparlers reprennent à Istanbul",
        "fr",
        ("ukraine",),
        "2025-06-02T16:45:00+02:00",
    ),
)
TOPIC_TITLES = {"ukraine": "Ukraine", "economy": "Économie", "climate": "Climat", "sport": "Sport"}
TOPICS = tuple(TOPIC_TITLES)
CHANNELS = (*TOPICS, "all")
UNPUBLISHED = ("budget-notes", "held-report")


def expected_in(slug: str) -> tuple[Expected, ...]:
    """The articles of a topic (every article for `all`), newest first."""
    return tuple(e for e in PUBLISHED if slug == "all" or slug in e.topics)


def channel_title(slug: str) -> str:
    return SITE_TITLE if slug == "all" else f"{SITE_TITLE} — {TOPIC_TITLES[slug]}"


def page_url(slug: str) -> str:
    """The page a channel's feeds link to: its topic page, or the landing page for `all`."""
    return BASE_URL if slug == "all" else f"{BASE_URL}topics/{slug}/"


def feed_url(slug: str, suffix: str) -> str:
    return f"{BASE_URL}feeds/{slug}{suffix}"


def expected_feed(slug: str) -> tuple[Expected, ...]:
    """The entries of a topic's feeds: its newest `max_entries` articles."""
    return expected_in(slug)[:MAX_ENTRIES]


def make_site(
    root: Path,
    articles: Mapping[str, str] = ARTICLES,
    order: Iterable[str] | None = None,
    config: str = CONFIG,
) -> Path:
    """Write config.toml and the articles (in `order`, each with its own mtime); the config path."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "config.toml"
    path.write_text(config, encoding="utf-8")
    for number, name in enumerate(order or articles):
        file = root / "articles" / name
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_bytes(articles[name].encode("utf-8"))
        moment = 1_700_000_000 + 3_600 * number
        os.utime(file, (moment, moment))
    return path


def site_at(config_path: Path, now: datetime = NOW) -> Site:
    """The site of `config_path` as published at `now`, built in-process."""
    config = load_config(config_path)
    store = EntryStore(config)
    return build_site(config, load(config, store), now, store)


def config_at(config_path: Path) -> Config:
    return load_config(config_path)


@dataclass(frozen=True, slots=True)
class Run:
    """A finished `feeds` command: exit status and the lines it wrote to stderr."""

    code: int
    stderr: list[str]


def run_main(*args: str) -> Run:
    """`feeds ARGS` in-process through feeds.cli.main, capturing stderr."""
    captured = io.StringIO()
    with contextlib.redirect_stderr(captured):
        code = main(list(args))
    return Run(code, captured.getvalue().splitlines())


def run_process(cwd: Path, *args: str, env: Mapping[str, str] | None = None) -> Run:
    """`python -m feeds ARGS` in a child process in `cwd`, with `env` added to the environment
    (less any TZ and LC_ALL of ours)."""
    environment = {key: value for key, value in os.environ.items() if key not in {"TZ", "LC_ALL"}}
    environment.update(env or {})
    done = subprocess.run(
        [sys.executable, "-m", "feeds", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stderr, done.stderr
    return Run(done.returncode, done.stderr.splitlines())


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` by its relative POSIX path, with its bytes."""
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def stamps(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under `folder` with its inode and mtime in ns: both change when it is rewritten
    (an atomic replace always brings a new inode, even within one clock tick)."""
    stamps: dict[str, tuple[int, int]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            status = path.stat()
            stamps[path.relative_to(folder).as_posix()] = (status.st_ino, status.st_mtime_ns)
    return stamps
