"""The CDISC pilot's standard tables, compared cell for cell with the published displays.

Reference cells live in ``reference/t-*.txt`` with their source (repository, path, commit) in each file's
header. Cells are compared ignoring spaces only (the displays pad numbers for alignment, e.g. ``14 ( 16%)``).
Trailing spacer rows are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output

REF = Path(__file__).parent / "reference"


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _reference(name: str) -> tuple[list[list[str]], list[list[str]]]:
    header, body = [], []
    for line in (REF / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        cells = [_norm(c) for c in line.split("|")]
        (header if cells[0] == "H" else body).append(cells[1:] if cells[0] == "H" else cells)
    return header, body


def _strip_trailing_blanks(rows: list[list[str]]) -> list[list[str]]:
    while rows and not any(rows[-1]):
        rows = rows[:-1]
    return rows


@pytest.fixture(scope="module")
def pilot(shared_data: Path):  # noqa: ANN201
    study = Study.load("cdiscpilot01")
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    adam = AdamFolder(shared_data / "cdiscpilot01" / "adam")
    return {spec.id: run_output(spec, study, adam, "2026-01-01T00:00:00")[0] for spec in catalog.outputs}


def _compare(result, ref_name: str) -> None:  # noqa: ANN001
    ref_header, ref_body = _reference(ref_name)
    got = _strip_trailing_blanks([[_norm(c) for c in row] for row in result.output.grid()])
    ref_body = _strip_trailing_blanks(ref_body)
    diffs = [f"row {i + 1} col {j + 1}: got {g!r}, published {r!r}"
             for i, (grow, rrow) in enumerate(zip(got, ref_body, strict=False))
             for j, (g, r) in enumerate(zip(grow, rrow, strict=True)) if g != r]
    assert len(got) == len(ref_body), f"{len(got)} rows, published {len(ref_body)}"
    assert not diffs, "\n".join(diffs[:40])
    if ref_header:
        ours = [_norm(c.text) for c in result.output.header[-1]]
        assert ours == ref_header[0]


def test_t_14_2_01_demographics_matches_published_display(pilot) -> None:  # noqa: ANN001
    _compare(pilot["t-14-2-01"], "t-14-2-01.txt")


def test_t_14_3_01_primary_endpoint_matches_published_display(pilot) -> None:  # noqa: ANN001
    _compare(pilot["t-14-3-01"], "t-14-3-01.txt")
    header = [_norm(c.text) for c in pilot["t-14-3-01"].output.header[0]]
    assert header[1:] == ["Placebo(N=79)", "XanomelineLowDose(N=81)", "XanomelineHighDose(N=74)"]


def test_t_14_5_01_teae_incidence_matches_published_display(pilot) -> None:  # noqa: ANN001
    _compare(pilot["t-14-5-01"], "t-14-5-01.txt")


def test_pilot_rounding_rule_is_recorded_and_matters(pilot, shared_data: Path) -> None:  # noqa: ANN001
    """Duration of disease, placebo mean 42.65 (stored 42.6499...): the display shows 42.6 (rule ``ieee``);
    SAS-style half-up would print 42.7. Weight median 60.55 shows 60.5, which half-even would not."""
    from cdiscflow.tlf.ard import cell

    ard = pilot["t-14-2-01"].ard
    assert cell(ard, analysis="summary", group="Placebo", variable="DURDIS", statistic="mean") == "42.6"
    value = ard.loc[(ard["variable"] == "DURDIS") & (ard["group"] == "Placebo") & (ard["statistic"] == "mean"),
                    "value"].iloc[0]
    from cdiscflow.tlf.rounding import format_value

    assert format_value(value, 1, "half_up") == "42.7"
    median = ard.loc[(ard["variable"] == "WEIGHTBL") & (ard["group"] == "Placebo") & (ard["statistic"] == "median"),
                     "value"].iloc[0]
    assert (format_value(median, 1, "ieee"), format_value(median, 1, "half_even")) == ("60.5", "60.6")
