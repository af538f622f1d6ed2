"""Where things go in the submission package (eCTD module 5): one place that define.xml, the package and
its check agree on.

Datasets, define.xml, the aCRF and the reviewer's guides under ``m5/datasets/<study>/``; the study's ADaM
and TLF programs under ``analysis/adam/programs``; TLFs and the validation report are study-report content
(module 5.3.5.1, controlled clinical studies), under :data:`REPORTS`.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from cdiscflow.paths import safe_component
from cdiscflow.study import Study

REPORTS = PurePosixPath("m5", "53-clin-stud-rep", "535-rep-effic-safety-stud", "5351-stud-rep-contr")


def package_folders(study: Study) -> dict[str, PurePosixPath]:
    """Package folders (relative to ``package/``) by role: ``sdtm``, ``adam``, ``programs``, ``tlf``,
    ``validation``. define.xml links across folders with ``posixpath.relpath(target, folders[standard])``."""
    study_folder = safe_component(study.studyid.lower(), source=str(study.root / "study.yaml"), field="studyid")
    base, reports = PurePosixPath("m5", "datasets", study_folder), REPORTS / study_folder
    return {"sdtm": base / "tabulations" / "sdtm", "adam": base / "analysis" / "adam" / "datasets",
            "programs": base / "analysis" / "adam" / "programs", "tlf": reports / "tlf",
            "validation": reports / "validation"}
