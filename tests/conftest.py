"""Build small registries in memory as Ibis tables with the canonical schema (unset columns are NULL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from gistreg.registry.schema import TABLES

_ARROW_TYPES = {"text": pa.string(), "code": pa.string(), "int": pa.int64(), "float": pa.float64(),
                "date": pa.date32(), "bool": pa.bool_()}


def make_tables(rows: dict[str, list[dict[str, Any]]]) -> dict[str, ir.Table]:
    """Canonical tables as Ibis memtables; ISO date strings are converted to dates."""
    out: dict[str, ir.Table] = {}
    for name, table in TABLES.items():
        schema = pa.schema([(c.name, _ARROW_TYPES[c.type]) for c in table.columns])
        recs = []
        for r in rows.get(name, []):
            rec: dict[str, Any] = {}
            for c in table.columns:
                v = r.get(c.name)
                if c.type == "date" and isinstance(v, str):
                    v = dt.date.fromisoformat(v)
                rec[c.name] = v
            recs.append(rec)
        out[name] = ibis.memtable(pa.Table.from_pylist(recs, schema=schema))
    return out


@pytest.fixture
def tables() -> Callable[[dict[str, list[dict[str, Any]]]], dict[str, ir.Table]]:
    return make_tables


@pytest.fixture(scope="session")
def synthetic_registry(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The default synthetic registry, written and imported once per test session (path to the store)."""
    from gistreg.lines.store import refresh_lines
    from gistreg.registry.store import Registry, import_export
    from gistreg.synth import write_registry

    root = tmp_path_factory.mktemp("synthetic")
    write_registry(root / "export")
    store = root / "registry.duckdb"
    Registry.init(store)
    import_export(store, root / "export")
    refresh_lines(store)
    return store
