"""Streaming writer of the canonical CSV folder: one ``<table>.csv`` per canonical table.

Files are UTF-8, comma-separated, ``\\n`` line ends, with the schema's column names in schema order as the header.
Rows are appended as they come (formatted text), so a registry of any size is written with bounded memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

from gistreg.core.errors import InputError
from gistreg.registry.schema import TABLES

Cell = str | int | float | bool | dt.date | None

_NEEDS_QUOTES = frozenset(',"\n\r')


def cell(value: Cell) -> str:
    """Text of one CSV value: empty for ``None``, ISO for dates, ``true``/``false``, numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(round(value, 6))
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _NEEDS_QUOTES.intersection(text):
        return '"' + text.replace('"', '""') + '"'
    return text


class RegistryWriter:
    """Writes the canonical tables of one export folder.

    Parameters
    ----------
    out_dir
        Folder to write (created if missing). Existing ``<table>.csv`` files in it are replaced.

    Notes
    -----
    Use as a context manager; :attr:`rows` counts the data rows written per table.
    """

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"{self.out_dir}: cannot create the output folder ({exc.strerror or exc})") from exc
        self.rows: dict[str, int] = {t: 0 for t in TABLES}
        self._files: dict[str, IO[str]] = {}
        try:
            for name, table in TABLES.items():
                f = (self.out_dir / f"{name}.csv").open("w", encoding="utf-8", newline="\n")
                self._files[name] = f
                f.write(",".join(table.column_names) + "\n")
        except OSError as exc:
            self.close()
            raise InputError(f"{self.out_dir}: cannot write the export ({exc.strerror or exc})") from exc

    def write_rows(self, table: str, rows: Sequence[Sequence[str]]) -> None:
        """Append already formatted rows (each a sequence of cell texts in schema order)."""
        if not rows:
            return
        self._files[table].write("\n".join(",".join(r) for r in rows) + "\n")
        self.rows[table] += len(rows)

    def write_columns(self, table: str, columns: Sequence[Sequence[str]]) -> None:
        """Append rows given column-wise (each column a sequence of cell texts; all of one length)."""
        if not columns or len(columns[0]) == 0:
            return
        n = len(columns[0])
        self._files[table].write("\n".join(map(",".join, zip(*columns, strict=True))) + "\n")
        self.rows[table] += n

    def close(self) -> None:
        """Close every file."""
        for f in self._files.values():
            f.close()
        self._files = {}

    def __enter__(self) -> RegistryWriter:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def format_row(table: str, values: dict[str, Cell]) -> tuple[str, ...]:
    """One row of ``table`` in schema column order (columns not given are empty)."""
    names = TABLES[table].column_names
    unknown = set(values) - set(names)
    if unknown:
        raise InputError(f"table {table}: unknown column(s) {sorted(unknown)}; columns are {', '.join(names)}")
    return tuple(cell(values.get(n)) for n in names)


def write_buffer(writer: RegistryWriter, rows: dict[str, list[tuple[str, ...]]],
                 tables: Iterable[str] | None = None) -> None:
    """Write buffered rows table by table."""
    for t in tables or rows:
        writer.write_rows(t, rows[t])


__all__ = ["Cell", "RegistryWriter", "cell", "format_row", "write_buffer"]
