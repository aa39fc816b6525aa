"""Reader of a REDCap flat export (CSV) with the project's data dictionary (CSV).

How a REDCap project maps to the canonical tables (``docs/import-redcap.md`` has the full guide):

- **Instrument = table, field = column.** A field of the instrument (form) named after a canonical table
  holds that table's column of the same name: field ``sex`` on form ``patients`` is ``patients.sex``.
  Because REDCap field names are unique in a project, a column name that several tables share is written
  ``<table>__<column>`` (two underscores), which works on any instrument: ``drug_exposures__start_date``.
  Fields that map to no canonical column are not imported (R21, warning, once per export column).
- **Record = patient.** The record ID (the dictionary's first field) is ``patient_id`` in every table. The
  data access group (``redcap_data_access_group``, unique group name in a raw export) is ``patients.site_id``
  unless the patients form has a ``site_id`` field with a value.
- **Rows.** A non-repeating instrument gives one row per record (per event in a longitudinal project) when
  any of its mapped fields has a value; a repeating instrument (``redcap_repeat_instrument``) gives one row
  per instance. When a table's identifier column (``exposure_id``, ``ae_id``, …) has no field, it is
  generated as ``<record_id>-<instrument>-<instance>`` (``<record_id>-<event>-<instrument>-<instance>`` in a
  longitudinal project; instance 1 for a non-repeating instrument).
- **Checkboxes.** A checkbox field mapped to a column (``site`` on form ``metastases``, exported as
  ``site___liver``, ``site___lung`` … with 0/1) gives one row per ticked choice, the column holding the
  choice's code; generated identifiers get ``-<code>`` appended. One checkbox field per table.
- **Raw or label exports.** A choice value is staged as its raw code whether the cell holds the code or the
  choice's label (R07 counts the labels mapped; a value that is neither is R22). When a field's raw codes
  are not canonical codes (``1, Male | 2, Female``) but its labels are, the label is staged instead so the
  registry can map it. Checkbox cells may be ``0``/``1`` or ``Unchecked``/``Checked`` (else R26). A label
  export's header (field labels, ``Label (choice=Choice)``) is understood too.
- **Dates.** For ``date_dmy``/``date_mdy``/``date_ymd`` (and ``datetime_…``) fields, ISO dates are kept and
  dates written in the declared order (``31-12-2020`` for ``date_dmy``) become ISO (R07); a date in neither
  form is kept as written (R24).
- **Missing-data codes** (``NA``, ``UNK``, ``NASK``, ``ASKU``, ``NAV``, ``NI`` … — see
  :data:`DEFAULT_MISSING_CODES`) become ``NULL`` unless they are a choice code of the field (R23, info,
  count per column).
- ``<form>_complete`` and survey columns are not imported (R25, info, once).

``source_file`` is the export's file name and ``source_row`` its spreadsheet row (rows expanded from
checkboxes share it). Both files are listed in :attr:`StagedExport.files` with their SHA-256.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from gistreg.core.errors import InputError
from gistreg.core.vocab import VOCABULARIES
from gistreg.ingest._common import IssueSink, drop, drop_stale_stages, load_raw, quote, stage_raw
from gistreg.ingest._delimited import read_delimited
from gistreg.ingest._redcap_dict import (
    DEFAULT_MISSING_CODES,
    Dictionary,
    Field,
    Role,
    date_order,
    instrument_name,
    iso_date,
    parse_dictionary,
    resolve_header,
)
from gistreg.ingest.base import SourceFile, StagedExport, TableSpec

_TICKED = frozenset({"1", "checked"})
_UNTICKED = frozenset({"0", "unchecked", ""})

Record = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class _Target:
    table: str
    column: str


class RedcapReader:
    """Reads a REDCap flat export with its data dictionary.

    Parameters
    ----------
    path
        The export (CSV, raw or label values).
    dictionary
        The project's data dictionary (CSV as downloaded from REDCap, or an API metadata export).
    tables
        The canonical schema: table name → table (``gistreg.registry.schema.TABLES``).
    missing_codes
        Values read as empty (the project's missing-data codes).
    """

    def __init__(self, path: str | os.PathLike[str], *, dictionary: str | os.PathLike[str],
                 tables: Mapping[str, TableSpec], missing_codes: Collection[str] = DEFAULT_MISSING_CODES) -> None:
        self.path = Path(path)
        self.dictionary = Path(dictionary)
        self.tables = tables
        self.missing_codes = frozenset(missing_codes)
        self._check()

    def _check(self) -> None:
        for p, what in ((self.path, "REDCap export"), (self.dictionary, "REDCap data dictionary")):
            if not p.is_file():
                raise InputError(f"{p}: no such {what} file")

    def stage(self, con: duckdb.DuckDBPyConnection) -> StagedExport:
        """Create ``stage_<table>`` for every table the project's instruments map to."""
        self._check()
        sink = IssueSink()
        drop_stale_stages(con, self.tables)
        with tempfile.TemporaryDirectory(prefix="gistreg-redcap-") as work:
            dict_read = read_delimited(con, self.dictionary, file=self.dictionary.name, sink=sink, workdir=Path(work))
            export = read_delimited(con, self.path, file=self.path.name, sink=sink, workdir=Path(work))
        dict_rows = _fetch(con, dict_read.raw)
        rows = _fetch(con, export.raw)
        dict_header = dict_read.raw.header if dict_read.raw else ()
        header = export.raw.header if export.raw else ()
        d = parse_dictionary(dict_header, dict_rows, file=self.dictionary.name, sink=sink)
        counts: dict[str, int] = {}
        if d is not None and header:
            builder = _Builder(d, self.tables, header, self.missing_codes, self.path.name, sink)
            for row in rows:
                builder.add(row)
            counts = builder.stage(con)
        files = (SourceFile(self.path.name, export.sha256, "redcap", tuple(counts), sum(counts.values())),
                 SourceFile(self.dictionary.name, dict_read.sha256, "redcap", (), 0))
        return StagedExport(counts, files, sink.issues())


def _fetch(con: duckdb.DuckDBPyConnection, raw: object) -> list[Record]:
    name = getattr(raw, "name", None)
    if name is None:
        return []
    try:
        return [tuple(r) for r in con.execute(f"SELECT * FROM {quote(name)} ORDER BY __row").fetchall()]
    finally:
        drop(con, name)


def _columns_of(spec: TableSpec) -> list[str]:
    return [c.name for c in spec.columns]


@dataclass
class _Builder:
    """Turns export rows into canonical rows, table by table."""

    d: Dictionary
    tables: Mapping[str, TableSpec]
    header: Sequence[str]
    missing_codes: frozenset[str]
    file: str
    sink: IssueSink
    roles: list[Role] = field(init=False)
    targets: dict[str, _Target] = field(init=False)
    out: dict[str, list[tuple[int, dict[str, str | None]]]] = field(default_factory=dict)
    _missing: Counter[tuple[str, str]] = field(default_factory=Counter)
    _labels: Counter[tuple[str, str]] = field(default_factory=Counter)
    _dates: Counter[tuple[str, str]] = field(default_factory=Counter)
    _instruments: Counter[str] = field(default_factory=Counter)
    _stage_label: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.roles = resolve_header(self.header, self.d)
        self.targets = self._map_fields()
        self._col: dict[str, int] = {}
        for i, r in enumerate(self.roles):
            if r.kind in ("record", "event", "instrument", "instance", "dag"):
                self._col.setdefault(r.kind, i)
        for t in {t.table for t in self.targets.values()}:
            self.out[t] = []
        admin = [h for h, r in zip(self.header, self.roles, strict=True) if r.kind == "admin"]
        if admin:
            self.sink.add("R25", "info", self.file, f"{len(admin)} REDCap administrative columns are not imported: "
                          + ", ".join(dict.fromkeys(admin)))
        if "record" not in self._col:
            self.sink.add("R27", "error", self.file, f"the export has no record ID column ({self.d.record_id!r}, the "
                          "data dictionary's first field); nothing was read from it")

    def _map_fields(self) -> dict[str, _Target]:
        """Field → canonical column, for the fields present in the export (R21 for the others)."""
        targets: dict[str, _Target] = {}
        checkbox_of: dict[str, str] = {}
        seen: set[str] = set()
        for cell, role in zip(self.header, self.roles, strict=True):
            if role.kind == "unknown":
                self.sink.add("R21", "warning", self.file, f"column {cell!r} is not described by the data dictionary; "
                              "not imported", column=cell)
            if role.kind not in ("field", "checkbox") or role.field in seen:
                continue
            seen.add(role.field)
            f = self.d.fields[role.field]
            target = self._target(f)
            problem = self._unusable(f, target, checkbox_of)
            if target is None or problem is not None:
                if problem:
                    self.sink.add("R21", "warning", self.file, f"field {f.name!r} (form {f.form!r}) {problem}; not "
                                  "imported", column=f.name)
                continue
            targets[f.name] = target
            if f.type == "checkbox":
                checkbox_of[target.table] = f.name
        return targets

    def _target(self, f: Field) -> _Target | None:
        prefix, sep, rest = f.name.partition("__")
        if sep and prefix in self.tables and rest in _columns_of(self.tables[prefix]):
            return _Target(prefix, rest)
        if f.form in self.tables and f.name in _columns_of(self.tables[f.form]):
            return _Target(f.form, f.name)
        return None

    def _unusable(self, f: Field, target: _Target | None, checkbox_of: dict[str, str]) -> str | None:
        if f.name == self.d.record_id:
            return None
        if target is None:
            return "matches no canonical column (name it <column> on form <table>, or <table>__<column>)"
        if target.column == self.tables[target.table].patient_column:
            return "names the patient, which is the record ID"
        if f.type == "checkbox" and checkbox_of.get(target.table, f.name) != f.name:
            return f"is a second checkbox field of table {target.table} (one per table is expanded into rows)"
        return None

    # ------------------------------------------------------------------------------------------- rows

    def _cell(self, row: Record, kind: str) -> str:
        i = self._col.get(kind)
        value = row[i + 1] if i is not None else None
        return "" if value is None else str(value).strip()

    def add(self, row: Record) -> None:
        """Turn one export row into rows of the tables its instrument maps to."""
        if "record" not in self._col:
            return
        number = int(str(row[0]))
        record = self._cell(row, "record")
        if not record:
            self.sink.add("R27", "error", self.file, "the row has no record ID; not imported", row=number)
            return
        scope = None
        raw_instrument = self._cell(row, "instrument")
        if raw_instrument:
            scope = instrument_name(raw_instrument, self.d.forms)
            if scope is None:
                self._instruments[raw_instrument] += 1
                return
        values: dict[str, dict[str, str | None]] = {}
        ticks: dict[str, tuple[str, list[str]]] = {}
        forms: dict[str, str] = {}
        for i, role in enumerate(self.roles):
            target = self.targets.get(role.field) if role.kind in ("field", "checkbox") else None
            if target is None:
                continue
            f = self.d.fields[role.field]
            if scope is not None and f.form != scope:
                continue
            cell = row[i + 1]
            text = None if cell is None else str(cell)
            forms.setdefault(target.table, f.form)
            if role.kind == "checkbox":
                codes = ticks.setdefault(target.table, (target.column, []))[1]
                if self._ticked(text, f, number):
                    codes.append(role.code)
            else:
                values.setdefault(target.table, {})[target.column] = self._value(f, target, text, number)
        for table in dict.fromkeys([*values, *ticks]):
            self._emit(table, record, scope or forms[table], row, number, values.get(table, {}), ticks.get(table))

    def _emit(self, table: str, record: str, form: str, row: Record, number: int, values: dict[str, str | None],
              ticks: tuple[str, list[str]] | None) -> None:
        if not any(v is not None for v in values.values()) and not (ticks and ticks[1]):
            return
        spec = self.tables[table]
        base = dict(values)
        if spec.patient_column:
            base[spec.patient_column] = record
        if "dag" in self._col and spec.patient_column and "site_id" in _columns_of(spec) and not base.get("site_id"):
            base["site_id"] = self._cell(row, "dag") or None
        generated = self._generated_id(spec)
        event, instance = self._cell(row, "event"), self._cell(row, "instance") or "1"
        row_id = "-".join([record, *([event] if event else []), form, instance])
        if ticks is None or not ticks[1]:
            if ticks is not None:
                base[ticks[0]] = None
            if generated:
                base[generated] = row_id
            self.out[table].append((number, base))
            return
        column, codes = ticks
        for code in codes:
            one = dict(base)
            one[column] = code
            if generated:
                one[generated] = f"{row_id}-{code}"
            self.out[table].append((number, one))

    def _generated_id(self, spec: TableSpec) -> str | None:
        keys = [k for k in spec.primary_key if k != spec.patient_column]
        if len(keys) != 1:
            return None
        mapped = {t.column for t in self.targets.values() if t.table == spec.name}
        return keys[0] if keys[0] not in mapped else None

    def _ticked(self, text: str | None, f: Field, row: int) -> bool:
        value = (text or "").strip()
        if value.lower() in _TICKED:
            return True
        if value.lower() in _UNTICKED or value in self.missing_codes:
            return False
        self.sink.add("R26", "warning", self.file, "a checkbox cell must be 0/1 or Unchecked/Checked; read as not "
                      "ticked", row=row, column=f.name, value=value)
        return False

    def _value(self, f: Field, target: _Target, text: str | None, row: int) -> str | None:
        if text is None or text == "":
            return None
        key = (target.table, target.column)
        if text.strip() in self.missing_codes and f.code_for(text) is None:
            self._missing[key] += 1
            return None
        if f.choices:
            got = f.code_for(text)
            if got is None:
                self.sink.add("R22", "warning", self.file, f"{text!r} is neither a code nor a label of field "
                              f"{f.name!r} (choices: {_choices_text(f)}); kept as given", row=row, column=f.name,
                              value=text, table=target.table)
                return text
            code, was_label = got
            if self._label_staged(f, target):
                return f.choices[code]
            self._labels[key] += was_label
            return code
        order = date_order(f.validation)
        if order is not None:
            iso = iso_date(text, order)
            if iso is None:
                self.sink.add("R24", "warning", self.file, f"{text!r} is not a date in the field's format "
                              f"({f.validation}); kept as given", row=row, column=f.name, value=text,
                              table=target.table)
                return text
            self._dates[key] += iso[1]
            return iso[0]
        return text

    def _label_staged(self, f: Field, target: _Target) -> bool:
        """Whether the field's labels, not its raw codes, are the canonical codes (decided once per field)."""
        if f.name not in self._stage_label:
            col = next(c for c in self.tables[target.table].columns if c.name == target.column)
            vocab = VOCABULARIES.get(col.vocab or "")
            use = False
            if vocab is not None:
                raw_ok = all(vocab.normalise(c) is not None for c in f.choices)
                labels_ok = all(vocab.normalise(v) is not None for v in f.choices.values())
                use = not raw_ok and labels_ok
            self._stage_label[f.name] = use
        return self._stage_label[f.name]

    # ------------------------------------------------------------------------------------------ stage

    def _notes(self) -> None:
        for name in sorted(n for n, use in self._stage_label.items() if use):
            f = self.d.fields[name]
            self.sink.add("R07", "info", self.file, f"field {name!r} is staged as its choice labels, not its raw codes "
                          f"({', '.join(list(f.choices)[:5])}…), because the labels are the canonical codes",
                          column=name, table=self.targets[name].table)
        for name, n in self._instruments.items():
            self.sink.add("R27", "warning", self.file, f"{n} rows of repeating instrument {name!r}, which the data "
                          "dictionary does not have; not imported", value=name)
        for counter, what in ((self._missing, "missing-data codes read as empty"),
                              (self._labels, "choice labels read as their codes"),
                              (self._dates, "dates turned into ISO dates (YYYY-MM-DD)")):
            rule = "R23" if counter is self._missing else "R07"
            for (table, column), n in sorted(counter.items()):
                if n:
                    self.sink.add(rule, "info", self.file, f"{n} {what} in {table}.{column}", column=column,
                                  table=table)

    def stage(self, con: duckdb.DuckDBPyConnection) -> dict[str, int]:
        """Create the staging tables; returns rows staged per table."""
        self._notes()
        counts: dict[str, int] = {}
        for table, rows in self.out.items():
            spec = self.tables[table]
            present = {c for _, r in rows for c in r} | {t.column for t in self.targets.values() if t.table == table}
            if spec.patient_column:
                present.add(spec.patient_column)
            if (gen := self._generated_id(spec)) is not None:
                present.add(gen)
            header = [c for c in _columns_of(spec) if c in present]
            raw = load_raw(con, header, [n for n, _ in rows], [[r.get(c) for _, r in rows] for c in header])
            try:
                counts[table] = stage_raw(con, spec, raw, file=self.file, sink=self.sink)
            finally:
                drop(con, raw.name)
        return counts


def _choices_text(f: Field) -> str:
    items = [f"{c} = {label}" for c, label in f.choices.items()]
    return "; ".join(items[:8]) + (" …" if len(items) > 8 else "")


__all__ = ["DEFAULT_MISSING_CODES", "RedcapReader"]
