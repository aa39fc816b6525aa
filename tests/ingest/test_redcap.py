"""The REDCap reader on a small synthetic project: raw and label exports, instruments, checkboxes, issues."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
import pytest

from gistreg.core.errors import InputError
from gistreg.ingest._redcap_dict import iso_date, parse_choices
from gistreg.ingest.base import StagedExport, TableSpec
from gistreg.ingest.redcap import RedcapReader

Fetch = Callable[[duckdb.DuckDBPyConnection, str], list[dict[str, object]]]
Stager = Callable[..., StagedExport]


@pytest.fixture
def redcap(data_dir: Path) -> Path:
    return data_dir / "redcap"


@pytest.fixture
def stage(redcap: Path, con: duckdb.DuckDBPyConnection, tables: Mapping[str, TableSpec]) -> Stager:
    def run(export: Path | str, dictionary: Path | None = None, c: duckdb.DuckDBPyConnection = con) -> StagedExport:
        path = export if isinstance(export, Path) else redcap / export
        return RedcapReader(path, dictionary=dictionary or redcap / "gist_registry_DataDictionary.csv",
                            tables=tables).stage(c)
    return run


def _without_file(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{k: v for k, v in r.items() if k != "source_file"} for r in rows]


def _rewrite(src: Path, dst: Path, change: Callable[[list[list[str]]], list[list[str]]]) -> Path:
    with src.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    out = io.StringIO()
    csv.writer(out).writerows(change(rows))
    dst.write_text(out.getvalue(), encoding="utf-8")
    return dst


def test_raw_export_stages_the_canonical_rows(stage: Stager, con: duckdb.DuckDBPyConnection, fetch: Fetch) -> None:
    staged = stage("gist_registry_raw.csv")
    assert staged.row_counts == {"patients": 3, "diagnoses": 3, "mutations": 3, "vital_status": 3,
                                 "drug_exposures": 3, "adverse_events": 1, "metastases": 3}
    patients = fetch(con, "patients")
    assert [(r["patient_id"], r["site_id"], r["sex"], r["birth_date"], r["source_row"]) for r in patients] == [
        ("1001", "site_a", "M", "1956-03-02", 2), ("1002", "site_a", "F", "1949-05-20", 4),
        ("1003", "site_b", "F", "1961-11-02", 9)]
    assert {r["source_file"] for r in patients} == {"gist_registry_raw.csv"}
    drugs = fetch(con, "drug_exposures")
    assert [(r["exposure_id"], r["patient_id"], r["agent"], r["daily_dose_mg"], r["start_date"], r["source_row"])
            for r in drugs] == [("1001-drug_exposures-1", "1001", "imatinib", "400", "2012-04-10", 3),
                                ("1002-drug_exposures-1", "1002", "imatinib", "400", "2014-09-01", 5),
                                ("1002-drug_exposures-2", "1002", "sunitinib", "37.5", "2016-02-10", 6)]
    mets = fetch(con, "metastases")
    assert [(r["metastasis_id"], r["site"], r["synchronous"], r["source_row"]) for r in mets] == [
        ("1002-metastases-1-liver", "liver", "1", 8), ("1002-metastases-1-peritoneum", "peritoneum", "1", 8),
        ("1003-metastases-1-lung", "lung", "0", 10)]
    ae = fetch(con, "adverse_events")[0]
    assert (ae["ae_id"], ae["term"], ae["ctcae_version"], ae["grade"]) == (
        "1002-adverse_events-1", "Periorbital edema", "4.03", "1")


def test_numeric_codes_are_staged_as_their_canonical_labels(stage: Stager, con: duckdb.DuckDBPyConnection,
                                                            fetch: Fetch) -> None:
    staged = stage("gist_registry_raw.csv")
    assert [r["genotype_class"] for r in fetch(con, "mutations")] == ["KIT exon 11", "KIT exon 9", "Not tested"]
    assert [r["status"] for r in fetch(con, "vital_status")] == ["Alive", "Dead", "Alive"]
    notes = {i.column for i in staged.issues if i.rule == "R07"}
    assert notes == {"genotype_class", "status"}


def test_missing_data_codes_and_unmapped_columns(stage: Stager, con: duckdb.DuckDBPyConnection,
                                                 fetch: Fetch) -> None:
    staged = stage("gist_registry_raw.csv")
    dx = fetch(con, "diagnoses")
    assert [(r["size_mm"], r["mitotic_count"]) for r in dx] == [("85.5", "12"), ("120", None), (None, "2")]
    got = {(i.rule, i.severity, i.column) for i in staged.issues if i.rule != "R07"}
    assert got == {("R23", "info", "mitotic_count"), ("R23", "info", "size_mm"), ("R21", "warning", "consent_date"),
                   ("R25", "info", None)}
    r25 = next(i for i in staged.issues if i.rule == "R25")
    assert "patients_complete" in r25.message and "consent_complete" in r25.message


def test_label_export_stages_the_same_rows_as_the_raw_export(stage: Stager, con: duckdb.DuckDBPyConnection,
                                                             fetch: Fetch) -> None:
    raw = stage("gist_registry_raw.csv")
    other = duckdb.connect()
    labels = stage("gist_registry_labels.csv", c=other)
    assert labels.row_counts == raw.row_counts
    for table in raw.row_counts:
        assert _without_file(fetch(other, table)) == _without_file(fetch(con, table)), table
    assert [i for i in labels.issues if i.severity != "info" and i.rule != "R21"] == []
    mapped = {i.column for i in labels.issues if i.rule == "R07" and "labels read as their codes" in i.message}
    assert {"sex", "primary_site", "synchronous", "schedule"} <= mapped
    dates = {i.column for i in labels.issues if i.rule == "R07" and "ISO dates" in i.message}
    assert {"birth_date", "start_date", "detected_date"} <= dates


def test_label_headers_are_understood(stage: Stager, redcap: Path, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                      fetch: Fetch) -> None:
    with (redcap / "gist_registry_DataDictionary.csv").open(encoding="utf-8", newline="") as f:
        fields = {r[0]: r for r in csv.reader(f)}
    special = {"redcap_repeat_instrument": "Repeat Instrument", "redcap_repeat_instance": "Repeat Instance",
               "redcap_data_access_group": "Data Access Group"}

    def relabel(rows: list[list[str]]) -> list[list[str]]:
        header = []
        for name in rows[0]:
            stem, sep, code = name.partition("___")
            if name in special:
                header.append(special[name])
            elif name.endswith("_complete"):
                header.append("Complete?")
            elif sep:
                header.append(f"{fields[stem][4]} (choice={parse_choices(fields[stem][5])[code]})")
            else:
                header.append(fields[name][4])
        return [header, *rows[1:]]

    export = _rewrite(redcap / "gist_registry_labels.csv", tmp_path / "labels_headers.csv", relabel)
    staged = stage(export)
    other = duckdb.connect()
    stage("gist_registry_raw.csv", c=other)
    for table in staged.row_counts:
        assert _without_file(fetch(con, table)) == _without_file(fetch(other, table)), table
    assert {(i.rule, i.column) for i in staged.issues if i.severity == "warning"} == {
        ("R21", "consent_date")}


def test_both_files_are_listed_with_their_hashes(stage: Stager, redcap: Path) -> None:
    staged = stage("gist_registry_raw.csv")
    export, dictionary = staged.files
    assert export.name == "gist_registry_raw.csv" and export.format == "redcap"
    assert export.sha256 == hashlib.sha256((redcap / export.name).read_bytes()).hexdigest()
    assert export.n_rows == sum(staged.row_counts.values()) and set(export.tables) == set(staged.row_counts)
    assert dictionary.name == "gist_registry_DataDictionary.csv" and dictionary.tables == ()
    assert dictionary.sha256 == hashlib.sha256((redcap / dictionary.name).read_bytes()).hexdigest()


def test_bad_values_are_reported_and_kept(stage: Stager, redcap: Path, tmp_path: Path,
                                          con: duckdb.DuckDBPyConnection, fetch: Fetch) -> None:
    def spoil(rows: list[list[str]]) -> list[list[str]]:
        h = rows[0]
        rows[1][h.index("sex")] = "Mannelijk"
        rows[1][h.index("birth_date")] = "31/02/1956"
        rows[7][h.index("site___liver")] = "yes"
        rows[2][h.index("redcap_repeat_instrument")] = "chemotherapy"
        rows[3][h.index("record_id")] = ""
        return rows

    staged = stage(_rewrite(redcap / "gist_registry_raw.csv", tmp_path / "spoiled.csv", spoil))
    got = {(i.rule, i.severity, i.row, i.column) for i in staged.issues if i.rule not in ("R07", "R21", "R23", "R25")}
    assert got == {("R22", "warning", 2, "sex"), ("R24", "warning", 2, "birth_date"),
                   ("R26", "warning", 8, "site"), ("R27", "warning", None, None), ("R27", "error", 4, None)}
    patient = fetch(con, "patients")[0]
    assert (patient["sex"], patient["birth_date"]) == ("Mannelijk", "31/02/1956")
    assert [r["site"] for r in fetch(con, "metastases")] == ["peritoneum", "lung"]
    assert [r["patient_id"] for r in fetch(con, "drug_exposures")] == ["1002", "1002"]


def test_longitudinal_ids_include_the_event(stage: Stager, tmp_path: Path, con: duckdb.DuckDBPyConnection,
                                            fetch: Fetch) -> None:
    (tmp_path / "export.csv").write_text(
        "record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,agent,daily_dose_mg\n"
        "7,baseline_arm_1,drug_exposures,1,imatinib,400\n7,month_6_arm_1,drug_exposures,1,imatinib,800\n",
        encoding="utf-8")
    staged = stage(tmp_path / "export.csv")
    assert [r["exposure_id"] for r in fetch(con, "drug_exposures")] == [
        "7-baseline_arm_1-drug_exposures-1", "7-month_6_arm_1-drug_exposures-1"]
    missing = {i.column for i in staged.issues if i.rule == "R02"}
    assert missing == {"schedule", "setting", "start_date"}


def test_an_export_without_record_id_and_an_unusable_dictionary(stage: Stager, redcap: Path, tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("sex,agent\nM,imatinib\n", encoding="utf-8")
    staged = stage(tmp_path / "export.csv")
    assert staged.row_counts == {} or all(n == 0 for n in staged.row_counts.values())
    assert ("R27", "error") in {(i.rule, i.severity) for i in staged.issues}
    staged = stage("gist_registry_raw.csv", dictionary=redcap / "gist_registry_raw.csv")
    assert staged.row_counts == {}
    assert [(i.rule, i.severity) for i in staged.issues] == [("R20", "error")]


def test_missing_files_are_input_errors(redcap: Path, tmp_path: Path, tables: Mapping[str, TableSpec]) -> None:
    with pytest.raises(InputError, match="data dictionary"):
        RedcapReader(redcap / "gist_registry_raw.csv", dictionary=tmp_path / "none.csv", tables=tables)


@pytest.mark.parametrize(("value", "order", "expected"), [
    ("2020-12-31", "dmy", ("2020-12-31", False)), ("31-12-2020", "dmy", ("2020-12-31", True)),
    ("12/31/2020", "mdy", ("2020-12-31", True)), ("03-04-2020", "dmy", ("2020-04-03", True)),
    ("03-04-2020", "mdy", ("2020-03-04", True)), ("2020-1-2 10:30", "ymd", ("2020-01-02", True)),
    ("31-02-2020", "dmy", None), ("31-12-2020", "ymd", None), ("yesterday", "dmy", None)])
def test_redcap_dates(value: str, order: str, expected: tuple[str, bool] | None) -> None:
    assert iso_date(value, order) == expected


def test_choices_parse_like_redcap() -> None:
    assert parse_choices("1, Male | 2, Female") == {"1": "Male", "2": "Female"}
    assert parse_choices("yes_spontaneous, Yes, spontaneous|no,No") == {"yes_spontaneous": "Yes, spontaneous",
                                                                        "no": "No"}
    assert parse_choices("") == {}
