"""Lab toxicity grades from grading criteria held as data (admiral's ``derive_var_atoxgr_dir``/``derive_var_atoxgr``).

The criteria are CSV files in ``cdiscflow/adam/data`` (:func:`atoxgr_criteria`): NCI-CTCAE v4.0, v5.0 and v6.0
and the DAIDS table 2.1, each for SI units (``ctcv4``, ``ctcv5``, ``ctcv6``, ``daids``) and US conventional units
(``*_uscv``), taken from admiral's grading metadata (``tools/admiral_atoxgr.py`` rebuilds them). One row per
clause: ``TERM`` (e.g. "Anemia", matched case-insensitively), ``DIRECTION`` (L/H), ``UNIT_CHECK`` (the unit the
absolute thresholds assume; blank when the criteria only use multiples of the reference range), ``VAR_CHECK``
(the variables the criteria read), ``FILTER`` (DAIDS: the subjects a criteria set applies to, e.g. by age),
``GRADE`` ("0".."4", blank for "cannot be graded"), ``CONDITION`` (a :mod:`cdiscflow.expr` condition such as
``AVAL > 3 * ANRHI``) and ``CRITERIA`` (the grade's text in the source table). Clauses are tried in file order
within a term, filter and unit, and the first that holds gives the grade — admiral's ``case_when``; numbers are
compared at ``signif_dig`` significant digits.

Conditions may use, besides the record's variables: ``BNRIND_HIGH``/``BNRIND_LOW`` (BNRIND is one of
``high_indicator``/``low_indicator``, i.e. baseline was abnormal), and ``AGE_DAYS``, ``AGE_MONTHS``,
``AGE_YEARS`` (completed days, months, years from BRTHDT to ADT, as admiral's ``compute_duration``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from cdiscflow.adam._util import char, require
from cdiscflow.adam.duration import compute_duration
from cdiscflow.errors import DerivationError
from cdiscflow.expr import evaluate, parse

DATA = Path(__file__).parent / "data"
CRITERIA_SETS = ("ctcv4", "ctcv4_uscv", "ctcv5", "ctcv5_uscv", "ctcv6", "ctcv6_uscv", "daids", "daids_uscv")
_META_COLUMNS = ("TERM", "DIRECTION", "UNIT_CHECK", "VAR_CHECK", "GRADE", "CONDITION")
_GRADES = ("", "0", "1", "2", "3", "4")
_AGE_UNITS = {"AGE_DAYS": "days", "AGE_MONTHS": "months", "AGE_YEARS": "years"}
_SAS_EPOCH = pd.Timestamp("1960-01-01")


@lru_cache(maxsize=len(CRITERIA_SETS))
def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / f"atoxgr_{name}.csv", dtype=str, keep_default_na=False)


def atoxgr_criteria(name: str) -> pd.DataFrame:
    """The grading criteria ``name`` (admiral's ``atoxgr_criteria_<name>``), one row per clause.

    >>> crit = atoxgr_criteria("ctcv4")
    >>> crit.loc[crit["TERM"] == "Anemia", ["GRADE", "CONDITION"]].values.tolist()
    [['', 'missing(AVAL)'], ['3', 'AVAL < 80'], ['2', 'AVAL < 100'], ['', 'missing(ANRLO)'], ['1', 'AVAL < ANRLO'], ['0', 'True']]
    """
    if name not in CRITERIA_SETS:
        raise DerivationError(f"unknown toxicity grading criteria {name!r}", variable="meta_criteria",
                              expected=f"one of {', '.join(CRITERIA_SETS)}")
    return _read(name).copy()


def extract_unit(values: pd.Series) -> pd.Series:
    """The unit in parentheses at the end of a parameter label (admiral ``extract_unit``).

    >>> extract_unit(pd.Series(["Hemoglobin (g/L)", "Glucose (mmol/L)", "pH"])).tolist()
    ['g/L', 'mmol/L', '']
    """
    codes, labels = pd.factorize(values.astype("string"))  # a label repeats over many records: once per label
    units = pd.Series(labels, dtype="string").str.extract(r"(\(.+\))", expand=False).str.replace(r"[()]", "",
                                                                                                   regex=True)
    units = np.append(units.fillna("").to_numpy(dtype=object), "")  # code -1 (missing label) → ""
    return char(units[codes], values.index)


def _sas_days(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return (values - _SAS_EPOCH).dt.days.astype("float64")
    return values.astype("float64")


def _meta(meta_criteria: str | pd.DataFrame, direction: str) -> pd.DataFrame:
    meta = atoxgr_criteria(meta_criteria) if isinstance(meta_criteria, str) else meta_criteria.copy()
    require(meta, _META_COLUMNS, "derive_var_atoxgr_dir(meta_criteria)")
    if "FILTER" not in meta.columns:
        meta["FILTER"] = ""
    meta = meta.fillna("").astype({c: str for c in (*_META_COLUMNS, "FILTER")})
    bad = ~meta["DIRECTION"].str.upper().isin(["L", "H"])
    if bad.any():
        raise DerivationError(f"meta_criteria DIRECTION {meta['DIRECTION'][bad].iloc[0]!r}",
                              row=int(np.flatnonzero(bad)[0]), variable="DIRECTION", expected="L or H")
    bad = ~meta["GRADE"].isin(_GRADES)
    if bad.any():
        raise DerivationError(f"meta_criteria GRADE {meta['GRADE'][bad].iloc[0]!r}",
                              row=int(np.flatnonzero(bad)[0]), variable="GRADE", expected="blank or 0-4")
    meta = meta[meta["DIRECTION"].str.upper() == direction].reset_index(drop=True)
    meta["_TERM"] = meta["TERM"].str.upper()
    meta["_UNIT"] = meta["UNIT_CHECK"].str.strip().str.upper()
    key = meta["_TERM"] + "\x1f" + meta["FILTER"] + "\x1f" + meta["_UNIT"]
    meta["_BLOCK"] = (key != key.shift()).cumsum()
    content = (meta["GRADE"] + "\x1f" + meta["CONDITION"]).groupby(meta["_BLOCK"]).agg("\x1e".join)
    blocks = pd.DataFrame({"key": key.groupby(meta["_BLOCK"]).first(), "content": content})
    blocks = blocks.drop_duplicates()  # the same criteria twice (e.g. SI and US sets combined) count once
    split = blocks["key"].duplicated(keep=False)
    if split.any():
        term, filt, unit = blocks.loc[split, "key"].iloc[0].split("\x1f")
        raise DerivationError(f"meta_criteria holds two criteria sets for {term} (filter {filt!r}, unit {unit!r})",
                              variable="TERM", expected="one criteria set per term, filter and unit")
    meta = meta[meta["_BLOCK"].isin(blocks.index)]
    return meta


def _frame(df: pd.DataFrame, meta: pd.DataFrame, high: Sequence[str] | None,
           low: Sequence[str] | None) -> pd.DataFrame:
    """The columns the conditions read, with the helper columns they name."""
    names: set[str] = set()
    for text in pd.concat([meta["CONDITION"], meta["FILTER"]]).unique():
        if text.strip():
            names |= parse(text).names
    frame = pd.DataFrame(index=df.index)
    for name in sorted(names):
        if name in df.columns:
            frame[name] = df[name]
        elif name in ("BNRIND_HIGH", "BNRIND_LOW"):
            indicator = high if name == "BNRIND_HIGH" else low
            arg = "high_indicator" if name == "BNRIND_HIGH" else "low_indicator"
            if indicator is None:
                terms = meta.loc[meta["CONDITION"].str.contains(name), "TERM"].iloc[0]
                raise DerivationError(f"the criteria for {terms!r} compare with baseline when BNRIND is abnormal",
                                      variable=arg, expected=f"{arg}, e.g. ['HIGH']")
            require(df, ["BNRIND"], f"derive_var_atoxgr_dir({arg})")
            frame[name] = df["BNRIND"].isin(list(indicator))
        elif name in _AGE_UNITS:
            require(df, ["BRTHDT", "ADT"], f"derive_var_atoxgr_dir({name})")
            unit = _AGE_UNITS[name]
            frame[name] = compute_duration(_sas_days(df["BRTHDT"]), _sas_days(df["ADT"]), out_unit=unit, add_one=False,
                                           trunc_out=True, type="duration" if unit == "days" else "interval")
    return frame


def derive_var_atoxgr_dir(df: pd.DataFrame, new_var: str, tox_description_var: str,
                          meta_criteria: str | pd.DataFrame, criteria_direction: str, *,
                          get_unit_expr: str | pd.Series, high_indicator: str | Sequence[str] | None = None,
                          low_indicator: str | Sequence[str] | None = None, signif_dig: int = 15) -> pd.DataFrame:
    """Lab toxicity grade "0".."4" in one direction (admiral ``derive_var_atoxgr_dir``).

    ``tox_description_var`` holds the criteria term of each record (e.g. ATOXDSCL "Anemia"); ``meta_criteria``
    is a criteria set's name (:data:`CRITERIA_SETS`) or a frame of the same layout; ``criteria_direction`` "L"
    or "H". ``get_unit_expr`` is the record's unit: a column name or a Series (e.g. ``extract_unit(df["PARAM"])``);
    criteria with a ``UNIT_CHECK`` grade only records in that unit (case-insensitive; missing unit: no grade).
    ``high_indicator``/``low_indicator`` are the BNRIND value(s) meaning an abnormal baseline (CTCAE v5/v6 liver
    tests compare with baseline then). ``new_var`` is blank where no grade can be derived, and for terms that
    are not in the criteria.

    >>> lb = pd.DataFrame({"ATOXDSCL": ["Anemia", "Anemia", "Anemia", "Anemia", "Hypoglycemia", ""],
    ...                    "AVAL": [75.0, 99.0, 130.0, 140.0, 2.9, 1.0], "ANRLO": [120.0, 120.0, 120.0, None, 3.9, 1.0],
    ...                    "PARAM": ["Hemoglobin (g/L)"] * 4 + ["Glucose (mmol/L)", "Other"]})
    >>> derive_var_atoxgr_dir(lb, "ATOXGRL", "ATOXDSCL", "ctcv4", "L",
    ...                       get_unit_expr=extract_unit(lb["PARAM"]))["ATOXGRL"].tolist()
    ['3', '2', '0', '', '2', '']
    """
    if criteria_direction not in ("L", "H"):
        raise DerivationError(f"criteria_direction {criteria_direction!r}", variable="criteria_direction",
                              expected="L or H")
    if isinstance(signif_dig, bool) or not isinstance(signif_dig, int | np.integer) or signif_dig < 1:
        raise DerivationError(f"signif_dig {signif_dig!r}", variable="signif_dig", expected="a positive whole number")
    high_indicator, low_indicator = ([v] if isinstance(v, str) else v for v in (high_indicator, low_indicator))
    require(df, [tox_description_var], f"derive_var_atoxgr_dir({new_var})")
    if isinstance(get_unit_expr, str):
        require(df, [get_unit_expr], f"derive_var_atoxgr_dir({new_var}) get_unit_expr")
        get_unit_expr = df[get_unit_expr]
    units = get_unit_expr.reindex(df.index).astype("string").str.strip().str.upper().fillna("")
    unit_codes, unit_names = pd.factorize(units)
    meta = _meta(meta_criteria, criteria_direction)
    terms = df[tox_description_var].astype("string").str.upper().fillna("")
    term_codes, term_names = pd.factorize(terms)
    present = {t: k for k, t in enumerate(term_names) if t}
    meta = meta[meta["_TERM"].isin(present)]
    out = np.full(len(df), "", dtype=object)
    if meta.empty:
        return df.assign(**{new_var: char(out, df.index)})
    frame = _frame(df, meta, high_indicator, low_indicator)
    unit_code = {u: k for k, u in enumerate(unit_names)}
    for term, crit_term in meta.groupby("_TERM", sort=False):
        rows = np.flatnonzero(term_codes == present[term])
        needed = sorted({v.strip() for vc in crit_term["VAR_CHECK"] for v in vc.split(",") if v.strip()})
        require(df, needed, f"derive_var_atoxgr_dir({new_var}) for {crit_term['TERM'].iloc[0]!r}")
        for filt, crit_filter in crit_term.groupby("FILTER", sort=False):
            if filt.strip():
                inside = evaluate(filt, frame.iloc[rows]).to_numpy()
                here, rows = rows[inside], rows[~inside]
            else:
                here, rows = rows, rows[:0]
            for unit, crit in crit_filter.groupby("_UNIT", sort=False):
                if unit:
                    codes = unit_codes[here]
                    match = codes == unit_code.get(unit, -2)
                    target, here = here[match], here[~match & (codes != unit_code.get("", -2))]
                else:
                    target, here = here, here[:0]
                if len(target):
                    sub = frame.iloc[target]
                    conds = [evaluate(c, sub, signif_digits=int(signif_dig)).to_numpy() for c in crit["CONDITION"]]
                    out[target] = np.select(conds, crit["GRADE"].tolist(), default="")
    return df.assign(**{new_var: char(out, df.index)})


def derive_var_atoxgr(df: pd.DataFrame, lotox_description_var: str = "ATOXDSCL",
                      hitox_description_var: str = "ATOXDSCH") -> pd.DataFrame:
    """Overall grade ATOXGR from ATOXGRL and ATOXGRH (admiral ``derive_var_atoxgr``).

    A low grade above 0 gives "-1".."-4", else a high grade above 0 gives "1".."4"; "0" when one direction is
    "0" and the other is "0" too or has no criteria term; blank otherwise (e.g. one direction not gradable).

    >>> lb = pd.DataFrame({"ATOXDSCL": ["Hypoglycemia", "Hypoglycemia", "", "Hypophosphatemia"],
    ...                    "ATOXDSCH": ["Hyperglycemia", "Hyperglycemia", "INR increased", ""],
    ...                    "ATOXGRL": ["", "0", "", "1"], "ATOXGRH": ["0", "2", "0", ""]})
    >>> derive_var_atoxgr(lb)["ATOXGR"].tolist()
    ['', '2', '0', '-1']
    """
    require(df, [lotox_description_var, "ATOXGRL", hitox_description_var, "ATOXGRH"], "derive_var_atoxgr")
    low, high = (df[c].astype("string").fillna("") for c in ("ATOXGRL", "ATOXGRH"))
    for name, values in (("ATOXGRL", low), ("ATOXGRH", high)):
        bad = ~values.isin(_GRADES)
        if bad.any():
            raise DerivationError(f"grade {values[bad].iloc[0]!r}", row=str(df.index[bad][0]), variable=name,
                                  expected="blank or 0-4")
    no_low, no_high = (df[c].astype("string").fillna("").str.strip() == "" for c in (lotox_description_var,
                                                                                     hitox_description_var))
    conds = [(low == "") & (high == ""), low >= "1", high >= "1",
             ((low == "0") | no_low) & (high == "0"), ((high == "0") | no_high) & (low == "0")]
    values = ["", ("-" + low).to_numpy(dtype=object), high.to_numpy(dtype=object), "0", "0"]
    out = np.select([c.to_numpy(dtype=bool) for c in conds], values, default="")
    return df.assign(ATOXGR=char(out, df.index))
