"""Wall time of ``cdiscflow run`` on the built-in study: ``-j 1``, ``-j 2``, a no-op re-run, and 5,000 subjects.

    python bench/bench_run.py                 # all cases
    python bench/bench_run.py --subjects 0    # skip the large simulated study

Each case runs the CLI in a fresh output folder (a subprocess, as a user would), then prints the wall time, the
step counts and the slowest steps from ``.state.json``. Stages that are not built yet are listed; the run
times what exists (their steps are reported unavailable and their dependants skipped).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from cdiscflow.runner.plan import build_graph
from cdiscflow.runner.steps import availability
from cdiscflow.study import Study


def run(out: Path, *args: str) -> tuple[float, int, str]:
    env = {**os.environ, "CI": "true"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cdiscflow", "run", "--out", str(out), *args],
                          capture_output=True, text=True, env=env)
    return time.perf_counter() - start, done.returncode, done.stdout + done.stderr


def report(label: str, seconds: float, code: int, out_dir: Path, text: str) -> None:
    state_file = out_dir / ".state.json"
    steps = json.loads(state_file.read_text())["steps"] if state_file.is_file() else {}
    counts = Counter(s.get("status", "?") for s in steps.values())
    slow = sorted(((s.get("seconds", 0.0), sid) for sid, s in steps.items() if s.get("seconds")), reverse=True)[:4]
    print(f"{label:<28} {seconds:7.1f} s  exit {code}  steps: "
          + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    if slow:
        print(" " * 30 + "slowest: " + ", ".join(f"{sid} {sec:.1f}s" for sec, sid in slow))
    if "Nothing to do" in text:
        print(" " * 30 + "(nothing to do: every step up to date)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=5000, help="large simulated study size (0: skip)")
    opts = parser.parse_args()

    study = Study.load(None)
    kinds = sorted({s.action.rsplit(":", 1)[-1] for s in build_graph(study)})
    missing = {k: why for k in kinds if (why := availability(k, study.root.name))}
    print(f"cdiscflow run, built-in study {study.name} ({os.cpu_count()} CPUs)")
    for kind, why in missing.items():
        print(f"  unavailable: {kind}: {why}")
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        for jobs in (1, 2):
            out = Path(tmp) / f"j{jobs}"
            seconds, code, text = run(out, "-j", str(jobs))
            report(f"whole study -j {jobs}", seconds, code, out / study.name, text)
        seconds, code, text = run(Path(tmp) / "j2", "-j", "2")
        report("re-run, no change -j 2", seconds, code, Path(tmp) / "j2" / study.name, text)
        if opts.subjects:
            out = Path(tmp) / "large"
            seconds, code, text = run(out, "-j", "2", "--subjects", str(opts.subjects))
            report(f"{opts.subjects} subjects -j 2", seconds, code, out / study.name, text)


if __name__ == "__main__":
    main()
