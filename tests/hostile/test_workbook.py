"""Hostile spec workbooks: every defect is a SpecError naming the sheet, row and column (never a traceback)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from cdiscflow.cli import main
from cdiscflow.errors import SpecError
from cdiscflow.specs.workbook import read_workbook, write_spec_folder, write_workbook
from tests.specs.workbook_cases import small_specs


def _find(ws, column: str, **match: str) -> tuple[int, int]:
    """(row, column index) of ``column`` in the first row whose cells equal ``match``."""
    header = [c.value for c in ws[1]]
    for row in range(2, ws.max_row + 1):
        if all(ws.cell(row, header.index(k) + 1).value == v for k, v in match.items()):
            return row, header.index(column) + 1
    raise AssertionError(f"no row {match}")


def setter(sheet: str, column: str, value: object, **match: str) -> Callable:
    def edit(wb) -> int:
        row, col = _find(wb[sheet], column, **match)
        wb[sheet].cell(row, col).value = value
        return row
    return edit


def drop_column(sheet: str, column: str) -> Callable:
    def edit(wb) -> int:
        ws = wb[sheet]
        ws.delete_cols([c.value for c in ws[1]].index(column) + 1)
        return 1
    return edit


def duplicate_row(sheet: str, **match: str) -> Callable:
    def edit(wb) -> int:
        ws = wb[sheet]
        row, _ = _find(ws, next(iter(match)), **match)
        ws.append([c.value for c in ws[row]])
        return ws.max_row
    return edit


def drop_sheet(name: str) -> Callable:
    def edit(wb) -> None:
        wb.remove(wb[name])
    return edit


VAR = {"Dataset": "ADSL", "Variable": "AGE"}
CASES = [
    # (id, edit, sheet, column, words in the message)
    ("missing-sheet-variables", drop_sheet("Variables"), None, None, "sheet Variables is missing"),
    ("missing-sheet-datasets", drop_sheet("Datasets"), None, None, "sheet Datasets is missing"),
    ("missing-column-label", drop_column("Variables", "Label"), "Variables", None, "lacks column(s) Label"),
    ("missing-column-order", drop_column("Variables", "Order"), "Variables", None, "Order"),
    ("missing-column-codelist-term", drop_column("Codelists", "Term"), "Codelists", None, "Term"),
    ("duplicate-variable", duplicate_row("Variables", **VAR), "Variables", "Variable", "listed twice"),
    ("dataset-name-is-a-path", setter("Datasets", "Dataset", "../../evil", Dataset="ADVS"), "Datasets", "Dataset",
     "not a dataset name"),
    ("duplicate-dataset", duplicate_row("Datasets", Dataset="ADVS"), "Datasets", "Dataset", "listed twice"),
    ("unknown-codelist", setter("Variables", "Codelist", "NOSUCH", **VAR), "Variables", "Codelist", "NOSUCH"),
    ("wrong-data-type", setter("Variables", "Data Type", "blob", **VAR), "Variables", "Data Type", "blob"),
    ("empty-data-type", setter("Variables", "Data Type", None, **VAR), "Variables", "Data Type", "empty"),
    ("non-numeric-length", setter("Variables", "Length", "eight", **VAR), "Variables", "Length", "eight"),
    ("fractional-length", setter("Variables", "Length", 8.5, **VAR), "Variables", "Length", "8.5"),
    ("zero-length", setter("Variables", "Length", 0, **VAR), "Variables", "Length", "positive"),
    ("non-numeric-order", setter("Variables", "Order", "first", **VAR), "Variables", "Order", "first"),
    ("non-numeric-digits", setter("Variables", "Significant Digits", "two", **VAR), "Variables",
     "Significant Digits", "two"),
    ("unknown-dataset", setter("Variables", "Dataset", "ADXX", **VAR), "Variables", "Dataset", "ADXX"),
    ("empty-label", setter("Variables", "Label", "  ", **VAR), "Variables", "Label", "empty"),
    ("bad-origin", setter("Variables", "Origin", "Guessed", **VAR), "Variables", "Origin", "Guessed"),
    ("bad-mandatory", setter("Variables", "Mandatory", "Maybe", **VAR), "Variables", "Mandatory", "Maybe"),
    ("bad-core", setter("Variables", "cdiscflow Core", "Must", **VAR), "Variables", "cdiscflow Core", "Must"),
    ("bad-pages", setter("Variables", "Pages", "p.3", **VAR), "Variables", "Pages", "p.3"),
    ("unknown-method", setter("Variables", "Method", "MT.NONE", **VAR), "Variables", "Method", "MT.NONE"),
    ("unknown-comment", setter("Variables", "Comment", "COM.NONE", **VAR), "Variables", "Comment", "COM.NONE"),
    ("bad-yaml-map", setter("Variables", "cdiscflow Map", "{assign: [", Dataset="DM", Variable="USUBJID"),
     "Variables", "cdiscflow Map", "not YAML"),
    ("key-not-variable", setter("Datasets", "Key Variables", "USUBJID, NOPE", Dataset="ADVS"), "Datasets",
     "Key Variables", "NOPE"),
    ("settings-not-mapping", setter("Datasets", "cdiscflow Settings", "[1, 2]", Dataset="ADSL"), "Datasets",
     "cdiscflow Settings", "mapping"),
    ("where-clause-operator", setter("ValueLevel", "Where Clause", "PARAMCD NE SYSBP", **{"Order": 1}),
     "ValueLevel", "Where Clause", "NE"),
    ("where-clause-not-a-variable", setter("ValueLevel", "Where Clause", '"NO PE" EQ 1', **{"Order": 1}),
     "ValueLevel", "Where Clause", "variable name expected"),
    ("where-clause-unclosed-list", setter("ValueLevel", "Where Clause", "PARAMCD IN (A, B", **{"Order": 1}),
     "ValueLevel", "Where Clause", "IN needs a list"),
    ("value-level-unknown-variable", setter("ValueLevel", "Variable", "AVALC", **{"Order": 1}), "ValueLevel",
     "Variable", "AVALC"),
    ("codelist-data-type", setter("Codelists", "Data Type", "number", ID="TRTN"), "Codelists", "Data Type",
     "number"),
    ("codelist-bad-order", setter("Codelists", "Order", "one", ID="TRTN"), "Codelists", "Order", "one"),
    ("duplicate-method-id", duplicate_row("Methods", ID="MT.ADSL.AGE"), "Methods", "ID", "listed twice"),
    ("dictionary-also-codelist", setter("Dictionaries", "ID", "SEX", ID="MEDDRA"), "Dictionaries", "ID",
     "also a codelist"),
]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "good.xlsx"
    write_workbook(small_specs(), path)
    read_workbook(path)  # the unedited workbook reads cleanly
    return path


@pytest.mark.parametrize(("edit", "sheet", "column", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_workbook_names_sheet_row_and_column(good: Path, tmp_path: Path, edit: Callable, sheet: str | None,
                                                 column: str | None, words: str) -> None:
    wb = openpyxl.load_workbook(good)
    row = edit(wb)
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    with pytest.raises(SpecError) as info:
        read_workbook(bad)
    text = str(info.value)
    assert words in text and str(bad) in text
    if sheet is not None:
        assert f"row {row} of sheet {sheet}" in text
    if column is not None:
        assert f"column '{column}'" in text


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04broken"])
def test_not_a_workbook_is_one_line_error_exit_2(tmp_path: Path, content: bytes,
                                                 capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(content)
    assert main(["specs", "import", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a readable .xlsx workbook" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_error_is_one_line_naming_sheet_row_column(good: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture) -> None:
    wb = openpyxl.load_workbook(good)
    row = setter("Variables", "Length", "abc", **VAR)(wb)
    wb.save(tmp_path / "bad.xlsx")
    assert main(["specs", "import", str(tmp_path / "bad.xlsx"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert f"row {row} of sheet Variables" in err and "column 'Length'" in err and "variable AGE" in err
    assert not (tmp_path / "out").exists()


def test_define_dataset_name_cannot_leave_the_spec_folder(tmp_path: Path) -> None:
    specs = small_specs()
    specs.datasets["ADVS"].name = "../escape"
    with pytest.raises(SpecError, match="not a dataset name"):
        write_spec_folder(specs, tmp_path / "specs")
    assert not (tmp_path / "escape.yaml").exists() and not list(tmp_path.rglob("*.yaml"))


def test_export_refuses_a_variable_naming_an_undefined_codelist(tmp_path: Path) -> None:
    specs = small_specs()
    specs.datasets["ADSL"].variables[2].codelist = "GENDER"
    specs.datasets["ADSL"].file = "specs/adam/adsl.yaml"
    with pytest.raises(SpecError) as info:
        write_workbook(specs, tmp_path / "x.xlsx")
    assert str(info.value).startswith("specs/adam/adsl.yaml, variable SEX: dataset ADSL: codelist GENDER")
    assert not list(tmp_path.iterdir())
