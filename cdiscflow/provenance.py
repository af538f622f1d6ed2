"""Run stamps and hashes: the run's date (the clock, or ``SOURCE_DATE_EPOCH`` for reproducible builds), the
study's data cut-off (``study.yaml`` ``data_cutoff: YYYY-MM-DD``) and sha256 of files."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cdiscflow.errors import SpecError

#: ``SOURCE_DATE_EPOCH`` of ``cdiscflow run --reproducible`` when neither the environment nor study.yaml
#: (``source_date_epoch:``) sets one: 2026-01-01T00:00:00Z. A constant (not the clock, not a hash) so that two
#: reproducible runs of the same inputs carry the same run stamp.
DEFAULT_SOURCE_DATE_EPOCH = 1767225600


def source_date_epoch(study_meta: Mapping[str, Any], reproducible: bool = False) -> int | None:
    """The run's pinned epoch: ``$SOURCE_DATE_EPOCH``, else study.yaml ``source_date_epoch``, else the default
    when ``reproducible``; None (the run is dated by the clock) otherwise."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env:
        return int(env)
    value = study_meta.get("source_date_epoch")
    if value is not None:
        return int(value)
    return DEFAULT_SOURCE_DATE_EPOCH if reproducible else None


def run_datetime() -> datetime:
    """The run's timestamp: ``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def run_stamp() -> str:
    """ISO 8601 run stamp, e.g. ``2026-11-26T06:22:18``."""
    return run_datetime().strftime("%Y-%m-%dT%H:%M:%S")


def data_cutoff(study_meta: Mapping[str, Any], file: str | None = None) -> str | None:
    """The study's data cut-off date (ISO 8601 ``YYYY-MM-DD``) from ``study.yaml``, or None when not given."""
    value = study_meta.get("data_cutoff")
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):  # YAML reads 2026-03-31 as a date
        return value.isoformat()
    text = str(value).strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    raise SpecError(f"data_cutoff is {value!r}", file=file, variable="data_cutoff",
                    expected="a date YYYY-MM-DD, e.g. data_cutoff: 2026-03-31")


def dates_line(study_meta: Mapping[str, Any]) -> str:
    """The dates a reader expects under a display: ``Run 2026-12-02T19:40:00 · Data cut-off 2026-03-31``."""
    cutoff = data_cutoff(study_meta)
    return f"Run {run_stamp()}" + (f" · Data cut-off {cutoff}" if cutoff else "")


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
