"""A small, safe expression language for conditions and populations in specs.

Spec text such as ``ARMCD != "SCRNFAIL" and AGE >= 18`` or ``AESER == "Y" or AETERM in ["FALL", "SYNCOPE"]``
is parsed with :mod:`ast` (mode ``eval``) and only a whitelist of node types is accepted; nothing is ever
passed to ``eval``/``exec`` or ``DataFrame.query``. Evaluation is vectorised: names are DataFrame columns and
the result is a boolean Series aligned with the frame.

Grammar (Python syntax, restricted):
  * literals: strings, numbers, ``True``/``False``, ``None``; lists/tuples of literals
  * names: column names (case-sensitive), e.g. ``AESER``
  * comparisons: ``== != < <= > >=``, ``in``, ``not in`` (chains allowed)
  * boolean: ``and``, ``or``, ``not``; parentheses
  * functions: ``missing(X)``, ``present(X)``, ``upper(X)``, ``lower(X)``, ``strip(X)``, ``startswith(X, "…")``,
    ``contains(X, "…")``
  * arithmetic: ``+ - * /`` between columns and numbers

Missing values: comparisons with a missing value are False (as in SQL), except ``== None`` / ``missing()``.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from cdiscflow.errors import ExpressionError

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
}
_ARITH: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}


def _is_missing(s: pd.Series) -> pd.Series:
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        return s.isna() | (s.astype("string").str.strip() == "")
    return s.isna()


_FUNCS: dict[str, Callable[..., Any]] = {
    "missing": _is_missing,
    "present": lambda s: ~_is_missing(s),
    "upper": lambda s: s.astype("string").str.upper(),
    "lower": lambda s: s.astype("string").str.lower(),
    "strip": lambda s: s.astype("string").str.strip(),
    "startswith": lambda s, p: s.astype("string").str.startswith(p).fillna(False).astype(bool),
    "contains": lambda s, p: s.astype("string").str.contains(p, regex=False).fillna(False).astype(bool),
}


class Expression:
    """A parsed, validated expression; call :meth:`evaluate` on a DataFrame."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression {text!r}: {exc.msg}",
                                  expected="a condition such as AESER == \"Y\" and AGE >= 18") from None
        self._tree = tree.body
        self.names: set[str] = set()
        self._check(self._tree)

    def _check(self, node: ast.AST) -> None:
        if isinstance(node, ast.BoolOp | ast.Compare | ast.BinOp | ast.List | ast.Tuple):
            pass
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub):
                raise self._bad(node)
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, str | int | float | bool | type(None)):
                raise self._bad(node)
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS or node.keywords:
                raise self._bad(node)
            for arg in node.args:
                self._check(arg)
            return
        elif isinstance(node, ast.boolop | ast.cmpop | ast.operator | ast.Load | ast.unaryop):
            if isinstance(node, ast.operator) and type(node) not in _ARITH:
                raise self._bad(node)
            if isinstance(node, ast.cmpop) and type(node) not in _COMPARE and not isinstance(
                node, ast.In | ast.NotIn
            ):
                raise self._bad(node)
        else:
            raise self._bad(node)
        for child in ast.iter_child_nodes(node):
            self._check(child)

    def _bad(self, node: ast.AST) -> ExpressionError:
        return ExpressionError(
            f"expression {self.text!r} uses {type(node).__name__}, which is not allowed",
            expected="comparisons, and/or/not, in [...], literals, column names and missing()/present()",
        )

    def evaluate(self, df: pd.DataFrame) -> pd.Series:
        """Evaluate on ``df``; returns a boolean Series (missing → False)."""
        result = self.value(df)
        if result.dtype != bool:
            result = result.fillna(False).astype(bool)
        return result

    def value(self, df: pd.DataFrame) -> pd.Series:
        """Evaluate on ``df`` and return the values themselves (e.g. ``WEIGHT / HEIGHT`` gives numbers)."""
        missing_cols = sorted(n for n in self.names if n not in df.columns and n not in ("True", "False"))
        if missing_cols:
            raise ExpressionError(
                f"expression {self.text!r} names column(s) {', '.join(missing_cols)} not in the data",
                expected=f"one of {', '.join(map(str, df.columns))}",
            )
        result = self._eval(self._tree, df)
        if not isinstance(result, pd.Series):
            result = pd.Series(result, index=df.index)
        return result

    def _eval(self, node: ast.AST, df: pd.DataFrame) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return df[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, df) for e in node.elts]
        if isinstance(node, ast.UnaryOp):
            val = self._eval(node.operand, df)
            if isinstance(node.op, ast.USub):
                return -val
            return ~_as_bool(val, df) if isinstance(val, pd.Series) else not val
        if isinstance(node, ast.BoolOp):
            parts = [_as_bool(self._eval(v, df), df) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.BinOp):
            return _ARITH[type(node.op)](self._eval(node.left, df), self._eval(node.right, df))
        if isinstance(node, ast.Call):
            args = [self._eval(a, df) for a in node.args]
            return _FUNCS[node.func.id](*args)  # type: ignore[union-attr]
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, df)
            out: pd.Series | None = None
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comp, df)
                part = _compare(op, left, right, df)
                out = part if out is None else (out & part)
                left = right
            return out
        raise self._bad(node)  # pragma: no cover - _check rejects everything else


def _as_bool(val: Any, df: pd.DataFrame) -> pd.Series:
    if isinstance(val, pd.Series):
        return val.fillna(False).astype(bool)
    return pd.Series(bool(val), index=df.index)


def _compare(op: ast.cmpop, left: Any, right: Any, df: pd.DataFrame) -> pd.Series:
    if isinstance(op, ast.In | ast.NotIn):
        if not isinstance(right, list):
            raise ExpressionError("the right side of 'in' must be a list such as [\"A\", \"B\"]")
        ser = left if isinstance(left, pd.Series) else pd.Series([left] * len(df), index=df.index)
        res = ser.isin(right) & ser.notna()
        return ~res & ser.notna() if isinstance(op, ast.NotIn) else res
    if right is None or left is None:
        ser = left if right is None else right
        miss = _is_missing(ser) if isinstance(ser, pd.Series) else pd.Series(ser is None, index=df.index)
        return miss if isinstance(op, ast.Eq) else ~miss
    fn = _COMPARE[type(op)]
    with np.errstate(invalid="ignore"):
        res = fn(left, right)
    if isinstance(res, pd.Series):
        valid = pd.Series(True, index=df.index)
        for side in (left, right):
            if isinstance(side, pd.Series):
                valid &= side.notna()
        return res.fillna(False).astype(bool) & valid
    return pd.Series(bool(res), index=df.index)


@lru_cache(maxsize=512)
def parse(text: str) -> Expression:
    """Parse (and cache) an expression."""
    return Expression(text)


def evaluate(text: str | None, df: pd.DataFrame) -> pd.Series:
    """Evaluate ``text`` on ``df``; an empty/None condition selects every row."""
    if text is None or not str(text).strip():
        return pd.Series(True, index=df.index)
    return parse(str(text)).evaluate(df)
