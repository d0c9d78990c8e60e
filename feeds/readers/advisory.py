"""What agencies write for editors, never for readers: version markers, notes, routing lines.

A headline loses its markers ("UPDATE 2-", "1ST LEAD:", "(Eil)", "(Adds …)", "Writethru");
a paragraph made only of a marker, an editor's note or a routing/service line is dropped.
"""

from __future__ import annotations

import re

from feeds.text import MAX_TITLE

# Markers in front of a headline or first line: "UPDATE 2-", "REFILE-", "1ST LEAD:",
# "URGENT:", "Eil:", "BC-", and the bracketed ones anywhere: "(Eil)", "(Adds quotes)".
_PREFIXES = (
    r"(?:(?:UPDATE|REFILE|CORRECTED|RPT|REPEAT|WRAPUP|RECASTS?)\s*\d*\s*[-:]"
    r"|\d+(?:ST|ND|RD|TH)\s+(?:LEAD|WRITETHRU|ADD)\b\s*[-:]?"
    r"|(?:URGENT|FLASH|BULLETIN|ALERT|EIL|EILT|EILMELDUNG|DRINGEND|URGENTE)\s*[-:]"
    r"|BC-)"
)
_BRACKETS = (
    r"\((?:eil|eilt|eilmeldung|urgent|urgente|flash|adds?|updates?|recasts?|corrects?"
    r"|changes?|writethru|refiles?|repeats?|new|neu|aktualisiert|berichtigung|korrektur"
    r"|\d+(?:st|nd|rd|th)\s+(?:lead|writethru))\b[^)]*\)"
)
_WRITETHRUS = r"(?:\d+(?:st|nd|rd|th)\s+)?writethru\b"
_PREFIX = re.compile(rf"^{_PREFIXES}\s*", re.IGNORECASE)
_BRACKETED = re.compile(rf"\s*{_BRACKETS}", re.IGNORECASE)
_WRITETHRU = re.compile(rf"\s*[,;-]?\s*\b{_WRITETHRUS}\s*", re.IGNORECASE)
# Markers are short; longer text is never searched for them (the bracket pattern would take
# time growing with the square of the length).
_LONGEST_MARKER = 300
# A paragraph of markers only: "(Eil)", "UPDATE 2-", "(Adds quotes from the minister)".
_ONLY_MARKERS = re.compile(
    rf"(?:[\s,;:-]*(?:{_PREFIXES}|{_BRACKETS}|\b{_WRITETHRUS}))+[\s,;:-]*", re.IGNORECASE
)
# A whole paragraph that is an editor's note or a service line ("Editor's note: …").
_NOTE = re.compile(
    r"^(?:editor'?s'? note|note to editors?|notes? aux rédactions?|note à la rédaction"
    r"|redaktionshinweis|hinweis an die redaktion|notiz an die redaktion"
    r"|anmerkung (?:an|für) die redaktion|nota (?:alla|per la) redazione|advisory|service)\s*:",
    re.IGNORECASE,
)
# A routing line (an agency's name, then its lowercase desk and routing codes, one with a
# digit: "dpa lm yyzz a3") or an end sign ("=", "(end)", "ENDS").
_ROUTING = re.compile(
    r"^(?:(?i:dpa|afp|ap|apa|sda|ats|ansa|efe|ntb|tt|ritzau|stt|reuters)(?=.*\d)"
    r"(?:\s+[a-z0-9]{1,5}(?:/[a-z0-9]{1,5})*)+"
    r"|[=#*-]+|(?i:\(?(?:ende|end|fin|fine|ends|more|mehr|suite)\)?\.?))$"
)


def clean_headline(headline: str) -> str:
    """The headline without version and urgency markers; stripped. A headline longer than
    any title may be (the loader rejects it) is left as it is."""
    if len(headline) > MAX_TITLE:
        return headline.strip()
    text = _BRACKETED.sub("", headline)
    for _ in range(3):  # "UPDATE 2-1ST LEAD:": markers come stacked
        text = _PREFIX.sub("", text.strip())
    return _WRITETHRU.sub(" ", text).strip(" -:")


def is_for_editors(paragraph: str) -> bool:
    """True for a paragraph that only readers of the wire, not of the site, should see."""
    text = paragraph.strip()
    if not text:
        return True
    if _NOTE.match(text) or _ROUTING.match(text):
        return True
    return len(text) <= _LONGEST_MARKER and bool(_ONLY_MARKERS.fullmatch(text))
