"""The canonical CSV folder reader: values, row numbers, encodings, delimiters and every reader issue."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pytest

from gistreg.core.errors import InputError
from gistreg.ingest import _delimited
from gistreg.ingest.base import StagedExport, TableSpec
from gistreg.ingest.csv_folder import CsvFolderReader

Fetch = Callable[[duckdb.DuckDBPyConnection, str], list[dict[str, object]]]


def _stage(folder: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec]) -> StagedExport:
    return CsvFolderReader(folder, tables=tables).stage(con)


def _rules(staged: StagedExport) -> set[tuple[str, str]]:
    return {(i.rule, i.severity) for i in staged.issues}


def _csv_rows(path: Path) -> list[dict[str, str | None]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v if v != "" else None) for k, v in r.items()} for r in csv.DictReader(f)]


def _one_table(tmp_path: Path, name: str, text: str | bytes) -> Path:
    folder = tmp_path / "export"
    folder.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    (folder / f"{name}.csv").write_bytes(data)
    return folder


PS_HEADER = "ps_id,patient_id,assessment_date,scale,value,context\n"


def _ps(*rows: str, header: str = PS_HEADER) -> str:
    return header + "".join(r + "\n" for r in rows)


# --------------------------------------------------------------------------------------------- round trip


def test_round_trip_of_a_canonical_folder(data_dir: Path, con: duckdb.DuckDBPyConnection,
                                          tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    folder = data_dir / "canonical"
    staged = _stage(folder, con, tables)
    files = sorted(folder.glob("*.csv"))
    assert set(staged.row_counts) == {p.stem for p in files}
    assert [i for i in staged.issues if i.severity != "info"] == []
    for path in files:
        expected = _csv_rows(path)
        got = fetch(con, path.stem)
        assert staged.row_counts[path.stem] == len(expected)
        assert [r["source_row"] for r in got] == list(range(2, len(expected) + 2))
        assert {r["source_file"] for r in got} <= {path.name}
        for want, have in zip(expected, got, strict=True):
            for col in tables[path.stem].columns:
                assert have[col.name] == want.get(col.name), (path.name, col.name)
    by_name = {f.name: f for f in staged.files}
    for path in files:
        f = by_name[path.name]
        assert f.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert f.format == "csv" and f.tables == (path.stem,) and f.n_rows == staged.row_counts[path.stem]


def test_identifiers_keep_leading_zeros_and_quoted_values_keep_delimiters(
        data_dir: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    _stage(data_dir / "canonical", con, tables)
    assert [r["patient_id"] for r in fetch(con, "patients")] == ["00123", "00124", "P-0125"]
    assert fetch(con, "drug_exposures")[2]["trial_id"] == 'NCT-0001, arm "B"'
    assert fetch(con, "sites")[0]["name"] == "Hôpital Saint-Éloi"


def _european(src: Path, dst: Path, tables: Mapping[str, TableSpec], *, delimiter: str = ";") -> None:
    """Rewrite a canonical folder as a spreadsheet on a European Windows machine would save it."""
    dst.mkdir()
    for path in src.glob("*.csv"):
        spec = tables[path.stem]
        numeric = {c.name for c in spec.columns if c.type in ("int", "float")}
        with path.open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        out = io.StringIO()
        w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(rows[0])
        for r in rows[1:]:
            w.writerow([v.replace(".", ",") if h in numeric else v for h, v in zip(rows[0], r, strict=True)])
        (dst / path.name).write_bytes(out.getvalue().encode("cp1252"))


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_decimal_comma_cp1252_reads_like_the_original(
        delimiter: str, data_dir: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection,
        tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    original = data_dir / "canonical"
    variant = tmp_path / "variant"
    _european(original, variant, tables, delimiter=delimiter)
    assert b"85,5" in (variant / "diagnoses.csv").read_bytes()
    assert "ô".encode("cp1252") in (variant / "sites.csv").read_bytes()
    staged = _stage(variant, con, tables)
    want = duckdb.connect()
    _stage(original, want, tables)
    for table in staged.row_counts:
        assert fetch(con, table) == fetch(want, table), table
    notes = {(i.rule, i.file) for i in staged.issues}
    assert ("R07", "diagnoses.csv") in notes and ("R07", "drug_exposures.csv") in notes
    assert ("R01", "sites.csv") in notes
    assert all(i.severity == "info" for i in staged.issues)
    r07 = next(i for i in staged.issues if i.rule == "R07" and i.file == "diagnoses.csv")
    assert "size_mm" in r07.message and "mitotic_count" in r07.message


def test_decimal_comma_is_not_applied_to_text_columns_or_comma_files(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = ("exposure_id;patient_id;agent;daily_dose_mg;schedule;setting;start_date;trial_id\n"
            "E1;P1;imatinib;12,5;daily;palliative;2020-01-01;A,1\n")
    folder = _one_table(tmp_path, "drug_exposures", text)
    _stage(folder, con, tables)
    row = fetch(con, "drug_exposures")[0]
    assert row["daily_dose_mg"] == "12.5" and row["trial_id"] == "A,1"
    other = _one_table(tmp_path / "b", "performance_status", _ps('F1,P1,2020-01-01,ECOG,"1,5",'))
    con2 = duckdb.connect()
    staged = _stage(other, con2, tables)
    assert fetch(con2, "performance_status")[0]["value"] == "1,5"
    assert "R07" not in {i.rule for i in staged.issues}


def test_dotted_numbers_in_a_decimal_comma_file_are_flagged(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = ("diagnosis_id;patient_id;diagnosis_date;primary_site;stage_at_dx;size_mm\n"
            "D1;P1;2020-01-01;stomach;localized;45,5\nD2;P2;2020-01-01;stomach;localized;1.234\n")
    staged = _stage(_one_table(tmp_path, "diagnoses", text), con, tables)
    assert [r["size_mm"] for r in fetch(con, "diagnoses")] == ["45.5", "1.234"]
    r09 = [i for i in staged.issues if i.rule == "R09"]
    assert len(r09) == 1 and r09[0].column == "size_mm" and r09[0].severity == "warning"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_line_endings_and_byte_order_mark(newline: str, bom: bytes, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                          tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = _ps("F1,P1,2020-01-01,ECOG,1,", "F2,P2,2020-02-01,ECOG,2,follow_up").replace("\n", newline)
    staged = _stage(_one_table(tmp_path, "performance_status", bom + text.encode()), con, tables)
    rows = fetch(con, "performance_status")
    assert [(r["ps_id"], r["value"], r["context"], r["source_row"]) for r in rows] == [
        ("F1", "1", None, 2), ("F2", "2", "follow_up", 3)]
    assert staged.issues == ()


# --------------------------------------------------------------------------------------------- rows


def test_quoted_values_with_line_breaks_count_as_one_row(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = _ps('F1,P1,2020-01-01,ECOG,1,"line one\nline two"', 'F2,P2,"2020-02-01",ECOG,2,"a ""quoted"", b"',
               "F3,P3,2020-03-01,ECOG,3,")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    rows = fetch(con, "performance_status")
    assert [(r["ps_id"], r["source_row"]) for r in rows] == [("F1", 2), ("F2", 3), ("F3", 4)]
    assert rows[0]["context"] == "line one\nline two"
    assert rows[1]["context"] == 'a "quoted", b'
    assert staged.issues == ()


@pytest.mark.parametrize("quotes", [False, True])
def test_ragged_rows_are_errors_and_later_rows_keep_their_numbers(
        quotes: bool, tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec],
        fetch: Fetch) -> None:
    ctx = '"multi\nline"' if quotes else "follow_up"
    text = _ps("F1,P1,2020-01-01,ECOG,1,", f"F2,P2,2020-01-01,ECOG,1,{ctx}", "F3,P3,2020-01-01,ECOG,1,,extra",
               "F4,P4,2020-01-01,ECOG", "F5,P5,2020-01-01,ECOG,1,", "F6,P6,2020-01-01,ECOG,1,x,y,z",
               "F7,P7,2020-01-01,ECOG,1,")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    rows = fetch(con, "performance_status")
    assert [(r["ps_id"], r["source_row"]) for r in rows] == [("F1", 2), ("F2", 3), ("F5", 6), ("F7", 8)]
    errors = sorted((i.row, i.rule, i.severity) for i in staged.issues)
    assert errors == [(4, "R05", "error"), (5, "R05", "error"), (7, "R05", "error")]
    by_row = {i.row: i for i in staged.issues}
    assert "7 fields but the header has 6" in by_row[4].message
    assert by_row[5].value is not None and by_row[5].value.startswith("F4,P4")


@pytest.mark.parametrize("where", ["middle", "start"])
def test_blank_lines_count_as_rows(where: str, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                   tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    if where == "middle":
        text = _ps("F1,P1,2020-01-01,ECOG,1,", "", "F2,P2,2020-01-01,ECOG,1,\"a\nb\"", "F3,P3,2020-01-01,ECOG,1,x,y",
                   "F4,P4,2020-01-01,ECOG,1,")
        expected = [("F1", 2), ("F2", 4), ("F4", 6)]
        bad = 5
    else:
        text = "\n\n" + _ps("F1,P1,2020-01-01,ECOG,1,", "F2,P2,2020-01-01,ECOG,1,x,y")
        expected = [("F1", 4)]
        bad = 5
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    assert [(r["ps_id"], r["source_row"]) for r in fetch(con, "performance_status")] == expected
    assert [(i.rule, i.row) for i in staged.issues if i.severity == "error"] == [("R05", bad)]


def test_rows_of_empty_cells_are_skipped(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                         tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = _ps("F1,P1,2020-01-01,ECOG,1,", ",,,,,", "F2,P2,2020-01-01,ECOG,1,", ",,,,,")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    assert [r["source_row"] for r in fetch(con, "performance_status")] == [2, 4]
    (note,) = staged.issues
    assert (note.rule, note.severity) == ("R14", "info") and "rows 3, 5" in note.message


def test_unclosed_quote_is_an_error(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                    tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = _ps("F1,P1,2020-01-01,ECOG,1,", 'F2,P2,2020-01-01,ECOG,1,"never closed', "F3,P3,2020-01-01,ECOG,1,")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    assert [r["ps_id"] for r in fetch(con, "performance_status")] == ["F1"]
    assert [(i.rule, i.row) for i in staged.issues] == [("R05", 3)]


def test_text_after_a_closing_quote_is_an_error(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    text = _ps('F1,P1,2020-01-01,ECOG,1,"ab"c', 'F2,P2,2020-01-01,ECOG,1,x"y', "F3,P3,2020-01-01,ECOG,1,")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    assert [(r["ps_id"], r["context"], r["source_row"]) for r in fetch(con, "performance_status")] == [
        ("F2", 'x"y', 3), ("F3", None, 4)]
    assert [(i.rule, i.row) for i in staged.issues] == [("R05", 2)]


def test_a_huge_cell_is_read_and_an_over_long_row_is_an_error(
        tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec], fetch: Fetch,
        monkeypatch: pytest.MonkeyPatch) -> None:
    big = "x" * 1_000_000
    staged = _stage(_one_table(tmp_path, "performance_status", _ps(f"F1,P1,2020-01-01,ECOG,1,{big}")), con, tables)
    assert fetch(con, "performance_status")[0]["context"] == big and staged.issues == ()
    monkeypatch.setattr(_delimited, "MAX_RECORD_BYTES", 300_000)
    con2 = duckdb.connect()
    staged = _stage(_one_table(tmp_path / "b", "performance_status",
                               _ps("F0,P0,2020-01-01,ECOG,1,", f"F1,P1,2020-01-01,ECOG,1,{big}")), con2, tables)
    assert [r["ps_id"] for r in fetch(con2, "performance_status")] == ["F0"]
    assert [(i.rule, i.row) for i in staged.issues] == [("R05", 3)]


# --------------------------------------------------------------------------------------------- header


def test_header_checks(tmp_path: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec],
                       fetch: Fetch) -> None:
    text = "PS_ID , patient_id,scale,value,comment,value,\nF1,P1,ECOG,1,hello,2,\n"
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    issues = {(i.rule, i.severity, i.column) for i in staged.issues}
    assert issues == {("R02", "error", "assessment_date"), ("R03", "warning", "comment"),
                      ("R04", "error", "value")}
    r02 = next(i for i in staged.issues if i.rule == "R02")
    assert r02.file == "performance_status.csv" and "ps_id, patient_id, assessment_date" in r02.message
    (row,) = fetch(con, "performance_status")
    assert "assessment_date" not in row
    assert (row["ps_id"], row["value"], row["context"]) == ("F1", "1", None)


def test_unnamed_column_with_values_is_reported(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                tables: Mapping[str, TableSpec]) -> None:
    text = _ps("F1,P1,2020-01-01,ECOG,1,,lost", header=PS_HEADER.rstrip("\n") + ",\n")
    staged = _stage(_one_table(tmp_path, "performance_status", text), con, tables)
    (issue,) = staged.issues
    assert (issue.rule, issue.severity, issue.column) == ("R03", "warning", "G")


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n", PS_HEADER.encode()])
def test_empty_and_header_only_files_stage_no_rows(content: bytes, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                   tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    staged = _stage(_one_table(tmp_path, "performance_status", content), con, tables)
    assert staged.row_counts == {"performance_status": 0}
    assert fetch(con, "performance_status") == []
    assert all(i.severity == "info" for i in staged.issues)


# --------------------------------------------------------------------------------------------- encodings


def test_utf16_and_binary_files_are_unreadable(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                               tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "patients.csv").write_bytes(_ps("F1,P1,2020-01-01,ECOG,1,").encode("utf-16"))
    (folder / "sites.csv").write_bytes("site_id,name,country\nA,B,C\n".encode("utf-16-le"))
    staged = _stage(folder, con, tables)
    assert staged.row_counts == {"patients": 0, "sites": 0}
    assert {(i.file, i.rule, i.severity) for i in staged.issues} == {
        ("patients.csv", "R01", "error"), ("sites.csv", "R01", "error")}
    assert "UTF-16" in next(i.message for i in staged.issues if i.file == "patients.csv")
    assert "offset 1" in next(i.message for i in staged.issues if i.file == "sites.csv")
    assert fetch(con, "sites") == []


def test_bytes_undefined_in_cp1252_are_located(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                               tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    data = _ps("F1,P1,2020-01-01,ECOG,1,caf\xe9").encode("latin-1") + b"F2,P2,2020-01-01,ECOG,1,\x81\n"
    staged = _stage(_one_table(tmp_path, "performance_status", data), con, tables)
    errors = [i for i in staged.issues if i.severity == "error"]
    assert len(errors) == 1 and errors[0].rule == "R01" and errors[0].row == 3 and errors[0].value == "0x81"
    assert f"offset {len(data) - 2}" in errors[0].message
    assert [r["context"] for r in fetch(con, "performance_status")] == ["café", "\ufffd"]


def test_a_file_mixing_encodings_is_a_warning(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                              tables: Mapping[str, TableSpec]) -> None:
    data = _ps("F1,P1,2020-01-01,ECOG,1,caf\u00e9").encode() + "F2,P2,2020-01-01,ECOG,1,caf\xe9\n".encode("cp1252")
    staged = _stage(_one_table(tmp_path, "performance_status", data), con, tables)
    assert [(i.rule, i.severity) for i in staged.issues] == [("R01", "warning")]


# --------------------------------------------------------------------------------------------- folder


def test_unknown_and_duplicate_files(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                     tables: Mapping[str, TableSpec], fetch: Fetch) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "performance_status.csv").write_text(_ps("F1,P1,2020-01-01,ECOG,1,"))
    (folder / "PERFORMANCE_STATUS.CSV").write_text(_ps("G1,P1,2020-01-01,ECOG,1,"))
    (folder / "drug_exposure.csv").write_text("x\n1\n")
    (folder / "notes.txt").write_text("hello")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")
    staged = _stage(folder, con, tables)
    assert staged.row_counts == {"performance_status": 1}
    assert [r["ps_id"] for r in fetch(con, "performance_status")] == ["G1"]  # name order: upper case first
    got = {(i.file, i.rule, i.severity) for i in staged.issues}
    assert got == {("performance_status.csv", "R08", "error"), ("drug_exposure.csv", "R06", "info"),
                   ("notes.txt", "R06", "info")}
    assert "did you mean 'drug_exposures'" in next(i.message for i in staged.issues if i.file == "drug_exposure.csv")


def test_a_single_table_file_can_be_read(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                         tables: Mapping[str, TableSpec]) -> None:
    folder = _one_table(tmp_path, "performance_status", _ps("F1,P1,2020-01-01,ECOG,1,"))
    staged = CsvFolderReader(folder / "performance_status.csv", tables=tables).stage(con)
    assert staged.row_counts == {"performance_status": 1}


def test_stale_staging_tables_are_replaced(data_dir: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                          tables: Mapping[str, TableSpec]) -> None:
    _stage(data_dir / "canonical", con, tables)
    staged = _stage(_one_table(tmp_path, "performance_status", _ps("F1,P1,2020-01-01,ECOG,1,")), con, tables)
    names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert names == {"stage_performance_status"}
    assert staged.tables == ("performance_status",)


def test_missing_path_is_an_input_error(tmp_path: Path, tables: Mapping[str, TableSpec]) -> None:
    with pytest.raises(InputError, match="no such folder"):
        CsvFolderReader(tmp_path / "nope", tables=tables)


def test_large_export_is_staged_with_exact_rows(tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                                tables: Mapping[str, TableSpec]) -> None:
    n = 30_000
    lines = [f"F{i},P{i},2020-01-01,ECOG,{i % 5}," for i in range(n)]
    lines[100] = "broken,row"
    lines[20_000] += ",extra"
    folder = _one_table(tmp_path, "performance_status", _ps(*lines))
    shutil.copy(folder / "performance_status.csv", folder / "progressions.csv.bak")
    staged = _stage(folder, con, tables)
    assert staged.row_counts["performance_status"] == n - 2
    bad = con.execute("SELECT count(*) FROM stage_performance_status "
                      "WHERE source_row <> CAST(substr(ps_id, 2) AS BIGINT) + 2").fetchone()
    assert bad == (0,)
    assert sorted(i.row for i in staged.issues if i.rule == "R05") == [102, 20_002]


_AGREE = [
    _ps("F1,P1,2020-01-01,ECOG,1,", "F2,P2,2020-01-01,ECOG,1,,x", "F3,P3,2020-01-01,ECOG,1,"),
    _ps('F1,P1,2020-01-01,ECOG,1,"a\nb"', "F2,P2", 'F3,P3,2020-01-01,ECOG,1,"c,""d"""', "F4,P4,2020-01-01,ECOG,1,"),
    _ps('F1,P1,2020-01-01,ECOG,1,"ab"c', 'F2,P2,2020-01-01,ECOG,1,x"y', "F3,P3,2020-01-01,ECOG,1,"),
    _ps("F1,P1,2020-01-01,ECOG,1,", ",,,,,", "F3,P3,2020-01-01,ECOG,1,").replace("\n", "\r\n"),
    _ps("F1,P1,2020-01-01,ECOG,1,", 'F2,P2,2020-01-01,ECOG,1,"open'),
]


@pytest.mark.parametrize("text", _AGREE)
def test_fast_and_exact_paths_agree(text: str, tmp_path: Path, tables: Mapping[str, TableSpec], fetch: Fetch,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _one_table(tmp_path, "performance_status", text)
    fast_con, exact_con = duckdb.connect(), duckdb.connect()
    fast = _stage(folder, fast_con, tables)
    monkeypatch.setattr(_delimited, "_fast", lambda *a, **k: None)
    exact = _stage(folder, exact_con, tables)
    assert fetch(fast_con, "performance_status") == fetch(exact_con, "performance_status")
    assert sorted((i.rule, i.row) for i in fast.issues) == sorted((i.rule, i.row) for i in exact.issues)
