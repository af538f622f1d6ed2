"""bench/bench_adam.py: replication by subject, and a short run printing one line per dataset."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("bench_adam", REPO / "bench" / "bench_adam.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_replicate_gives_each_copy_new_subjects_of_the_same_length(tmp_path: Path) -> None:
    source, out = tmp_path / "in", tmp_path / "out"
    source.mkdir()
    out.mkdir()
    pd.DataFrame({"USUBJID": ["01-701-1015", "01-701-1023"], "AGE": [63.0, 64.0]}).to_parquet(source / "dm.parquet")
    pd.DataFrame({"USUBJID": ["ABC-1", "ABC-1"], "X": ["a", "b"]}).to_parquet(source / "xx.parquet")
    pd.DataFrame({"TSPARMCD": ["AGEMIN"]}).to_parquet(source / "ts.parquet")
    subjects, copied = bench.replicate(source, out, 3)
    assert (subjects, copied) == (6, ["DM"])
    dm = pd.read_parquet(out / "dm.parquet")
    assert dm["USUBJID"].tolist() == ["01-701-1015", "01-701-1023", "02-701-1015", "02-701-1023", "03-701-1015",
                                      "03-701-1023"]
    assert dm["AGE"].tolist() == [63.0, 64.0] * 3
    assert len(pd.read_parquet(out / "xx.parquet")) == 2 and len(pd.read_parquet(out / "ts.parquet")) == 1


@pytest.mark.slow
def test_bench_adam_prints_figures_and_not_derived(shared_data: Path) -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "bench_adam.py"), "--reps", "2", "--datasets", "ADPP",
                           "ADNOPE"], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                          timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("admiral_cpu_s: issue #13's measurement")
    assert lines[1] == "pharmaverse SDTM x2: 612 DM subjects; 50 datasets replicated by subject"
    adpp = next(line.split() for line in lines if line.startswith("ADPP"))
    assert adpp[1] == "x2" and int(adpp[2]) == 2 * 2688
    assert all(float(v) >= 0 for v in adpp[3:9]) and float(adpp[7]) > 0  # times and memory; peak memory
    assert adpp[9:] == ["—", "—"]  # no admiral figure for ADPP
    assert any(line.startswith("ADNOPE") and "not derived (no spec)" in line for line in lines)


def test_row_puts_admirals_figure_and_the_ratio_next_to_ours() -> None:
    fig = {"records": 6120, "read_s": 1.0, "derive_s": 5.0, "cpu_s": 4.0, "write_s": 0.5, "peak_mib": 900.0,
           "derive_mib": 600.0}
    assert bench.row("ADSL", 20, fig).split()[-2:] == ["79.0", f"{79.0 / 4.0:.1f}x"]
    assert bench.row("ADLB", 20, fig).split()[-2:] == ["—", "—"]
    assert bench.row("ADAE", 1, None, "no spec").startswith("ADAE     x1   not derived (no spec)")
    assert bench.row("ADAE", 1, None, "no spec").endswith("admiral_cpu_s 5.3")
