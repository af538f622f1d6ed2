"""Rebuild ``cdiscflow/adam/data/atoxgr_*.csv`` from admiral's grading sources (a maintainer's tool, not shipped).

admiral keeps its lab-grading criteria as JSON (``data-raw/adlb_grading/*.json``): per term and direction the
CTCAE/DAIDS text of each grade and an R ``case_when`` clause per grade (e.g.
``signif(AVAL, signif_dig) > signif(3*ANRHI, signif_dig) ~ "2"``). This tool keeps the facts and rewrites each
clause as a condition of cdiscflow's expression language (``AVAL > 3 * ANRHI``); the comparison at
``signif_dig`` significant digits is applied by the grading function for every comparison, so ``signif()`` goes.

    python tools/admiral_atoxgr.py ADMIRAL_GIT_DIR [COMMIT]

reads the JSON files with ``git show`` and writes one CSV per criteria set: one row per clause, in admiral's
order of evaluation (missing-value clause, grade 4, 3, 2, 1, then "0"); the first clause that holds decides.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

from cdiscflow.expr import parse

OUT = Path(__file__).resolve().parents[1] / "cdiscflow" / "adam" / "data"
SOURCES = {"ctcv4": "ncictcaev4", "ctcv4_uscv": "ncictcaev4_uscv", "ctcv5": "ncictcaev5",
           "ctcv5_uscv": "ncictcaev5_uscv", "ctcv6": "ncictcaev6", "ctcv6_uscv": "ncictcaev6_uscv",
           "daids": "DAIDS", "daids_uscv": "DAIDS_uscv"}
COLUMNS = ["TERM", "DIRECTION", "SOC", "SUBGROUP", "FILTER", "UNIT_CHECK", "VAR_CHECK", "GRADE", "CONDITION",
           "CRITERIA"]
_AGE = re.compile(r'compute_duration\(start_date = BRTHDT, end_date = ADT, trunc_out = TRUE, '
                  r'out_unit = "(days|months|years)", add_one = FALSE(?:, type = "interval")?\)')


def split_outside(text: str, sep: str = ",") -> list[str]:
    """``text`` split at ``sep`` outside parentheses, brackets and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "([{":
            depth += 1
        elif not quoted and ch in ")]}":
            depth -= 1
        elif not quoted and depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            start = i + len(sep)
    parts.append(text[start:])
    return [p.strip() for p in parts]


def _drop_signif(text: str) -> str:
    while (i := text.find("signif(")) >= 0:
        inner, depth, j = "", 1, i + len("signif(")
        while depth:
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
        inner = split_outside(text[i + len("signif("):j - 1], ",")[0]
        inner = inner if re.fullmatch(r"[\w.]+", inner) else f"({inner})"
        text = text[:i] + inner + text[j:]
    return text


def condition(r_code: str) -> str:
    """An R condition of admiral's criteria as a cdiscflow expression."""
    text = _AGE.sub(lambda m: f"AGE_{m.group(1).upper()}", r_code)
    text = _drop_signif(text)
    text = re.sub(r"BNRIND %in% (high|low)_indicator", lambda m: f"BNRIND_{m.group(1).upper()}", text)
    text = re.sub(r"!is\.na\(", "present(", text)
    text = re.sub(r"is\.na\(", "missing(", text)
    text = re.sub(r"!(?!=)\s*", "not ", text)
    text = text.replace("&", " and ").replace("|", " or ").replace("TRUE", "True")
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", text))
    text = re.sub(r"(\d)\s*\*\s*", r"\1 * ", text)
    parse(text)  # refuses anything the expression language cannot say
    return text


def clauses(record: dict) -> list[tuple[str, str, str]]:
    """(grade, condition, criteria text) in admiral's order of evaluation."""
    out: list[tuple[str, str, str]] = []
    parts = [("NA", ""), ("4", record.get("GRADE_4", "")), ("3", record.get("GRADE_3", "")),
             ("2", record.get("GRADE_2", "")), ("1", record.get("GRADE_1", ""))]
    for grade, text in parts:
        code = record.get(f"GRADE_{grade}_CODE")
        if not code:
            continue
        for clause in split_outside(code, ","):
            cond, value = split_outside(clause, "~")
            out.append(("" if value == "NA_character_" else value.strip('"'), condition(cond),
                        "" if grade == "NA" else text))
    if record.get("GRADE_NA_CODE"):
        out.append(("0", "True", ""))
    return out or [("", "True", "not gradable from lab values in this criteria set")]


def rows(records: list[dict]) -> list[dict]:
    out = []
    for rec in records:
        base = {"TERM": rec["TERM"], "DIRECTION": rec["DIRECTION"], "SOC": rec.get("SOC", ""),
                "SUBGROUP": rec.get("SUBGROUP", ""), "FILTER": condition(rec["FILTER"]) if rec.get("FILTER") else "",
                "UNIT_CHECK": rec.get("UNIT_CHECK") or "", "VAR_CHECK": rec["VAR_CHECK"]}
        for grade, cond, text in clauses(rec):
            out.append({**base, "GRADE": grade, "CONDITION": cond, "CRITERIA": text})
    return out


def main(argv: list[str]) -> int:
    git_dir, commit = argv[0], (argv[1] if len(argv) > 1 else "HEAD")
    for name, source in SOURCES.items():
        text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:data-raw/adlb_grading/{source}.json"],
                              check=True, capture_output=True, text=True).stdout
        with (OUT / f"atoxgr_{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows(json.loads(text)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
