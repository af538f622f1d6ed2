"""Run dates: the clock or SOURCE_DATE_EPOCH, and the study's data cut-off."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.provenance import (
    DEFAULT_SOURCE_DATE_EPOCH,
    data_cutoff,
    dates_line,
    run_stamp,
    source_date_epoch,
)


def test_run_stamp_is_the_clock_unless_source_date_epoch_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert run_stamp()[:10] == datetime.now(tz=UTC).date().isoformat()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert run_stamp() == "2026-01-01T00:00:00"


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("2026-03-31", "2026-03-31"),
                                                  (date(2026, 3, 31), "2026-03-31")])
def test_data_cutoff_reads_iso_dates(value: object, expected: str | None) -> None:
    assert data_cutoff({"data_cutoff": value}) == expected


@pytest.mark.parametrize("value", ["2026-3-31", "31MAR2026", "2026-02-30", 20260331])
def test_data_cutoff_rejects_anything_else(value: object) -> None:
    with pytest.raises(SpecError, match="data_cutoff"):
        data_cutoff({"data_cutoff": value}, file="study.yaml")


def test_dates_line_names_the_run_and_the_cutoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    assert dates_line({"data_cutoff": "2025-12-15"}) == "Run 2026-01-01T00:00:00 · Data cut-off 2025-12-15"
    assert dates_line({}) == "Run 2026-01-01T00:00:00"


def test_source_date_epoch_precedence(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert source_date_epoch({}) is None  # a plain run is dated by the clock
    assert source_date_epoch({}, reproducible=True) == DEFAULT_SOURCE_DATE_EPOCH == 1767225600
    assert source_date_epoch({"source_date_epoch": 1600000000}) == 1600000000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1500000000")
    assert source_date_epoch({"source_date_epoch": 1600000000}) == 1500000000
