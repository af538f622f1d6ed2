"""The pharmaverse study derived once per test session, and its comparison with pharmaverseadam.

``derived`` runs ``cdiscflow adam --study pharmaverse --out DIR`` (every dataset that has a spec) and returns
``DIR/pharmaverse/adam``. ``parity(name)`` compares one written XPT (BASE) with pharmaverseadam's Parquet file
(COMPARE; R's ``"NA"`` text read as missing) by the keys of ``floors/<name>.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cdiscflow.cli import main
from cdiscflow.compare import CompareResult, compare_frames
from cdiscflow.io.datasets import read_dataset

FLOORS = Path(__file__).parent / "floors"


def floors(name: str) -> dict:
    """``floors/<name>.yaml``: ``reference`` (pharmaverseadam file stem), ``keys``, ``records`` (matched records,
    a floor), ``default`` (per-variable match-rate floor), ``variables`` (lower floors, each explained in
    ``docs/parity/<name>.md``), ``absent`` (reference variables we do not derive, explained there too),
    ``na_is_text`` (reference variables whose text ``"NA"`` is a value, not R's missing; explained there too)."""
    return yaml.safe_load((FLOORS / f"{name}.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def derived(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pharmaverse")
    assert main(["adam", "--study", "pharmaverse", "--sdtm", str(shared_data / "pharmaverse" / "sdtm"),
                 "--out", str(out)]) == 0
    return out / "pharmaverse" / "adam"


def parity(derived: Path, shared_data: Path, name: str) -> tuple[CompareResult, dict]:
    spec = floors(name)
    base, bm = read_dataset(derived / f"{name}.xpt")
    comp, cm = read_dataset(shared_data / "pharmaverse" / "adam" / f"{spec['reference']}.parquet")
    result = compare_frames(base, comp, spec["keys"], base_meta=bm, comp_meta=cm, missing_text=("NA",),
                            text_values=tuple(spec.get("na_is_text", [])),
                            base_name="cdiscflow", compare_name=f"pharmaverseadam {spec['reference']}")
    return result, spec
