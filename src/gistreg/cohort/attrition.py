"""Eligibility steps and arms over the patient frame, with the attrition computed by the same query.

:func:`build_cohort` applies the ordered steps of a study spec to every patient of the study population and
assigns arms. Every patient leaves the flow at a counted step with its reason, or ends in exactly one arm:
patients matching no arm are counted as excluded ("no arm"), never dropped silently; a patient matching two
arms is an error naming the arms.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from gistreg.cohort.spec import Criterion, LineCondition, StudySpec
from gistreg.core.errors import CohortError

NO_ARM_REASON = "Matched no study arm"


@dataclass(frozen=True, slots=True)
class AttritionStep:
    """One box of the flowchart: who came in, who left and why, who went on."""

    step: int
    label: str
    kind: str
    n_in: int
    n_excluded: int
    reason: str
    n_out: int


@dataclass(frozen=True, slots=True)
class Attrition:
    """The whole flow: the population, each step, and the final count per arm."""

    population: str
    n_population: int
    steps: tuple[AttritionStep, ...]
    arms: tuple[tuple[str, int], ...]

    @property
    def n_final(self) -> int:
        """Patients in the analysis (sum over arms)."""
        return sum(n for _, n in self.arms)


def _line_predicate(frame: ir.Table, cond: LineCondition) -> ir.BooleanValue:
    r = cond.ref
    pred: ir.BooleanValue = ibis.literal(True)
    if cond.exists is not None:
        pred &= frame[f"{r}_exists"] == cond.exists
    if cond.exists is False:
        return pred
    checks: list[ir.BooleanValue] = []
    if cond.agent is not None:
        checks.append(frame[f"{r}_agent"].isin(cond.agent))
    if cond.dose_mg is not None:
        checks.append(frame[f"{r}_first_dose_mg"].isin(cond.dose_mg))
    if cond.schedule is not None:
        checks.append(frame[f"{r}_first_schedule"].isin(cond.schedule))
    if cond.ongoing is not None:
        checks.append(frame[f"{r}_ongoing"] == cond.ongoing)
    if cond.end_reason is not None:
        checks.append(frame[f"{r}_end_reason"].isin(cond.end_reason))
    if cond.is_rechallenge is not None:
        checks.append(frame[f"{r}_is_rechallenge"] == cond.is_rechallenge)
    if cond.contains_dose_escalation is not None:
        checks.append(frame[f"{r}_contains_dose_escalation"] == cond.contains_dose_escalation)
    if cond.start_cause is not None:
        checks.append(frame[f"{r}_start_cause"].isin(cond.start_cause))
    for c in checks:
        pred &= frame[f"{r}_exists"] & c
    return pred


def criterion_predicate(frame: ir.Table, criterion: Criterion) -> ir.BooleanValue:
    """The boolean expression of ``criterion`` over the patient frame (NULL counts as false)."""
    pred: ir.BooleanValue = ibis.literal(True)
    for lc in criterion.lines:
        pred &= _line_predicate(frame, lc)
    for fc in criterion.fields:
        hit = frame[fc.field].isin(fc.values)
        pred &= ~hit if fc.negate else hit
    return pred.fill_null(False)


def build_cohort(frame: ir.Table, spec: StudySpec) -> tuple[ir.Table, Attrition]:
    """Apply ``spec``'s population, steps and arms to ``frame``.

    Returns
    -------
    cohort
        The patients of the final cohort (frame columns plus ``arm``), as an Ibis expression.
    attrition
        Counts per step and arm, computed in one aggregate query.
    """
    pop = frame
    population = "all registry patients"
    if spec.countries:
        pop = pop.filter(pop.country.isin(spec.countries))
        population = f"registry patients in {', '.join(spec.countries)}"
    passed: ir.BooleanValue = ibis.literal(True)
    cols: dict[str, ir.Value] = {}
    for i, step in enumerate(spec.steps):
        hit = criterion_predicate(pop, step.criterion)
        keep = hit if step.kind == "include" else ~hit
        passed = passed & keep
        cols[f"_pass_{i}"] = passed
    arm_hits = [criterion_predicate(pop, arm.criterion) & passed for arm in spec.arms]
    for j, h in enumerate(arm_hits):
        cols[f"_arm_{j}"] = h
    marked = pop.mutate(**cols)
    aggs = {"_n": marked.count()}
    for name in cols:
        aggs[f"n{name}"] = marked[name].cast("int64").sum()
    n_arm_sum = sum((marked[f"_arm_{j}"].cast("int64") for j in range(len(spec.arms))), ibis.literal(0))
    aggs["n_overlap"] = (n_arm_sum > 1).cast("int64").sum()
    counts = marked.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    if counts["n_overlap"]:
        names = ", ".join(a.name for a in spec.arms)
        raise CohortError(f"{spec.file}: {counts['n_overlap']} patient(s) match more than one arm ({names}); "
                          "arm criteria must not overlap")
    n_pop = int(counts["_n"])
    steps: list[AttritionStep] = []
    n_in = n_pop
    for i, step in enumerate(spec.steps):
        n_out = int(counts[f"n_pass_{i}"] or 0)
        steps.append(AttritionStep(i + 1, step.label, step.kind, n_in, n_in - n_out, step.reason, n_out))
        n_in = n_out
    arm_counts = tuple((a.name, int(counts[f"n_arm_{j}"] or 0)) for j, a in enumerate(spec.arms))
    n_armed = sum(n for _, n in arm_counts)
    if n_armed != n_in:
        steps.append(AttritionStep(len(steps) + 1, "Assigned to an arm", "include", n_in, n_in - n_armed,
                                   NO_ARM_REASON, n_armed))
    arm_expr = ibis.cases(*[(marked[f"_arm_{j}"], a.name) for j, a in enumerate(spec.arms)],
                          else_=ibis.null("string"))
    cohort = marked.mutate(arm=arm_expr).filter(lambda t: t.arm.notnull())
    cohort = cohort.drop(*cols)
    return cohort, Attrition(population, n_pop, tuple(steps), arm_counts)


__all__ = ["NO_ARM_REASON", "Attrition", "AttritionStep", "build_cohort", "criterion_predicate"]
