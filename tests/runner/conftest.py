"""Fixtures for the runner tests: a small study folder and a CLI whose steps are test kinds."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import runner_kinds

from cdiscflow import cli
from cdiscflow.runner import command

VAR = "variables: [{name: STUDYID, label: Study Identifier, type: Char, length: 12}]"
SPECS = {
    "specs/sdtm/dm.yaml": f"dataset: DM\nlabel: Demographics\n{VAR}\n",
    "specs/sdtm/ae.yaml": f"dataset: AE\nlabel: Adverse Events\n{VAR}\n",
    "specs/sdtm/suppae.yaml": f"dataset: SUPPAE\nlabel: Supplemental AE\nsource: AE\n{VAR}\n",
    "specs/sdtm/vs.yaml": f"dataset: VS\nlabel: Vital Signs\n{VAR}\n",
    "specs/adam/adsl.yaml": f"dataset: ADSL\nlabel: Subject-Level\nstandard: ADaM\nsource: [DM]\n{VAR}\n",
    "specs/adam/adae.yaml": (f"dataset: ADAE\nlabel: AE Analysis\nstandard: ADaM\nsource: [AE, SUPPAE]\n"
                             f"settings: {{depends: [ADSL]}}\n{VAR}\n"),
    "specs/adam/advs.yaml": f"dataset: ADVS\nlabel: VS Analysis\nstandard: ADaM\nsettings: {{depends: [ADSL]}}\n{VAR}\n",
    "specs/codelists.yaml": "codelists: []\n",
    "study.yaml": ("name: teststudy\nstudyid: TEST-01\ntitle: 'A <test> study & more'\nsimulated: true\ncode: {simulate: [programs]}\n"),
    "programs.py": "X = 1\n",
    "tlf/catalog.yaml": textwrap.dedent("""\
        defaults: {formats: [rtf, html, pdf]}
        outputs:
          - {id: t-1, title: Demographics, datasets: [ADSL], program: p}
          - {id: t-2, title: Adverse events, datasets: [ADAE], program: p}
          - {id: f-1, title: Vital signs figure, datasets: [ADVS], program: p, formats: [html]}
        """),
}


def make_study(root: Path, files: dict[str, str] | None = None) -> Path:
    for rel, text in {**SPECS, **(files or {})}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    return make_study(tmp_path / "teststudy")


@pytest.fixture
def run_cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str]]:
    """``run_cli(*argv)`` → (exit code, stdout) of ``cdiscflow run`` with test step kinds."""
    real = command.build_graph
    monkeypatch.setattr(command, "build_graph", lambda *a, **k: runner_kinds.fake(real(*a, **k)))
    monkeypatch.setenv("CI", "true")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # recorded, so that the run's own setting is undone after
    monkeypatch.delenv("SOURCE_DATE_EPOCH")

    def go(*argv: str) -> tuple[int, str]:
        capsys.readouterr()
        code = cli.main(["run", *argv])
        return code, capsys.readouterr().out

    return go
