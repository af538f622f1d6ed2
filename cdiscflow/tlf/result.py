"""What a TLF program returns: its analysis results dataset and its layout."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from cdiscflow.tlf.layout import Output


@dataclass
class ProgramResult:
    ard: pd.DataFrame
    output: Output
