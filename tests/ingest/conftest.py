"""Shared fixtures of the reader tests: a DuckDB connection, the canonical schema and a row fetcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import duckdb
import pytest

from gistreg.ingest.base import TableSpec
from gistreg.registry.schema import TABLES

DATA = Path(__file__).resolve().parent / "data"

Rows = list[dict[str, object]]


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    try:
        yield c
    finally:
        c.close()


@pytest.fixture
def tables() -> Mapping[str, TableSpec]:
    return TABLES


@pytest.fixture
def data_dir() -> Path:
    return DATA


def _fetch(con: duckdb.DuckDBPyConnection, table: str) -> Rows:
    rel = con.execute(f'SELECT * FROM "stage_{table}" ORDER BY source_row, 1')
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


@pytest.fixture
def fetch() -> Callable[[duckdb.DuckDBPyConnection, str], Rows]:
    """``fetch(con, table)``: the rows of ``stage_<table>`` as dicts, by source row."""
    return _fetch
