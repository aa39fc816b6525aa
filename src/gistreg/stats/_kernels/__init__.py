"""Pure NumPy kernels behind the ``gistreg.stats`` front ends.

Kernels take clean arrays (already checked and encoded by ``gistreg.stats._prep``), state their preconditions in
their docstrings, and do no validation, I/O or formatting.
"""

from __future__ import annotations
