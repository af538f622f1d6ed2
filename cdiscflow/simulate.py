"""``cdiscflow simulate``: write a study's simulated raw extracts with the study's own simulator.

A study that can simulate its raw data declares the module in ``study.yaml`` (``code: {simulate: [MODULE]}``);
the module has ``simulate(out, seed=..., subjects=...) -> Path`` writing ``<out>/<study>/raw``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cdiscflow.errors import SpecError
from cdiscflow.study import Study


def simulator(study: Study) -> Callable[..., Path]:
    """The study's ``simulate`` function; a study without one is a :class:`SpecError`."""
    fn = study.code.function("simulate", "simulate") if study.code.modules["simulate"] else None
    if fn is None:
        raise SpecError(f"study {study.name} has no simulator", file=str(study.root / "study.yaml"),
                        variable="code.simulate", expected="--raw DIR with the raw extracts, or a module with "
                        "simulate(out, seed, subjects)")
    return fn


def simulate(study: Study, out: Path | str, **options: Any) -> Path:
    """Run the study's simulator into ``<out>/<study>/raw`` (``options``: seed, subjects)."""
    raw = Path(simulator(study)(out, **{k: v for k, v in options.items() if v is not None}))
    expected = Path(out) / study.name / "raw"
    if raw.resolve() != expected.resolve():
        raise SpecError(f"the simulator wrote {raw}", file=str(study.root / "study.yaml"), variable="code.simulate",
                        expected=f"simulate(out, ...) writing and returning {expected}")
    return raw


def run(args: argparse.Namespace) -> int:
    study = Study.load(args.study, args.out)
    raw = simulate(study, args.out, seed=args.seed, subjects=args.subjects)
    print(f"simulated raw extracts (SIMULATED data) written to {raw}")
    return 0
