"""Smoke test of bench/bench_scale.py: a tiny study up to ADaM prints one well-formed JSON line per stage."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMES = ("wall_s", "cpu_s")


@pytest.mark.slow
def test_bench_scale_prints_one_json_line_per_stage_with_its_references(tmp_path: Path) -> None:
    keep = tmp_path / "out"
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_scale.py"), "--subjects", "20",
                           "--until", "adam", "--keep", str(keep)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = [json.loads(text) for text in done.stdout.splitlines()]
    assert [line["stage"] for line in lines] == ["simulate", "sdtm", "adam", "total"]
    stages = lines[:-1]
    for line in stages:
        assert line["subjects"] == 20 and line["exit"] == 0
        assert line["wall_s"] > 0 and line["cpu_s"] > 0 and line["peak_mib"] > 0 and line["out_mb"] > 0
    sdtm, adam = stages[1]["ref"], stages[2]["ref"]
    assert sdtm["raw_rows"] > 0 and sdtm["datasets"] == len(list((keep / "msc_ntf_als" / "sdtm").glob("*.xpt")))
    assert adam["datasets"] == len(list((keep / "msc_ntf_als" / "adam").glob("*.xpt"))) > 0
    for ref in (sdtm["pandas_read_csv"], sdtm["pyreadstat_write_xport"], adam["pyreadstat_read_xport_sdtm"],
                adam["pyreadstat_write_xport"]):
        assert all(ref[key] > 0 for key in TIMES)
    assert all(stages[i]["ratio"]["wall"] > 0 for i in (1, 2))
    total = lines[-1]
    assert total["wall_s"] == round(sum(line["wall_s"] for line in stages), 2)
    assert total["peak_mib"] == max(line["peak_mib"] for line in stages)
    assert (keep / "bench-logs" / "adam.log").is_file()
