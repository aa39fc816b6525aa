"""Speed benchmarks of gistreg's statistics against lifelines, statsmodels, scikit-survival, SciPy and R.

Usage (from the repository root, in an environment with ``pip install -e '.[bench]'``)::

    python benchmarks/run.py                                   # full run: n = 1e4 ... 1e7, 3 repeats
    python benchmarks/run.py --sizes 1e4,1e5,1e6,1e7 --repeat 3
    python benchmarks/run.py --quick                           # n = 1e4, 1e5, 1 repeat; writes no file

Every tool gets the same synthetic data (``benchmarks/data.py``). A cell is the median of ``--repeat`` timed
calls after one untimed warm-up call on small data. Peers are optional: a tool that is not installed is listed
as such. A peer is not run at a size where its time at the previous size, scaled linearly and by 1.2, exceeds
``--budget`` seconds, and its repeats stop once they have used the budget. gistreg always runs. R is timed
inside R (``benchmarks/r_bench.R``) when ``Rscript`` is on the PATH, up to ``--r-max-n`` rows.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable from the repository root
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.data import BenchData, fisher_table, make_data, write_csv
from benchmarks.peers import (
    CONTINUOUS_TASKS,
    IMPORTS,
    NOT_SUPPORTED,
    TASK_TITLES,
    TASKS,
    TOOLS,
    Adapter,
    Values,
    adapters_for,
    tool_available,
    tool_version,
)

HERE = Path(__file__).resolve().parent
R_TOOL = "R"
TOOL_ORDER: tuple[str, ...] = (*TOOLS, R_TOOL, "python")
FULL_SIZES: tuple[int, ...] = (10**4, 10**5, 10**6, 10**7)
QUICK_SIZES: tuple[int, ...] = (10**4, 10**5)
#: Growth assumed from one size to the next when projecting a peer's time: linear in n, times this factor.
GROWTH_SLACK = 1.2
Log = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Cell:
    """One row of the results: the median time of one tool on one task at one size, and its numbers."""

    task: str
    n: int | None
    tool: str
    seconds: float | None
    runs: int = 0
    note: str = ""
    values: Values = field(default_factory=dict)
    key: str = ""  # distinguishes several rows of one tool in a task (the import statements)


@dataclass(frozen=True, slots=True)
class Config:
    """What to run: sizes, repeats, the time budget per peer cell, and which tools and tasks."""

    sizes: tuple[int, ...] = FULL_SIZES
    repeat: int = 3
    fast_repeat: int = 15  # at least this many calls for a cell whose median is under FAST_SECONDS
    budget: float = 120.0
    tools: tuple[str, ...] = tuple(TOOLS)
    tasks: tuple[str, ...] = (*TASKS, "import")
    use_r: bool = True
    r_max_n: int = 10**6
    import_runs: int = 7
    seed: int = 20240601
    warmup_n: int = 1000


def _quiet(_: str) -> None:
    return None


#: Cells faster than this are timed ``fast_repeat`` times: a median of 3 millisecond timings is mostly noise.
FAST_SECONDS = 0.1


def _median_time(
    run: Callable[[], Values], repeat: int, budget: float | None, fast_repeat: int = 0
) -> tuple[float, int, Values]:
    """Median seconds of up to ``repeat`` calls (fewer once ``budget`` is used up; at least ``fast_repeat`` when
    the median is under :data:`FAST_SECONDS`), the count, and the values."""
    times: list[float] = []
    values: Values = {}
    while len(times) < repeat or (len(times) < fast_repeat and statistics.median(times) < FAST_SECONDS):
        gc.collect()
        t0 = time.perf_counter()
        values = run()
        times.append(time.perf_counter() - t0)
        if budget is not None and sum(times) > budget:
            break
    return statistics.median(times), len(times), values


History = dict[tuple[str, str], tuple[int, float]]


def _projected(history: History, task: str, tool: str, n: int) -> float | None:
    prev = history.get((task, tool))
    if prev is None:
        return None
    prev_n, prev_s = prev
    return prev_s * (n / prev_n) * GROWTH_SLACK if n > prev_n else prev_s


def _measure(adapter: Adapter, data: BenchData, cfg: Config, n: int) -> Cell:
    budget = None if adapter.tool == "gistreg" else cfg.budget
    try:
        state = adapter.prepare(data)
        seconds, runs, values = _median_time(lambda: adapter.run(state), cfg.repeat, budget, cfg.fast_repeat)
    except Exception as exc:  # a failing tool is reported, not fatal to the run
        return Cell(adapter.task, n, adapter.tool, None, 0, f"error: {type(exc).__name__}: {exc}"[:200])
    return Cell(adapter.task, n, adapter.tool, seconds, runs, adapter.note, values)


def _warm_up(adapters: Sequence[Adapter], cfg: Config) -> None:
    small = make_data(cfg.warmup_n, seed=cfg.seed)
    for adapter in adapters:
        with contextlib.suppress(Exception):  # a failure is reported by the timed call
            adapter.run(adapter.prepare(small))


def _over_budget(history: History, task: str, tool: str, n: int, cfg: Config) -> Cell | None:
    """A "skipped" cell when the tool's projected time at ``n`` exceeds the budget, else None."""
    proj = _projected(history, task, tool, n)
    if proj is None or proj <= cfg.budget:
        return None
    return Cell(task, _task_n(task, n), tool, None, 0, f"skipped (projected {proj:.0f} s > budget {cfg.budget:.0f} s)")


def _python_size(
    adapters: Sequence[Adapter], tools: Sequence[str], data: BenchData, first: bool, cfg: Config,
    history: History, log: Log,
) -> list[Cell]:
    """All Python tools on all array tasks at one size (Fisher only at the first size: it does not depend on n)."""
    n = data.n
    cells: list[Cell] = []
    for task in (t for t in cfg.tasks if t in TASKS):
        if task == "fisher" and not first:
            continue
        cells += [Cell(task, _task_n(task, n), tool, None, 0, NOT_SUPPORTED[(task, tool)])
                  for tool in tools if (task, tool) in NOT_SUPPORTED]
        for adapter in (a for a in adapters if a.task == task):
            skipped = _over_budget(history, task, adapter.tool, n, cfg) if adapter.tool != "gistreg" else None
            if skipped is not None:
                cells.append(skipped)
                continue
            cell = _measure(adapter, data, cfg, _task_n(task, n))
            log(f"  {task:14s} {adapter.tool:16s} {_fmt_seconds(cell.seconds):>9s} {cell.note}")
            cells.append(cell)
            if cell.seconds is not None:
                history[(task, adapter.tool)] = (n, cell.seconds)
    return cells


def _task_n(task: str, n: int) -> int:
    return int(fisher_table().sum()) if task == "fisher" else n


# ---------------------------------------------------------------- R

def r_version() -> str | None:
    """``R x.y.z, survival a.b-c`` when Rscript is available, else None."""
    if shutil.which("Rscript") is None:
        return None
    code = 'cat(R.version$major, ".", R.version$minor, " / survival ", format(packageVersion("survival")), sep="")'
    try:
        out = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True, timeout=120)
    except (subprocess.SubprocessError, OSError):
        return None
    return "R " + out.stdout.strip()


def _r_size(data: BenchData, first: bool, cfg: Config, history: History, tmp: Path, log: Log) -> list[Cell]:
    """Time R survival / stats at one size (Fisher only at the first size), from a CSV of the same data."""
    n = data.n
    cells: list[Cell] = []
    todo = []
    for task in (t for t in cfg.tasks if t in _R_NOTES and (first or t != "fisher")):
        skipped = _over_budget(history, task, R_TOOL, n, cfg)
        if skipped is not None:
            cells.append(skipped)
        else:
            todo.append(task)
    if not todo:
        return cells
    csv, out = tmp / f"bench_{n}.csv", tmp / f"bench_{n}.json"
    write_csv(data, csv)
    table = ",".join(str(v) for v in fisher_table().ravel())
    cmd = ["Rscript", str(HERE / "r_bench.R"), str(csv), str(out), str(cfg.repeat), str(cfg.budget), ",".join(todo),
           table]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=cfg.budget * (len(todo) + 1) + 300)
        rows = json.loads(out.read_text(encoding="utf-8"))
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        return cells + [Cell(t, _task_n(t, n), R_TOOL, None, 0, f"error: {type(exc).__name__}") for t in todo]
    finally:
        csv.unlink(missing_ok=True)
    for row in rows:
        task = str(row["task"])
        values = {k: float(v) if v is not None else float("nan") for k, v in row["values"].items()}
        cell = Cell(task, _task_n(task, n), R_TOOL, float(row["seconds"]), int(row["runs"]), _R_NOTES.get(task, ""),
                    values)
        log(f"  {task:14s} {R_TOOL:16s} {_fmt_seconds(cell.seconds):>9s} (timed inside R)")
        cells.append(cell)
        history[(task, R_TOOL)] = (n, float(row["seconds"]))
    return cells


_R_NOTES = {
    "km": "survival::survfit ~ group + quantile(); log CI",
    "logrank": "survival::survdiff",
    "logrank_strat": "survival::survdiff + strata()",
    "cox": "survival::coxph(ties='efron')",
    "fisher": "stats::fisher.test (exact)",
}


# ---------------------------------------------------------------- start-up

def _import_cells(cfg: Config, log: Log) -> list[Cell]:
    """Wall time of ``python -c <import>`` in a fresh interpreter: median of ``import_runs`` after one warm run."""
    rows = [("python", "bare interpreter: python -c pass", "pass")]
    rows += [r for r in IMPORTS if r[0] in cfg.tools and tool_available(r[0])]
    cells = []
    for tool, label, stmt in rows:
        cmd = [sys.executable, "-c", stmt]
        try:
            subprocess.run(cmd, check=True, capture_output=True, timeout=300)
            times = []
            for _ in range(cfg.import_runs):
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, timeout=300)
                times.append(time.perf_counter() - t0)
        except (subprocess.SubprocessError, OSError) as exc:
            note = f"{label}: error {type(exc).__name__}"
            cells.append(Cell("import", None, tool, None, 0, note, key=_import_key(label)))
            continue
        cell = Cell("import", None, tool, statistics.median(times), len(times), label, key=_import_key(label))
        log(f"  import         {tool:16s} {_fmt_seconds(cell.seconds):>9s} {label}")
        cells.append(cell)
    return cells


def _import_key(label: str) -> str:
    if label.startswith("bare"):
        return "bare"
    return "modules" if "benchmarked" in label else "package"


@dataclass(frozen=True, slots=True)
class BenchRun:
    """The cells of one run, in run order, and a line per size describing its data."""

    cells: tuple[Cell, ...]
    data_notes: tuple[str, ...]
    load_at_start: str = "?"


def run_benchmarks(cfg: Config, log: Log = _quiet) -> BenchRun:
    """Run every requested task for every available tool, size by size: Python tools, then R on the same data."""
    notes: list[str] = []
    load = load_average()
    tools = [t for t in cfg.tools if tool_available(t)]
    adapters = [a for task in cfg.tasks if task in TASKS for a in adapters_for(task) if a.tool in tools]
    _warm_up(adapters, cfg)
    use_r = cfg.use_r and r_version() is not None
    cells: list[Cell] = []
    py_history: History = {}
    r_history: History = {}
    with tempfile.TemporaryDirectory(prefix="gistreg-bench-") as tmp:
        for i, n in enumerate(cfg.sizes):
            data = make_data(n, seed=cfg.seed)
            notes.append(f"n={n}: {data.censored_fraction:.1%} censored, {data.distinct_times} distinct times")
            log(notes[-1])
            cells += _python_size(adapters, tools, data, i == 0, cfg, py_history, log)
            if use_r and n <= cfg.r_max_n:
                cells += _r_size(data, i == 0, cfg, r_history, Path(tmp), log)
            del data
    if "import" in cfg.tasks:
        cells += _import_cells(cfg, log)
    return BenchRun(tuple(cells), tuple(notes), load)


# ---------------------------------------------------------------- report

def _fmt_seconds(s: float | None) -> str:
    if s is None:
        return "–"
    if s >= 100:
        return f"{s:.0f}"
    if s >= 1:
        return f"{s:.2f}"
    return f"{s:.3g}"


def _fmt_n(n: int | None) -> str:
    """``1e6`` for powers of ten, the plain number otherwise, ``–`` for none."""
    if n is None:
        return "–"
    k = len(str(n)) - 1
    return f"1e{k}" if k >= 4 and n == 10**k else str(n)


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "–"
    return f"{r:.0f}×" if r >= 100 else f"{r:.1f}×" if r >= 10 else f"{r:.2f}×"


def max_difference(values: Values, reference: Values) -> float | None:
    """Largest |a - b| / max(1, |b|) over the numbers both tools report (None if they share none)."""
    diffs = [
        abs(values[k] - reference[k]) / max(1.0, abs(reference[k]))
        for k in values.keys() & reference.keys()
        if not (values[k] != values[k] and reference[k] != reference[k])  # both NaN: agree
    ]
    return max(diffs) if diffs else None


def _reference(cells: Sequence[Cell]) -> dict[tuple[str, int | None, str], Cell]:
    return {(c.task, c.n, c.key): c for c in cells if c.tool == "gistreg" and c.seconds is not None}


def ratio(cell: Cell, ref: Cell | None) -> float | None:
    """Peer seconds divided by gistreg seconds (> 1: gistreg is faster)."""
    if ref is None or ref.seconds is None or cell.seconds is None or ref.seconds <= 0:
        return None
    return cell.seconds / ref.seconds


def _sort_key(c: Cell) -> tuple[int, int, int, str]:
    order = [*TASKS, "import"]
    return (order.index(c.task), c.n or 0, TOOL_ORDER.index(c.tool) if c.tool in TOOL_ORDER else 99, c.key)


def results_table(cells: Sequence[Cell]) -> str:
    """The Markdown table: task, n, tool, median seconds, runs, ratio to gistreg, agreement, note."""
    refs = _reference(cells)
    lines = [
        "| task | n | tool | median s | runs | × gistreg | max diff vs gistreg | note |",
        "|---|---:|---|---:|---:|---:|---:|---|",
    ]
    for c in sorted(cells, key=_sort_key):
        ref = refs.get((c.task, c.n, c.key))
        diff = max_difference(c.values, ref.values) if ref is not None and c.tool != "gistreg" else None
        lines.append(
            f"| {c.task} | {_fmt_n(c.n)} | {c.tool} | {_fmt_seconds(c.seconds)} | {c.runs} "
            f"| {_fmt_ratio(ratio(c, ref))} | {'–' if diff is None else f'{diff:.1e}'} | {c.note} |"
        )
    return "\n".join(lines)


def tolerance(tool: str, key: str) -> float:
    """How far a peer's number may be from gistreg's, relative to max(1, |gistreg|), and still agree."""
    if key.startswith("median"):
        return 1e-9  # medians and their limits are observed days: equal, not close
    if tool == "scipy" and key == "p":
        return 0.02  # SciPy's r x c Fisher p is Monte Carlo (9999 tables)
    return 1e-6


def disagreements(cells: Sequence[Cell]) -> list[str]:
    """One line per number where a tool and gistreg disagree beyond :func:`tolerance`."""
    refs = _reference(cells)
    out = []
    for c in sorted(cells, key=_sort_key):
        ref = refs.get((c.task, c.n, c.key))
        if c.tool == "gistreg" or ref is None:
            continue
        for k in sorted(c.values.keys() & ref.values.keys()):
            a, b = c.values[k], ref.values[k]
            if a != a and b != b:
                continue
            if not abs(a - b) <= tolerance(c.tool, k) * max(1.0, abs(b)):
                out.append(f"- {c.tool}, {c.task}, n={_fmt_n(c.n)}: {k} = {a:.10g}, gistreg {b:.10g}")
    return out


@dataclass(frozen=True, slots=True)
class Target:
    """One speed target and how the run measured it."""

    name: str
    measured: str
    status: str  # "PASS", "FAIL" or "not measured"


def _ratio_target(cells: Sequence[Cell], task: str, n: int, peer: str, want: float) -> Target:
    name = f"{task} at n={_fmt_n(n)}: gistreg ≥ {want:g}× faster than {peer}"
    refs = _reference(cells)
    peer_cell = next((c for c in cells if (c.task, c.n, c.tool) == (task, n, peer) and c.seconds), None)
    r = ratio(peer_cell, refs.get((task, n, ""))) if peer_cell is not None else None
    if r is None or peer_cell is None:
        return Target(name, "–", "not measured")
    ref = refs[(task, n, "")]
    measured = f"{_fmt_ratio(r)} ({_fmt_seconds(ref.seconds)} s vs {_fmt_seconds(peer_cell.seconds)} s)"
    return Target(name, measured, "PASS" if r >= want else "FAIL")


def _fastest_peer_target(cells: Sequence[Cell], task: str, n: int) -> Target:
    name = f"{task} at n={_fmt_n(n)}: gistreg no slower than the fastest Python peer"
    ref = _reference(cells).get((task, n, ""))
    peers_done = [c for c in cells if (c.task, c.n) == (task, n) and c.tool not in ("gistreg", R_TOOL) and c.seconds]
    if ref is None or not peers_done:
        return Target(name, "–", "not measured")
    best = min(peers_done, key=lambda c: c.seconds or math.inf)
    r = ratio(best, ref)
    measured = f"{_fmt_ratio(r)} vs {best.tool} ({_fmt_seconds(ref.seconds)} s vs {_fmt_seconds(best.seconds)} s)"
    return Target(name, measured, "PASS" if r is not None and r >= 1 else "FAIL")


#: Tasks that must run for gistreg at n = 1e7.
_BIG_TASKS = ("km", "logrank", "logrank_strat", "cox")


def _seconds_target(cells: Sequence[Cell], name: str, task: str, key: str, limit: float) -> Target:
    cell = next((c for c in cells if c.tool == "gistreg" and c.task == task and c.key == key), None)
    if cell is None or cell.seconds is None:
        return Target(name, "–", "not measured")
    return Target(name, f"{_fmt_seconds(cell.seconds)} s", "PASS" if cell.seconds < limit else "FAIL")


def evaluate_targets(cells: Sequence[Cell]) -> list[Target]:
    """The project's speed targets, each PASS, FAIL or not measured."""
    n6, n7 = 10**6, 10**7
    targets = [
        _ratio_target(cells, "km", n6, "statsmodels", 10),
        _ratio_target(cells, "logrank", n6, "statsmodels", 10),
        _ratio_target(cells, "logrank_strat", n6, "statsmodels", 10),
        _ratio_target(cells, "cox", n6, "lifelines", 4),
        _ratio_target(cells, "cox", n6, R_TOOL, 5),
        *(_fastest_peer_target(cells, task, n6) for task in CONTINUOUS_TASKS),
        _seconds_target(cells, "fisher 2x5 n=200: gistreg < 0.1 s", "fisher", "", 0.1),
        _seconds_target(cells, "import gistreg.stats < 0.3 s", "import", "package", 0.3),
    ]
    big = [c for c in cells if c.tool == "gistreg" and c.n == n7 and c.task in _BIG_TASKS]
    done = [c for c in big if c.seconds is not None]
    name = "n=1e7 runs for gistreg (km, logrank, logrank_strat, cox)"
    if not big:
        targets.append(Target(name, "–", "not measured"))
    else:
        measured = ", ".join(f"{c.task} {_fmt_seconds(c.seconds)} s" for c in sorted(big, key=_sort_key))
        targets.append(Target(name, measured, "PASS" if len(done) == len(big) == 4 else "FAIL"))
    return targets


def targets_table(targets: Sequence[Target]) -> str:
    """The targets as a Markdown table."""
    lines = ["| target | measured | result |", "|---|---|---|"]
    lines += [f"| {t.name} | {t.measured} | **{t.status}** |" for t in targets]
    return "\n".join(lines)


def machine() -> str:
    """CPU model, logical CPUs, RAM and OS of this machine."""
    cpu = platform.processor() or platform.machine()
    ram = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    return f"{cpu}; {os.cpu_count()} logical CPUs; {ram} RAM; {platform.system()} {platform.release()}"


def load_average() -> str:
    """The 1-minute load average (other work on the machine makes timings noisier)."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


def report(bench: BenchRun, cfg: Config, command: str) -> str:
    """The whole Markdown report: set-up, data, results table and targets."""
    cells = bench.cells
    versions = [f"Python {platform.python_version()}", f"numpy {tool_version_of('numpy')}",
                f"pandas {tool_version_of('pandas')}"]
    versions += [f"{t} {tool_version(t)}" for t in TOOLS if t in cfg.tools]
    versions.insert(0, f"gistreg commit {git_commit()}")
    rv = r_version() if cfg.use_r else None
    versions.append(rv if rv is not None else "R: not run")
    return "\n".join([
        "# Benchmark results",
        "",
        f"- Date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- Command: `{command}`",
        f"- Machine: {machine()}; 1-minute load average {bench.load_at_start} at start, {load_average()} at end",
        f"- Versions: {', '.join(versions)}",
        f"- Data: `benchmarks/data.py`, seed {cfg.seed}; " + "; ".join(bench.data_notes),
        f"- Median of up to {cfg.repeat} timed calls after a warm-up (at least {cfg.fast_repeat} when the median is"
        f" under {FAST_SECONDS:g} s); peer time budget {cfg.budget:g} s per cell; "
        f"R up to n={cfg.r_max_n}, timed inside R. Start-up: median of {cfg.import_runs} fresh interpreters.",
        "- `× gistreg`: the tool's time divided by gistreg's (above 1: gistreg is faster). `max diff`: largest"
        " |x - x_gistreg| / max(1, |x_gistreg|) over the numbers both report (medians and CI, chi-square,"
        " coefficients, p).",
        "",
        "Tasks: " + "; ".join(f"`{k}` = {v}" for k, v in TASK_TITLES.items()) + ".",
        "",
        "## Targets",
        "",
        targets_table(evaluate_targets(cells)),
        "",
        "## Disagreements with gistreg",
        "",
        *(disagreements(cells) or ["None: every shared number agrees (medians exactly, others to 1e-6)."]),
        "",
        "## All timings",
        "",
        results_table(cells),
        "",
    ])


def git_commit() -> str:
    """Short hash of the checked-out commit, with ``+changes`` when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", "../src"], cwd=HERE,
                               capture_output=True, text=True, check=True, timeout=30).stdout.strip()
    except (subprocess.SubprocessError, OSError):
        return "unknown"
    return head + (" + uncommitted changes in src/" if dirty else "")


def tool_version_of(dist: str) -> str:
    """Version of any installed distribution, or ``not installed``."""
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(float(s)) for s in text.split(",") if s.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes: {text!r} is not a comma-separated list of numbers") from exc
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError(f"--sizes: {text!r}; every size must be at least 10")
    return tuple(sorted(set(sizes)))


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the report and writes it to ``--out``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--sizes", type=_parse_sizes, default=None, help="comma-separated n, e.g. 1e4,1e5,1e6,1e7")
    p.add_argument("--repeat", type=int, default=None, help="timed calls per cell (median is reported)")
    p.add_argument("--quick", action="store_true", help="n = 1e4, 1e5 with 1 repeat; writes no file by default")
    p.add_argument("--budget", type=float, default=120.0, help="seconds a peer may spend on one cell")
    p.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of " + ", ".join(TOOLS))
    p.add_argument("--tasks", default=",".join((*TASKS, "import")), help="comma-separated subset of tasks")
    p.add_argument("--no-r", action="store_true", help="do not time R even if Rscript is available")
    p.add_argument("--r-max-n", type=float, default=1e6, help="largest n timed in R")
    p.add_argument("--out", default=None, help="write the report here ('-' for nowhere); default RESULTS.md")
    args = p.parse_args(argv)
    sizes = args.sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    repeat = args.repeat or (1 if args.quick else 3)
    cfg = Config(
        sizes=sizes, repeat=repeat, budget=args.budget, tools=tuple(args.tools.split(",")),
        tasks=tuple(args.tasks.split(",")), use_r=not args.no_r, r_max_n=int(args.r_max_n),
        import_runs=3 if args.quick else 7, fast_repeat=repeat if args.quick else 15,
    )
    unknown = [t for t in cfg.tools if t not in TOOLS] + [t for t in cfg.tasks if t not in (*TASKS, "import")]
    if unknown:
        p.error(f"unknown tool or task: {', '.join(unknown)}")
    bench = run_benchmarks(cfg, log=lambda s: print(s, file=sys.stderr, flush=True))
    text = report(bench, cfg, "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv))
    print(text)
    out = args.out if args.out is not None else ("-" if args.quick else str(HERE / "RESULTS.md"))
    if out != "-":
        Path(out).write_text(text, encoding="utf-8")
        print(f"written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
