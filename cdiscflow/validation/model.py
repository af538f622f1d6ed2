"""Rules, findings and the report: the data the validation engine reads and writes.

A :class:`Rule` is data (one entry of a ``rules/*.yaml`` file): an id, a severity, a scope (standard, class,
domain, variables), a message, the name of a registered check and its parameters, and the ids of the same rule
in CDISC CORE / Pinnacle 21 / the SDTMIG conformance rules / FDA's technical rejection criteria (``fda_id``,
e.g. ``TRC 1734``) when it is the same rule. A check returns
:class:`Hit` objects (variable + offending row positions); the engine turns them into :class:`Finding` objects
carrying the rows' keys and values, and a :class:`Report` collects them. A finding the study has accepted
(``cdiscflow.validation.accepted``) carries the reason and counts apart from the open findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cdiscflow.errors import SpecError

SEVERITIES = ("error", "warning", "notice")
RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Scope:
    """Where a rule applies. Empty lists mean "any". Domains accept globs (``SUPP*``)."""

    standard: str | None = None
    classes: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    variables: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None) -> Scope:
        data = data or {}
        if not isinstance(data, dict):
            raise SpecError(f"{where}: scope must be a mapping", file=file,
                            expected="{standard: SDTM, domains: [...], variables: [...]}")
        extra = set(data) - {"standard", "classes", "domains", "exclude", "variables"}
        if extra:
            raise SpecError(f"{where}: unknown scope key(s) {sorted(extra)}", file=file,
                            expected="standard, classes, domains, exclude, variables")

        def lst(key: str) -> tuple[str, ...]:
            val = data.get(key) or []
            if isinstance(val, str):
                val = [val]
            return tuple(str(v).upper() for v in val)

        std = data.get("standard")
        return cls(standard=str(std).upper() if std else None, classes=lst("classes"), domains=lst("domains"),
                   exclude=lst("exclude"), variables=lst("variables"))


@dataclass(frozen=True)
class Rule:
    """One validation rule, loaded from YAML."""

    id: str
    severity: str
    message: str
    check: str
    scope: Scope = Scope()
    params: dict[str, Any] = field(default_factory=dict)
    core_id: str | None = None
    p21_id: str | None = None
    cg_id: str | None = None
    file: str | None = None
    fda_id: str | None = None

    KEYS = {"id", "severity", "message", "check", "scope", "params", "core_id", "p21_id", "cg_id", "fda_id"}
    SOURCES = {"core_id": "CORE", "p21_id": "P21", "cg_id": "CG", "fda_id": "FDA"}

    @classmethod
    def from_dict(cls, data: Any, where: str, file: str | None = None) -> Rule:
        if not isinstance(data, dict):
            raise SpecError(f"{where}: a rule must be a mapping", file=file, expected="{id: ..., check: ...}")
        extra = set(data) - cls.KEYS
        if extra:
            raise SpecError(f"{where}: unknown key(s) {sorted(extra)}", file=file,
                            expected=", ".join(sorted(cls.KEYS)))
        for key in ("id", "message", "check"):
            if not isinstance(data.get(key), str) or not data[key]:
                raise SpecError(f"{where}: '{key}' is missing", file=file, expected="text")
        where = f"{where} ({data['id']})"
        sev = data.get("severity")
        if sev not in SEVERITIES:
            raise SpecError(f"{where}: severity {sev!r}", file=file, expected=" / ".join(SEVERITIES))
        params = data.get("params") or {}
        if not isinstance(params, dict):
            raise SpecError(f"{where}: params must be a mapping", file=file, expected="a mapping")
        return cls(id=data["id"], severity=sev, message=data["message"], check=data["check"],
                   scope=Scope.from_dict(data.get("scope"), where, file), params=dict(params),
                   core_id=data.get("core_id"), p21_id=data.get("p21_id"), cg_id=data.get("cg_id"), file=file,
                   fda_id=data.get("fda_id"))

    @property
    def source(self) -> str:
        """Where the same rule is published: ``CORE-000123 · P21 SD1002 · FDA TRC 1734`` (empty when nowhere)."""
        return " · ".join(f"{label} {getattr(self, key)}" for key, label in self.SOURCES.items()
                          if getattr(self, key))

    def to_dict(self) -> dict[str, Any]:
        out = {"id": self.id, "severity": self.severity, "check": self.check, "message": self.message}
        for key in self.SOURCES:
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass
class Hit:
    """What a check returns: offending row positions (empty for a dataset-level finding) of one variable."""

    variable: str | None
    rows: Any = ()
    detail: str | None = None
    values: Any = None
    count: int | None = None  # when ``rows`` lists only the first offending rows


@dataclass
class Finding:
    """One rule broken in one dataset/variable: how often, and the offending rows with their keys and values."""

    rule_id: str
    severity: str
    dataset: str
    variable: str | None
    message: str
    count: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    accepted: str | None = None  # the study's reason, when it has accepted the finding

    def sort_key(self) -> tuple:
        return (RANK[self.severity], self.dataset, self.rule_id, self.variable or "", self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "severity": self.severity, "dataset": self.dataset,
                "variable": self.variable, "message": self.message, "count": self.count, "rows": self.rows,
                "accepted": self.accepted}


@dataclass
class Report:
    """Every finding of a validation run, with the rules run and those skipped (and why)."""

    study: str
    findings: list[Finding] = field(default_factory=list)
    rules: dict[str, Rule] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    datasets: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    created: str = ""
    # the study's accepted-findings entries, each with the number of findings it accepted ("findings")
    acceptances: list[dict[str, Any]] = field(default_factory=list)
    checked: dict[str, list[str]] = field(default_factory=dict)  # rule id → the datasets it was run on

    def sorted_findings(self) -> list[Finding]:
        return sorted(self.findings, key=Finding.sort_key)

    def open_findings(self) -> list[Finding]:
        """The findings the study has not accepted."""
        return [f for f in self.findings if f.accepted is None]

    def counts(self) -> dict[str, int]:
        """Open findings (offending rows or dataset-level findings) by severity."""
        out = dict.fromkeys(SEVERITIES, 0)
        for f in self.open_findings():
            out[f.severity] += f.count
        return out

    def counts_by_rule(self, accepted: bool = False) -> dict[str, int]:
        """Open findings by rule (``accepted=True``: the accepted ones)."""
        out: dict[str, int] = {}
        for f in self.findings:
            if (f.accepted is not None) == accepted:
                out[f.rule_id] = out.get(f.rule_id, 0) + f.count
        return dict(sorted(out.items()))

    def worst(self) -> str | None:
        present = [f.severity for f in self.open_findings()]
        return min(present, key=RANK.__getitem__) if present else None

    def fails(self, fail_on: str) -> bool:
        """True when an open finding of ``fail_on`` severity or worse exists (``never`` never fails)."""
        if fail_on == "never":
            return False
        return any(RANK[f.severity] <= RANK[fail_on] for f in self.open_findings())

    def rule_rows(self) -> list[dict[str, Any]]:
        """Every rule that ran (or was skipped), findings counted (zero included), worst severity first."""
        open_, accepted = self.counts_by_rule(), self.counts_by_rule(accepted=True)
        rows = []
        for rid in sorted({*self.rules, *self.checked, *self.skipped, *open_, *accepted}):
            rule = self.rules.get(rid)
            rows.append({"id": rid, "severity": rule.severity if rule else None, "source": rule.source if rule else "",
                         "message": rule.message if rule else "", "datasets": self.checked.get(rid, self.checked.get(rid.split(".")[0], [])),
                         "findings": open_.get(rid, 0), "accepted": accepted.get(rid, 0),
                         "skipped": self.skipped.get(rid)})
        return sorted(rows, key=lambda r: (RANK.get(r["severity"], len(RANK)), r["id"]))

    def groups(self, first: int = 10) -> list[dict[str, Any]]:
        """Findings grouped by rule: the total, the count per dataset, each finding (no rows) and the first rows."""
        out: dict[str, dict[str, Any]] = {}
        for f in self.sorted_findings():
            g = out.setdefault(f.rule_id, {"rule": f.rule_id, "severity": f.severity, "total": 0, "accepted": 0,
                                           "datasets": {}, "findings": [], "rows": []})
            g["accepted" if f.accepted is not None else "total"] += f.count
            g["datasets"][f.dataset] = g["datasets"].get(f.dataset, 0) + f.count
            g["findings"].append({k: v for k, v in f.to_dict().items() if k not in ("rule", "severity", "rows")})
            room = first - len(g["rows"])
            g["rows"] += [{"dataset": f.dataset, "variable": f.variable, "message": f.message, **row}
                          for row in f.rows[:max(room, 0)]]
        return sorted(out.values(), key=lambda g: (RANK[g["severity"]], g["rule"]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "study": self.study,
            "created": self.created,
            "datasets": dict(sorted(self.datasets.items())),
            "summary": {"by_severity": self.counts(), "by_rule": self.counts_by_rule(),
                        "accepted_by_rule": self.counts_by_rule(accepted=True)},
            "acceptances": self.acceptances,
            "rules": {r["id"]: {**(self.rules[r["id"]].to_dict() if r["id"] in self.rules else {}), **r}
                      for r in self.rule_rows()},
            "by_rule": self.groups(),
            "skipped": dict(sorted(self.skipped.items())),
            "findings": [f.to_dict() for f in self.sorted_findings()],
        }
