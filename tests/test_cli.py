"""The command line: exit codes and output text (CliRunner, no subprocess)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from gistreg import __version__
from gistreg.cli import StderrProgress, app
from gistreg.registry.schema import TABLES

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["version"])
    assert result.exit_code == 0
    assert result.stdout == f"{__version__}\n"


def test_init_creates_a_registry_and_refuses_to_overwrite(tmp_path: Path) -> None:
    reg = tmp_path / "reg.duckdb"
    first = runner.invoke(app, ["init", str(reg)])
    assert first.exit_code == 0
    assert first.stdout == f"Created registry {reg} (layout version 1).\n"
    assert reg.is_file()
    second = runner.invoke(app, ["init", str(reg)])
    assert second.exit_code == 3
    assert second.stderr == "error: reg.duckdb: a file already exists there; choose a new file name for the registry\n"


def test_summary_of_an_empty_registry(tmp_path: Path) -> None:
    reg = tmp_path / "reg.duckdb"
    runner.invoke(app, ["init", str(reg)])
    result = runner.invoke(app, ["summary", "--registry", str(reg)])
    assert result.exit_code == 0
    assert result.stdout.startswith("Registry reg.duckdb\n\nRecords per table\n")
    assert "Treatment lines\n  (not derived yet" in result.stdout
    for t in TABLES:
        assert f"  {t.ljust(18)}        0\n" in result.stdout
    assert "Loads\n  (none)\n" in result.stdout


def test_summary_of_a_missing_registry_is_a_store_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["summary", "--registry", str(tmp_path / "nope.duckdb")])
    assert result.exit_code == 3
    assert "error: nope.duckdb: no registry there; create one with `gistreg init nope.duckdb`" in result.stderr


def test_validate_needs_exactly_one_source(tmp_path: Path) -> None:
    neither = runner.invoke(app, ["validate"])
    assert neither.exit_code == 2
    assert "give either an export PATH or --registry FILE" in neither.stderr
    both = runner.invoke(app, ["validate", str(tmp_path), "--registry", str(tmp_path / "r.duckdb")])
    assert both.exit_code == 2


def test_bad_cutoff_names_the_option_and_the_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path), "--cutoff", "2024-13-01"])
    assert result.exit_code == 2
    assert result.stderr == ("error: --cutoff: '2024-13-01' is not a date (expected YYYY-MM-DD, e.g. 2024-06-30)\n")


def test_progress_prints_each_step_and_each_tenth() -> None:
    lines: list[str] = []
    progress = StderrProgress(lines.append)
    for k in range(101):
        progress("patients", k, 100)
    for k in range(1, 4):
        progress("files", k, 3)
    assert lines[:2] == ["  patients: 0/100", "  patients: 10/100"]
    assert len(lines) == 13
    assert lines[-2:] == ["  files: 1/3", "  files: 3/3"]
