"""Fixtures of the reader tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.readers.agencyfixtures import AgencySite


@pytest.fixture
def agency_site(tmp_path: Path) -> AgencySite:
    return AgencySite(tmp_path)
