"""``cdiscflow adam``: errors reach the user as messages, not tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.cli import main


def test_missing_sdtm_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["adam", "--study", "cdiscpilot01", "--sdtm", str(tmp_path / "absent"), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "SDTM folder not found" in err and "Traceback" not in err
    assert not (tmp_path / "cdiscpilot01" / "adam").exists()


def test_unknown_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["adam", "--study", "cdiscpilot01", "--sdtm", str(tmp_path), "--out", str(tmp_path),
                 "--datasets", "ADXX"])
    assert code == 2
    assert "no ADaM spec for ADXX" in capsys.readouterr().err


def test_missing_sdtm_domain(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["adam", "--study", "cdiscpilot01", "--sdtm", str(tmp_path), "--out", str(tmp_path)])
    assert code == 2
    assert "ADSL needs SDTM DM" in capsys.readouterr().err
