"""NCI controlled terminology (SDTM / ADaM / Define-XML CT files from NCI EVS).

The CT files live outside the repository, in ``../shared/data/ct/`` relative to the repo root (or wherever
``CDISCFLOW_DATA`` points). They are read once per process and indexed by codelist code (``C66731``) and by
codelist submission value (``SEX``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.specs.model import Codelist, Term

CT_FILES = {
    "sdtm": "ct/sdtm/SDTM_Terminology_{version}.txt",
    "adam": "ct/adam/ADaM_CT_{version}.csv",
    "define": "ct/define-xml/Define-XML_CT_{version}.csv",
}


def data_dir() -> Path:
    """The shared data folder: ``$CDISCFLOW_DATA`` or ``../shared/data`` beside the repo/working directory."""
    env = os.environ.get("CDISCFLOW_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    candidates = [Path.cwd(), *Path.cwd().parents, *here.parents]
    for base in candidates:
        cand = base / ".." / "shared" / "data"
        if (cand / "ct").is_dir():
            return cand.resolve()
        cand = base / "shared" / "data"
        if (cand / "ct").is_dir():
            return cand.resolve()
    raise SpecError("cannot find the shared data folder with the NCI CT files",
                    expected="../shared/data/ct beside the repository, or CDISCFLOW_DATA set to it")


class Terminology:
    """One CT package (e.g. SDTM CT 2025-03-28), queried by codelist code or submission value."""

    def __init__(self, table: pd.DataFrame, source: str) -> None:
        self.source = source
        heads = table[table["Codelist Code"].isna() | (table["Codelist Code"] == "")]
        terms = table[~(table["Codelist Code"].isna() | (table["Codelist Code"] == ""))]
        self._heads = heads.set_index("Code")
        self._by_name = {v: k for k, v in heads.set_index("Code")["CDISC Submission Value"].items()}
        self._terms = {code: grp for code, grp in terms.groupby("Codelist Code", sort=False)}

    def resolve_code(self, ref: str) -> str:
        """Codelist code for ``ref`` (a C-code or the codelist's submission value such as ``SEX``)."""
        if ref in self._heads.index:
            return ref
        if ref in self._by_name:
            return self._by_name[ref]
        raise SpecError(f"codelist {ref!r} is not in {self.source}", expected="an NCI codelist code or short name")

    def codelist(self, ref: str, id: str | None = None) -> Codelist:
        code = self.resolve_code(ref)
        head = self._heads.loc[code]
        grp = self._terms.get(code)
        terms: list[Term] = []
        if grp is not None:
            synonyms = grp["CDISC Synonym(s)"].str.split(";")
            terms = [
                Term(value=value, code=tcode, decode=decode or None,
                     synonyms=[s.strip() for s in syn if s.strip()] if isinstance(syn, list) else [])
                for value, tcode, decode, syn in zip(grp["CDISC Submission Value"], grp["Code"], grp["NCI Preferred Term"],
                                                     synonyms, strict=True)
            ]
        return Codelist(id=id or str(head["CDISC Submission Value"]), name=str(head["Codelist Name"]),
                        terms=terms, code=code, extensible=str(head["Codelist Extensible (Yes/No)"]) == "Yes",
                        source=self.source)

    def names(self) -> list[str]:
        return sorted(self._by_name)


@lru_cache(maxsize=8)
def load_terminology(kind: str = "sdtm", version: str = "2025-03-28") -> Terminology:
    """Load an NCI CT package (``kind`` sdtm | adam | define) from the shared data folder."""
    if kind not in CT_FILES:
        raise SpecError(f"unknown CT kind {kind!r}", expected=", ".join(CT_FILES))
    path = data_dir() / CT_FILES[kind].format(version=version)
    if not path.is_file():
        raise SpecError(f"CT file not found: {path}", file=str(path),
                        expected="an NCI EVS CT export there; set CDISCFLOW_DATA to a folder laid out like "
                        "../shared/data (ct/sdtm, ct/adam, ct/define-xml)")
    sep = "\t" if path.suffix == ".txt" else ","
    table = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
    label = {"sdtm": "SDTM CT", "adam": "ADaM CT", "define": "Define-XML CT"}[kind]
    return Terminology(table, f"{label} {version}")
