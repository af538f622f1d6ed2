"""Time the CDISC pilot's section 14: every output of the pilot catalog from the pilot ADaM (and SDTM CM).

    python bench/bench_tlf.py [--adam ../shared/data/cdiscpilot01/adam] [--sdtm DIR] [--only ID ...] [--jobs 2]
                              [--pdf] [--profile ID]

1. The whole catalog as ``cdiscflow tlf`` runs it (``run_catalog``: reading the data, statistics, ARD files,
   RTF + DOCX + HTML, index): wall and CPU seconds in total and the engine's seconds per output. With
   ``--jobs N``, also the wall time of N processes sharing the outputs (as the runner's parallel TLF steps do;
   each process reads the data it needs).
2. Per output, with the datasets already read: statistics + layout (``run_output``) and each renderer, in ms
   of CPU (steadier than wall time when other processes share the cores).
3. With ``--pdf``: the RTFs to PDF in one LibreOffice batch per core (``convert_to_pdf``), timed apart.
4. With ``--profile ID``: cProfile of that output's statistics and renderers, the 25 costliest functions.

CPU time is this process's (what matters on a shared machine; LibreOffice's CPU is not in it). The goal
(issue 10): the pilot outputs in RTF+DOCX+HTML under 20 s on 2 cores. The machine's load is printed first.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, run_catalog, run_output
from cdiscflow.tlf.render import RENDERERS, convert_to_pdf, soffice_path

REPO = Path(__file__).resolve().parents[1]
FORMATS = ("rtf", "docx", "html")


@contextmanager
def timed(label: str) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU", flush=True)


def per_output(study: Study, adam: AdamFolder, ids: list[str] | None, out: Path) -> None:
    """Statistics and each renderer per output (datasets read once beforehand), as a table in ms."""
    specs = load_catalog(study.root / "tlf" / "catalog.yaml").select(ids)
    for spec in specs:  # read every dataset first: the table shows computing and rendering only
        for name in {*spec.datasets, spec.population.dataset}:
            adam.get(name)
        for name in spec.sdtm:
            adam.sdtm.get(name)
    print(f"\n{'output':<12} {'stats':>8} " + " ".join(f"{f:>8}" for f in FORMATS) + f" {'total':>8}   (ms CPU)")
    sums = dict.fromkeys(("stats", *FORMATS), 0.0)
    for spec in specs:
        t0 = time.process_time()
        result, _ = run_output(spec, study, adam, "bench")
        times = {"stats": time.process_time() - t0}
        for fmt in FORMATS:
            t0 = time.process_time()
            RENDERERS[fmt](result.output, out / f"{spec.id}.{fmt}")
            times[fmt] = time.process_time() - t0
        for k, v in times.items():
            sums[k] += v
        print(f"{spec.id:<12} " + " ".join(f"{times[k] * 1000:8.0f}" for k in sums)
              + f" {sum(times.values()) * 1000:8.0f}", flush=True)
    print(f"{'sum':<12} " + " ".join(f"{sums[k] * 1000:8.0f}" for k in sums) + f" {sum(sums.values()) * 1000:8.0f}")


def _share(adam: str, sdtm: Path | None, ids: list[str], out: str) -> int:
    """One process's share of the outputs (``--jobs``)."""
    study = Study.load("cdiscpilot01", Path(out))
    return len(run_catalog(study, adam, Path(out), only=ids, formats=list(FORMATS), sdtm_dir=sdtm))


def in_parallel(study: Study, args: argparse.Namespace, sdtm: Path | None, out: Path) -> None:
    """The outputs dealt round-robin (catalog order) to ``args.jobs`` processes, timed as a whole."""
    ids = [s.id for s in load_catalog(study.root / "tlf" / "catalog.yaml").select(args.only)]
    shares = [ids[k::args.jobs] for k in range(args.jobs)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        done = sum(pool.map(_share, [args.adam] * args.jobs, [sdtm] * args.jobs, shares,
                            [str(out / f"job{k}") for k in range(args.jobs)]))
    print(f"\n{done} outputs, rtf+docx+html, {args.jobs} processes: {time.perf_counter() - t0:.2f} s wall", flush=True)


def profile(study: Study, adam: AdamFolder, output_id: str, out: Path) -> None:
    spec = load_catalog(study.root / "tlf" / "catalog.yaml").select([output_id])[0]
    run_output(spec, study, adam, "bench")  # warm: datasets read, programs imported
    prof = cProfile.Profile()
    prof.enable()
    result, _ = run_output(spec, study, adam, "bench")
    for fmt in FORMATS:
        RENDERERS[fmt](result.output, out / f"{spec.id}.{fmt}")
    prof.disable()
    print(f"\ncProfile of {output_id} (statistics + {'/'.join(FORMATS)}):")
    pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adam", default=str(REPO.parent / "shared" / "data" / "cdiscpilot01" / "adam"))
    ap.add_argument("--sdtm", default=None, help="SDTM folder (default: the sdtm folder beside --adam)")
    ap.add_argument("--only", nargs="+", default=None, metavar="ID", help="only these outputs")
    ap.add_argument("--jobs", type=int, default=0, help="also time N processes sharing the outputs")
    ap.add_argument("--pdf", action="store_true", help="also time the PDFs (LibreOffice, one batch per core)")
    ap.add_argument("--profile", default=None, metavar="ID", help="cProfile one output")
    args = ap.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, load average (1, 5, 15 min): {load}", flush=True)
    sdtm = Path(args.sdtm) if args.sdtm else None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        study = Study.load("cdiscpilot01", out)
        with timed("pilot catalog, rtf+docx+html (cdiscflow tlf: reading the data, statistics, ARD, render)"):
            summaries = run_catalog(study, args.adam, out / "catalog", only=args.only, formats=list(FORMATS),
                                    sdtm_dir=sdtm)
        print(f"{len(summaries)} outputs; engine seconds per output:")
        for s in summaries:
            print(f"  {s['id']:<12} {s['seconds']:6.2f} s")
        if args.jobs:
            in_parallel(study, args, sdtm, out)
        adam = AdamFolder(Path(args.adam), sdtm)
        (out / "each").mkdir()
        per_output(study, adam, args.only, out / "each")
        if args.profile:
            profile(study, adam, args.profile, out / "each")
        if args.pdf:
            if soffice_path() is None:
                print("PDF: skipped (soffice not installed)")
                return
            rtfs = sorted((out / "catalog").glob("*.rtf"))
            with timed(f"\n{len(rtfs)} RTF -> PDF (LibreOffice, one batch per core)"):
                convert_to_pdf(rtfs, out / "pdf", timeout=3600)


if __name__ == "__main__":
    main()
