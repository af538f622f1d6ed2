"""Shared fixtures: where the shared data live, and skips when they are absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = (REPO / ".." / "shared" / "data").resolve()
PILOT = SHARED / "cdiscpilot01"
PHARMAVERSERAW = SHARED / "pharmaverseraw"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data not found at {SHARED}")
    return SHARED
