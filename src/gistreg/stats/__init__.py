"""Statistics on plain arrays, equal to R ``survival`` and ``stats``.

Every function takes 1-D NumPy-compatible arrays (time, event, group, strata, weights) or a 2-D covariate
matrix with names, and returns a frozen dataclass of unrounded numbers. ``stats`` imports only NumPy, SciPy
(lazily, where needed) and ``gistreg.core``.
"""

from __future__ import annotations

__all__: list[str] = []
