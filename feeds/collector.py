"""Pausing Python's cyclic garbage collector while a burst of long-lived objects is made."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; the collector is as it was again afterwards.

    Each collection walks every container object alive: with tens of thousands of entries
    loaded, that time is wasted when nothing made is garbage in a cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
