"""Accepted findings: warnings a study has reviewed and explains (as a reviewer's guide does).

A study lists them in ``validation/accepted.yaml`` inside its folder::

    accepted:
      - rule: CT.EXT                 # rule id, as in the report (GX.* ids too)
        dataset: TS
        variable: TSPARM             # optional: without it, every variable of the dataset
        reason: Sponsor-defined trial summary parameters (simulation disclosure), declared in the define.

A matching warning or notice stays in the report, marked accepted with the reason, and no longer counts toward
``--fail-on``. Errors cannot be accepted: they stay as they are, and an entry that accepted nothing is listed
as unused in the report so that stale explanations are noticed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.specs.loader import read_yaml
from cdiscflow.validation.model import Finding

KEYS = {"rule", "dataset", "variable", "reason"}


@dataclass(frozen=True)
class Acceptance:
    """One accepted (rule, dataset, optional variable) with the reason."""

    rule: str
    dataset: str
    reason: str
    variable: str | None = None

    @classmethod
    def from_dict(cls, data: Any, row: int, file: str | None = None) -> Acceptance:
        expected = "{rule: ID, dataset: NAME, variable: NAME (optional), reason: TEXT}"
        if not isinstance(data, dict):
            raise SpecError("an accepted finding must be a mapping", file=file, row=row, expected=expected)
        extra = set(data) - KEYS
        if extra:
            raise SpecError(f"unknown key(s) {sorted(extra)}", file=file, row=row, expected=expected)
        for key in ("rule", "dataset", "reason"):
            if not isinstance(data.get(key), str) or not data[key].strip():
                raise SpecError(f"'{key}' is missing", file=file, row=row, variable=key, expected=expected)
        variable = data.get("variable")
        if variable is not None and not isinstance(variable, str):
            raise SpecError(f"variable {variable!r}", file=file, row=row, variable="variable",
                            expected="a variable name")
        return cls(rule=data["rule"].strip(), dataset=data["dataset"].strip().upper(),
                   reason=" ".join(data["reason"].split()), variable=variable.strip().upper() if variable else None)

    def matches(self, f: Finding) -> bool:
        return (f.rule_id == self.rule and f.dataset == self.dataset
                and (self.variable is None or (f.variable or "").upper() == self.variable))

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "dataset": self.dataset, "variable": self.variable, "reason": self.reason}


def load_accepted(path: Path | str) -> list[Acceptance]:
    """The entries of an ``accepted.yaml`` (``accepted: [...]``); an absent file accepts nothing."""
    path = Path(path)
    if not path.is_file():
        return []
    data = read_yaml(path)
    entries = data.get("accepted") if isinstance(data, dict) else None
    if entries is None and isinstance(data, dict) and "accepted" in data:
        entries = []
    if not isinstance(entries, list):
        raise SpecError("'accepted' list is missing", file=str(path),
                        expected="accepted: [ {rule: ..., dataset: ..., reason: ...}, ... ]")
    return [Acceptance.from_dict(entry, i + 1, str(path)) for i, entry in enumerate(entries)]


def apply_accepted(findings: list[Finding], accepted: list[Acceptance]) -> dict[Acceptance, int]:
    """Mark the warnings and notices an entry matches (first matching entry wins); how many each accepted."""
    used = dict.fromkeys(accepted, 0)
    for f in findings:
        if f.severity == "error":
            continue
        entry = next((a for a in accepted if a.matches(f)), None)
        if entry is not None:
            f.accepted = entry.reason
            used[entry] += 1
    return used
