"""``out/<study>/index.html``: every dataset, report and output of a run with its status, log and thumbnail.

Rows come from the run graph and the runner's state (status, error, tracked outputs). Thumbnails: a figure's
PNG (``tlf/<id>.png``) is shown directly; otherwise page 1 of ``tlf/<id>.pdf`` is rendered with ``pdftoppm``
into ``thumbs/<id>-<sha12>.png`` (re-rendered only when the PDF changes); without either, a placeholder.
Every value is HTML-escaped (jinja2 autoescape) and every link is relative to the page.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape

from cdiscflow.io.atomic import write_bytes, write_text
from cdiscflow.provenance import run_stamp, sha256_file

SECTIONS = (("sdtm", "SDTM datasets"), ("adam", "ADaM datasets"), ("tlf", "Tables, listings and figures"),
            ("other", "Reports, define.xml and package"))
THUMB_WIDTH = 320
DATASET_SUFFIXES = (".xpt", ".json")


@dataclass
class Row:
    """One step on the page: its status, error, log and output links (and thumbnail for TLFs)."""

    id: str
    name: str
    status: str
    title: str = ""
    error: str = ""
    log: str = ""
    links: list[tuple[str, str]] = field(default_factory=list)
    thumb: str = ""


def href(rel: str) -> str:
    """A relative URL for a path under ``out/<study>``."""
    return quote(rel, safe="/")


def thumbnail(out_dir: Path, output_id: str) -> str:
    """Relative path of the thumbnail of a TLF output, or ``""`` when none can be made."""
    png = out_dir / "tlf" / f"{output_id}.png"
    if png.is_file():
        return f"tlf/{png.name}"
    pdf = out_dir / "tlf" / f"{output_id}.pdf"
    tool = shutil.which("pdftoppm")
    if not pdf.is_file() or tool is None:
        return ""
    thumbs = out_dir / "thumbs"
    name = f"{output_id}-{sha256_file(pdf)[:12]}.png"
    if not (thumbs / name).is_file():
        with tempfile.TemporaryDirectory() as tmp:
            stem = Path(tmp) / "page"
            done = subprocess.run([tool, "-png", "-f", "1", "-l", "1", "-singlefile", "-scale-to", str(THUMB_WIDTH),
                                   str(pdf), str(stem)], capture_output=True, timeout=120)
            if done.returncode != 0 or not stem.with_suffix(".png").is_file():
                return ""
            for old in thumbs.glob(f"{output_id}-*.png"):
                old.unlink()
            write_bytes(thumbs / name, stem.with_suffix(".png").read_bytes())
    return f"thumbs/{name}"


def _dataset_rows(row: Row, stage: str) -> list[Row]:
    """A dataset step's row split into one row per dataset (``<stage>/<name>.xpt|json``) and one for the rest."""
    groups: dict[str, list[tuple[str, str]]] = {}
    rest = []
    for name, link in row.links:
        path = PurePosixPath(name)
        if path.parent.as_posix() == stage and path.suffix in DATASET_SUFFIXES:
            groups.setdefault(path.stem.upper(), []).append((path.name, link))
        else:
            rest.append((name, link))
    out = [replace(row, name=name, links=links, id=f"{row.id}/{name}") for name, links in sorted(groups.items())]
    if rest or not groups:
        out.append(replace(row, name=row.id if groups else row.name, links=rest))
    return out


def rows(graph: Any, state: Any, out_dir: Path) -> dict[str, list[Row]]:
    """Rows of the page, by section: SDTM and ADaM by dataset, TLFs by output, the rest by step."""
    sections: dict[str, list[Row]] = {key: [] for key, _ in SECTIONS}
    for step in graph:
        rec = state.steps.get(step.id, {})
        log = out_dir / "logs" / step.log_name
        stage, _, name = step.id.partition(":")
        status = rec.get("status", "not run")
        fresh_log = log.is_file() and status not in ("skipped", "not run")  # else the log is an older run's
        row = Row(step.id, name or step.id, status, str(step.salt.get("entry", {}).get("title", "")),
                  rec.get("error", ""), href(f"logs/{log.name}") if fresh_log else "",
                  [(rel, href(rel)) for rel in sorted(rec.get("outputs", {}))
                   if (out_dir / rel).is_file() and not rel.startswith("package/m5/")])
        if stage == "tlf":
            pdf = f"tlf/{name}.pdf"
            if (out_dir / pdf).is_file() and pdf not in dict(row.links):
                row.links.append((pdf, href(pdf)))
            row.links = [(rel.removeprefix(f"tlf/{name}."), link) for rel, link in row.links]
            thumb = thumbnail(out_dir, name)
            row.thumb = href(thumb) if thumb else ""
        if stage in ("sdtm", "adam"):
            sections[stage] += _dataset_rows(row, stage)
        else:
            sections["tlf" if stage == "tlf-book" else stage if stage in sections else "other"].append(row)
    return sections


def write_index(study: Any, out_dir: Path, graph: Any, state: Any, findings: dict[str, int] | None = None) -> Path:
    """Write ``out_dir/index.html`` for ``graph`` as recorded in ``state``; ``findings``: open validation
    findings by severity, shown beside the step counts (a run whose validation found errors must not look ok)."""
    env = Environment(loader=PackageLoader("cdiscflow.submission", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    by_section = rows(graph, state, out_dir)
    statuses = [state.steps.get(step.id, {}).get("status", "not run") for step in graph]
    extras = [(name, href(name)) for name in ("manifest.json", "package.zip") if (out_dir / name).is_file()]
    html = env.get_template("index.html.j2").render(
        study=study, stamp=run_stamp(), sections=[(title, by_section[key]) for key, title in SECTIONS],
        counts={s: statuses.count(s) for s in sorted(set(statuses))}, extras=extras, findings=findings)
    return write_text(out_dir / "index.html", html)
