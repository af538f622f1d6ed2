"""``cdiscflow simulate`` runs the study's own simulator (``code: {simulate: [...]}``), loaded from its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.cli import main

SIMULATOR = '''\
from pathlib import Path


def simulate(out, seed=1, subjects=None):
    raw = Path(out) / "{folder}" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    (raw / "dm.csv").write_text("SUBJID,SEED\\n" + "".join(f"{{i}},{{seed}}\\n" for i in range(subjects or 2)))
    return raw
'''


def make(tmp_path: Path, folder: str, code: str = "code: {simulate: [sim]}\n") -> Path:
    root = tmp_path / "study"
    root.mkdir()
    (root / "study.yaml").write_text(f"name: mine\nstudyid: MINE\n{code}")
    (root / "sim.py").write_text(SIMULATOR.format(folder=folder))
    return root


def test_the_study_simulator_writes_raw(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = make(tmp_path, "mine")
    assert main(["simulate", "--study", str(root), "--out", str(tmp_path / "out"), "--seed", "5",
                 "--subjects", "3"]) == 0
    assert (tmp_path / "out/mine/raw/dm.csv").read_text() == "SUBJID,SEED\n0,5\n1,5\n2,5\n"
    assert "written to" in capsys.readouterr().out


@pytest.mark.parametrize(("folder", "code", "message"), [
    ("mine", "", "has no simulator"),
    ("elsewhere", "code: {simulate: [sim]}\n", "the simulator wrote"),
])
def test_no_or_misplaced_simulator_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], folder: str,
                                               code: str, message: str) -> None:
    root = make(tmp_path, folder, code)
    assert main(["simulate", "--study", str(root), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert message in err and "code.simulate" in err
