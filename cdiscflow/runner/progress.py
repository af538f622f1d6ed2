"""Progress display: a rich progress bar in a terminal, plain lines when not a TTY or when ``CI`` is set."""

from __future__ import annotations

import os
import sys
from typing import TextIO

from cdiscflow.runner.graph import Graph, Step
from cdiscflow.runner.schedule import Outcome, Reporter

LABELS = {"ran": "ok", "current": "up to date", "failed": "FAILED", "unavailable": "UNAVAILABLE",
          "skipped": "skipped"}


def use_rich(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stdout
    ci = os.environ.get("CI", "").lower() not in ("", "0", "false")
    return bool(getattr(stream, "isatty", lambda: False)()) and not ci


def describe(step: Step, outcome: Outcome) -> str:
    text = f"{LABELS[outcome.status]:<11} {step.id}"
    if outcome.status in ("ran", "failed", "unavailable"):
        text += f"  ({outcome.seconds:.1f}s)"
    if outcome.reason:
        text += f"  {outcome.reason}"
    return text


class PlainReporter:
    """One line per started and finished step, flushed at once (CI logs)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.total = self.count = 0

    def begin(self, graph: Graph) -> None:
        self.total, self.count = len(graph), 0

    def started(self, step: Step) -> None:
        print(f"[{self.count}/{self.total}] start       {step.id}", file=self.stream, flush=True)

    def finished(self, step: Step, outcome: Outcome) -> None:
        self.count += 1
        if outcome.status != "current":
            print(f"[{self.count}/{self.total}] {describe(step, outcome)}", file=self.stream, flush=True)

    def end(self) -> None:
        pass


class RichReporter:
    """A progress bar with the running steps, and a line per finished step that did something."""

    def __init__(self, stream: TextIO | None = None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.console = Console(file=stream or sys.stdout)
        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=self.console, redirect_stdout=False,
                                 redirect_stderr=False, transient=True)
        self.running: list[str] = []
        self.task = None

    def _describe(self) -> str:
        return ", ".join(self.running[:3]) + (" …" if len(self.running) > 3 else "") or "waiting"

    def begin(self, graph: Graph) -> None:
        self.progress.start()
        self.task = self.progress.add_task("starting", total=len(graph))

    def started(self, step: Step) -> None:
        self.running.append(step.id)
        self.progress.update(self.task, description=self._describe())

    def finished(self, step: Step, outcome: Outcome) -> None:
        if step.id in self.running:
            self.running.remove(step.id)
        from rich.text import Text

        style = {"ran": "green", "failed": "red", "unavailable": "yellow", "skipped": "dim"}.get(outcome.status)
        if style:
            self.progress.console.print(Text(describe(step, outcome), style=style))
        self.progress.update(self.task, advance=1, description=self._describe())

    def end(self) -> None:
        self.progress.stop()


def reporter(stream: TextIO | None = None) -> Reporter:
    return RichReporter(stream) if use_rich(stream) else PlainReporter(stream)
