"""Reader of an Excel workbook (``.xlsx``) with one sheet per canonical table.

- **Sheets.** A sheet named after a canonical table (case and surrounding spaces ignored) is read; other
  sheets are not (R06, info). Two sheets for one table are an error (R08; the first is read).
- **Header.** Row 1. The same checks as for CSV files apply (R02 missing required column, R03 unknown
  column, R04 duplicate column); a column with values but an empty header cell — typically a merged header
  cell — is R03 (its values are not imported).
- **Cells** become text as Excel displays them:

  - text is kept as is (an empty string is ``NULL``); a text-formatted date such as ``03-04-2020`` or
    ``04/03/2020`` stays text — the registry's date rules judge it, the reader never guesses the order;
  - numbers lose a spurious ``.0`` (``400.0`` → ``400``) and are otherwise written with up to 15
    significant digits, as Excel shows them; ``TRUE``/``FALSE`` become ``true``/``false``;
  - a number in an identifier column (``patient_id``, ``…_id``) is R12 (warning): an ID typed as a number
    has lost its leading zeros unless the cell's number format (e.g. ``00000``) shows them, in which case
    they are restored;
  - a date-formatted cell, or a number in a column the schema types as ``date``, is an Excel serial date
    and becomes ``YYYY-MM-DD`` in the workbook's date system: the 1900 system (serial 1 = 1900-01-01,
    including Excel's non-existent 29 February 1900 = serial 60, which is R11, error) or the 1904 system
    of old Mac workbooks (serial 0 = 1904-01-01) when the workbook says so. Zero, negative and too large
    serials are R11. Serials converted in a date column are counted (R07, info). An integer from 1800 to
    2200 in a date column that allows partial dates is a year (``1956``), not a serial;
  - error values (``#N/A``, ``#REF!`` …) are empty (R13, warning).

- **Rows.** Empty rows are skipped. ``source_file`` is ``workbook.xlsx:sheet`` and ``source_row`` the
  sheet's row number.
- A file that is not a readable ``.xlsx`` workbook, or a sheet that cannot be parsed, is R10 (error).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb

from gistreg.core.errors import InputError
from gistreg.ingest._common import (
    IssueSink,
    close_match,
    create_empty_stage,
    drop,
    drop_stale_stages,
    is_identifier,
    load_raw,
    normalise_header,
    sha256_file,
    stage_raw,
    table_for_name,
)
from gistreg.ingest.base import ColumnSpec, SourceFile, StagedExport, TableSpec

_EXCEL_1900 = date(1899, 12, 31)
_EXCEL_1904 = date(1904, 1, 1)
_MAX_SERIAL = 2_958_465  # 9999-12-31 in the 1900 system
_ZERO_PADDED = re.compile(r"0+")


class ExcelReader:
    """Reads an ``.xlsx`` workbook with one sheet per canonical table.

    Parameters
    ----------
    path
        The workbook.
    tables
        The canonical schema: table name → table (``gistreg.registry.schema.TABLES``).
    """

    def __init__(self, path: str | os.PathLike[str], *, tables: Mapping[str, TableSpec]) -> None:
        self.path = Path(path)
        self.tables = tables
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such workbook")

    def stage(self, con: duckdb.DuckDBPyConnection) -> StagedExport:
        """Create ``stage_<table>`` for every table sheet of the workbook and return what was staged."""
        if not self.path.is_file():
            raise InputError(f"{self.path}: no such workbook")
        name = self.path.name
        sink = IssueSink()
        drop_stale_stages(con, self.tables)
        try:
            digest = sha256_file(self.path)
        except OSError as exc:
            sink.add("R10", "error", name, f"the workbook cannot be read ({exc.strerror or exc})")
            return StagedExport({}, (), sink.issues())
        wb = _open_workbook(self.path, sink)
        if wb is None:
            return StagedExport({}, (SourceFile(name, digest, "xlsx", (), 0),), sink.issues())
        counts: dict[str, int] = {}
        try:
            for table, ws in self._sheets(wb, sink):
                counts[table] = _stage_sheet(con, self.tables[table], ws, workbook=name,
                                             date1904=_is_1904(wb), sink=sink)
        finally:
            _close(wb)
        source = SourceFile(name, digest, "xlsx", tuple(counts), sum(counts.values()))
        return StagedExport(counts, (source,), sink.issues())

    def _sheets(self, wb: Any, sink: IssueSink) -> list[tuple[str, Any]]:
        chosen: dict[str, Any] = {}
        for ws in list(getattr(wb, "worksheets", [])):
            title = str(ws.title)
            label = f"{self.path.name}:{title}"
            table = table_for_name(title, self.tables)
            if table is None:
                sink.add("R06", "info", label, "sheet is not a canonical table; not read"
                         + close_match(title, self.tables))
            elif table in chosen:
                sink.add("R08", "error", label, f"a second sheet for table {table} (besides "
                         f"{chosen[table].title!r}); not read", table=table)
            else:
                chosen[table] = ws
        return list(chosen.items())


def _open_workbook(path: Path, sink: IssueSink) -> Any:
    """The workbook in read-only mode with openpyxl's own date conversion off, or ``None`` (R10)."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a corrupted archive can fail anywhere inside the third-party parser
        sink.add("R10", "error", path.name, f"not a readable .xlsx workbook ({type(exc).__name__}: "
                 f"{str(exc)[:200]}); nothing was read from it")
        return None
    # Serial numbers are converted here (to report serial 60 in the 1900 system), not by openpyxl.
    for attr in ("_date_formats", "_timedelta_formats"):
        if hasattr(wb, attr):
            setattr(wb, attr, set())
    return wb


def _is_1904(wb: Any) -> bool:
    epoch = getattr(wb, "epoch", None)
    return isinstance(epoch, datetime) and epoch.year == 1904


def _close(wb: Any) -> None:
    try:
        wb.close()
    except Exception:  # closing a half-read archive must not hide what was read
        return


def _stage_sheet(con: duckdb.DuckDBPyConnection, spec: TableSpec, ws: Any, *, workbook: str, date1904: bool,
                 sink: IssueSink) -> int:
    label = f"{workbook}:{ws.title}"
    reader = _SheetReader(spec, label, date1904, sink)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader.read(ws)
    except Exception as exc:  # a damaged sheet part can fail anywhere inside the third-party parser
        sink.add("R10", "error", label, f"the sheet cannot be read after row {reader.last_row} "
                 f"({type(exc).__name__}: {str(exc)[:200]}); nothing was read from it", table=spec.name)
        create_empty_stage(con, spec)
        return 0
    reader.report()
    if reader.empty:
        sink.add("R14", "info", label, "the sheet is empty; no rows read", table=spec.name)
        create_empty_stage(con, spec)
        return 0
    raw = load_raw(con, reader.header, reader.rows, reader.columns)
    try:
        return stage_raw(con, spec, raw, file=label, sink=sink)
    finally:
        drop(con, raw.name)


@dataclass
class _SheetReader:
    """Turns one sheet's cells into text columns, collecting what it had to convert or could not."""

    spec: TableSpec
    label: str
    date1904: bool
    sink: IssueSink
    header: list[str] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    columns: list[list[str | None]] = field(default_factory=list)
    last_row: int = 0
    empty: bool = True
    _specs: dict[int, ColumnSpec] = field(default_factory=dict)
    _numeric_ids: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)

    def read(self, ws: Any) -> None:
        ws.reset_dimensions()
        rows: Iterable[Any] = ws.iter_rows()
        for r, cells in enumerate(rows, start=1):
            self.last_row = r
            if r == 1:
                self._set_header(cells)
                continue
            values = [self._text(c, r, i) for i, c in enumerate(cells)]
            if all(v is None for v in values):
                continue
            self.empty = False
            self._widen(len(values))
            self.rows.append(r)
            for j, col in enumerate(self.columns):
                col.append(values[j] if j < len(values) else None)

    def _set_header(self, cells: Any) -> None:
        self.header = [_header_text(c.value) for c in cells]
        self.empty = not any(self.header)
        self.columns = [[] for _ in self.header]
        by_name = {c.name: c for c in self.spec.columns}
        self._specs = {i: by_name[normalise_header(h)] for i, h in enumerate(self.header)
                       if normalise_header(h) in by_name}

    def _widen(self, n: int) -> None:
        """Values beyond the header: extra columns without header (reported as R03 by the staging)."""
        while len(self.header) < n:
            self.header.append("")
            self.columns.append([None] * len(self.rows))

    def _text(self, cell: Any, row: int, i: int) -> str | None:
        value = getattr(cell, "value", None)
        if value is None:
            return None
        col = self._specs.get(i)
        if getattr(cell, "data_type", None) == "e":
            self.sink.add("R13", "warning", self.label, f"cell holds the Excel error value {value}; read as empty",
                          row=row, column=col.name if col else None, value=str(value), table=self.spec.name)
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return self._number(cell, value, col, row)
        if isinstance(value, datetime):
            if (col is not None and col.type == "date") or value.time() == time(0):
                return value.date().isoformat()
            return value.isoformat(sep=" ")
        if isinstance(value, (date, time)):
            return value.isoformat()
        if isinstance(value, timedelta):
            return str(value)
        text = str(value)
        return text if text != "" else None

    def _number(self, cell: Any, value: float | int, col: ColumnSpec | None, row: int) -> str | None:
        fmt = str(getattr(cell, "number_format", "General") or "General")
        date_formatted = _is_date_format(fmt)
        is_date_col = col is not None and col.type == "date"
        if col is not None and is_date_col and not date_formatted and self._is_year(value, col):
            return str(int(value))
        if date_formatted or is_date_col:
            if date_formatted and not is_date_col and 0 <= value < 1:
                return _fraction_time(value)
            iso, problem = _serial_to_iso(value, date1904=self.date1904)
            if problem is not None:
                self.sink.add("R11", "error", self.label, problem, row=row, column=col.name if col else None,
                              value=_number_text(value), table=self.spec.name)
                return _number_text(value)
            if is_date_col and not date_formatted and col is not None:
                self._serials[col.name] += 1
            return iso
        text = _number_text(value)
        if col is not None and is_identifier(self.spec, col):
            if _ZERO_PADDED.fullmatch(fmt) and float(value).is_integer():
                text = text.zfill(len(fmt))
            count, first, example = self._numeric_ids.get(col.name, (0, row, text))
            self._numeric_ids[col.name] = (count + 1, first, example)
        return text

    def _is_year(self, value: float | int, col: ColumnSpec) -> bool:
        names = {c.name for c in self.spec.columns}
        return float(value).is_integer() and 1800 <= value <= 2200 and f"{col.name}_precision" in names

    def report(self) -> None:
        """Per-column notes: identifiers typed as numbers (R12), serial dates converted (R07)."""
        for name, (count, first, example) in self._numeric_ids.items():
            self.sink.add("R12", "warning", self.label, f"{count} identifiers in column {name!r} are numbers, not "
                          f"text (first in row {first}): leading zeros (00123) are lost unless the cell format "
                          "shows them; format the column as text", column=name, value=example,
                          table=self.spec.name)
        for name, count in self._serials.items():
            system = "1904" if self.date1904 else "1900"
            self.sink.add("R07", "info", self.label, f"{count} numbers in date column {name!r} read as Excel serial "
                          f"dates ({system} date system)", column=name, table=self.spec.name)


def _header_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_date_format(fmt: str) -> bool:
    from openpyxl.styles.numbers import is_date_format

    return fmt != "General" and bool(is_date_format(fmt))


def _number_text(value: float | int) -> str:
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return format(value, ".15g")


def _fraction_time(value: float) -> str:
    seconds = round(value * 86_400)
    h, rest = divmod(seconds, 3600)
    return f"{h % 24:02d}:{rest // 60:02d}:{rest % 60:02d}"


def _serial_to_iso(value: float | int, *, date1904: bool) -> tuple[str | None, str | None]:
    """Excel serial → ISO date, or the reason it is no date."""
    if not math.isfinite(value):
        return None, f"{value} is not a date"
    day = math.floor(value)
    if date1904:
        if day < 0:
            return None, f"Excel serial date {_number_text(value)} is negative (1904 date system); not a date"
        base, offset = _EXCEL_1904, day
    else:
        if day == 60:
            return None, ("Excel serial date 60 is 29 February 1900, a day that does not exist (a leap-year "
                          "error kept by Excel's 1900 date system); not a date")
        if day < 1:
            return None, f"Excel serial date {_number_text(value)} is before 1 January 1900; not a date"
        base, offset = _EXCEL_1900, (day if day < 60 else day - 1)
    if day > _MAX_SERIAL:
        return None, f"Excel serial date {_number_text(value)} is after 31 December 9999; not a date"
    try:
        return (base + timedelta(days=offset)).isoformat(), None
    except OverflowError:
        return None, f"Excel serial date {_number_text(value)} is out of range; not a date"


__all__ = ["ExcelReader"]
