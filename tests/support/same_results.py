"""Exact comparison of two statistics results, shared by the tests that pit a fast route against the general one.

Imported as ``support.same_results`` (``pythonpath = ["tests"]`` in the pytest settings).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from gistreg.core.errors import GistregError
from gistreg.stats import kaplan_meier, logrank


def assert_same(a: Any, b: Any, where: str = "") -> None:
    """Exact equality of two results, field by field (NaN equals NaN; dtypes and label types must agree)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), where
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f"), where
    else:
        assert type(a) is type(b), (where, a, b)
        assert a == b or (a != a and b != b), (where, a, b)


def outcome(call: Callable[[], Any]) -> Any:
    """The result, or the error's type and message (a data set may make a test impossible)."""
    try:
        return call()
    except GistregError as exc:
        return (type(exc).__name__, str(exc))


def counting_calls(d: dict[str, Any]) -> list[Callable[[], Any]]:
    """The front-end calls that count risk sets, on one data set (``time``, ``event``, ``group``, ``strata``)."""
    return [
        lambda: kaplan_meier(d["time"], d["event"], group=d["group"]),
        lambda: logrank(d["time"], d["event"], d["group"]),
        lambda: logrank(d["time"], d["event"], d["group"], strata=d["strata"]),
    ]
