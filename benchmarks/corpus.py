"""Seeded corpus generator: the same N articles for `feeds`, Pelican and Hugo.

    python benchmarks/corpus.py --n 1000 --topics 20 --out DIR [--seed 1]

writes DIR/feeds (config.toml, articles/*.md), DIR/pelican (pelicanconf.py, content/*.md),
DIR/hugo (config.toml, layouts/_default/{rss.xml,single.html}, content/posts/*.md) and
DIR/corpus.json.
Standard library only; the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

BASE_URL = "https://news.example.org/"
MAX_ENTRIES = 50
OFFSETS = [timedelta(hours=1), timedelta(hours=2), timedelta(hours=-5), timedelta(0)]
START = datetime(2018, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int((datetime(2025, 6, 30, tzinfo=UTC) - START).total_seconds())
_TOPIC_NAMES = (
    "politics economy climate sport science health culture technology education justice "
    "transport energy agriculture housing migration defence media tourism finance diplomacy "
    "labour religion space weather"
)
_TAGS = (
    "analysis interview report opinion breaking update explainer profile data review "
    "investigation feature survey forecast briefing"
)
_WORDS = (
    "the of and to in a is that for it as was with on be by at this from have or had not are "
    "but which they you were their one all we can her has there been if more when will would "
    "who so no government council minister market prices energy water river city region "
    "village mountain winter summer report study survey researchers police court judge "
    "parliament vote election party budget tax company workers union strike bank rate growth "
    "inflation export import farmers harvest school students teachers hospital doctors "
    "patients vaccine museum festival concert film season team coach match league goal record "
    "storm flood drought heat glacier snow rail station airport bridge road traffic housing "
    "rent tenants mayor residents agency officials data figures percent million billion "
    "increase decline announced said told warned expected planned approved rejected "
    "according despite after before during while since until across between against "
    "federal cantonal local national international European public private new old "
    "first last next early late long short high low strong weak Zürich Genève Bern "
    "Lausanne Basel Lugano Fribourg Neuchâtel café déjà naïve"
)
_HEADINGS = (
    "What happened|Why it matters|The background|What comes next|Reactions|In numbers|"
    "The decision|On the ground|A long dispute|The critics"
)
TOPIC_NAMES, TAGS, WORDS = _TOPIC_NAMES.split(), _TAGS.split(), _WORDS.split()
HEADINGS = _HEADINGS.split("|")


@dataclass(frozen=True, slots=True)
class Article:
    slug: str
    title: str
    date: datetime
    topics: tuple[str, ...]
    tags: tuple[str, ...]
    body: str


def topic_slugs(count: int) -> list[str]:
    extra = [f"topic-{i:02d}" for i in range(len(TOPIC_NAMES), count)]
    return [*TOPIC_NAMES, *extra][:count]


def _sentence(rng: random.Random, links: list[str]) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 20))
    i = rng.randrange(len(words))
    style = rng.random()
    if style < 0.15:
        words[i] = f"*{words[i]}*"
    elif style < 0.25:
        words[i] = f"**{words[i]}**"
    elif style < 0.4:
        j = min(i + rng.randint(1, 3), len(words))
        words[i:j] = [f"[{' '.join(words[i:j])}]({rng.choice(links)})"]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def _paragraph(rng: random.Random, words: int, links: list[str]) -> str:
    sentences: list[str] = []
    count = 0  # a running count: re-counting every sentence made 100,000 articles slow
    while count < words:
        sentences.append(_sentence(rng, links))
        count += len(sentences[-1].split())
    return " ".join(sentences)


def _body(rng: random.Random, slug: str) -> str:
    links = [
        f"https://example.org/{rng.choice(WORDS).lower()}/{slug[:8]}",
        f"https://www.example.com/news/{rng.randint(1000, 99999)}.html",
        "/articles/" + slug + "/",
        "../related/",
    ]
    budget = rng.randint(400, 800)
    blocks = [_paragraph(rng, rng.randint(30, 50), links)]
    headings = rng.sample(HEADINGS, rng.randint(2, 3))
    per_section = max(1, budget // (len(headings) + 1))
    used = len(blocks[0].split())
    for heading in [None, *headings]:
        if heading:
            blocks.append(f"## {heading}")
        target = used + per_section
        while used < min(target, budget):
            paragraph = _paragraph(rng, rng.randint(40, 90), links)
            used += len(paragraph.split())
            blocks.append(paragraph)
    return "\n\n".join(blocks) + "\n"


def articles(n: int, topics: int, seed: int) -> list[Article]:
    rng = random.Random(seed)
    slugs = topic_slugs(topics)
    result = []
    for i in range(n):
        title_words = rng.choices(WORDS, k=rng.randint(5, 10))
        title = " ".join(title_words)
        title = title[0].upper() + title[1:]
        offset = rng.choice(OFFSETS)
        moment = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        date = moment.astimezone(timezone(offset))
        words = "-".join(w.lower() for w in title_words[:3] if w.isascii())
        slug = f"a{i:05d}-{words}".rstrip("-")
        chosen = tuple(rng.sample(slugs, rng.choice([1, 1, 2])))
        tags = tuple(rng.sample(TAGS, rng.randint(1, 3)))
        result.append(Article(slug, title, date, chosen, tags, _body(rng, slug)))
    return result


def _iso(date: datetime) -> str:
    return date.isoformat().replace("+00:00", "Z")


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one)."""
    return json.dumps(text)


def _feeds_config(slugs: list[str]) -> str:
    lines = [
        "[site]",
        'title = "Benchmark News"',
        f'base_url = "{BASE_URL}"',
        'description = "A generated corpus for benchmarks."',
        'language = "en"',
        'timezone = "UTC"',
        'author = "Newsroom"',
        "",
        "[build]",
        'articles_dir = "articles"',
        'output_dir = "public"',
        f"max_entries = {MAX_ENTRIES}",
    ]
    for slug in slugs:
        lines += ["", "[[topics]]", f'slug = "{slug}"', f'title = "{slug.title()}"']
        lines += [f'description = "News about {slug}."']
    return "\n".join(lines) + "\n"


PELICANCONF = f"""\
# Pelican: feeds only (Atom and RSS for all articles and per category), full content.
AUTHOR = "Newsroom"
SITENAME = "Benchmark News"
SITEURL = "{BASE_URL.rstrip("/")}"
FEED_DOMAIN = SITEURL
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = False
FEED_MAX_ITEMS = {MAX_ENTRIES}
RSS_FEED_SUMMARY_ONLY = False
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_ALL_RSS = "feeds/all.rss.xml"
CATEGORY_FEED_ATOM = "feeds/{{slug}}.atom.xml"
CATEGORY_FEED_RSS = "feeds/{{slug}}.rss.xml"
FEED_ATOM = FEED_RSS = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
TAG_FEED_ATOM = TAG_FEED_RSS = None
TRANSLATION_FEED_ATOM = TRANSLATION_FEED_RSS = None
ARTICLE_SAVE_AS = ARTICLE_LANG_SAVE_AS = DRAFT_SAVE_AS = DRAFT_LANG_SAVE_AS = ""
PAGE_SAVE_AS = PAGE_LANG_SAVE_AS = DRAFT_PAGE_SAVE_AS = DRAFT_PAGE_LANG_SAVE_AS = ""
CATEGORY_SAVE_AS = TAG_SAVE_AS = AUTHOR_SAVE_AS = ""
ARCHIVES_SAVE_AS = AUTHORS_SAVE_AS = CATEGORIES_SAVE_AS = TAGS_SAVE_AS = INDEX_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = MONTH_ARCHIVE_SAVE_AS = DAY_ARCHIVE_SAVE_AS = ""
DIRECT_TEMPLATES = []
PAGINATED_TEMPLATES = {{}}
STATIC_PATHS = []
THEME_STATIC_PATHS = []
PAGE_PATHS = []
CACHE_CONTENT = False
LOAD_CONTENT_CACHE = False
"""

HUGO_CONFIG = f"""\
# Hugo: an HTML page per article (as feeds writes) and RSS for the home page (all articles)
# and each category, full content.
baseURL = "{BASE_URL}"
title = "Benchmark News"
languageCode = "en"
disableKinds = ["section", "taxonomy", "sitemap", "robotsTXT", "404"]
enableRobotsTXT = false
ignoreErrors = ["error-disable-taxonomy"]  # "taxonomy" is the list of categories, not used

[services.rss]
limit = {MAX_ENTRIES}

[taxonomies]
category = "categories"

[outputs]
home = ["RSS"]
term = ["RSS"]
page = ["HTML"]  # layouts/_default/single.html: one page per article
"""

# An article page like feeds' article.html: title, date, topics, the body, tags.
HUGO_SINGLE = """\
<!DOCTYPE html>
<html lang="{{ site.LanguageCode }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} · {{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="/index.xml">
</head>
<body>
<header><a href="/">{{ site.Title }}</a></header>
<main>
<article>
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">\
{{ .Date.Format "2 January 2006" }}</time></p>
<p class="meta">{{ range $i, $t := .Params.categories }}{{ if $i }} · {{ end }}\
<a href="/categories/{{ $t | urlize }}/">{{ $t }}</a>{{ end }}</p>
{{ .Content }}
<p class="meta">{{ delimit .Params.tags ", " }}</p>
</article>
</main>
<footer><p>{{ site.Title }}</p></footer>
</body>
</html>
"""

# Hugo's embedded RSS template, with the full .Content instead of .Summary.
HUGO_RSS = """\
{{- $pctx := . -}}
{{- if .IsHome -}}{{ $pctx = .Site }}{{- end -}}
{{- $pages := slice -}}
{{- if or $.IsHome $.IsSection -}}{{- $pages = $pctx.RegularPages -}}
{{- else -}}{{- $pages = $pctx.Pages -}}{{- end -}}
{{- $limit := .Site.Config.Services.RSS.Limit -}}
{{- if ge $limit 1 -}}{{- $pages = $pages | first $limit -}}{{- end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\" standalone=\\"yes\\"?>" | safeHTML }}
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{{ if eq .Title .Site.Title }}{{ .Site.Title }}{{ else }}{{ with .Title }}{{ . }} on \
{{ end }}{{ .Site.Title }}{{ end }}</title>
    <link>{{ .Permalink }}</link>
    <description>Recent content on {{ .Site.Title }}</description>
    <language>{{ site.LanguageCode }}</language>
    {{ if not .Date.IsZero }}<lastBuildDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" \
| safeHTML }}</lastBuildDate>{{ end }}
    {{ range $pages }}
    <item>
      <title>{{ .Title }}</title>
      <link>{{ .Permalink }}</link>
      <pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" | safeHTML }}</pubDate>
      <guid>{{ .Permalink }}</guid>
      <description>{{ .Content | html }}</description>
    </item>
    {{ end }}
  </channel>
</rss>
"""


def _feeds_md(a: Article) -> str:
    return (
        f"---\ntitle: {_quoted(a.title)}\ndate: {_iso(a.date)}\n"
        f"topics: [{', '.join(a.topics)}]\ntags: [{', '.join(a.tags)}]\n---\n\n{a.body}"
    )


def _pelican_md(a: Article) -> str:
    return (
        f"Title: {a.title}\nDate: {_iso(a.date)}\nCategory: {a.topics[0]}\n"
        f"Tags: {', '.join(a.tags)}\nSlug: {a.slug}\n\n{a.body}"
    )


def _hugo_md(a: Article) -> str:
    return (
        f"---\ntitle: {_quoted(a.title)}\ndate: {_iso(a.date)}\n"
        f"categories: [{', '.join(a.topics)}]\ntags: [{', '.join(a.tags)}]\n"
        f"slug: {a.slug}\n---\n\n{a.body}"
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def generator_digest() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def generate(out: Path, n: int, topics: int, seed: int = 1) -> dict[str, object]:
    """Write the three corpora under `out` (replacing them) and return corpus.json's data."""
    for name in ("feeds", "pelican", "hugo", "corpus.json"):
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
    items = articles(n, topics, seed)
    slugs = topic_slugs(topics)
    _write(out / "feeds/config.toml", _feeds_config(slugs))
    _write(out / "pelican/pelicanconf.py", PELICANCONF)
    _write(out / "hugo/config.toml", HUGO_CONFIG)
    _write(out / "hugo/layouts/_default/rss.xml", HUGO_RSS)
    _write(out / "hugo/layouts/_default/single.html", HUGO_SINGLE)
    for a in items:
        _write(out / f"feeds/articles/{a.slug}.md", _feeds_md(a))
        _write(out / f"pelican/content/{a.slug}.md", _pelican_md(a))
        _write(out / f"hugo/content/posts/{a.slug}.md", _hugo_md(a))
    newest = max(items, key=lambda a: a.date)
    meta: dict[str, object] = {
        "n": n,
        "topics": topics,
        "seed": seed,
        "generator": generator_digest(),
        "newest": newest.slug,
        "words": sum(len(a.body.split()) for a in items),
    }
    _write(out / "corpus.json", json.dumps(meta, indent=1) + "\n")
    return meta


def ensure(out: Path, n: int, topics: int, seed: int = 1) -> dict[str, object]:
    """The corpus under `out`, generated unless a complete one from this generator is there.

    It is generated in a process of its own: Python keeps the memory of 100,000 articles
    after they are freed, and every process the caller forks afterwards would start with
    that peak in its rusage (ru_maxrss counts the parent's pages copied at the fork).
    """
    try:
        meta: dict[str, object] = json.loads((out / "corpus.json").read_text("utf-8"))
        same = (meta["n"], meta["topics"], meta["seed"]) == (n, topics, seed)
        if same and meta["generator"] == generator_digest():
            return meta
    except (FileNotFoundError, ValueError, KeyError):
        pass
    command = [sys.executable, __file__, f"--n={n}", f"--topics={topics}", f"--seed={seed}"]
    subprocess.run([*command, f"--out={out}"], check=True, stdout=subprocess.DEVNULL)
    generated: dict[str, object] = json.loads((out / "corpus.json").read_text("utf-8"))
    return generated


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="articles (default 1000)")
    parser.add_argument("--topics", type=int, default=20, help="topics (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    args = parser.parse_args()
    meta = generate(args.out, args.n, args.topics, args.seed)
    print(f"{args.out}: {meta['n']} articles, {meta['topics']} topics, {meta['words']:,} words")


if __name__ == "__main__":
    main()
