"""Generic, catalog-only table shapes (``program: <name>`` with ``options`` checked against a schema).

One module per concept: :mod:`~cdiscflow.tlf.shapes.disposition` (``disposition``, ``subject_counts``),
:mod:`~cdiscflow.tlf.shapes.exposure` (``exposure``), :mod:`~cdiscflow.tlf.shapes.bds` (``bds_summary``:
observed value and change from baseline by parameter × visit), :mod:`~cdiscflow.tlf.shapes.abnormal`
(``lab_abnormal``), :mod:`~cdiscflow.tlf.shapes.shift` (``shift``: baseline × post-baseline category).
Options are validated by :mod:`~cdiscflow.tlf.shapes.options`; the r×c Fisher exact test is in
:mod:`~cdiscflow.tlf.shapes.exact`, CMH tests in :mod:`cdiscflow.tlf.stats.cmh`.
"""

from __future__ import annotations

import importlib

SHAPES: tuple[str, ...] = ("disposition", "exposure", "bds", "abnormal", "shift")

for _name in SHAPES:
    importlib.import_module(f"{__name__}.{_name}")
