"""Write a study run to a folder: the analysis dataset, the result records (CSV and JSON), the attrition."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.csv as pacsv

from gistreg.core.errors import ReportError
from gistreg.study.records import study_records, write_records_csv, write_records_json
from gistreg.study.run import StudyResult


def write_study_outputs(result: StudyResult, out: Path) -> list[Path]:
    """Write ``<id>_analysis_dataset.csv``, ``<id>_results.csv``, ``<id>_results.json``, ``<id>_attrition.csv``.

    The analysis dataset holds one row per patient (the registry pseudonym, never a direct identifier).
    Returns the paths written.
    """
    sid = result.spec.id
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{sid}_analysis_dataset.csv", out / f"{sid}_results.csv", out / f"{sid}_results.json",
                 out / f"{sid}_attrition.csv"]
        pacsv.write_csv(result.dataset, paths[0])
        records = study_records(result)
        write_records_csv(records, paths[1])
        write_records_json(records, paths[2])
        with paths[3].open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["step", "label", "kind", "n_in", "n_excluded", "reason", "n_out"])
            a = result.attrition
            w.writerow([0, a.population, "population", "", "", "", a.n_population])
            for s in a.steps:
                w.writerow([s.step, s.label, s.kind, s.n_in, s.n_excluded, s.reason, s.n_out])
            for arm, n in a.arms:
                w.writerow(["arm", arm, "arm", "", "", "", n])
    except OSError as exc:
        raise ReportError(f"{out}: cannot write the study output ({exc.strerror})") from exc
    return paths


__all__ = ["write_study_outputs"]
