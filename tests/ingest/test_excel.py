"""The Excel workbook reader: cells as displayed, serial dates in both date systems, sheet and header issues."""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.utils.datetime import MAC_EPOCH

from gistreg.core.errors import InputError
from gistreg.ingest.base import StagedExport, TableSpec
from gistreg.ingest.csv_folder import CsvFolderReader
from gistreg.ingest.excel import ExcelReader

Fetch = Callable[[duckdb.DuckDBPyConnection, str], list[dict[str, object]]]


def _book(path: Path, sheets: dict[str, list[list[object]]], *, date1904: bool = False,
          formats: dict[tuple[str, str], str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = MAC_EPOCH
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        for (sheet, cell), fmt in (formats or {}).items():
            if sheet == title:
                ws[cell].number_format = fmt
    wb.save(path)
    return path


def _stage(path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec]) -> StagedExport:
    return ExcelReader(path, tables=tables).stage(con)


def _typed(value: str, kind: str) -> object:
    """A CSV cell as a person would have typed it into Excel."""
    if value == "":
        return None
    if kind in ("int", "float"):
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "date" and len(value) == 10:
        return datetime.fromisoformat(value)
    return value


def test_workbook_reads_like_the_canonical_folder(data_dir: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                  tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    folder = data_dir / "canonical"
    sheets: dict[str, list[list[object]]] = {}
    for path in sorted(folder.glob("*.csv")):
        kinds = {c.name: c.type for c in tables[path.stem].columns}
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        sheets[path.stem] = [rows[0], *([_typed(v, kinds[h]) for h, v in zip(rows[0], r, strict=True)]
                                        for r in rows[1:])]
    book = _book(tmp_path / "registry.xlsx", sheets)
    staged = _stage(book, con, tables)
    want = duckdb.connect()
    CsvFolderReader(folder, tables=tables).stage(want)
    assert [i for i in staged.issues if i.severity != "info"] == []
    for table in sheets:
        got = fetch(con, table)
        expected = fetch(want, table)
        assert [{k: v for k, v in r.items() if k != "source_file"} for r in got] == [
            {k: v for k, v in r.items() if k != "source_file"} for r in expected], table
        assert {r["source_file"] for r in got} <= {f"registry.xlsx:{table}"}
    (source,) = staged.files
    assert source.name == "registry.xlsx" and source.format == "xlsx"
    assert source.sha256 == hashlib.sha256(book.read_bytes()).hexdigest()
    assert set(source.tables) == set(sheets) and source.n_rows == sum(staged.row_counts.values())


DE_HEADER = ["exposure_id", "patient_id", "agent", "daily_dose_mg", "schedule", "setting", "start_date", "stop_date"]


@pytest.mark.parametrize("date1904", [False, True])
def test_serial_numbers_in_date_columns_use_the_workbook_date_system(
        date1904: bool, tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec],
        fetch: Fetch) -> None:
    shift = 1462 if date1904 else 0  # days between the two systems' day zero
    rows = [DE_HEADER,
            ["E1", "P1", "imatinib", 400, "daily", "palliative", 43831 - shift, 43831.75 - shift],
            ["E2", "P1", "imatinib", 400, "daily", "palliative", datetime(2021, 3, 4), date(2021, 6, 30)]]
    staged = _stage(_book(tmp_path / "b.xlsx", {"drug_exposures": rows}, date1904=date1904), con, tables)
    got = [(r["start_date"], r["stop_date"]) for r in fetch(con, "drug_exposures")]
    assert got == [("2020-01-01", "2020-01-01"), ("2021-03-04", "2021-06-30")]
    notes = [i for i in staged.issues if i.rule == "R07"]
    assert {i.column for i in notes} == {"start_date", "stop_date"}
    assert all(("1904" if date1904 else "1900") in i.message for i in notes)


def test_the_fictitious_29_february_1900_is_an_error(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                     tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    rows = [DE_HEADER,
            ["E1", "P1", "imatinib", 400, "daily", "palliative", 59, 61],
            ["E2", "P1", "imatinib", 400, "daily", "palliative", 60, 0],
            ["E3", "P1", "imatinib", 400, "daily", "palliative", datetime(1900, 3, 1), 1]]
    formats = {("drug_exposures", "G4"): "yyyy-mm-dd"}
    staged = _stage(_book(tmp_path / "b.xlsx", {"drug_exposures": rows}, formats=formats), con, tables)
    got = [(r["start_date"], r["stop_date"]) for r in fetch(con, "drug_exposures")]
    assert got == [("1900-02-28", "1900-03-01"), ("60", "0"), ("1900-03-01", "1900-01-01")]
    errors = sorted((i.row, i.column, i.rule) for i in staged.issues if i.severity == "error")
    assert errors == [(3, "start_date", "R11"), (3, "stop_date", "R11")]
    assert "29 February 1900" in next(i.message for i in staged.issues if i.column == "start_date" and i.row == 3)


def test_years_in_partial_date_columns_stay_years(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                  tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    rows = [["patient_id", "site_id", "sex", "birth_date", "registry_entry_date"],
            ["P1", "A", "M", 1956, "03-04-2020"], ["P2", "A", "F", "1949-05", "04/03/2020"]]
    _stage(_book(tmp_path / "b.xlsx", {"patients": rows}), con, tables)
    got = [(r["birth_date"], r["registry_entry_date"]) for r in fetch(con, "patients")]
    assert got == [("1956", "03-04-2020"), ("1949-05", "04/03/2020")]


def test_numbers_and_booleans_as_displayed(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                           tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    rows = [["assessment_id", "patient_id", "exam_date", "modality", "is_baseline", "sum_diam_mm", "mean_hu"],
            ["T1", "P1", "2020-01-01", "CT", True, 400.0, 0.1 + 0.2],
            ["T2", "P1", "2020-02-01", "CT", False, 37.5, -12]]
    staged = _stage(_book(tmp_path / "b.xlsx", {"tumour_assessments": rows}), con, tables)
    got = [(r["is_baseline"], r["sum_diam_mm"], r["mean_hu"]) for r in fetch(con, "tumour_assessments")]
    assert got == [("true", "400", "0.3"), ("false", "37.5", "-12")]
    assert staged.issues == ()


def test_numeric_identifiers_are_flagged_and_padded_by_their_format(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    rows = [["patient_id", "site_id", "sex"], [123, "A", "M"], [124, "A", "F"], ["00125", "A", "F"]]
    formats = {("patients", "A2"): "00000"}
    staged = _stage(_book(tmp_path / "b.xlsx", {"patients": rows}, formats=formats), con, tables)
    assert [r["patient_id"] for r in fetch(con, "patients")] == ["00123", "124", "00125"]
    (issue,) = staged.issues
    assert (issue.rule, issue.severity, issue.column, issue.value) == ("R12", "warning", "patient_id", "00123")
    assert "2 identifiers" in issue.message


def test_error_cells_are_empty_with_a_warning(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                              tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    rows = [["patient_id", "site_id", "sex"], ["P1", "#N/A", "M"]]
    staged = _stage(_book(tmp_path / "b.xlsx", {"patients": rows}), con, tables)
    assert fetch(con, "patients")[0]["site_id"] is None
    (issue,) = staged.issues
    assert (issue.rule, issue.row, issue.column, issue.value) == ("R13", 2, "site_id", "#N/A")


def test_merged_or_empty_header_cells_lose_no_data_silently(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                            tables: Mapping[str, TableSpec]) -> None:
    path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "patients"
    ws.append(["patient_id", "site_id", "sex", "dates", None])
    ws.append(["P1", "A", "M", "1956", "2012-01-01"])
    ws.append(["P2", "A", "F", None, None, None, "stray"])
    ws.merge_cells("D1:E1")
    wb.save(path)
    staged = _stage(path, con, tables)
    got = sorted((i.rule, i.severity, i.column) for i in staged.issues)
    assert got == [("R03", "warning", "E"), ("R03", "warning", "G"), ("R03", "warning", "dates")]
    assert all(i.file == "b.xlsx:patients" for i in staged.issues)


def test_sheet_names(tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec],
                     fetch: Fetch) -> None:
    ps = [["patient_id", "site_id", "sex"], ["P1", "A", "M"]]
    book = _book(tmp_path / "b.xlsx", {"Patients ": ps, "patients": [*ps, ["P2", "A", "F"]], "Sheet1": [["x"]],
                                       "vital_statuses": [["x"]]})
    staged = _stage(book, con, tables)
    assert staged.row_counts == {"patients": 1}
    assert [r["source_file"] for r in fetch(con, "patients")] == ["b.xlsx:Patients "]
    got = {(i.file, i.rule, i.severity) for i in staged.issues}
    assert got == {("b.xlsx:patients", "R08", "error"), ("b.xlsx:Sheet1", "R06", "info"),
                   ("b.xlsx:vital_statuses", "R06", "info")}


def test_empty_and_header_only_sheets(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                      tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    book = _book(tmp_path / "b.xlsx", {"patients": [], "sites": [["site_id", "name", "country"]],
                                       "metastases": [[None], [None, None], ["X1", "P1", "2020-01-01", "liver"]]})
    staged = _stage(book, con, tables)
    assert staged.row_counts == {"patients": 0, "sites": 0, "metastases": 1}
    assert fetch(con, "patients") == []
    assert fetch(con, "metastases")[0]["source_row"] == 3
    assert {(i.file, i.rule) for i in staged.issues if i.severity == "error"} == {
        ("b.xlsx:metastases", "R02")}


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04" + b"\x00" * 100])
def test_unreadable_workbooks(content: bytes, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                              tables: Mapping[str, TableSpec]) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    staged = _stage(path, con, tables)
    assert staged.row_counts == {}
    assert [(i.rule, i.severity, i.file) for i in staged.issues] == [("R10", "error", "bad.xlsx")]
    assert staged.files[0].sha256 == hashlib.sha256(content).hexdigest()


def test_a_corrupted_sheet_is_an_error_not_a_crash(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                   tables: Mapping[str, TableSpec]) -> None:
    import zipfile

    good = _book(tmp_path / "good.xlsx", {"patients": [["patient_id", "site_id", "sex"], ["P1", "A", "M"]]})
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2]
            zout.writestr(item, data)
    staged = _stage(bad, con, tables)
    assert any(i.rule == "R10" and i.severity == "error" for i in staged.issues)


def test_missing_workbook_is_an_input_error(tmp_path: Path, tables: Mapping[str, TableSpec]) -> None:
    with pytest.raises(InputError, match="no such workbook"):
        ExcelReader(tmp_path / "nope.xlsx", tables=tables)
