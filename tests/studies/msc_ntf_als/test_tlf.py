"""The built-in study's TLFs: simulate → SDTM → ADaM → TLF once, then the paper's Tables 1-3 cell for cell
and the key results of Figure 2 recomputed independently (plain pandas + scipy from the ADaM XPT files).

Comparison rules with the published tables (Berry et al., Neurology 2019;93:e2294):

* Table 1: every cell as text, exactly.
* Table 2 and Table 3: counts exactly; percentages as numbers at one decimal, because the paper prints them
  inconsistently ("100" and "25" next to "97.2" and "75.0"); our outputs always print one decimal and a
  zero count as "0". Documented exception: Table 2 prints 2/12 participants with an SAE as "16.6"; the
  correctly rounded value 16.7 is shown (:data:`T2_EXCEPTIONS`).
* Table 3 row order: by decreasing MSC-NTF percentage; within ties the paper's order is not alphabetical
  (Pyrexia before Arthralgia; Myalgia, Cough, Nausea) while ours is, so rows are compared as a set and the
  order only through the MSC-NTF percentages.
* Labels: footnote markers (" [a]", " [b]") are ignored.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import statsmodels.formula.api as smf
from pypdf import PdfReader
from scipy import stats

from cdiscflow.cli import main
from cdiscflow.errors import SpecError
from cdiscflow.study import Study
from cdiscflow.tlf.ard import read_ard
from cdiscflow.tlf.book import write_book
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, run_catalog, run_output
from cdiscflow.tlf.render import soffice_path

TRT, PBO = "MSC-NTF cells", "Placebo"

# ---- the published tables (the only place the paper's numbers appear) --------------------------------
T1_HEADER = ["", "MSC-NTF (n = 36)", "Placebo (n = 12)", "All participants (n = 48)"]
T1 = [
    ["Sex", "", "", ""],
    ["Male", "25 (69.4)", "10 (83.3)", "35 (72.9)"],
    ["Female", "11 (30.6)", "2 (16.7)", "13 (27.1)"],
    ["Age, y", "50.3 (11.90)", "53.5 (9.11)", "51.1 (11.27)"],
    ["El Escorial criteria", "", "", ""],
    ["Possible", "3 (8.3)", "1 (8.3)", "4 (8.3)"],
    ["Laboratory-supported probable", "5 (13.9)", "1 (8.3)", "6 (12.5)"],
    ["Probable", "16 (44.4)", "7 (58.3)", "23 (47.9)"],
    ["Definite", "12 (33.3)", "3 (25.0)", "15 (31.3)"],
    ["ALS medical history, months since diagnosis", "9.00 (5.57)", "9.01 (4.63)", "9.00 (5.31)"],
    ["ALS medical history, months since first symptom", "17.62 (3.79)", "16.75 (3.10)", "17.40 (3.62)"],
]
T2_HEADER = ["TEAEs", "MSC-NTF cells, n = 36, n (%)", "Placebo, n = 12, n (%)"]
T2 = [
    ["TEAEs", "585", "109"],
    ["Participants with at least 1 TEAE", "36 (100)", "12 (100)"],
    ["Treatment-related TEAEs", "197", "32"],
    ["Participants with at least 1 treatment-related TEAE", "35 (97.2)", "9 (75.0)"],
    ["Treatment-related serious TEAEs", "0", "0"],
    ["Participants with at least 1 treatment-related serious TEAE", "0", "0"],
    ["Participants with TEAEs by maximum severity", "", ""],
    ["Mild", "36 (100)", "12 (100)"],
    ["Moderate", "34 (94.4)", "10 (83.3)"],
    ["Severe", "3 (8.3)", "1 (8.3)"],
    ["Potentially life-threatening", "1 (2.8)", "0"],
    ["SAEs", "14", "2"],
    ["Participants with at least 1 SAE", "9 (25)", "2 (16.6)"],
    ["Participants with at least 1 treatment-emergent SAE", "8 (22.2)", "1 (8.3)"],
    ["Participants with treatment-related SAE", "0", "0"],
    ["Participants with TEAEs resulting in treatment withdrawal", "0", "0"],
    ["Participants with TEAEs resulting in withdrawal from study", "0", "0"],
    ["Participants with TEAEs resulting in death", "0", "0"],
]
# (row, column) -> (published, shown): the paper's own rounding slip, 2/12 = 16.67 %
T2_EXCEPTIONS = {("Participants with at least 1 SAE", 2): ("2 (16.6)", "2 (16.7)")}
T3 = [
    ["Headache and procedural headache", "80.6", "66.7"],
    ["Back pain", "72.2", "8.3"],
    ["Pyrexia", "33.3", "0"],
    ["Arthralgia", "33.3", "0"],
    ["Injection site pain", "27.8", "8.3"],
    ["Constipation", "25", "8.3"],
    ["Pain in extremity", "22.2", "0"],
    ["Neck pain", "19.4", "0"],
    ["Myalgia", "16.7", "0"],
    ["Cough", "16.7", "0"],
    ["Nausea", "16.7", "0"],
]
# Figure 2 C/D and the text: (subgroup, week) -> responders/N per arm, Fisher p, 95% CI of the difference (%)
FIG2 = {
    ("All participants", "Week 4"): {"n": (17, 1), "N": (36, 11), "p": 0.033},
    ("Rapid progressors", "Week 4"): {"n": (12, 0), "N": (15, 5), "p": 0.004, "ci": (59.8, 100.0)},
    ("Rapid progressors", "Week 12"): {"n": (8, 0), "N": (15, 6), "p": 0.046, "ci": (28.1, 78.6)},
}


# ---- fixtures ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def adam_dir(als_chain: Path) -> Path:
    """The ADaM folder of the shared simulate → sdtm → adam chain (conftest.py)."""
    return als_chain / "adam"


@pytest.fixture(scope="module")
def results(adam_dir: Path) -> dict:
    """Every catalog output's ProgramResult, computed in-process (no files)."""
    study = Study.load("msc_ntf_als")
    catalog = load_catalog(study.root / "tlf" / "catalog.yaml")
    adam = AdamFolder(adam_dir)
    return {spec.id: run_output(spec, study, adam, "2026-01-01T00:00:00")[0] for spec in catalog.outputs}


@pytest.fixture(scope="module")
def adam(adam_dir: Path):
    return lambda name: pyreadstat.read_xport(str(adam_dir / f"{name.lower()}.xpt"), encoding="utf-8")[0]


def _label(text: str) -> str:
    return re.sub(r"\s*\[[a-z]\]$", "", text.strip())


def _grid(result) -> list[list[str]]:  # noqa: ANN001
    return [[_label(r[0]), *r[1:]] for r in result.output.grid() if any(c.strip() for c in r)]


def _numbers(text: str) -> list[float]:
    return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", text)]


# ---- Tables 1-3 against the paper ----------------------------------------------------------------------
def test_table1_equals_the_paper_cell_for_cell(results: dict) -> None:
    t1 = results["t-1"].output
    assert [c.text.replace("\n", " ") for c in t1.header[0]] == T1_HEADER
    assert _grid(results["t-1"]) == T1


def test_table1_numbers_come_from_the_ard(results: dict, adam) -> None:  # noqa: ANN001
    ard = results["t-1"].ard
    adsl = adam("ADSL")
    itt = adsl[adsl["ITTFL"] == "Y"]
    age = ard[(ard["variable"] == "AGE") & (ard["statistic"] == "mean")].set_index("group")["value"]
    expected = itt.groupby("TRT01P")["AGE"].mean()
    assert age[[TRT, PBO]].to_numpy() == pytest.approx(expected[[TRT, PBO]].to_numpy())
    assert age["All participants"] == pytest.approx(itt["AGE"].mean())


def test_table2_equals_the_paper_with_documented_exception(results: dict) -> None:
    assert [c.text.replace("\n", " ") for c in results["t-2"].output.header[0]] == T2_HEADER
    ours = _grid(results["t-2"])
    assert [r[0] for r in ours] == [r[0] for r in T2]
    differences = {}
    for mine, paper in zip(ours, T2, strict=True):
        for j in (1, 2):
            if mine[j] != paper[j]:
                differences[(paper[0], j)] = (paper[j], mine[j])
    exact_rounding = {k: v for k, v in differences.items() if _numbers(v[0]) != _numbers(v[1])}
    assert exact_rounding == T2_EXCEPTIONS
    # every other difference is the paper's display of a percentage without its decimal ("100", "25")
    assert set(differences) - set(T2_EXCEPTIONS) == {
        ("Participants with at least 1 TEAE", 1), ("Participants with at least 1 TEAE", 2),
        ("Mild", 1), ("Mild", 2), ("Participants with at least 1 SAE", 1)}
    assert 100 * 2 / 12 == pytest.approx(16.667, abs=1e-3)


def test_table2_severity_rows_count_every_severity(results: dict, adam) -> None:  # noqa: ANN001
    """As published, the 'maximum severity' rows count participants with at least one TEAE of each severity."""
    ard = results["t-2"].ard
    n = ard[(ard["statistic"] == "n") & ard["by"].str.startswith("Participants with TEAEs by maximum severity")]
    assert set(n["category"]) == {"Mild", "Moderate", "Severe", "Potentially life-threatening"}
    per_arm = n.groupby("group")["value"].sum()
    assert per_arm[TRT] > 36 and per_arm[PBO] > 12
    ae = adam("ADAE")
    te = ae[ae["TRTEMFL"] == "Y"]
    worst = te.groupby("USUBJID")["ASEVN"].max()
    assert (worst == 1).sum() < n[(n["category"] == "Mild")]["value"].sum()


def test_table2_ard_recomputed_from_adae(results: dict, adam) -> None:  # noqa: ANN001
    ae = adam("ADAE")
    te = ae[ae["TRTEMFL"] == "Y"]
    related = te[te["AEREL"].isin(["POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED"])]
    expected = pd.DataFrame({
        ("TEAEs", "events"): te.groupby("TRTA").size(),
        ("Treatment-related TEAEs [a]", "events"): related.groupby("TRTA").size(),
        ("Participants with at least 1 treatment-related TEAE", "n"): related.groupby("TRTA")["USUBJID"].nunique(),
        ("SAEs", "events"): ae[ae["AESER"] == "Y"].groupby("TRTA").size(),
        ("Participants with at least 1 treatment-emergent SAE", "n"):
            te[te["AESER"] == "Y"].groupby("TRTA")["USUBJID"].nunique(),
    }).reindex([TRT, PBO]).fillna(0.0).astype(float)
    ard = results["t-2"].ard
    got = ard[ard["statistic"].isin(["events", "n"])].pivot_table(index="group", columns=["category", "statistic"],
                                                                   values="value")
    pd.testing.assert_frame_equal(got.reindex(index=[TRT, PBO])[expected.columns], expected, check_names=False)


def test_table3_equals_the_paper(results: dict) -> None:
    ours = _grid(results["t-3"])
    as_numbers = {r[0]: [_numbers(c) for c in r[1:]] for r in ours}
    assert as_numbers == {r[0]: [_numbers(c) for c in r[1:]] for r in T3}
    trt = [as_numbers[r[0]][0][0] for r in ours]
    assert trt == sorted(trt, reverse=True)
    assert all(c == "0" or re.fullmatch(r"\d+\.\d", c) for r in ours for c in r[1:])


# ---- Figure 2, recomputed independently ----------------------------------------------------------------
@pytest.fixture(scope="module")
def slopes(adam) -> pd.DataFrame:  # noqa: ANN001
    """Week-w slope changes from ADQSFRS (FRSSLOPE CHG), with the rapid-progressor split recomputed from the
    ALSFRS-R totals at screening and baseline (change < -2)."""
    q = adam("ADQSFRS")
    tot = q[q["PARAMCD"] == "ALSFRSTO"]
    scr = tot[tot["AVISIT"] == "Screening"].set_index("USUBJID")["AVAL"]
    bl = tot[tot["ABLFL"] == "Y"].set_index("USUBJID")["AVAL"]
    rapid = (bl - scr.reindex(bl.index)) < -2
    s = q[(q["PARAMCD"] == "FRSSLOPE") & (q["AVISITN"] > 0) & (q["ANL01FL"] == "Y")].copy()
    s["RAPID"] = s["USUBJID"].map(rapid)
    return s


@pytest.mark.parametrize(("subgroup", "week"), list(FIG2))
def test_figure2_responders_recomputed(results: dict, slopes: pd.DataFrame, subgroup: str, week: str) -> None:
    d = slopes[(slopes["AVISIT"] == week) & slopes["CHG"].notna()]
    if subgroup == "Rapid progressors":
        d = d[d["RAPID"]]
    resp = (d["CHG"] >= 1.5).groupby(d["TRTP"]).agg(["sum", "count"]).reindex([TRT, PBO])
    x, n = resp["sum"].to_numpy(dtype=int), resp["count"].to_numpy(dtype=int)
    p = stats.fisher_exact([[x[0], n[0] - x[0]], [x[1], n[1] - x[1]]]).pvalue

    ard = results["f-2"].ard
    keys = (ard["category"] == subgroup) & (ard["by"] == week) & (ard["variable"] == "CRIT3FL")
    resp_ard = ard[keys & (ard["analysis"] == "responder")].pivot_table(index="group", columns="statistic",
                                                                        values="value")
    assert resp_ard.loc[[TRT, PBO], "n"].tolist() == x.tolist()
    assert resp_ard.loc[[TRT, PBO], "denom"].tolist() == n.tolist()
    p_ard = ard[keys & (ard["analysis"] == "fisher")]["value"].iloc[0]
    assert p_ard == pytest.approx(p, rel=1e-12)

    paper = FIG2[(subgroup, week)]
    assert tuple(x) == paper["n"] and tuple(n) == paper["N"]
    assert round(p, 3) == paper["p"]
    if "ci" in paper:
        ci = ard[keys & (ard["analysis"] == "responder_diff")].set_index("statistic")["value"]
        assert (round(ci["lower"], 1), round(ci["upper"], 1)) == paper["ci"]


def test_figure2_lsmeans_recomputed_with_statsmodels(results: dict, slopes: pd.DataFrame) -> None:
    """LS means of the week-2 slope change in rapid progressors: OLS CHG ~ C(TRTP) + BASE, predictions at
    the mean pre-treatment slope."""
    d = slopes[(slopes["AVISIT"] == "Week 2") & slopes["RAPID"]].dropna(subset=["CHG", "BASE"])
    fit = smf.ols("CHG ~ C(TRTP) + BASE", data=d).fit()
    grid = pd.DataFrame({"TRTP": [TRT, PBO], "BASE": d["BASE"].mean()})
    expected = fit.predict(grid).to_numpy()
    ard = results["f-2"].ard
    lsm = ard[(ard["analysis"] == "lsmean") & (ard["category"] == "Rapid progressors") & (ard["by"] == "Week 2")
              & (ard["statistic"] == "estimate")].set_index("group")["value"]
    assert lsm[[TRT, PBO]].to_numpy() == pytest.approx(expected, rel=1e-10)
    p = ard[(ard["analysis"] == "lsmean_diff") & (ard["category"] == "Rapid progressors")
            & (ard["by"] == "Week 2") & (ard["statistic"] == "p")]["value"].iloc[0]
    assert p == pytest.approx(fit.pvalues[f"C(TRTP)[T.{PBO}]"], rel=1e-8)


# ---- other outputs -------------------------------------------------------------------------------------
def test_disposition_feeds_consort(results: dict, adam) -> None:  # noqa: ANN001
    adsl = adam("ADSL")
    ard = results["f-1b"].ard
    boxes = next(o for o in load_catalog(Study.load("msc_ntf_als").root / "tlf" / "catalog.yaml").outputs
                 if o.id == "f-1b").options["boxes"]
    n = ard[(ard["group"] == "All participants") & (ard["statistic"] == "n") & (ard["variable"] == "condition")]
    total = n.set_index("category")["value"].rename(index={v: k for k, v in boxes.items()})
    assert total["screened"] == len(adsl)  # screen failures (no arm) count in the total column
    assert total["randomized"] == (adsl["RANDFL"] == "Y").sum()
    assert total["screen_failure"] + total["runin_discontinued"] + total["randomized"] == total["screened"]
    assert total["completed"] + total["discontinued"] == total["randomized"]
    pd.testing.assert_frame_equal(results["t-disp"].ard.drop(columns="output_id", errors="ignore"),
                                  ard.drop(columns="output_id", errors="ignore"))


def test_consort_box_naming_no_disposition_row_is_an_error(adam_dir: Path) -> None:
    study = Study.load("msc_ntf_als")
    spec = next(o for o in load_catalog(study.root / "tlf" / "catalog.yaml").outputs if o.id == "f-1b")
    bad = dataclasses.replace(spec, options={**spec.options, "boxes": {**spec.options["boxes"], "telephone": "Phone"}})
    with pytest.raises(SpecError, match="options.boxes names rows the table does not have: Phone"):
        run_output(bad, study, AdamFolder(adam_dir), "2026-01-01T00:00:00")


def test_csf_paired_tests_recomputed(results: dict, adam) -> None:  # noqa: ANN001
    c = adam("ADCSF")
    d = c[(c["ANL01FL"] == "Y") & (c["AVISITN"] == 2) & (c["PARAMCD"] == "MCP1") & (c["TRTA"] == TRT)]
    expected = stats.ttest_rel(d["AVAL"], d["BASE"]).pvalue
    ard = results["t-csf"].ard
    got = ard[(ard["analysis"] == "paired_t") & (ard["by"] == "MCP1") & (ard["group"] == TRT)]["value"].iloc[0]
    assert got == pytest.approx(expected, rel=1e-12)


#: The paper's CSF baselines, mean +/- SEM as printed (treated, placebo): the table prints mean (SD).
CSF_BASELINE_SEM = {"VEGF (pg/mL)": (("37.1", "15.8"), ("30.6", "14.4")),
                    "HGF (pg/mL)": (("391.1", "115.9"), ("448.4", "146.3")),
                    "MCP-1 (pg/mL)": (("42.2", "9.4"), ("40.5", "9.5")),
                    "SDF-1a (pg/mL)": (("195.6", "31.1"), ("200.8", "14.9"))}


def test_csf_table_baseline_sd_gives_the_papers_sem(results: dict) -> None:
    """Table 8 prints baseline mean (SD) over n pairs; SD / sqrt(n) shows as the paper's SEM."""
    grid = _grid(results["t-csf"])
    rows = {}
    for i, row in enumerate(grid):
        if row[0] in CSF_BASELINE_SEM:
            rows[row[0]] = grid[i + 1], grid[i + 2]
    assert set(rows) == set(CSF_BASELINE_SEM)
    for label, published in CSF_BASELINE_SEM.items():
        for row, (mean, sem) in zip(rows[label], published, strict=True):
            n, (got_mean, got_sd) = int(row[1]), _numbers(row[2])
            decimals = len(sem.partition(".")[2])
            assert (round(got_mean, decimals), round(got_sd / n ** 0.5, decimals)) == (float(mean), float(sem)), label


def test_listing_covers_every_record(results: dict, adam) -> None:  # noqa: ANN001
    ae = adam("ADAE")
    assert len(results["l-ae"].output.rows) == (ae["SAFFL"] == "Y").sum()
    assert results["l-sae"].ard.set_index("statistic")["value"]["records"] == (ae["AESER"] == "Y").sum()


# ---- the command and the files -------------------------------------------------------------------------
def test_cli_writes_every_output_with_its_ard(adam_dir: Path, results: dict, tmp_path: Path) -> None:
    assert main(["tlf", "--study", "msc_ntf_als", "--adam", str(adam_dir), "--out", str(tmp_path),
                 "--formats", "rtf", "html"]) == 0
    out = tmp_path / "msc_ntf_als" / "tlf"
    for oid in results:
        assert (out / f"{oid}.rtf").read_bytes().startswith(b"{\\rtf1")
        assert (out / f"{oid}.html").is_file()
        pd.testing.assert_frame_equal(read_ard(out / f"{oid}.ard.csv"), results[oid].ard, check_exact=False,
                                      rtol=1e-12)
    assert (out / "index.html").is_file()
    book = (out / "book.rtf").read_text(encoding="ascii")  # every output, one section each, in catalog order
    assert book.count("\\sectd\\pgnrestart") == len(results)
    assert not (out / "book.pdf").exists()  # no PDF was asked for


EXPECTED_PAGES = {"t-1": 1, "t-2": 1, "t-3": 1, "f-2": 1, "t-resp": 6}


@pytest.mark.slow
@pytest.mark.skipif(soffice_path() is None, reason="LibreOffice (soffice) is not installed")
def test_rtf_converts_to_pdf_with_expected_pages(adam_dir: Path, tmp_path: Path) -> None:
    study = Study.load("msc_ntf_als", tmp_path)
    run_catalog(study, adam_dir, only=list(EXPECTED_PAGES), formats=["rtf", "docx", "pdf"])
    out = study.stage_dir("tlf")
    pages = {oid: len(re.findall(rb"/Type\s*/Page(?!s)", (out / f"{oid}.pdf").read_bytes())) for oid in EXPECTED_PAGES}
    assert pages == EXPECTED_PAGES
    assert write_book(study, out) == [out / "book.pdf", out / "book.rtf"]
    reader = PdfReader(str(out / "book.pdf"))
    order = [o.id for o in load_catalog(study.root / "tlf" / "catalog.yaml").outputs if o.id in EXPECTED_PAGES]
    assert [item.title.split()[0] for item in reader.outline] == ["Table", *order]  # contents, then catalog order
    assert len(reader.pages) == 1 + sum(EXPECTED_PAGES.values())  # contents, then every page of every PDF
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", str(out / "t-1.pdf"),
                        str(tmp_path / "t1")], check=True, timeout=120)
        png = next(tmp_path.glob("t1*.png"))
        assert png.stat().st_size > 5000
