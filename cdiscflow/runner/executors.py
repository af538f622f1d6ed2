"""Where steps run: inline (``-j 1``), a local process pool (``-j N``) or a Dask cluster (``--scheduler``).

All three are :class:`concurrent.futures.Executor`; the Dask one is ``distributed.Client.get_executor``, so one
scheduling loop serves them all. Dask is an optional extra, imported only when ``--scheduler`` is given.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any

from cdiscflow.errors import CdiscflowError

PRELOAD = ["cdiscflow.runner.execute", "pandas", "numpy"]


class InlineExecutor(Executor):
    """Runs each task at once in the calling thread (``-j 1``: no processes, easiest to debug)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


@contextmanager
def open_executor(jobs: int = 1, scheduler: str | None = None, connect_timeout: float = 20.0) -> Iterator[Executor]:
    """The executor for ``-j jobs`` / ``--scheduler address``; closed (local workers stopped) on exit."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise CdiscflowError("--scheduler needs Dask", expected="pip install 'cdiscflow[dask]'") from None
        try:
            client = Client(scheduler, timeout=connect_timeout, set_as_default=False)
        except OSError as exc:
            raise CdiscflowError(f"cannot reach the Dask scheduler at {scheduler}: {exc}",
                                 expected="a running scheduler (tcp://host:port)") from None
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
    elif jobs > 1:
        # forkserver: workers start from a clean server process (not a fork of this one, which runs a progress
        # thread) that has already imported what every step needs
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            yield pool
    else:
        yield InlineExecutor()
