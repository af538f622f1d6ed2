"""Time TLF rendering: the CDISC pilot catalog, and 200 copies of one table (Table 14-2.01).

    python bench/bench_tlf.py [--adam ../shared/data/cdiscpilot01/adam] [--copies 200] [--pdf]

Prints wall-clock and CPU seconds per stage (CPU time of this process, which is what matters on a shared
machine; LibreOffice's own CPU is not in it). Statistics (ARD) and rendering are timed separately; PDF (one
soffice start for all files) only with --pdf and when soffice exists.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, import_study_programs, run_catalog, run_output
from cdiscflow.tlf.render import RENDERERS, convert_to_pdf, soffice_path

REPO = Path(__file__).resolve().parents[1]


@contextmanager
def timed(label: str, per: int = 0) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    each = f" ({wall / per * 1000:.1f} ms wall, {cpu / per * 1000:.1f} ms CPU each)" if per else ""
    print(f"{label}: {wall:.2f} s wall, {cpu:.2f} s CPU{each}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--adam", default=str(REPO.parent / "shared" / "data" / "cdiscpilot01" / "adam"))
    ap.add_argument("--copies", type=int, default=200)
    ap.add_argument("--table", default="t-14-2-01")
    ap.add_argument("--pdf", action="store_true", help="also time PDF conversion")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        study = Study.load("cdiscpilot01", out)
        with timed("pilot catalog (3 outputs, rtf+docx+html, incl. reading ADaM)"):
            run_catalog(study, args.adam, out / "catalog", formats=["rtf", "docx", "html"])

        import_study_programs(study)
        spec = load_catalog(study.root / "tlf" / "catalog.yaml").select([args.table])[0]
        adam = AdamFolder(Path(args.adam))
        adam.get("ADSL")
        with timed(f"{args.copies} x {args.table} statistics + layout", args.copies):
            results = [run_output(spec, study, adam, "bench")[0] for _ in range(args.copies)]
        copies = out / "copies"
        render: Callable
        for fmt, render in RENDERERS.items():
            with timed(f"{args.copies} x {args.table} render {fmt}", args.copies):
                for i, res in enumerate(results):
                    render(res.output, copies / f"{args.table}-{i:03d}.{fmt}")
        if args.pdf:
            if soffice_path() is None:
                print("PDF: skipped (soffice not installed)")
            else:
                rtfs = sorted(copies.glob("*.rtf"))
                with timed(f"{len(rtfs)} x {args.table} RTF -> PDF (LibreOffice)", len(rtfs)):
                    convert_to_pdf(rtfs, copies / "pdf", timeout=3600)

if __name__ == "__main__":
    main()
