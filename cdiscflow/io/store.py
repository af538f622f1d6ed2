"""The columnar store between stages: a conformed dataset as Parquet, read back as the very same frame.

Stages exchange datasets through ``out/<study>/.store/<stage>/<name>.parquet`` (pyarrow): a dependant step reads
the frame its dependency derived instead of deriving it again, and reads only the columns it asks for. The
spec's attributes (label, type, length) travel in each field's metadata and every column's pandas dtype in the
schema metadata, so :func:`read_store` gives back a frame equal to the one written, dtypes included
(``object`` text columns stay ``object``, not pandas' string dtype). XPT and Dataset-JSON stay the deliverables;
the store is the run's working copy.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from cdiscflow.errors import DataError
from cdiscflow.io.atomic import atomic_path
from cdiscflow.specs.model import Dataset

STORE = ".store"
_DTYPES = b"cdiscflow.dtypes"


def store_path(out_dir: Path | str, stage: str, name: str) -> Path:
    """``<out_dir>/.store/<stage>/<name>.parquet`` (name lower-case), ``out_dir`` being ``out/<study>``."""
    return Path(out_dir) / STORE / stage / f"{name.lower()}.parquet"


def write_store(df: pd.DataFrame, path: Path | str, spec: Dataset | None = None) -> Path:
    """Write ``df`` (index dropped) to ``path`` atomically, with ``spec``'s variable attributes."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    attrs = {v.name: v for v in spec.variables} if spec is not None else {}
    fields = []
    for f in table.schema:
        var = attrs.get(f.name)
        meta = {"label": var.label, "type": var.type, "length": str(var.length or "")} if var else {}
        fields.append(f.with_metadata(meta) if meta else f)
    schema = pa.schema(fields, metadata={**(table.schema.metadata or {}),
                                          _DTYPES: json.dumps({c: str(t) for c, t in df.dtypes.items()})})
    with atomic_path(path) as tmp:
        pq.write_table(table.cast(schema), tmp)
    return Path(path)


def read_store(path: Path | str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The frame :func:`write_store` wrote (``columns``: only those, in that order; an unknown one is an error)."""
    path = Path(path)
    try:
        schema = pq.read_schema(path)
        wanted = list(dict.fromkeys(columns)) if columns else None
        missing = [c for c in wanted or () if c not in schema.names]
        if missing:
            raise DataError(f"variable(s) {', '.join(missing)} not in the stored dataset", file=str(path),
                            variable=missing[0], expected=f"variables among {', '.join(schema.names)}")
        df = pq.read_table(path, columns=wanted).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"cannot read the stored dataset: {exc}", file=str(path), expected="a .parquet file "
                        "written by cdiscflow") from None
    dtypes = json.loads((schema.metadata or {}).get(_DTYPES, b"{}"))
    text = [c for c in df.columns if dtypes.get(c) == "object" and df[c].dtype != object]
    if text:
        df[text] = df[text].astype(object)
    return df
