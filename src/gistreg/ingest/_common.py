"""Shared pieces of the readers: the reader rule catalogue, issue collection, hashing and staging.

Every reader ends the same way: the rows it read sit in a *raw* temporary table of text (``__row`` = the
spreadsheet row, ``c0 … c<n-1>`` = the file's columns in file order, all ``VARCHAR``) together with the header
it found; :func:`stage_raw` checks that header against the canonical table and creates ``stage_<table>``.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import duckdb
import numpy as np

from gistreg.core.issues import Issue, Severity
from gistreg.ingest.base import ColumnSpec, TableSpec, staging_name

#: Reader rule codes (``R..``) and what each means. The severity is given per issue; see the readers' docs.
READER_RULES: Mapping[str, str] = MappingProxyType({
    "R01": "The file's encoding: undecodable bytes, UTF-16/UTF-32 or binary content (error); a file mixing "
           "UTF-8 and Windows-1252 (warning); a file read as Windows-1252 (info).",
    "R02": "A required column of the canonical table is missing from the file (error).",
    "R03": "A column (or REDCap field) that is not part of the canonical table, or has no header: its values "
           "are not imported (warning).",
    "R04": "The same column appears more than once in the header (error; only the first is imported).",
    "R05": "A malformed row: wrong number of fields, a broken quoted value, a row longer than the limit "
           "(error; the row is not imported).",
    "R06": "A file, sheet or form that is not a canonical table was not read (info).",
    "R07": "Values normalised while reading: decimal commas turned into points in numeric columns, REDCap "
           "choice labels mapped to codes, REDCap dates turned into ISO dates (info).",
    "R08": "Two files, sheets or forms hold the same canonical table (error; only the first is read).",
    "R09": "A number whose format is ambiguous was left as written, e.g. 1.234 in a file with decimal commas "
           "(warning).",
    "R10": "A file that cannot be opened or parsed as its format, e.g. a corrupted workbook (error).",
    "R11": "An Excel date serial number that is not a date: serial 60 in the 1900 date system (the "
           "non-existent 29 February 1900), zero, negative or beyond 9999-12-31 (error).",
    "R12": "An identifier typed as a number in a workbook: leading zeros may have been lost (warning).",
    "R13": "An Excel error value such as #N/A or #REF! in a cell; it is read as empty (warning).",
    "R14": "Empty rows were skipped (info).",
    "R20": "The REDCap data dictionary cannot be used: unreadable, or without the field name, form name or "
           "field type column (error).",
    "R21": "A REDCap export column that the data dictionary does not describe (warning; not imported).",
    "R22": "A REDCap value that is neither a code nor a label of the field's choices (warning; kept as given).",
    "R23": "REDCap missing-data codes (NA, UNK, NASK, ASKU, NAV, NI, …) read as empty (info, count per column).",
    "R24": "A REDCap date that does not match the field's declared date format (warning; kept as given).",
    "R25": "REDCap administrative columns (<form>_complete, survey timestamps and identifiers) are not "
           "imported (info).",
    "R26": "A REDCap checkbox cell that is not 0/1 or Checked/Unchecked (warning; read as not ticked).",
    "R27": "The REDCap export's record structure: no record ID column, a row without a record ID, or a "
           "repeating instrument that is not in the data dictionary (error or warning).",
})

#: Detailed issues kept per (rule, file, column); further ones are counted in one summary issue.
ISSUE_CAP = 100

#: Longest value quoted in an issue.
VALUE_CHARS = 200

_COUNTER = itertools.count(1)


def temp_name(kind: str) -> str:
    """A fresh name for a scratch table in the caller's connection."""
    return f"__gistreg_{kind}_{next(_COUNTER)}"


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def clip(value: str | None) -> str | None:
    """``value`` shortened for an issue message (long cells are cut, with their length noted)."""
    if value is None or len(value) <= VALUE_CHARS:
        return value
    return f"{value[:VALUE_CHARS]}… ({len(value)} characters)"


def sha256_file(path: Path, *, chunk: int = 1 << 22) -> str:
    """Hex SHA-256 of the file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


class IssueSink:
    """Collects a reader's issues; row-level issues are capped per (rule, file, column) and summarised."""

    def __init__(self, *, cap: int = ISSUE_CAP) -> None:
        self._issues: list[Issue] = []
        self._cap = cap
        self._seen: Counter[tuple[str, str, str | None]] = Counter()
        self._first: dict[tuple[str, str, str | None], Issue] = {}

    def add(self, rule: str, severity: Severity, file: str, message: str, *, row: int | None = None,
            column: str | None = None, value: str | None = None, table: str = "",
            record_id: str | None = None) -> None:
        """Record one issue (row-level issues beyond the cap are only counted)."""
        issue = Issue(rule, severity, file, row, column, clip(value), message, table, record_id)
        if row is None:
            self._issues.append(issue)
            return
        key = (rule, file, column)
        self._seen[key] += 1
        self._first.setdefault(key, issue)
        if self._seen[key] <= self._cap:
            self._issues.append(issue)

    def extend(self, issues: Iterable[Issue]) -> None:
        """Add issues made elsewhere, uncapped."""
        self._issues.extend(issues)

    def issues(self) -> tuple[Issue, ...]:
        """Every issue, with one summary issue per capped (rule, file, column)."""
        out = list(self._issues)
        for key, n in self._seen.items():
            if n > self._cap:
                first = self._first[key]
                out.append(Issue(first.rule, first.severity, first.file, None, first.column, None,
                                 f"{n - self._cap} more rows with the same problem as row {first.row} "
                                 f"({first.message}) are not listed one by one", first.table))
        return tuple(out)


@dataclass(frozen=True, slots=True)
class RawTable:
    """Rows read from one source, before they are checked against a canonical table.

    ``name`` is a temporary table with ``__row BIGINT`` (spreadsheet row) and ``c0 … c<n-1> VARCHAR``, one per
    entry of ``header`` (the header cells as written, ``""`` for an empty cell).
    """

    name: str
    header: tuple[str, ...]


def raw_columns(n: int) -> list[str]:
    """Positional column names of a raw table with ``n`` columns."""
    return [f"c{i}" for i in range(n)]


def load_raw(con: duckdb.DuckDBPyConnection, header: Sequence[str], rows: Sequence[int],
             columns: Sequence[Sequence[str | None]], *, name: str | None = None, append: bool = False) -> RawTable:
    """Create (or append to) a raw table from Python values: ``rows[i]`` and ``columns[j][i]``."""
    table = name or temp_name("raw")
    data: dict[str, np.ndarray] = {"__row": np.asarray(rows, dtype=np.int64)}
    for j, col in enumerate(columns):
        arr = np.empty(len(col), dtype=object)
        arr[:] = col
        data[f"c{j}"] = arr
    view = temp_name("view")
    select = ", ".join(["CAST(__row AS BIGINT) AS __row",
                        *(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in raw_columns(len(header)))])
    con.register(view, data)
    try:
        if append:
            con.execute(f"INSERT INTO {quote(table)} SELECT {select} FROM {quote(view)}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {quote(table)} AS SELECT {select} FROM {quote(view)}")
    finally:
        con.unregister(view)
    return RawTable(table, tuple(header))


def drop(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """Drop scratch tables (missing ones are fine)."""
    for n in names:
        con.execute(f"DROP TABLE IF EXISTS {quote(n)}")


def drop_stale_stages(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> None:
    """Remove ``stage_<t>`` tables left by an earlier staging in this connection."""
    wanted = {staging_name(t) for t in tables}
    present = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                          "AND schema_name = current_schema() AND NOT temporary").fetchall()
    for (name,) in present:
        if name in wanted:
            con.execute(f"DROP TABLE IF EXISTS {quote(name)}")


def normalise_header(cell: str) -> str:
    """Header cell → the name it is matched on: spaces, a byte-order mark and case do not matter."""
    return cell.replace("\ufeff", "").strip().lower()


def is_identifier(spec: TableSpec, col: ColumnSpec) -> bool:
    """Whether a column holds an identifier (text that must keep leading zeros)."""
    return col.type == "text" and (col.name in spec.primary_key or col.name.endswith("_id"))


def create_empty_stage(con: duckdb.DuckDBPyConnection, spec: TableSpec, *,
                       columns: Iterable[str] | None = None) -> None:
    """Create ``stage_<table>`` with no rows (all canonical columns, or only ``columns``)."""
    names = list(columns) if columns is not None else [c.name for c in spec.columns]
    cols = ", ".join([*(f"{quote(c)} VARCHAR" for c in names), "source_file VARCHAR", "source_row BIGINT"])
    con.execute(f"CREATE OR REPLACE TABLE {quote(staging_name(spec.name))} ({cols})")


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Canonical column → raw column index, and the raw columns that are not imported."""

    index: Mapping[str, int]
    unnamed: tuple[int, ...]


def map_header(spec: TableSpec, header: Sequence[str], *, file: str, sink: IssueSink) -> HeaderMap:
    """Match header cells to the canonical columns; report duplicates (R04), unknown (R03), missing (R02)."""
    canonical = [c.name for c in spec.columns]
    expected = ", ".join(canonical)
    index: dict[str, int] = {}
    seen: dict[str, int] = {}
    unnamed: list[int] = []
    for i, cell in enumerate(header):
        key = normalise_header(cell)
        if not key:
            unnamed.append(i)
            continue
        if key in seen:
            sink.add("R04", "error", file, f"column {cell.strip()!r} appears more than once in the header "
                     f"(positions {seen[key] + 1} and {i + 1}); only the first is imported",
                     column=cell.strip(), table=spec.name)
            continue
        seen[key] = i
        if key in canonical:
            index[key] = i
        else:
            sink.add("R03", "warning", file, f"column {cell.strip()!r} is not a column of table {spec.name}; its "
                     f"values are not imported (expected columns: {expected})", column=cell.strip(),
                     table=spec.name)
    for col in spec.columns:
        if col.required and col.name not in index:
            sink.add("R02", "error", file, f"required column {col.name!r} of table {spec.name} is missing "
                     f"(expected columns: {expected})", column=col.name, table=spec.name)
    return HeaderMap(MappingProxyType(index), tuple(unnamed))


_DECIMAL_COMMA = r"\s*[+-]?[0-9]*,[0-9]+\s*"
_DOT_NUMBER = r"\s*[+-]?[0-9]{1,3}(\.[0-9]{3})+\s*"


def _numeric_notes(con: duckdb.DuckDBPyConnection, spec: TableSpec, raw: RawTable, hm: HeaderMap, *,
                   file: str, sink: IssueSink) -> set[str]:
    """Columns whose decimal commas are converted (R07), with a warning for ambiguous dotted numbers (R09)."""
    numeric = [c.name for c in spec.columns if c.type in ("int", "float") and c.name in hm.index]
    if not numeric:
        return set()
    parts = []
    for name in numeric:
        c = quote(f"c{hm.index[name]}")
        parts.append(f"count(*) FILTER (WHERE regexp_full_match({c}, {lit(_DECIMAL_COMMA)}))")
        parts.append(f"count(*) FILTER (WHERE regexp_full_match({c}, {lit(_DOT_NUMBER)}))")
    row = con.execute(f"SELECT {', '.join(parts)} FROM {quote(raw.name)}").fetchone()
    counts = list(row) if row else [0] * len(parts)
    commas = {n: int(counts[2 * i]) for i, n in enumerate(numeric)}
    dots = {n: int(counts[2 * i + 1]) for i, n in enumerate(numeric)}
    converted = {n for n, k in commas.items() if k}
    if converted:
        detail = ", ".join(f"{n} ({commas[n]} values)" for n in sorted(converted))
        sink.add("R07", "info", file, f"decimal commas read as decimal points in {detail}", table=spec.name)
        for n in sorted(n for n, k in dots.items() if k):
            sink.add("R09", "warning", file, f"{dots[n]} values in column {n!r} look like 1.234 in a file that "
                     "uses decimal commas: the point may be a thousands separator; left as written",
                     column=n, table=spec.name)
    return converted


def _unnamed_with_data(con: duckdb.DuckDBPyConnection, raw: RawTable, hm: HeaderMap, *, file: str,
                       sink: IssueSink, table: str, label: str) -> None:
    if not hm.unnamed:
        return
    parts = ", ".join(f"count({quote(f'c{i}')})" for i in hm.unnamed)
    row = con.execute(f"SELECT {parts} FROM {quote(raw.name)}").fetchone()
    for i, n in zip(hm.unnamed, row or (), strict=False):
        if n:
            sink.add("R03", "warning", file, f"{label} {_position(i)} has no header (an empty or merged header "
                     f"cell) but {n} values; they are not imported", column=_position(i), table=table)


def _position(i: int) -> str:
    """Spreadsheet column letter of 0-based position ``i`` (A, B, …, Z, AA, …)."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def stage_raw(con: duckdb.DuckDBPyConnection, spec: TableSpec, raw: RawTable, *, file: str, sink: IssueSink,
              decimal_comma: bool = False) -> int:
    """Create ``stage_<table>`` from ``raw``; returns the number of rows staged.

    Canonical columns present in the header are copied as text; optional columns absent from it are added as
    ``NULL``; a required column absent from it is left out (and reported, R02). Rows whose every cell is empty
    are skipped (R14). With ``decimal_comma`` (a ``;``- or tab-separated file), decimal commas in numeric
    columns become points (R07).
    """
    hm = map_header(spec, raw.header, file=file, sink=sink)
    _unnamed_with_data(con, raw, hm, file=file, sink=sink, table=spec.name, label="column")
    converted = _numeric_notes(con, spec, raw, hm, file=file, sink=sink) if decimal_comma else set()
    exprs: list[str] = []
    for col in spec.columns:
        if col.name in hm.index:
            c = quote(f"c{hm.index[col.name]}")
            if col.name in converted:
                c = f"CASE WHEN regexp_full_match({c}, {lit(_DECIMAL_COMMA)}) THEN replace({c}, ',', '.') ELSE {c} END"
            exprs.append(f"{c} AS {quote(col.name)}")
        elif not col.required:
            exprs.append(f"CAST(NULL AS VARCHAR) AS {quote(col.name)}")
    exprs += [f"CAST({lit(file)} AS VARCHAR) AS source_file", "CAST(__row AS BIGINT) AS source_row"]
    data_cols = raw_columns(len(raw.header))
    empty = f"coalesce({', '.join(quote(c) for c in data_cols)}) IS NULL" if data_cols else "true"
    src = quote(raw.name)
    blank = con.execute(f"SELECT count(*), list(__row ORDER BY __row)[1:5] FROM {src} WHERE {empty}").fetchone()
    where = ""
    if blank and blank[0]:
        rows = ", ".join(str(r) for r in blank[1])
        more = " …" if blank[0] > 5 else ""
        sink.add("R14", "info", file, f"{blank[0]} empty rows skipped (rows {rows}{more})", table=spec.name)
        where = f" WHERE NOT ({empty})"
    target = quote(staging_name(spec.name))
    con.execute(f"CREATE OR REPLACE TABLE {target} AS SELECT {', '.join(exprs)} FROM {src}{where}")
    n = con.execute(f"SELECT count(*) FROM {target}").fetchone()
    return int(n[0]) if n else 0


def table_for_name(stem: str, tables: Mapping[str, TableSpec]) -> str | None:
    """The canonical table a file/sheet name stands for (case and surrounding spaces ignored)."""
    key = stem.strip().lower()
    return key if key in tables else None


def close_match(stem: str, tables: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when ``stem`` is close to a table name, else ``""``."""
    import difflib

    m = difflib.get_close_matches(stem.strip().lower(), list(tables), n=1, cutoff=0.75)
    return f" (did you mean {m[0]!r}?)" if m else ""


__all__ = [
    "ISSUE_CAP",
    "READER_RULES",
    "HeaderMap",
    "IssueSink",
    "RawTable",
    "clip",
    "close_match",
    "create_empty_stage",
    "drop",
    "drop_stale_stages",
    "is_identifier",
    "lit",
    "load_raw",
    "map_header",
    "normalise_header",
    "quote",
    "raw_columns",
    "sha256_file",
    "stage_raw",
    "table_for_name",
    "temp_name",
]
