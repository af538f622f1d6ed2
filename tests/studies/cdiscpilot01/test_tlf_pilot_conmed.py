"""The CDISC pilot CSR's Table 14-7.04 (concomitant medications by therapeutic class), compared cell for cell
with the published display.

The pilot ADaM has no ADCM: the catalog entry ``t-14-7-04`` reads the SDTM CM domain (``sdtm: [CM]``, the
``sdtm`` folder beside the pilot ADaM) with the generic ``incidence`` program, the treatment coming from ADSL
(``population_vars: [TRT01A]``). Every CM record of a safety subject counts (see ``docs/parity/pilot-tlf.md``).
The expected cells are transcribed from the CSR into ``reference/t-14-7-04.txt``; spaces are ignored.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cdiscflow.errors import DataError
from cdiscflow.study import Study
from cdiscflow.tlf.catalog import load_catalog
from cdiscflow.tlf.engine import AdamFolder, run_output
from tests.studies.cdiscpilot01.published import body_rows, norm, pilot_outputs, reference

OUTPUT = "t-14-7-04"


@pytest.fixture(scope="module")
def result(shared_data: Path):  # noqa: ANN201
    return pilot_outputs(shared_data, [OUTPUT])[OUTPUT]


def test_every_cell_matches_the_published_display(result) -> None:  # noqa: ANN001
    ref_header, ref_body = reference(OUTPUT)
    assert len(ref_body) == 55  # 1 total row, 10 classes, 34 medications, 10 separating blank rows
    assert body_rows(result.output.grid()) == body_rows(ref_body)
    assert len(result.output.header) == 1  # one header row, the stub header beside the treatment columns
    assert [norm(c.text) for c in result.output.header[0]] == ref_header


def test_ard_counts_subjects_once_per_class_and_medication(result) -> None:  # noqa: ANN001
    ard = result.ard
    n = ard[(ard["statistic"] == "n") & (ard["analysis"] == "incidence") & (ard["variable"] == "CMDECOD")]
    asa = n[(n["category"] == "ACETYLSALICYLIC ACID")].set_index("group")["value"].to_dict()
    assert asa == {"Placebo": 21.0, "Xanomeline Low Dose": 11.0, "Xanomeline High Dose": 6.0}
    events = ard[(ard["statistic"] == "events") & (ard["analysis"] == "incidence_any")]
    assert events["value"].sum() == 7510  # every CM record is a safety subject's record


def test_missing_sdtm_folder_is_a_data_error_naming_the_entry(shared_data: Path, tmp_path: Path) -> None:
    study = Study.load("cdiscpilot01")
    spec = load_catalog(study.root / "tlf" / "catalog.yaml").select([OUTPUT])[0]
    adam = AdamFolder(shared_data / "cdiscpilot01" / "adam", sdtm=tmp_path / "nowhere")
    with pytest.raises(DataError, match=f"output {OUTPUT} reads SDTM CM but there is no SDTM folder"):
        run_output(spec, study, adam, "2026-01-01T00:00:00")
