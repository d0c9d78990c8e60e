"""Front matter: the YAML (---) or TOML (+++) block at the top of a Markdown file."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import yaml

from feeds.errors import ArticleError

_FENCES = {"---": ("---", "..."), "+++": ("+++",)}
_TOML_LINE = re.compile(r"at line (\d+), ")  # of the front matter: the file's is shown apart


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader, but a timestamp that is no real date (year 0, 30 February) stays
    text: feeds.dates then says what is wrong with it, on the line of its key."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def split(text: str) -> tuple[dict[str, Any], list[str], str, int]:
    """Split a Markdown file into (front matter, its lines, body, body's first line number)."""
    lines = text.split("\n")
    fence = lines[0].strip()
    if fence not in _FENCES:
        raise ArticleError("no front matter; start the file with a '---' line, then title and date")
    for number, line in enumerate(lines[1:], start=1):
        if line.rstrip() in _FENCES[fence]:
            head = lines[1:number]
            body = "\n".join(lines[number + 1 :])
            data = _toml(head) if fence == "+++" else _yaml(head)
            return data, head, body, number + 2
    raise ArticleError(f"front matter is never closed; end it with a '{fence}' line")


def line_of(head: list[str], key: str) -> int:
    """The file's line number of `key` in the front matter (1 if not found)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]")
    for number, line in enumerate(head, start=2):
        if pattern.match(line):
            return number
    return 1


def _yaml(head: list[str]) -> dict[str, Any]:
    try:
        data = yaml.load("\n".join(head), Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        raise ArticleError(f"front matter is not valid YAML: {exc.problem}", line) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise ArticleError(f"front matter is not valid YAML: {exc}") from None
    except (LookupError, AttributeError, TypeError):
        # PyYAML's constructors fail this way on explicit tags such as `!!bool x`.
        raise ArticleError(
            "front matter is not valid YAML: a '!!' tag does not fit its value"
        ) from None
    _refuse_aliases(data)
    return _mapping(data)


def _toml(head: list[str]) -> dict[str, Any]:
    try:
        return tomllib.loads("\n".join(head))
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        line = int(found[1]) + 1 if found else len(head) + 1  # else "at end of document"
        raise ArticleError(
            f"front matter is not valid TOML: {_TOML_LINE.sub('at ', str(exc))}", line
        ) from None
    except RecursionError:
        raise ArticleError("front matter is not valid TOML: its values nest too deeply") from None


def _refuse_aliases(data: object) -> None:
    """Reject YAML whose anchors make one container appear twice (alias bombs)."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict | list):
            if id(item) in seen:
                raise ArticleError("front matter repeats a YAML anchor (*alias); write values out")
            seen.add(id(item))
            stack.extend(item.values() if isinstance(item, dict) else item)


def _mapping(data: object) -> dict[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise ArticleError(f"front matter is {kind}, not 'key: value' lines")
    return data
