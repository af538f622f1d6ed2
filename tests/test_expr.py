import pandas as pd
import pytest

from cdiscflow.errors import ExpressionError
from cdiscflow.expr import evaluate

DF = pd.DataFrame({
    "AESER": ["Y", "N", "", "Y"],
    "AGE": [70.0, 45.0, float("nan"), 18.0],
    "ARMCD": ["PBO", "TRT", "SCRNFAIL", "TRT"],
})


@pytest.mark.parametrize(("text", "expected"), [
    ('AESER == "Y"', [True, False, False, True]),
    ("AGE >= 18 and AGE < 65", [False, True, False, True]),
    ('ARMCD in ["PBO", "TRT"]', [True, True, False, True]),
    ('ARMCD not in ["SCRNFAIL"]', [True, True, False, True]),
    ("not AGE > 50", [False, True, True, True]),
    ("missing(AESER)", [False, False, True, False]),
    ("present(AGE)", [True, True, False, True]),
    ("AGE == None", [False, False, True, False]),
    ('AESER == "Y" or AGE < 50', [True, True, False, True]),
    ("18 <= AGE <= 45", [False, True, False, True]),
    ('lower(ARMCD) == "trt"', [False, True, False, True]),
    ("AGE + 5 > 70", [True, False, False, False]),
    ("", [True, True, True, True]),
])
def test_evaluate(text: str, expected: list[bool]) -> None:
    result = evaluate(text, DF)
    pd.testing.assert_series_equal(result, pd.Series(expected, index=DF.index), check_names=False)


@pytest.mark.parametrize("text", [
    "__import__('os').system('echo hi')",
    "AESER.upper() == 'Y'",
    "[x for x in AESER]",
    "lambda: 1",
    "AGE ** 2 > 1",
    "open('x')",
    "AESER[0] == 'Y'",
])
def test_rejects_unsafe(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, DF)


def test_unknown_column_is_named() -> None:
    with pytest.raises(ExpressionError, match="SAFFL"):
        evaluate('SAFFL == "Y"', DF)


def test_syntax_error_is_clear() -> None:
    with pytest.raises(ExpressionError, match="cannot parse"):
        evaluate("AGE >", DF)


def test_signif_digits_compares_rounded_numbers() -> None:
    df = pd.DataFrame({"AVAL": [0.3, 151.0], "ANRHI": [0.1, 50.0]})
    assert evaluate("AVAL >= 3 * ANRHI", df).tolist() == [False, True]  # 3 * 0.1 is 0.30000000000000004
    assert evaluate("AVAL >= 3 * ANRHI", df, signif_digits=15).tolist() == [True, True]
    assert evaluate("AVAL > 3 * ANRHI", df, signif_digits=2).tolist() == [False, False]  # 151 → 150


@pytest.mark.parametrize("digits", [0, 18, True, 2.5])
def test_signif_digits_must_be_a_sensible_whole_number(digits: object) -> None:
    with pytest.raises(ExpressionError, match="signif_digits"):
        evaluate("AGE > 1", DF, signif_digits=digits)  # type: ignore[arg-type]
