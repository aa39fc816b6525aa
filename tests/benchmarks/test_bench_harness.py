"""The benchmark harness runs end to end at small n, and gistreg agrees numerically with every peer installed.

Peers (lifelines, statsmodels, scikit-survival) are optional: in the test environment usually only SciPy is
there, and the checks below cover whichever tools the run could use. R is never run here. Nothing here asserts
a speed: timings only have to exist and be positive.
"""

from __future__ import annotations

import importlib
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

bench: Any = importlib.import_module("benchmarks.run")
peers: Any = importlib.import_module("benchmarks.peers")
bdata: Any = importlib.import_module("benchmarks.data")

N = 2000


@pytest.fixture(scope="module")
def run() -> Any:
    cfg = bench.Config(sizes=(N,), repeat=1, fast_repeat=1, use_r=False, import_runs=1, warmup_n=300)
    return bench.run_benchmarks(cfg)


def _cell(run: Any, task: str, tool: str, key: str = "") -> Any:
    found = [c for c in run.cells if (c.task, c.tool, c.key) == (task, tool, key)]
    assert len(found) == 1, f"expected one {tool} row for {task}/{key!r}, got {len(found)}"
    return found[0]


@pytest.mark.parametrize("task", peers.TASKS)
def test_gistreg_row_is_timed_for_every_task(run: Any, task: str) -> None:
    cell = _cell(run, task, "gistreg")
    assert cell.seconds is not None and 0 < cell.seconds < math.inf, cell.note
    assert cell.runs == 1
    assert cell.values and all(math.isfinite(v) for v in cell.values.values()), cell.values


@pytest.mark.parametrize("key", ["package", "modules"])
def test_gistreg_start_up_is_timed(run: Any, key: str) -> None:
    cell = _cell(run, "import", "gistreg", key)
    assert cell.seconds is not None and cell.seconds > 0, cell.note


def test_gistreg_numbers_are_plausible(run: Any) -> None:
    data = bdata.make_data(N)
    km = _cell(run, "km", "gistreg").values
    for g in (0, 1):
        assert km[f"median_lo_g{g}"] <= km[f"median_g{g}"] <= km[f"median_hi_g{g}"]
        assert km[f"median_g{g}"] in set(data.time[(data.group == g) & (data.event == 1)])
    assert _cell(run, "logrank", "gistreg").values["chi2"] > 0
    assert _cell(run, "logrank_strat", "gistreg").values["chi2"] > 0
    coef = _cell(run, "cox", "gistreg").values
    # Simulated log hazard ratios are recovered within a loose band (SE is about 0.05-0.1 at n=2000).
    for name, true in zip(bdata.COVARIATES, bdata.TRUE_COEF, strict=True):
        assert abs(coef[f"coef_{name}"] - true) < 0.4, (name, coef[f"coef_{name}"], true)
    assert 0 < _cell(run, "fisher", "gistreg").values["p"] <= 1


def _tolerance(tool: str, key: str) -> float:
    if key.startswith("median"):
        return 1e-9  # medians and their limits are observed days: equal, not close
    if tool == "scipy" and key == "p":
        return 0.02  # SciPy's r x c Fisher is Monte Carlo (9999 tables, seeded), about 5 standard errors
    return 1e-6  # chi-square (relative) and Cox coefficients (absolute)


def _compared_peers(run: Any) -> list[tuple[Any, Any]]:
    pairs = []
    for cell in run.cells:
        if cell.tool == "gistreg" or not cell.values:
            continue
        ref = _cell(run, cell.task, "gistreg", cell.key)
        pairs.append((cell, ref))
    return pairs


def test_every_installed_peer_agrees_with_gistreg(run: Any) -> None:
    pairs = _compared_peers(run)
    # SciPy is a gistreg dependency, so at least KM medians, log-rank and Fisher are always cross-checked.
    assert {(c.task, c.tool) for c, _ in pairs} >= {("km", "scipy"), ("logrank", "scipy"), ("fisher", "scipy")}
    for cell, ref in pairs:
        shared = cell.values.keys() & ref.values.keys()
        assert shared, f"{cell.tool}/{cell.task} shares no number with gistreg: {sorted(cell.values)}"
        for key in sorted(shared):
            got, want = cell.values[key], ref.values[key]
            if math.isnan(got) and math.isnan(want):
                continue  # both "not reached"
            tol = _tolerance(cell.tool, key) * max(1.0, abs(want))
            assert abs(got - want) <= tol, (cell.tool, cell.task, key, got, want)


def test_report_flags_a_disagreeing_peer_and_no_real_one(run: Any) -> None:
    assert bench.disagreements(run.cells) == []
    ref = bench.Cell("logrank", 10, "gistreg", 0.1, 1, values={"chi2": 10838.2})
    bad = bench.Cell("logrank", 10, "scipy", 0.2, 1, values={"chi2": 27722.4})
    good = bench.Cell("logrank", 10, "statsmodels", 0.2, 1, values={"chi2": 10838.2 * (1 + 1e-9)})
    flagged = bench.disagreements([ref, bad, good])
    assert len(flagged) == 1 and "scipy" in flagged[0] and "27722.4" in flagged[0]


def test_every_installed_peer_ran(run: Any) -> None:
    for adapter in peers.ADAPTERS:
        if adapter.tool == "gistreg" or not peers.tool_available(adapter.tool):
            continue
        cell = _cell(run, adapter.task, adapter.tool)
        assert cell.seconds is not None and cell.seconds > 0, (adapter.tool, adapter.task, cell.note)


def test_unsupported_pairs_are_reported_as_not_available(run: Any) -> None:
    for (task, tool), reason in peers.NOT_SUPPORTED.items():
        if peers.tool_available(tool):
            cell = _cell(run, task, tool)
            assert cell.seconds is None and cell.note == reason


def test_report_lists_every_row_and_every_target(run: Any) -> None:
    cfg = bench.Config(sizes=(N,), repeat=1, use_r=False)
    text = bench.report(run, cfg, "python benchmarks/run.py --sizes 2000")
    table = text.split("## All timings", 1)[1]
    assert sum(line.startswith("| ") for line in table.splitlines()) == len(run.cells) + 1
    targets = bench.evaluate_targets(run.cells)
    assert len(targets) == 10
    status = {t.name: t.status for t in targets}
    # Only the Fisher and start-up targets are measurable at n=2000; the others need n=1e6 and 1e7.
    assert status["fisher 2x5 n=200: gistreg < 0.1 s"] in {"PASS", "FAIL"}
    assert status["import gistreg.stats < 0.3 s"] in {"PASS", "FAIL"}
    assert sum(s == "not measured" for s in status.values()) == 8


def test_peer_over_budget_is_skipped_but_gistreg_runs() -> None:
    cfg = bench.Config(sizes=(500, N), repeat=1, budget=1e-9, use_r=False, tasks=("logrank",), warmup_n=300)
    cells = bench.run_benchmarks(cfg).cells
    at_n = {c.tool: c for c in cells if c.n == N}
    assert at_n["gistreg"].seconds is not None
    assert at_n["scipy"].seconds is None and at_n["scipy"].note.startswith("skipped (projected")


def test_max_difference_is_relative_above_one_and_absolute_below() -> None:
    assert bench.max_difference({"a": 101.0, "b": 0.5}, {"a": 100.0, "b": 0.25, "c": 3.0}) == pytest.approx(0.25)
    assert bench.max_difference({"a": np.nan}, {"a": np.nan}) is None
    assert bench.max_difference({"x": 1.0}, {"y": 1.0}) is None


def test_fast_cells_are_timed_more_often_within_the_budget() -> None:
    calls: list[int] = []

    def fast() -> dict[str, float]:
        calls.append(1)
        return {"x": 1.0}

    _, runs, _ = bench._median_time(fast, 3, None, 15)
    assert runs == len(calls) == 15
    _, runs, _ = bench._median_time(fast, 3, None, 0)
    assert runs == 3
    _, runs, _ = bench._median_time(fast, 3, 1e-12, 15)  # a peer's budget still stops it after its first call
    assert runs == 1
