"""The registry: canonical schema, validation, and the store (one DuckDB file) with provenance of imports.

Public entry points::

    Registry.init(path)                      create an empty store
    import_export(registry, export, ...)     validate an export and upsert it (all or nothing)
    validate_export(export, ...)             validate without importing
    validate_registry(registry, ...)         validate the stored data
    summarise(registry)                      counts per table, site, status, agent; loads with hashes
"""

from __future__ import annotations

from gistreg.registry.store import (
    ImportResult,
    Registry,
    TableChanges,
    import_export,
    validate_export,
    validate_registry,
)
from gistreg.registry.summary import RegistrySummary, summarise

__all__ = [
    "ImportResult",
    "Registry",
    "RegistrySummary",
    "TableChanges",
    "import_export",
    "summarise",
    "validate_export",
    "validate_registry",
]
