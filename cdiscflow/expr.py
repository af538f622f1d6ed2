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

Significant digits: ``evaluate(df, signif_digits=N)`` compares numbers after rounding both sides to ``N``
significant digits (R ``signif``; admiral compares lab values so, and ``0.1 + 0.2 == 0.3`` then holds).

Bounded and typed: a text longer than :data:`MAX_LENGTH`, nested deeper than :data:`MAX_DEPTH` or with more than
:data:`MAX_NODES` parts, and literals beyond :data:`MAX_LITERAL` characters/elements or :data:`MAX_NUMBER` are
refused when parsed. Before evaluating, types and arity are checked against the frame's columns (numbers,
text, booleans): ``AETERM < 5``, ``"a" * 3``, ``missing()``, ``upper(AGE)``, ``1 / 0`` are errors naming the
expression, never a Python exception; :func:`cdiscflow.errors.located` adds the spec file, dataset and
variable.
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


MAX_LENGTH = 4000
MAX_DEPTH = 40
MAX_NODES = 1000
MAX_LITERAL = 1000
MAX_NUMBER = 1e15

# static types: a value is a number, text, a boolean condition, None, a literal list, or unknown (ANY)
NUM, STR, BOOL, NONE, LIST, ANY = "number", "text", "condition", "None", "list", "any"
_EXPECTED = "comparisons, and/or/not, in [...], literals, column names and missing()/present()"


def signif(values: pd.Series | float, digits: int) -> pd.Series | float:
    """``values`` rounded to ``digits`` significant digits (R ``signif``); zero, missing and infinite kept."""
    scalar = not isinstance(values, pd.Series)
    x = np.atleast_1d(np.asarray(values, dtype="float64")) if scalar else values.astype("float64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x))))
        out = np.where(np.isfinite(scale) & (x != 0), np.round(x * scale) / scale, x)
    return float(out[0]) if scalar else pd.Series(out, index=values.index)


def _is_missing(s: pd.Series) -> pd.Series:
    if s.dtype == object or pd.api.types.is_string_dtype(s):
        return s.isna() | (s.astype("string").str.strip() == "")
    return s.isna()


# name → (argument types (None: any), result type); the second argument of startswith/contains is a text literal
_SIGNATURES: dict[str, tuple[tuple[str | None, ...], str]] = {
    "missing": ((None,), BOOL), "present": ((None,), BOOL),
    "upper": ((STR,), STR), "lower": ((STR,), STR), "strip": ((STR,), STR),
    "startswith": ((STR, STR), BOOL), "contains": ((STR, STR), BOOL),
}
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
        if not isinstance(text, str):
            raise ExpressionError(f"expression {text!r} is not text", expected=_EXPECTED)
        self.text = text
        if len(text) > MAX_LENGTH:
            raise self._error(f"is {len(text)} characters long", f"at most {MAX_LENGTH} characters")
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except SyntaxError as exc:
            raise ExpressionError(f"cannot parse expression {self._short}: {exc.msg}",
                                  expected="a condition such as AESER == \"Y\" and AGE >= 18") from None
        except (ValueError, RecursionError, MemoryError) as exc:  # NUL bytes, parser limits
            raise self._error(f"cannot be parsed ({type(exc).__name__})", _EXPECTED) from None
        self._tree = tree.body
        self.names: set[str] = set()
        self._nodes = 0
        self._check(self._tree, 1)

    @property
    def _short(self) -> str:
        return repr(self.text if len(self.text) <= 200 else self.text[:200] + "...")

    def _error(self, what: str, expected: str | None = None) -> ExpressionError:
        return ExpressionError(f"expression {self._short} {what}", expected=expected)

    def _check(self, node: ast.AST, depth: int) -> None:
        self._nodes += 1
        if depth > MAX_DEPTH:
            raise self._error(f"is nested more than {MAX_DEPTH} levels deep", "a flatter condition")
        if self._nodes > MAX_NODES:
            raise self._error(f"has more than {MAX_NODES} parts", "a shorter condition")
        if isinstance(node, ast.BoolOp | ast.Compare | ast.BinOp):
            pass
        elif isinstance(node, ast.List | ast.Tuple):
            if len(node.elts) > MAX_LITERAL:
                raise self._error(f"has a list of {len(node.elts)} values", f"at most {MAX_LITERAL}")
            if not all(_literal(e) for e in node.elts):
                raise self._error("has a list holding something other than literals",
                                  'a list of literals such as ["A", "B"]')
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, ast.Not | ast.USub):
                raise self._bad(node)
        elif isinstance(node, ast.Name):
            self.names.add(node.id)
        elif isinstance(node, ast.Constant):
            value = node.value
            if not isinstance(value, str | int | float | bool | type(None)):
                raise self._bad(node)
            if isinstance(value, str) and len(value) > MAX_LITERAL:
                raise self._error(f"has a text literal of {len(value)} characters", f"at most {MAX_LITERAL}")
            if isinstance(value, int | float) and not isinstance(value, bool) and not abs(value) <= MAX_NUMBER:
                raise self._error(f"has the number {str(value)[:30]} (too large or not finite)",
                                  f"numbers up to {MAX_NUMBER:g}")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in _FUNCS:
                name = node.func.id if isinstance(node.func, ast.Name) else type(node.func).__name__
                raise self._error(f"calls {name}(), which is not a known function",
                                  f"one of {', '.join(f'{f}()' for f in _FUNCS)}")
            if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
                raise self._error(f"passes keyword or starred arguments to {node.func.id}()",
                                  "plain positional arguments")
            for arg in node.args:
                self._check(arg, depth + 1)
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
            self._check(child, depth + 1)

    def _bad(self, node: ast.AST) -> ExpressionError:
        return self._error(f"uses {type(node).__name__}, which is not allowed", _EXPECTED)

    # -- types ----------------------------------------------------------------------------------------
    def check_types(self, df: pd.DataFrame) -> str:
        """The expression's type given ``df``'s columns; a type or arity error is an :class:`ExpressionError`."""
        return self._type(self._tree, {n: _column_type(df[n]) for n in self.names if n in df.columns})

    def _type(self, node: ast.AST, cols: dict[str, str]) -> str:  # noqa: C901 - one branch per node kind
        if isinstance(node, ast.Constant):
            v = node.value
            return NONE if v is None else BOOL if isinstance(v, bool) else STR if isinstance(v, str) else NUM
        if isinstance(node, ast.Name):
            return cols.get(node.id, ANY)
        if isinstance(node, ast.List | ast.Tuple):
            return LIST
        if isinstance(node, ast.UnaryOp):
            inner = self._type(node.operand, cols)
            if isinstance(node.op, ast.USub):
                return self._want(inner, NUM, "'-'")
            return self._want(inner, BOOL, "'not'")
        if isinstance(node, ast.BoolOp):
            for v in node.values:
                self._want(self._type(v, cols), BOOL, "'and'/'or'")
            return BOOL
        if isinstance(node, ast.BinOp):
            op = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}[type(node.op)]
            self._want(self._type(node.left, cols), NUM, f"'{op}'")
            self._want(self._type(node.right, cols), NUM, f"'{op}'")
            if op == "/" and isinstance(node.right, ast.Constant) and node.right.value == 0:
                raise self._error("divides by zero", "a non-zero divisor")
            return NUM
        if isinstance(node, ast.Call):
            name = node.func.id  # type: ignore[union-attr]
            want, result = _SIGNATURES[name]
            if len(node.args) != len(want):
                raise self._error(f"calls {name}() with {len(node.args)} argument(s)",
                                  f"{name}() with {len(want)} argument(s)")
            for i, (arg, typ) in enumerate(zip(node.args, want, strict=True)):
                got = self._type(arg, cols)
                if typ is not None:
                    self._want(got, typ, f"argument {i + 1} of {name}()")
                elif got == LIST:
                    raise self._error(f"passes a list to {name}()", "a column name")
            if len(want) == 2 and not (isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
                raise self._error(f"gives {name}() a second argument that is not a text literal", '"TEXT"')
            return result
        if isinstance(node, ast.Compare):
            left = self._type(node.left, cols)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self._type(comp, cols)
                self._compare_types(op, left, right)
                left = right
            return BOOL
        raise self._bad(node)  # pragma: no cover - _check rejects everything else

    def _want(self, got: str, want: str, where: str) -> str:
        if got not in (want, ANY):
            raise self._error(f"gives {where} a {got} where a {want} is needed", f"a {want}")
        return want

    def _compare_types(self, op: ast.cmpop, left: str, right: str) -> None:
        if isinstance(op, ast.In | ast.NotIn):
            if right != LIST:
                raise self._error("has 'in' without a list on its right", '[\"A\", \"B\"]')
            if left == LIST:
                raise self._error("has a list on the left of 'in'", "a column name")
            return
        if LIST in (left, right):
            raise self._error("compares a list with '==', '<' ...", "'in' for membership")
        if NONE in (left, right):
            if not isinstance(op, ast.Eq | ast.NotEq):
                raise self._error("orders None with '<', '>' ...", "'== None' or missing()")
            return
        if ANY in (left, right) or left == right or {left, right} == {NUM, BOOL}:
            return
        raise self._error(f"compares a {left} with a {right}", f"both sides {left}s (quote text: \"5\")")

    # -- evaluation -----------------------------------------------------------------------------------
    def evaluate(self, df: pd.DataFrame, *, signif_digits: int | None = None) -> pd.Series:
        """Evaluate on ``df``; returns a boolean Series (missing → False). With ``signif_digits``, numbers are
        compared at that many significant digits."""
        result = self.value(df, want=BOOL, signif_digits=signif_digits)
        if result.dtype != bool:
            result = result.fillna(False).astype(bool)
        return result

    def value(self, df: pd.DataFrame, want: str | None = None, *, signif_digits: int | None = None) -> pd.Series:
        """Evaluate on ``df`` and return the values themselves (e.g. ``WEIGHT / HEIGHT`` gives numbers)."""
        missing_cols = sorted(n for n in self.names if n not in df.columns and n not in ("True", "False"))
        if missing_cols:
            raise ExpressionError(
                f"expression {self._short} names column(s) {', '.join(missing_cols)} not in the data",
                expected=f"one of {', '.join(map(str, df.columns))}"[:2000],
            )
        if signif_digits is not None and (isinstance(signif_digits, bool) or not isinstance(signif_digits, int)
                                          or not 1 <= signif_digits <= 17):
            raise self._error(f"is given signif_digits={signif_digits!r}", "a whole number from 1 to 17")
        typ = self.check_types(df)
        if want is not None and typ not in (want, ANY):
            raise self._error(f"gives a {typ}, not a true/false condition", "a condition such as AGE >= 18")
        try:
            with np.errstate(all="ignore"):
                result = self._eval(self._tree, df, signif_digits)
        except (ArithmeticError, TypeError, ValueError) as exc:  # e.g. 1 / (1 - 1), a column of mixed values
            raise self._error(f"cannot be evaluated: {type(exc).__name__}: {exc}", _EXPECTED) from None
        if not isinstance(result, pd.Series):
            result = pd.Series(result, index=df.index)
        return result

    def _eval(self, node: ast.AST, df: pd.DataFrame, digits: int | None) -> Any:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return df[node.id]
        if isinstance(node, ast.List | ast.Tuple):
            return [self._eval(e, df, digits) for e in node.elts]
        if isinstance(node, ast.UnaryOp):
            val = self._eval(node.operand, df, digits)
            if isinstance(node.op, ast.USub):
                return -val
            return ~_as_bool(val, df) if isinstance(val, pd.Series) else not val
        if isinstance(node, ast.BoolOp):
            parts = [_as_bool(self._eval(v, df, digits), df) for v in node.values]
            out = parts[0]
            for p in parts[1:]:
                out = (out & p) if isinstance(node.op, ast.And) else (out | p)
            return out
        if isinstance(node, ast.BinOp):
            return _ARITH[type(node.op)](self._eval(node.left, df, digits), self._eval(node.right, df, digits))
        if isinstance(node, ast.Call):
            args = [self._eval(a, df, digits) for a in node.args]
            args[0] = args[0] if isinstance(args[0], pd.Series) else pd.Series(args[0], index=df.index)
            return _FUNCS[node.func.id](*args)  # type: ignore[union-attr]
        if isinstance(node, ast.Compare):
            left = self._eval(node.left, df, digits)
            out: pd.Series | None = None
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self._eval(comp, df, digits)
                part = _compare(op, left, right, df, digits)
                out = part if out is None else (out & part)
                left = right
            return out
        raise self._bad(node)  # pragma: no cover - _check rejects everything else


def _literal(node: ast.AST) -> bool:
    """A constant, or a negated number."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        node = node.operand
        return isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(
            node.value, bool)
    return isinstance(node, ast.Constant)


def _column_type(values: pd.Series) -> str:
    """NUM, STR or BOOL for a column (ANY when its values do not tell, e.g. all missing or dates)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return BOOL
    if pd.api.types.is_numeric_dtype(values.dtype):
        return NUM
    if pd.api.types.is_string_dtype(values.dtype) and values.dtype != object:
        return STR
    if values.dtype == object:
        kind = pd.api.types.infer_dtype(values, skipna=True)
        return {"string": STR, "floating": NUM, "integer": NUM, "mixed-integer-float": NUM,
                "boolean": BOOL}.get(kind, ANY)
    return ANY


def _as_bool(val: Any, df: pd.DataFrame) -> pd.Series:
    if isinstance(val, pd.Series):
        return val.fillna(False).astype(bool)
    return pd.Series(bool(val), index=df.index)


def _compare(op: ast.cmpop, left: Any, right: Any, df: pd.DataFrame, digits: int | None = None) -> pd.Series:
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
    if digits is not None and _numeric(left) and _numeric(right):
        left, right = signif(left, digits), signif(right, digits)
    with np.errstate(invalid="ignore"):
        res = fn(left, right)
    if isinstance(res, pd.Series):
        valid = pd.Series(True, index=df.index)
        for side in (left, right):
            if isinstance(side, pd.Series):
                valid &= side.notna()
        return res.fillna(False).astype(bool) & valid
    return pd.Series(bool(res), index=df.index)


def _numeric(value: Any) -> bool:
    if isinstance(value, pd.Series):
        return pd.api.types.is_numeric_dtype(value.dtype) and not pd.api.types.is_bool_dtype(value.dtype)
    return isinstance(value, int | float) and not isinstance(value, bool)


@lru_cache(maxsize=512)
def parse(text: str) -> Expression:
    """Parse (and cache) an expression."""
    return Expression(text)


def evaluate(text: str | None, df: pd.DataFrame, *, signif_digits: int | None = None) -> pd.Series:
    """Evaluate ``text`` on ``df``; an empty/None condition selects every row."""
    if text is None or not str(text).strip():
        return pd.Series(True, index=df.index)
    return parse(str(text)).evaluate(df, signif_digits=signif_digits)
