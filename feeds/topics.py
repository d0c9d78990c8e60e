"""Topic matching: kickers, names and aliases, case- and accent-insensitive."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from feeds.model import Topic
from feeds.text import fold

# Quotation marks that may open a title: straight, angle, low-9 and curly ones.
_QUOTES = "\"'\u00ab\u00bb\u2039\u203a\u201a\u201e\u2018\u2019\u201c\u201d"


class TopicMatcher:
    """Finds the topics of an article from its kicker, its names or its text."""

    def __init__(self, topics: Sequence[Topic]) -> None:
        self._names: dict[str, list[str]] = {}
        self._subjects: dict[str, list[str]] = {}
        for topic in topics:
            for name in (topic.slug, topic.title, *topic.aliases):
                slugs = self._names.setdefault(" ".join(fold(name).split()), [])
                if topic.slug not in slugs:
                    slugs.append(topic.slug)
            for code in topic.subjects:
                self._subjects.setdefault(code.casefold(), []).append(topic.slug)
        self._longest_kicker = max((len(name.split()) for name in self._names), default=0)
        self._alias_patterns = [
            (topic.slug, _whole_words([fold(alias) for alias in topic.aliases]))
            for topic in topics
            if topic.aliases
        ]

    def named(self, name: str) -> tuple[str, ...]:
        """Topics whose slug, title or alias is `name`."""
        return tuple(self._names.get(" ".join(fold(name).split()), ()))

    def subjects(self, codes: Iterable[str]) -> tuple[str, ...]:
        """Topics whose `subjects` include one of the agency subject `codes` (qcodes)."""
        found = (slug for code in codes for slug in self._subjects.get(code.casefold(), ()))
        return tuple(dict.fromkeys(found))

    def kicker(self, headline: str) -> tuple[tuple[str, ...], str, str]:
        """Split a wire headline into (topics, kicker, title) by its longest matching kicker.

        The longest topic name in front is a kicker only if the title after it starts like
        one (see `_starts_a_title`); otherwise the headline is a sentence that starts with
        that name, and no shorter name is tried. Without a kicker: ((), "", headline). A
        headline that is only a kicker keeps it as the title, with no kicker found.
        """
        words = headline.split()
        for count in range(min(self._longest_kicker, len(words) - 1), 0, -1):
            slugs = self.named(" ".join(words[:count]))
            if not slugs:
                continue
            title = " ".join(words[count:])
            if _starts_a_title(title):
                return slugs, " ".join(words[:count]), title
            break
        return (), "", headline

    def mentioned(self, texts: Iterable[str]) -> tuple[str, ...]:
        """Topics with an alias found as whole words in any of `texts`."""
        folded = [fold(text) for text in texts]
        return tuple(
            slug
            for slug, pattern in self._alias_patterns
            if any(pattern.search(text) for text in folded)
        )


def _starts_a_title(text: str) -> bool:
    """`text` starts with a capital letter, a digit or a quotation mark."""
    first = text[:1]
    return first.isupper() or first.isdigit() or first in _QUOTES


def _whole_words(phrases: list[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(phrase) for phrase in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
