"""Findings: reshape a wide CRF to one record per test (``transpose``) and standardise results and units
(``standardize``).

``settings.transpose`` (dataset level)::

    transpose:
      result: ORRES                 # name of the long result column (default RESULT)
      tests:                        # one entry per raw result column; other keys become raw-side columns
        - {column: SYS_BP, TESTCD: SYSBP, TEST: Systolic Blood Pressure, UNIT: mmHg}
        - {column: IT.TEMP, TESTCD: TEMP, TEST: Temperature, UNIT: F}
      keep_missing: "present(TMPTC)" # also keep a blank result where this holds (a NOT DONE record)

A raw row with no result in any test column (and no kept blank) is written to the rejection log
("no result collected").

``settings.units`` (dataset level) drives ``standardize``::

    units:
      result: VSORRES      unit: VSORRESU      test: VSTESTCD
      standard: {HEIGHT: cm, WEIGHT: kg, TEMP: C}        # standard unit per test (else the original unit)
      conversions: [{from: IN, to: cm, factor: 2.54}, {from: F, to: C, add: -32, factor: 0.5555555556}]
      digits: 2                                          # rounding of converted results
      lloq: {VEGF: 31.2}                                 # limit for results reported as "<LLOQ"

and each variable names what it takes: ``{standardize: stresc|stresn|stresu|lloq}``. Results below a limit
(``<5.0``, ``<LLOQ``) keep --ORRES in --STRESC, leave --STRESN missing and set the limit (--LLOQ).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import MappingError, SpecError
from cdiscflow.expr import evaluate
from cdiscflow.mapping.context import ROW, MapContext, by_unique, column, expr_frame
from cdiscflow.specs.model import Variable

REC = "__rec__"


def transpose(work: pd.DataFrame, conf: dict[str, Any], ctx: MapContext) -> tuple[pd.DataFrame, pd.Series]:
    """Wide → long: one record per (raw row, test) with a result; returns (long frame, raw rows without any)."""
    tests = conf.get("tests")
    if not isinstance(tests, list) or not tests or not all(isinstance(t, dict) and "column" in t for t in tests):
        raise SpecError("settings.transpose.tests must list {column: RAWCOL, ...}", file=ctx.spec.file,
                        expected="tests: [{column: SYS_BP, TESTCD: SYSBP, ...}]")
    result = conf.get("result", "RESULT")
    parts = []
    for order, test in enumerate(tests):
        values = column(work, test["column"], ctx, f"{ctx.spec.name}.{result}")
        extra = {k: v for k, v in test.items() if k not in ("column", "keep_missing")}
        part = work.assign(**extra, **{result: values, REC: order})
        present = values != ""
        keep = test.get("keep_missing", conf.get("keep_missing"))
        if keep:
            present |= evaluate(keep, expr_frame(part))
        parts.append(part[present])
    long = pd.concat(parts)
    empty = pd.Series(~work.index.isin(long.index), index=work.index)
    order = np.lexsort((long[REC].to_numpy(), work.index.get_indexer(long.index)))
    long = long.iloc[order]
    long.index = pd.RangeIndex(len(long))
    return long, empty


def _units(ctx: MapContext, var: Variable) -> dict[str, Any]:
    conf = ctx.spec.settings.get("units") if ctx.spec else None
    if not isinstance(conf, dict) or not all(k in conf for k in ("result", "unit", "test")):
        raise SpecError(f"{var.name}: standardize needs settings.units with result, unit and test",
                        variable=var.name, file=ctx.spec.file if ctx.spec else None,
                        expected="units: {result: --ORRES, unit: --ORRESU, test: --TESTCD, ...}")
    return conf


def standardize(out: pd.DataFrame, arg: Any, ctx: MapContext, var: Variable) -> pd.Series:
    """--STRESC / --STRESN / --STRESU / --LLOQ from --ORRES and --ORRESU (see the module docstring); computed
    once per distinct (result, unit, test)."""
    if arg not in ("stresc", "stresn", "stresu", "lloq"):
        raise SpecError(f"{var.name}: standardize {arg!r}", variable=var.name, expected="stresc, stresn, stresu or lloq")
    conf = _units(ctx, var)
    found = by_unique(pd.DataFrame({k: out[conf[k]] for k in ("result", "unit", "test")}),
                      lambda rows: _standard(rows, conf))
    if arg == "stresu":
        return found["stresu"]
    if arg == "stresn":
        stresc = found["stresc"].astype(str).str.strip()
        bad = numeric_slice(out, ctx.spec, var.name) & ~np.isfinite(found["stresn"].to_numpy(dtype="float64")) & \
            (stresc != "") & ~stresc.str.startswith("<")
        ctx.bad_values(out, bad, var.name, found["stresc"], "result is not a number where the value-level metadata "
                       "says Num:", ctx.policy(None, "on_invalid"),
                       expected=f"a finite number (or <LIMIT) for {var.name}; fix the raw result")
    if found["unconvertible"].any():
        pos = found["unconvertible"].to_numpy().nonzero()[0][0]
        raise MappingError(f"dataset {ctx.spec.name}: no conversion from {found['unit'].iloc[pos]!r} to "
                           f"{found['stresu'].iloc[pos]!r}", file=ctx.file_of(), row=int(out[ROW].iloc[pos]),
                           variable=var.name, expected="a settings.units.conversions entry {from:, to:, factor:}")
    return found[arg]


def numeric_slice(out: pd.DataFrame, spec: Any, variable: str) -> pd.Series:
    """Records where the spec's value-level metadata says ``variable`` is Num (e.g. LBSTRESN where LBCAT =
    HEMATOLOGY); slices naming a variable that is not mapped are left out."""
    mask = pd.Series(False, index=out.index)
    for vl in getattr(spec, "value_level", None) or []:
        if vl.variable != variable or str(vl.type or "").lower() != "num" or not vl.where:
            continue
        if not all(k in out.columns for k in vl.where):
            continue
        hit = pd.Series(True, index=out.index)
        for key, want in vl.where.items():
            wanted = [str(w) for w in want] if isinstance(want, list) else [str(want)]
            hit &= out[key].astype(str).isin(wanted)
        mask |= hit
    return mask


def _standard(rows: pd.DataFrame, conf: dict[str, Any]) -> pd.DataFrame:
    """Standard result (text, number), unit and limit of each (result, unit, test) row, and whether its unit has
    no conversion to the standard unit."""
    orres = rows["result"].astype(str).str.strip()
    unit = rows["unit"].astype(str)
    test = rows["test"].astype(str)
    std_unit = test.map(conf.get("standard") or {}).fillna(unit).astype(str)
    std_unit = std_unit.where(orres != "", "")
    below = orres.str.match(r"^<\s*", na=False)
    limit_text = orres.str.replace(r"^<\s*", "", regex=True)
    num = pd.to_numeric(orres.where(~below), errors="coerce")
    factor = pd.Series(1.0, index=rows.index)
    add = pd.Series(0.0, index=rows.index)
    for conv in conf.get("conversions") or []:
        hit = (unit.str.upper() == str(conv["from"]).upper()) & (std_unit.str.upper() == str(conv["to"]).upper())
        factor[hit] = float(conv.get("factor", 1.0))
        add[hit] = float(conv.get("add", 0.0))
    same = unit.str.upper() == std_unit.str.upper()
    converted = (num + add) * factor
    digits = conf.get("digits")
    if digits is not None:
        converted = np.round(converted, int(digits))
    lloq_num = pd.to_numeric(limit_text.where(below), errors="coerce")
    named = test.map({str(k): float(v) for k, v in (conf.get("lloq") or {}).items()})
    lloq = lloq_num.fillna(named.where(below)).astype("float64")
    text = converted.map("{:.15g}".format, na_action="ignore")
    return pd.DataFrame({
        "stresc": text.where(num.notna(), orres).astype(object), "stresn": converted.astype("float64"),
        "stresu": std_unit.astype(object), "lloq": (lloq + add) * factor, "unit": unit,
        "unconvertible": ~same & (factor == 1.0) & (add == 0.0) & (orres != "")})
