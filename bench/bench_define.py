"""Time define.xml generation (build, XML, XSD validation, HTML) for a large synthetic SDTM spec.

Usage: python bench/bench_define.py [N_DATASETS] [N_VARIABLES] [N_TESTS]
Prints the seconds per step and the document size. Needs ../shared/data (NCI CT, Define-XML XSD).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import yaml

from cdiscflow.study import Study
from cdiscflow.submission.define import build_define, schema_errors, to_xml, xml_bytes
from cdiscflow.submission.define_html import render_html


def make_study(root: Path, n_datasets: int, n_vars: int, n_tests: int) -> Path:
    """A study folder with ``n_datasets`` findings domains, each with value-level metadata for ``n_tests`` tests."""
    (root / "specs" / "sdtm").mkdir(parents=True)
    (root / "study.yaml").write_text(yaml.safe_dump({
        "studyid": "BENCH", "title": "define.xml benchmark", "protocol": "BENCH",
        "standards": {"sdtm": "SDTMIG 3.4"}}))
    tests = [f"T{i:05d}" for i in range(n_tests)]
    (root / "specs" / "codelists.yaml").write_text(yaml.safe_dump({"codelists": [
        {"id": "SEX", "nci": "SEX"}, {"id": "TESTCD", "name": "Test Code", "terms": tests}]}))
    for d in range(n_datasets):
        name = f"Z{d:03d}"
        variables = [
            {"name": "STUDYID", "label": "Study Identifier", "length": 8, "core": "Req", "origin": "Protocol"},
            {"name": "USUBJID", "label": "Unique Subject Identifier", "length": 20, "core": "Req",
             "origin": "Derived", "method": "STUDYID-SITEID-SUBJID"},
            {"name": "SEX", "label": "Sex", "length": 1, "codelist": "SEX", "origin": "Collected", "pages": [3]},
            {"name": "TESTCD", "label": "Test Code", "length": 8, "codelist": "TESTCD", "origin": "Assigned"},
            {"name": "ORRES", "label": "Result", "length": 20, "origin": "Collected", "pages": [5, 6]},
        ] + [{"name": f"V{i:05d}", "label": f"Variable {i}", "type": "Num", "origin": "Derived",
              "method": f"Derivation {i} of dataset {name}"} for i in range(n_vars - 5)]
        (root / "specs" / "sdtm" / f"{name.lower()}.yaml").write_text(yaml.safe_dump({
            "dataset": name, "label": f"Dataset {name}", "class": "FINDINGS",
            "structure": "One record per test per subject", "keys": ["STUDYID", "USUBJID", "TESTCD"],
            "variables": variables,
            "value_level": [{"variable": "ORRES", "where": {"TESTCD": t}, "label": f"Result of {t}", "length": 8}
                            for t in tests]}))
    return root


def main() -> None:
    n_datasets, n_vars, n_tests = (int(a) for a in (sys.argv[1:] + ["40", "60", "200"][len(sys.argv) - 1:])[:3])
    with tempfile.TemporaryDirectory() as tmp:
        study = Study.load(str(make_study(Path(tmp) / "bench", n_datasets, n_vars, n_tests)))
        t_load = time.perf_counter()
        _ = study.sdtm_specs, study.codelists
        t0 = time.perf_counter()
        doc = build_define(study, "sdtm")
        t1 = time.perf_counter()
        data = xml_bytes(doc)
        t2 = time.perf_counter()
        errors = schema_errors(to_xml(doc))
        t3 = time.perf_counter()
        html = render_html(doc)
        t4 = time.perf_counter()
    print(f"{n_datasets} datasets x {n_vars} variables, {n_tests} value-level items per dataset: "
          f"{len(doc.items)} ItemDefs, {len(doc.methods)} methods, XML {len(data) / 1e6:.1f} MB, "
          f"HTML {len(html) / 1e6:.1f} MB, schema errors {len(errors)}")
    print(f"load specs (YAML + NCI CT) {t0 - t_load:.2f} s | build {t1 - t0:.2f} s | XML {t2 - t1:.2f} s | XSD {t3 - t2:.2f} s | "
          f"HTML {t4 - t3:.2f} s")


if __name__ == "__main__":
    main()
