"""End to end: ``gistreg demo`` writes the registry and both studies' reports; bundled specs equal studies/."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gistreg.cli import app
from gistreg.report.build import bundled_study_specs

STUDIES = Path(__file__).resolve().parents[2] / "studies"


def test_bundled_specs_are_identical_to_the_studies_folder() -> None:
    bundled = {p.name: p.read_bytes() for p in bundled_study_specs()}
    repo = {p.name: p.read_bytes() for p in STUDIES.glob("*.yaml")}
    assert bundled == repo
    assert len(bundled) == 2


@pytest.mark.slow
def test_demo_writes_both_study_reports(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    assert (out / "registry.duckdb").exists()
    ids = ["imatinib-rechallenge", "second-line-sunitinib-vs-imatinib-800"]
    for sid in ids:
        for suffix in ("_report.html", "_report.docx", "_flowchart.svg", "_flowchart.png", "_forest.svg",
                       "_results.csv"):
            assert (out / f"{sid}{suffix}").stat().st_size > 0, sid + suffix
        assert list(out.glob(f"{sid}_km_*.svg")) and list(out.glob(f"{sid}_km_*.png"))
        assert f"{sid}_report.html" in result.output
