"""gistreg: publication-ready real-world-evidence studies from clinical cancer registries.

The package is laid out by pipeline stage (see ``docs/architecture.md``)::

    core -> ingest -> registry -> lines -> cohort -> endpoints -> stats -> report -> cli

``stats`` depends only on ``core`` and NumPy/SciPy so it can be imported quickly on its own.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
