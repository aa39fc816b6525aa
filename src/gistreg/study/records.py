"""Results as long records: every number of a study run as (analysis, arm, variable, level, statistic, value).

Tables, text and figures are built only from these records (or from the result objects they flatten), so a
number in a report can always be traced back to one record, and the records can be exported as CSV/JSON.
Values are unrounded; rounding happens only when rendering.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from gistreg.study.outcomes import EndpointOutcome
from gistreg.study.run import StudyResult
from gistreg.study.table1 import Table1Row

Value = float | int | str | None

FIELDS: tuple[str, ...] = ("analysis", "arm", "variable", "level", "statistic", "value")


@dataclass(frozen=True, slots=True)
class Record:
    """One number (or label) of a study result."""

    analysis: str
    arm: str
    variable: str
    level: str
    statistic: str
    value: Value


def _num(x: float | None) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _attrition(res: StudyResult) -> Iterator[Record]:
    att = res.attrition
    yield Record("attrition", "", att.population, "", "n", att.n_population)
    for s in att.steps:
        for stat, v in (("n_in", s.n_in), ("n_excluded", s.n_excluded), ("n_out", s.n_out)):
            yield Record("attrition", "", f"{s.step}. {s.label}", s.reason, stat, v)
    for arm, n in att.arms:
        yield Record("attrition", arm, "arm", "", "n", n)


def _table1_row(row: Table1Row) -> Iterator[Record]:
    for lc in row.levels:
        for arm, n, size in zip(row.arms, lc.n, row.arm_sizes, strict=True):
            yield Record("table1", arm, row.name, lc.level, "n", n)
            yield Record("table1", arm, row.name, lc.level, "pct", 100.0 * n / size if size else None)
    names = ("n", "median", "min", "max", "mean", "sd")
    for arm, summ, miss in zip(row.arms, row.summary, row.n_missing, strict=False):
        for stat, v in zip(names, summ, strict=True):
            yield Record("table1", arm, row.name, "", stat, _num(v))
        yield Record("table1", arm, row.name, "", "n_missing", miss)
    yield Record("table1", "", row.name, "", "test", row.test_name)
    yield Record("table1", "", row.name, "", "p_value", _num(row.p_value))


def _outcome(o: EndpointOutcome) -> Iterator[Record]:
    a = o.endpoint
    for i, arm in enumerate(o.arms):
        yield Record(a, arm, "", "", "n", o.n[i])
        yield Record(a, arm, "", "", "events", o.events[i])
        yield Record(a, arm, "", "", "n_unavailable", o.n_unavailable[i])
        yield Record(a, arm, "", "", "n_lost_to_follow_up", o.n_lost[i])
        yield Record(a, arm, "", "", "median_months", _num(float(o.median[i])))
        yield Record(a, arm, "", "", "median_ci_lower", _num(float(o.median_ci_lower[i])))
        yield Record(a, arm, "", "", "median_ci_upper", _num(float(o.median_ci_upper[i])))
    if o.logrank is not None:
        yield Record(a, "", "logrank", "", "chisq", o.logrank.statistic)
        yield Record(a, "", "logrank", "", "df", o.logrank.df)
        yield Record(a, "", "logrank", "", "p_value", o.logrank.p_value)
    for hr in o.hazard_ratios:
        lvl = f"vs {hr.reference}"
        for stat, v in (("hr", hr.hr), ("ci_lower", hr.ci_lower), ("ci_upper", hr.ci_upper),
                        ("p_value", hr.p_value)):
            yield Record(a, hr.arm, "cox", lvl, stat, v)
    if o.rmst is not None:
        for i, g in enumerate(o.rmst.groups):
            yield Record(a, str(g), "rmst", f"tau={o.rmst.tau:g}", "rmst_months", float(o.rmst.rmst[i]))
            yield Record(a, str(g), "rmst", f"tau={o.rmst.tau:g}", "std_err", float(o.rmst.std_err[i]))
        if o.rmst.difference is not None:
            lvl = f"{o.rmst.groups[1]} - {o.rmst.groups[0]}"
            diff: tuple[tuple[str, float | None], ...] = (
                ("difference", o.rmst.difference), ("ci_lower", o.rmst.difference_ci_lower),
                ("ci_upper", o.rmst.difference_ci_upper), ("p_value", o.rmst.difference_p_value))
            for stat, dv in diff:
                yield Record(a, "", "rmst_difference", lvl, stat, _num(dv))
    if o.followup is not None:
        for i, g in enumerate(o.followup.groups):
            yield Record(a, str(g), "followup", "reverse KM", "median_months", _num(float(o.followup.median[i])))
            yield Record(a, str(g), "followup", "reverse KM", "ci_lower", _num(float(o.followup.ci_lower[i])))
            yield Record(a, str(g), "followup", "reverse KM", "ci_upper", _num(float(o.followup.ci_upper[i])))
            yield Record(a, str(g), "followup", "simple median", "median_months",
                         _num(float(o.followup.simple_median_observation_time[i])))


def study_records(res: StudyResult) -> tuple[Record, ...]:
    """Every number of ``res`` as long records."""
    out: list[Record] = list(_attrition(res))
    for row in res.table1:
        out.extend(_table1_row(row))
    for o in res.outcomes:
        out.extend(_outcome(o))
    if res.response is not None:
        name = f"response_{res.response.criteria}"
        for cat, ns in res.response.counts:
            for arm, n in zip(res.response.arms, ns, strict=True):
                out.append(Record(name, arm, "category", cat, "n", n))
    if res.adverse_events is not None:
        for c in res.adverse_events.counts:
            out.append(Record("adverse_events", c.arm, c.term, c.grade_group, "n", c.n))
            out.append(Record("adverse_events", c.arm, c.term, c.grade_group, "pct", 100.0 * c.n / c.n_arm))
        out.append(Record("adverse_events", "", "other CTCAE versions", "", "n_events",
                          res.adverse_events.n_other_version))
    p = res.provenance
    for stat, v in (("spec_file", p.spec_file), ("spec_sha256", p.spec_sha256), ("gistreg_version",
                    p.gistreg_version), ("data_cut", p.data_cut.isoformat()), ("line_rules", p.line_rules),
                    ("run_at", p.run_at)):
        out.append(Record("provenance", "", "", "", stat, v))
    for name, sha in p.input_files:
        out.append(Record("provenance", "", "input_file", name, "sha256", sha))
    return tuple(out)


def write_records_csv(records: Iterable[Record], path: Path) -> None:
    """Write records as CSV (UTF-8, one row per record, full precision)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(FIELDS)
        for r in records:
            w.writerow([r.analysis, r.arm, r.variable, r.level, r.statistic,
                        "" if r.value is None else repr(r.value) if isinstance(r.value, float) else r.value])


def write_records_json(records: Iterable[Record], path: Path) -> None:
    """Write records as a JSON array of objects."""
    path.write_text(json.dumps([asdict(r) for r in records], indent=1, ensure_ascii=False) + "\n",
                    encoding="utf-8")


__all__ = ["FIELDS", "Record", "study_records", "write_records_csv", "write_records_json"]
