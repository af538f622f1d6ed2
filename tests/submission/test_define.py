"""define.xml 2.1 from specs: content, XSD validity, determinism, and spec errors that name the culprit."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from cdiscflow.errors import SpecError
from cdiscflow.specs.model import Dataset, Variable
from cdiscflow.study import Study
from cdiscflow.submission.define import (
    build_define,
    define_schema,
    item_data_type,
    reference_errors,
    schema_errors,
    to_xml,
    xml_bytes,
)

FIXTURE = Path(__file__).parent / "fixtures" / "defstudy"
NS = {"odm": "http://www.cdisc.org/ns/odm/v1.3", "def": "http://www.cdisc.org/ns/def/v2.1",
      "xlink": "http://www.w3.org/1999/xlink"}
DEF = "{http://www.cdisc.org/ns/def/v2.1}"


@pytest.fixture(autouse=True)
def _needs_shared(shared_data: Path) -> None:
    """NCI CT, Define-XML CT and the XSDs live in the shared data folder."""


@pytest.fixture
def study_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "defstudy"
    shutil.copytree(FIXTURE, dest)
    return dest


def _tree(study_dir: Path, standard: str) -> etree._ElementTree:
    return to_xml(build_define(Study.load(str(study_dir), out=study_dir.parent / "out"), standard))


def _edit(path: Path, change: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _var(data: dict, name: str) -> dict:
    return next(v for v in data["variables"] if v["name"] == name)


# -- schema ----------------------------------------------------------------------------------------------
def test_schema_references_only_local_files(shared_data: Path) -> None:
    schema_dir = shared_data / "define-xml-2.1" / "schema"
    locations = []
    for xsd in schema_dir.rglob("*.xsd"):
        for loc in etree.parse(str(xsd)).xpath("//@schemaLocation"):
            assert "://" not in loc, f"{xsd.name} imports {loc} over the network"
            assert (xsd.parent / loc).resolve().is_file(), f"{xsd.name}: {loc} missing"
            locations.append(loc)
    assert "define-ns.xsd" in locations and "../cdisc-odm-1.3.2/ODM1-3-2-foundation.xsd" in locations


def test_cdisc_examples_validate_and_a_broken_one_does_not(shared_data: Path) -> None:
    examples = shared_data / "define-xml-2.1" / "examples"
    sdtm = etree.parse(str(examples / "defineV21-SDTM.xml"))
    assert schema_errors(sdtm) == []
    # the ADaM example carries Analysis Results Metadata, so it validates against the ARM schema
    arm = etree.XMLSchema(etree.parse(str(shared_data / "define-xml-2.1/schema/cdisc-arm-1.0/arm1-0-0.xsd")))
    adam = etree.parse(str(examples / "defineV21-ADaM.xml"))
    assert arm.validate(adam), arm.error_log
    assert reference_errors(sdtm) == [] and reference_errors(adam) == []
    origin = sdtm.find(".//def:Origin", NS)
    origin.set("Type", "Bogus")
    assert any("Bogus" in e for e in schema_errors(sdtm))
    assert define_schema() is define_schema()


@pytest.mark.parametrize("standard", ["sdtm", "adam"])
def test_fixture_define_is_schema_valid_and_every_reference_resolves(study_dir: Path, standard: str) -> None:
    tree = _tree(study_dir, standard)
    assert schema_errors(tree) == []
    assert reference_errors(tree) == []


def test_reference_errors_are_found(study_dir: Path) -> None:
    tree = _tree(study_dir, "sdtm")
    mdv = tree.find(".//odm:MetaDataVersion", NS)
    mdv.remove(mdv.find("odm:MethodDef[@OID='MT.DM.AGE']", NS))
    mdv.find("odm:ItemDef[@OID='IT.DM.SEX']", NS).set("OID", "IT.DM.RACE")
    vs = mdv.find("odm:ItemGroupDef[@OID='IG.VS']", NS)
    vs.remove(vs.find("odm:ItemRef[@ItemOID='IT.VS.VSDY']", NS))
    assert sorted(e.split(": ", 1)[-1] for e in reference_errors(tree)) == [
        "ItemDef IT.VS.VSDY is not referenced",
        "ItemRef refers to ItemDef IT.DM.SEX, which is not defined",
        "ItemRef refers to MethodDef MT.DM.AGE, which is not defined",
        "OID IT.DM.RACE defined twice",
    ]


# -- SDTM content ----------------------------------------------------------------------------------------
def test_odm_root_study_and_standards(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = _tree(study_dir, "sdtm").getroot()
    assert {k: root.get(k) for k in ("FileType", "ODMVersion", "CreationDateTime", "SourceSystem", f"{DEF}Context")} \
        == {"FileType": "Snapshot", "ODMVersion": "1.3.2", "CreationDateTime": "2023-11-14T22:13:20",
            "SourceSystem": "cdiscflow", f"{DEF}Context": "Submission"}
    gv = [e.text for e in root.find(".//odm:GlobalVariables", NS)]
    assert gv == ["DEFSTUDY01", "Define-XML test study <with markup & ampersand>", "DEF-001"]
    stds = [(s.get("Name"), s.get("Type"), s.get("PublishingSet"), s.get("Version"))
            for s in root.iterfind(".//def:Standard", NS)]
    assert stds == [("SDTMIG", "IG", None, "3.4"), ("CDISC/NCI", "CT", "SDTM", "2025-03-28")]
    assert root.find(".//def:AnnotatedCRF/def:DocumentRef", NS).get("leafID") == "LF.acrf"
    assert [d.get("leafID") for d in root.iterfind(".//def:SupplementalDoc/def:DocumentRef", NS)] == ["LF.csdrg"]
    leaves = {lf.get("ID"): lf.get(f"{{{NS['xlink']}}}href") for lf in root.iterfind("./*/*/def:leaf", NS)}
    assert leaves == {"LF.acrf": "acrf.pdf", "LF.csdrg": "csdrg.pdf"}


def test_item_groups_and_item_refs(study_dir: Path) -> None:
    root = _tree(study_dir, "sdtm").getroot()
    groups = {g.get("Name"): g for g in root.iterfind(".//odm:ItemGroupDef", NS)}
    assert list(groups) == ["DM", "XA", "VS", "SUPPDM"]  # ordered by class: special purpose, events, ...
    dm = groups["DM"]
    assert {k: dm.get(k) for k in ("Domain", "Repeating", "IsReferenceData", "SASDatasetName", "Purpose",
                                   f"{DEF}Structure", f"{DEF}StandardOID", f"{DEF}ArchiveLocationID",
                                   f"{DEF}CommentOID")} == {
        "Domain": "DM", "Repeating": "No", "IsReferenceData": "No", "SASDatasetName": "DM",
        "Purpose": "Tabulation", f"{DEF}Structure": "One record per subject",
        f"{DEF}StandardOID": "STD.SDTMIG.3.4", f"{DEF}ArchiveLocationID": "LF.DM", f"{DEF}CommentOID": "COM.DM"}
    assert dm.find("def:Class", NS).get("Name") == "SPECIAL PURPOSE"
    assert dm.find("def:leaf", NS).get(f"{{{NS['xlink']}}}href") == "dm.xpt"
    refs = [(r.get("ItemOID"), r.get("OrderNumber"), r.get("Mandatory"), r.get("KeySequence"), r.get("MethodOID"),
             r.get("Role")) for r in groups["VS"].iterfind("odm:ItemRef", NS)]
    assert refs == [
        ("IT.VS.STUDYID", "1", "Yes", "1", None, "Identifier"),
        ("IT.VS.DOMAIN", "2", "Yes", None, None, "Identifier"),
        ("IT.VS.USUBJID", "3", "Yes", "2", "MT.DM.USUBJID", "Identifier"),
        ("IT.VS.VSSEQ", "4", "Yes", None, "MT.VS.VSSEQ", "Identifier"),
        ("IT.VS.VSTESTCD", "5", "Yes", "3", None, "Topic"),
        ("IT.VS.VSORRES", "6", "No", None, None, "Result Qualifier"),
        ("IT.VS.VSORRESU", "7", "No", None, None, "Variable Qualifier"),
        ("IT.VS.VSSTRESN", "8", "No", None, "MT.VS.VSSTRESN", "Result Qualifier"),
        ("IT.VS.VSBLFL", "9", "No", None, "MT.VS.VSBLFL", "Record Qualifier"),
        ("IT.VS.VISITNUM", "10", "No", "4", None, "Timing"),
        ("IT.VS.VSDTC", "11", "No", None, None, "Timing"),
        ("IT.VS.VSDY", "12", "No", None, "MT.VS.VSDY", "Timing"),
    ]
    assert groups["VS"].get("Repeating") == "Yes"
    supp = groups["SUPPDM"]  # a SUPP-- dataset: parent domain, its description, relationship class
    assert (supp.get("Domain"), supp.find("def:Class", NS).get("Name")) == ("DM", "RELATIONSHIP")
    assert supp.find("odm:Alias", NS).attrib == {"Context": "DomainDescription", "Name": "Demographics"}
    parent, *vlm = root.iterfind(".//odm:ItemDef[@Name='QVAL']", NS)
    assert parent.find("def:Origin", NS) is None  # QVAL's origin is given per QNAM
    qval = [(i.get("OID"), i.find("def:Origin", NS).get("Type"), i.find("odm:CodeListRef", NS).get("CodeListOID"))
            for i in vlm]
    assert qval == [("IT.SUPPDM.QVAL.QNAM.RANDFL", "Derived", "CL.NY"), ("IT.SUPPDM.QVAL.QNAM.COMPLT", "Collected", "CL.NY")]
    xa = groups["XA"]  # sponsor-defined domain: non-standard, no standard reference
    assert xa.get(f"{DEF}IsNonStandard") == "Yes" and xa.get(f"{DEF}StandardOID") is None


def test_item_defs_types_lengths_origins(study_dir: Path) -> None:
    root = _tree(study_dir, "sdtm").getroot()
    items = {i.get("OID"): i for i in root.iterfind(".//odm:ItemDef", NS)}
    got = [(i.get("Name"), i.get("DataType"), i.get("Length"), i.get("SignificantDigits"), i.get(f"{DEF}DisplayFormat"))
           for oid, i in items.items() if oid.startswith("IT.VS.") and oid.count(".") == 2]
    assert got == [
        ("STUDYID", "text", "12", None, None), ("DOMAIN", "text", "2", None, None),
        ("USUBJID", "text", "20", None, None), ("VSSEQ", "integer", "8", None, None),
        ("VSTESTCD", "text", "8", None, None), ("VSORRES", "text", "8", None, None),
        ("VSORRESU", "text", "8", None, None), ("VSSTRESN", "float", "8", "1", None),
        ("VSBLFL", "text", "1", None, None), ("VISITNUM", "float", "8", None, "8.1"),
        ("VSDTC", "datetime", None, None, None), ("VSDY", "integer", "8", None, None),
    ]
    assert items["IT.DM.BRTHDTC"].get("DataType") == "date"
    assert items["IT.XA.XADUR"].get("DataType") == "durationDatetime"
    sex = items["IT.DM.SEX"]
    assert sex.find("odm:Description/odm:TranslatedText", NS).text == "Sex"
    assert sex.find("odm:CodeListRef", NS).get("CodeListOID") == "CL.SEX"
    origin = sex.find("def:Origin", NS)
    assert (origin.get("Type"), origin.get("Source")) == ("Collected", "Investigator")
    page = origin.find("def:DocumentRef[@leafID='LF.acrf']/def:PDFPageRef", NS)
    assert (page.get("PageRefs"), page.get("Type")) == ("5 6", "PhysicalRef")
    assert [(items[o].find("def:Origin", NS).get("Type"), items[o].find("def:Origin", NS).get("Source"))
            for o in ("IT.DM.STUDYID", "IT.DM.DOMAIN", "IT.DM.AGE")] == [
        ("Protocol", "Sponsor"), ("Assigned", "Sponsor"), ("Derived", "Sponsor")]
    assert items["IT.DM.RACE"].get(f"{DEF}CommentOID") == "COM.DM.RACE"


def test_value_level_metadata(study_dir: Path) -> None:
    root = _tree(study_dir, "sdtm").getroot()
    vl = root.find(".//def:ValueListDef[@OID='VL.VS.VSORRES']", NS)
    refs = [(r.get("ItemOID"), r.get("OrderNumber"), r.find("def:WhereClauseRef", NS).get("WhereClauseOID"))
            for r in vl.iterfind("odm:ItemRef", NS)]
    assert refs == [("IT.VS.VSORRES.VSTESTCD.SYSBP", "1", "WC.VS.VSTESTCD.SYSBP"),
                    ("IT.VS.VSORRES.VSTESTCD.DIABP", "2", "WC.VS.VSTESTCD.DIABP"),
                    ("IT.VS.VSORRES.VSTESTCD.WEIGHT", "3", "WC.VS.VSTESTCD.WEIGHT")]
    wcs = {w.get("OID"): [(rc.get("Comparator"), rc.get("SoftHard"), rc.get(f"{DEF}ItemOID"),
                           [c.text for c in rc.iterfind("odm:CheckValue", NS)])
                          for rc in w.iterfind("odm:RangeCheck", NS)]
           for w in root.iterfind(".//def:WhereClauseDef", NS) if w.get("OID").startswith("WC.VS.")}
    assert wcs == {
        "WC.VS.VSTESTCD.SYSBP": [("EQ", "Soft", "IT.VS.VSTESTCD", ["SYSBP"])],
        "WC.VS.VSTESTCD.DIABP": [("EQ", "Soft", "IT.VS.VSTESTCD", ["DIABP"])],
        "WC.VS.VSTESTCD.WEIGHT": [("EQ", "Soft", "IT.VS.VSTESTCD", ["WEIGHT"])],
        "WC.VS.VSTESTCD.SYSBP-DIABP": [("IN", "Soft", "IT.VS.VSTESTCD", ["SYSBP", "DIABP"])],
    }
    parent = root.find(".//odm:ItemDef[@OID='IT.VS.VSORRES']", NS)
    assert parent.find("def:ValueListRef", NS).get("ValueListOID") == "VL.VS.VSORRES"
    weight = root.find(".//odm:ItemDef[@OID='IT.VS.VSORRES.VSTESTCD.WEIGHT']", NS)
    assert (weight.get("Length"), weight.find("odm:Description/odm:TranslatedText", NS).text) == ("5", "Weight (kg)")
    assert weight.find(".//def:PDFPageRef", NS).get("PageRefs") == "11"  # value-level pages override the parent's
    stresn = root.find(".//odm:ItemDef[@OID='IT.VS.VSSTRESN.VSTESTCD.SYSBP-DIABP']", NS)
    assert (stresn.get("DataType"), stresn.get("Length")) == ("integer", "8")


def test_codelists_only_referenced_with_nci_codes(study_dir: Path) -> None:
    root = _tree(study_dir, "sdtm").getroot()
    cls = {c.get("OID"): c for c in root.iterfind(".//odm:CodeList", NS)}
    assert sorted(cls) == ["CL.AESEV", "CL.ARMCD", "CL.NY", "CL.RACE_STUDY", "CL.SEX", "CL.VSRESU", "CL.VSTESTCD"]
    sex = cls["CL.SEX"]
    assert sex.get(f"{DEF}StandardOID") == "STD.CT.SDTM.2025-03-28"
    assert sex.find("odm:Alias", NS).attrib == {"Context": "nci:ExtCodeID", "Name": "C66731"}
    female = sex.find("odm:CodeListItem[@CodedValue='F']", NS)
    assert female.find("odm:Decode/odm:TranslatedText", NS).text == "Female"
    assert female.find("odm:Alias", NS).get("Name") == "C16576"
    units = [(i.get("CodedValue"), i.get(f"{DEF}ExtendedValue"), [a.get("Name") for a in i.iterfind("odm:Alias", NS)])
             for i in cls["CL.VSRESU"].iterfind("odm:*[@CodedValue]", NS)]
    assert units == [("mmHg", None, ["C49670"]), ("kg", None, ["C28252"]), ("mm[Hg]", "Yes", [])]
    race = cls["CL.RACE_STUDY"]  # study-defined, no decodes → EnumeratedItem, no NCI alias or CT standard
    assert [e.get("CodedValue") for e in race.iterfind("odm:EnumeratedItem", NS)] == ["WHITE", "ASIAN", "OTHER"]
    assert race.find(".//odm:Alias", NS) is None and race.get(f"{DEF}StandardOID") is None
    arm = [(i.get("CodedValue"), i.find("odm:Decode/odm:TranslatedText", NS).text) for i in cls["CL.ARMCD"]]
    assert arm == [("ACT", "MSC-NTF <cells>"), ("PBO", "Placebo")]


def test_methods_and_comments(study_dir: Path) -> None:
    root = _tree(study_dir, "sdtm").getroot()
    methods = {m.get("OID"): (m.get("Type"), m.find("odm:Description/odm:TranslatedText", NS).text)
               for m in root.iterfind(".//odm:MethodDef", NS)}
    # one MethodDef per distinct text: USUBJID's method is shared by DM, VS and XA
    assert methods["MT.DM.USUBJID"] == ("Computation", "Concatenation of STUDYID, SITEID and SUBJID")
    assert not any(k in methods for k in ("MT.VS.USUBJID", "MT.XA.USUBJID"))
    assert len(methods) == len(set(methods.values()))
    comments = {c.get("OID"): c.find("odm:Description/odm:TranslatedText", NS).text
                for c in root.iterfind(".//def:CommentDef", NS)}
    assert comments == {"COM.DM": "Screen failures are included.",
                        "COM.DM.RACE": "Multiple races are reported as OTHER."}


# -- ADaM content ----------------------------------------------------------------------------------------
def test_adam_groups_classes_and_predecessors(study_dir: Path) -> None:
    root = _tree(study_dir, "adam").getroot()
    groups = {g.get("Name"): g for g in root.iterfind(".//odm:ItemGroupDef", NS)}
    classes = {n: (g.find("def:Class", NS).get("Name"), [s.get("Name") for s in g.iterfind("def:Class/def:SubClass", NS)])
               for n, g in groups.items()}
    assert classes == {"ADSL": ("SUBJECT LEVEL ANALYSIS DATASET", []), "ADTTE": ("BASIC DATA STRUCTURE", ["TIME-TO-EVENT"]),
                       "ADVS": ("BASIC DATA STRUCTURE", [])}
    assert {g.get("Purpose") for g in groups.values()} == {"Analysis"}
    assert all(g.get("Domain") is None for g in groups.values())
    assert root.find(".//odm:ItemRef[@Role]", NS) is None
    age = root.find(".//odm:ItemDef[@OID='IT.ADSL.AGE']", NS)
    origin = age.find("def:Origin", NS)
    assert (origin.get("Type"), origin.find("odm:Description/odm:TranslatedText", NS).text) == ("Predecessor", "DM.AGE")
    assert (age.get("DataType"), age.get(f"{DEF}DisplayFormat")) == ("integer", "3.")
    trtsdt = root.find(".//odm:ItemDef[@OID='IT.ADSL.TRTSDT']", NS)  # a SAS date: integer + its format (2.1)
    assert (trtsdt.get("DataType"), trtsdt.get(f"{DEF}DisplayFormat")) == ("integer", "DATE9.")
    types = {m.get("OID"): m.get("Type") for m in root.iterfind(".//odm:MethodDef", NS)}
    assert (types["MT.ADSL.TRTSDT"], types["MT.ADTTE.ADT"], types["MT.ADVS.BASE"]) == (
        "Imputation", "Imputation", "Computation")
    aval = [(i.get("OID"), i.get("DataType"), i.get("SignificantDigits"))
            for i in root.iterfind(".//odm:ItemDef[@Name='AVAL']", NS)]
    assert aval == [("IT.ADTTE.AVAL", "float", None), ("IT.ADVS.AVAL", "float", None),
                    ("IT.ADVS.AVAL.PARAMCD.SYSBP", "integer", None), ("IT.ADVS.AVAL.PARAMCD.WEIGHT", "float", "1")]
    assert [d.get("leafID") for d in root.iterfind(".//def:SupplementalDoc/def:DocumentRef", NS)] == ["LF.adrg"]
    assert root.find(".//def:AnnotatedCRF", NS) is None  # no ADaM item points at CRF pages
    assert [(c.get("OID"), c.get("DataType")) for c in root.iterfind(".//odm:CodeList", NS)] == [
        ("CL.NY", "text"), ("CL.PARAMCD", "text"), ("CL.SEX", "text"), ("CL.TRTN", "integer")]


def test_output_is_deterministic(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    study = Study.load(str(study_dir))
    first = xml_bytes(build_define(study, "sdtm"))
    assert first == xml_bytes(build_define(Study.load(str(study_dir)), "sdtm"))
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n'
                            b'<?xml-stylesheet type="text/xsl" href="define2-1.xsl"?>\n<ODM ')
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert xml_bytes(build_define(study, "sdtm")) != first


# -- bad specs --------------------------------------------------------------------------------------------
BAD_SPECS = [
    ("sdtm/dm.yaml", lambda d: _var(d, "SEX").update(codelist="NOSUCH"),
     r"dataset DM variable SEX: codelist 'NOSUCH' is not in codelists.yaml", "SEX"),
    ("sdtm/vs.yaml", lambda d: d["value_level"][0].update(codelist="NOSUCH"),
     r"dataset VS value_level 1 \(VSORRES where VSTESTCD = SYSBP\): codelist 'NOSUCH'", "VSORRES"),
    ("sdtm/vs.yaml", lambda d: d["value_level"][0].update(where={"VSCAT": "X"}),
     r"dataset VS value_level 1: where variable VSCAT is not in the dataset", "VSCAT"),
    ("sdtm/vs.yaml", lambda d: d["value_level"][0].update(variable="VSNOPE"),
     r"dataset VS value_level 1: variable VSNOPE is not in the dataset", "VSNOPE"),
    ("sdtm/vs.yaml", lambda d: d.pop("structure"), r"dataset VS: 'structure' is missing", None),
    ("sdtm/vs.yaml", lambda d: d.update({"class": "FINDINGZ"}), r"dataset VS: class 'FINDINGZ'", None),
    ("sdtm/vs.yaml", lambda d: _var(d, "VSORRES").pop("length"),
     r"dataset VS variable VSORRES: character variable without a length", "VSORRES"),
    ("sdtm/vs.yaml", lambda d: d.update(settings={"define": {"data_types": {"VSDTC": "fancy"}}}),
     r"data type 'fancy' for VSDTC", "VSDTC"),
    ("sdtm/vs.yaml", lambda d: d.update(settings={"define": {"subclas": "TIME-TO-EVENT"}}),
     r"dataset VS: settings.define.subclas = 'TIME-TO-EVENT'", None),
    ("adam/advs.yaml", lambda d: d["value_level"][1].update(where={"PARAMCD": ["WEIGHT", "HEIGHT"]}),
     r"dataset ADVS value_level 2: PARAMCD value\(s\) \['HEIGHT'\] not in codelist PARAMCD", "PARAMCD"),
    ("adam/adtte.yaml", lambda d: d.update(settings={"define": {"subclass": "SURVIVAL"}}),
     r"dataset ADTTE: subclass 'SURVIVAL' is not a Define-XML subclass", None),
]


@pytest.mark.parametrize(("file", "change", "message"), [
    ("adam/advs.yaml", lambda d: _var(d, "AVISITN").update(codelist="SEX"),
     r"codelist SEX is used by numeric and character variables \(ADSL variable SEX, ADVS variable AVISITN\)"),
    ("adam/adsl.yaml", lambda d: _var(d, "SEX").update(type="Num", length=8),
     r"codelist SEX has non-numeric terms but numeric users \(ADSL variable SEX\)"),
    ("adam/adsl.yaml", lambda d: _var(d, "TRT01P").update(codelist="TRTN"),
     r"codelist TRTN is used by numeric and character variables"),
])
def test_codelist_and_item_data_types_must_agree(study_dir: Path, file: str, change: Callable[[Any], None],
                                                 message: str) -> None:
    _edit(study_dir / "specs" / file, change)
    with pytest.raises(SpecError, match=message) as info:
        build_define(Study.load(str(study_dir)), "adam")
    assert info.value.file == str(study_dir / "specs" / "codelists.yaml")


@pytest.mark.parametrize(("file", "change", "message", "variable"), BAD_SPECS)
def test_bad_specs_raise_spec_error_naming_dataset_and_variable(
        study_dir: Path, file: str, change: Callable[[Any], None], message: str, variable: str | None) -> None:
    _edit(study_dir / "specs" / file, change)
    with pytest.raises(SpecError, match=message) as info:
        build_define(Study.load(str(study_dir)), file.split("/")[0])
    assert info.value.file == str(study_dir / "specs" / file)
    assert info.value.variable == variable


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(standards={"sdtm": "SDTM-IG 3.4"}), r"'SDTM-IG' is not a Define-XML standard name"),
    (lambda d: d.update(standards={"sdtm": "SDTMIG"}), r"standards.sdtm is 'SDTMIG'"),
    (lambda d: d.update(standards={"adam": "ADaMIG 1.3"}), r"standards.sdtm is missing"),
    (lambda d: d.update(acrf="https://evil.example/acrf.pdf"), r"href 'https://evil.example/acrf.pdf' must be"),
    (lambda d: d.update(documents=[{"href": "../../secret.pdf"}]), r"href '../../secret.pdf' must be"),
])
def test_bad_study_metadata(study_dir: Path, change: Callable[[Any], None], message: str) -> None:
    _edit(study_dir / "study.yaml", change)
    with pytest.raises(SpecError, match=message) as info:
        build_define(Study.load(str(study_dir)), "sdtm")
    assert info.value.file == str(study_dir / "study.yaml")


def test_define_settings_of_a_dataset(study_dir: Path) -> None:
    settings = {"define": {"non_standard_variables": ["VSBLFL"], "data_types": {"VSDTC": "partialDatetime"},
                           "non_standard": True}}
    _edit(study_dir / "specs" / "sdtm" / "vs.yaml", lambda d: d.update(settings=settings))
    tree = _tree(study_dir, "sdtm")
    assert schema_errors(tree) == []
    root = tree.getroot()
    flagged = [r.get("ItemOID") for r in root.iterfind(".//odm:ItemGroupDef[@OID='IG.VS']/odm:ItemRef", NS)
               if r.get(f"{DEF}IsNonStandard") == "Yes"]
    assert flagged == ["IT.VS.VSBLFL"]
    assert root.find(".//odm:ItemDef[@OID='IT.VS.VSDTC']", NS).get("DataType") == "partialDatetime"
    vs = root.find(".//odm:ItemGroupDef[@OID='IG.VS']", NS)
    assert (vs.get(f"{DEF}IsNonStandard"), vs.get(f"{DEF}StandardOID")) == ("Yes", None)


def test_every_unknown_codelist_is_reported_at_once(study_dir: Path) -> None:
    _edit(study_dir / "specs" / "adam" / "adsl.yaml", lambda d: _var(d, "SEX").update(codelist="SEXX"))
    _edit(study_dir / "specs" / "adam" / "advs.yaml", lambda d: _var(d, "ABLFL").update(codelist="YN"))
    _edit(study_dir / "specs" / "adam" / "adtte.yaml", lambda d: [d["variables"][i].update(codelist="YN")
                                                                  for i in range(4)])
    with pytest.raises(SpecError) as info:
        build_define(Study.load(str(study_dir)), "adam")
    assert info.value.message == ("6 references to codelists not in codelists.yaml: 'SEXX' (ADSL variable SEX); "
                                  "'YN' (ADTTE variable STUDYID, ADTTE variable USUBJID, ADTTE variable PARAMCD and 2 more)")
    assert (info.value.file, info.value.variable) == (str(study_dir / "specs" / "adam" / "adsl.yaml"), "SEX")


def test_adam_model_version_is_written_as_its_implementation_guide(study_dir: Path) -> None:
    _edit(study_dir / "study.yaml", lambda d: d["standards"].update(adam="ADaM 2.1"))
    std = _tree(study_dir, "adam").getroot().find(".//def:Standard", NS)
    assert (std.get("Name"), std.get("Type"), std.get("Version")) == ("ADaMIG", "IG", "1.0")


def test_no_specs_for_standard(study_dir: Path) -> None:
    shutil.rmtree(study_dir / "specs" / "adam")
    with pytest.raises(SpecError, match="no ADAM specs"):
        build_define(Study.load(str(study_dir)), "adam")


# -- the real studies -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["cdiscpilot01", "msc_ntf_als"])
@pytest.mark.parametrize("standard", ["sdtm", "adam"])
def test_builtin_study_specs_give_valid_define(name: str, standard: str) -> None:
    """The built-in studies' specs (written by their owners) give a schema-valid define.xml; every codelist
    they reference is defined (term-less ones, such as MedDRA, as an ExternalCodeList)."""
    study = Study.load(name)
    specs = study.sdtm_specs if standard == "sdtm" else study.adam_specs
    if not specs:
        pytest.skip(f"{name} has no {standard} specs yet")
    doc = build_define(study, standard)
    tree = to_xml(doc)
    assert schema_errors(tree) == []
    assert reference_errors(tree) == []
    external = [tuple(study.codelists[c.id].source.rsplit(" ", 1)) for c in doc.codelists
                if not study.codelists[c.id].terms]
    assert [(e.get("Dictionary"), e.get("Version")) for e in tree.iterfind(".//odm:ExternalCodeList", NS)] == external
    assert sorted(g.name for g in doc.groups) == sorted(specs)
    assert sum(len(g.items) for g in doc.groups) == sum(len(ds.variables) for ds in specs.values())


@pytest.mark.parametrize(("var", "standard", "expected"), [
    (Variable("AESTDTC", "Start", length=19), "SDTM", "datetime"),
    (Variable("BRTHDTC", "Birth", length=10), "SDTM", "date"),
    (Variable("AEDUR", "Duration", length=20), "SDTM", "durationDatetime"),
    (Variable("AETERM", "Term", length=200), "SDTM", "text"),
    (Variable("AESEQ", "Seq", type="Num"), "SDTM", "integer"),
    (Variable("AEPTCD", "PT code", type="Num"), "SDTM", "integer"),
    (Variable("VSSTRESN", "Result", type="Num"), "SDTM", "float"),
    (Variable("VSSTRESN", "Result", type="Num", significant_digits=2), "SDTM", "float"),
    (Variable("AGE", "Age", type="Num", format="3."), "SDTM", "integer"),
    (Variable("AVAL", "Value", type="Num", format="8.2"), "ADaM", "float"),
    (Variable("TRTSDT", "Date", type="Num", format="DATE9."), "ADaM", "integer"),
    (Variable("TRTSDTM", "Datetime", type="Num", format="DATETIME20."), "ADaM", "integer"),
    (Variable("ATM", "Time", type="Num", format="TIME5."), "ADaM", "integer"),
    (Variable("TRT01PN", "Treatment (N)", type="Num"), "ADaM", "integer"),
    (Variable("AVISITN", "Visit (N)", type="Num"), "ADaM", "float"),  # no AVISIT beside it
])
def test_item_data_type(var: Variable, standard: str, expected: str) -> None:
    others = [Variable("TRT01P", "Treatment", length=20)]
    ds = Dataset(name="XX", label="x", standard=standard, variables=[var, *others])
    assert item_data_type(var, ds) == expected


# -- data types shared with Dataset-JSON, dictionaries, documents, dates ------------------------------------
def _no_own_documents(study_dir: Path) -> None:
    _edit(study_dir / "study.yaml", lambda d: (d.pop("acrf"), d.pop("documents")))


def test_types_from_the_data_agree_with_dataset_json(study_dir: Path, tmp_path: Path) -> None:
    """One function decides integer vs float for define.xml and Dataset-JSON, from the data when given; the
    value-level items are typed from the rows their where clause selects."""
    import json

    import pandas as pd

    from cdiscflow.io.datasetjson import write_dataset_json

    study = Study.load(str(study_dir), out=tmp_path)
    vs = pd.DataFrame({"STUDYID": "DEFSTUDY01", "DOMAIN": "VS", "USUBJID": ["S-1"] * 3, "VSSEQ": [1.0, 2.0, 3.0],
                       "VSTESTCD": ["SYSBP", "DIABP", "WEIGHT"], "VSORRES": ["120", "80", "70.5"],
                       "VSORRESU": ["mmHg", "mmHg", "kg"], "VSSTRESN": [120.0, 80.0, 70.5], "VSBLFL": "Y",
                       "VISITNUM": [1.0, 1.0, 1.0], "VSDTC": "2024-01-01", "VSDY": [1.0, 1.0, 1.0]})
    doc = build_define(study, "sdtm", data={"VS": vs})
    types = {i.oid: i.data_type for i in doc.items}
    assert (types["IT.VS.VSSTRESN"], types["IT.VS.VISITNUM"], types["IT.VS.VSSEQ"]) == ("float", "integer", "integer")
    assert types["IT.VS.VSSTRESN.VSTESTCD.SYSBP-DIABP"] == "integer"  # the BP rows are whole numbers
    write_dataset_json(vs, tmp_path / "vs.json", study.sdtm_specs["VS"])
    columns = json.loads((tmp_path / "vs.json").read_text())["columns"]
    as_json = {c["name"]: c["dataType"] for c in columns}
    numeric = [v.name for v in study.sdtm_specs["VS"].variables if not v.is_char]
    assert {n: {"double": "float"}.get(as_json[n], as_json[n]) for n in numeric} == {
        n: types[f"IT.VS.{n}"] for n in numeric}


def test_numeric_dates_are_integers_with_their_format_in_both() -> None:
    import pandas as pd

    from cdiscflow.specs.datatypes import define_type, json_type

    var = Variable("TRTSDT", "Date", type="Num", format="DATE9.")
    days = pd.Series([23000.0, None])
    assert (define_type(var, values=days), json_type(var, days)) == ("integer", ("date", "integer"))
    assert json_type(Variable("AGE", "Age", type="Num"), pd.Series([50.0, 61.0])) == ("integer", None)
    assert json_type(Variable("AVAL", "Value", type="Num"), pd.Series([1.5])) == ("double", None)


@pytest.mark.parametrize("source", ["study.yaml", "TS", "SUPPAE"])
def test_meddra_and_whodrug_are_external_code_lists_with_versions(study_dir: Path, source: str) -> None:
    import pandas as pd

    spec = {"dataset": "AE", "label": "Adverse Events", "class": "EVENTS", "structure": "One record per event",
            "keys": ["USUBJID", "AESEQ"], "variables": [
                {"name": "USUBJID", "label": "Unique Subject Identifier", "type": "Char", "length": 20},
                {"name": "AESEQ", "label": "Sequence Number", "type": "Num"},
                {"name": "AEDECOD", "label": "Dictionary-Derived Term", "type": "Char", "length": 100},
                {"name": "AEPTCD", "label": "Preferred Term Code", "type": "Num"},
                {"name": "AESEV", "label": "Severity", "type": "Char", "length": 8}]}
    (study_dir / "specs" / "sdtm" / "ae.yaml").write_text(yaml.safe_dump(spec))
    cm = {**spec, "dataset": "CM", "label": "Concomitant Medications", "class": "INTERVENTIONS",
          "keys": ["USUBJID", "CMSEQ"], "variables": [
              {"name": "USUBJID", "label": "Unique Subject Identifier", "type": "Char", "length": 20},
              {"name": "CMSEQ", "label": "Sequence Number", "type": "Num"},
              {"name": "CMDECOD", "label": "Standardized Medication Name", "type": "Char", "length": 100}]}
    (study_dir / "specs" / "sdtm" / "cm.yaml").write_text(yaml.safe_dump(cm))
    data: dict[str, pd.DataFrame] = {}
    if source == "study.yaml":
        _edit(study_dir / "study.yaml", lambda d: d.update(dictionaries={"MedDRA": "26.0", "WHODrug": "B3 2023"}))
    elif source == "TS":
        data["TS"] = pd.DataFrame({"TSPARMCD": ["TSVCDREF", "TSVCDVER", "TSVCDREF", "TSVCDVER"],
                                   "TSGRPID": ["1", "1", "2", "2"],
                                   "TSVAL": ["MedDRA", "26.0", "WHODrug Global", "B3 2023"]})
    else:
        data["SUPPAE"] = pd.DataFrame({"QNAM": ["MEDDRAV", "MEDDRAV", "AESTDISC"], "QVAL": ["26.0", "26.0", "N"]})
    tree = to_xml(build_define(Study.load(str(study_dir)), "sdtm", data=data))
    assert schema_errors(tree) == [] and reference_errors(tree) == []
    root = tree.getroot()
    ext = {c.get("OID"): (c.get("DataType"), c.find("odm:ExternalCodeList", NS).get("Dictionary"),
                          c.find("odm:ExternalCodeList", NS).get("Version"))
           for c in root.iterfind(".//odm:CodeList", NS) if c.find("odm:ExternalCodeList", NS) is not None}
    expected = {"CL.MedDRA": ("text", "MedDRA", "26.0"), "CL.MedDRA.CODE": ("integer", "MedDRA", "26.0")}
    if source != "SUPPAE":
        expected["CL.WHODrug"] = ("text", "WHODrug", "B3 2023")
    assert ext == expected
    refs = {i.get("OID"): i.find("odm:CodeListRef", NS).get("CodeListOID")
            for i in root.iterfind(".//odm:ItemDef", NS) if i.find("odm:CodeListRef", NS) is not None}
    assert (refs["IT.AE.AEDECOD"], refs["IT.AE.AEPTCD"]) == ("CL.MedDRA", "CL.MedDRA.CODE")
    assert refs.get("IT.CM.CMDECOD") == ("CL.WHODrug" if source != "SUPPAE" else None)
    assert "IT.AE.AESEV" not in refs


def test_without_an_acrf_there_is_no_link_to_one(study_dir: Path) -> None:
    _no_own_documents(study_dir)
    root = _tree(study_dir, "sdtm").getroot()
    assert root.find(".//def:AnnotatedCRF", NS) is None
    assert root.find(".//def:leaf[@ID='LF.acrf']", NS) is None
    assert root.find(".//def:Origin/def:DocumentRef", NS) is None
    sex = root.find(".//odm:ItemDef[@OID='IT.DM.SEX']/def:Origin", NS)
    assert sex.get("Type") == "Collected"  # still collected, just no page to point at


def test_generated_acrf_pages_come_from_the_mapping(study_dir: Path) -> None:
    _no_own_documents(study_dir)
    doc = build_define(Study.load(str(study_dir)), "sdtm", acrf_pages={"DM.SEX": [3], "VS.VSORRES": [7, 8]})
    tree = to_xml(doc)
    assert schema_errors(tree) == [] and reference_errors(tree) == []
    root = tree.getroot()
    assert root.find(".//def:leaf[@ID='LF.acrf']", NS).get(f"{{{NS['xlink']}}}href") == "acrf.pdf"
    pages = {i.get("OID"): r.get("PageRefs") for i in root.iterfind(".//odm:ItemDef", NS)
             for r in i.iterfind("def:Origin/def:DocumentRef/def:PDFPageRef", NS)}
    assert pages == {"IT.DM.SEX": "3", "IT.VS.VSORRES": "7 8", "IT.VS.VSORRES.VSTESTCD.WEIGHT": "7 8",
                     "IT.VS.VSORRES.VSTESTCD.SYSBP": "7 8", "IT.VS.VSORRES.VSTESTCD.DIABP": "7 8"}


def test_a_study_document_that_is_not_there_is_an_error(study_dir: Path) -> None:
    (study_dir / "csdrg.pdf").unlink()
    with pytest.raises(SpecError, match="documents 1: csdrg.pdf is not a file of the study folder"):
        build_define(Study.load(str(study_dir)), "sdtm")


def test_creation_date_and_data_cutoff(study_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    _edit(study_dir / "study.yaml", lambda d: d.update(data_cutoff="2025-11-30"))
    tree = _tree(study_dir, "sdtm")
    assert schema_errors(tree) == [] and reference_errors(tree) == []
    root = tree.getroot()
    assert root.get("CreationDateTime") == "2026-01-01T00:00:00"
    mdv = root.find(".//odm:MetaDataVersion", NS)
    comment = root.find(f".//def:CommentDef[@OID='{mdv.get(DEF + 'CommentOID')}']", NS)
    assert comment.find("odm:Description/odm:TranslatedText", NS).text == (
        "Data cut-off 2025-11-30; metadata created 2026-01-01T00:00:00 (UTC)")
    assert root.find(".//odm:StudyDescription", NS).text.endswith("(data cut-off 2025-11-30)")


def test_analysis_results_metadata_of_the_builtin_key_displays(tmp_path: Path) -> None:
    """Tables 1-3 and the slope LS-means table as ARM: valid against the ARM 1.0 schema, every OID resolves,
    each result linked to its ARD under the name the TLF engine writes."""
    import pandas as pd

    from cdiscflow.tlf.ard import write_ard

    study = Study.load("msc_ntf_als")
    tree = to_xml(build_define(study, "adam"))
    assert schema_errors(tree) == [] and reference_errors(tree) == []
    root = tree.getroot()
    arm = {"arm": "http://www.cdisc.org/ns/arm/v1.0", **NS}
    displays = root.findall(".//arm:ResultDisplay", arm)
    assert [(d.get("OID"), d.get("Name")) for d in displays] == [
        ("RD.t-1", "Table 1"), ("RD.t-2", "Table 2"), ("RD.t-3", "Table 3"), ("RD.t-slope", "Table 5")]
    leaves = {lf.get("ID"): lf.get(f"{{{NS['xlink']}}}href") for lf in root.iterfind(".//def:leaf", NS)}
    _, json_path = write_ard(pd.DataFrame(), tmp_path / "t-1", {})
    # from analysis/adam/datasets/ up to m5/ and down into the study report's tlf folder
    assert leaves["LF.ARD.t-1"] == ("../../../../../53-clin-stud-rep/535-rep-effic-safety-stud/5351-stud-rep-contr/"
                                    f"{study.studyid.lower()}/tlf/{json_path.name}")
    slope = root.find(".//arm:AnalysisResult[@OID='AR.t-slope.1']", arm)
    assert (slope.get("ParameterOID"), slope.get("AnalysisPurpose")) == ("IT.ADQSFRS.PARAMCD",
                                                                        "SECONDARY OUTCOME MEASURE")
    ref = slope.find("arm:AnalysisDatasets/arm:AnalysisDataset[@ItemGroupOID='IG.ADQSFRS']/def:WhereClauseRef", arm)
    checks = [(rc.get(f"{DEF}ItemOID"), rc.get("Comparator"), [v.text for v in rc])
              for rc in root.find(f".//def:WhereClauseDef[@OID='{ref.get('WhereClauseOID')}']", NS)]
    assert checks == [("IT.ADQSFRS.PARAMCD", "EQ", ["FRSSLOPE"]), ("IT.ADQSFRS.AVISITN", "GT", ["0"]),
                      ("IT.ADQSFRS.ANL01FL", "EQ", ["Y"])]
    assert root.find(".//arm:AnalysisResult[@OID='AR.t-2.1']", arm).get("AnalysisPurpose") == "PRIMARY OUTCOME MEASURE"


@pytest.mark.parametrize(("text", "expected"), [
    ('PARAMCD == "X" and AVISITN > 0', [("PARAMCD", "EQ", ["X"]), ("AVISITN", "GT", ["0"])]),
    ('ARM in ["A", "B"]', [("ARM", "IN", ["A", "B"])]),
    ('A == "x" or B == "y"', None), ("missing(DTYPE)", None), (None, []),
])
def test_conditions_that_a_where_clause_can_say(text: str | None, expected: list | None) -> None:
    from cdiscflow.submission.define_arm import conjunction

    assert conjunction(text) == expected
