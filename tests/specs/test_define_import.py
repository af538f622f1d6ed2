"""Define-XML 1.0 / 2.1 import into spec objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.errors import SpecError
from cdiscflow.specs.define_import import import_define, main, write_codelists, write_specs
from cdiscflow.specs.loader import load_codelists, load_dataset
from cdiscflow.specs.model import Codelist, Term, ValueLevel, Variable

REPO = Path(__file__).resolve().parents[2]

DEFINE_10 = """<?xml version="1.0" encoding="ISO-8859-1"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.2" xmlns:def="http://www.cdisc.org/ns/def/v1.0">
<Study OID="S"><MetaDataVersion OID="M" def:DefineVersion="1.0.0" def:StandardName="CDISC ADaM">
 <def:ValueListDef OID="VL.ADX.AVAL">
  <ItemRef ItemOID="ADX.AVAL.P1" OrderNumber="1" Mandatory="No"/>
 </def:ValueListDef>
 <ItemGroupDef OID="ADX" Name="ADX" def:Label="Analysis X" def:Structure="one record per subject per parameter"
   def:DomainKeys="USUBJID, PARAMCD, NOTAVAR" def:Class="BDS" Comment="see program">
  <ItemRef ItemOID="ADX.USUBJID" OrderNumber="1" Mandatory="Yes"/>
  <ItemRef ItemOID="ADX.AVAL" OrderNumber="3" Mandatory="No"/>
  <ItemRef ItemOID="ADX.PARAMCD" OrderNumber="2" Mandatory="No"/>
 </ItemGroupDef>
 <ItemDef OID="ADX.USUBJID" Name="USUBJID" DataType="text" Length="11" Origin="Derived" Comment="DM.USUBJID"
   def:Label="Unique Subject Identifier"/>
 <ItemDef OID="ADX.PARAMCD" Name="PARAMCD" DataType="text" Length="8" Origin="CRF Page 3"
   def:Label="Parameter Code"><CodeListRef CodeListOID="PARAMCD"/></ItemDef>
 <ItemDef OID="ADX.AVAL" Name="AVAL" DataType="float" Length="8" Origin="Derived" def:DisplayFormat="8.2"
   def:Label="Analysis Value"><def:ValueListRef ValueListOID="VL.ADX.AVAL"/></ItemDef>
 <ItemDef OID="ADX.AVAL.P1" Name="P1" DataType="integer" Length="8" Origin="Derived"
   Comment="QS.QSSTRESN where QSTESTCD=PARAMCD" def:Label="Param one"/>
 <CodeList OID="PARAMCD" Name="Parameter codes" DataType="text">
  <CodeListItem CodedValue="P1" def:Rank="1"><Decode><TranslatedText xml:lang="en">Param one</TranslatedText></Decode></CodeListItem>
 </CodeList>
 <CodeList OID="AEDICT" Name="AEDICT" DataType="text"><ExternalCodeList Dictionary="MedDRA" Version="8.0"/></CodeList>
</MetaDataVersion></Study></ODM>
"""

DEFINE_21 = """<?xml version="1.0" encoding="UTF-8"?>
<ODM xmlns="http://www.cdisc.org/ns/odm/v1.3" xmlns:def="http://www.cdisc.org/ns/def/v2.1">
<Study OID="S"><MetaDataVersion OID="M" def:DefineVersion="2.1.0">
 <def:Standards><def:Standard OID="STD.1" Name="ADaMIG" Type="IG" Version="1.1"/></def:Standards>
 <def:ValueListDef OID="VL.ADY.AVAL">
  <ItemRef ItemOID="IT.ADY.AVAL.W" OrderNumber="1" Mandatory="No">
   <def:WhereClauseRef WhereClauseOID="WC.W"/></ItemRef>
 </def:ValueListDef>
 <def:WhereClauseDef OID="WC.W">
  <RangeCheck Comparator="EQ" SoftHard="Soft" def:ItemOID="IT.ADY.PARAMCD"><CheckValue>WEIGHT</CheckValue></RangeCheck>
 </def:WhereClauseDef>
 <ItemGroupDef OID="IG.ADY" Name="ADY" Repeating="Yes" Purpose="Analysis" def:Structure="one per param"
   def:CommentOID="COM.ADY">
  <Description><TranslatedText xml:lang="en">Vitals Analysis</TranslatedText></Description>
  <ItemRef ItemOID="IT.ADY.USUBJID" OrderNumber="1" Mandatory="Yes" KeySequence="1"/>
  <ItemRef ItemOID="IT.ADY.PARAMCD" OrderNumber="2" Mandatory="Yes" KeySequence="2"/>
  <ItemRef ItemOID="IT.ADY.AVAL" OrderNumber="3" Mandatory="No" MethodOID="MT.AVAL"/>
  <def:Class Name="BASIC DATA STRUCTURE"/>
 </ItemGroupDef>
 <ItemDef OID="IT.ADY.USUBJID" Name="USUBJID" DataType="text" Length="11">
  <Description><TranslatedText xml:lang="en">Unique Subject Identifier</TranslatedText></Description>
  <def:Origin Type="Predecessor"/></ItemDef>
 <ItemDef OID="IT.ADY.PARAMCD" Name="PARAMCD" DataType="text" Length="8">
  <Description><TranslatedText xml:lang="en">Parameter Code</TranslatedText></Description></ItemDef>
 <ItemDef OID="IT.ADY.AVAL" Name="AVAL" DataType="float" Length="8" SignificantDigits="1">
  <Description><TranslatedText xml:lang="en">Analysis Value</TranslatedText></Description>
  <def:ValueListRef ValueListOID="VL.ADY.AVAL"/><def:Origin Type="Derived"/></ItemDef>
 <ItemDef OID="IT.ADY.AVAL.W" Name="AVAL" DataType="float" Length="8">
  <Description><TranslatedText xml:lang="en">Weight</TranslatedText></Description></ItemDef>
 <MethodDef OID="MT.AVAL" Name="AVAL" Type="Computation">
  <Description><TranslatedText xml:lang="en">VSSTRESN   of the record</TranslatedText></Description></MethodDef>
 <def:CommentDef OID="COM.ADY"><Description><TranslatedText xml:lang="en">From VS</TranslatedText></Description>
 </def:CommentDef>
</MetaDataVersion></Study></ODM>
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "define.xml"
    path.write_bytes(text.encode("utf-8"))
    return path


def test_define_10(tmp_path: Path) -> None:
    result = import_define(write(tmp_path, DEFINE_10))
    assert (result.version, result.standard) == ("1.0.0", "CDISC ADaM")
    ds = result.datasets["ADX"]
    assert (ds.name, ds.label, ds.standard, ds.cls, ds.structure) == (
        "ADX", "Analysis X", "ADaM", "BDS", "one record per subject per parameter")
    assert ds.keys == ["USUBJID", "PARAMCD"] and "NOTAVAR" in ds.comment  # a bad key is dropped, with a note
    assert ds.variables == [
        Variable(name="USUBJID", label="Unique Subject Identifier", type="Char", length=11, origin="Derived",
                 method="DM.USUBJID", core="Req"),
        Variable(name="PARAMCD", label="Parameter Code", type="Char", length=8, codelist="PARAMCD",
                 origin="Collected"),
        Variable(name="AVAL", label="Analysis Value", type="Num", length=8, format="8.2", origin="Derived"),
    ]
    assert ds.value_level == [ValueLevel(variable="AVAL", where={"PARAMCD": "P1"}, label="Param one", type="Num",
                                         length=8, origin="Derived",
                                         method="QS.QSSTRESN where QSTESTCD=PARAMCD")]
    assert result.codelists["PARAMCD"] == Codelist(id="PARAMCD", name="Parameter codes",
                                                   terms=[Term(value="P1", decode="Param one", order=1)])
    assert result.codelists["AEDICT"].source == "MedDRA 8.0"


def test_define_21(tmp_path: Path) -> None:
    result = import_define(write(tmp_path, DEFINE_21))
    assert result.version == "2.1.0" and result.standard == "ADaMIG"
    ds = result.datasets["ADY"]
    assert (ds.label, ds.cls, ds.keys, ds.comment) == ("Vitals Analysis", "BASIC DATA STRUCTURE",
                                                       ["USUBJID", "PARAMCD"], "From VS")
    aval = ds.variable("AVAL")
    assert (aval.origin, aval.method, aval.significant_digits) == ("Derived", "VSSTRESN of the record", 1)
    assert ds.variable("USUBJID").origin == "Predecessor"
    assert [(v.where, v.label) for v in ds.value_level] == [({"PARAMCD": "WEIGHT"}, "Weight")]


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="MetaDataVersion"):
        import_define(write(tmp_path, "<ODM/>"))
    with pytest.raises(SpecError, match="cannot parse"):
        import_define(write(tmp_path, "<ODM>"))
    bad = DEFINE_10.replace('<ItemRef ItemOID="ADX.AVAL" OrderNumber="3"', '<ItemRef ItemOID="ADX.NONE" OrderNumber="3"')
    with pytest.raises(SpecError, match="unknown item ADX.NONE"):
        import_define(write(tmp_path, bad))


def test_write_specs_round_trip(tmp_path: Path) -> None:
    result = import_define(write(tmp_path, DEFINE_10))
    [path] = write_specs(result, tmp_path / "specs", settings={"ADX": {"program": "p"}})
    loaded = load_dataset(path)
    assert loaded.settings == {"program": "p"}
    assert loaded.variables == result.datasets["ADX"].variables
    with pytest.raises(SpecError, match="no dataset ADZ"):
        write_specs(result, tmp_path, ["ADZ"])


def test_write_codelists(tmp_path: Path) -> None:
    result = import_define(write(tmp_path, DEFINE_10))
    path = write_codelists(result, tmp_path / "codelists.yaml")
    assert load_codelists(path) == {"PARAMCD": result.codelists["PARAMCD"]}  # AEDICT is not referenced
    assert main([str(tmp_path / "define.xml"), str(tmp_path / "out"), "ADX", "--codelists",
                 str(tmp_path / "cl.yaml")]) == 0
    assert (tmp_path / "out" / "adx.yaml").is_file() and load_codelists(tmp_path / "cl.yaml") == load_codelists(path)


def test_pilot_define_matches_committed_specs(shared_data: Path) -> None:
    """The committed pilot ADaM specs are the importer's output plus study settings."""
    result = import_define(shared_data / "cdiscpilot01" / "adam" / "define.xml")
    assert sorted(result.datasets) == ["ADAE", "ADLBC", "ADLBH", "ADLBHY", "ADQSADAS", "ADQSCIBC", "ADQSNPIX",
                                       "ADSL", "ADTTE", "ADVS"]
    for name in ("ADSL", "ADAE", "ADQSADAS"):
        committed = load_dataset(REPO / "cdiscflow" / "studies" / "cdiscpilot01" / "specs" / "adam" /
                                 f"{name.lower()}.yaml")
        imported = result.datasets[name]
        assert committed.variables == imported.variables
        assert committed.value_level == imported.value_level
        assert committed.keys == imported.keys
    adsl = result.datasets["ADSL"]
    assert len(adsl.variables) == 48
    assert adsl.variable("TRTSDT").format == "DATE9." and adsl.variable("TRTSDT").type == "Num"
    assert result.codelists["ARMN"].terms[2] == Term(value="81", decode="Xanomeline High Dose", order=3)
