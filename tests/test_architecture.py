"""The package's import graph follows the pipeline: a stage imports only from earlier stages and ``core``.

See ``docs/architecture.md``. The allowed dependencies are spelled out here so that a new import across a
boundary is a deliberate change to this table (and to the architecture page), never an accident.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "gistreg"

#: package -> gistreg packages it may import (besides itself).
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "stats": {"core"},
    "ingest": {"core"},
    "registry": {"core", "ingest"},
    "synth": {"core", "registry"},
    "lines": {"core", "registry"},
    "cohort": {"core", "registry", "lines"},
    "endpoints": {"core", "registry", "lines", "cohort"},
    "study": {"core", "registry", "lines", "cohort", "endpoints", "stats"},
    "report": {"core", "registry", "lines", "cohort", "endpoints", "stats", "study"},
}


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _gistreg_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "gistreg" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if _package_of(p) in ALLOWED)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_follow_the_pipeline(path: Path) -> None:
    pkg = _package_of(path)
    bad = {m for m in _gistreg_imports(path) if m != pkg and m not in ALLOWED[pkg] and m != "__init__"}
    # ``gistreg`` itself (``from gistreg import __version__``) is fine anywhere.
    bad.discard("__version__")
    assert not bad, f"{path.relative_to(SRC)} ({pkg}) imports {sorted(bad)}; allowed: {sorted(ALLOWED[pkg])}"


def test_every_package_is_classified() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages - {"data"} <= set(ALLOWED), f"unclassified packages: {sorted(packages - set(ALLOWED))}"


def test_importing_stats_loads_no_heavy_dependency() -> None:
    """``import gistreg.stats`` stays light: no pandas, Ibis, DuckDB, matplotlib or SciPy at import time."""
    code = (
        "import sys, gistreg.stats\n"
        "heavy = [m for m in ('pandas', 'ibis', 'duckdb', 'matplotlib', 'scipy', 'docx', 'typer') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"import gistreg.stats pulled in: {out.stdout.strip()}"
