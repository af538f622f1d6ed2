"""State file and manifest: content, relative paths, deterministic order, command excluded from comparison."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.io.publish import run_lock
from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.state import State, comparable, label, write_manifest
from cdiscflow.study import Study


def test_label_makes_paths_location_independent(tmp_path: Path):
    study, out = tmp_path / "study", tmp_path / "out" / "s"
    assert label(study / "specs" / "ae.yaml", study, out) == "study:specs/ae.yaml"
    assert label(out / "sdtm" / "ae.xpt", study, out) == "sdtm/ae.xpt"
    assert label("/elsewhere/raw.csv", study, out) == "/elsewhere/raw.csv"


def test_state_round_trip_and_unreadable_state(tmp_path: Path):
    state = State(tmp_path)
    state.steps["sdtm"] = {"status": "ok", "fingerprint": "f", "outputs": {"sdtm/dm.xpt": "abc"}}
    state.save()
    assert State(tmp_path).steps == state.steps and State(tmp_path).status("x") == "not run"
    (tmp_path / ".state.json").write_text("{not json")
    assert State(tmp_path).steps == {}


def test_manifest_lists_inputs_outputs_versions_and_command(study_dir: Path, tmp_path: Path):
    study = Study.load(str(study_dir), out=tmp_path / "out")
    out_dir = study.out_dir
    (out_dir / "sdtm").mkdir(parents=True)
    graph = Graph([Step("sdtm", "cdiscflow.runner.steps:sdtm", inputs=(str(study_dir / "specs/sdtm/dm.yaml"),
                                                                      str(study_dir / "study.yaml")),
                        code=("runner/graph.py",)),
                   Step("adam:ADSL", "cdiscflow.runner.steps:adam", deps=("sdtm",))])
    state = State(out_dir)
    state.steps = {"sdtm": {"status": "ok", "fingerprint": "f1", "outputs": {"sdtm/dm.xpt": "d1", "sdtm/ae.xpt": "a1"}},
                   "adam:ADSL": {"status": "failed", "fingerprint": "", "outputs": {}, "error": "boom"}}
    m = write_manifest(graph, state, study, out_dir, 42, ["cdiscflow", "run", "x"])
    assert json.loads((out_dir / "manifest.json").read_text()) == m
    assert [i["path"] for i in m["inputs"]] == ["study:specs/sdtm/dm.yaml", "study:study.yaml"]
    assert m["outputs"] == [{"path": "sdtm/ae.xpt", "sha256": "a1", "step": "sdtm"},
                            {"path": "sdtm/dm.xpt", "sha256": "d1", "step": "sdtm"}]
    assert m["steps"] == [{"id": "sdtm", "status": "ok", "fingerprint": "f1"},
                          {"id": "adam:ADSL", "status": "failed", "fingerprint": ""}]
    assert set(m["code_versions"]) == {"sdtm", "adam"} and m["source_date_epoch"] == 42
    assert len(m["spec_version"]) == 64 and m["study"] == {"name": "teststudy", "studyid": "TEST-01"}
    again = write_manifest(graph, state, study, out_dir, 42, ["cdiscflow", "run", "other", "--out", "elsewhere"])
    assert again["command"] != m["command"] and comparable(again) == comparable(m)


def test_a_second_run_on_the_same_folder_is_refused(tmp_path: Path):
    with run_lock(tmp_path):
        with pytest.raises(CdiscflowError, match="another cdiscflow run is using"):
            with run_lock(tmp_path):
                pass
    with run_lock(tmp_path):  # released
        pass
