"""The store's own behaviour, on hand-made typed tables: layout, upsert, provenance, atomicity."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

import duckdb
import pytest

from gistreg.core.errors import DataValidationError, StoreError
from gistreg.core.issues import Issue, ValidationReport
from gistreg.ingest.base import SourceFile, StagedExport
from gistreg.registry.ddl import META_TABLES, SCHEMA_VERSION, SQL_TYPES
from gistreg.registry.schema import TABLES
from gistreg.registry.store import NOT_IN_EXPORT_RULE, Registry, store_validated


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _typed(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Create ``typed_<table>`` with the schema's types; ``rows`` give every column plus source_file, source_row."""
    t = TABLES[table]
    cols = ", ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in t.columns)
    con.execute(f"CREATE OR REPLACE TABLE typed_{table} ({cols}, source_file VARCHAR, source_row BIGINT)")
    if rows:
        marks = ", ".join("?" for _ in range(len(t.columns) + 2))
        con.executemany(f"INSERT INTO typed_{table} VALUES ({marks})", [list(r) for r in rows])


def _staged(**counts: int) -> StagedExport:
    files = tuple(SourceFile(f"{t}.csv", f"{k:064x}", "csv", (t,), n) for k, (t, n) in enumerate(counts.items()))
    return StagedExport(dict(counts), files)


SITES = [("A01", "Centre A", "NL", None, "sites.csv", 2), ("B01", "Centre B", "NL", "Reg", "sites.csv", 3)]
PATIENTS = [
    ("P001", "A01", "F", date(1950, 7, 1), "Y", date(2010, 1, 5), "patients.csv", 2),
    ("P002", "B01", "M", date(1961, 3, 4), None, None, "patients.csv", 3),
]


@pytest.fixture
def store(tmp_path: Path) -> Registry:
    return Registry.init(tmp_path / "reg.duckdb")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


def test_init_creates_every_table_with_typed_columns_and_provenance(store: Registry) -> None:
    with store.connect() as c:
        tables = {r[0] for r in c.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        assert tables == set(TABLES) | set(META_TABLES)
        cols = c.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'drug_exposures' "
            "ORDER BY ordinal_position"
        ).fetchall()
        version = c.execute("SELECT version FROM schema_version").fetchall()
    assert [n for n, _ in cols] == [*TABLES["drug_exposures"].column_names, "source_file", "source_row", "load_id"]
    assert dict(cols)["daily_dose_mg"] == "DOUBLE"
    assert dict(cols)["start_date"] == "DATE"
    assert version == [(SCHEMA_VERSION,)]
    assert store.row_counts() == dict.fromkeys(TABLES, 0)
    assert store.loads() == ()


def test_init_refuses_an_existing_file(store: Registry) -> None:
    with pytest.raises(StoreError, match=r"reg\.duckdb: a file already exists"):
        Registry.init(store.path)


def test_open_refuses_missing_file_and_non_registry(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no registry there; create one with `gistreg init"):
        Registry.open(tmp_path / "missing.duckdb")
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    with pytest.raises(StoreError, match=r"other\.duckdb is not a gistreg registry"):
        Registry.open(other)


def test_first_load_inserts_and_records_provenance(store: Registry, con: duckdb.DuckDBPyConnection) -> None:
    _typed(con, "sites", SITES)
    _typed(con, "patients", PATIENTS)
    warning = Issue("L05", "warning", "patients.csv", 3, "sex", "M", "a warning", "patients", "P002")
    result = store_validated(con, store.path, _staged(sites=2, patients=2), ValidationReport.of([warning]),
                             source_name="export-2024", cutoff=date(2024, 6, 30))
    assert result.load_id == 1
    assert result.changes["sites"].as_dict() == {"inserted": 2, "updated": 0, "unchanged": 0, "not_in_export": 0}
    assert result.changes["patients"].inserted == 2
    assert store.row_counts()["patients"] == 2
    (load,) = store.loads()
    assert (load.load_id, load.source_name, load.reader_format, load.cutoff) == (1, "export-2024", "csv",
                                                                                  date(2024, 6, 30))
    assert [f.name for f in load.files] == ["patients.csv", "sites.csv"]
    assert load.changes["patients"]["inserted"] == 2
    assert store.issues(load_id=1).issues == (warning,)
    with store.connect() as c:
        rows = c.execute("SELECT patient_id, birth_date, birth_date_precision, source_file, source_row, load_id "
                         "FROM patients ORDER BY patient_id").fetchall()
    assert rows == [("P001", date(1950, 7, 1), "Y", "patients.csv", 2, 1),
                    ("P002", date(1961, 3, 4), None, "patients.csv", 3, 1)]


def test_same_data_again_writes_nothing(store: Registry, con: duckdb.DuckDBPyConnection) -> None:
    _typed(con, "sites", SITES)
    first = store_validated(con, store.path, _staged(sites=2), ValidationReport(), source_name="x")
    before = _sha(store.path)
    # the same records from other rows of another file: data identical, so nothing changes
    _typed(con, "sites", [(*r[:4], "other.csv", r[5] + 10) for r in SITES])
    again = store_validated(con, store.path, _staged(sites=2), ValidationReport(), source_name="x")
    assert first.load_id == 1
    assert again.load_id is None
    assert not again.changed
    assert again.changes["sites"].unchanged == 2
    assert _sha(store.path) == before
    assert not store.path.with_name("reg.duckdb.wal").exists()
    assert len(store.loads()) == 1


def test_update_changes_only_changed_rows_and_their_provenance(
    store: Registry, con: duckdb.DuckDBPyConnection
) -> None:
    _typed(con, "sites", SITES)
    _typed(con, "patients", PATIENTS)
    store_validated(con, store.path, _staged(sites=2, patients=2), ValidationReport(), source_name="first")
    changed = [PATIENTS[0], (*PATIENTS[1][:5], date(2012, 2, 2), "patients_v2.csv", 7),
               ("P003", "A01", "U", None, None, None, "patients_v2.csv", 8)]
    _typed(con, "patients", changed)
    result = store_validated(con, store.path, _staged(patients=3), ValidationReport(), source_name="second")
    assert result.load_id == 2
    assert result.changes["patients"].as_dict() == {"inserted": 1, "updated": 1, "unchanged": 1,
                                                    "not_in_export": 0}
    assert result.changes["sites"].as_dict() == {"inserted": 0, "updated": 0, "unchanged": 0, "not_in_export": 2}
    with store.connect() as c:
        rows = c.execute("SELECT patient_id, registry_entry_date, source_file, source_row, load_id FROM patients "
                         "ORDER BY patient_id").fetchall()
    assert rows == [
        ("P001", date(2010, 1, 5), "patients.csv", 2, 1),
        ("P002", date(2012, 2, 2), "patients_v2.csv", 7, 2),
        ("P003", None, "patients_v2.csv", 8, 2),
    ]
    assert [ld.source_name for ld in store.loads()] == ["first", "second"]


def test_records_missing_from_an_export_are_kept_and_reported(
    store: Registry, con: duckdb.DuckDBPyConnection
) -> None:
    _typed(con, "sites", SITES)
    store_validated(con, store.path, _staged(sites=2), ValidationReport(), source_name="first")
    _typed(con, "sites", [(*SITES[0][:1], "Centre A renamed", *SITES[0][2:])])
    result = store_validated(con, store.path, _staged(sites=1), ValidationReport(), source_name="second")
    assert result.changes["sites"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 0, "not_in_export": 1}
    notes = [i for i in result.report if i.rule == NOT_IN_EXPORT_RULE]
    assert [(n.severity, n.table, n.value) for n in notes] == [("info", "sites", "1")]
    assert "1 record of table sites in the store was not in this export" in notes[0].message
    assert store.row_counts()["sites"] == 2
    assert any(i.rule == NOT_IN_EXPORT_RULE for i in store.issues(load_id=2))


def test_error_report_writes_nothing(store: Registry, con: duckdb.DuckDBPyConnection) -> None:
    _typed(con, "sites", SITES)
    before = _sha(store.path)
    bad = Issue("T01", "error", "sites.csv", 3, "name", "x", "bad", "sites")
    with pytest.raises(DataValidationError, match=r"1 error \(rules T01\); nothing was imported") as info:
        store_validated(con, store.path, _staged(sites=2), ValidationReport.of([bad]), source_name="x")
    assert info.value.report.errors == (bad,)
    assert _sha(store.path) == before


def test_duplicate_keys_are_refused_before_the_store_is_opened(
    store: Registry, con: duckdb.DuckDBPyConnection
) -> None:
    _typed(con, "sites", [*SITES, SITES[0]])
    before = _sha(store.path)
    with pytest.raises(StoreError, match=r"sites: 1 values of the primary key \(site_id\) occur more than once"):
        store_validated(con, store.path, _staged(sites=3), ValidationReport(), source_name="x")
    assert _sha(store.path) == before


def test_failure_inside_the_transaction_rolls_back_byte_identical(
    store: Registry, con: duckdb.DuckDBPyConnection
) -> None:
    _typed(con, "sites", SITES)
    store_validated(con, store.path, _staged(sites=2), ValidationReport(), source_name="first")
    before = _sha(store.path)
    # many good patients and one without the required site_id: the NOT NULL constraint fails mid-transaction
    _typed(con, "patients", [])
    con.execute("INSERT INTO typed_patients SELECT printf('P%05d', i), CASE WHEN i = 1500 THEN NULL ELSE 'A01' END, "
                "'F', NULL, NULL, NULL, 'patients.csv', i + 2 FROM range(3000) AS r(i)")
    with pytest.raises(StoreError, match="rolled back"):
        store_validated(con, store.path, _staged(patients=3000), ValidationReport(), source_name="second")
    assert _sha(store.path) == before
    assert not store.path.with_name("reg.duckdb.wal").exists()
    assert store.row_counts()["patients"] == 0
    assert len(store.loads()) == 1


def test_init_in_a_missing_folder_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="the folder nowhere does not exist"):
        Registry.init(tmp_path / "nowhere" / "reg.duckdb")


def test_registry_package_exports_its_public_surface() -> None:
    import gistreg.registry as registry

    assert registry.__all__ == sorted(registry.__all__)
    assert all(hasattr(registry, name) for name in registry.__all__)
    assert {"Registry", "import_export", "validate_export", "validate_registry", "summarise"} <= set(registry.__all__)
