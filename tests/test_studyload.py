"""The study loader: one package per study folder, per-study registries, declared modules inside the folder."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.registry import LIBRARY, Registry
from cdiscflow.study import Study
from cdiscflow.studyload import declared_modules, package_name


def make_study(root: Path, files: dict[str, str], yaml: str = "") -> Path:
    files = {"study.yaml": f"name: {root.name}\nstudyid: S-{root.name}\n{yaml}", **files}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text))
    return root


def derive_module(value: str) -> str:
    return f'''\
        from cdiscflow.registry import register

        from .consts import FACTOR


        @register("derive", "scaled")
        def scaled(x):
            return x * FACTOR + {value}
        '''


def test_two_studies_with_the_same_names_never_collide(tmp_path: Path) -> None:
    one = Study.load(str(make_study(tmp_path / "a" / "same", {"sdtm_derivations.py": derive_module("1"),
                                                               "consts.py": "FACTOR = 10\n"})))
    two = Study.load(str(make_study(tmp_path / "b" / "same", {"sdtm_derivations.py": derive_module("2"),
                                                               "consts.py": "FACTOR = 100\n"})))
    assert one.code.package != two.code.package == package_name(tmp_path / "b" / "same")
    assert (one.lookup("derive", "scaled")(1), two.lookup("derive", "scaled")(1)) == (11, 102)
    with pytest.raises(SpecError, match="not a registered function"):
        LIBRARY.lookup("derive", "scaled")  # nothing leaks into the library


def test_library_functions_are_seen_by_every_study(tmp_path: Path) -> None:
    study = Study.load(str(make_study(tmp_path / "plain", {})))
    assert study.lookup("tlf", "listing").__module__ == "cdiscflow.tlf.programs"
    with pytest.raises(SpecError, match=r"'adam: nope' is not a registered function.*\(study "):
        study.lookup("adam", "nope")


def test_a_name_registered_twice_names_both_places(tmp_path: Path) -> None:
    twice = '''\
        from cdiscflow.registry import register


        @register("adam", "adsl")
        def first(ctx):
            return None


        @register("adam", "adsl")
        def second(ctx):
            return None
        '''
    study = Study.load(str(make_study(tmp_path / "twice", {"adam_program.py": twice})))
    with pytest.raises(SpecError, match=r"'adam: adsl' is registered twice: cdiscflow_study_\w+\.adam_program:first "
                                        r"and cdiscflow_study_\w+\.adam_program:second"):
        study.lookup("adam", "adsl")
    shadow = 'from cdiscflow.registry import register\n\n\n@register("tlf", "listing")\ndef mine(ctx):\n    return 1\n'
    study = Study.load(str(make_study(tmp_path / "shadow", {"tlf_programs.py": shadow})))
    with pytest.raises(SpecError, match=r"cdiscflow.tlf.programs:listing_program and cdiscflow_study_\w+.tlf_programs:mine"):
        study.lookup("tlf", "listing")


def test_declared_modules_and_defaults(tmp_path: Path) -> None:
    root = make_study(tmp_path / "decl", {"derivations.py": "", "progs/adam_a.py": "", "tlf_programs.py": ""},
                      "code: {adam: [progs.adam_a], validation: []}\n")
    assert declared_modules(root, Study.load(str(root)).meta) == {
        "sdtm": ("derivations",), "adam": ("progs.adam_a",), "tlf": ("tlf_programs",), "validation": (),
        "simulate": ()}


@pytest.mark.parametrize(("code", "message"), [
    ("code: {adam: ['../evil']}", "'../evil' is not a module name"),
    ("code: {adam: [os.path]}", "module 'os.path' not found in the study folder"),
    ("code: {adam: /etc/passwd}", "is not a module name"),
    ("code: {sas: [x]}", "unknown code slot"),
    ("code: [adam_program]", "'code' must be a mapping"),
    ("code: {tlf: [outside]}", "leads outside the study folder"),
])
def test_code_cannot_name_anything_outside_the_folder(tmp_path: Path, code: str, message: str) -> None:
    (tmp_path / "outside.py").write_text("import os\nos.system('echo pwned')\n")
    root = make_study(tmp_path / "bad", {}, code + "\n")
    os.symlink(tmp_path / "outside.py", root / "outside.py")
    with pytest.raises(SpecError, match=message) as info:
        Study.load(str(root))
    assert info.value.file == str(root / "study.yaml") and info.value.variable.startswith("code")


def test_a_module_that_fails_to_import_is_one_error_naming_it(tmp_path: Path) -> None:
    study = Study.load(str(make_study(tmp_path / "broken", {"adam_program.py": "def f(:\n"})))
    with pytest.raises(SpecError, match=r"study module 'adam_program' \(code.adam\) cannot be imported line 1"):
        study.lookup("adam", "x")


def test_a_study_name_the_library_has_is_an_error_in_a_fresh_process(tmp_path: Path) -> None:
    """Even when the study's module is imported before the library module registering the same kind."""
    shadow = 'from cdiscflow.registry import register\n\n\n@register("tlf", "listing")\ndef mine(ctx):\n    return 1\n'
    root = make_study(tmp_path / "fresh", {"tlf_programs.py": shadow})
    code = ("import sys; from cdiscflow.study import Study\n"
            "assert 'cdiscflow.tlf.programs' not in sys.modules\n"
            f"Study.load({str(root)!r}).lookup('tlf', 'listing')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ})
    assert out.returncode == 1 and "'tlf: listing' is registered twice" in out.stderr


def test_builtin_studies_load_through_the_same_path() -> None:
    for name, kind, fn in (("msc_ntf_als", "adam", "msc_ntf_als_adsl"), ("cdiscpilot01", "tlf", "pilot_demographics")):
        study = Study.load(name)
        assert study.lookup(kind, fn).__module__.startswith(package_name(study.root) + ".")


def test_registry_parent_is_searched_after_own() -> None:
    parent, child = Registry("p"), Registry("c")
    child.parent = parent
    parent.add("derive", "a", len)
    child.add("derive", "b", max)
    assert (child.lookup("derive", "a"), child.lookup("derive", "b"), child.names("derive")) == (len, max, ["a", "b"])
