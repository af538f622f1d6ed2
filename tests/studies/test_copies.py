"""Done-when of issue 11: copies of the built-in study folders, placed outside the package, run every stage
through the same loader and give byte-identical datasets, tables, validation reports and define.xml files.

The outputs are written to the same ``--out`` path for the built-in run and the copy (one after the other, the
first moved aside), so nothing differs but where the study folder is. The copies keep their ``name:``.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from cdiscflow.cli import main
from cdiscflow.study import BUILTIN_DIR
from cdiscflow.studyload import package_name

#: run bookkeeping, not outputs: the manifest and index name the study folder; logs carry timings; the hash
#: cache holds file sizes and modification times
BOOKKEEPING = ("logs/", "manifest.json", "index.html", ".state", ".lock", ".tmp/", ".hashes.json")


def outputs(folder: Path) -> dict[str, bytes]:
    files = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    return {rel: p.read_bytes() for rel, p in sorted(files.items()) if not rel.startswith(BOOKKEEPING)}


def run_twice(name: str, tmp_path: Path, commands: Sequence[Sequence[str]], copy_args: Sequence[str] = ()
              ) -> tuple[dict[str, bytes], ...]:
    """Outputs of ``commands`` (``--study`` and ``--out`` added) for the built-in study and for a copy (whose
    commands get ``copy_args`` too)."""
    copy = tmp_path / "elsewhere" / f"{name}copy"
    shutil.copytree(BUILTIN_DIR / name, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert package_name(copy) != package_name(BUILTIN_DIR / name)
    out = tmp_path / "out"
    got = []
    for ref, extra in ((name, ()), (str(copy), tuple(copy_args))):
        for command in commands:
            code = main([command[0], "--study", ref, "--out", str(out), *command[1:], *extra])
            assert code == 0, f"{command} failed for {ref}"
        got.append(outputs(out / name))
        shutil.move(out, tmp_path / f"done-{len(got)}")
    return tuple(got)


def assert_same(builtin: dict[str, bytes], copy: dict[str, bytes], must: Sequence[str]) -> None:
    assert sorted(builtin) == sorted(copy)
    for prefix in must:
        assert any(rel.startswith(prefix) for rel in builtin), f"no {prefix} outputs"
    assert [rel for rel in builtin if builtin[rel] != copy[rel]] == []


@pytest.mark.slow
def test_pilot_copy_runs_every_stage_identically(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    pilot = shared_data / "cdiscpilot01"
    builtin, copy = run_twice("cdiscpilot01", tmp_path, [
        ["sdtm", "--raw", str(shared_data / "pharmaverseraw")],
        ["adam", "--sdtm", str(pilot / "sdtm")],
        ["tlf", "--adam", str(pilot / "adam"), "--formats", "rtf", "docx", "html"],
        ["validate", "--fail-on", "never", "--no-suites"],
        ["define"],
    ])
    assert_same(builtin, copy, ["sdtm/dm.xpt", "adam/adsl.xpt", "tlf/t-14-2-01.rtf", "validation/", "define/adam/"])


@pytest.mark.slow
def test_als_copy_runs_the_whole_graph_identically_in_worker_processes(tmp_path: Path, monkeypatch) -> None:
    """The runner: the built-in study inline, its copy with two worker processes (each loads the copy itself)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    monkeypatch.setenv("CI", "true")
    run = ["run", "--subjects", "12", "--only", "validate", "define", "tlf"]
    builtin, copy = run_twice("msc_ntf_als", tmp_path, [run], copy_args=["-j", "2"])
    assert_same(builtin, copy, ["raw/", "sdtm/ae.xpt", "adam/adqsfrs.json", "tlf/t-slope.rtf", "validation/",
                                "define/sdtm/"])
