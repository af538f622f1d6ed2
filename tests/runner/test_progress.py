"""Progress display: rich in a terminal, plain lines when not a TTY or in CI."""

from __future__ import annotations

import io

import pytest

from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.progress import PlainReporter, RichReporter, reporter, use_rich
from cdiscflow.runner.schedule import Outcome


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_choice_of_display(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CI", raising=False)
    assert use_rich(Tty()) and not use_rich(io.StringIO())
    assert isinstance(reporter(Tty()), RichReporter) and isinstance(reporter(io.StringIO()), PlainReporter)
    monkeypatch.setenv("CI", "true")
    assert not use_rich(Tty())
    monkeypatch.setenv("CI", "false")
    assert use_rich(Tty())


def test_plain_lines():
    stream = io.StringIO()
    rep = PlainReporter(stream)
    a, b, c = Step("a", "m:f"), Step("b", "m:f"), Step("c", "m:f")
    rep.begin(Graph([a, b, c]))
    rep.finished(a, Outcome("current"))
    rep.started(b)
    rep.finished(b, Outcome("failed", "DataError: bad <row>", 1.25))
    rep.finished(c, Outcome("skipped", "needs b (failed)"))
    rep.end()
    assert stream.getvalue().splitlines() == ["[1/3] start       b",
                                              "[2/3] FAILED      b  (1.2s)  DataError: bad <row>",
                                              "[3/3] skipped     c  needs b (failed)"]


def test_rich_display_prints_finished_steps_without_markup_surprises():
    stream = Tty()
    rep = RichReporter(stream)
    step = Step("tlf:t-1", "m:f")
    rep.begin(Graph([step]))
    rep.started(step)
    rep.finished(step, Outcome("failed", "[bold]not markup[/bold]", 0.5))
    rep.end()
    assert "FAILED      tlf:t-1  (0.5s)  [bold]not markup[/bold]" in stream.getvalue()
