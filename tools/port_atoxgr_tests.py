"""Port admiral's per-term cases for ``derive_var_atoxgr_dir`` into a JSON fixture (a maintainer's tool, not shipped).

admiral's ``tests/testthat/test-derive_var_atoxgr.R`` states each case as an expected ``tribble`` (inputs and the
expected grade) that later cases transform with ``mutate``/``filter``/``bind_rows`` (e.g. to US units) and pass to
``test_low``/``test_high`` with a criteria set. This tool reads that file and evaluates the small part of R it
uses (literals, ``if_else``, ``case_when``, arithmetic, ``is.na``, ``toupper``, ``lubridate::ymd``) with an AST
walker of its own — nothing is ever passed to ``eval`` — and writes ``tests/adam/data/atoxgr_admiral_cases.json``:
one entry per ``test_that`` block: its title, direction, criteria sets, indicators and the expected rows.

    python tools/port_atoxgr_tests.py ADMIRAL_GIT_DIR [COMMIT]
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tools.admiral_atoxgr import split_outside

OUT = Path(__file__).resolve().parents[1] / "tests" / "adam" / "data" / "atoxgr_admiral_cases.json"
TEST_FILE = "tests/testthat/test-derive_var_atoxgr.R"


def _strip_comments(text: str) -> str:
    out, quoted = [], False
    for line in text.splitlines():
        keep = []
        for ch in line:
            if ch == '"':
                quoted = not quoted
            if ch == "#" and not quoted:
                break
            keep.append(ch)
        out.append("".join(keep))
    return "\n".join(out)


def _close(text: str, start: int) -> int:
    """Index just past the parenthesis closing the one at ``start``."""
    depth, quoted, i = 0, False, start
    while True:
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "({":
            depth += 1
        elif not quoted and ch in ")}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def _python(r_expr: str) -> str:
    """R expression text → Python expression text (for the AST walker below)."""
    text = r_expr.replace("lubridate::ymd", "ymd").replace("tibble::", "")
    while (i := text.find("case_when(")) >= 0:  # case_when(a ~ b, ...) → case_when((a, b), ...)
        j = _close(text, i + len("case_when"))
        args = [a for a in split_outside(text[i + len("case_when("):j - 1]) if a]
        pairs = ", ".join("(" + ", ".join(split_outside(a, "~")) + ")" for a in args)
        text = text[:i] + "case_when_(" + pairs + ")" + text[j:]
    text = text.replace("case_when_(", "case_when(")
    text = re.sub(r"\bNA(_character_|_real_|_integer_)?\b", "None", text)
    text = re.sub(r"\bTRUE\b", "True", text)
    text = re.sub(r"\bFALSE\b", "False", text)
    text = re.sub(r"is\.na\(", "is_na(", text)
    text = re.sub(r"(\w+) %in% c\(", r"in_(\1, ", text)
    text = re.sub(r"!(?!=)", " not ", text)
    text = text.replace("&", " and ").replace("|", " or ")
    return " ".join(text.split())


class Frame:
    """Evaluates the R subset on a DataFrame (columns are Series; NA is None/NaN)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.df = df

    def value(self, r_expr: str):
        return self._eval(ast.parse(_python(r_expr), mode="eval").body)

    def _eval(self, node):  # noqa: C901 - one branch per node kind
        n = len(self.df)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self.df[node.id]
        if isinstance(node, ast.UnaryOp):
            val = self._eval(node.operand)
            return -val if isinstance(node.op, ast.USub) else ~pd.Series(val, index=self.df.index).astype(bool)
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.divide}
            left, right = (self._num(self._eval(x)) for x in (node.left, node.right))
            return ops[type(node.op)](left, right)
        if isinstance(node, ast.BoolOp):
            parts = [pd.Series(self._eval(v), index=self.df.index).fillna(False).astype(bool) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.Compare):
            left, right = self._eval(node.left), self._eval(node.comparators[0])
            ops = {ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.Gt: "gt", ast.LtE: "le", ast.GtE: "ge"}
            ser = pd.Series(left, index=self.df.index) if not isinstance(left, pd.Series) else left
            return getattr(ser, ops[type(node.ops[0])])(right).fillna(False).astype(bool) & ser.notna()
        if isinstance(node, ast.Call):
            name = node.func.id
            if name == "case_when":
                out = pd.Series([None] * n, index=self.df.index, dtype=object)
                done = pd.Series(False, index=self.df.index)
                for pair in node.args:
                    cond = pd.Series(self._eval(pair.elts[0]), index=self.df.index).astype(bool) & ~done
                    val = pd.Series(self._eval(pair.elts[1]), index=self.df.index, dtype=object)
                    out[cond] = val[cond]
                    done |= cond
                return out
            args = [self._eval(a) for a in node.args]
            if name == "if_else":
                cond = pd.Series(args[0], index=self.df.index).astype(bool)
                yes = pd.Series(args[1], index=self.df.index, dtype=object)
                no = pd.Series(args[2], index=self.df.index, dtype=object)
                return yes.where(cond, no)
            if name == "is_na":
                return pd.Series(args[0], index=self.df.index).isna()
            if name in ("toupper", "str_to_upper"):
                return pd.Series(args[0], index=self.df.index, dtype=object).map(
                    lambda v: v.upper() if isinstance(v, str) else None)
            if name == "ymd":
                return args[0]
            if name == "in_":
                return pd.Series(args[0], index=self.df.index).isin(args[1:])
        raise ValueError(f"not handled: {ast.dump(node)[:200]}")

    @staticmethod
    def _num(value):
        if isinstance(value, pd.Series):
            return pd.to_numeric(value, errors="coerce")
        return np.nan if value is None else value


def tribble(body: str) -> pd.DataFrame:
    items = [a for a in split_outside(body) if a]
    cols = [a[1:].strip() for a in items if a.startswith("~")]
    values = [a for a in items if not a.startswith("~")]
    empty = Frame(pd.DataFrame(index=[0]))
    cells = [empty.value(v) for v in values]
    cells = [c.iloc[0] if isinstance(c, pd.Series) else c for c in cells]
    rows = [cells[i:i + len(cols)] for i in range(0, len(cells), len(cols))]
    return pd.DataFrame(rows, columns=cols, dtype=object).apply(_tidy)


def _tidy(col: pd.Series) -> pd.Series:
    if all(v is None or isinstance(v, int | float) and not isinstance(v, bool) for v in col):
        return pd.to_numeric(col).astype("float64")
    return col.astype(object).where(col.notna(), None)


class Porter:
    def __init__(self) -> None:
        self.frames: dict[str, pd.DataFrame | list[str]] = {}
        self.cases: list[dict] = []
        self.skipped: list[str] = []

    def pipeline(self, text: str, env: dict):
        steps = split_outside(text, "%>%")
        head = steps[0].replace("tibble::", "")
        if head.startswith("tribble("):
            value = tribble(head[len("tribble("):-1])
        elif head.startswith("bind_rows("):
            value = self._bind([self.pipeline(a, env) for a in split_outside(head[len("bind_rows("):-1]) if a])
        elif head in env:
            value = env[head]
        elif head.startswith(("atoxgr_criteria_", "admiral::atoxgr_criteria_")):
            value = [head.replace("admiral::", "").replace("atoxgr_criteria_", "")]
        else:
            raise KeyError(head)
        for step in steps[1:]:
            verb, args = step[:step.index("(")], step[step.index("(") + 1:-1]
            value = self._verb(value, verb, args, env)
        return value

    def _bind(self, parts: list):
        if isinstance(parts[0], list):
            return [n for p in parts for n in p]
        return pd.concat(parts, ignore_index=True).apply(_tidy)

    def _verb(self, value, verb: str, args: str, env: dict):
        if verb == "bind_rows":
            return self._bind([value, *[self.pipeline(a, env) for a in split_outside(args) if a]])
        if isinstance(value, list):
            raise ValueError(f"{verb} on criteria")
        df = value.copy()
        if verb == "mutate":
            for assignment in (a for a in split_outside(args) if a):
                name, expr = (s.strip() for s in assignment.split("=", 1))
                result = Frame(df).value(expr)
                df[name] = result if isinstance(result, pd.Series) else [result] * len(df)
                df[name] = _tidy(df[name].reset_index(drop=True)).to_numpy()
            return df
        if verb == "filter":
            return df[Frame(df).value(args).to_numpy(dtype=bool)].reset_index(drop=True)
        if verb == "select" and args.startswith("-"):
            return df.drop(columns=[a.strip().lstrip("-") for a in args.split(",")])
        raise ValueError(f"verb {verb} not handled")

    def statements(self, body: str, env: dict, title: str | None) -> None:
        i = 0
        while i < len(body):
            m = re.compile(r"(\w+)\s*<-\s*|test_that\(|(test_low|test_high)\(").search(body, i)
            if not m:
                return
            if m.group(0).startswith("test_that"):
                j = _close(body, m.end() - 1)
                inner = body[m.end():j - 1]
                name = split_outside(inner)[0]
                if name.startswith("paste("):
                    name = " ".join(s.strip('"') for s in split_outside(name[len("paste("):-1]))
                block = inner[inner.index("{") + 1:inner.rindex("}")]
                self.statements(block, dict(env), name.strip('"'))
                i = j
            elif m.group(2):
                j = _close(body, m.end() - 1)
                given = [a for a in split_outside(body[m.end():j - 1]) if a]
                args = {k: v for k, v in zip(("expected", "meta"), given, strict=False) if "=" not in v}
                args.update((k.strip(), v.strip()) for k, v in (a.split("=", 1) for a in given if "=" in a))
                try:
                    expected = self.pipeline(args["expected"], env)
                    meta = self.pipeline(args["meta"], env)
                    self.cases.append(self._case(title, m.group(2) == "test_low", expected, meta, args))
                except (KeyError, ValueError, SyntaxError) as exc:
                    self.skipped.append(f"{title}: {exc}")
                i = j
            else:
                start = m.end()
                end = self._statement_end(body, start)
                try:
                    env[m.group(1)] = self.pipeline(" ".join(body[start:end].split()), env)
                except (KeyError, ValueError, SyntaxError) as exc:
                    env.pop(m.group(1), None)
                    self.skipped.append(f"{title or 'top level'}: {m.group(1)}: {exc}")
                i = end

    @staticmethod
    def _statement_end(body: str, start: int) -> int:
        i = start
        while True:
            k = body.find("(", i)
            nl = body.find("\n", i)
            if nl < 0:
                return len(body)
            if 0 <= k < nl:
                i = _close(body, k)
                continue
            if body[i:nl].rstrip().endswith("%>%"):
                i = nl + 1
                while body[i].isspace():
                    i += 1
                continue
            return nl

    @staticmethod
    def _case(title: str, low: bool, expected: pd.DataFrame, meta: list[str], args: dict) -> dict:
        grade = "ATOXGRL" if low else "ATOXGRH"
        indicator = {k: json.loads(args[k]) if k in args else v for k, v in (("high", "HIGH"), ("low", "LOW"))}
        records = json.loads(expected.to_json(orient="records"))
        return {"title": title, "direction": "L" if low else "H", "new_var": grade,
                "description_var": "ATOXDSCL" if low else "ATOXDSCH", "meta": meta,
                "high_indicator": [indicator["high"]], "low_indicator": [indicator["low"]], "rows": records}


def main(argv: list[str]) -> int:
    git_dir, commit = argv[0], (argv[1] if len(argv) > 1 else "HEAD")
    text = subprocess.run(["git", "--git-dir", git_dir, "show", f"{commit}:{TEST_FILE}"], check=True,
                          capture_output=True, text=True).stdout
    porter = Porter()
    porter.statements(_strip_comments(text), {}, None)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {"source": f"pharmaverse/admiral@{commit}:{TEST_FILE}", "cases": porter.cases}
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"{len(porter.cases)} cases written; skipped {len(porter.skipped)}:", *porter.skipped, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
