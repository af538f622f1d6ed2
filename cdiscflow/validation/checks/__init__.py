"""Registered check functions. Each is ``fn(target, **params) -> list[Hit]``, vectorised over the dataset.

``@check(name, needs=...)`` registers a function under ``cdiscflow.registry`` kind ``"check"`` and records what it
needs: ``"spec"`` (a dataset spec), ``"meta"`` (transport-file metadata) or a dataset name (``"DM"``, ``"TV"``,
``"ADSL"``); the engine skips a rule, saying why, when something it needs is absent. A ``study_level`` check
runs once per study, on the first dataset its rule's scope names — present or not (an empty frame then): it
is how a rule says that a dataset is missing (FDA technical rejection criteria).
"""

from cdiscflow.validation.checks import adam, ct, dates, fda, sdtm, spec, xpt  # noqa: F401,I001  (register the checks)
from cdiscflow.validation.checks.base import NEEDS, STUDY_LEVEL, check, dataset_hit, hit

__all__ = ["NEEDS", "STUDY_LEVEL", "check", "dataset_hit", "hit"]
