"""PDF conversion with 1, 2, … LibreOffice processes on the same RTF files; checks the PDFs are the same bytes.

    python bench/bench_scale.py --subjects 48 --until tlf --pdf-workers 0 --keep /tmp/tlf48
    python bench/bench_pdf.py /tmp/tlf48/msc_ntf_als/tlf --workers 1 2

Prints one JSON line per worker count: wall seconds, CPU seconds of the LibreOffice processes (children of this
process, ``RUSAGE_CHILDREN`` deltas) plus this process's own, the files and MB converted, and whether every PDF
is byte-identical to the first worker count's, naming those that are not (``SOURCE_DATE_EPOCH`` is pinned).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from cdiscflow.tlf.render.pdf import convert_to_pdf, soffice_path


def cpu_seconds() -> float:
    """User + system seconds of this process and its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path, help="folder with the RTF files to convert")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--timeout", type=float, default=3600.0)
    p.add_argument("--keep", type=Path, help="write the PDFs under DIR/<run>-w<workers> and keep them")
    opts = p.parse_args(argv)
    if soffice_path() is None:
        print(json.dumps({"skipped": "LibreOffice (soffice) is not installed"}))
        return 0
    sources = sorted(p for p in opts.folder.glob("*.rtf") if p.name != "book.rtf")  # the TLF book: not soffice's
    if not sources:
        p.error(f"no RTF files in {opts.folder}")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    first: dict[str, bytes] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        for run, workers in enumerate(opts.workers):
            out = Path(opts.keep or tmp, f"{run}-w{workers}")
            out.mkdir(parents=True)
            wall, cpu = time.perf_counter(), cpu_seconds()
            made = convert_to_pdf(sources, out, timeout=opts.timeout, workers=workers)
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            pdfs = {src.name: made[src].read_bytes() for src in sources}
            first = first or pdfs
            print(json.dumps({"workers": workers, "files": len(sources), "wall_s": round(wall, 2),
                              "cpu_s": round(cpu, 2), "rtf_mb": round(sum(s.stat().st_size for s in sources) / 1e6, 2),
                              "pdf_mb": round(sum(map(len, pdfs.values())) / 1e6, 2),
                              "same_bytes_as_first": pdfs == first,
                              "differ": sorted(name for name in pdfs if pdfs[name] != first[name]),
                              "load1": round(os.getloadavg()[0], 2)}),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
