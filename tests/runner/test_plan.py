"""The run graph built from a study's specs and TLF catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.runner.plan import PlanOptions, build_graph, named
from cdiscflow.study import Study


def test_graph_of_the_test_study(study_dir: Path, tmp_path: Path):
    graph = build_graph(Study.load(str(study_dir), out=tmp_path), PlanOptions(seed=3))
    assert {s.id: s.deps for s in graph} == {
        "simulate": (),
        "sdtm": ("simulate",),
        "acrf": ("simulate",),
        "adam:ADSL": ("sdtm",),
        "adam:ADAE": ("sdtm", "adam:ADSL"),
        "adam:ADVS": ("sdtm", "adam:ADSL"),
        "validate": ("sdtm", "adam:ADAE", "adam:ADSL", "adam:ADVS"),  # spec files in name order
        "define": ("sdtm", "adam:ADAE", "adam:ADSL", "adam:ADVS", "acrf"),
        "tlf:t-1": ("adam:ADSL",),
        "tlf:t-2": ("adam:ADAE", "adam:ADSL"),
        "tlf:f-1": ("adam:ADSL", "adam:ADVS"),
        "guides": ("sdtm", "adam:ADAE", "adam:ADSL", "adam:ADVS", "validate"),
        "tlf-pdf": ("tlf:t-1", "tlf:t-2"),
        "tlf-book": ("tlf:t-1", "tlf:t-2", "tlf:f-1", "tlf-pdf"),
        "package": ("simulate", "sdtm", "acrf", "adam:ADAE", "adam:ADSL", "adam:ADVS", "validate", "define", "guides",
                    "tlf:t-1", "tlf:t-2", "tlf:f-1", "tlf-pdf", "tlf-book"),
    }
    assert graph["simulate"].params == {"seed": 3}
    assert graph["adam:ADAE"].reads == ("sdtm/ae.*", "sdtm/suppae.*", ".store/adam/adsl.parquet")
    assert graph["adam:ADVS"].reads == ("sdtm/*.xpt", "sdtm/*.json", ".store/adam/adsl.parquet")  # no source: all of SDTM
    assert graph["adam:ADAE"].inputs[-2:] == (str(study_dir / "specs/adam/adae.yaml"),
                                              str(study_dir / "specs/codelists.yaml"))
    assert graph["tlf:t-1"].params == {"output": "t-1", "formats": ["rtf", "html"]}  # pdf: from the RTF
    assert graph["tlf:f-1"].params == {"output": "f-1", "formats": ["html"]}
    assert graph["tlf:t-1"].salt["entry"]["title"] == "Demographics"
    assert graph["tlf-pdf"].params == {"outputs": ["t-1", "t-2"]}
    assert graph["tlf-book"].outputs == ("tlf/book.pdf", "tlf/book.rtf")
    assert graph["tlf-book"].reads == tuple(f"tlf/{o}.{ext}" for o in ("t-1", "t-2", "f-1") for ext in ("pdf", "rtf"))
    assert graph["define"].params == {"standards": ["sdtm", "adam"]}
    assert str(study_dir / "programs.py") in graph["sdtm"].inputs


def test_raw_folder_replaces_the_simulator(study_dir: Path, tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "dm.csv").write_text("x\n")
    graph = build_graph(Study.load(str(study_dir), out=tmp_path), PlanOptions(raw=str(raw)))
    assert "simulate" not in graph.steps and graph["sdtm"].deps == ()
    assert str(raw / "dm.csv") in graph["sdtm"].inputs
    with pytest.raises(SpecError, match="raw folder .* not found"):
        build_graph(Study.load(str(study_dir), out=tmp_path), PlanOptions(raw=str(tmp_path / "nope")))


def test_a_study_without_simulator_needs_raw(study_dir: Path, tmp_path: Path):
    (study_dir / "study.yaml").write_text("name: teststudy\nstudyid: TEST-01\n")
    with pytest.raises(SpecError, match="has no simulator"):
        build_graph(Study.load(str(study_dir), out=tmp_path))


def test_named_finds_dataset_names_in_source_text():
    assert named("AE, SUPPAE (merged)", ["DM", "AE", "SUPPAE"]) == ["AE", "SUPPAE"]
    assert named(["adsl"], ["ADSL", "ADAE"]) == ["ADSL"]
    assert named(None, ["DM"]) == []


def test_pilot_study_graph(shared_data: Path, tmp_path: Path):
    graph = build_graph(Study.load("cdiscpilot01", out=tmp_path), PlanOptions(raw=str(shared_data / "pharmaverseraw")))
    ids = list(graph.steps)
    assert ids[0] == "sdtm" and ids[-1] == "package"
    assert {"adam:ADSL", "adam:ADAE", "adam:ADQSADAS", "validate", "define", "tlf:t-14-2-01", "tlf:t-14-3-01",
            "tlf:t-14-5-01"} <= set(ids)
    assert set(graph["tlf:t-14-5-01"].deps) == {"adam:ADSL", "adam:ADAE"}
    # an entry naming SDTM domains (sdtm: [CM]) needs the SDTM step and reads only those domains
    assert set(graph["tlf:t-14-7-04"].deps) == {"adam:ADSL", "sdtm"}
    assert graph["tlf:t-14-7-04"].reads == ("adam/adsl.*", "sdtm/cm.*")
    given = build_graph(Study.load("cdiscpilot01", out=tmp_path),
                        PlanOptions(sdtm=str(shared_data / "cdiscpilot01" / "sdtm")))
    assert [Path(f).name for f in given["tlf:t-14-7-04"].inputs if f.endswith(".xpt")] == ["cm.xpt"]


@pytest.mark.parametrize("oid", ["../../etc/x", "a/b", ".hidden", "t 1"])
def test_output_ids_that_cannot_name_a_file_are_refused(study_dir: Path, tmp_path: Path, oid: str):
    (study_dir / "tlf/catalog.yaml").write_text(f"outputs: [{{id: '{oid}', program: p}}]\n")
    with pytest.raises(SpecError, match="cannot name a file"):
        build_graph(Study.load(str(study_dir), out=tmp_path))
