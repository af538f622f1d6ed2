"""Vectorised clinical formulas, with admiral's ``compute_*`` names and answers.

Each takes numeric Series/arrays (units as stated) and returns a float Series; missing inputs give NaN.
They are the ``AVAL`` formulas of computed parameters (:func:`cdiscflow.adam.params.derive_param_computed`):

* :func:`compute_bmi` — kg / m² from height (cm) and weight (kg);
* :func:`compute_bsa` — body surface area (m²) by Mosteller, DuBois-DuBois, Haycock, Gehan-George, Boyd,
  Fujimoto or Takahira;
* :func:`compute_map` — mean arterial pressure (mmHg), with or without heart rate;
* :func:`compute_qtc` — corrected QT (msec) by Bazett, Fridericia or Sagie; :func:`compute_rr` — RR (msec) from
  heart rate;
* :func:`compute_egfr` — creatinine clearance (Cockcroft-Gault, "CRCL"), eGFR by MDRD or CKD-EPI 2021;
* :func:`compute_framingham` — Framingham 10-year cardiovascular risk (%);
* :func:`compute_age_years` — ages in other units as years (lubridate durations: a year is 365.25 days).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from cdiscflow.errors import DerivationError

ArrayLike = pd.Series | np.ndarray | Sequence[float] | float

BSA_METHODS = ("Mosteller", "DuBois-DuBois", "Haycock", "Gehan-George", "Boyd", "Fujimoto", "Takahira")
QTC_METHODS = ("Bazett", "Fridericia", "Sagie")
EGFR_METHODS = ("CRCL", "MDRD", "CKD-EPI")
#: seconds per unit, as lubridate's durations (a month is 1/12 of 365.25 days)
AGE_UNIT_SECONDS = {"years": 31_557_600.0, "months": 2_629_800.0, "weeks": 604_800.0, "days": 86_400.0,
                    "hours": 3_600.0, "minutes": 60.0, "seconds": 1.0}


def _num(values: ArrayLike, name: str) -> pd.Series:
    """A float Series; text that is not a number is an error (admiral's ``assert_numeric_vector``)."""
    series = values if isinstance(values, pd.Series) else pd.Series(np.atleast_1d(values))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        raise DerivationError(f"{name} must be numeric", variable=name, expected="a numeric vector")
    return series.astype("float64")


def _text(values: ArrayLike | str, like: pd.Series) -> pd.Series:
    """A text Series aligned with ``like`` (a scalar is repeated)."""
    if isinstance(values, str) or values is None:
        return pd.Series(values, index=like.index, dtype=object)
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), index=like.index)
    return series.astype(object)


def _choice(method: str, allowed: Sequence[str], what: str) -> None:
    if method not in allowed:
        raise DerivationError(f"{what} method {method!r}", variable=what, expected=f"one of {', '.join(allowed)}")


def compute_bmi(height: ArrayLike, weight: ArrayLike) -> pd.Series:
    """Body mass index (kg/m²): ``weight / (height/100)²``; a zero height gives NaN.

    >>> compute_bmi([170.0, 0.0], [70.0, 70.0]).round(2).tolist()
    [24.22, nan]
    """
    h, w = _num(height, "height"), _num(weight, "weight")
    return (w / (h * h / 10000.0)).where(h != 0)


def compute_bsa(height: ArrayLike, weight: ArrayLike, method: str) -> pd.Series:
    """Body surface area (m²) from height (cm) and weight (kg) by ``method`` (see :data:`BSA_METHODS`).

    >>> compute_bsa([170.0], [70.0], "Mosteller").round(4).tolist()
    [1.8181]
    """
    _choice(method, BSA_METHODS, "compute_bsa")
    h, w = _num(height, "height"), _num(weight, "weight")
    if method == "Mosteller":
        return np.sqrt(h * w / 3600.0)
    if method == "Boyd":  # the formula takes the weight in grams
        grams = 1000.0 * w
        return 0.0003207 * h**0.3 * grams ** (0.7285 - 0.0188 * np.log10(grams))
    coef, h_exp, w_exp = {"DuBois-DuBois": (0.007184, 0.725, 0.425), "Haycock": (0.024265, 0.3964, 0.5378),
                          "Gehan-George": (0.0235, 0.42246, 0.51456), "Fujimoto": (0.008883, 0.663, 0.444),
                          "Takahira": (0.007241, 0.725, 0.425)}[method]
    return coef * h**h_exp * w**w_exp


def compute_map(diabp: ArrayLike, sysbp: ArrayLike, hr: ArrayLike | None = None) -> pd.Series:
    """Mean arterial pressure (mmHg): ``(2·DIABP + SYSBP)/3``, or with heart rate
    ``DIABP + 0.01·exp(4.14 − 40.74/HR)·(SYSBP − DIABP)``.

    >>> compute_map([80.0], [120.0]).round(3).tolist()
    [93.333]
    """
    dia, sys_ = _num(diabp, "diabp"), _num(sysbp, "sysbp")
    if hr is None:
        return (2.0 * dia + sys_) / 3.0
    rate = _num(hr, "hr")
    return dia + 0.01 * np.exp(4.14 - 40.74 / rate) * (sys_ - dia)


def compute_rr(hr: ArrayLike) -> pd.Series:
    """RR interval (msec) from heart rate (beats/min): ``60000 / HR``.

    >>> compute_rr([60.0, 75.0]).tolist()
    [1000.0, 800.0]
    """
    return 60000.0 / _num(hr, "hr")


def compute_qtc(qt: ArrayLike, rr: ArrayLike, method: str) -> pd.Series:
    """Corrected QT (msec) from QT and RR (msec): Bazett ``QT/√(RR/1000)``, Fridericia ``QT/∛(RR/1000)``,
    Sagie ``1000·(QT/1000 + 0.154·(1 − RR/1000))``.

    >>> compute_qtc([400.0], [810.0], "Fridericia").round(2).tolist()
    [429.11]
    """
    _choice(method, QTC_METHODS, "compute_qtc")
    q, r = _num(qt, "qt"), _num(rr, "rr")
    if method == "Bazett":
        return q / np.sqrt(r / 1000.0)
    if method == "Fridericia":
        return q / (r / 1000.0) ** (1.0 / 3.0)
    return 1000.0 * (q / 1000.0 + 0.154 * (1.0 - r / 1000.0))


def compute_egfr(creat: ArrayLike, creatu: ArrayLike | str = "SI", *, age: ArrayLike, sex: ArrayLike | str,
                 method: str, weight: ArrayLike | None = None, race: ArrayLike | str | None = None) -> pd.Series:
    """Kidney function from serum creatinine (admiral ``compute_egfr``).

    ``creatu`` is ``"SI"``/``"umol/L"`` (µmol/L, divided by 88.42 to mg/dL) or ``"CV"``/``"mg/dL"``.
    ``CRCL``: Cockcroft-Gault creatinine clearance (mL/min; needs ``weight`` in kg; in SI units the
    1.23 (male) / 1.04 (female) constants); ``MDRD``: 175·Scr^−1.154·age^−0.203 (×0.742 female, ×1.212 black
    or African American; needs ``race``); ``CKD-EPI``: the 2021 race-free equation
    142·min(Scr/κ,1)^α·max(Scr/κ,1)^−1.200·0.9938^age (×1.012 female; κ 0.7/0.9, α −0.241/−0.302 F/M).
    Sex other than ``M``/``F`` gives NaN.

    >>> compute_egfr([1.09], "mg/dL", age=55.0, sex="M", method="CKD-EPI").round(1).tolist()
    [80.2]
    """
    _choice(method, EGFR_METHODS, "compute_egfr")
    cr, years = _num(creat, "creat"), _num(age, "age")
    units = _text(creatu, cr).astype(str).str.lower()
    conventional = units.isin(["cv", "mg/dl"])
    scr = cr.where(conventional, cr / 88.42)
    sexes = _text(sex, cr)
    female, male = sexes.eq("F"), sexes.eq("M")
    nan = pd.Series(np.nan, index=cr.index)
    if method == "MDRD":
        if race is None:
            raise DerivationError("MDRD needs race", variable="race", expected="a race column")
        base = 175.0 * scr**-1.154 * years**-0.203
        black = _text(race, cr).eq("BLACK OR AFRICAN AMERICAN")
        out = base.where(male, base * 0.742).where(female | male, nan)
        return out.where(~black, out * 1.212)
    if method == "CRCL":
        if weight is None:
            raise DerivationError("CRCL needs weight", variable="weight", expected="a weight column (kg)")
        kg = _num(weight, "weight")
        numerator = (140.0 - years) * kg
        out = pd.Series(np.select(
            [conventional & female, conventional & male, female, male],
            [numerator * 0.85 / (cr * 72.0), numerator / (cr * 72.0), numerator * 1.04 / cr, numerator * 1.23 / cr],
            np.nan), index=cr.index)
        return out
    kappa = pd.Series(np.select([female, male], [0.7, 0.9], np.nan), index=cr.index)
    alpha = pd.Series(np.select([female, male], [-0.241, -0.302], np.nan), index=cr.index)
    sex_coef = pd.Series(np.select([female, male], [1.012, 1.0], np.nan), index=cr.index)
    ratio = scr / kappa
    return 142.0 * np.minimum(ratio, 1.0) ** alpha * np.maximum(ratio, 1.0) ** -1.200 * 0.9938**years * sex_coef


def compute_framingham(sysbp: ArrayLike, chol: ArrayLike, cholhdl: ArrayLike, age: ArrayLike, sex: ArrayLike | str,
                       smokefl: ArrayLike | str, diabetfl: ArrayLike | str, trthypfl: ArrayLike | str) -> pd.Series:
    """Framingham general cardiovascular 10-year risk score (%), D'Agostino 2008 (admiral's coefficients).

    >>> compute_framingham([133.0], [216.16], [54.91], 53.0, "M", "N", "N", "N").round(3).tolist()
    [10.375]
    """
    bp, tc, hdl, years = (_num(sysbp, "sysbp"), _num(chol, "chol"), _num(cholhdl, "cholhdl"), _num(age, "age"))
    sexes, smoker, diabetic, treated = (_text(v, bp) for v in (sex, smokefl, diabetfl, trthypfl))
    treated_bp = np.log(bp.where(treated.eq("Y"), 1.0))
    untreated_bp = np.log(bp.where(treated.eq("N"), 1.0))
    smokes, diab = smoker.eq("Y").astype(float), diabetic.eq("Y").astype(float)
    female = (1 - 0.95012 ** np.exp(2.32888 * np.log(years) + 1.20904 * np.log(tc) - 0.70833 * np.log(hdl)
                                    + 2.76157 * untreated_bp + 2.82263 * treated_bp + 0.52873 * smokes
                                    + 0.69154 * diab - 26.1931))
    male = (1 - 0.88936 ** np.exp(3.06117 * np.log(years) + 1.12370 * np.log(tc) - 0.93263 * np.log(hdl)
                                  + 1.93303 * untreated_bp + 1.99881 * treated_bp + 0.65451 * smokes
                                  + 0.57367 * diab - 23.9802))
    return female.where(sexes.eq("F"), male) * 100.0


def compute_age_years(age: ArrayLike, age_unit: ArrayLike | str) -> pd.Series:
    """Ages in ``age_unit`` (years, months, weeks, days, hours, minutes, seconds; any case) as years.

    >>> compute_age_years([240.0, 52.0], ["MONTHS", "weeks"]).round(4).tolist()
    [20.0, 0.9966]
    """
    values = _num(age, "age")
    units = _text(age_unit, values).str.lower()
    unknown = sorted(set(units.dropna()) - set(AGE_UNIT_SECONDS))
    if unknown:
        raise DerivationError(f"age unit(s) {', '.join(map(repr, unknown))}", variable="age_unit",
                              expected=f"one of {', '.join(AGE_UNIT_SECONDS)}")
    return values * units.map(AGE_UNIT_SECONDS) / AGE_UNIT_SECONDS["years"]


def compute_scale(source: ArrayLike, source_range: tuple[float, float] | None = None,
                  target_range: tuple[float, float] | None = None, *, flip_direction: bool = False,
                  min_n: int = 1) -> float:
    """The mean of ``source`` (a questionnaire's item scores) if at least ``min_n`` are present, optionally
    moved linearly from ``source_range`` onto ``target_range`` (reversed with ``flip_direction``); a mean
    outside ``source_range`` gives NaN (admiral ``compute_scale`` / ``transform_range``). Used per group:
    ``df.groupby(keys)["AVAL"].agg(compute_scale, (1, 5), (0, 100))``.

    >>> compute_scale([1.0, 3.0, np.nan], (1, 5), (0, 100))
    25.0
    >>> compute_scale([1.0, 3.0], (1, 5), (0, 100), flip_direction=True)
    75.0
    """
    if (source_range is None) != (target_range is None):
        raise DerivationError("source_range and target_range go together", variable="source_range",
                              expected="both or neither")
    values = _num(source, "source")
    if values.notna().sum() < min_n:
        return float("nan")
    mean = float(values.mean())
    if source_range is None or target_range is None:
        return mean
    (s_lo, s_hi), (t_lo, t_hi) = source_range, target_range
    if not s_lo <= mean <= s_hi:
        return float("nan")
    share = (mean - s_lo) / (s_hi - s_lo)
    return float(t_hi - share * (t_hi - t_lo) if flip_direction else t_lo + share * (t_hi - t_lo))


def compute_qual_imputation_dec(character_value_decimal: ArrayLike | str) -> pd.Series:
    """One unit of the last decimal place of a number written as text (``"0.05"`` → 0.01, ``"5"`` → 1).

    >>> compute_qual_imputation_dec(pd.Series(["<0.05", "> 12", "3"])).tolist()
    [0.01, 1.0, 1.0]
    """
    text = pd.Series([character_value_decimal]) if isinstance(character_value_decimal, str) else pd.Series(
        character_value_decimal).astype("string")
    text = text.str.strip()
    decimals = (text.str.len() - text.str.find(".") - 1).where(text.str.contains(".", regex=False), 0)
    return (1.0 / 10.0 ** decimals.astype("float64")).astype("float64")


def compute_qual_imputation(character_value: ArrayLike | str, imputation_type: int = 1,
                            factor: float = 0.0) -> pd.Series:
    """A number from a qualified lab result (admiral ``compute_qual_imputation``): ``"<0.5"`` → 0.5 − ``factor``
    (type 1) or − one unit of its last decimal (type 2); ``">10"`` likewise upwards; ``"<=0.5"``/``">=10"`` as
    they stand; text with letters → NaN.

    >>> compute_qual_imputation(pd.Series(["<0.5", ">=10", "1.25", "NEG"]), imputation_type=2).tolist()
    [0.4, 10.0, 1.25, nan]
    """
    if imputation_type not in (1, 2):
        raise DerivationError(f"imputation_type {imputation_type!r}", variable="imputation_type", expected="1 or 2")
    text = pd.Series([character_value]) if isinstance(character_value, str) else pd.Series(
        character_value).astype("string")
    cleaned = text.where(~text.str.contains(r"[A-Za-z]", regex=True, na=False))
    number = pd.to_numeric(cleaned.str.replace(r"[=<>]", "", regex=True).str.strip(), errors="coerce")
    step = factor if imputation_type == 1 else compute_qual_imputation_dec(text.fillna(""))
    strict = ~text.str.contains("=", regex=False, na=False)
    above = text.str.contains(">", regex=False, na=False) & strict
    below = text.str.contains("<", regex=False, na=False) & strict
    result = number.where(~above, number + step).where(~below, number - step)
    return result.astype("float64")
