"""Test step kinds: small functions with the adapters' signatures that write files, and a test study.

``fake(graph)`` points every step of a real plan (except ``package``, which is real) at these functions, so the
graph machinery, incremental logic, executors, logs, manifest, package and index run for real on tiny files.
Workers import this module by name (``runner_kinds``): pytest puts tests/runner on ``sys.path`` and worker
processes (forkserver, Dask) inherit the parent's ``sys.path``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import replace
from pathlib import Path

from cdiscflow.errors import DataError
from cdiscflow.runner.execute import StepContext
from cdiscflow.runner.graph import Graph
from cdiscflow.specs.loader import read_yaml

log = logging.getLogger("runner_kinds")


def fake(graph: Graph) -> Graph:
    """The same graph with test actions instead of the real stage adapters (package stays real), and no code
    version (other stages' sources may change while the tests run; code hashing is tested on its own)."""
    return Graph(replace(s, code=()) if s.id == "package" else
                 replace(s, code=(), action=s.action.replace("cdiscflow.runner.steps:", "runner_kinds:"))
                 for s in graph)


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(p.name.encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def _spec_digest(ds) -> str:
    return hashlib.sha256(Path(ds.file).read_bytes()).hexdigest()[:16]


def simulate(ctx: StepContext, *, seed: int | None = None, subjects: int | None = None) -> None:
    n = subjects or 3
    raw = ctx.output_dir("raw")
    (raw / "dm.csv").write_text("SUBJID,AGE\n" + "".join(f"{i:03d},{40 + (i * (seed or 7)) % 30}\n"
                                                          for i in range(1, n + 1)))
    (raw / "ae.csv").write_text("SUBJID,AETERM\n001,<b>Headache</b>\n")
    print(f"simulated {n} subjects")


def sdtm(ctx: StepContext) -> None:
    raw = sorted(ctx.input_dir("raw").glob("*.csv"))
    out = ctx.output_dir("sdtm")
    for name, ds in ctx.study.sdtm_specs.items():
        if ds.settings.get("fail"):
            raise DataError(f"planted failure in {name}", file=ds.file, expected="no planted failure")
        (out / f"{name.lower()}.xpt").write_text(f"{name} raw={_digest(raw)} spec={_spec_digest(ds)}\n")
    (out / "reconciliation.csv").write_text("extract,raw_rows\n")
    print("mapped", ", ".join(ctx.study.sdtm_specs))
    log.info("sdtm done")


def adam(ctx: StepContext, *, dataset: str) -> None:
    ds = ctx.study.adam_specs[dataset]
    if ds.settings.get("fail"):
        raise DataError(f"planted failure in {dataset}", file=ds.file, expected="no planted failure")
    sources = [s.upper() for s in (ds.source or [])] if isinstance(ds.source, list) else []
    files = [p for p in ctx.input_dir("sdtm").glob("*.xpt") if not sources or p.stem.upper() in sources]
    files += [ctx.out_dir / ".store" / "adam" / f"{d.lower()}.parquet" for d in ds.settings.get("depends", [])]
    text = f"{dataset} in={_digest(files)} spec={_spec_digest(ds)} epoch={os.environ['SOURCE_DATE_EPOCH']}\n"
    (ctx.output_dir("adam") / f"{dataset.lower()}.xpt").write_text(text)
    (ctx.output_dir(".store/adam") / f"{dataset.lower()}.parquet").write_text(text)  # what dependants read
    (ctx.output_dir("adam") / f"{dataset.lower()}.json").write_text(json.dumps({"name": dataset}) + "\n")
    log.warning("derived %s", dataset)


def validate(ctx: StepContext) -> None:
    files = sorted(ctx.input_dir("sdtm").glob("*.xpt")) + sorted(ctx.input_dir("adam").glob("*.xpt"))
    out = ctx.output_dir("validation")
    (out / "report.json").write_text('{"findings": []}\n')
    (out / "report.html").write_text(f"<html><body><p>0 findings in {len(files)} datasets</p></body></html>\n")


def define(ctx: StepContext, *, standards: list[str]) -> None:
    for std in standards:
        out = ctx.output_dir(f"define/{std}")
        (out / "define.xml").write_text(f"<ODM>{std}</ODM>\n")
        (out / "define.html").write_text(f"<html><body>{std}</body></html>\n")


def tlf(ctx: StepContext, *, output: str, formats: list[str]) -> None:
    if output.startswith("fail"):
        raise DataError(f"planted failure in {output}", expected="no planted failure")
    entry = next(e for e in read_yaml(ctx.study.root / "tlf/catalog.yaml")["outputs"] if e["id"] == output)
    adam = [ctx.input_dir("adam") / f"{d.lower()}.xpt" for d in entry["datasets"]]
    out = ctx.output_dir("tlf")
    for fmt in formats:
        (out / f"{output}.{fmt}").write_text(f"{output} {fmt} from {_digest(adam)}\n")
    (out / f"{output}.ard.csv").write_text("id,value\n")
    (out / "index.html").write_text("partial index: not an output of this step\n")
    if output.startswith("f-"):
        _plot(out / f"{output}.png", output)


def _plot(path: Path, text: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2, 3], [1, 3, 2, 4], marker="o")
    ax.set_title(text)
    fig.savefig(path, metadata={"Software": None} if path.suffix == ".png" else {"Creator": None})
    plt.close(fig)


def acrf(ctx: StepContext) -> None:
    _plot(ctx.output_dir("acrf") / "acrf.pdf", "aCRF page 1")


def guides(ctx: StepContext) -> None:
    for kind in ("csdrg", "adrg"):
        _plot(ctx.output_dir("guides") / f"{kind}.pdf", f"{kind} page 1")
        (ctx.output_dir("guides") / f"{kind}.docx").write_bytes(b"PK")


def tlf_pdf(ctx: StepContext, *, outputs: list[str]) -> None:
    for oid in outputs:
        _plot(ctx.output_dir("tlf") / f"{oid}.pdf", f"{oid} page 1")


def tlf_book(ctx: StepContext) -> None:
    _plot(ctx.output_dir("tlf") / "book.pdf", "book page 1")


def broken(ctx: StepContext) -> None:
    """Writes half its output, then fails."""
    (ctx.output_dir("sdtm") / "dm.xpt").write_text("half-written\n")
    raise RuntimeError("disk on fire")
