"""Write the validation report: JSON (deterministic ordering) and HTML (every value escaped by jinja2 autoescape).

Both show their work: every rule that ran, with its id, where the same rule is published (CORE / P21 / CG / FDA),
its severity, the datasets it checked and its count of findings — zero included — and the findings grouped by
rule (worst severity first) with the total, the count per dataset and the first rows (``FIRST_ROWS``).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from cdiscflow.io.atomic import write_text
from cdiscflow.validation.model import Report

FIRST_ROWS = 10  # rows shown per rule (report.json "by_rule" holds as many; "findings" holds up to max_rows)


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def to_html(report: Report) -> str:
    env = Environment(loader=PackageLoader("cdiscflow.validation", "templates"),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    grouped = [(sev, list(gs)) for sev, gs in itertools.groupby(report.groups(FIRST_ROWS), key=lambda g: g["severity"])]
    accepted = report.counts_by_rule(accepted=True)
    return env.get_template("report.html.j2").render(
        report=report, grouped=grouped, counts=report.counts(), accepted_total=sum(accepted.values()),
        rules=report.rule_rows())


def _by_rule(report: Report) -> dict[str, int]:
    """Open findings by rule, with the rules whose findings are all accepted (0 open)."""
    return dict(sorted({**dict.fromkeys(report.counts_by_rule(accepted=True), 0), **report.counts_by_rule()}
                       .items()))


def write_report(report: Report, folder: Path | str) -> tuple[Path, Path]:
    """``report.json`` and ``report.html`` in ``folder`` (atomic writes)."""
    folder = Path(folder)
    return write_text(folder / "report.json", to_json(report)), write_text(folder / "report.html", to_html(report))


def summary(report: Report) -> str:
    """A few lines for the console: open counts by severity and by rule, accepted findings, unused entries."""
    counts = report.counts()
    accepted = report.counts_by_rule(accepted=True)
    line = f"validation of {report.study}: " + ", ".join(f"{n} {sev}" for sev, n in counts.items())
    lines = [line + (f"; {sum(accepted.values())} accepted" if accepted else "")]
    for rid, n in _by_rule(report).items():
        rule = report.rules.get(rid)
        extra = f"  (+{accepted[rid]} accepted)" if rid in accepted else ""
        lines.append(f"  {rid:<34} {rule.severity if rule else '':<8} {n:>7}{extra}")
    lines += [f"  unused acceptance: {a['rule']} {a['dataset']} {a['variable'] or ''}".rstrip()
              for a in report.acceptances if not a["findings"]]
    return "\n".join(lines)
