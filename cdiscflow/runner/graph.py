"""The run as a graph of steps: picklable step descriptions, dependency order and subsets.

A :class:`Step` names what to run (``action``: ``"module:function"``, resolved in the worker), its parameters,
the steps it needs, the files it reads (``inputs``), the source code it depends on (``code``: paths relative to
the ``cdiscflow`` package) and the files it writes (``outputs``: glob patterns relative to ``out/<study>``).
Steps hold no closures, so they travel to worker processes and Dask workers unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cdiscflow.errors import CdiscflowError
from cdiscflow.toposort import CycleError, toposort


@dataclass(frozen=True)
class Step:
    """One unit of work: ``action(ctx, **params)`` writing ``outputs`` under the step's staging folder.

    ``required`` patterns must match after the step; ``owns`` are folders whose content the step replaces
    whole; ``reads`` (default: everything) filters which outputs of the needed steps enter the fingerprint;
    ``salt`` is data that enters the fingerprint without being passed to the action (e.g. a catalog entry).
    """

    id: str
    action: str
    params: dict[str, Any] = field(default_factory=dict)
    deps: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    code: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    owns: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    salt: dict[str, Any] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        """The stage part of the id (``sdtm`` for ``sdtm:AE``)."""
        return self.id.split(":", 1)[0]

    @property
    def log_name(self) -> str:
        """File name of the step's log (``sdtm_AE.log``)."""
        return self.id.replace(":", "_").replace("/", "_") + ".log"


class Graph:
    """Steps in insertion order with their dependencies; insertion order must be a topological order."""

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        self.steps: dict[str, Step] = {}
        for step in steps:
            self.add(step)

    @classmethod
    def ordered(cls, steps: Iterable[Step]) -> Graph:
        """A graph of ``steps`` given in any order (stable topological sort); a cycle is an error."""
        todo = {s.id: s for s in steps}
        unknown = sorted({d for s in todo.values() for d in s.deps if d not in todo})
        if unknown:
            raise CdiscflowError(f"steps cannot be ordered: unknown step(s) {', '.join(unknown)}",
                                 expected="an acyclic graph")
        index = {sid: i for i, sid in enumerate(todo)}
        try:
            order = toposort({sid: s.deps for sid, s in todo.items()}, key=index.__getitem__)
        except CycleError as exc:
            raise CdiscflowError(f"steps cannot be ordered: a cycle among {', '.join(exc.args[1])}",
                                 expected="an acyclic graph") from None
        return cls(todo[sid] for sid in order)

    def add(self, step: Step) -> Step:
        if step.id in self.steps:
            raise CdiscflowError(f"step {step.id!r} is defined twice", expected="unique step ids")
        missing = [d for d in step.deps if d not in self.steps]
        if missing:
            raise CdiscflowError(f"step {step.id!r} needs unknown step(s) {', '.join(missing)}",
                                 expected="dependencies added before their dependants")
        self.steps[step.id] = step
        return step

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps.values())

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, step_id: str) -> Step:
        return self.steps[step_id]

    def dependants(self, step_id: str) -> list[str]:
        """Every step that needs ``step_id``, directly or not, in graph order."""
        hit = {step_id}
        for step in self:
            if any(d in hit for d in step.deps):
                hit.add(step.id)
        hit.discard(step_id)
        return [s.id for s in self if s.id in hit]

    def resolve(self, selectors: Iterable[str]) -> list[str]:
        """Step ids matching ``selectors``: an exact id (``sdtm:AE``), a stage (``sdtm``) or a bare name
        (``AE``, ``t-14-2-01``), case-insensitive. An unknown selector is an error listing the ids."""
        chosen: list[str] = []
        for sel in selectors:
            key = sel.casefold()
            hits = [s.id for s in self if key in (s.id.casefold(), s.stage.casefold(),
                                                   s.id.split(":", 1)[-1].casefold())]
            if not hits:
                raise CdiscflowError(f"no step {sel!r} in this run",
                                     expected="one of " + ", ".join(self.steps))
            chosen += [h for h in hits if h not in chosen]
        return chosen

    def closure(self, step_ids: Iterable[str]) -> Graph:
        """The sub-graph of ``step_ids`` plus everything they need."""
        keep = set()
        todo = list(step_ids)
        while todo:
            sid = todo.pop()
            if sid not in keep:
                keep.add(sid)
                todo += self.steps[sid].deps
        return Graph(s for s in self if s.id in keep)
