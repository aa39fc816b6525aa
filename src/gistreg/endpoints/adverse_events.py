"""Adverse events: patients by worst CTCAE grade per term and arm.

Each patient counts once per term, at the worst grade recorded for that term from the index date on (up to
``window_days`` after it when the spec sets a window). Grades are reported as 1, 2, 3–4 and 5, plus any grade.
Terms are mapped to the CTCAE term of the study's CTCAE version (site wording such as "Oedema" becomes the
v3.0 term "Edema"). Events graded under another CTCAE version are never mixed in: they are counted and
reported as not tabulated, because grade thresholds differ between versions.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from gistreg.cohort.spec import AdverseEventSpec
from gistreg.core.vocab import ctcae_term

GRADE_GROUPS: tuple[str, ...] = ("1", "2", "3-4", "5")


@dataclass(frozen=True, slots=True)
class AdverseEventCount:
    """Patients of ``arm`` whose worst grade of ``term`` falls in ``grade_group`` (``any`` for any grade)."""

    arm: str
    term: str
    grade_group: str
    n: int
    n_arm: int


@dataclass(frozen=True, slots=True)
class AdverseEventTable:
    """All counts, the CTCAE version, and what could not be tabulated (other versions, unknown terms)."""

    ctcae_version: str
    counts: tuple[AdverseEventCount, ...]
    n_other_version: int
    unmapped_terms: tuple[str, ...]


def _in_window(ae: ir.Table, cohort: ir.Table, spec: AdverseEventSpec) -> ir.Table:
    c = cohort.select(_pid=cohort.patient_id, arm=cohort.arm, _idx=cohort.index_date)
    j = ae.join(c, [ae.patient_id == c._pid, ae.onset_date >= c._idx])
    if spec.window_days is not None:
        j = j.filter(j.onset_date <= j._idx + ibis.interval(days=spec.window_days))
    return j


def summarise_adverse_events(
    cohort: ir.Table, adverse_events: ir.Table, spec: AdverseEventSpec, arm_sizes: dict[str, int]
) -> AdverseEventTable:
    """Count patients by worst grade per term and arm (see the module docstring)."""
    j = _in_window(adverse_events, cohort, spec)
    n_other = int(j.filter(j.ctcae_version != spec.ctcae_version).count().to_pyarrow().as_py())
    same = j.filter(j.ctcae_version == spec.ctcae_version)
    raw_terms = [r["term"] for r in same.select("term").distinct().to_pyarrow().to_pylist()]
    mapping = {t: ctcae_term(spec.ctcae_version, t) for t in raw_terms}
    unmapped = tuple(sorted(t for t, m in mapping.items() if m is None))
    known = {t: m for t, m in mapping.items() if m is not None}
    same = same.filter(same.term.isin(list(known))) if known else same.filter(ibis.literal(False))
    same = same.mutate(ct_term=same.term.substitute(known))
    worst = same.group_by(["arm", "patient_id", "ct_term"]).aggregate(worst=same.grade.max())
    group = ibis.cases((worst.worst <= 1, "1"), (worst.worst == 2, "2"), (worst.worst <= 4, "3-4"), else_="5")
    by_grade = worst.mutate(grade_group=group).group_by(["arm", "ct_term", "grade_group"]).aggregate(
        n=ibis._.count())
    any_grade = worst.group_by(["arm", "ct_term"]).aggregate(n=ibis._.count())
    rows = by_grade.to_pyarrow().to_pylist() + [
        {**r, "grade_group": "any"} for r in any_grade.to_pyarrow().to_pylist()
    ]
    counts = tuple(
        AdverseEventCount(r["arm"], r["ct_term"], r["grade_group"], int(r["n"]), arm_sizes[r["arm"]])
        for r in sorted(rows, key=lambda r: (r["ct_term"], r["arm"], r["grade_group"]))
    )
    return AdverseEventTable(spec.ctcae_version, counts, n_other, unmapped)


__all__ = ["GRADE_GROUPS", "AdverseEventCount", "AdverseEventTable", "summarise_adverse_events"]
