"""A real `feeds serve` over a small corpus of our own, for tests with real third-party clients.

Real clients (newsboat, Chromium) come from apt. In CI (the `CI` variable set, as `.ci/run`
does) a missing client fails its tests; only on a developer's machine without the package are
they skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

INSTALL = "apt-get install -y newsboat chromium"


def require_binary(*names: str) -> str:
    """The path of the first of `names` on PATH; fail in CI, skip elsewhere, if none is."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    message = f"{names[0]} is not installed; run `{INSTALL}` (.ci/run does it when missing)"
    if os.environ.get("CI"):
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Article:
    """What the corpus promises about one article: its page slug, title, topics and date."""

    slug: str
    title: str
    published: datetime
    topics: tuple[str, ...]

    @property
    def timestamp(self) -> int:
        return int(self.published.timestamp())


CONFIG = """\
[site]
title = "E2E Wire"
base_url = "{base_url}"
description = "End-to-end corpus: wire copy and Markdown."
language = "fr"
timezone = "Europe/Zurich"
author = "Desk"

[build]
articles_dir = "articles"

[[topics]]
slug = "ukraine"
title = "Ukraine"
description = "War and diplomacy."
aliases = ["Ukraine", "Kyiv", "Kiev"]

[[topics]]
slug = "economy"
title = "Économie"
aliases = ["Wirtschaft", "BNS", "SNB"]

[[topics]]
slug = "climate"
title = "Climat"
aliases = ["Klima", "glacier"]
"""

# Wire copy, summer time in Zurich (+02:00), with a picture block and a subheading.
CONVOY = """\
Ukraine Le convoi humanitaire atteint Kharkiv

ATS

21.8.2025 - 06:28

Le convoi de l'ONU est arrivé à Kharkiv après trois jours de route.

Des camions du convoi à l'entrée de la ville.
Des camions du convoi à l'entrée de la ville.
sda

Keystone-SDA

Les autorités locales ont salué l'arrivée de l'aide « tant attendue ».

La suite du voyage

Le convoi doit repartir vers Soumy dès jeudi.
"""

# Wire copy in German, winter time (+01:00), written-out date, Windows line ends.
ORDERS = (
    "Wirtschaft Auftragseingang der Industrie steigt überraschend\r\n\r\n"
    "dpa\r\n\r\n"
    "3. März 2025 14:05\r\n\r\n"
    "Die Bestellungen der Industrie sind im Januar um 3 Prozent gestiegen, größer als erwartet.\r\n"
    "\r\n"
    "Ökonomen sprechen von einer Trendwende.\r\n"
)

# Wire copy from an older system: Windows-1252 bytes, typographic quotes, a German date.
GLACIERS = (
    "Klima Gletscher verlieren \u201eRekordmenge\u201c an Eis\r\n\r\n"
    "SDA\r\n\r\n"
    "12. Februar 2025, 6.28 Uhr\r\n\r\n"
    "Die Schweizer Gletscher haben im vergangenen Jahr so viel Eis verloren wie nie zuvor.\r\n"
).encode("cp1252")

# Markdown: a title full of markup characters, an offset west of UTC, a picture with a URL.
QA = """\
---
title: "Q&A: why <b> stays \\"text\\" & 'quotes' <script>"
date: 2025-10-02T09:15:00-04:00
updated: 2025-10-03T10:00:00-04:00
topics: [economy, climate]
tags: [energy]
author: Jane Doe
lang: en
image:
  src: pictures/chart.png
  caption: "A chart & a <caption>"
  credit: "Photo: Desk"
---
Markup in a title is text: `<b>` is shown as written.

Second paragraph with a [relative link](../glacier-du-rhone/).
"""

# Markdown with TOML front matter, in a topic folder, UTC ("Z").
GLACIER = """\
+++
title = "Le glacier du Rhône a perdu 3 % de son volume — « record »"
date = 2025-06-01T23:30:00Z
+++
Le glacier du Rhône a fondu comme jamais depuis le début des mesures.
"""

# Markdown, Cyrillic, +05:30 (an offset that is not a whole hour).
NIGHT = """\
---
title: "Київ: ніч без світла"
date: "2025-01-05T23:59:59+05:30"
topic: ukraine
lang: uk
---
Місто провело ніч без електрики після атаки.
"""

# Markdown republished from elsewhere: `link` is the canonical URL, yet every feed entry must
# point to our page (Atom rel="alternate"), the original being only rel="related".
REPUBLISHED = """\
---
title: "Repris : la Suisse et l'IA"
date: 2025-11-03T08:00:00+01:00
link: https://example.com/original/swiss-ai
topics: [economy]
---
Cet article a d'abord paru ailleurs.
"""

# Markdown, a date without offset: the site's time zone applies (+01:00 in December).
NEW_YEAR = """\
---
title: "BNS : le taux directeur reste à 0 %"
date: "2025-12-31 23:30"
---
La BNS maintient son taux directeur, annonce-t-elle le soir de la Saint-Sylvestre.
"""

# Raw HTML in Markdown packed with script vectors; every one must be gone or inert.
XSS_VECTORS = """\
<script>document.title='XSS'</script>
<img src=x onerror="document.title='XSS'">
<svg onload="document.title='XSS'"><circle r="1"/></svg>
<a href="javascript:document.title='XSS'">javascript link</a>
<a href="JaVaScRiPt:document.title='XSS'">mixed-case javascript link</a>
<a href="&#106;avascript:document.title='XSS'">entity-encoded javascript link</a>
<a href=" &#x6A;&#x61;vascript&#58;document.title='XSS'">hex-encoded javascript link</a>
<iframe src="javascript:parent.document.title='XSS'"></iframe>
<iframe srcdoc="<script>parent.document.title='XSS'</script>"></iframe>
<style>body{background:url(javascript:document.title='XSS')}</style>
<body onload="document.title='XSS'">
<details open ontoggle="document.title='XSS'"><p>details</p></details>
<a href="data:text/html,<script>document.title='XSS'</script>">data link</a>
<img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>">
<object data="javascript:document.title='XSS'"></object>
<embed src="javascript:document.title='XSS'">
<form action="javascript:document.title='XSS'"><button>go</button></form>
<math><a xlink:href="javascript:document.title='XSS'">math link</a></math>
<p style="background:url(javascript:document.title='XSS')">styled paragraph</p>
<meta http-equiv="refresh" content="0;url=javascript:document.title='XSS'">
<base href="javascript:/">
<img src=x onerror="document.body.setAttribute('data-xss','1')">
<div onmouseover="document.body.setAttribute('data-xss','1')">hover</div>
<<script>script>document.title='XSS'<</script>/script>
<img src=x onerror=alert(1)//
"""

XSS = (
    "---\n"
    "title: \"Hostile <img src=x onerror=alert(1)> & 'vectors'\"\n"
    "date: 2025-09-15T12:00:00+02:00\n"
    "topics: [climate]\n"
    "---\n"
    "Lead paragraph before the hostile markup.\n\n" + XSS_VECTORS + "\nClosing paragraph.\n"
)

FILES: dict[str, str | bytes] = {
    "wire/convoi-kharkiv.txt": CONVOY,
    "wire/auftragseingang.txt": ORDERS,
    "wire/gletscher.txt": GLACIERS,
    "qa-markup-in-titles.md": QA,
    "climate/glacier-du-rhone.md": GLACIER,
    "kyiv-night.md": NIGHT,
    "bns-new-year.md": NEW_YEAR,
    "republished.md": REPUBLISHED,
    "hostile-markup.md": XSS,
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


ARTICLES: tuple[Article, ...] = (
    Article(
        "convoi-kharkiv",
        "Le convoi humanitaire atteint Kharkiv",
        _at("2025-08-21T06:28:00+02:00"),
        ("ukraine",),
    ),
    Article(
        "auftragseingang",
        "Auftragseingang der Industrie steigt überraschend",
        _at("2025-03-03T14:05:00+01:00"),
        ("economy",),
    ),
    Article(
        "gletscher",
        "Gletscher verlieren \u201eRekordmenge\u201c an Eis",
        _at("2025-02-12T06:28:00+01:00"),
        ("climate",),
    ),
    Article(
        "qa-markup-in-titles",
        "Q&A: why <b> stays \"text\" & 'quotes' <script>",
        _at("2025-10-02T09:15:00-04:00"),
        ("economy", "climate"),
    ),
    Article(
        "glacier-du-rhone",
        "Le glacier du Rhône a perdu 3 % de son volume — « record »",
        _at("2025-06-01T23:30:00+00:00"),
        ("climate",),
    ),
    Article("kyiv-night", "Київ: ніч без світла", _at("2025-01-05T23:59:59+05:30"), ("ukraine",)),
    Article(
        "bns-new-year",
        "BNS : le taux directeur reste à 0 %",
        _at("2025-12-31T23:30:00+01:00"),
        ("economy",),
    ),
    Article(
        "republished",
        "Repris : la Suisse et l'IA",
        _at("2025-11-03T08:00:00+01:00"),
        ("economy",),
    ),
    Article(
        "hostile-markup",
        "Hostile <img src=x onerror=alert(1)> & 'vectors'",
        _at("2025-09-15T12:00:00+02:00"),
        ("climate",),
    ),
)
TOPICS = ("ukraine", "economy", "climate")


def articles_in(topic: str) -> list[Article]:
    """The corpus articles a topic's feed holds (`all`: every one), newest first."""
    chosen = [a for a in ARTICLES if topic == "all" or topic in a.topics]
    return sorted(chosen, key=lambda article: article.published, reverse=True)


@dataclass(frozen=True)
class Server:
    """A running `feeds serve`: its base URL and the folder of its site."""

    base_url: str
    root: Path

    def url(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def log(self) -> str:
        """What the server wrote so far: its log and one access-log line per request."""
        return (self.root / "server.log").read_text(encoding="utf-8", errors="replace")

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a GET (without gzip unless `headers` ask for it)."""
        request = urllib.request.Request(self.url(path), headers=headers or {})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read(), dict(response.headers.items())


def write_site(root: Path, base_url: str, files: dict[str, str | bytes] = FILES) -> Path:
    """config.toml and articles/ under `root` (str as UTF-8, bytes as they are); returns the
    config's path."""
    for name, content in files.items():
        path = root / "articles" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    config = root / "config.toml"
    config.write_text(CONFIG.format(base_url=base_url), encoding="utf-8")
    return config


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    root: Path, files: dict[str, str | bytes] = FILES, timeout: float = 20
) -> Iterator[Server]:
    """Run `python -m feeds serve` (one gunicorn worker) over the corpus until the block ends."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/"
    config = write_site(root, base_url, files)
    log_path = root / "server.log"
    command = [sys.executable, "-m", "feeds", "serve", "--config", str(config)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=root
        )
    try:
        _wait_healthy(process, base_url + "healthz", log_path, timeout)
        yield Server(base_url, root)
    finally:
        _stop(process)


def _wait_healthy(
    process: subprocess.Popen[bytes], url: str, log_path: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = log_path.read_text("utf-8", "replace")
            raise RuntimeError(f"feeds serve exited with {process.returncode}:\n{log}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.05)
    log = log_path.read_text("utf-8", "replace")
    raise RuntimeError(f"feeds serve did not answer {url} within {timeout} s:\n{log}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_client(
    command: Sequence[str], home: Path, timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    """Run a client with HOME (and XDG folders) in `home`, stdin from /dev/null, a timeout.

    The client gets its own process group, killed whole on timeout (Chromium forks helpers).
    """
    home.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
    }
    with subprocess.Popen(
        list(command),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise AssertionError(
                f"{command[0]} timed out after {timeout} s: {stderr.decode(errors='replace')}"
            ) from None
        finally:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # helpers left behind, if any
    return subprocess.CompletedProcess(list(command), process.returncode, stdout, stderr)
