"""Run a study spec over the registry store: cohort, endpoints, Table 1, outcomes, response, adverse events.

Lines, cohort, endpoints and baseline variables are Ibis expressions executed by the store's engine (DuckDB
by default); only the one-row-per-patient analysis dataset (and the few rows that response evaluation needs)
comes into memory, as Arrow/NumPy arrays.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa

from gistreg import __version__
from gistreg.cohort.attrition import Attrition, AttritionStep, build_cohort
from gistreg.cohort.datacut import apply_data_cut
from gistreg.cohort.frame import derive_lines, patient_frame
from gistreg.cohort.spec import StudySpec
from gistreg.cohort.variables import MISSING, RESPONSE_ORDER, add_variables, multiselect_levels
from gistreg.endpoints.adverse_events import AdverseEventTable, summarise_adverse_events
from gistreg.endpoints.response import Assessments, PatientResponse, evaluate_patient
from gistreg.endpoints.time_to_event import add_endpoint, add_followup, index_date
from gistreg.registry.schema import TABLES
from gistreg.study.outcomes import EndpointOutcome, analyse_endpoint
from gistreg.study.table1 import Table1Row, categorical_row, continuous_row

Progress = Callable[[str], None]

NO_INDEX_REASON = "No index date (the event that starts the clock is missing)"


@dataclass(frozen=True, slots=True)
class Provenance:
    """What a result rests on: the registry's loads (file names and SHA-256), the spec, the version, the run."""

    spec_file: str
    spec_sha256: str
    gistreg_version: str
    data_cut: dt.date
    line_rules: str
    run_at: str
    input_files: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ResponseTable:
    """Response category per patient and arm, with evaluable and not-evaluable patients apart."""

    criteria: str
    landmark_days: int | None
    per_patient: Mapping[str, PatientResponse]
    arms: tuple[str, ...]
    counts: tuple[tuple[str, tuple[int, ...]], ...]


@dataclass(frozen=True, slots=True)
class StudyResult:
    """Everything a study run produced."""

    spec: StudySpec
    attrition: Attrition
    dataset: pa.Table
    table1: tuple[Table1Row, ...]
    outcomes: tuple[EndpointOutcome, ...]
    response: ResponseTable | None
    adverse_events: AdverseEventTable | None
    provenance: Provenance

    @property
    def arms(self) -> tuple[str, ...]:
        """Arm names in spec order."""
        return tuple(a.name for a in self.spec.arms)


def registry_tables(backend: Any) -> dict[str, ir.Table]:
    """The canonical tables of a store opened as an Ibis backend."""
    return {name: backend.table(name) for name in TABLES}


def _provenance(spec: StudySpec, backend: Any) -> Provenance:
    files: tuple[tuple[str, str], ...] = ()
    try:
        lf = backend.table("load_files")
    except Exception:  # a store without import provenance (e.g. built in memory): nothing to list
        lf = None
    if lf is not None:
        cols = set(lf.columns)
        name_col = "file_name" if "file_name" in cols else "name"
        rows = lf.select(name_col, "sha256").distinct().order_by([name_col, "sha256"]).to_pyarrow().to_pylist()
        files = tuple((r[name_col], r["sha256"]) for r in rows)
    return Provenance(
        spec_file=spec.file,
        spec_sha256=hashlib.sha256(spec.text.encode("utf-8")).hexdigest(),
        gistreg_version=__version__,
        data_cut=spec.data_cut,
        line_rules=spec.line_rules.version,
        run_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        input_files=files,
    )


def _require_index(cohort: ir.Table, attrition: Attrition) -> tuple[ir.Table, Attrition]:
    counts = cohort.group_by("arm").aggregate(
        n=cohort.count(), n_missing=cohort.index_date.isnull().cast("int64").sum()
    ).to_pyarrow().to_pylist()
    missing = sum(int(r["n_missing"]) for r in counts)
    if not missing:
        return cohort, attrition
    n_in = attrition.n_final
    step = AttritionStep(len(attrition.steps) + 1, "Index date known", "include", n_in, missing,
                         NO_INDEX_REASON, n_in - missing)
    by_arm = {r["arm"]: int(r["n"]) - int(r["n_missing"]) for r in counts}
    arms = tuple((a, by_arm.get(a, 0)) for a, _ in attrition.arms)
    return cohort.filter(cohort.index_date.notnull()), replace(attrition, steps=(*attrition.steps, step), arms=arms)


def _table1(spec: StudySpec, cohort: ir.Table, tables: Mapping[str, ir.Table], data: pa.Table,
            arms: tuple[str, ...], sizes: tuple[int, ...]) -> tuple[Table1Row, ...]:
    arm = np.asarray(data.column("arm").to_pylist(), dtype=object)
    rows: list[Table1Row] = []
    for i, var in enumerate(spec.baseline):
        if var.kind == "multiselect":
            long = multiselect_levels(cohort, tables, var).to_pyarrow().to_pylist()
            arm_of = dict(zip(data.column("patient_id").to_pylist(), arm, strict=True))
            counts: dict[str, list[int]] = {}
            for r in long:
                a = arm_of.get(r["patient_id"])
                if a is not None:
                    counts.setdefault(r["level"], [0] * len(arms))[arms.index(a)] += 1
            rows.append(categorical_row(var, arms, sizes, counts, multiselect=True))
            continue
        col = data.column(f"bl_{i}").to_pylist()
        if var.kind == "continuous":
            vals = np.array([np.nan if v is None else float(v) for v in col])
            rows.append(continuous_row(var, arms, sizes, [vals[arm == a] for a in arms]))
        else:
            counts = {}
            for v, a in zip(col, arm, strict=True):
                counts.setdefault(str(v), [0] * len(arms))[arms.index(a)] += 1
            natural = (*RESPONSE_ORDER, MISSING) if var.source == "best_response" else ()
            rows.append(categorical_row(var, arms, sizes, counts, natural_order=natural))
    return tuple(rows)


def _outcomes(spec: StudySpec, data: pa.Table, arms: tuple[str, ...]) -> tuple[EndpointOutcome, ...]:
    arm = np.asarray(data.column("arm").to_pylist(), dtype=str)
    out = []
    first_os = next((e.name for e in spec.endpoints if e.kind == "os"), None)
    for ep in spec.endpoints:
        if ep.name not in spec.analyses.km_endpoints:
            continue
        days = np.array([np.nan if v is None else float(v) for v in data.column(f"{ep.name}_days").to_pylist()])
        ev = np.array([0.0 if v is None else float(v) for v in data.column(f"{ep.name}_event").to_pylist()])
        cens = np.asarray([v or "" for v in data.column(f"{ep.name}_censor").to_pylist()], dtype=str)
        if np.isnan(days).all():
            # No patient has this endpoint (e.g. an empty cohort in a small registry): nothing to estimate;
            # the attrition and Table 1 still say how many patients there are.
            continue
        out.append(analyse_endpoint(
            ep.name, ep.label, arms, arm, days, ev, cens,
            reference=spec.analyses.reference_arm, conf_type=spec.analyses.conf_type,
            with_cox=ep.name in spec.analyses.cox_endpoints, rmst_tau_months=spec.analyses.rmst_tau_months,
            with_followup=ep.name == first_os,
        ))
    return tuple(out)


def _response(spec: StudySpec, cohort: ir.Table, tables: Mapping[str, ir.Table], data: pa.Table,
              arms: tuple[str, ...]) -> ResponseTable | None:
    rs = spec.response
    if rs is None:
        return None
    ta = tables["tumour_assessments"]
    c = cohort.select(_pid=cohort.patient_id, _idx=cohort.index_date)
    j = ta.join(c, ta.patient_id == c._pid)
    rows = j.select(
        patient_id=j.patient_id, day=j.exam_date.delta(j._idx, unit="day"), is_baseline=j.is_baseline,
        size=j.sum_diam_mm, hu=j.mean_hu, new=(j.new_lesion == "yes").fill_null(False),
        ntpd=(j.nontarget == "PD").fill_null(False),
    ).order_by(["patient_id", "day"]).to_pyarrow()
    by_patient: dict[str, list[int]] = {}
    for k, pid in enumerate(rows.column("patient_id").to_pylist()):
        by_patient.setdefault(pid, []).append(k)
    cols = {n: rows.column(n).to_numpy(zero_copy_only=False) for n in ("day", "is_baseline", "new", "ntpd")}
    size = np.array([np.nan if v is None else v for v in rows.column("size").to_pylist()], dtype=float)
    hu = np.array([np.nan if v is None else v for v in rows.column("hu").to_pylist()], dtype=float)
    per: dict[str, PatientResponse] = {}
    for pid in data.column("patient_id").to_pylist():
        idx = np.array(by_patient.get(pid, []), dtype=np.int64)
        a = Assessments(cols["day"][idx].astype(np.int64), cols["is_baseline"][idx].astype(bool), size[idx],
                        hu[idx], cols["new"][idx].astype(bool), cols["ntpd"][idx].astype(bool))
        per[pid] = evaluate_patient(a, rs)
    arm_of = dict(zip(data.column("patient_id").to_pylist(), data.column("arm").to_pylist(), strict=True))
    cats = ("CR", "PR", "SD", "PD", "NE")
    counts = tuple((cat, tuple(sum(1 for p, r in per.items() if r.category == cat and arm_of[p] == a)
                                for a in arms)) for cat in cats)
    return ResponseTable(rs.criteria, rs.landmark_days, per, arms, counts)


def _materialise(backend: Any, expr: ir.Table, name: str) -> ir.Table:
    """Compute ``expr`` once into a temporary table of the engine (the data stay where they live)."""
    return backend.create_table(f"_gistreg_{name}_{uuid.uuid4().hex[:12]}", expr, temp=True)


def run_study(spec: StudySpec, backend: Any, *, progress: Progress | None = None) -> StudyResult:
    """Run ``spec`` over the registry behind the Ibis ``backend`` (e.g. ``ibis.duckdb.connect(path)``).

    Intermediate results (lines, the patient frame, the cohort) are computed once into temporary tables of
    the same engine, so that later steps do not recompute them; nothing but the analysis dataset is loaded
    into Python.
    """
    say = progress or (lambda _msg: None)
    tables = apply_data_cut(registry_tables(backend), spec.data_cut)
    say("deriving treatment lines")
    lines = _materialise(backend, derive_lines(tables, spec.line_rules), "lines")
    frame = _materialise(backend, patient_frame(tables, lines, spec.anchor), "frame")
    say("selecting the cohort")
    cohort, attrition = build_cohort(frame, spec)
    cohort = cohort.mutate(index_date=index_date(cohort, spec))
    cohort = _materialise(backend, cohort, "cohort")
    cohort, attrition = _require_index(cohort, attrition)
    say("deriving endpoints and baseline variables")
    for ep in spec.endpoints:
        cohort = add_endpoint(cohort, tables, ep, spec.data_cut)
    cohort = add_followup(cohort)
    cohort = _materialise(backend, add_variables(cohort, tables, spec.baseline), "analysis")
    keep = ["patient_id", "arm", "site_id", "index_date", "followup_days", "followup_dead"]
    keep += [c for c in cohort.columns if any(c.startswith(f"{e.name}_") for e in spec.endpoints)]
    keep += [c for c in cohort.columns if c.startswith("bl_")]
    data = cohort.select(*keep).order_by(["arm", "patient_id"]).to_pyarrow()
    arms = tuple(a.name for a in spec.arms)
    sizes = tuple(n for _, n in attrition.arms)
    say("computing Table 1 and outcomes")
    table1 = _table1(spec, cohort, tables, data, arms, sizes)
    outcomes = _outcomes(spec, data, arms)
    response = _response(spec, cohort, tables, data, arms)
    aes = (summarise_adverse_events(cohort, tables["adverse_events"], spec.adverse_events, dict(attrition.arms))
           if spec.adverse_events is not None else None)
    return StudyResult(spec, attrition, data, table1, outcomes, response, aes, _provenance(spec, backend))


def open_registry(path: str) -> Any:
    """Open a registry file read-only as an Ibis DuckDB backend."""
    return ibis.duckdb.connect(path, read_only=True)


__all__ = ["Provenance", "ResponseTable", "StudyResult", "open_registry", "registry_tables", "run_study"]
