"""Malformed input never makes a reader raise: every reader returns a StagedExport whose issues say what is wrong.

Hypothesis throws wrong encodings (UTF-16, Latin-1, invalid UTF-8), truncated rows, binary junk and NUL bytes,
huge cells, empty files, byte-order marks alone, unbalanced quotes, wrong sheet names and corrupted workbook
archives at the CSV folder, Excel and REDCap readers (derandomized, so every run tries the same cases).
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gistreg.ingest import READER_RULES, CsvFolderReader, ExcelReader, RedcapReader, StagedExport
from gistreg.registry.schema import TABLES

DATA = Path(__file__).resolve().parent / "data" / "redcap"
DICTIONARY = DATA / "gist_registry_DataDictionary.csv"
EXPORT = DATA / "gist_registry_raw.csv"
RULE = re.compile(r"R\d\d")

SETTINGS = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

_cell_text = st.text(alphabet=st.sampled_from(list('ab1 ,;\t"\n\r\'é€\u2028-./:')), max_size=12)


@st.composite
def table_text(draw: st.DrawFn) -> str:
    """A canonical-looking table: a real header (maybe altered) and rows of awkward cells."""
    table = draw(st.sampled_from(sorted(TABLES)))
    names = [c.name for c in TABLES[table].columns]
    header = draw(st.lists(st.sampled_from([*names, "", "extra", names[0].upper()]), min_size=0, max_size=8))
    delim = draw(st.sampled_from([",", ";", "\t"]))
    rows = draw(st.lists(st.lists(_cell_text, max_size=9), max_size=6))
    lines = [delim.join(header), *(delim.join(r) for r in rows)]
    return draw(st.sampled_from(["\n", "\r\n", "\r"])).join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """Table text, encoded some way and then damaged some way — or plain junk."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.binary(max_size=600))
    text = draw(table_text())
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16", "utf-16-le"]))
    data = text.encode(encoding, errors="replace")
    damage = draw(st.sampled_from(["none", "truncate", "insert", "quote", "nul"]))
    if data and damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "insert":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    elif damage == "quote":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b'"' + data[at:]
    elif damage == "nul":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + b"\x00" + data[at:]
    return data


def _check(staged: StagedExport, con: duckdb.DuckDBPyConnection) -> None:
    assert isinstance(staged, StagedExport)
    for issue in staged.issues:
        assert RULE.fullmatch(issue.rule) and issue.rule in READER_RULES, issue
        assert issue.severity in ("error", "warning", "info")
        assert "/" not in issue.file and "\\" not in issue.file, issue
    for table, n in staged.row_counts.items():
        cols = {r[0] for r in con.execute(f"DESCRIBE stage_{table}").fetchall()}
        assert {"source_file", "source_row"} <= cols
        row = con.execute(f"SELECT count(*), count(source_row), min(source_row), count(source_file) "
                          f"FROM stage_{table}").fetchone()
        assert row is not None and row[0] == n == row[1] == row[3]
        assert n == 0 or row[2] >= 2
    for f in staged.files:
        assert re.fullmatch(r"[0-9a-f]{64}", f.sha256)


#: One connection for all examples: every staging replaces the previous one's tables.
CON = duckdb.connect()

HUGE = ("ps_id,patient_id,assessment_date,scale,value,context\nF1,P1,2020-01-01,ECOG,1," + "x" * 1_000_000
        + "\n").encode()


@SETTINGS
@given(data=damaged_bytes(), name=st.sampled_from(["patients", "drug_exposures", "performance_status"]))
@example(data=b"", name="patients")
@example(data=b"\xef\xbb\xbf", name="patients")
@example(data=b"\xff\xfe", name="patients")
@example(data="patient_id,site_id,sex\nP1,A,M\n".encode("utf-16"), name="patients")
@example(data=b"patient_id,site_id,sex\nP1,\xe9\x81\x00,M\n", name="patients")
@example(data=b'patient_id,site_id,sex\n"P1,A,M\nP2,"B",F"x\n', name="patients")
@example(data=b"patient_id,site_id,sex\nP1,A\nP2,A,M,extra\n\n\nP3,A,F", name="patients")
@example(data=HUGE, name="performance_status")
def test_csv_folder_reader_never_raises(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / f"{name}.csv").write_bytes(data)
        (folder / "junk.bin").write_bytes(data[:50])
        con = CON
        _check(CsvFolderReader(folder, tables=TABLES).stage(con), con)


@SETTINGS
@given(data=damaged_bytes(), as_dictionary=st.booleans())
@example(data=b"", as_dictionary=False)
@example(data=b"", as_dictionary=True)
@example(data=b"record_id,redcap_repeat_instrument,sex\n1,,M\n1,drug_exposures\n,,F\n", as_dictionary=False)
@example(data=DICTIONARY.read_bytes()[:700], as_dictionary=True)
@example(data=EXPORT.read_bytes()[:900] + b'"', as_dictionary=False)
def test_redcap_reader_never_raises(data: bytes, as_dictionary: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "file.csv"
        path.write_bytes(data)
        export, dictionary = (EXPORT, path) if as_dictionary else (path, DICTIONARY)
        con = CON
        _check(RedcapReader(export, dictionary=dictionary, tables=TABLES).stage(con), con)


_cell = st.one_of(st.none(), _cell_text.map(lambda s: s.replace("\r", "")), st.integers(-10, 70_000),
                  st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
                  st.just(datetime(1900, 2, 28)), st.sampled_from(["#N/A", "#REF!", "=1+1"]))


@st.composite
def workbook_bytes(draw: st.DrawFn) -> bytes:
    """A workbook with right and wrong sheet names and odd cells, possibly corrupted afterwards."""
    wb = openpyxl.Workbook()
    if draw(st.booleans()):
        wb.epoch = openpyxl.utils.datetime.MAC_EPOCH
    wb.remove(wb.active)
    titles = draw(st.lists(st.sampled_from(["patients", "Patients ", "Sheet1", "drug_exposures", "vital_status",
                                             "metastases", "x"]), min_size=1, max_size=3, unique=True))
    for title in titles:
        ws = wb.create_sheet(title)
        names = [c.name for c in TABLES[title.strip().lower()].columns] if title.strip().lower() in TABLES else []
        ws.append(draw(st.lists(st.sampled_from([*names, None, "odd"]), max_size=7)))
        for row in draw(st.lists(st.lists(_cell, max_size=7), max_size=5)):
            ws.append(row)
        if draw(st.booleans()) and ws.max_column > 1:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    damage = draw(st.sampled_from(["none", "none", "truncate", "flip", "member"]))
    if damage == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif damage == "flip":
        at = draw(st.integers(0, len(data) - 1))
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    elif damage == "member":
        data = _replace_member(data, draw(st.binary(max_size=40)), draw(st.integers(0, 20)))
    return data


def _replace_member(data: bytes, junk: bytes, which: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        items = src.infolist()
        victim = items[which % len(items)].filename
        for item in items:
            dst.writestr(item, junk if item.filename == victim else src.read(item.filename))
    return out.getvalue()


@SETTINGS
@given(data=st.one_of(workbook_bytes(), damaged_bytes()))
@example(data=b"")
@example(data=b"PK\x05\x06" + b"\x00" * 18)
def test_excel_reader_never_raises(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "book.xlsx"
        path.write_bytes(data)
        con = CON
        _check(ExcelReader(path, tables=TABLES).stage(con), con)
