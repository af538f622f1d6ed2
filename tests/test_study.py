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
