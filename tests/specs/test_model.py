from pathlib import Path

import pytest
import yaml

from cdiscflow.errors import SpecError
from cdiscflow.specs.loader import dump_dataset, load_codelists, load_dataset
from cdiscflow.specs.model import Dataset

AE_SPEC = """\
dataset: AE
label: Adverse Events
class: EVENTS
structure: One record per adverse event per subject
keys: [STUDYID, USUBJID, AETERM, AESTDTC]
source: ae
variables:
- {name: STUDYID, label: Study Identifier, type: Char, length: 12, core: Req, origin: Assigned}
- {name: USUBJID, label: Unique Subject Identifier, type: Char, length: 20, core: Req}
- name: AETERM
  label: Reported Term for the Adverse Event
  type: Char
  length: 200
  core: Req
  origin: Collected
  pages: [12]
  map: {assign: AETERM}
- {name: AESEV, label: Severity/Intensity, type: Char, length: 8, codelist: AESEV, core: Perm,
   map: {assign_ct: AESEV}}
- {name: AESTDTC, label: Start Date/Time of Adverse Event, type: Char, length: 19, core: Exp,
   map: {datetime: [AESTDAT, AESTTIM]}}
- {name: AESEQ, label: Sequence Number, type: Num, length: 8, core: Req, origin: Derived,
   method: Sequential number within subject}
value_level:
- {variable: AETERM, where: {AESEV: SEVERE}, label: Severe term}
"""


def _write(tmp_path: Path, text: str, name: str = "ae.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_load_and_dump_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path, AE_SPEC)
    ds = load_dataset(path)
    assert ds.names == ["STUDYID", "USUBJID", "AETERM", "AESEV", "AESTDTC", "AESEQ"]
    assert ds.variable("AESEQ").type == "Num"
    assert ds.variable("AETERM").pages == [12]
    assert ds.value_level[0].where == {"AESEV": "SEVERE"}
    # dumping gives back exactly what was read
    assert yaml.safe_load(dump_dataset(ds)) == yaml.safe_load(AE_SPEC)
    assert Dataset.from_dict(yaml.safe_load(dump_dataset(ds))) == Dataset.from_dict(yaml.safe_load(AE_SPEC))


@pytest.mark.parametrize(("edit", "message"), [
    (("type: Num", "type: Numeric"), "expected Char or Num"),
    (("core: Req, origin: Assigned}", "core: Required}"), "core 'Required'"),
    (("label: Adverse Events\n", ""), "'label' is missing"),
    (("keys: [STUDYID, USUBJID, AETERM, AESTDTC]", "keys: [STUDYID, AEXX]"), "AEXX are not variables"),
    (("length: 200", "length: -1"), "positive integer"),
    (("class: EVENTS", "clas: EVENTS"), "unknown key(s) clas"),
    (("{name: USUBJID,", "{name: STUDYID,"), "STUDYID is listed twice"),
])
def test_load_errors_name_file_and_entry(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    path = _write(tmp_path, AE_SPEC.replace(*edit, 1))
    with pytest.raises(SpecError) as err:
        load_dataset(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset: AE\nlabel: [unclosed\n")
    with pytest.raises(SpecError, match=r"row \d+: invalid YAML"):
        load_dataset(path)


def test_yaml_is_loaded_safely(tmp_path: Path) -> None:
    path = _write(tmp_path, "!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(SpecError, match="invalid YAML"):
        load_dataset(path)


def test_codelists_from_nci_with_subset_extension_and_synonyms(tmp_path: Path, shared_data: Path) -> None:
    path = _write(tmp_path, """\
codelists:
- {id: SEX, nci: SEX, terms: [{value: F, synonyms: [Female, woman]}]}
- {id: NY, nci: NY, subset: ["Y", "N"]}
- {id: UNIT, nci: UNIT, subset: [mg], extend: [{value: cells}]}
- id: ELESCORL
  name: El Escorial Category
  terms: [{value: POSSIBLE, decode: Possible ALS}, DEFINITE]
""", "codelists.yaml")
    cls = load_codelists(path)
    assert cls["SEX"].code == "C66731"
    assert set(cls["SEX"].values) >= {"F", "M", "U"}
    assert cls["SEX"].lookup()["WOMAN"] == "F"
    assert cls["NY"].values == ["Y", "N"]
    assert cls["UNIT"].values == ["mg", "cells"]
    assert cls["ELESCORL"].values == ["POSSIBLE", "DEFINITE"]
    assert cls["ELESCORL"].lookup()["POSSIBLE ALS"] == "POSSIBLE"


def test_extension_of_non_extensible_codelist_is_refused(tmp_path: Path, shared_data: Path) -> None:
    path = _write(tmp_path, "codelists:\n- {id: NY, nci: NY, extend: [MAYBE]}\n", "codelists.yaml")
    with pytest.raises(SpecError, match="not extensible"):
        load_codelists(path)


def test_unknown_nci_codelist(tmp_path: Path, shared_data: Path) -> None:
    path = _write(tmp_path, "codelists:\n- {id: XX, nci: NOSUCHLIST}\n", "codelists.yaml")
    with pytest.raises(SpecError, match="NOSUCHLIST"):
        load_codelists(path)
