"""Time TLF rendering: the CDISC pilot catalog, and 200 copies of one table (Table 14-2.01).

    python bench/bench_tlf.py [--adam ../shared/data/cdiscpilot01/adam] [--copies 200] [--pdf]

Prints seconds per stage. Statistics (ARD) and rendering are timed separately; PDF (LibreOffice, one
soffice start for all files) only with --pdf and when soffice exists.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, import_study_programs, run_catalog, run_output
from cdiscflow.tlf.render import RENDERERS, convert_to_pdf, soffice_path

REPO = Path(__file__).resolve().parents[1]


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
        t0 = time.perf_counter()
        run_catalog(study, args.adam, out / "catalog", formats=["rtf", "docx", "html"])
        print(f"pilot catalog (3 outputs, rtf+docx+html, incl. reading ADaM): {time.perf_counter() - t0:.2f} s")

        import_study_programs(study)
        spec = load_catalog(study.root / "tlf" / "catalog.yaml").select([args.table])[0]
        adam = AdamFolder(Path(args.adam))
        adam.get("ADSL")
        t0 = time.perf_counter()
        results = [run_output(spec, study, adam, "bench")[0] for _ in range(args.copies)]
        t_stats = time.perf_counter() - t0
        print(f"{args.copies} x {args.table} statistics + layout: {t_stats:.2f} s ({t_stats / args.copies * 1000:.1f} ms each)")
        copies = out / "copies"
        for fmt, render in RENDERERS.items():
            t0 = time.perf_counter()
            for i, res in enumerate(results):
                render(res.output, copies / f"{args.table}-{i:03d}.{fmt}")
            dt = time.perf_counter() - t0
            print(f"{args.copies} x {args.table} render {fmt}: {dt:.2f} s ({dt / args.copies * 1000:.1f} ms each)")
        if args.pdf:
            if soffice_path() is None:
                print("PDF: skipped (soffice not installed)")
            else:
                rtfs = sorted(copies.glob("*.rtf"))
                t0 = time.perf_counter()
                convert_to_pdf(rtfs, copies / "pdf", timeout=3600)
                dt = time.perf_counter() - t0
                print(f"{len(rtfs)} x {args.table} RTF -> PDF (LibreOffice): {dt:.2f} s ({dt / len(rtfs) * 1000:.0f} ms each)")


if __name__ == "__main__":
    main()
