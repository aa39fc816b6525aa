"""Importing exports end to end: the shipped example folder, re-imports, later exports and a failed import."""

from __future__ import annotations

import csv
import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest

from gistreg.core.errors import DataValidationError, StoreError
from gistreg.registry.schema import TABLES
from gistreg.registry.store import (
    NOT_IN_EXPORT_RULE,
    ImportResult,
    Registry,
    import_export,
        validate_registry,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "gistreg" / "data" / "example"
CUTOFF = date(2024, 6, 30)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """A writable copy of the example folder, named like a site's export."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "export-2024"))


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    return Registry.init(tmp_path / "registry.duckdb")


@pytest.fixture(scope="module")
def first_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportResult]:
    """The example imported once into a store (tests copy the store file instead of importing again)."""
    base = tmp_path_factory.mktemp("first")
    export = Path(shutil.copytree(EXAMPLE, base / "export-2024"))
    reg = Registry.init(base / "registry.duckdb")
    return reg.path, import_export(reg.path, export, cutoff=CUTOFF)


@pytest.fixture
def loaded(first_import: tuple[Path, ImportResult], tmp_path: Path) -> Registry:
    """A store holding the example as load 1 (a copy of the module's store)."""
    return Registry(shutil.copyfile(first_import[0], tmp_path / "registry.duckdb"))


def test_example_covers_every_table() -> None:
    assert sorted(p.stem for p in EXAMPLE.glob("*.csv")) == sorted(TABLES)
    assert len(_csv_rows(EXAMPLE / "patients.csv")) == 5


def test_example_is_valid_without_warnings(first_import: tuple[Path, ImportResult]) -> None:
    report = first_import[1].report
    assert report.errors == ()
    assert report.warnings == ()


def test_example_round_trip_row_counts_and_file_hashes(first_import: tuple[Path, ImportResult]) -> None:
    path, result = first_import
    registry = Registry.open(path)
    export = EXAMPLE
    expected = {t: len(_csv_rows(export / f"{t}.csv")) for t in TABLES}
    assert result.load_id == 1
    assert {t: c.inserted for t, c in result.changes.items()} == expected
    assert registry.row_counts() == expected
    (load,) = registry.loads()
    assert load.source_name == "export-2024"
    assert load.reader_format == "csv"
    assert load.cutoff == CUTOFF
    assert {f.name: f.sha256 for f in load.files} == {f"{t}.csv": _sha(export / f"{t}.csv") for t in TABLES}
    assert validate_registry(registry.path, cutoff=CUTOFF).errors == ()


def test_partial_dates_are_stored_imputed_with_their_precision(loaded: Registry) -> None:
    with loaded.connect() as con:
        rows = con.execute("SELECT patient_id, birth_date, birth_date_precision, source_row FROM patients "
                           "ORDER BY patient_id LIMIT 2").fetchall()
    assert rows == [("P0001", date(1956, 7, 1), "Y", 2), ("P0002", date(1949, 5, 15), "M", 3)]


def test_reimport_changes_nothing_and_keeps_the_file_bytes(loaded: Registry, export: Path) -> None:
    registry = loaded
    before = _sha(registry.path)
    again = import_export(registry.path, export, cutoff=CUTOFF)
    assert again.load_id is None
    assert all(c.inserted == c.updated == c.not_in_export == 0 for c in again.changes.values())
    assert again.changes["drug_exposures"].unchanged == len(_csv_rows(export / "drug_exposures.csv"))
    assert _sha(registry.path) == before
    assert not registry.path.with_name(registry.path.name + ".wal").exists()
    assert len(registry.loads()) == 1


def test_later_export_updates_records_and_keeps_each_loads_provenance(
    loaded: Registry, export: Path, tmp_path: Path
) -> None:
    registry = loaded
    later = Path(shutil.copytree(export, tmp_path / "export-2025"))
    vital = _csv_rows(later / "vital_status.csv")
    vital[0]["last_contact_date"] = "2024-05-02"  # P0001 seen again
    _write_csv(later / "vital_status.csv", vital)
    aes = _csv_rows(later / "adverse_events.csv")
    aes.append({**aes[0], "ae_id": "A0007", "onset_date": "2018-02-01", "grade": "2"})
    _write_csv(later / "adverse_events.csv", aes)

    result = import_export(registry.path, later, cutoff=CUTOFF)
    assert result.load_id == 2
    assert result.changes["vital_status"].as_dict() == {"inserted": 0, "updated": 1, "unchanged": 4,
                                                        "not_in_export": 0}
    assert result.changes["adverse_events"].inserted == 1
    assert result.changes["patients"].unchanged == 5
    with registry.connect() as con:
        vs = con.execute("SELECT patient_id, last_contact_date, load_id FROM vital_status ORDER BY patient_id"
                         ).fetchall()
        ae = con.execute("SELECT source_file, source_row, load_id FROM adverse_events WHERE ae_id = 'A0007'"
                         ).fetchall()
    assert vs[0] == ("P0001", date(2024, 5, 2), 2)
    assert [r[2] for r in vs[1:]] == [1, 1, 1, 1]
    assert ae == [("adverse_events.csv", 8, 2)]
    first, second = registry.loads()
    assert (first.source_name, second.source_name) == ("export-2024", "export-2025")
    hashes = [{f.name: f.sha256 for f in ld.files} for ld in (first, second)]
    assert hashes[0]["vital_status.csv"] != hashes[1]["vital_status.csv"]
    assert hashes[0]["sites.csv"] == hashes[1]["sites.csv"]


def test_records_absent_from_a_later_export_are_kept_and_counted(loaded: Registry, export: Path) -> None:
    registry = loaded
    ps = _csv_rows(export / "performance_status.csv")
    _write_csv(export / "performance_status.csv", ps[:-2])
    (export / "surgeries.csv").unlink()
    vital = _csv_rows(export / "vital_status.csv")
    vital[2]["last_contact_date"] = "2024-04-01"
    _write_csv(export / "vital_status.csv", vital)
    result = import_export(registry.path, export, cutoff=CUTOFF)
    assert result.changes["performance_status"].not_in_export == 2
    assert result.changes["surgeries"].not_in_export == 3
    assert registry.row_counts()["performance_status"] == len(ps)
    notes = {i.table: i.message for i in result.report if i.rule == NOT_IN_EXPORT_RULE}
    assert notes["performance_status"].startswith("2 records of table performance_status in the store were not")
    assert {i.table for i in registry.issues(load_id=result.load_id) if i.rule == NOT_IN_EXPORT_RULE} == {
        "performance_status", "surgeries"}


def test_one_bad_row_among_thousands_leaves_the_store_byte_identical(loaded: Registry, export: Path) -> None:
    registry = loaded
    before = _sha(registry.path)
    ps = _csv_rows(export / "performance_status.csv")
    extra = [
        {"ps_id": f"G{k:05d}", "patient_id": "P0001", "assessment_date": date.fromordinal(734700 + k).isoformat(),
         "scale": "ECOG", "value": "0", "context": "follow_up"}
        for k in range(3000)
    ]
    extra[1234]["assessment_date"] = "2015-02-30"
    _write_csv(export / "performance_status.csv", ps + extra)
    with pytest.raises(DataValidationError) as info:
        import_export(registry.path, export, cutoff=CUTOFF)
    (error,) = info.value.report.errors
    assert (error.file, error.row, error.column, error.value) == (
        "performance_status.csv", len(ps) + 1234 + 2, "assessment_date", "2015-02-30")
    assert "nothing was imported" in str(info.value)
    assert _sha(registry.path) == before
    assert not registry.path.with_name(registry.path.name + ".wal").exists()
    assert registry.row_counts()["performance_status"] == len(ps)


def test_import_needs_an_existing_registry(tmp_path: Path) -> None:
    target = tmp_path / "missing.duckdb"
    with pytest.raises(StoreError, match="no registry there"):
        import_export(target, EXAMPLE)
    assert not target.exists()
