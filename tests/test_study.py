from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.registry import lookup, register
from cdiscflow.study import Study


def test_builtin_study_loads() -> None:
    study = Study.load(None, out="outdir")
    assert study.name == "msc_ntf_als"
    assert study.stage_dir("sdtm") == Path("outdir") / "msc_ntf_als" / "sdtm"


def test_unknown_study() -> None:
    with pytest.raises(SpecError, match="no study 'nosuch'"):
        Study.load("nosuch")


def test_paths_stay_inside_study_folder() -> None:
    study = Study.load("cdiscpilot01")
    assert study.inside("specs/sdtm") == study.root / "specs" / "sdtm"
    with pytest.raises(SpecError, match="leaves the study folder"):
        study.inside("../../../../etc/passwd")


def test_registry_names_only_registered_functions() -> None:
    @register("derive", "test_double")
    def double(x: int) -> int:
        return 2 * x

    assert lookup("derive", "test_double")(2) == 4
    with pytest.raises(SpecError, match="not a registered function"):
        lookup("derive", "os.system")


def _study_with_inputs(tmp_path: Path, inputs: str) -> Study:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "study.yaml").write_text(f"studyid: S1\ninputs: {inputs}\n", encoding="utf-8")
    return Study.load(str(tmp_path / "s"))


def test_input_dir_inside_the_study_or_the_shared_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CDISCFLOW_DATA", str(tmp_path / "data"))
    assert _study_with_inputs(tmp_path, "{sdtm: 'data:pv/sdtm'}").input_dir("sdtm") == tmp_path / "data/pv/sdtm"
    assert Study.load("pharmaverse").input_dir("sdtm") == tmp_path / "data/pharmaverse/sdtm"
    assert Study.load("cdiscpilot01").input_dir("sdtm") is None


@pytest.mark.parametrize(("inputs", "message"), [
    ("{sdtm: '../elsewhere'}", "leaves the study folder"),
    ("{sdtm: 'data:../../etc'}", "starts with a dot"),
    ("{sdtm: 'data:/etc'}", "is not a relative path"),
    ("{sdtm: 3}", "inputs.sdtm is not text"),
])
def test_input_dir_refuses_paths_that_leave(tmp_path: Path, inputs: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        _study_with_inputs(tmp_path, inputs).input_dir("sdtm")
