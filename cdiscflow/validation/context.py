"""What a check sees: one dataset (frame, spec, XPT metadata) inside the whole study being validated."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.specs.ct import load_terminology
from cdiscflow.specs.model import Codelist, Dataset, Term

# SDTM observation classes by domain (SDTMIG section 2 / the SDTM model); a spec's ``class:`` overrides.
SDTM_CLASSES = {
    "INTERVENTIONS": ("AG", "CM", "EC", "EX", "ML", "PR", "SU"),
    "EVENTS": ("AE", "BE", "CE", "DS", "DV", "HO", "MH"),
    "FINDINGS": ("BS", "CP", "CV", "DA", "DD", "EG", "FA", "FT", "GF", "IE", "IS", "LB", "MB", "MI", "MK",
                 "MS", "NV", "OE", "PC", "PE", "PP", "QS", "RE", "RP", "RS", "SC", "SS", "TR", "TU", "UR",
                 "VS"),
    "SPECIAL PURPOSE": ("CO", "DM", "SE", "SM", "SV"),
    "TRIAL DESIGN": ("TA", "TD", "TE", "TI", "TM", "TS", "TV"),
    "RELATIONSHIP": ("RELREC", "RELSUB", "RELSPEC"),
}


@dataclass
class DatasetMeta:
    """Attributes read from the transport file, when there is one (labels, lengths)."""

    label: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    lengths: dict[str, int] = field(default_factory=dict)


@dataclass
class StudyData:
    """Everything being validated: datasets by name, their standard, specs, XPT metadata and codelists."""

    datasets: dict[str, pd.DataFrame]
    standards: dict[str, str]
    specs: dict[str, Dataset] = field(default_factory=dict)
    meta: dict[str, DatasetMeta] = field(default_factory=dict)
    codelists: dict[str, Codelist] = field(default_factory=dict)
    ct_version: str = "2025-03-28"
    studyid: str | None = None
    data_cutoff: str | None = None  # ISO date (study.yaml ``data_cutoff:``): no record is dated after it
    # standard (SDTM | ADAM) → what its define.xml is or is built from ("define.xml FILE", "specs DIR")
    define_sources: dict[str, str] = field(default_factory=dict)
    _ct_cache: dict[str, Codelist | None] = field(default_factory=dict, repr=False)
    _text_cache: dict[tuple[str, str], pd.Series] = field(default_factory=dict, repr=False)

    def text(self, dataset: str, variable: str) -> pd.Series:
        """``text()`` of a dataset's column, computed once per run (many rules read the same columns)."""
        key = (dataset, variable)
        if key not in self._text_cache:
            self._text_cache[key] = text(self.datasets[dataset][variable])
        return self._text_cache[key]

    def codelist(self, ref: str, nci: bool = False) -> Codelist | None:
        """A study codelist by id (unless ``nci``), else the NCI codelist with that short name or code (SDTM CT,
        then ADaM CT) with the study's extensions of it; None when there is none."""
        if ref in self.codelists and not nci:
            return self.codelists[ref]
        if ref not in self._ct_cache:
            found = None
            for kind in ("sdtm", "adam"):
                try:
                    found = load_terminology(kind, self.ct_version).codelist(ref)
                    break
                except SpecError:
                    continue
            self._ct_cache[ref] = None if found is None else self.extended(found)
        return self._ct_cache[ref]

    def extended(self, nci: Codelist) -> Codelist:
        """The full NCI codelist plus the terms the study adds to it: the ``extend:`` terms of every study
        codelist that references it (same NCI code), as a sponsor declares extensions of an extensible list in
        its define.xml. Non-extensible lists are returned as they are."""
        if not nci.extensible:
            return nci
        known = set(nci.values)
        added: dict[str, Term] = {}
        for cl in self.codelists.values():
            if cl.code == nci.code:
                added.update((t.value, t) for t in cl.extend if t.value not in known)
        if not added:
            return nci
        return replace(nci, terms=[*nci.terms, *added.values()], extend=list(added.values()))

    def dataset_class(self, name: str) -> str | None:
        spec = self.specs.get(name)
        if spec is not None and spec.cls:
            return spec.cls.upper()
        if self.standards.get(name) == "ADAM":
            df = self.datasets[name]
            if name == "ADSL":
                return "SUBJECT LEVEL ANALYSIS DATASET"
            if "PARAMCD" in df.columns:
                return "BASIC DATA STRUCTURE"
            return "OCCURRENCE DATA STRUCTURE"
        if name.startswith("SUPP") or name.startswith("SQ"):
            return "RELATIONSHIP"
        for cls, domains in SDTM_CLASSES.items():
            if name in domains or name[:2] in domains and len(name) == 4:
                return cls
        return None


@dataclass
class Target:
    """One dataset a rule runs on, with the rule's variable patterns resolved for it."""

    name: str
    df: pd.DataFrame
    study: StudyData
    spec: Dataset | None
    meta: DatasetMeta | None
    variables: list[str]

    @property
    def prefix(self) -> str:
        """The ``--`` prefix: the domain code (RDOMAIN-less datasets use their name's first two letters)."""
        if "DOMAIN" in self.df.columns and len(self.df):
            first = str(self.df["DOMAIN"].iloc[0]).strip()
            if len(first) == 2:
                return first
        return self.name[:2]

    def text(self, variable: str) -> pd.Series:
        """The column as text (see :func:`text`), cached for the run."""
        if self.study.datasets.get(self.name) is self.df:
            return self.study.text(self.name, variable)
        return text(self.df[variable])

    def resolve(self, pattern: str) -> list[str]:
        return resolve(pattern, self.prefix, list(self.df.columns))

    def resolve_all(self, patterns: list[str] | tuple[str, ...]) -> list[str]:
        out: list[str] = []
        for p in patterns:
            out += [c for c in self.resolve(p) if c not in out]
        return out


def resolve(pattern: str, prefix: str, columns: list[str]) -> list[str]:
    """Columns matching ``pattern``: ``--DTC`` (domain prefix), a glob (``*DTC``) or an exact name."""
    pattern = pattern.upper()
    if pattern.startswith("--"):
        name = prefix + pattern[2:]
        return [name] if name in columns else []
    if any(ch in pattern for ch in "*?["):
        return [c for c in columns if fnmatch.fnmatchcase(c.upper(), pattern)]
    return [pattern] if pattern in columns else []


def is_blank(s: pd.Series) -> pd.Series:
    """Missing values: NaN/None, and empty or blank text."""
    if pd.api.types.is_numeric_dtype(s):
        return s.isna()
    return s.isna() | s.astype("str").str.strip().eq("")


def text(s: pd.Series) -> pd.Series:
    """A column as text with missing as "" and trailing blanks dropped (as SAS compares; leading blanks count)."""
    return s.astype("str").where(~s.isna(), "").str.rstrip()


def match_names(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def params_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
