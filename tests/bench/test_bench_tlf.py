"""bench/bench_tlf.py: a short run on two pilot outputs prints the catalog total and a row per output."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_bench_tlf_prints_total_and_per_output_times(shared_data: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_tlf.py"), "--adam",
                           str(shared_data / "cdiscpilot01" / "adam"), "--only", "t-14-1-01", "t-14-7-04"],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.search(r"pilot catalog, rtf\+docx\+html .*: [\d.]+ s wall, [\d.]+ s CPU", out)
    assert "2 outputs; engine seconds per output:" in out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()
            if line.startswith(("t-14-1-01 ", "t-14-7-04 ", "sum "))}
    assert set(rows) == {"t-14-1-01", "t-14-7-04", "sum"}
    assert all(len(v) == 5 and all(x.isdigit() for x in v) for v in rows.values())  # stats, rtf, docx, html, total
