"""Generic, catalog-only table shapes (``program: <name>`` with ``options`` checked against a schema).

One module per concept: :mod:`~cdiscflow.tlf.shapes.disposition` (``disposition``, ``subject_counts``),
:mod:`~cdiscflow.tlf.shapes.exposure` (``exposure``), :mod:`~cdiscflow.tlf.shapes.bds` (``bds_summary``:
observed value and change from baseline by parameter × visit), :mod:`~cdiscflow.tlf.shapes.abnormal`
(``lab_abnormal``). Options are validated by :mod:`~cdiscflow.tlf.shapes.options`; exact tests the shapes
need (r×c Fisher, CMH general association) are in :mod:`~cdiscflow.tlf.shapes.exact`.
"""

from __future__ import annotations

import importlib

SHAPES: tuple[str, ...] = ("disposition", "exposure", "bds", "abnormal")

for _name in SHAPES:
    importlib.import_module(f"{__name__}.{_name}")
