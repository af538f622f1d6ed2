"""The ADaM engine: run each ADaM spec's registered program, conform to the spec, write XPT + Dataset-JSON.

A study's ADaM spec (``specs/adam/<name>.yaml``) names its program and the ADaM datasets it needs::

    settings:
      program: cdiscpilot01_adae     # a function registered with @register("adam")
      depends: [ADSL]

Programs live in the study's modules (``study.yaml`` ``code: {adam: [...]}``, default ``adam_program``; loaded by
:mod:`cdiscflow.studyload`), are registered
with ``@register("adam")`` and are called as ``program(ctx) -> DataFrame`` with an :class:`AdamContext`
(SDTM datasets read on demand, the ADaM datasets derived so far, the spec and the study). The engine runs
ADSL first, then the others in dependency order, conforms each result to its spec (order, types, every
spec variable required) and writes ``<name>.xpt`` and ``<name>.json`` to ``<out>/<study>/adam/``, with its
record log ``record_counts/<name>.csv`` (records and subjects read and written; a subject of the spec's
``settings.source`` domain missing from the output is an error unless a ``settings.selection`` explains it:
:mod:`cdiscflow.adam.recordcount`). The engine knows nothing about any particular study.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cdiscflow.adam.recordcount import (
    check_subjects,
    count_row,
    kept_subjects,
    record_log,
    selections_of,
    source_of,
    source_records,
)
from cdiscflow.errors import CdiscflowError, DerivationError, SpecError
from cdiscflow.io.atomic import write_text
from cdiscflow.io.csvsafe import to_csv_text
from cdiscflow.io.datasets import dataset_files, read_dataset, write_datasets
from cdiscflow.specs.conform import conform
from cdiscflow.specs.model import Dataset
from cdiscflow.study import Study
from cdiscflow.toposort import CycleError, toposort


class Settings(dict):
    """A spec's ``settings`` as a program reads them: a missing key is a :class:`SpecError` naming the spec file
    and the key's path (``settings.categories.AGEGR1``), not a KeyError; nested mappings read the same way."""

    def __init__(self, data: dict, *, file: str | None, path: str = "settings") -> None:
        super().__init__(data)
        self.file, self.path = file, path

    def __getitem__(self, key: str) -> object:
        if key not in self:
            raise SpecError(f"{self.path}.{key} is missing", file=self.file,
                            expected=f"{self.path}: {{{key}: ...}} in the spec")
        value = super().__getitem__(key)
        return Settings(value, file=self.file, path=f"{self.path}.{key}") if isinstance(value, dict) else value


@dataclass
class AdamContext:
    """What a study's ADaM program sees: SDTM (read lazily), ADaM derived so far, its spec and the study."""

    study: Study
    sdtm_dir: Path
    spec: Dataset
    adam: dict[str, pd.DataFrame] = field(default_factory=dict)
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    inputs: dict[str, str] = field(default_factory=dict)  # dataset read → "SDTM" / "ADaM", in reading order
    record_log: pd.DataFrame | None = None  # set by derive_dataset

    @property
    def settings(self) -> Settings:
        return Settings(self.spec.settings, file=self.spec.file)

    def sdtm(self, name: str) -> pd.DataFrame:
        """The SDTM dataset ``name`` (e.g. ``"DM"``) from the SDTM folder; a missing one is a DerivationError."""
        key = name.upper()
        if key not in self._cache:
            files = dataset_files(self.sdtm_dir)
            if key not in files:
                raise DerivationError(f"{self.spec.name} needs SDTM {key}, which is not in the SDTM folder",
                                      file=str(self.sdtm_dir), expected=f"{key.lower()}.xpt")
            self._cache[key] = read_dataset(files[key])[0]
        self.inputs.setdefault(key, "SDTM")
        return self._cache[key]

    def needs(self, name: str) -> pd.DataFrame:
        """An ADaM dataset derived earlier in this run (declared in ``settings.depends``)."""
        key = name.upper()
        if key not in self.adam:
            raise DerivationError(f"{self.spec.name} needs ADaM {key}, which was not derived before it",
                                  file=self.spec.file, expected=f"settings: {{depends: [{key}]}}")
        self.inputs.setdefault(key, "ADaM")
        return self.adam[key]

    def dataset(self, name: str) -> pd.DataFrame:
        """An ADaM dataset of the study (derived before this one) or else an SDTM dataset."""
        return self.needs(name) if name.upper() in {n.upper() for n in self.study.adam_specs} else self.sdtm(name)

    def source_records(self) -> pd.DataFrame:
        """The records of the spec's ``settings.source`` domain that meet its ``filter``."""
        source = source_of(self.spec)
        if source is None:
            raise SpecError(f"{self.spec.name}: settings.source is missing", file=self.spec.file,
                            expected="settings: {source: {domain: NAME, filter: condition}}")
        return source_records(source, self.sdtm).copy()

    def select(self, df: pd.DataFrame) -> pd.DataFrame:
        """The records of ``df`` whose subject every ``settings.selection`` keeps (a record of its ``dataset``
        meets its ``where``); a subject absent from that dataset is not kept."""
        keep = pd.Series(True, index=df.index)
        for sel in selections_of(self.spec):
            keep &= df["USUBJID"].astype(str).isin(kept_subjects(self.dataset(sel.dataset), sel, self.spec)[1])
        return df[keep.to_numpy()]


def derivation_order(specs: dict[str, Dataset], wanted: list[str] | None = None) -> list[str]:
    """ADSL first, then the others in dependency order (``settings.depends``), ties alphabetical.

    Requested datasets pull in what they depend on; unknown names and cycles are :class:`SpecError`.
    """
    names = {n.upper(): n for n in specs}
    deps: dict[str, list[str]] = {}
    for key, name in names.items():
        dep = specs[name].settings.get("depends", [])
        if not isinstance(dep, list):
            raise SpecError(f"{name}: settings.depends must be a list", file=specs[name].file,
                            expected="a list of ADaM dataset names")
        extra = ["ADSL"] if key != "ADSL" and "ADSL" in names else []
        deps[key] = sorted({d.upper() for d in dep} | set(extra))
        unknown = [d for d in deps[key] if d not in names]
        if unknown:
            raise SpecError(f"{name} depends on {', '.join(unknown)}, which has no spec", file=specs[name].file,
                            expected=f"one of {', '.join(sorted(names))}")
    todo = [w.upper() for w in wanted] if wanted else sorted(names)
    bad = [w for w in todo if w not in names]
    if bad:
        raise SpecError(f"no ADaM spec for {', '.join(bad)}", expected=f"one of {', '.join(sorted(names))}")
    closure: dict[str, list[str]] = {}
    while todo:
        key = todo.pop()
        if key not in closure:
            closure[key] = deps[key]
            todo += deps[key]
    try:
        order = toposort(closure, key=lambda k: (k != "ADSL", k))
    except CycleError as exc:
        raise SpecError(f"dependency cycle through {' → '.join(exc.args[1])}", file=specs[names[exc.args[1][0]]].file,
                        expected="settings.depends without cycles") from None
    return [names[k] for k in order]


def missing_programs(study: Study, names: list[str] | None = None) -> dict[str, str]:
    """ADaM datasets (of ``names``, default all) whose spec names no program the study has, with why."""
    missing: dict[str, str] = {}
    for name in names or list(study.adam_specs):
        spec = study.adam_specs[name]
        program = spec.settings.get("program")
        if not isinstance(program, str) or not program:
            missing[name] = "settings.program is missing"
            continue
        try:
            study.lookup("adam", program, file=spec.file)
        except SpecError:
            missing[name] = f"program {program!r} is not registered"
    return missing


def no_program_error(missing: dict[str, str]) -> SpecError:
    """One error naming every ADaM dataset without a program (grouped by why)."""
    by_why: dict[str, list[str]] = {}
    for name, why in missing.items():
        by_why.setdefault(why, []).append(name)
    listed = "; ".join(f"{', '.join(names)} ({why})" for why, names in by_why.items())
    return SpecError(f"no program yet for ADaM dataset(s) {listed}",
                     expected="settings.program in specs/adam/<name>.yaml naming a function registered with "
                              "@register(\"adam\") in the study's adam modules (study.yaml code.adam, default "
                              "adam_program.py)")


def derive_dataset(spec: Dataset, ctx: AdamContext) -> pd.DataFrame:
    """Run the spec's program and conform the result to the spec (every spec variable required); its record log
    (inputs read, source and selections, output) is left in ``ctx.record_log``. A subject of the source
    domain the output lacks without a declared selection is a :class:`DerivationError`."""
    name = spec.settings.get("program")
    if not isinstance(name, str):
        raise SpecError(f"{spec.name}: settings.program is missing", file=spec.file,
                        expected="settings: {program: <registered adam function>}")
    program = ctx.study.lookup("adam", name, file=spec.file)
    try:
        df = program(ctx)
    except CdiscflowError as exc:  # say which dataset was being derived
        raise type(exc)(f"{spec.name} (program {name}): {exc.message}", file=exc.file or spec.file, row=exc.row,
                        variable=exc.variable, expected=exc.expected) from None
    if not isinstance(df, pd.DataFrame):
        raise DerivationError(f"program {name} returned {type(df).__name__}", file=spec.file,
                              expected="a pandas DataFrame")
    out = conform(df, spec, strict=True, drop_extra=True)
    if spec.keys:
        dup = out.duplicated(spec.keys, keep=False)
        if dup.any():
            first = out.loc[dup, spec.keys].iloc[0].to_dict()
            raise DerivationError(f"{spec.name}: key {', '.join(spec.keys)} is not unique, e.g. {first}",
                                  file=spec.file, row=", ".join(str(i + 1) for i in out.index[dup][:5]),
                                  variable=", ".join(spec.keys), expected="one record per key")
    out = out.reset_index(drop=True)
    rows = [count_row(spec.name, "input", key, ctx.dataset(key), std) for key, std in list(ctx.inputs.items())]
    rows += check_subjects(spec, out, ctx.dataset)
    ctx.record_log = record_log([*rows, count_row(spec.name, "output", spec.name, out)])
    return out


class AdamResults(dict[str, pd.DataFrame]):
    """The derived frames by name, with the record log of all of them (``record_log``)."""

    record_log: pd.DataFrame


def derive_study(study: Study, sdtm_dir: Path | str, out_dir: Path | str | None = None,
                 datasets: list[str] | None = None, formats: tuple[str, ...] = ("xpt", "json"),
                 sdtm_frames: dict[str, pd.DataFrame] | None = None,
                 derived: Mapping[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """Derive the study's ADaM datasets (``datasets`` restricts) from ``sdtm_dir``.

    Writes ``<out_dir>/<study>/adam/<name>.xpt|.json`` (``formats``; none with ``()``), by default in the
    study's out folder, each with its record log ``record_counts/<name>.csv``. ``sdtm_frames`` (upper-case
    name → frame) are used instead of reading those files, e.g. when the SDTM stage has just produced them in
    memory. ``derived`` (upper-case name → conformed frame, e.g. ADSL read back from the run's store) are taken
    as they are: neither derived again nor written. Returns the conformed frames by name (with ``record_log``,
    the log of every dataset derived here).
    """
    specs = study.adam_specs
    if not specs:
        raise SpecError(f"study {study.name} has no ADaM specs", file=str(study.root / "specs" / "adam"),
                        expected="specs/adam/<name>.yaml")
    order = derivation_order(specs, datasets)
    missing = missing_programs(study, order)
    if missing:
        raise no_program_error(missing)
    sdtm = Path(sdtm_dir)
    if not sdtm.is_dir():
        raise DerivationError("SDTM folder not found", file=str(sdtm), expected="a folder of SDTM datasets")
    target = (Path(out_dir) / study.name / "adam") if out_dir is not None else study.stage_dir("adam")
    cache: dict[str, pd.DataFrame] = {k.upper(): v for k, v in (sdtm_frames or {}).items()}
    results = AdamResults({k.upper(): v for k, v in (derived or {}).items()})
    logs = []
    for name in order:
        if name.upper() in results:
            continue
        spec = specs[name]
        ctx = AdamContext(study=study, sdtm_dir=sdtm, spec=spec, adam=results, _cache=cache)
        results[name.upper()] = derive_dataset(spec, ctx)
        logs.append(ctx.record_log)
        if formats:
            target.mkdir(parents=True, exist_ok=True)
            write_datasets(results[name.upper()], target, spec, formats, study_oid=study.studyid,
                           metadata_version_oid=f"MDV.{study.studyid}.ADaM")
            write_text(target / "record_counts" / f"{name.lower()}.csv", to_csv_text(ctx.record_log))
    results.record_log = pd.concat(logs or [record_log([])], ignore_index=True)
    return results
