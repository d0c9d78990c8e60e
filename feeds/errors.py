"""Exceptions that carry their context; the CLI turns them into one-line messages."""

from __future__ import annotations


class FeedsError(Exception):
    """Base class of every error `feeds` reports to a user."""


class ConfigError(FeedsError):
    """A mistake in config.toml: the file, the key and what is wrong."""

    def __init__(self, path: str, key: str, message: str) -> None:
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")
        self.path = path
        self.key = key
        self.message = message


class ArticleError(FeedsError):
    """An article that cannot be published; `line` is 1-based within the file."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
