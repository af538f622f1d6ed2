"""A Study: its specs, raw data, output folder and settings.

A study is a folder with ``study.yaml``, ``specs/`` and optional Python modules (loaded by
:mod:`cdiscflow.studyload`); the built-in studies live in ``cdiscflow/studies/``
and are named by folder (``msc_ntf_als``, ``cdiscpilot01``). ``--study`` takes a name or a path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdiscflow.errors import SpecError
from cdiscflow.paths import inside, safe_component, safe_relpath
from cdiscflow.specs.ct import data_dir
from cdiscflow.specs.loader import load_codelists, load_datasets, read_yaml
from cdiscflow.specs.model import Codelist, Dataset

if TYPE_CHECKING:
    from collections.abc import Callable

    from cdiscflow.studyload import StudyCode

BUILTIN_DIR = Path(__file__).parent / "studies"
DEFAULT_STUDY = "msc_ntf_als"


@dataclass
class Study:
    """Everything a stage needs to know about one study; output folders hang off ``out_dir``."""

    name: str
    root: Path
    meta: dict[str, Any]
    out_root: Path = field(default_factory=lambda: Path("out"))

    @classmethod
    def load(cls, ref: str | None = None, out: Path | str = "out") -> Study:
        ref = ref or DEFAULT_STUDY
        root = Path(ref)
        if not (root / "study.yaml").is_file():
            root = BUILTIN_DIR / ref
        if not (root / "study.yaml").is_file():
            known = sorted(p.name for p in BUILTIN_DIR.iterdir() if (p / "study.yaml").is_file())
            raise SpecError(f"no study {ref!r}", expected=f"a built-in study ({', '.join(known)}) "
                            "or a folder with study.yaml")
        meta = read_yaml(root / "study.yaml") or {}
        if not isinstance(meta, dict) or not isinstance(meta.get("studyid"), str):
            raise SpecError("'studyid' is missing", file=str(root / "study.yaml"), expected="studyid: TEXT")
        from cdiscflow.studyload import declared_modules

        declared_modules(root, meta)  # a bad ``code:`` entry is an error before any stage runs
        name = safe_component(meta.get("name", root.resolve().name), source=str(root / "study.yaml"), field="name")
        return cls(name=name, root=root.resolve(), meta=meta, out_root=Path(out))

    # -- identity -------------------------------------------------------------------------------------
    @property
    def studyid(self) -> str:
        return str(self.meta["studyid"])

    @property
    def ct_version(self) -> str:
        return str(self.meta.get("ct_version", "2025-03-28"))

    # -- specs ----------------------------------------------------------------------------------------
    @property
    def specs_dir(self) -> Path:
        return self.root / "specs"

    @cached_property
    def sdtm_specs(self) -> dict[str, Dataset]:
        return load_datasets(self.specs_dir / "sdtm", "SDTM")

    @cached_property
    def adam_specs(self) -> dict[str, Dataset]:
        return load_datasets(self.specs_dir / "adam", "ADaM")

    @cached_property
    def codelists(self) -> dict[str, Codelist]:
        return load_codelists(self.specs_dir / "codelists.yaml", self.ct_version)

    def inside(self, rel: str | Path) -> Path:
        """Resolve a path named in a spec; it must stay inside the study folder."""
        path = (self.root / rel).resolve()
        if path != self.root and self.root not in path.parents:
            raise SpecError(f"path {str(rel)!r} leaves the study folder", file=str(self.root / "study.yaml"),
                            expected="a path inside the study folder")
        return path

    def input_dir(self, kind: str) -> Path | None:
        """The folder ``study.yaml``'s ``inputs: {<kind>: ...}`` names as the default start of ``kind`` (``sdtm``,
        ``adam``): a path inside the study folder, or ``data:<relative path>`` inside the shared data folder
        (``$CDISCFLOW_DATA`` or ``../shared/data``); None when the study names none."""
        inputs = self.meta.get("inputs") or {}
        yaml_file = str(self.root / "study.yaml")
        if not isinstance(inputs, dict) or kind not in inputs:
            return None
        ref = inputs[kind]
        if not isinstance(ref, str):
            raise SpecError(f"inputs.{kind} is not text", file=yaml_file, variable=f"inputs.{kind}",
                            expected="a folder inside the study, or data:<path inside the shared data folder>")
        if ref.startswith("data:"):
            return data_dir() / safe_relpath(ref[5:], source=yaml_file, field=f"inputs.{kind}")
        return self.inside(ref)

    # -- code -----------------------------------------------------------------------------------------
    @cached_property
    def code(self) -> StudyCode:
        """The study's own modules and registry (see :mod:`cdiscflow.studyload`)."""
        from cdiscflow.studyload import study_code

        return study_code(self.root, self.meta)

    def lookup(self, kind: str, name: Any, *, file: str | None = None, variable: str | None = None
               ) -> Callable[..., Any]:
        """The function a spec names (``derive``, ``adam``, ``tlf``, ``check``): the study's, else the library's."""
        return self.code.lookup(kind, name, file=file, variable=variable)

    # -- outputs --------------------------------------------------------------------------------------
    @property
    def out_dir(self) -> Path:
        """``<out>/<name>``; the name is one plain component and the folder must not lead out of ``<out>``."""
        return inside(self.out_root, self.name, source=str(self.root / "study.yaml"), field="name")

    def stage_dir(self, stage: str) -> Path:
        """``out/<study>/<stage>`` (raw, sdtm, adam, validation, define, tlf, logs, package)."""
        return self.out_dir / stage
