"""One log per step: capture a step's ``print`` output and ``logging`` records into a text buffer.

Capture is per thread (``sys.stdout``/``sys.stderr`` are replaced once by proxies that route writes of a
capturing thread to its buffer, and a root-logger handler keeps only that thread's records), so steps can run
side by side in threads of one process (a Dask worker with several threads) without mixing their logs.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

_local = threading.local()
_install_lock = threading.Lock()
FORMAT = "%(levelname)s %(name)s: %(message)s"


class _Router(io.TextIOBase):
    """Stand-in for ``sys.stdout``/``sys.stderr``: writes go to the current thread's buffer if it captures."""

    def __init__(self, fallback: TextIO) -> None:
        self.fallback = fallback

    def write(self, text: str) -> int:
        buf = getattr(_local, "buffer", None)
        return (buf if buf is not None else self.fallback).write(text)

    def flush(self) -> None:
        if getattr(_local, "buffer", None) is None:
            self.fallback.flush()

    def isatty(self) -> bool:
        return False if getattr(_local, "buffer", None) is not None else self.fallback.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.fallback, "encoding", "utf-8")


class _ThreadFilter(logging.Filter):
    def __init__(self, ident: int) -> None:
        super().__init__()
        self.ident = ident

    def filter(self, record: logging.LogRecord) -> bool:
        return record.thread == self.ident


def _install() -> None:
    with _install_lock:
        if not isinstance(sys.stdout, _Router):
            sys.stdout = _Router(sys.stdout)
        if not isinstance(sys.stderr, _Router):
            sys.stderr = _Router(sys.stderr)
        root = logging.getLogger()
        if root.level > logging.INFO or root.level == logging.NOTSET:
            root.setLevel(logging.INFO)  # records below WARNING still reach no terminal (lastResort is WARNING)


@contextmanager
def capture() -> Iterator[io.StringIO]:
    """Collect everything the current thread prints or logs (INFO and up) while the block runs."""
    _install()
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_ThreadFilter(threading.get_ident()))
    root = logging.getLogger()
    root.addHandler(handler)
    _local.buffer = buf
    try:
        yield buf
    finally:
        _local.buffer = None
        root.removeHandler(handler)
