"""``cdiscflow simulate``: write the built-in study's simulated raw EDC extracts and data dictionary."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from cdiscflow.errors import CdiscflowError
from cdiscflow.studies.msc_ntf_als.simulator import design as D
from cdiscflow.studies.msc_ntf_als.simulator.extracts import build_extracts
from cdiscflow.studies.msc_ntf_als.simulator.forms import data_dictionary, write_csv
from cdiscflow.study import Study

MIN_SUBJECTS = 8


def simulate(out: Path | str, seed: int = D.SEED, subjects: int | None = None) -> Path:
    """Write every extract, ``data_dictionary.csv`` and ``trial_summary.csv`` to ``<out>/msc_ntf_als/raw``."""
    n = D.N_RANDOMIZED if subjects is None else int(subjects)
    if n < MIN_SUBJECTS:
        raise CdiscflowError(f"--subjects {n} is too small", variable="--subjects",
                             expected=f"at least {MIN_SUBJECTS} randomized participants")
    raw = Study.load("msc_ntf_als", out).stage_dir("raw")
    raw.parent.mkdir(parents=True, exist_ok=True)
    # build into a temporary folder beside the target; it replaces raw/ only when every extract is written
    tmp = Path(tempfile.mkdtemp(prefix=".raw.", dir=raw.parent))
    try:
        for name, df in build_extracts(n, seed):
            write_csv(df, tmp / f"{name}.csv")
        write_csv(data_dictionary(), tmp / "data_dictionary.csv")
        tmp.chmod(0o755)
        if raw.exists():
            shutil.rmtree(raw)
        tmp.rename(raw)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return raw

