"""Vectorised formatting of generated columns into CSV cell text (NumPy string arrays)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from gistreg.registry.schema import TABLES
from gistreg.synth.writer import RegistryWriter

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
StrArray = NDArray[np.str_]

#: Ordinal of 1970-01-01: ordinals minus this are days of the NumPy epoch.
_EPOCH = dt.date(1970, 1, 1).toordinal()
NA = -1  # missing date / number marker in integer columns


_FIRST = dt.date(1900, 1, 1).toordinal()
_LAST = dt.date(2100, 12, 31).toordinal()
#: ISO text of every day 1900–2100 (index: ordinal − _FIRST), then "" for missing values.
_ISO = np.append(np.datetime_as_string(np.arange(_FIRST - _EPOCH, _LAST - _EPOCH + 1).astype("datetime64[D]"),
                                       unit="D"), "")


def dates(ordinals: IntArray, missing: BoolArray | None = None) -> StrArray:
    """ISO dates of day ordinals (1900–2100); empty where ``missing`` (or where the ordinal is ``NA``)."""
    o = np.asarray(ordinals, dtype=np.int64)
    miss = (o == NA) if missing is None else (missing | (o == NA))
    idx = np.where(miss, _ISO.size - 1, np.clip(o - _FIRST, 0, _ISO.size - 2))
    out: StrArray = _ISO[idx]
    return out


def ints(values: IntArray, missing: BoolArray | None = None) -> StrArray:
    """Integers as text; empty where ``missing``."""
    out = np.asarray(values, dtype=np.int64).astype(str)
    return out if missing is None else np.where(missing, "", out)


def pick(codes: Sequence[str], index: IntArray) -> StrArray:
    """``codes[index]`` as text; index ``NA`` gives an empty cell."""
    table = np.array([*codes, ""], dtype=str)
    idx = np.asarray(index, dtype=np.int64)
    return table[np.where(idx < 0, len(codes), idx)]


def const(text: str, n: int) -> StrArray:
    """A column of one value."""
    return np.full(n, text, dtype=f"<U{max(1, len(text))}")


def ids(prefix: StrArray, tag: str, seq: IntArray) -> StrArray:
    """``<prefix>-<tag><seq>`` identifiers."""
    return np.char.add(np.char.add(prefix, f"-{tag}"), np.asarray(seq, dtype=np.int64).astype(str))


def write_table(writer: RegistryWriter, table: str, columns: Mapping[str, StrArray], n: int) -> None:
    """Write ``n`` rows of ``table``; columns not given are empty."""
    if n == 0:
        return
    names = TABLES[table].column_names
    unknown = set(columns) - set(names)
    if unknown:  # pragma: no cover - programming error
        raise KeyError(f"{table}: unknown columns {sorted(unknown)}")
    empty = [""] * n
    cols = [columns[c].tolist() if c in columns else empty for c in names]
    writer.write_columns(table, cols)


__all__ = ["NA", "const", "dates", "ids", "ints", "pick", "write_table"]
