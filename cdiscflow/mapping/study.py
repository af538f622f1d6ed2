"""``map_study``: every SDTM spec of a study, in dependency order, with lineage, rejections and a
reconciliation; outputs written to a temporary folder and moved into ``<out>/<study>/sdtm`` only when
everything succeeded (no partial output is ever left behind).

Order: DM first (other domains need RFSTDTC), then the trial design datasets (TS TA TE TV TI SE: from
``rows:`` in the spec with ``source: none``, or mapped from raw like SE), then the rest in file order; SUPP--
specs are mapped with their parent. With ``domains`` only those (plus DM and trial design) are mapped and
their files replace the ones in ``sdtm/``; otherwise ``sdtm/`` is replaced as a whole. Trial design needed by ``visit``/``epoch`` (TV, TA, SE)
comes from the study's own specs, or from ``design_dir`` (a folder of XPT/CSV/JSON datasets, e.g. a
sponsor's existing trial design) when the study has no spec for it — paths in specs never leave the study.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cdiscflow.errors import MappingError
from cdiscflow.io.atomic import _UMASK
from cdiscflow.io.csvsafe import to_csv_text
from cdiscflow.io.datasets import read_folder, write_datasets
from cdiscflow.io.raw import raw_files, read_raw_folder
from cdiscflow.mapping.context import REJECTION_COLUMNS, MapContext
from cdiscflow.mapping.engine import EXCLUDED, MappingResult, map_dataset
from cdiscflow.specs.model import Dataset
from cdiscflow.study import Study

DESIGN = ("TS", "TA", "TE", "TV", "TI", "SE")
RECONCILIATION_COLUMNS = ["extract", "raw_rows", "mapped", "rejected", "unaccounted", "use", "matched",
                          "unmatched"]


@dataclass
class StudyMapping:
    results: dict[str, MappingResult]
    rejections: pd.DataFrame
    reconciliation: pd.DataFrame


def parent_of(spec_source: object) -> str | None:
    return spec_source if isinstance(spec_source, str) and spec_source.isupper() else None


def mapping_order(study: Study, domains: list[str] | None) -> list[str]:
    """Datasets to map (excluding SUPP--, mapped with their parent), DM first then trial design."""
    specs = study.sdtm_specs
    names = [n for n in specs if parent_of(specs[n].source) is None]
    if domains:
        wanted = {d.upper() for d in domains}
        unknown = sorted(wanted - set(specs))
        if unknown:
            raise MappingError(f"no spec for domain(s) {', '.join(unknown)}",
                               expected=f"one of {', '.join(sorted(specs))}")
        wanted |= {parent_of(specs[n].source) for n in wanted if parent_of(specs[n].source)}
        needed = {"DM"} | {n for n in DESIGN if n in specs}
        names = [n for n in names if n in wanted or n in needed]
    rank = {n: (0 if n == "DM" else 1 if n in DESIGN else 2) for n in names}
    return sorted(names, key=lambda n: (rank[n], names.index(n)))


def map_all(study: Study, raw: dict[str, pd.DataFrame], files: dict[str, str], domains: list[str] | None = None,
            design: dict[str, pd.DataFrame] | None = None, others: list[str] | None = None) -> StudyMapping:
    """Map the study's specs in memory (no I/O); raises MappingError when a raw row is unaccounted for."""
    specs = study.sdtm_specs
    ctx = MapContext(raw=raw, codelists=study.codelists, sdtm=dict(design or {}), studyid=study.studyid,
                     meta=dict(study.meta), files=files, functions=study.lookup)
    results: dict[str, MappingResult] = {}
    for name in mapping_order(study, domains):
        supps = [s for s in specs.values() if parent_of(s.source) == name]
        res = map_dataset(specs[name], ctx, supps)
        check_keys(res, specs[name], ctx)
        results[name] = res
        ctx.sdtm[name] = res.data
        for sname, sres in res.supp.items():
            results[sname] = sres
            ctx.sdtm[sname] = sres.data
    rejections = drop_mapped_exclusions(ctx.rejected_rows(), results)
    mapped = {name: specs[name] for name in results}  # with --domains, only the extracts those read
    table = reconcile(raw, results, rejections, mapped)
    return StudyMapping(results, rejections, account_for_all(table, raw, ctx, results, specs, others or []))


def drop_mapped_exclusions(rejections: pd.DataFrame, results: dict[str, MappingResult]) -> pd.DataFrame:
    """A row one dataset leaves out by its ``where`` setting but another dataset maps is not rejected."""
    excluded = rejections["reason"].astype(str).str.startswith(EXCLUDED)
    if not excluded.any():
        return rejections
    lineage = pd.concat([r.lineage for r in results.values()], ignore_index=True)
    mapped = pd.MultiIndex.from_frame(lineage[["extract", "row"]].astype({"row": "int64"}))
    keys = pd.MultiIndex.from_frame(rejections[["extract", "row"]].astype({"row": "int64"}))
    return rejections[~(excluded & keys.isin(mapped))].reset_index(drop=True)


def check_keys(res: MappingResult, spec: Dataset, ctx: MapContext) -> None:
    """The spec's keys identify each record (a duplicate subject in DM is an error naming both raw rows)."""
    keys = [k for k in spec.keys if k in res.data.columns]
    if not keys:
        return
    dup = res.data.duplicated(keys, keep=False)
    if dup.any():
        rows = res.lineage[dup.to_numpy()]
        first = rows.iloc[0]
        raise MappingError(f"dataset {spec.name}: duplicate key {', '.join(keys)} = "
                           f"{', '.join(str(res.data.loc[rows.index[0], k]) for k in keys)} "
                           f"(raw rows {', '.join(map(str, rows['row'].head(5)))})",
                           file=ctx.file_of(first["extract"]), row=int(first["row"]), variable=keys[-1],
                           expected=f"one record per {', '.join(keys)}")


def reconcile(raw: dict[str, pd.DataFrame], results: dict[str, MappingResult], rejections: pd.DataFrame,
              specs) -> pd.DataFrame:
    """Per extract read by a spec: raw rows in = rows mapped + rows rejected; unaccounted rows are an error."""
    named = [n for s in specs.values() for n in ([s.source] if isinstance(s.source, str) else s.source or [])]
    sources = sorted({n for n in named if isinstance(n, str) and n in raw})
    lineage = pd.concat([r.lineage for r in results.values()], ignore_index=True)
    rows, missing = [], []
    for name in sources:
        raw_rows = raw[name]["__row__"].to_numpy(dtype="int64")
        mapped = np.isin(raw_rows, lineage.loc[lineage["extract"] == name, "row"].to_numpy(dtype="int64"))
        rejected = np.isin(raw_rows, rejections.loc[rejections["extract"] == name, "row"].to_numpy(dtype="int64"))
        rejected &= ~mapped
        lost = ~mapped & ~rejected
        rows.append([name, len(raw_rows), int(mapped.sum()), int(rejected.sum()), int(lost.sum())])
        if lost.any():
            missing.append((name, int(raw_rows[lost][0]), int(lost.sum())))
    table = pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS[:5]).assign(use="mapped")
    if missing:
        name, row, count = missing[0]
        raise MappingError(f"{count} raw row(s) neither mapped nor rejected", file=name, row=row,
                           expected="every raw row in an SDTM dataset or in the rejection log")
    return table


def account_for_all(table: pd.DataFrame, raw: dict[str, pd.DataFrame], ctx: MapContext,
                    results: dict[str, MappingResult], specs, others: list[str]) -> pd.DataFrame:
    """Add every other file of the raw folder to the reconciliation: an extract read only through look-ups
    (``use = look-up``, with ``matched`` / ``unmatched`` rows: whose subject is / is not a mapped DM subject),
    an extract nothing reads and any non-CSV file (``use = not used``). Nothing in the raw folder goes
    unmentioned."""
    subjects = mapped_subjects(raw, results, specs)
    extra = []
    for name in sorted(set(raw) - set(table["extract"])):
        subject = ctx.lookups.get(name)
        if subject is None:
            extra.append([name, len(raw[name]), 0, 0, 0, "not used", pd.NA, pd.NA])
            continue
        col = raw[name].get(subject)
        hit = col.str.strip().isin(subjects).to_numpy() if col is not None and subjects is not None else None
        matched = int(hit.sum()) if hit is not None else pd.NA
        unmatched = len(raw[name]) - matched if hit is not None else pd.NA
        extra.append([name, len(raw[name]), 0, 0, 0, "look-up", matched, unmatched])
    extra += [[name, pd.NA, 0, 0, 0, "not used (not a CSV extract)", pd.NA, pd.NA] for name in others]
    out = pd.concat([table, pd.DataFrame(extra, columns=RECONCILIATION_COLUMNS)], ignore_index=True)
    for c in ("raw_rows", "matched", "unmatched"):
        out[c] = out[c].astype("Int64")
    return out[RECONCILIATION_COLUMNS]


def mapped_subjects(raw: dict[str, pd.DataFrame], results: dict[str, MappingResult], specs) -> set[str] | None:
    """The raw subject identifiers of the rows mapped into DM (``None`` without DM)."""
    if "DM" not in results or "DM" not in specs:
        return None
    subject = specs["DM"].settings.get("subject", "SUBJID")
    lineage = results["DM"].lineage
    found: set[str] = set()
    for name in lineage["extract"].unique():
        frame = raw.get(name)
        if frame is None or subject not in frame.columns:
            continue
        rows = lineage.loc[lineage["extract"] == name, "row"].to_numpy(dtype="int64")
        found |= set(frame[subject].to_numpy()[rows - 1].astype(str))
    return {s.strip() for s in found}


def raw_origin(res: MappingResult, files: dict[str, str]) -> Callable[[int], tuple[str, int]]:
    """Record ``position`` (0-based) of a mapped dataset → (raw extract file, 1-based raw row), from its
    lineage: how a value the writer refuses (text XPT v5 cannot hold, a number beyond the IBM float) is
    named by the raw row it came from."""

    def origin(position: int) -> tuple[str, int]:
        lin = res.lineage.iloc[position]
        return files.get(lin["extract"], lin["extract"]), int(lin["row"])

    return origin


def map_study(study: Study, raw_dir: Path | str, out_dir: Path | str | None = None,
              domains: list[str] | None = None, design_dir: Path | str | None = None) -> StudyMapping:
    """Map and write ``sdtm/<name>.xpt`` + ``.json``, ``sdtm/lineage/<name>.csv``, ``sdtm/rejections.csv``
    and ``sdtm/reconciliation.csv`` under ``out_dir`` (default: the study's sdtm stage folder)."""
    raw_dir = Path(raw_dir)
    raw = read_raw_folder(raw_dir)
    files = {name: str(raw_dir / f"{name}.csv") for name in raw}
    others = [p.name for p in raw_files(raw_dir) if p.suffix != ".csv"]
    design = {}
    if design_dir is not None:
        design = {k: v for k, v in read_folder(design_dir).items() if k in DESIGN}
        design = {k: v for k, v in design.items() if k not in study.sdtm_specs}
    result = map_all(study, raw, files, domains, design, others)
    target = Path(out_dir) if out_dir is not None else study.stage_dir("sdtm")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes 0700; the published folder follows the umask
    try:
        (tmp / "lineage").mkdir()
        for name, res in result.results.items():
            write_datasets(res.data, tmp, study.sdtm_specs[name], study_oid=study.studyid,
                           origin=raw_origin(res, files))
            to_csv_text(res.lineage, tmp / "lineage" / f"{name.lower()}.csv")
        to_csv_text(result.rejections[REJECTION_COLUMNS], tmp / "rejections.csv")
        to_csv_text(result.reconciliation, tmp / "reconciliation.csv")
        if domains and target.is_dir():
            for path in sorted(tmp.rglob("*")):
                if path.is_file():
                    dest = target / path.relative_to(tmp)
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(path, dest)
            shutil.rmtree(tmp)
        else:
            old = target.with_name(f".{target.name}.old")
            if old.exists():
                shutil.rmtree(old)
            if target.exists():
                target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result
