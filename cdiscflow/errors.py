"""Typed errors. Each names the file, row, variable and what was expected, so a user can fix the input."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class CdiscflowError(Exception):
    """Base of every error cdiscflow raises on purpose; the CLI prints it without a traceback."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        variable: str | None = None,
        expected: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.row = row
        self.variable = variable
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.variable:
            where.append(f"variable {self.variable}")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.expected:
            text += f" (expected {self.expected})"
        return text


class SpecError(CdiscflowError):
    """A spec (YAML metadata, codelist, catalog) is malformed or inconsistent."""


class DataError(CdiscflowError):
    """Input data (raw extract or dataset) does not meet what the spec expects."""


class MappingError(DataError):
    """Raw → SDTM mapping cannot proceed."""


class DerivationError(DataError):
    """SDTM → ADaM derivation cannot proceed."""


class XptError(CdiscflowError):
    """A dataset cannot be written as (or read from) SAS XPORT v5 without losing information."""


class XptValueError(XptError):
    """A value XPT v5 cannot hold; ``position`` is its 0-based row in the frame being written (``row`` is the
    1-based record of the file), so a caller that knows where the rows came from can name that instead."""

    def __init__(self, message: str, *, position: int | None = None, **where: str | int | None) -> None:
        self.position = position
        super().__init__(message, **where)


class ExpressionError(CdiscflowError):
    """A condition or population expression is not in the safe expression language."""


class ValidationError(CdiscflowError):
    """Validation could not run (not: validation found issues — those are findings)."""


class TlfError(CdiscflowError):
    """An output (table, listing, figure) cannot be produced."""


@contextmanager
def located(*, file: str | None, where: str | None = None, variable: str | None = None,
            kinds: tuple[type[CdiscflowError], ...] = (CdiscflowError,)) -> Iterator[None]:
    """Re-raise an error of ``kinds`` from the block that names no file with the spec ``file``, a ``where``
    prefix (e.g. ``dataset AE``) and ``variable`` added (errors that already name a file pass unchanged)."""
    try:
        yield
    except kinds as exc:
        if exc.file:
            raise
        prefix = f"{where}: " if where and not exc.message.startswith(where) else ""
        raise type(exc)(prefix + exc.message, file=file, row=exc.row, variable=exc.variable or variable,
                        expected=exc.expected) from None
