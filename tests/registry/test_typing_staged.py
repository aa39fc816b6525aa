"""Typing of staged text tables: types, partial dates, codes, and the typing issues (T01–T04, C01, D09)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pytest

from gistreg.core.issues import Issue
from gistreg.ingest.base import StagedExport
from gistreg.registry.ddl import SQL_TYPES
from gistreg.registry.schema import TABLES
from gistreg.registry.typing import type_tables
from gistreg.registry.validate import validate_staged


def _load_fixtures() -> ModuleType:
    """``fixtures/exports.py`` (tests are imported by path, so the fixtures are too), once per process."""
    name = "gistreg_registry_test_exports"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "fixtures" / "exports.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


fx = _load_fixtures()


@dataclass(frozen=True)
class Variant:
    """One value typed on the first row of ``table`` of its own patient."""

    id: str
    table: str
    values: dict[str, Any]
    column: str
    typed: Any
    rule: str | None = None
    issue_column: str | None = None
    message: str | None = None
    also: tuple[str, Any] | None = None  # another column of the row and its expected typed value


D = dt.date
_DATES = [
    Variant("year", "patients", {"birth_date": "1950"}, "birth_date", D(1950, 7, 1),
            also=("birth_date_precision", "Y")),
    Variant("month", "patients", {"birth_date": "1950-03"}, "birth_date", D(1950, 3, 15),
            also=("birth_date_precision", "M")),
    Variant("day", "patients", {"birth_date": "1950-03-02"}, "birth_date", D(1950, 3, 2),
            also=("birth_date_precision", "D")),
    Variant("spaces", "patients", {"birth_date": " 1950-03-02 "}, "birth_date", D(1950, 3, 2)),
    Variant("midnight", "patients", {"birth_date": "1950-03-02 00:00:00"}, "birth_date", D(1950, 3, 2)),
    Variant("empty", "patients", {"birth_date": None}, "birth_date", None, also=("birth_date_precision", None)),
    Variant("full-date-keeps-precision", "patients", {"birth_date": "1950-07-01", "birth_date_precision": "Y"},
            "birth_date_precision", "Y"),
    Variant("precision-follows-format", "patients", {"birth_date": "1950", "birth_date_precision": "M"},
            "birth_date_precision", "Y", rule="D09"),
    Variant("invalid-month-with-precision", "patients", {"birth_date": "1950-13", "birth_date_precision": "M"},
            "birth_date", None, rule="T01", also=("birth_date_precision", None)),
    Variant("invalid-day", "drug_exposures", {"stop_date": "2019-02-30"}, "stop_date", None, rule="T01",
            message="2019-02-30 is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)",
            also=("stop_date_precision", None)),
    Variant("partial-without-precision", "tumour_assessments", {"exam_date": "2019-06"}, "exam_date", None,
            rule="T01", message="2019-06 is not a valid date (expected YYYY-MM-DD)"),
    *(Variant(f"malformed-{t}", "patients", {"birth_date": t}, "birth_date", None, rule="T01")
      for t in ("2019-2-3", "2019/02/03", "03-02-2019", "20190203", "2019-02-03T10:00", "2019-13", "19", "today")),
]
_NUMBERS = [
    *(Variant(f"float-{t.strip()}", "diagnoses", {"size_mm": t}, "size_mm", float(t))
      for t in ("60", "60.5", "1e2", " 12 ", "+5", ".5")),
    *(Variant(f"float-bad-{t}", "diagnoses", {"size_mm": t}, "size_mm", None, rule="T02",
              message=f"{t} is not a number (expected a decimal number with a point, e.g. 12.5)")
      for t in ("6O", "1,5", "nan", "inf", "1_000", "1 000", "0x1A")),
    Variant("int", "performance_status", {"value": "3"}, "value", 3),
    Variant("int-point-zero", "performance_status", {"value": "3.0"}, "value", 3),
    Variant("int-fraction", "performance_status", {"value": "3.5"}, "value", None, rule="T02",
            message="3.5 is not a whole number (expected an integer, e.g. 3)"),
    Variant("int-word", "performance_status", {"value": "three"}, "value", None, rule="T02"),
]
_BOOLS = [
    *(Variant(f"bool-{t}", "tumour_assessments", {"is_baseline": t}, "is_baseline", v)
      for t, v in (("true", True), ("YES", True), ("1", True), ("False", False), ("no", False), ("0", False))),
    Variant("bool-bad", "tumour_assessments", {"is_baseline": "maybe"}, "is_baseline", None, rule="T03",
            message="maybe is not a yes/no value (expected true/false, yes/no or 1/0)"),
]
_CODES = [
    *(Variant(f"code-{c}-{t.strip()}", "drug_exposures", {c: t}, c, code)
      for c, t, code in (("agent", "Glivec", "imatinib"), ("agent", "L01XE01", "imatinib"),
                         ("agent", " SUTENT ", "sunitinib"), ("setting", "Palliative", "palliative"),
                         ("setting", "Palliative (advanced disease)", "palliative"), ("schedule", "qd", "daily"),
                         ("stop_reason", "intolerance", "toxicity"))),
    Variant("code-unknown", "drug_exposures", {"agent": "aspirin"}, "agent", None, rule="C01"),
    Variant("code-short-list", "patients", {"sex": "X"}, "sex", None, rule="C01",
            message="X is not a known sex code (allowed: M, F, U; synonyms are mapped)"),
    Variant("ctcae-v3", "adverse_events", {"term": "anaemia", "ctcae_version": "3"}, "term", "Hemoglobin",
            also=("ctcae_version", "3.0")),
    Variant("ctcae-v5", "adverse_events", {"term": "Anaemia", "ctcae_version": "5.0"}, "term", "Anemia"),
    Variant("ctcae-unknown-kept", "adverse_events", {"term": "Headache pain"}, "term", "Headache pain"),
    Variant("required-blank", "patients", {"sex": "  "}, "sex", None, rule="T04",
            message="missing value (the column is required)"),
]
VARIANTS = (*_DATES, *_NUMBERS, *_BOOLS, *_CODES)


@pytest.fixture(scope="module")
def typed() -> tuple[duckdb.DuckDBPyConnection, tuple[Issue, ...], dict[str, tuple[str, int]]]:
    """Type one export holding every variant (one patient each): connection, issues, variant → (key, row)."""
    parts = []
    for k, v in enumerate(VARIANTS):
        rows = fx.patient_rows(k)
        rows[v.table][0].update(v.values)
        parts.append(rows)
    rows, offsets = fx.combine(parts)
    where = {}
    for k, v in enumerate(VARIANTS):
        i = offsets[k][v.table]
        where[v.id] = (rows[v.table][i][TABLES[v.table].primary_key[0]], i + 2)
    con = duckdb.connect()
    staged = fx.stage_rows(con, rows)
    return con, type_tables(con, staged.tables).issues, where


def test_variant_ids_are_unique() -> None:
    assert len({v.id for v in VARIANTS}) == len(VARIANTS)


@pytest.mark.parametrize("v", VARIANTS, ids=lambda v: v.id)
def test_typing(v: Variant, typed: tuple[duckdb.DuckDBPyConnection, tuple[Issue, ...], dict[str, tuple[str, int]]]
                ) -> None:
    con, issues, where = typed
    key, row = where[v.id]
    pk = TABLES[v.table].primary_key[0]
    cols = [v.column] + ([v.also[0]] if v.also else [])
    got = con.execute(f"SELECT {', '.join(cols)} FROM typed_{v.table} WHERE {pk} = ?", [key]).fetchone()
    assert got == (v.typed, *([v.also[1]] if v.also else []))
    at_row = [i for i in issues if (i.file, i.row) == (f"{v.table}.csv", row)]
    if v.rule is None:
        assert at_row == []
    else:
        column = v.issue_column or (f"{v.column}" if v.rule != "D09" else "birth_date_precision")
        (issue,) = at_row
        assert (issue.rule, issue.column, issue.table, issue.record_id) == (v.rule, column, v.table, key)
        if v.message is not None:
            assert issue.message == v.message


def test_date_error_reads_exactly() -> None:
    con = duckdb.connect()
    staged = fx.stage_rows(con, fx.modified(fx.clean_rows(1), "drug_exposures", 0, stop_date="2019-02-30"))
    (issue,) = type_tables(con, staged.tables).issues
    assert str(issue) == ("[T01 error] drug_exposures.csv row 2, column stop_date: 2019-02-30 is not a valid date "
                          "(expected YYYY-MM-DD, YYYY-MM or YYYY)")
    assert (issue.severity, issue.table, issue.value, issue.record_id) == ("error", "drug_exposures", "2019-02-30",
                                                                           "E0a")


def test_unknown_code_lists_the_first_ten_allowed_codes() -> None:
    con = duckdb.connect()
    staged = fx.stage_rows(con, fx.modified(fx.clean_rows(1), "drug_exposures", 0, agent="aspirin"))
    (issue,) = type_tables(con, staged.tables).issues
    assert issue.message == ("aspirin is not a known agent code (allowed: imatinib, sunitinib, regorafenib, "
                             "ripretinib, avapritinib, nilotinib, sorafenib, pazopanib, dasatinib, masitinib, …; "
                             "synonyms are mapped)")


def test_typed_tables_have_the_schema_types_for_every_table() -> None:
    con = duckdb.connect()
    type_tables(con, fx.stage_rows(con, {"patients": fx.clean_rows(1)["patients"]}).tables)
    for name, table in TABLES.items():
        got = dict(con.execute(f'SELECT column_name, data_type FROM information_schema.columns '
                               f"WHERE table_name = 'typed_{name}'").fetchall())
        expected = {c.name: SQL_TYPES[c.type] for c in table.columns}
        expected |= {"source_file": "VARCHAR", "source_row": "BIGINT"}
        assert got == expected, name
    assert con.execute("SELECT count(*) FROM typed_drug_exposures").fetchone() == (0,)  # not staged: empty
    assert con.execute("SELECT source_file, source_row FROM typed_patients").fetchone() == ("patients.csv", 2)


def test_missing_required_column_is_one_issue_not_one_per_row() -> None:
    con = duckdb.connect()
    fx.stage_rows(con, fx.clean_rows(3))
    con.execute('ALTER TABLE stage_patients DROP COLUMN "sex"')
    issues = type_tables(con, ["patients"]).issues
    assert [(i.rule, i.file, i.row, i.column) for i in issues] == [("T04", "patients.csv", None, "sex")]


def test_staged_issues_are_merged_into_the_report() -> None:
    con = duckdb.connect()
    staged = fx.stage_rows(con, fx.clean_rows(2))
    reader_issue = Issue("R01", "error", "extra.csv", None, None, None, "unknown file", "")
    staged = StagedExport(staged.row_counts, staged.files, (reader_issue,))
    report = validate_staged(con, staged, cutoff=fx.CUTOFF, today=fx.TODAY)
    assert reader_issue in report.issues
    assert not report.ok
