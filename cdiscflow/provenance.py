"""Run stamps and hashes: reproducible timestamps via ``SOURCE_DATE_EPOCH`` and sha256 of files."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path


def run_datetime() -> datetime:
    """The run's timestamp: ``SOURCE_DATE_EPOCH`` if set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is not None and epoch.strip():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def run_stamp() -> str:
    """ISO 8601 run stamp, e.g. ``2026-11-26T06:22:18``."""
    return run_datetime().strftime("%Y-%m-%dT%H:%M:%S")


def sha256_file(path: Path | str, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
