"""Study results and a written report, built once per session from the synthetic registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from gistreg.cohort.spec import load_spec
from gistreg.report.build import write_report
from gistreg.study.run import StudyResult, open_registry, run_study

STUDIES = Path(__file__).resolve().parents[2] / "studies"


@pytest.fixture(scope="session")
def study_results(synthetic_registry: Path) -> tuple[StudyResult, ...]:
    """Both shipped studies run over the default synthetic registry."""
    backend = open_registry(str(synthetic_registry))
    return tuple(run_study(load_spec(p), backend) for p in sorted(STUDIES.glob("*.yaml")))


@pytest.fixture(scope="session")
def report_dir(study_results: tuple[StudyResult, ...], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every report artefact of both studies, written once."""
    out = tmp_path_factory.mktemp("report")
    for res in study_results:
        write_report(res, out)
    return out
