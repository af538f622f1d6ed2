"""Every pharmaverse dataset against pharmaverseadam: per-variable match rates are floors (``>=``).

One ``floors/<name>.yaml`` per dataset; a variable below the default floor, or a reference variable we do not
derive, is listed there and explained with its evidence in ``docs/parity/<name>.md``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.studies.pharmaverse.conftest import FLOORS, parity

DATASETS = sorted(p.stem for p in FLOORS.glob("*.yaml"))
DOCS = Path(__file__).resolve().parents[3] / "docs" / "parity"


@pytest.mark.parametrize("name", DATASETS)
def test_matches_pharmaverseadam(derived: Path, shared_data: Path, name: str) -> None:
    result, spec = parity(derived, shared_data, name)
    assert result.n_matched >= spec["records"]
    assert len(result.only_in_base) == 0, result.only_in_base.head()
    assert set(result.variables_only_in_compare) <= set(spec.get("absent", []))
    lower = spec.get("variables", {}) or {}
    rates = dict(zip(result.per_variable["variable"], result.per_variable["match_rate"], strict=True))
    below = {v: round(r, 5) for v, r in rates.items() if r < lower.get(v, spec["default"])}
    assert not below, f"{name}: below floor: {below}"
    explained = [*lower, *spec.get("absent", []), *spec.get("na_is_text", [])]
    if explained:
        text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        assert all(v in text for v in explained)
