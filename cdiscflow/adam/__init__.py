"""ADaM: a derivation library (the Python counterpart of admiral) and the engine that runs study programs.

Library modules (pure functions ``derive_<what>(df, ..., by=...) -> DataFrame``):

* :mod:`~cdiscflow.adam.dates` — ISO 8601 → SAS dates/datetimes with imputation, --DTF/--TMF, relative days
* :mod:`~cdiscflow.adam.merge` — variables and existence flags merged from other datasets, summaries, TRTSDT/TRTEDT
* :mod:`~cdiscflow.adam.flags` — first/last/worst flags, treatment-emergent flag, condition flags
* :mod:`~cdiscflow.adam.visits` — analysis windows (AVISIT, AW*) and the analysis record flag (ANL01FL)
* :mod:`~cdiscflow.adam.baseline` — ABLFL, BASE/BNRIND, BASETYPE, CHG, PCHG, SHIFTy
* :mod:`~cdiscflow.adam.records` — LOCF, summary and extreme records with DTYPE
* :mod:`~cdiscflow.adam.params` — computed parameters (totals, ratios) and slopes
* :mod:`~cdiscflow.adam.criteria` — CRITy/CRITyFL, MCRITy
* :mod:`~cdiscflow.adam.ranges` — ANRIND
* :mod:`~cdiscflow.adam.toxgrade` — lab toxicity grades (ATOXGRL/ATOXGRH/ATOXGR) from CTCAE v4/v5/v6 and DAIDS
  criteria held as data (``adam/data/atoxgr_*.csv``)
* :mod:`~cdiscflow.adam.categorize` — grouping variables from category tables, decodes
* :mod:`~cdiscflow.adam.duration` — durations (days/weeks/months/years) and counts

Engine: :mod:`~cdiscflow.adam.engine` (``derive_study``); command: :mod:`~cdiscflow.adam.command`.
"""
