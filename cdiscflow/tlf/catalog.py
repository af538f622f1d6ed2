"""The output catalog: a study's ``tlf/catalog.yaml`` lists every table, listing and figure.

```yaml
defaults:                     # apply to every output unless it says otherwise
  formats: [rtf, docx, html, pdf]
  rounding: half_up           # half_up (SAS) | half_even | ieee | half_up_15; recorded in each ARD's metadata
  top_left: ["Protocol: {studyid}", "Population: {population}"]
  source: "Program: {program}"
  page: {orientation: landscape, font: Courier New, font_size: 9}
outputs:
  - id: t-14-2-01
    number: Table 14-2.01                 # printed as the first title line
    title: Summary of Demographic and Baseline Characteristics   # a string or a list of lines
    population: {label: Intent-to-Treat, dataset: ADSL, where: 'ITTFL == "Y"'}
    datasets: [ADSL]                      # ADaM datasets the program reads
    sdtm: [CM]                            # SDTM datasets it reads (optional; cdiscflow tlf --sdtm DIR)
    program: pilot_demographics           # a function registered with @register("tlf")
    options: {...}                        # passed to the program as ctx.options
    footnotes: ["[1] ..."]
    page: {font_size: 8}                  # merged over defaults.page
    formats: [rtf, html]                  # optional override
```

The ``where`` texts are conditions in the safe expression language (:mod:`cdiscflow.expr`); ``program``
names only registered functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.paths import safe_component
from cdiscflow.specs.loader import read_yaml
from cdiscflow.tlf.layout import PageSetup
from cdiscflow.tlf.patterns import check_pattern
from cdiscflow.tlf.rounding import Rule, check_rule

FORMATS: tuple[str, ...] = ("rtf", "docx", "html", "pdf")
_OUTPUT_KEYS = {"id", "number", "title", "population", "datasets", "sdtm", "program", "options", "footnotes", "page",
                "formats", "rounding", "top_left", "source", "type"}
_DEFAULT_KEYS = {"formats", "rounding", "top_left", "source", "page", "footnotes"}
def _check_option_patterns(value: Any, *, file: str | None, where: str) -> None:
    """Every text in a program's options that holds a brace is a pattern: check it."""
    if isinstance(value, str):
        if "{" in value or "}" in value:
            check_pattern(value, file=file, where=where)
    elif isinstance(value, dict):
        for v in value.values():
            _check_option_patterns(v, file=file, where=where)
    elif isinstance(value, list | tuple):
        for v in value:
            _check_option_patterns(v, file=file, where=where)


@dataclass(frozen=True)
class Population:
    label: str = ""
    dataset: str = "ADSL"
    where: str | None = None


@dataclass
class OutputSpec:
    id: str
    titles: list[str]
    program: str
    datasets: list[str]
    population: Population
    sdtm: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    footnotes: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=lambda: list(FORMATS))
    rounding: Rule = "half_up"
    top_left: list[str] = field(default_factory=list)
    source: str = ""
    page: PageSetup = field(default_factory=PageSetup)
    type: str = "table"
    file: str | None = None


@dataclass
class Catalog:
    outputs: list[OutputSpec]
    file: str | None = None

    def select(self, only: list[str] | None) -> list[OutputSpec]:
        if not only:
            return list(self.outputs)
        known = {o.id for o in self.outputs}
        unknown = [i for i in only if i not in known]
        if unknown:
            raise SpecError(f"unknown output id(s): {', '.join(unknown)}", file=self.file,
                            expected=f"one of {', '.join(sorted(known))}")
        return [o for o in self.outputs if o.id in only]


def _str_list(value: Any, what: str, file: str | None, oid: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise SpecError(f"output {oid}: '{what}' must be text or a list of texts", file=file, variable=what)


def _page(base: dict[str, Any], extra: Any, file: str | None, oid: str) -> PageSetup:
    merged = {**base, **(extra or {})}
    try:
        return PageSetup(**merged)
    except TypeError as exc:
        raise SpecError(f"output {oid}: bad page settings {merged}: {exc}", file=file, variable="page",
                        expected="orientation, paper, margin_in, font, font_size, rows_per_page") from None


def parse_catalog(data: Any, file: str | None = None) -> Catalog:
    if not isinstance(data, dict) or not isinstance(data.get("outputs"), list):
        raise SpecError("a TLF catalog needs an 'outputs' list", file=file, expected="outputs: [{id: ..., ...}]")
    defaults = data.get("defaults") or {}
    bad = set(defaults) - _DEFAULT_KEYS
    if bad:
        raise SpecError(f"unknown defaults key(s): {', '.join(sorted(bad))}", file=file,
                        expected=", ".join(sorted(_DEFAULT_KEYS)))
    outputs, seen = [], set()
    for i, raw in enumerate(data["outputs"], start=1):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise SpecError("each output needs an 'id'", file=file, row=i)
        oid = safe_component(raw["id"], source=file, field="id")
        unknown = set(raw) - _OUTPUT_KEYS
        if unknown:
            raise SpecError(f"output {oid}: unknown key(s) {', '.join(sorted(unknown))}", file=file, row=i,
                            expected=", ".join(sorted(_OUTPUT_KEYS)))
        if oid in seen:
            raise SpecError(f"output id {oid} appears twice", file=file, row=i)
        seen.add(oid)
        if not isinstance(raw.get("program"), str):
            raise SpecError(f"output {oid}: 'program' is missing", file=file, row=i,
                            expected="the name of a registered TLF program")
        formats = _str_list(raw.get("formats", defaults.get("formats", list(FORMATS))), "formats", file, oid)
        if set(formats) - set(FORMATS):
            raise SpecError(f"output {oid}: unknown format(s) {sorted(set(formats) - set(FORMATS))}", file=file,
                            row=i, expected=", ".join(FORMATS))
        pop = raw.get("population") or {}
        if not isinstance(pop, dict):
            raise SpecError(f"output {oid}: 'population' must be a mapping", file=file, row=i,
                            expected="{label: ..., dataset: ADSL, where: ...}")
        titles = _str_list(raw.get("number"), "number", file, oid) + _str_list(raw.get("title"), "title", file, oid)
        top_left = _str_list(raw.get("top_left", defaults.get("top_left")), "top_left", file, oid)
        source = raw.get("source", defaults.get("source", ""))
        for text in [*top_left, source]:
            check_pattern(text, file=file, where=f"output {oid}")
        options = raw.get("options") or {}
        if not isinstance(options, dict):
            raise SpecError(f"output {oid}: 'options' must be a mapping", file=file, row=i, variable="options")
        _check_option_patterns(options, file=file, where=f"output {oid} options")
        outputs.append(OutputSpec(
            id=oid, titles=titles, program=raw["program"],
            datasets=[d.upper() for d in _str_list(raw.get("datasets"), "datasets", file, oid)],
            sdtm=[d.upper() for d in _str_list(raw.get("sdtm"), "sdtm", file, oid)],
            population=Population(label=str(pop.get("label", "")), dataset=str(pop.get("dataset", "ADSL")).upper(),
                                  where=pop.get("where")),
            options=dict(options),
            footnotes=_str_list(defaults.get("footnotes"), "footnotes", file, oid)
            + _str_list(raw.get("footnotes"), "footnotes", file, oid),
            formats=formats,
            rounding=check_rule(str(raw.get("rounding", defaults.get("rounding", "half_up")))),
            top_left=top_left, source=source,
            page=_page(defaults.get("page") or {}, raw.get("page"), file, oid),
            type=str(raw.get("type", "table")), file=file))
    return Catalog(outputs, file)


def load_catalog(path: Path) -> Catalog:
    if not path.is_file():
        raise SpecError("TLF catalog not found", file=str(path), expected="tlf/catalog.yaml in the study folder")
    return parse_catalog(read_yaml(path), str(path))
