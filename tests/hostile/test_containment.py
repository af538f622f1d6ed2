"""Paths from text stay inside their folder: study names, dataset names, output ids and package entries go
through :func:`cdiscflow.paths.safe_component`; the package never follows a symbolic link nor reads a FIFO."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from hostile.conftest import assert_clean_error, files_under, run_cli
from hostile.spec_fixtures import LISTING, dm_spec, output, sdtm_study, tlf_study

ABSOLUTE = "<absolute path under the test folder>"
BAD_NAMES = ["../escape", "../../escape", ABSOLUTE, "a/b", "..", ".", ".hidden", "CON", "nul.txt",
             "com1", "LPT9.log", "x\\..\\y", "C:evil", "tab\there", "nul\x00byte", "", "   ", "trailing.",
             "x" * 300]


def _outside(tmp: Path) -> list[str]:
    """Everything under ``tmp`` outside the study, raw and out folders (where a run may write)."""
    return sorted(p.name for p in tmp.iterdir() if p.name not in ("study", "raw", "out", "adam"))


@pytest.mark.parametrize("name", BAD_NAMES, ids=[repr(n)[:20] for n in BAD_NAMES])
def test_study_name(tmp_path: Path, name: str) -> None:
    name = str(tmp_path / "abs") if name == ABSOLUTE else name
    args = sdtm_study(tmp_path, study_yaml=yaml.safe_dump({"studyid": "S1", "name": name}))
    assert_clean_error(run_cli(args), "study.yaml", "variable name")
    assert files_under(tmp_path / "out") == [] and _outside(tmp_path) == []


@pytest.mark.parametrize("name", [5, ["a", "b"], {"x": 1}])
def test_study_name_not_text(tmp_path: Path, name: object) -> None:
    args = sdtm_study(tmp_path, study_yaml=yaml.safe_dump({"studyid": "S1", "name": name}))
    assert_clean_error(run_cli(args), "study.yaml", "variable name", "is not text")
    assert files_under(tmp_path / "out") == []


def test_studyid_with_a_separator_cannot_steer_the_package(tmp_path: Path) -> None:
    args = sdtm_study(tmp_path, study_yaml="studyid: ../../evil\nname: tiny\n")
    (tmp_path / "out" / "tiny").mkdir(parents=True)
    assert_clean_error(run_cli(["package", "--study", args[2], "--out", tmp_path / "out"]), "study.yaml",
                       "variable studyid")
    assert files_under(tmp_path / "out") == [] and _outside(tmp_path) == []


@pytest.mark.parametrize("name", ["../../evil", ABSOLUTE, "DM/../../x", ".dm", "AUX"])
def test_dataset_name(tmp_path: Path, name: str) -> None:
    name = str(tmp_path / "evil") if name == ABSOLUTE else name
    args = sdtm_study(tmp_path, dm_spec(dataset=name))
    assert_clean_error(run_cli(args), "dm.yaml", "variable dataset")
    assert files_under(tmp_path / "out") == [] and _outside(tmp_path) == []


@pytest.mark.parametrize("oid", ["../evil", "../../../evil", ABSOLUTE, "a/b", ".hidden", "aux", "x\\y", "t-1\n"])
def test_output_id(tmp_path: Path, oid: str) -> None:
    oid = str(tmp_path / "evil") if oid == ABSOLUTE else oid
    args = tlf_study(tmp_path, output(LISTING, id=oid))
    assert_clean_error(run_cli(args), "catalog.yaml", "variable id")
    assert files_under(tmp_path / "out") == [] and _outside(tmp_path) == []


def _package_study(tmp: Path) -> tuple[list[str], Path, Path]:
    """A study with specs and one produced output; returns the package arguments, study root and out folder."""
    args = sdtm_study(tmp)
    root, out = Path(args[2]), tmp / "out"
    (out / "tiny" / "tlf").mkdir(parents=True)
    (out / "tiny" / "tlf" / "t-1.html").write_text("<p>t</p>")
    return ["package", "--study", root, "--out", out], root, out


def test_package_refuses_a_symlink_to_a_file_outside(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    args, root, out = _package_study(tmp_path)
    os.symlink(secret, root / "specs" / "sdtm" / "leak.yaml")
    assert_clean_error(run_cli(args), "leak.yaml", "symbolic link")
    assert not (out / "tiny" / "package.zip").exists() and not (out / "tiny" / "package").exists()


def test_package_does_not_follow_a_symlinked_folder_among_the_specs(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.yaml").write_text("KEY: 1\n")
    args, root, out = _package_study(tmp_path)
    os.symlink(outside, root / "specs" / "linked")  # specs/**/*.yaml must not walk into it
    rc, _, err = run_cli(args)
    assert rc == 0, err
    assert not [n for n in files_under(out / "tiny" / "package") if "private" in n]


def test_package_does_not_descend_into_a_symlinked_folder(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "private.py").write_text("KEY = 1\n")
    args, root, out = _package_study(tmp_path)
    os.symlink(outside, root / "linked")  # matched by no pattern but **/*.py, which must not follow it
    rc, _, err = run_cli(args)
    assert rc == 0, err
    assert not [n for n in files_under(out / "tiny" / "package") if "private" in n]


def test_package_refuses_a_symlink_among_outputs(tmp_path: Path) -> None:
    args, _root, out = _package_study(tmp_path)
    os.symlink("/etc/hostname", out / "tiny" / "tlf" / "t-2.html")
    assert_clean_error(run_cli(args), "t-2.html", "symbolic link")
    assert not (out / "tiny" / "package.zip").exists()


def test_package_refuses_a_fifo(tmp_path: Path) -> None:
    args, root, out = _package_study(tmp_path)
    os.mkfifo(root / "specs" / "sdtm" / "pipe.yaml")
    assert_clean_error(run_cli(args), "pipe.yaml", "not a regular file")  # and it did not block reading it
    assert not (out / "tiny" / "package.zip").exists()


def test_package_of_regular_files_still_works(tmp_path: Path) -> None:
    args, _root, out = _package_study(tmp_path)
    rc, _, err = run_cli(args)
    assert rc == 0, err
    names = files_under(out / "tiny" / "package")
    assert "m5/53-clin-stud-rep/535-rep-effic-safety-stud/5351-stud-rep-contr/s1/tlf/t-1.html" in names
    assert "m5/datasets/s1/analysis/adam/programs/specs/sdtm/dm.txt" in names


def test_study_output_folder_that_is_a_symlink_out_of_the_output_root(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    args = sdtm_study(tmp_path)
    (tmp_path / "out").mkdir()
    os.symlink(elsewhere, tmp_path / "out" / "tiny")
    assert_clean_error(run_cli(args), "study.yaml", "variable name", "leaves")
    assert files_under(elsewhere) == []
