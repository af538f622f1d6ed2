"""Hostile conditions in specs: type and arity errors, unsafe syntax and unbounded text are one-line errors that
name the spec file, the dataset or output, the variable and the expression; nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile.conftest import assert_clean_error, files_under, run_cli
from hostile.spec_fixtures import dm_spec, output, sdtm_study, tlf_study, with_map

# (population where, a text the error must contain)
WHERE_CASES: list[tuple[str, str]] = [
    ("SEX < 5", "compares a text with a number"),
    ('AGE == "old"', "compares a number with a text"),
    ("missing()", "missing() with 0 argument"),
    ("missing(AGE, SEX)", "missing() with 2 argument"),
    ("startswith(SEX)", "startswith() with 1 argument"),
    ("startswith(SEX, AGE)", "argument 2 of startswith()"),
    ("contains(SEX, SEX)", "not a text literal"),
    ('upper(AGE) == "X"', "argument 1 of upper()"),
    ("AGE / 0 > 1", "divides by zero"),
    ("1 / (1 - 1) > 0", "ZeroDivisionError"),
    ('"a" * 1000000000 == SEX', "gives '*' a text"),
    ("[1] * 100000000 == AGE", "gives '*' a list"),
    ("SEX + 1 == 2", "gives '+' a text"),
    ("-SEX == 1", "gives '-' a text"),
    ("not AGE", "gives 'not' a number"),
    ('AGE and SAFFL == "Y"', "gives 'and'/'or' a number"),
    ("frobnicate(AGE)", "frobnicate(), which is not a known function"),
    ('SEX.upper() == "F"', "not a known function"),
    ('SEX[0] == "F"', "Subscript"),
    ('__import__("os").system("true")', "not a known function"),
    ("AGE if SEX else 1", "IfExp"),
    ("(lambda: 1)() == 1", "not a known function"),
    ("[x for x in SEX] == 1", "ListComp"),
    ("not " * 60 + 'SAFFL == "Y"', "nested more than"),
    (" or ".join(['SAFFL == "Y"'] * 400), "characters long"),
    ("AGE < 1e400", "too large or not finite"),
    ("AGE < 99999999999999999999", "too large"),
    ('SEX == "' + "x" * 2000 + '"', "text literal of 2000"),
    ("AGE in [" + ",".join(["1"] * 1500) + "]", "list of 1500 values"),
    ('SAFFL == "Y"\x00', "cannot"),
    ("AGE >", "cannot parse"),
    ('AGE in "abc"', "'in' without a list"),
    ("[1, 2] == AGE", "compares a list"),
    ("AGE < None", "orders None"),
    ("AGE", "not a true/false condition"),
    ('"Y"', "not a true/false condition"),
    ("missing(*[AGE])", "starred"),
    ('contains(SEX, pattern="x")', "keyword"),
    ("AGE ** 2 > 1", "Pow"),
    ("AGE // 2 > 1", "FloorDiv"),
    ("AGE % 2 == 0", "Mod"),
    ("AGE in [SEX]", "other than literals"),
    ("NOSUCH == 1", "NOSUCH not in the data"),
    ("AGE is None", "Is"),
    ('SEX == b"F"', "Constant"),
    ('f"{SEX}" == "F"', "JoinedStr"),
    ("AGE < 5j", "Constant"),
    ("(AGE := 3) > 1", "NamedExpr"),
    ("AGE @ AGE > 1", "MatMult"),
    ("~AGE > 1", "UnaryOp"),
    ("AGE << 2 > 1", "LShift"),
    ("AGE > 1 > SEX", "compares a number with a text"),
    (5, "not a true/false condition"),
    (["SAFFL", "Y"], "not a true/false condition"),
]


@pytest.mark.parametrize(("where", "expected"), WHERE_CASES, ids=[str(i) for i in range(len(WHERE_CASES))])
def test_population_where(tmp_path: Path, where: object, expected: str) -> None:
    pop = {"label": "Safety", "dataset": "ADSL", "where": where}
    args = tlf_study(tmp_path, output(population=pop))
    line = assert_clean_error(run_cli(args), "catalog.yaml", "output t-dm", expected)
    assert len(line) < 3000  # a huge expression is shortened in the message
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize(("settings_where", "expected"), [
    ("AGE >= 18", "compares a text with a number"),   # raw extracts are text: quote the number
    ("missing()", "missing() with 0 argument"),
    ("1 / 0 == 1", "divides by zero"),
    ("open('x')", "not a known function"),
])
def test_dataset_where(tmp_path: Path, settings_where: str, expected: str) -> None:
    args = sdtm_study(tmp_path, dm_spec(settings={"subject": "PAT", "where": settings_where}))
    assert_clean_error(run_cli(args), "dm.yaml", "dataset DM", "settings.where", expected)
    assert files_under(tmp_path / "out") == []


def test_condition_in_a_map_entry_names_the_variable(tmp_path: Path) -> None:
    entry = {"condition": [{"where": "SEX < 5", "hardcode": "X"}, {"otherwise": True, "hardcode": "Y"}]}
    args = sdtm_study(tmp_path, with_map("COUNTRY", entry))
    assert_clean_error(run_cli(args), "dm.yaml", "dataset DM", "variable COUNTRY", "SEX < 5", "compares a text")
    assert files_under(tmp_path / "out") == []
