"""The CDISC pilot's section 14.3 efficacy tables and Figure 14-1, compared cell for cell with the published CSR.

The published cells are transcribed in ``reference/t-14-3-*.txt`` (each file names its CSR page); every body
cell of the output is compared with them ignoring spaces (the CSR pads numbers for alignment) and blank
spacer rows. No cell is exempt: what it took to match (rounding half up, the NPI-X weekly means, SAS 9.1 median
limits) is explained in ``docs/parity/pilot-tlf-efficacy.md``.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from tests.studies.cdiscpilot01.published import norm, pilot_outputs, reference

IDS = ["t-14-3-02", "t-14-3-03", "t-14-3-04", "t-14-3-05", "t-14-3-06", "t-14-3-07", "t-14-3-08", "t-14-3-09", "t-14-3-10",
       "t-14-3-11", "t-14-3-12", "t-14-3-13"]


@pytest.fixture(scope="module")
def pilot(shared_data: Path):  # noqa: ANN201
    return pilot_outputs(shared_data, IDS)


def compare_with_published(result, oid: str) -> None:  # noqa: ANN001
    """Every non-blank body row and the header N of ``oid`` equal the published display."""
    ns, ref = reference(oid)
    got = [[norm(c) for c in row] for row in result.output.grid() if any(c.strip() for c in row)]
    assert len(got) == len(ref), f"{oid}: {len(got)} rows, published {len(ref)}"
    diffs = []
    for i, (grow, rrow) in enumerate(zip(got, ref, strict=True), start=1):
        assert len(grow) == len(rrow), f"{oid} row {i}: {len(grow)} cells, published {len(rrow)}"
        diffs += [f"row {i} col {j}: got {g!r}, published {r!r}"
                  for j, (g, r) in enumerate(zip(grow, rrow, strict=True), start=1) if g != r]
    assert not diffs, f"{oid}:\n" + "\n".join(diffs[:40])
    header_ns = [m.group(0) for c in result.output.header[-1] for m in [re.search(r"\(N=\d+\)", norm(c.text))] if m]
    assert [n.replace("N=", "") for n in header_ns] == ns


@pytest.mark.parametrize("oid", IDS)
def test_efficacy_table_matches_published_display(pilot, oid: str) -> None:  # noqa: ANN001
    compare_with_published(pilot[oid], oid)


# Figure 14-1 (CSR page 151): the table inside the plot and the log-rank box, as published.
FIGURE_14_1 = {
    "Placebo": ["86", "34% (29)", "66% (57)", "NA ( NA NA )"],
    "Xanomeline High Dose": ["84", "73% (61)", "27% (23)", "36.0 ( 24.0 46.0)"],
    "Xanomeline Low Dose": ["84", "74% (62)", "26% (22)", "33.0 ( 27.0 48.0)"],
}
FIGURE_14_1_LOGRANK = "Logrank p<.0001"


@pytest.fixture(scope="module")
def km_figure(shared_data: Path):  # noqa: ANN201
    return [pilot_outputs(shared_data, ["f-14-1"])["f-14-1"] for _ in range(2)]


def test_figure_14_1_summary_matches_published_display(km_figure) -> None:  # noqa: ANN001
    from cdiscflow.tlf.shells import Cells

    result = km_figure[0]
    cells = Cells(result.ard)
    patterns = ["{n}", "{events_pct}% ({events})", "{censored_pct}% ({censored})",
                "{median} ({median_lower} {median_upper})"]
    got = {g: [norm(cells.fill(p, analysis="tte", group=g, variable="AVAL")) for p in patterns]
           for g in FIGURE_14_1}
    assert got == {g: [norm(c) for c in row] for g, row in FIGURE_14_1.items()}
    svg = norm(html.unescape(result.output.svg.decode("utf-8")))
    for row in FIGURE_14_1.values():  # the drawn figure shows the same texts
        assert all(norm(c) in svg for c in row)
    assert norm(FIGURE_14_1_LOGRANK) in svg
    # numbers at risk: everyone at time 0, nobody past the end of follow-up
    at_risk = result.ard[result.ard["analysis"] == "at_risk"]
    assert at_risk.loc[at_risk["by"] == "0", "value"].tolist() == [86.0, 84.0, 84.0]
    assert at_risk.loc[at_risk["by"] == "200", "value"].tolist() == [0.0, 0.0, 0.0]


def test_figure_14_1_is_reproducible_byte_for_byte(km_figure) -> None:  # noqa: ANN001
    first, second = km_figure
    assert first.output.png == second.output.png and first.output.svg == second.output.svg
    assert first.output.png.startswith(b"\x89PNG")
