"""A site for agency documents: the shared test config plus a topic found by subject code,
fixture files from tests/readers/agency/, and small documents made from templates."""

from __future__ import annotations

from pathlib import Path

from feeds.model import Entry
from tests.conftest import CONFIG, Site

FIXTURES = Path(__file__).parent / "agency"
# Subject codes put an item in this topic, whatever its words (IPTC Media Topic "rail
# transport"; NewsML 1.2 and NITF give the same number as a Subject Code).
AGENCY_CONFIG = (
    CONFIG
    + """
[[topics]]
slug = "transport"
title = "Transport"
subjects = ["medtop:20000766", "subj:20000766"]
"""
)


class AgencySite(Site):
    """A Site configured with AGENCY_CONFIG, with helpers for agency documents."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.configure(AGENCY_CONFIG)

    def copy(self, fixture: str, name: str | None = None) -> Path:
        return self.write(name or fixture, (FIXTURES / fixture).read_bytes())

    def entries(self, name: str) -> list[Entry]:
        """The entries loaded from articles/`name`; fails with the problems if none."""
        loaded = self.load()
        found = [entry for entry in loaded.entries if entry.source == f"articles/{name}"]
        assert found, [str(problem) for problem in loaded.problems]
        return found


def g2(
    guid: str = "urn:newsml:example.org:20250901:story-1",
    *,
    version: int = 1,
    created: str = "2025-09-01T08:00:00Z",
    status: str = "stat:usable",
    headline: str = "A headline for the story",
    content: str = '<inlineData contenttype="text/plain">The first paragraph.</inlineData>',
    meta: str = "",
    namespace: str = "http://iptc.org/std/nar/2006-10-01/",
) -> str:
    """A NewsML-G2 text item with the given parts."""
    headline_element = f"<headline>{headline}</headline>" if headline else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<newsItem xmlns="{namespace}" guid="{guid}" version="{version}" standard="NewsML-G2">\n'
        f'<itemMeta><itemClass qcode="ninat:text"/><versionCreated>{created}</versionCreated>'
        f'<pubStatus qcode="{status}"/>{meta}</itemMeta>\n'
        f"<contentMeta>{headline_element}</contentMeta>\n"
        f"<contentSet>{content}</contentSet>\n</newsItem>\n"
    )


def nitf(body: str, *, namespace: str | None = None, docdata: str = "", head: str = "") -> str:
    """A NITF document with the given body.content."""
    xmlns = f' xmlns="{namespace}"' if namespace is not None else ""
    return (
        f'<?xml version="1.0"?>\n<nitf{xmlns}><head>{head}<docdata {docdata}>'
        '<doc-id id-string="nitf-story-1" regsrc="AP"/><date.issue norm="20250901T080000Z"/>'
        "</docdata></head>\n<body><body.head><hedline><hl1>Headline</hl1></hedline></body.head>"
        f"<body.content>{body}</body.content></body></nitf>\n"
    )
