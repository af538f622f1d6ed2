"""Generic efficacy programs on a small study: option checking names the entry, the time-to-event table,
the plots (every plotted number in the ARD) and the forest plot's per-subgroup ANCOVA."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.study import Study
from cdiscflow.tlf.catalog import parse_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output
from cdiscflow.tlf.shells import Cells
from cdiscflow.tlf.stats.survival import survival_quantile

GROUP = {"var": "TRTP", "levels": ["P", "A"]}


@pytest.fixture()
def mini(tmp_path: Path) -> tuple[Study, AdamFolder]:
    (tmp_path / "study.yaml").write_text("name: mini\nstudyid: MINI01\n")
    adam = tmp_path / "adam"
    adam.mkdir()
    rng = np.random.default_rng(7)
    subjects = [f"S{i:02d}" for i in range(40)]
    arm = ["P" if i % 2 else "A" for i in range(40)]
    sex = ["F" if i % 3 else "M" for i in range(40)]
    pd.DataFrame({"USUBJID": subjects, "TRT01P": arm, "SEX": sex}).to_csv(adam / "adsl.csv", index=False)
    rows = [{"USUBJID": s, "TRTP": a, "SEX": x, "AVISIT": v, "AVISITN": n, "BASE": 20.0 + i % 5,
             "CHG": float(rng.normal(1.0 + (a == "A") * n / 8, 2))}
            for i, (s, a, x) in enumerate(zip(subjects, arm, sex, strict=True))
            for v, n in (("Week 8", 8), ("Week 16", 16))]
    pd.DataFrame(rows).to_csv(adam / "adqs.csv", index=False)
    times = rng.exponential(50, 40).round() + 1
    pd.DataFrame({"USUBJID": subjects, "TRTA": arm, "PARAMCD": "TTE", "AVAL": times,
                  "CNSR": (np.arange(40) % 4 == 0).astype(float)}).to_csv(adam / "adtte.csv", index=False)
    return Study.load(str(tmp_path), tmp_path / "out"), AdamFolder(adam)


def _run(mini: tuple[Study, AdamFolder], program: str, options: dict, datasets: list[str]):  # noqa: ANN202
    spec = parse_catalog({"outputs": [{"id": "x-1", "title": "T", "program": program, "datasets": datasets,
                                       "population": {"label": "All", "dataset": "ADSL"}, "rounding": "half_up",
                                       "options": options}]}).outputs[0]
    return run_output(spec, mini[0], mini[1], "stamp")[0]


def test_unknown_or_missing_option_names_the_entry(mini) -> None:  # noqa: ANN001
    base = {"dataset": "ADQS", "group": GROUP, "response": "CHG", "reference": "P", "where": 'AVISIT == "Week 8"'}
    with pytest.raises(SpecError, match=r"output x-1: options.respnse is unknown"):
        _run(mini, "ancova", {**base, "respnse": "CHG"}, ["ADQS"])
    with pytest.raises(SpecError, match=r"output x-1: options.reference is missing"):
        _run(mini, "ancova", {k: v for k, v in base.items() if k != "reference"}, ["ADQS"])
    with pytest.raises(SpecError, match=r"output x-1: options.sections\[1\].var names CHANGE"):
        _run(mini, "ancova", {**base, "sections": [{"label": "Change", "var": "CHANGE"}]}, ["ADQS"])
    with pytest.raises(SpecError, match=r"options.statistics.*unknown field \{avg\}"):
        _run(mini, "ancova", {**base, "sections": [{"label": "C", "var": "CHG"}], "statistics": [["Avg", "{avg}"]]},
             ["ADQS"])
    with pytest.raises(SpecError, match=r"output x-1: options.df 'containment' is unknown"):
        _run(mini, "mmrm", {**base, "visit": "AVISIT", "terms": ["TRTP"], "df": "containment"}, ["ADQS"])
    with pytest.raises(SpecError, match=r"output x-1: options.conftype"):
        _run(mini, "tte_table", {"dataset": "ADTTE", "group": {"var": "TRTA", "levels": ["P", "A"]},
                                 "conftype": "wide"}, ["ADTTE"])


def test_tte_table_rows_come_from_the_survival_statistics(mini) -> None:  # noqa: ANN001
    res = _run(mini, "tte_table", {"dataset": "ADTTE", "group": {"var": "TRTA", "levels": ["P", "A"]},
                                   "reference": "P", "population_group_var": "TRT01P", "timepoints": [30]},
               ["ADTTE"])
    tte = mini[1].get("ADTTE")
    grid = res.output.grid()
    assert [r[0] for r in grid] == ["Subjects", "Events", "Censored", "Median (95% CI)",
                                    "Event-free at 30 (95% CI)", "Log-rank p-value", "Hazard ratio (95% CI) vs P"]
    p = tte[tte["TRTA"] == "P"]
    med = survival_quantile(p["AVAL"].astype(float), 1 - p["CNSR"].astype(float))
    assert grid[0][1:] == ["20", "20"]
    events = 1 - p["CNSR"].astype(float)
    assert grid[1][1] == f"{int(events.sum())} ({100 * events.mean():.0f}%)"
    assert grid[3][1].startswith(f"{med['estimate']:.1f} (")
    assert grid[6][1] == "" and grid[6][2].count(",") == 1


def test_mean_and_box_plots_hold_their_numbers_in_the_ard(mini) -> None:  # noqa: ANN001
    opts = {"dataset": "ADQS", "group": GROUP, "x": "AVISIT", "x_order": "AVISITN", "y": "CHG"}
    for program in ("mean_plot", "box_plot"):
        res = _run(mini, program, opts, ["ADQS"])
        assert res.output.png.startswith(b"\x89PNG")
        cells = Cells(res.ard)
        data = mini[1].get("ADQS")
        at = data[(data["AVISIT"] == "Week 16") & (data["TRTP"] == "A")]["CHG"].astype(float)
        assert float(cells.get("mean", analysis="summary", group="A", by="Week 16", variable="CHG")) == \
            pytest.approx(at.mean(), abs=0.06)
        assert list(dict.fromkeys(res.ard["by"])) == ["Week 8", "Week 16"]  # ordered by AVISITN


def test_forest_plot_fits_each_subgroup(mini) -> None:  # noqa: ANN001
    res = _run(mini, "forest_plot", {"dataset": "ADQS", "where": 'AVISIT == "Week 16"', "group": GROUP,
                                     "reference": "P", "response": "CHG", "covariates": ["BASE"],
                                     "subgroups": [{"var": "SEX", "label": "Sex"}]}, ["ADQS"])
    est = res.ard[res.ard["statistic"] == "estimate"]
    assert list(zip(est["by_var"], est["by"], strict=True)) == [("", ""), ("SEX", "F"), ("SEX", "M")]
    data = mini[1].get("ADQS")
    wk = data[(data["AVISIT"] == "Week 16") & (data["SEX"] == "M")].astype({"CHG": float, "BASE": float})
    import statsmodels.formula.api as smf

    ols = smf.ols("CHG ~ C(TRTP, Treatment('P')) + BASE", data=wk).fit()
    assert est["value"].iloc[2] == pytest.approx(ols.params["C(TRTP, Treatment('P'))[T.A]"])
