"""A valid export passes; run settings (cutoff, absent tables) and re-validation of typed tables; the catalogue."""

from __future__ import annotations

import datetime as dt
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from gistreg.core.issues import ValidationReport
from gistreg.registry.rules import RULES, RuleConfig, rule
from gistreg.registry.schema import TABLES
from gistreg.registry.validate import validate_staged, validate_typed


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


@pytest.fixture(scope="module")
def clean() -> tuple[duckdb.DuckDBPyConnection, ValidationReport, int]:
    """A valid export of 30 patients at 3 sites (a few hundred rows), validated; the connection keeps the
    typed tables."""
    rows = fx.clean_rows(30, sites=3)
    con = duckdb.connect()
    report = validate_staged(con, fx.stage_rows(con, rows), cutoff=fx.CUTOFF, today=fx.TODAY)
    return con, report, sum(len(r) for r in rows.values())


def test_clean_export_has_no_error_and_no_warning(clean: tuple[duckdb.DuckDBPyConnection, ValidationReport, int]
                                                 ) -> None:
    _, report, n_rows = clean
    assert n_rows > 400
    assert [str(i) for i in fx.not_info(report)] == []
    assert report.ok


def test_clean_export_has_the_completeness_notes_per_site_and_item(
    clean: tuple[duckdb.DuckDBPyConnection, ValidationReport, int],
) -> None:
    _, report, _ = clean
    notes = fx.issues_of(report, "M01")
    assert {(i.table, i.column, i.record_id) for i in notes} == {
        (t, c, s) for s in ("S1", "S2", "S3")
        for t, c in (("diagnoses", "mitotic_count"), ("mutations", "genotype_class"),
                     ("performance_status", "value"), ("vital_status", "last_contact_date"))
    }
    assert {i.value for i in notes} == {"0.0%"}
    assert all(i.severity == "info" and i.file == "" and i.row is None for i in notes)


def test_completeness_percentages() -> None:
    rows = fx.clean_rows(4)
    rows["diagnoses"][0].update(mitotic_count=None, mitotic_unit=None)
    rows["mutations"][1].update(genotype_class="NOT_TESTED", gene=None, exon=None, variant=None)
    del rows["mutations"][2]
    rows["performance_status"][3]["assessment_date"] = "2019-01-01"
    rows["vital_status"][0]["last_contact_date"] = "2021-06-01"
    report = fx.validate_rows(rows)
    got = {(i.table, i.message) for i in fx.issues_of(report, "M01")}
    assert got == {
        ("diagnoses", "site S1: mitotic count missing for 1 of 4 diagnoses (25.0%)"),
        ("mutations", "site S1: mutation status (no mutations row, or NOT_TESTED) missing for 2 of 4 patients "
                      "(50.0%)"),
        ("performance_status", "site S1: ECOG within 30 days of the first palliative start missing for 1 of 4 "
                               "palliatively treated patients (25.0%)"),
        # patient 2 is dead; patients 0, 1 and 3 are alive, and 0 was last seen more than 12 months before the cutoff
        ("vital_status", "site S1: last contact within 12 months of the cutoff (2022-12-31) missing for 1 of 3 "
                         "patients not known to be dead (33.3%)"),
    }


def test_cutoff_and_absent_tables_change_what_is_checked() -> None:
    rows = fx.clean_rows(2)
    rows["vital_status"][0]["last_contact_date"] = "2023-03-01"
    assert fx.locations(fx.validate_rows(rows, cutoff=dt.date(2022, 12, 31)), "D04") == {
        ("vital_status.csv", 2, "last_contact_date")}
    without_cutoff = fx.validate_rows(rows, cutoff=None)
    assert fx.issues_of(without_cutoff, "D04") == []
    # the follow-up note then refers to today
    assert any("of today (2026-01-01)" in i.message for i in fx.issues_of(without_cutoff, "M01"))
    # no surgeries table: D05 cannot ask for a resection (but an empty surgeries table can)
    rows = fx.clean_rows(2)
    del rows["surgeries"]
    assert fx.issues_of(fx.validate_rows(rows), "D05") == []
    rows["surgeries"] = []
    assert fx.locations(fx.validate_rows(rows), "D05") == {("drug_exposures.csv", 2, "setting"),
                                                            ("drug_exposures.csv", 6, "setting")}


def test_settings_are_applied() -> None:
    rows = fx.clean_rows(1)
    rows["diagnoses"][0]["diagnosis_date"] = "2015-04-01"
    rows["drug_exposures"][0]["setting"] = "neoadjuvant"  # starts a month before the recorded diagnosis date
    con = duckdb.connect()
    report = validate_staged(con, fx.stage_rows(con, rows), today=fx.TODAY)
    assert fx.issues_of(report, "D02") == []
    con = duckdb.connect()
    strict = validate_staged(con, fx.stage_rows(con, rows), today=fx.TODAY,
                             config=RuleConfig(neoadjuvant_window_days=10))
    assert fx.locations(strict, "D02") == {("drug_exposures.csv", 2, "start_date")}


def test_revalidating_typed_tables_gives_the_same_report(clean: tuple[duckdb.DuckDBPyConnection, ValidationReport,
                                                                      int]) -> None:
    con, report, _ = clean
    again = validate_typed(con, cutoff=fx.CUTOFF, today=fx.TODAY)
    assert again.issues == report.issues


def test_validate_typed_reads_store_tables_and_rechecks_codes_and_required_values() -> None:
    con = duckdb.connect()
    staged = fx.stage_rows(con, fx.clean_rows(2))
    validate_staged(con, staged, cutoff=fx.CUTOFF, today=fx.TODAY)
    con.execute("CREATE SCHEMA store")
    for t in TABLES:  # a store: canonical names, plus its own bookkeeping column
        con.execute(f'CREATE TABLE store."{t}" AS SELECT *, 1 AS load_id FROM "typed_{t}"')
    con.execute("UPDATE store.drug_exposures SET agent = 'Glivec' WHERE exposure_id = 'E1b'")
    con.execute("UPDATE store.patients SET sex = NULL WHERE patient_id = 'P0000'")
    report = validate_typed(con, cutoff=fx.CUTOFF, today=fx.TODAY, table_prefix="store.")
    assert {(i.rule, i.file, i.row, i.column, i.value) for i in fx.not_info(report)} == {
        ("C01", "drug_exposures.csv", 7, "agent", "Glivec"),
        ("T04", "patients.csv", 2, "sex", None),
    }


def test_validate_typed_on_an_empty_database_runs_every_check() -> None:
    report = validate_typed(duckdb.connect(), cutoff=fx.CUTOFF, today=fx.TODAY, table_prefix="")
    assert len(report) == 0


def test_catalogue() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[TCDLVPKXM][0-9]{2}", i) for i in ids)
    for r in RULES:
        assert r.title and r.description.endswith(".")
        assert r.severity == r.levels[0]
        assert all(c.rule == r.id and c.severity in r.levels and c.table in (*TABLES, None) for c in r.checks)
        assert r.checks or r.id in {"T01", "T02", "T03", "D09"} or r.id.startswith("T")
    assert rule("D03").severity == "error"
    assert rule("D01").levels == ("error", "warning")
    assert rule("M01").levels == ("info",)
    with pytest.raises(KeyError, match="Z99"):
        rule("Z99")
