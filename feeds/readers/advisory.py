"""What agencies write for editors, never for readers: version markers, notes, routing lines.

A headline loses its markers ("UPDATE 2-", "1ST LEAD:", "(Eil)", "(Adds …)", "Writethru");
a paragraph made only of a marker, an editor's note or a routing/service line is dropped.
"""

from __future__ import annotations

import re

# Markers in front of a headline or first line: "UPDATE 2-", "REFILE-", "1ST LEAD:",
# "URGENT:", "Eil:", "BC-", and the bracketed ones anywhere: "(Eil)", "(Adds quotes)".
_PREFIX = re.compile(
    r"^(?:(?:UPDATE|REFILE|CORRECTED|RPT|REPEAT|WRAPUP|RECASTS?)\s*\d*\s*[-:]"
    r"|\d+(?:ST|ND|RD|TH)\s+(?:LEAD|WRITETHRU|ADD)\b\s*[-:]?"
    r"|(?:URGENT|FLASH|BULLETIN|ALERT|EIL|EILT|EILMELDUNG|DRINGEND|URGENTE)\s*[-:]"
    r"|BC-)\s*",
    re.IGNORECASE,
)
_BRACKETED = re.compile(
    r"\s*\((?:eil|eilt|eilmeldung|urgent|urgente|flash|adds?|updates?|recasts?|corrects?"
    r"|changes?|writethru|refiles?|repeats?|new|neu|aktualisiert|berichtigung|korrektur"
    r"|\d+(?:st|nd|rd|th)\s+(?:lead|writethru))\b[^)]*\)",
    re.IGNORECASE,
)
_WRITETHRU = re.compile(r"\s*[,;-]?\s*\b(?:\d+(?:st|nd|rd|th)\s+)?writethru\b\s*", re.IGNORECASE)
# A whole paragraph that is an editor's note, a routing or service line, or an end sign.
_NOTE = re.compile(
    r"^(?:editor'?s'? note|note to editors?|notes? aux rédactions?|note à la rédaction"
    r"|redaktionshinweis|hinweis an die redaktion|notiz an die redaktion"
    r"|anmerkung (?:an|für) die redaktion|nota (?:alla|per la) redazione|advisory|service)\b",
    re.IGNORECASE,
)
_ROUTING = re.compile(
    r"^(?:(?:dpa|afp|ap|apa|sda|ats|ansa|efe|ntb|tt|ritzau|stt|reuters)"
    r"(?:\s+[a-z0-9]{1,5}(?:/[a-z0-9]{1,5})*)+"
    r"|[=#*-]+|\(?(?:ende|end|fin|fine|ends|more|mehr|suite)\)?\.?|\d{6}\s+\w{3,4}\s+\w{2,4})$",
    re.IGNORECASE,
)


def clean_headline(headline: str) -> str:
    """The headline without version and urgency markers; stripped."""
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
    return not clean_headline(text)
