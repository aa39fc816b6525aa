"""write_registry as a whole: determinism, the import path (reader → staging → validation), chunking, summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

import gistreg.synth as synth
from gistreg.core.errors import InputError
from gistreg.ingest import open_reader
from gistreg.registry.schema import TABLES
from gistreg.registry.validate import validate_staged
from gistreg.synth import calibration as cal
from gistreg.synth import write_registry

from .conftest import Export


def _bytes(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def test_same_seed_same_bytes(default_export: Export, tmp_path: Path) -> None:
    again = write_registry(tmp_path / "again")
    assert _bytes(tmp_path / "again") == _bytes(default_export.path)
    assert again == type(again)(tmp_path / "again", *(getattr(default_export.summary, f) for f in
                                                       ("seed", "rows", "patients_per_cohort", "targets", "achieved")))


def test_other_seed_other_registry_same_calibration(default_export: Export, tmp_path: Path) -> None:
    s = write_registry(tmp_path / "seed7", seed=7)
    a, b = _bytes(tmp_path / "seed7"), _bytes(default_export.path)
    assert a["patients.csv"] != b["patients.csv"]
    assert a["drug_exposures.csv"] != b["drug_exposures.csv"]
    assert a["sites.csv"] == b["sites.csv"]
    assert s.patients_per_cohort == default_export.summary.patients_per_cohort
    assert s.achieved["nl.deaths"] == cal.NL_DEATHS
    assert abs(s.achieved["nl.pfs.median.sunitinib"] - cal.NL_PFS_MEDIAN["sunitinib"]) <= 0.3


def test_scaled_same_seed_same_bytes(scaled_export: Export, tmp_path: Path) -> None:
    write_registry(tmp_path / "s", patients=5000, chunk_patients=700)
    assert _bytes(tmp_path / "s") == _bytes(scaled_export.path)


def _stage_and_validate(path: Path) -> tuple[Any, Any]:
    con = duckdb.connect()
    try:
        staged = open_reader(path, tables=TABLES).stage(con)
        return staged, validate_staged(con, staged)
    finally:
        con.close()


def test_import_has_no_error_and_every_row(any_export: Export) -> None:
    staged, report = _stage_and_validate(any_export.path)
    assert report.errors == (), [str(i) for i in report.errors[:10]]
    assert dict(staged.row_counts) == dict(any_export.summary.rows)


def test_default_import_has_no_warning(default_export: Export) -> None:
    _, report = _stage_and_validate(default_export.path)
    assert report.warnings == (), [str(i) for i in report.warnings[:10]]


def test_scaled_registry_is_written_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[int, int, int]] = []
    original = synth.write_chunk

    def spy(writer: Any, seed: int, chunk: int, first: int, n: int, sites: Any, *, stream: int = 0) -> None:
        calls.append((chunk, first, n))
        original(writer, seed, chunk, first, n, sites, stream=stream)

    monkeypatch.setattr(synth, "write_chunk", spy)
    progress: list[tuple[str, int, int]] = []
    s = write_registry(tmp_path / "c", patients=1234, chunk_patients=300,
                       progress=lambda step, done, total: progress.append((step, done, total)))
    assert [c[0] for c in calls] == [0, 1, 2, 3, 4]
    assert [c[2] for c in calls] == [300, 300, 300, 300, 34]
    assert [c[1] for c in calls] == [0, 300, 600, 900, 1200]
    assert s.patients == 1234 and s.rows["vital_status"] == 1234
    assert progress[-1] == ("synthesise", 1234, 1234)
    ids = [line.split(",")[0] for line in (tmp_path / "c" / "patients.csv").read_text().splitlines()[1:]]
    assert len(set(ids)) == 1234


def test_scaled_registry_grows_its_centres(scaled_export: Export) -> None:
    assert scaled_export.summary.rows["sites"] == synth.centres_for(5000) == 9
    assert [synth.centres_for(n) for n in (1, 180_000, 200_001, 1_000_000, 10**8)] == [9, 9, 11, 50, 50]
    countries = {r["country"] for r in scaled_export.rows("sites")}
    assert countries == {"NL", "JP"}


def test_summary_lists_targets_with_sources(default_export: Export) -> None:
    s = default_export.summary
    keys = [t.key for t in s.targets]
    assert len(keys) == len(set(keys))
    assert all(t.source for t in s.targets)
    assert {"nl.flow.analysed", "jp.flow.identified", "nl.pfs.logrank_p"} <= set(keys)
    assert s.seed == synth.DEFAULT_SEED
    assert s.patients_per_cohort["nl_sunitinib"] == 72 and s.patients_per_cohort["jp_bsc"] == 12
    assert "patients at 15 centres" in str(s)


@pytest.mark.parametrize("kwargs", [{"patients": 0}, {"chunk_patients": 0}])
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(InputError):
        write_registry(tmp_path / "x", **kwargs)
