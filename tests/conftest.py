"""Shared fixtures. Corpus access first; app/db fixtures follow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
TEST_DATA = Path(__file__).resolve().parent / "data"


def require_services() -> bool:
    """True when CI forbids skipping tests that need real services or the corpus."""
    return os.environ.get("DEBRIEF_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The shared real-file corpus (../shared/corpus); skipped only outside CI."""
    if not CORPUS.is_dir():
        if require_services():
            pytest.fail(f"DEBRIEF_REQUIRE_SERVICES=1 but the corpus is missing at {CORPUS}")
        pytest.skip("../shared/corpus is not beside the repository")
    return CORPUS


@pytest.fixture(scope="session")
def test_data() -> Path:
    """Small fixtures written for these tests (tests/data)."""
    return TEST_DATA
