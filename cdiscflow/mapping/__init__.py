"""Spec-driven mapping of raw EDC extracts to SDTM.

Each SDTM variable's ``map:`` entry in its dataset spec names one algorithm of a small vocabulary — one spec
row, one call — so a study is YAML plus, rarely, a registered study function::

    variables:
      - {name: USUBJID, ..., map: {template: "01-{PATNUM}"}}
      - {name: AETERM,  ..., map: {assign: {from: IT.AETERM, case: upper}}}
      - {name: AESEV,   ..., codelist: AESEV, map: {assign_ct: IT.AESEV}}
      - {name: AESTDTC, ..., map: {datetime: {date: IT.AESTDAT, format: "%m/%d/%Y"}}}
      - {name: AESTDY,  ..., map: {study_day: AESTDTC}}
      - {name: AESEQ,   ..., map: {seq: [AESTDTC, AETERM]}}

Row-level words: ``assign`` (copy; ``case:``, ``pattern:``; Num conversion), ``template``, ``hardcode``,
``assign_ct`` / ``hardcode_ct`` (codelist + synonyms, case-insensitive, unknown → error or rejection),
``recode`` (value table), ``datetime`` (ISO 8601 with partial dates ``UN-FEB-2014`` → ``2014-02``, formats,
times, impossible dates rejected), ``ref_date`` (per-subject first/last date over extracts),
``flag_exists``, ``condition`` (cases with ``where:`` conditions through :mod:`cdiscflow.expr`) and
``derive: <registered function>``. Words on mapped variables: ``visit`` (TV; unscheduled numbering),
``study_day`` (no day 0), ``epoch`` (SE/TA), ``standardize`` (units, ``<LLOQ``), ``baseline_flag``, ``seq``.
Dataset settings: ``source`` (extract, ``none`` + ``rows``, or a SUPP-- parent), ``subject``, ``on_unknown``,
``on_invalid``, ``where``, ``sort``, ``transpose`` (wide findings CRF → one record per test), ``units``,
``supp``. The full reference with examples is ``cdiscflow/mapping/VOCABULARY.md``.

Entry points: :func:`cdiscflow.mapping.engine.map_dataset` (one spec, in memory → :class:`MappingResult`
with ``data``, ``lineage``, ``rejections``) and :func:`cdiscflow.mapping.study.map_study` (every spec of a
study, written atomically with lineage, rejections and reconciliation; ``cdiscflow sdtm``).
"""

from cdiscflow.mapping.context import MapContext
from cdiscflow.mapping.engine import MappingResult, map_dataset

__all__ = ["MapContext", "MappingResult", "map_dataset"]
