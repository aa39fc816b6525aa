"""Treatment lines kept in the registry store, so they can be inspected and curated.

:func:`refresh_lines` (re)derives the table ``treatment_lines`` from the stored ``drug_exposures`` and
``progressions`` with the given rules, inside the store's engine; :func:`patient_lines` reads one patient's
lines back. Studies derive their own lines with the rules their spec names, so a stored table with other
settings never changes a study's numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import ibis

from gistreg.core.errors import StoreError
from gistreg.lines.derive import assign_lines, summarise_lines
from gistreg.lines.rules import LineRules

TABLE = "treatment_lines"


def refresh_lines(registry: Path, rules: LineRules | None = None) -> int:
    """Derive the lines of every patient into ``treatment_lines`` (replacing it) and return their number."""
    rules = rules or LineRules()
    if not registry.exists():
        raise StoreError(f"{registry.name}: no such registry file")
    backend = ibis.duckdb.connect(str(registry))
    try:
        expr = summarise_lines(assign_lines(backend.table("drug_exposures"), backend.table("progressions"), rules),
                               rules)
        sql = ibis.to_sql(expr, dialect="duckdb")
        backend.raw_sql(f"CREATE OR REPLACE TABLE {TABLE} AS {sql}")
        n = backend.table(TABLE).count().to_pyarrow().as_py()
    except duckdb.Error as exc:
        raise StoreError(f"{registry.name}: cannot derive treatment lines ({exc})") from exc
    finally:
        backend.disconnect()
    return int(n)


def patient_lines(registry: Path, patient_id: str) -> list[dict[str, Any]]:
    """The stored lines of one patient, in order (curative lines first)."""
    backend = ibis.duckdb.connect(str(registry), read_only=True)
    try:
        try:
            t = backend.table(TABLE)
        except Exception as exc:
            raise StoreError(f"{registry.name}: has no {TABLE} table yet; import data first") from exc
        rows: list[dict[str, Any]] = (
            t.filter(t.patient_id == patient_id).order_by(["line_setting", "line_no"]).to_pyarrow().to_pylist()
        )
    finally:
        backend.disconnect()
    return rows


__all__ = ["TABLE", "patient_lines", "refresh_lines"]
