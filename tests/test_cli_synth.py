"""The command line's synth and demo commands."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gistreg.cli import app
from gistreg.registry.schema import TABLES

runner = CliRunner()


def test_synth_writes_a_canonical_folder(tmp_path: Path) -> None:
    out = tmp_path / "synthetic"
    result = runner.invoke(app, ["synth", "--out", str(out), "--seed", "7", "--patients", "12"])
    assert result.exit_code == 0, result.output
    assert {p.stem for p in out.glob("*.csv")} >= {"sites", "patients", "diagnoses", "drug_exposures",
                                                   "vital_status"}
    assert result.stderr != ""


def test_demo_synthesises_imports_and_summarises(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--patients", "15"])
    assert result.exit_code == 0, result.output
    assert (out / "registry.duckdb").is_file()
    assert (out / "registry-export" / "patients.csv").is_file()
    assert "Imported registry-export as load 1" in result.stdout
    assert "Records per table" in result.stdout
    assert all(f"  {t}" in result.stdout for t in TABLES)
