"""Validation rules of the canonical registry: the catalogue and the SQL checks behind it.

One module per family: :mod:`~.codes` (typing T01–T04, codes C01), :mod:`~.dates` (D), :mod:`~.lines` (L),
:mod:`~.values` (V01–V05), :mod:`~.genetics` (V07–V08), :mod:`~.patients` (P, K), :mod:`~.cross` (X) and
:mod:`~.completeness` (M01). :data:`RULES` lists every rule in id order; ``docs/data-format.md`` renders it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from gistreg.registry.rules import codes, completeness, cross, dates, genetics, lines, patients, values
from gistreg.registry.rules.base import Check, Rule, RuleConfig, RuleContext

__all__ = ["RULES", "Check", "Rule", "RuleConfig", "RuleContext", "rule"]

_FAMILY_ORDER = "TCDLVPKXM"


def _key(r: Rule) -> tuple[int, str]:
    return (_FAMILY_ORDER.index(r.id[0]), r.id)


#: Every rule, ordered by family (T, C, D, L, V, P, K, X, M) and id.
RULES: tuple[Rule, ...] = tuple(
    sorted((*codes.RULES, *dates.RULES, *lines.RULES, *values.RULES, *genetics.RULES,
            *patients.RULES, *cross.RULES, *completeness.RULES), key=_key)
)

_BY_ID: Mapping[str, Rule] = MappingProxyType({r.id: r for r in RULES})


def rule(id: str) -> Rule:
    """The rule with id ``id`` (``KeyError`` naming the known ids if there is none)."""
    try:
        return _BY_ID[id]
    except KeyError:
        raise KeyError(f"no validation rule {id!r}; known rules: {', '.join(_BY_ID)}") from None
