"""map_study / cdiscflow sdtm on a tiny study with planted faults."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cdiscflow.cli import main
from cdiscflow.errors import MappingError, XptValueError
from cdiscflow.io.datasets import read_dataset
from cdiscflow.mapping.study import map_study
from cdiscflow.study import Study

DM = {"dataset": "DM", "label": "Demographics", "keys": ["STUDYID", "USUBJID"], "source": "dm_raw",
      "settings": {"subject": "PAT"}, "variables": [
          {"name": "STUDYID", "label": "Study Identifier", "length": 4, "map": {"hardcode": "S1"}},
          {"name": "DOMAIN", "label": "Domain Abbreviation", "length": 2, "map": {"hardcode": "DM"}},
          {"name": "USUBJID", "label": "Unique Subject Identifier", "length": 10, "map": {"template": "S1-{PAT}"}},
          {"name": "RFSTDTC", "label": "Subject Reference Start Date/Time", "length": 10,
           "map": {"ref_date": {"agg": "min", "sources": [{"source": "ae_raw", "date": "START"}]}}},
          {"name": "SEX", "label": "Sex", "length": 1, "codelist": "SEX", "map": {"assign_ct": "SEX"}},
          {"name": "COUNTRY", "label": "Country", "length": 20, "map": {"assign": "COUNTRY"}}]}
AE = {"dataset": "AE", "label": "Adverse Events", "keys": ["STUDYID", "USUBJID", "AESEQ"], "source": "ae_raw",
      "variables": [
          {"name": "STUDYID", "label": "Study Identifier", "length": 4, "map": {"hardcode": "S1"}},
          {"name": "USUBJID", "label": "Unique Subject Identifier", "length": 10, "map": {"template": "S1-{PAT}"}},
          {"name": "AESEQ", "label": "Sequence Number", "type": "Num", "map": {"seq": ["AESTDTC"]}},
          {"name": "AETERM", "label": "Reported Term for the Adverse Event", "length": 40,
           "map": {"assign": "TERM"}},
          {"name": "AESTDTC", "label": "Start Date/Time of Adverse Event", "length": 19,
           "map": {"datetime": "START"}},
          {"name": "AESTDY", "label": "Study Day of Start of Adverse Event", "type": "Num",
           "map": {"study_day": "AESTDTC"}}]}
CODELISTS = {"codelists": [{"id": "SEX", "name": "Sex", "terms": [{"value": "F", "synonyms": ["Female"]},
                                                                  {"value": "M", "synonyms": ["Male"]}]}]}
DM_CSV = "PAT,SEX,COUNTRY\n1,Female,USA\n2,Male,USA\n"
AE_CSV = "PAT,TERM,START\n1,Headache,10-JAN-2014\n1,Rash,UN-FEB-2014\n2,Cough,03-MAR-2014\n"


def make_study(tmp: Path, dm=DM, ae=AE, dm_csv=DM_CSV, ae_csv=AE_CSV) -> tuple[Study, Path]:
    root = tmp / "study"
    (root / "specs" / "sdtm").mkdir(parents=True)
    (root / "study.yaml").write_text("studyid: S1\nname: tiny\n")
    (root / "specs" / "sdtm" / "dm.yaml").write_text(yaml.safe_dump(dm))
    (root / "specs" / "sdtm" / "ae.yaml").write_text(yaml.safe_dump(ae))
    (root / "specs" / "codelists.yaml").write_text(yaml.safe_dump(CODELISTS))
    raw = tmp / "raw"
    raw.mkdir()
    (raw / "dm_raw.csv").write_text(dm_csv, encoding="utf-8")
    (raw / "ae_raw.csv").write_text(ae_csv, encoding="utf-8")
    return Study.load(str(root), tmp / "out"), raw


def test_map_study_writes_everything_and_reconciles(tmp_path):
    study, raw = make_study(tmp_path)
    out = study.stage_dir("sdtm")
    res = map_study(study, raw, out)
    assert sorted(p.name for p in out.iterdir()) == ["ae.json", "ae.xpt", "dm.json", "dm.xpt", "lineage",
                                                     "reconciliation.csv", "rejections.csv"]
    recon = pd.read_csv(out / "reconciliation.csv")
    assert recon.iloc[:, :6].values.tolist() == [["ae_raw", 3, 3, 0, 0, "mapped"], ["dm_raw", 2, 2, 0, 0, "mapped"]]
    lineage = pd.read_csv(out / "lineage" / "ae.csv", keep_default_na=False)
    assert lineage[["USUBJID", "SEQ", "row"]].values.tolist() == [["S1-1", 1.0, 1], ["S1-1", 2.0, 2],
                                                                  ["S1-2", 1.0, 3]]
    assert res.results["DM"].data["RFSTDTC"].tolist() == ["2014-01-10", "2014-03-03"]


def test_command_prints_reconciliation(tmp_path, capsys):
    study, raw = make_study(tmp_path)
    assert main(["sdtm", "--study", str(study.root), "--raw", str(raw), "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "ae_raw" in text and "unaccounted" in text
    assert (tmp_path / "o" / "tiny" / "sdtm" / "dm.xpt").is_file()


@pytest.mark.parametrize("fault, kind, message", [
    ("missing_column", MappingError, r"dm_raw.csv, variable COUNTRY: raw column 'COUNTRY' is missing"),
    ("impossible_date", MappingError, r"ae_raw.csv, row 2, variable RFSTDTC: .*date in START: '31-FEB-2014'"),
    ("unknown_code", MappingError, r"dm_raw.csv, row 2, variable SEX: .*codelist SEX: 'X'"),
    ("duplicate_subject", MappingError,
     r"dm_raw.csv, row 1, variable USUBJID: dataset DM: duplicate key .*raw rows 1, 3"),
    # refused by the XPT writer, named through the lineage
    ("non_ascii", XptValueError, r"dm_raw.csv, row 2, variable COUNTRY: dataset DM record USUBJID=S1-2: non-ASCII"),
    ("too_long", XptValueError,
     r"dm_raw.csv, row 2, variable COUNTRY: dataset DM record USUBJID=S1-2: .*longer than the spec length .*at most 20"),
])
def test_planted_faults_fail_clearly_and_leave_nothing(tmp_path, capsys, fault, kind, message):
    dm_csv, ae_csv = DM_CSV, AE_CSV
    if fault == "missing_column":
        dm_csv = "PAT,SEX\n1,Female\n2,Male\n"
    elif fault == "impossible_date":
        ae_csv = AE_CSV.replace("UN-FEB-2014", "31-FEB-2014")
    elif fault == "unknown_code":
        dm_csv = DM_CSV.replace("Male,", "X,")
    elif fault == "duplicate_subject":
        dm_csv = DM_CSV + "1,Female,USA\n"
    elif fault == "non_ascii":
        dm_csv = DM_CSV.replace("2,Male,USA", "2,Male,Côte d'Ivoire")
    elif fault == "too_long":
        dm_csv = DM_CSV.replace("2,Male,USA", "2,Male,United Kingdom of Great Britain")
    study, raw = make_study(tmp_path, dm_csv=dm_csv, ae_csv=ae_csv)
    with pytest.raises(kind, match=message):
        map_study(study, raw, study.stage_dir("sdtm"))
    assert not study.out_dir.exists() or not any(study.out_dir.rglob("*.xpt"))
    assert main(["sdtm", "--study", str(study.root), "--raw", str(raw), "--out", str(tmp_path / "out")]) == 2
    assert "error:" in capsys.readouterr().err


def test_rejection_policy_logs_and_reconciles(tmp_path):
    ae = {**AE, "settings": {"on_invalid": "reject"}}
    dm = {**DM, "settings": {"subject": "PAT", "on_invalid": "reject"}}
    study, raw = make_study(tmp_path, dm=dm, ae=ae, ae_csv=AE_CSV.replace("UN-FEB-2014", "31-FEB-2014"))
    out = study.stage_dir("sdtm")
    res = map_study(study, raw, out)
    assert len(res.results["AE"].data) == 2
    rej = pd.read_csv(out / "rejections.csv")
    assert rej[["extract", "row", "dataset", "variable", "value"]].values.tolist() == [
        ["ae_raw", 2, "DM", "RFSTDTC", "31-FEB-2014"], ["ae_raw", 2, "AE", "AESTDTC", "31-FEB-2014"]]
    assert pd.read_csv(out / "reconciliation.csv").iloc[:, :5].values.tolist()[0] == ["ae_raw", 3, 2, 1, 0]


def test_failed_run_keeps_previous_output(tmp_path):
    study, raw = make_study(tmp_path)
    out = study.stage_dir("sdtm")
    map_study(study, raw, out)
    before = (out / "dm.xpt").read_bytes()
    (raw / "dm_raw.csv").write_text(DM_CSV + "1,Female,USA\n")
    with pytest.raises(MappingError):
        map_study(study, raw, out)
    assert (out / "dm.xpt").read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["sdtm"]


def test_visits_from_a_trial_design_folder(tmp_path):
    ae = {**AE, "variables": [*AE["variables"],
                              {"name": "VISITNUM", "label": "Visit Number", "type": "Num", "map": {"visit": "VIS"}},
                              {"name": "VISIT", "label": "Visit Name", "length": 20, "map": {"visit": "VIS"}}]}
    study, raw = make_study(tmp_path, ae=ae, ae_csv=AE_CSV.replace("START\n", "START,VIS\n").replace(
        "2014\n", "2014,Week 2\n"))
    design = tmp_path / "design"
    design.mkdir()
    (design / "tv.csv").write_text("STUDYID,DOMAIN,VISITNUM,VISIT,VISITDY\nS1,TV,2,WEEK 2,14\n")
    assert main(["sdtm", "--study", str(study.root), "--raw", str(raw), "--out", str(tmp_path / "o"),
                 "--design", str(design)]) == 0
    got = pd.read_csv(tmp_path / "o" / "tiny" / "sdtm" / "lineage" / "ae.csv")
    assert len(got) == 3
    res = map_study(study, raw, tmp_path / "x", design_dir=design)
    assert res.results["AE"].data[["VISITNUM", "VISIT"]].values.tolist() == [[2.0, "WEEK 2"]] * 3


def test_domains_option_replaces_only_those_files(tmp_path):
    study, raw = make_study(tmp_path)
    out = study.stage_dir("sdtm")
    map_study(study, raw, out)
    (raw / "ae_raw.csv").write_text(AE_CSV.replace("Cough", "Fever"))
    res = map_study(study, raw, out, domains=["ae"])
    assert sorted(res.results) == ["AE", "DM"]
    assert sorted(p.name for p in out.glob("*.xpt")) == ["ae.xpt", "dm.xpt"]
    assert read_dataset(out / "ae.xpt")[0]["AETERM"].tolist() == ["Headache", "Rash", "Fever"]
    assert not any(p.name.startswith(".") for p in out.parent.iterdir())


def test_domains_option_reconciles_only_the_extracts_it_maps(tmp_path):
    study, raw = make_study(tmp_path)
    cm = {**AE, "dataset": "CM", "label": "Concomitant Medications", "source": "cm_raw"}
    (study.root / "specs" / "sdtm" / "cm.yaml").write_text(yaml.safe_dump(cm))
    (raw / "cm_raw.csv").write_text("PAT,TERM,START\n1,Aspirin,01-JAN-2014\n")
    res = map_study(study, raw, study.stage_dir("sdtm"), domains=["ae"])
    assert sorted(res.results) == ["AE", "DM"]
    assert res.reconciliation[["extract", "use"]].values.tolist() == [
        ["ae_raw", "mapped"], ["dm_raw", "mapped"], ["cm_raw", "not used"]]
    assert sorted(map_study(study, raw, study.stage_dir("sdtm")).results) == ["AE", "CM", "DM"]


def test_same_inputs_give_identical_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    study, raw = make_study(tmp_path)
    first, second = tmp_path / "a", tmp_path / "b"
    map_study(study, raw, first)
    map_study(study, raw, second)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
