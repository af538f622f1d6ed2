"""``supp``: qualifiers routed to a SUPP-- dataset.

The SUPP-- spec names its parent and its qualifiers; each qualifier's value is mapped with the same
vocabulary as a variable, on the parent's raw rows::

    dataset: SUPPDM
    source: DM                       # the parent domain: SUPPDM is mapped together with DM
    settings:
      supp:
        idvar: ""                    # or AESEQ: IDVAR/IDVARVAL identify the parent record
        qualifiers:
          - {qnam: ITT, qlabel: Intent to Treat Population Flag, qorig: DERIVED, qeval: CLINICAL STUDY SPONSOR,
             map: {flag_exists: {source: ds_raw, where: "IT_DSDECOD == 'Randomized'"}}}

One SUPP record per parent record and qualifier with a non-blank value.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from cdiscflow.errors import SpecError
from cdiscflow.specs.conform import as_char
from cdiscflow.specs.model import Dataset


def supp_settings(spec: Dataset) -> dict[str, Any]:
    conf = spec.settings.get("supp")
    if not isinstance(conf, dict) or not isinstance(conf.get("qualifiers"), list) or not conf["qualifiers"]:
        raise SpecError(f"dataset {spec.name}: settings.supp.qualifiers is missing", file=spec.file,
                        expected="supp: {idvar: ..., qualifiers: [{qnam:, qlabel:, map: ...}]}")
    for i, q in enumerate(conf["qualifiers"]):
        if not isinstance(q, dict) or not all(k in q for k in ("qnam", "qlabel", "map")):
            raise SpecError(f"dataset {spec.name}: qualifier {i + 1} needs qnam, qlabel and map", file=spec.file,
                            expected="{qnam: NAME, qlabel: LABEL, map: {...}, qorig: ..., qeval: ...}")
    return conf


def supp(parent: pd.DataFrame, values: dict[str, pd.Series], spec: Dataset, rdomain: str) -> pd.DataFrame:
    """SUPP-- records (plus ``__src__``/``__row__`` lineage columns) from the parent records and the mapped
    qualifier values (QNAM → Series aligned with ``parent``)."""
    conf = supp_settings(spec)
    idvar = conf.get("idvar") or ""
    idval = as_char(parent[idvar]) if idvar else pd.Series("", index=parent.index, dtype=object)
    frames = []
    for q in conf["qualifiers"]:
        qval = as_char(values[q["qnam"]])
        keep = qval.str.strip() != ""
        frames.append(pd.DataFrame({
            "STUDYID": parent.loc[keep, "STUDYID"], "RDOMAIN": rdomain, "USUBJID": parent.loc[keep, "USUBJID"],
            "IDVAR": idvar, "IDVARVAL": idval[keep], "QNAM": q["qnam"], "QLABEL": q["qlabel"],
            "QVAL": qval[keep], "QORIG": q.get("qorig", ""), "QEVAL": q.get("qeval", ""),
            "__src__": parent.loc[keep, "__src__"], "__row__": parent.loc[keep, "__row__"],
            "__pos__": parent.index[keep]}))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["USUBJID", "__pos__", "QNAM"], kind="stable").drop(columns="__pos__")
