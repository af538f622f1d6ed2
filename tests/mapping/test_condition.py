import pandas as pd
import pytest

from cdiscflow.errors import SpecError
from cdiscflow.mapping.condition import condition
from cdiscflow.mapping.context import expr_frame
from cdiscflow.mapping.engine import _run, algorithm_of
from cdiscflow.specs.model import Variable

from .conftest import raw_frame

DSTERM = Variable(name="DSTERM", label="Term")


def test_first_matching_case_wins_and_uncovered_rows_stay_blank(make_ctx):
    raw = raw_frame({"IT.DSTERM": ["Completed", "Adverse Event", "x"], "OTHERSP": ["", "final lab visit", ""],
                     "FLAG": ["Y", "Y", "N"]})
    ctx = make_ctx({"ds": raw})
    out = pd.DataFrame(index=raw.index)

    def run(sub, entry, var):
        word, arg = algorithm_of(entry, var, ctx.spec)
        return _run(word, arg, sub, out.loc[sub.index], ctx, var)

    cases = [{"where": "present(OTHERSP)", "assign": {"from": "OTHERSP", "case": "upper"}},
             {"where": "FLAG == 'Y'", "assign": {"from": "IT.DSTERM", "case": "upper"}}]
    got = condition(raw, cases, ctx, DSTERM, frame=expr_frame(raw), run=run)
    assert got.tolist() == ["COMPLETED", "FINAL LAB VISIT", ""]
    got = condition(raw, [*cases, {"otherwise": True, "hardcode": "OTHER"}], ctx, DSTERM, frame=expr_frame(raw),
                    run=run)
    assert got.tolist() == ["COMPLETED", "FINAL LAB VISIT", "OTHER"]
    with pytest.raises(SpecError, match="condition case 1"):
        condition(raw, [{"hardcode": "X"}], ctx, DSTERM, frame=expr_frame(raw), run=run)
