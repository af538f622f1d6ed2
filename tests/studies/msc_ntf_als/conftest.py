"""One simulate → sdtm → adam chain of the built-in study per test session, shared by the ADaM and TLF tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.cli import main


@pytest.fixture(scope="session")
def als_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cdiscflow simulate``, ``sdtm`` and ``adam`` on the default seed; returns ``<out>/msc_ntf_als``.

    Tests must treat the folder as read-only (copy before planting faults).
    """
    out = tmp_path_factory.mktemp("als_chain")
    assert main(["simulate", "--out", str(out)]) == 0
    raw = out / "msc_ntf_als" / "raw"
    assert main(["sdtm", "--study", "msc_ntf_als", "--raw", str(raw), "--out", str(out)]) == 0
    sdtm = out / "msc_ntf_als" / "sdtm"
    assert main(["adam", "--study", "msc_ntf_als", "--sdtm", str(sdtm), "--out", str(out)]) == 0
    return out / "msc_ntf_als"
