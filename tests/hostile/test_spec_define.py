"""Hostile define.xml imports: an ItemGroupDef Name cannot choose where spec files are written, and numeric
attributes (OrderNumber, KeySequence, Length, Rank, SignificantDigits) that are not numbers are errors naming
the element and attribute."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.specs import define_import
from hostile.conftest import assert_clean_error, files_under, run_cli
from hostile.spec_fixtures import sdtm_study

DEFINE = """<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1">
<Study OID="S"><MetaDataVersion OID="M" def:DefineVersion="2.1.0">
 <def:Standards><def:Standard OID="STD.1" Name="ADaMIG" Type="IG" Version="1.1"/></def:Standards>
 <ItemGroupDef OID="IG.ADY" Name="ADY" Repeating="Yes" Purpose="Analysis" def:Structure="one per param">
  <Description><TranslatedText xml:lang="en">Vitals Analysis</TranslatedText></Description>
  <ItemRef ItemOID="IT.ADY.USUBJID" OrderNumber="1" Mandatory="Yes" KeySequence="1"/>
  <ItemRef ItemOID="IT.ADY.PARAMCD" OrderNumber="2" Mandatory="Yes" KeySequence="2"/>
  <ItemRef ItemOID="IT.ADY.AVAL" OrderNumber="3" Mandatory="No"/>
 </ItemGroupDef>
 <ItemDef OID="IT.ADY.USUBJID" Name="USUBJID" DataType="text" Length="11">
  <Description><TranslatedText xml:lang="en">Unique Subject Identifier</TranslatedText></Description></ItemDef>
 <ItemDef OID="IT.ADY.PARAMCD" Name="PARAMCD" DataType="text" Length="8">
  <Description><TranslatedText xml:lang="en">Parameter Code</TranslatedText></Description>
  <CodeListRef CodeListOID="CL.PARAMCD"/></ItemDef>
 <ItemDef OID="IT.ADY.AVAL" Name="AVAL" DataType="float" Length="8" SignificantDigits="2">
  <Description><TranslatedText xml:lang="en">Analysis Value</TranslatedText></Description></ItemDef>
 <CodeList OID="CL.PARAMCD" Name="Parameter codes" DataType="text">
  <CodeListItem CodedValue="WEIGHT" Rank="1"><Decode><TranslatedText xml:lang="en">Weight</TranslatedText></Decode>
  </CodeListItem>
 </CodeList>
</MetaDataVersion></Study></ODM>
"""

SPOILED = [
    ('Name="ADY"', 'Name="../../evil"', "ItemGroupDef Name"),
    ('Name="ADY"', 'Name="/tmp/evil"', "ItemGroupDef Name"),
    ('Name="ADY"', 'Name=".."', "ItemGroupDef Name"),
    ('Name="ADY"', 'Name="ady\\..\\x"', "ItemGroupDef Name"),
    ('Name="ADY"', 'Name="CON"', "ItemGroupDef Name"),
    ('OrderNumber="3"', 'OrderNumber="third"', "OrderNumber"),
    ('OrderNumber="2"', 'OrderNumber="1e999"', "OrderNumber"),
    ('KeySequence="2"', 'KeySequence="x"', "KeySequence"),
    ('KeySequence="1"', 'KeySequence="-1"', "KeySequence"),
    ('Length="11"', 'Length="eleven"', "Length"),
    ('Length="8" SignificantDigits', 'Length="8.5" SignificantDigits', "Length"),
    ('SignificantDigits="2"', 'SignificantDigits="two"', "SignificantDigits"),
    ('Rank="1"', 'Rank="first"', "Rank"),
]


@pytest.fixture()
def adam(tmp_path: Path) -> Path:
    folder = tmp_path / "adam"
    folder.mkdir()
    (folder / "ady.csv").write_text("USUBJID,PARAMCD,AVAL\n1,WEIGHT,3\n")
    return folder


@pytest.mark.parametrize(("old", "new", "attribute"), SPOILED, ids=[n for _, n, _ in SPOILED])
def test_validate_with_a_spoiled_define(tmp_path: Path, adam: Path, old: str, new: str, attribute: str) -> None:
    assert old in DEFINE
    define = tmp_path / "define.xml"
    define.write_text(DEFINE.replace(old, new, 1))
    study = sdtm_study(tmp_path)[2]
    args = ["validate", "--study", study, "--adam", adam, "--sdtm", tmp_path / "none", "--define", define,
            "--no-suites", "--out", tmp_path / "out"]
    assert_clean_error(run_cli(args), "define.xml", f"variable {attribute}")
    assert files_under(tmp_path / "out") == []


@pytest.mark.parametrize("name", ["../../evil", "ABSOLUTE", "sub/ady"])
def test_import_cannot_write_outside_the_spec_folder(tmp_path: Path, name: str) -> None:
    name = str(tmp_path / "evil") if name == "ABSOLUTE" else name
    define = tmp_path / "define.xml"
    define.write_text(DEFINE.replace('Name="ADY"', f'Name="{name}"', 1))
    target = tmp_path / "a" / "b" / "specs"
    result = run_cli([str(define), str(target)], entry=define_import.main)
    assert_clean_error(result, "define.xml", "ItemGroupDef Name", name)
    assert files_under(tmp_path) == ["define.xml"]


def test_a_clean_define_still_imports(tmp_path: Path) -> None:
    define = tmp_path / "define.xml"
    define.write_text(DEFINE)
    rc, out, err = run_cli([str(define), str(tmp_path / "specs")], entry=define_import.main)
    assert rc == 0, err
    assert files_under(tmp_path / "specs") == ["ady.yaml"]
    ds = define_import.import_define(define).datasets["ADY"]
    assert ds.keys == ["USUBJID", "PARAMCD"] and ds.variables[2].significant_digits == 2
