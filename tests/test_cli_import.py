"""The command line on real exports: import, validate, summary, synth and demo."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gistreg.cli import app
from gistreg.registry.report_text import ISSUE_CSV_COLUMNS

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "gistreg" / "data" / "example"
runner = CliRunner()


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    reg = tmp_path / "registry.duckdb"
    assert runner.invoke(app, ["init", str(reg)]).exit_code == 0
    return reg


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry holding the example, imported once through the command line (stdout kept next to it)."""
    reg = tmp_path_factory.mktemp("imported") / "registry.duckdb"
    assert runner.invoke(app, ["init", str(reg)]).exit_code == 0
    first = runner.invoke(app, ["import", str(EXAMPLE), "--registry", str(reg), "--cutoff", "2024-06-30"])
    reg.with_name("import.stdout").write_text(first.stdout, encoding="utf-8")
    reg.with_name("import.stderr").write_text(first.stderr, encoding="utf-8")
    assert first.exit_code == 0, first.output
    return reg


@pytest.fixture
def bad_export(tmp_path: Path) -> Path:
    """The example with two unknown agents and an impossible date."""
    export = Path(shutil.copytree(EXAMPLE, tmp_path / "bad-export"))
    path = export / "drug_exposures.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[1]["agent"] = "aspirin"
    rows[4]["agent"] = "paracetamol"
    rows[6]["start_date"] = "2010-02-30"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return export


def test_import_prints_counts_per_table_and_the_report(imported: Path) -> None:
    stdout = imported.with_name("import.stdout").read_text(encoding="utf-8")
    assert stdout.startswith("Imported example as load 1 (12 files).\n")
    assert "  patients                   5        0          0              0\n" in stdout
    assert "Validation: 0 errors, 0 warnings," in stdout
    assert stdout.count("Validation:") == 1
    assert "read: 0/2" in imported.with_name("import.stderr").read_text(encoding="utf-8")


def test_second_import_of_the_same_export_changes_nothing(imported: Path, tmp_path: Path) -> None:
    reg = Path(shutil.copyfile(imported, tmp_path / "registry.duckdb"))
    again = runner.invoke(app, ["import", str(EXAMPLE), "--registry", str(reg), "--cutoff", "2024-06-30"])
    assert again.exit_code == 0
    assert again.stdout.startswith("Nothing changed: every record of example is already in the registry")
    assert reg.read_bytes() == imported.read_bytes()


def test_import_with_errors_prints_issues_by_rule_and_exits_2(registry: Path, bad_export: Path) -> None:
    before = registry.read_bytes()
    result = runner.invoke(app, ["import", str(bad_export), "--registry", str(registry)])
    assert result.exit_code == 2
    assert "Validation: 3 errors," in result.stdout
    assert "C01  error  2 issues" in result.stdout
    assert "T01  error  1 issue" in result.stdout
    assert "drug_exposures.csv row 3, column agent:" in result.stdout
    assert "drug_exposures.csv row 8, column start_date:" in result.stdout
    assert result.stderr.rstrip().endswith("bad-export: 3 errors (rules C01, T01); nothing was imported")
    assert registry.read_bytes() == before


def test_import_into_a_missing_registry_exits_3(tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(EXAMPLE), "--registry", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 3
    assert "none.duckdb: no registry there" in result.stderr


def test_validate_export_writes_every_issue_to_csv(bad_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "issues.csv"
    result = runner.invoke(app, ["validate", str(bad_export), "--csv", str(out), "--max-per-rule", "1"])
    assert result.exit_code == 2
    assert "C01  error  2 issues" in result.stdout
    assert "  … and 1 more" in result.stdout
    with out.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == ISSUE_CSV_COLUMNS
    assert sorted((r["rule"], r["row"], r["value"]) for r in rows if r["severity"] == "error") == [
        ("C01", "3", "aspirin"), ("C01", "6", "paracetamol"), ("T01", "8", "2010-02-30")]
    assert {r["record_id"] for r in rows if r["rule"] == "C01"} == {"E0002", "E0005"}


def test_validate_valid_export_exits_0() -> None:
    ok = runner.invoke(app, ["validate", str(EXAMPLE), "--cutoff", "2024-06-30"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("Validation: 0 errors, 0 warnings,")


def test_validate_stored_data_exits_0(imported: Path) -> None:
    stored = runner.invoke(app, ["validate", "--registry", str(imported), "--cutoff", "2024-06-30"])
    assert stored.exit_code == 0, stored.output
    assert stored.stdout.startswith("Validation: 0 errors, 0 warnings,")


def test_summary_after_import_has_counts_and_no_patient_ids(imported: Path) -> None:
    result = runner.invoke(app, ["summary", "--registry", str(imported)])
    assert result.exit_code == 0
    text = result.stdout
    assert "  patients                  5\n" in text
    assert "  A01          2\n  B01          3\n" in text
    assert "  alive          3\n  dead           2\n" in text
    assert "  imatinib     adjuvant            2        2\n" in text
    assert "  1  " in text
    assert "example (csv, cutoff 2024-06-30): 80 records inserted or updated" in text
    assert "      sites.csv  sha256 " in text
    assert "Treatment lines (gist-lot-1(" in text
    # P0001: adjuvant imatinib, then palliative imatinib after recurrence (a rechallenge);
    # P0002: imatinib 400 → 800 after progression (a new line with escalation) → sunitinib;
    # P0005: imatinib → sunitinib → regorafenib (the dose reduction stays in the line)
    assert "  curative       1         2                0             0\n" in text
    assert "  palliative     1         4                0             1\n" in text
    assert "  palliative     2         2                1             0\n" in text
    assert "  palliative     3         2                0             0\n" in text
    for pseudonym in ("P0001", "P0005", "E0001", "D0001"):
        assert pseudonym not in text
