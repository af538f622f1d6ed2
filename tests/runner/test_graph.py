"""The step graph: ordering, cycles, selection by id/stage/name, closures and dependants."""

from __future__ import annotations

import pickle

import pytest

from cdiscflow.errors import CdiscflowError
from cdiscflow.runner.graph import Graph, Step


def steps() -> list[Step]:
    return [Step("package", "m:f", deps=("adam:ADSL", "tlf:t-1")), Step("tlf:t-1", "m:f", deps=("adam:ADSL",)),
            Step("adam:ADSL", "m:f", {"dataset": "ADSL"}, deps=("sdtm",)), Step("sdtm", "m:f"),
            Step("adam:ADAE", "m:f", deps=("sdtm", "adam:ADSL"))]


def test_ordered_sorts_dependencies_first_and_keeps_given_order_otherwise():
    graph = Graph.ordered(steps())
    assert list(graph.steps) == ["sdtm", "adam:ADSL", "tlf:t-1", "adam:ADAE", "package"]


def test_cycles_and_unknown_dependencies_are_errors():
    with pytest.raises(CdiscflowError, match="a cycle among a, b"):
        Graph.ordered([Step("a", "m:f", deps=("b",)), Step("b", "m:f", deps=("a",))])
    with pytest.raises(CdiscflowError, match="unknown step"):
        Graph.ordered([Step("a", "m:f", deps=("zz",))])
    with pytest.raises(CdiscflowError, match="defined twice"):
        Graph([Step("a", "m:f"), Step("a", "m:f")])


def test_resolve_by_id_stage_or_name_case_insensitive():
    graph = Graph.ordered(steps())
    assert graph.resolve(["adam"]) == ["adam:ADSL", "adam:ADAE"]
    assert graph.resolve(["adsl", "T-1", "sdtm"]) == ["adam:ADSL", "tlf:t-1", "sdtm"]
    with pytest.raises(CdiscflowError, match="no step 'adxx'"):
        graph.resolve(["adxx"])


def test_closure_keeps_what_the_selection_needs():
    graph = Graph.ordered(steps())
    assert list(graph.closure(["tlf:t-1"]).steps) == ["sdtm", "adam:ADSL", "tlf:t-1"]
    assert graph.dependants("adam:ADSL") == ["tlf:t-1", "adam:ADAE", "package"]


def test_steps_are_picklable_descriptions():
    step = Graph.ordered(steps())["adam:ADSL"]
    assert pickle.loads(pickle.dumps(step)) == step
    assert step.stage == "adam" and step.log_name == "adam_ADSL.log"
