"""Markdown articles: YAML and TOML front matter, every key, dates, links and the lead."""

from __future__ import annotations

import time
from collections.abc import Callable

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from feeds.errors import ArticleError
from feeds.readers import Draft
from feeds.readers.markdown import _to_html
from tests.conftest import Site, front_matter

ReadMarkdown = Callable[[str], Draft]
ARTICLE = "https://news.example.org/articles/"

EVERY_KEY_YAML = """\
title: Le glacier d'Aletsch recule
date: 2025-08-21T06:28:00+02:00
updated: 2025-08-22T09:00:00+02:00
topics: [Climat, sport]
tags: [glaciers, Valais]
author: [Anne Muster, Beat Beispiel]
summary: Un résumé écrit à la main.
lang: de-CH
id: urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427
slug: Aletsch 2025
draft: true
link: https://other.example/aletsch
image:
  src: images/aletsch.jpg
  caption: Le glacier en août
  credit: KEYSTONE
colour: blue
weight: 3
"""
EVERY_KEY_TOML = """\
title = "Le glacier d'Aletsch recule"
date = 2025-08-21T06:28:00+02:00
updated = 2025-08-22T09:00:00+02:00
topics = ["Climat", "sport"]
tags = ["glaciers", "Valais"]
author = ["Anne Muster", "Beat Beispiel"]
summary = "Un résumé écrit à la main."
lang = "de-CH"
id = "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
slug = "Aletsch 2025"
draft = true
link = "https://other.example/aletsch"
colour = "blue"
weight = 3

[image]
src = "images/aletsch.jpg"
caption = "Le glacier en août"
credit = "KEYSTONE"
"""


@pytest.mark.parametrize(
    ("fields", "fence"), [(EVERY_KEY_YAML, "---"), (EVERY_KEY_TOML, "+++")], ids=["yaml", "toml"]
)
def test_every_front_matter_key(read_markdown: ReadMarkdown, fields: str, fence: str) -> None:
    draft = read_markdown(front_matter(fields, "Le corps.\n", fence))
    assert draft.title == "Le glacier d'Aletsch recule"
    assert draft.published.isoformat() == "2025-08-21T06:28:00+02:00"
    assert draft.updated is not None
    assert draft.updated.isoformat() == "2025-08-22T09:00:00+02:00"
    assert draft.front_matter_topics == ("climate", "sport")
    assert draft.tags == ("glaciers", "Valais")
    assert draft.author == "Anne Muster, Beat Beispiel"
    assert draft.summary == "Un résumé écrit à la main."
    assert draft.language == "de-CH"
    assert draft.id == "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
    assert draft.slug == "aletsch-2025"
    assert draft.draft is True
    assert draft.link == "https://other.example/aletsch"
    assert draft.picture is not None
    assert draft.picture.url == f"{ARTICLE}aletsch-2025/images/aletsch.jpg"
    assert (draft.picture.caption, draft.picture.credit) == ("Le glacier en août", "KEYSTONE")
    assert draft.body_html == "<p>Le corps.</p>\n"


def test_minimal_front_matter_takes_defaults(read_markdown: ReadMarkdown) -> None:
    draft = read_markdown(front_matter("title: Court\ndate: 2025-08-21", "Le lead.\n"))
    assert (draft.slug, draft.id, draft.updated, draft.language) == ("story", None, None, None)
    assert (draft.tags, draft.front_matter_topics, draft.author) == ((), (), "")
    assert (draft.draft, draft.link, draft.picture) == (False, None, None)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("topic: Économie", ("economy",)),
        ("topic: kyiv", ("ukraine",)),
        ("topics: ukraine, sport", ("ukraine", "sport")),
        ("topics: [Ukraine, Kiev, ukraine]", ("ukraine",)),
        ("tags: a, b ,a", ()),
    ],
)
def test_topics_accept_slug_title_or_alias(
    read_markdown: ReadMarkdown, fields: str, expected: tuple[str, ...]
) -> None:
    draft = read_markdown(front_matter(f"title: T\ndate: 2025-08-21\n{fields}"))
    assert draft.front_matter_topics == expected


@pytest.mark.parametrize(
    ("fields", "fence", "expected"),
    [
        ("date: 2025-08-21 06:28:00", "---", "2025-08-21T06:28:00+02:00"),
        ("date: 2025-08-21T06:28:00Z", "---", "2025-08-21T06:28:00+00:00"),
        ("date: 2025-08-21T06:28:00-04:00", "---", "2025-08-21T06:28:00-04:00"),
        ("date: 2025-01-21", "---", "2025-01-21T00:00:00+01:00"),
        ('date: "2025-08-21T06:28:00"', "---", "2025-08-21T06:28:00+02:00"),
        ('date: "2025-08-21T06:28:00+05:30"', "---", "2025-08-21T06:28:00+05:30"),
        ("date: 2025-08-21 06:28", "---", "2025-08-21T06:28:00+02:00"),
        ('date: "21 août 2025, 06h28"', "---", "2025-08-21T06:28:00+02:00"),
        ("date: 21.8.2025 - 06:28", "---", "2025-08-21T06:28:00+02:00"),
        ("date = 2025-08-21T06:28:00+01:00", "+++", "2025-08-21T06:28:00+01:00"),
        ("date = 2025-08-21T06:28:00", "+++", "2025-08-21T06:28:00+02:00"),
        ("date = 2025-08-21", "+++", "2025-08-21T00:00:00+02:00"),
        ('date = "3. März 2025 14:05"', "+++", "2025-03-03T14:05:00+01:00"),
    ],
)
def test_date_forms(read_markdown: ReadMarkdown, fields: str, fence: str, expected: str) -> None:
    title = 'title = "T"' if fence == "+++" else "title: T"
    draft = read_markdown(front_matter(f"{title}\n{fields}", fence=fence))
    assert draft.published.isoformat() == expected


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("[photo](photo.html)", f'<a href="{ARTICLE}story/photo.html" rel="noopener noreferrer">'),
        ("[autre](../autre/)", f'<a href="{ARTICLE}autre/" rel="noopener noreferrer">'),
        ("[site](/topics/sport/)", '<a href="https://news.example.org/topics/sport/"'),
        ("[ailleurs](https://other.example/x)", '<a href="https://other.example/x"'),
        ("![carte](img/carte.png)", f'<img src="{ARTICLE}story/img/carte.png" alt="carte">'),
        ('<img src="raw.jpg">', f'<img src="{ARTICLE}story/raw.jpg">'),
        ("[ancre](#suite)", f'<a href="{ARTICLE}story/#suite"'),
    ],
)
def test_relative_links_and_images_are_made_absolute(
    read_markdown: ReadMarkdown, markdown: str, html: str
) -> None:
    draft = read_markdown(front_matter("title: T\ndate: 2025-08-21", f"Voir {markdown}.\n"))
    assert html in draft.body_html


def test_links_resolve_against_the_front_matter_slug(read_markdown: ReadMarkdown) -> None:
    draft = read_markdown(
        front_matter("title: T\ndate: 2025-08-21\nslug: autre-nom", "[x](a.html)")
    )
    assert f'href="{ARTICLE}autre-nom/a.html"' in draft.body_html


LEAD = "Le **premier** [paragraphe](x) avec `code`\net une suite.\n"


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        (f"{LEAD}\nLe second.\n", None),
        (f"# Titre\n\n{LEAD}", None),
        (f"<div>bloc</div>\n\n{LEAD}", None),
        # Paragraphs of images only (linked, several, with inline HTML) are not the lead.
        (f"![Le glacier](g.jpg)\n\n{LEAD}", None),
        (f"[![Le glacier](g.jpg)](grand.jpg)\n\n{LEAD}", None),
        (f"![a](a.jpg)\n![b](b.jpg) <br>\n\n{LEAD}", None),
        (f"## Sous-titre\n\n![a](a.jpg)\n\n{LEAD}", None),
        ("", ""),
        ("# Seulement un titre\n", ""),
        ("![Seulement une image](a.jpg)\n", ""),
        ("Avec ![une image](i.png) & <em>du</em> HTML.\n", "Avec une image & du HTML."),
        # Entities and escapes are decoded; a hard break is a space; tags and comments go.
        ('Tom &amp; Jerry, 3 < 4 "cités"\\\nfin.\n', 'Tom & Jerry, 3 < 4 "cités" fin.'),
        ('<span title="a>b">Texte</span> <!-- a > b --> suite.\n', "Texte suite."),
        ('![« 1 & 2 »](i.png) et "le" texte.\n', '« 1 & 2 » et "le" texte.'),
        # A list is not a paragraph.
        (f"- un point\n- un autre\n\n{LEAD}", None),
    ],
)
def test_summary_defaults_to_the_first_paragraph_as_plain_text(
    read_markdown: ReadMarkdown, body: str, summary: str | None
) -> None:
    draft = read_markdown(front_matter("title: T\ndate: 2025-08-21", body))
    expected = "Le premier paragraphe avec code et une suite." if summary is None else summary
    assert draft.summary == expected


def test_an_image_first_body_keeps_the_image_and_leads_with_text(site: Site) -> None:
    site.write(
        "glacier.md",
        front_matter(
            "title: Le glacier recule\ndate: 2025-08-21",
            "![Le glacier en août](glacier.jpg)\n\nLe glacier a perdu un mètre.\n",
        ),
    )
    summary, body = site.text(site.entry("glacier.md"))
    assert summary == "Le glacier a perdu un mètre."
    assert body == (
        f'<p><img src="{ARTICLE}glacier/glacier.jpg" alt="Le glacier en août"></p>\n'
        "<p>Le glacier a perdu un mètre.</p>\n"
    )


def test_title_is_plain_text_kept_literally(read_markdown: ReadMarkdown) -> None:
    draft = read_markdown(front_matter("title: '<b>Gras</b> & « co »'\ndate: 2025-08-21"))
    assert draft.title == "<b>Gras</b> & « co »"


def test_yaml_end_fence_may_be_three_dots(read_markdown: ReadMarkdown) -> None:
    draft = read_markdown("---\ntitle: T\ndate: 2025-08-21\n...\nLe corps.\n")
    assert draft.body_html == "<p>Le corps.</p>\n"


def test_forbidden_characters_are_dropped_from_every_field(read_markdown: ReadMarkdown) -> None:
    fields = (
        'title: "Ti\\x01tre\\uFFFE"\ndate: 2025-08-21\nauthor: "An\\x0Bne"\n'
        'tags: ["ta\\x02g"]\nsummary: "Ré\\x1Bsumé"'
    )
    draft = read_markdown(front_matter(fields, "Co\x0crps \x08texte.\n"))
    assert (draft.title, draft.author, draft.tags) == ("Titre", "Anne", ("tag",))
    assert draft.summary == "Résumé"
    assert draft.body_html == "<p>Corps texte.</p>\n"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Juste du texte.\n", 1, "no front matter"),
        ("---\ntitle: T\ndate: 2025-08-21\n", 1, "front matter is never closed"),
        ("+++\ntitle = 'T'\n---\n", 1, "front matter is never closed; end it with a '+++' line"),
        ("---\n---\nCorps.\n", 1, "front matter has no title"),
        ("---\ntitle: ''\ndate: 2025-08-21\n---\n", 2, "front matter has no title"),
        ("---\ndate: 2025-08-21\n---\n", 1, "front matter has no title"),
        ("---\ntitle: T\n---\n", 1, "front matter has no date"),
        ("---\ntitle: T\ndate: demain\n---\n", 3, "date: 'demain' is not a date"),
        ("---\ntitle: T\ndate: 0001-01-01\n---\n", 3, "date: year 1 is out of range"),
        ("---\ntitle: T\ndate: 2025-08-21\nupdated: [1]\n---\n", 4, "updated: [1] is not a date"),
        ("---\ntitle: [a, b]\ndate: 2025-08-21\n---\n", 2, "title: ['a', 'b'] is not text"),
        ("---\ntitle: T\ndate: 2025-08-21\ndraft: 'oui'\n---\n", 4, "draft: 'oui' is not true"),
        ("---\ntitle: T\ndate: 2025-08-21\nlang: '12'\n---\n", 4, "lang: '12' is not a language"),
        ("---\ntitle: T\ndate: 2025-08-21\nlink: /x\n---\n", 4, "link: '/x' is not an absolute"),
        ("---\ntitle: T\ndate: 2025-08-21\nslug: '!!'\n---\n", 4, "slug: '!!' has no letters"),
        ("---\ntitle: T\ndate: 2025-08-21\nimage: 'javascript:x'\n---\n", 4, "image: "),
        (
            "---\ntitle: T\ndate: 2025-08-21\ntopics: Mars\n---\n",
            4,
            "topics: 'Mars' is not a topic",
        ),
        ("---\ntitle: T\ndate: 2025-08-21\ntopic: [x]\n---\n", 4, "topic: 'x' is not a topic"),
        ("---\ntitle: T\ndate: 2025-08-21\ntags: {a: 1}\n---\n", 4, "tags: {'a': 1} is not a list"),
        ("---\n- title\n- date\n---\n", 1, "front matter is a list, not 'key: value' lines"),
        ("---\njust words\n---\n", 1, "front matter is a str, not 'key: value' lines"),
        ("---\n42\n---\n", 1, "front matter is a int, not 'key: value' lines"),
        (
            "---\ntitle: T\ndate: 2025-08-21\nbad: [unclosed\n---\n",
            5,
            "front matter is not valid YAML",
        ),
        ("---\ntitle: T\n  date: 2025-08-21\n---\n", 3, "front matter is not valid YAML"),
        ("---\ntitle: T\ndate: !!python/object:os.system x\n---\n", 3, "front matter is not valid"),
        ("+++\ntitle = 'T'\ndate = = 2025-08-21\n+++\n", 3, "front matter is not valid TOML"),
        ("+++\ntitle = 'T'\ntitle = 'U'\n+++\n", 3, "front matter is not valid TOML"),
        ("+++\ntitle = 'T'\ndate = 06:28:00\n+++\n", 3, "date: datetime.time(6, 28) is not a date"),
        (
            "+++\ntitle = " + "[" * 3000 + "]" * 3000 + "\n+++\n",
            1,
            "front matter is not valid TOML",
        ),
        ("---\ntitle: T\ndate: !!bool x\n---\n", 1, "front matter is not valid YAML: a '!!' tag"),
        ("---\ntitle: !!timestamp x\n---\n", 1, "front matter is not valid YAML: a '!!' tag"),
        ("---\ntitle: !!int ''\n---\n", 1, "front matter is not valid YAML: a '!!' tag"),
        ("---\ntitle: !!int x\n---\n", 1, "front matter is not valid YAML: invalid literal"),
    ],
)
def test_rejections_name_the_line(
    read_markdown: ReadMarkdown, text: str, line: int, message: str
) -> None:
    with pytest.raises(ArticleError) as caught:
        read_markdown(text)
    assert (caught.value.line, caught.value.message[: len(message)]) == (line, message)


def billion_laughs(levels: int = 12) -> str:
    lines = ["title: T", "date: 2025-08-21", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return front_matter("\n".join(lines))


def test_yaml_alias_bomb_is_rejected_quickly(read_markdown: ReadMarkdown) -> None:
    start = time.perf_counter()
    with pytest.raises(ArticleError, match=r"repeats a YAML anchor") as caught:
        read_markdown(billion_laughs())
    assert time.perf_counter() - start < 1
    assert caught.value.line == 1


def test_a_plain_scalar_alias_is_allowed(read_markdown: ReadMarkdown) -> None:
    draft = read_markdown(front_matter("title: &t Le titre\ndate: 2025-08-21\nsummary: *t"))
    assert draft.summary == "Le titre"


def test_markdown_suffixes_and_entry_fields(site: Site) -> None:
    site.write("Économie Zürich.md", front_matter("title: A\ndate: 2025-08-21\nlang: it"))
    site.write("notes/long-form.markdown", front_matter("title: B\ndate: 2025-08-21"))
    first = site.entry("Économie Zürich.md")
    assert (first.slug, first.language, first.author) == ("economie-zurich", "it", "Desk")
    assert site.entry("notes/long-form.markdown").slug == "long-form"


def test_updated_before_published_is_raised_to_published(site: Site) -> None:
    site.write("a.md", front_matter("title: A\ndate: 2025-08-21\nupdated: 2025-08-01"))
    entry = site.entry("a.md")
    assert entry.updated == entry.published


def _rss_mb() -> float:
    with open("/proc/self/status") as status:  # noqa: PTH123
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


# cmark's HTML of every construct the corpus uses: headings, emphasis, links, raw HTML,
# lists, code, entities, non-ASCII text, an empty body.
BODIES = [
    "",
    '## Heading\n\nSome *emphasis*, **strong** and a [link](/x "t").\n',
    "Raw <b>HTML</b> & <script>x()</script> stays for the sanitiser.\n\n- one\n- two\n",
    "Ünïcödé — « guillemets » &amp; &copy;\n\n    code block\n\n`inline` <https://a.example>\n",
]


@pytest.mark.parametrize("body", BODIES)
def test_markdown_html_is_cmarkgfms(body: str) -> None:
    """The renderer calls cmark-gfm through cmarkgfm's own cffi module (to free its
    buffer): the HTML is what cmarkgfm.markdown_to_html gives."""
    assert _to_html(body) == cmarkgfm.markdown_to_html(body, Options.CMARK_OPT_UNSAFE)


def test_rendering_markdown_frees_cmarks_buffer() -> None:
    """cmarkgfm.markdown_to_html never frees the HTML cmark returns (cmarkgfm issue 53):
    500 renders of a 100 KB body left some 60 MB behind; they must leave next to nothing."""
    body = "A paragraph with *emphasis* and a [link](https://a.example/).\n\n" * 1_600
    _to_html(body)  # the first call's allocations are not the leak
    before = _rss_mb()
    for _ in range(500):
        _to_html(body)
    assert _rss_mb() - before < 15
