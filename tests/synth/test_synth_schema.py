"""Both the default and a scaled export conform to the canonical schema and are clinically consistent.

Checked with plain Python over the CSV files: headers, required values, codes, types, keys and references,
doses and schedules, CTCAE terms, and the order of dates (birth < diagnosis ≤ treatment ≤ death; nothing after
death or the last contact; no overlapping exposures of different TKIs).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections import defaultdict

from gistreg.core.vocab import AGENTS, VOCABULARIES, ctcae_term
from gistreg.registry.schema import TABLES

from .conftest import D, Export, Row

_TRUE_FALSE = {"true", "false"}


def test_headers_are_the_schema_columns(any_export: Export) -> None:
    for name, table in TABLES.items():
        with (any_export.path / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            header = next(csv.reader(f))
        assert tuple(header) == table.column_names, name
    assert {p.name for p in any_export.path.iterdir()} == {f"{t}.csv" for t in TABLES}


def test_values_have_the_column_types_and_codes(any_export: Export) -> None:
    for name, table in TABLES.items():
        rows = any_export.rows(name)
        for col in table.columns:
            values = [r[col.name] for r in rows]
            if col.required:
                assert all(values), (name, col.name)
            present = [v for v in values if v]
            if col.type == "code":
                allowed = VOCABULARIES[col.vocab or ""].codes
                bad = {v for v in present if v not in allowed}
                assert not bad, (name, col.name, bad)
            elif col.type == "date":
                for v in present:
                    assert len(v) == 10 and dt.date.fromisoformat(v) <= dt.date.today(), (name, col.name, v)
            elif col.type == "int":
                for v in present:
                    int(v)
            elif col.type == "float":
                for v in present:
                    float(v)
            elif col.type == "bool":
                assert set(present) <= _TRUE_FALSE, (name, col.name)


def test_keys_are_unique_and_references_resolve(any_export: Export) -> None:
    patients = {r["patient_id"] for r in any_export.rows("patients")}
    sites = {r["site_id"] for r in any_export.rows("sites")}
    assert {r["site_id"] for r in any_export.rows("patients")} <= sites
    for name, table in TABLES.items():
        rows = any_export.rows(name)
        keys = [tuple(r[k] for k in table.primary_key) for r in rows]
        assert len(keys) == len(set(keys)), name
        if table.patient_column and name != "patients":
            assert {r["patient_id"] for r in rows} <= patients, name
    assert {r["patient_id"] for r in any_export.rows("vital_status")} == patients
    assert {r["patient_id"] for r in any_export.rows("diagnoses")} == patients


def test_doses_schedules_and_ctcae_terms(any_export: Export) -> None:
    for r in any_export.rows("drug_exposures"):
        agent = AGENTS[r["agent"]]
        dose = float(r["daily_dose_mg"])
        if agent.doses_mg:
            assert dose in agent.doses_mg, r
        allowed = agent.schedules_by_dose.get(dose, agent.schedules)
        assert r["schedule"] in allowed, r
        if r["agent"] == "investigational":
            assert r["trial_id"], r
    for r in any_export.rows("adverse_events"):
        assert ctcae_term(r["ctcae_version"], r["term"]) is not None, r
        assert 1 <= int(r["grade"]) <= 5


def _patient_dates(e: Export, pid: str) -> tuple[dt.date, dt.date, dt.date | None, dt.date]:
    birth = D(e.one("patients", pid)["birth_date"])
    dx = D(e.one("diagnoses", pid)["diagnosis_date"])
    return birth, dx, e.death(pid), e.last_contact(pid)


_EVENTS = (("tumour_assessments", "exam_date"), ("progressions", "progression_date"),
           ("performance_status", "assessment_date"), ("adverse_events", "onset_date"),
           ("adverse_events", "end_date"), ("metastases", "detected_date"), ("surgeries", "surgery_date"),
           ("mutations", "test_date"), ("drug_exposures", "start_date"), ("drug_exposures", "stop_date"))


def test_dates_are_in_order(any_export: Export) -> None:
    e = any_export
    for p in e.rows("patients"):
        pid = p["patient_id"]
        birth, dx, death, contact = _patient_dates(e, pid)
        assert birth < dx <= contact, pid
        if death is not None:
            assert contact == death, pid
        limit = death or contact
        for table, col in _EVENTS:
            for r in e.by_patient(table).get(pid, []):
                if r[col]:
                    assert D(r[col]) <= limit, (pid, table, col, r[col])
        for r in e.by_patient("drug_exposures").get(pid, []):
            assert D(r["start_date"]) >= dx, (pid, r)
            if r["stop_date"]:
                assert D(r["start_date"]) <= D(r["stop_date"]), (pid, r)
            else:
                assert r["stop_reason"] == "", (pid, r)


def _overlaps(rows: list[Row], contact: dt.date) -> list[tuple[str, str]]:
    out = []
    spans = sorted(((D(r["start_date"]), D(r["stop_date"]) if r["stop_date"] else contact, r) for r in rows),
                   key=lambda x: (x[0], x[2]["exposure_id"]))
    for (_, e1, r1), (s2, _, r2) in itertools.pairwise(spans):
        if s2 <= e1 and not (r1["trial_id"] or r2["trial_id"]):
            out.append((r1["exposure_id"], r2["exposure_id"]))
    return out


def test_no_overlapping_exposures(any_export: Export) -> None:
    by = defaultdict(list)
    for r in any_export.rows("drug_exposures"):
        by[r["patient_id"]].append(r)
    for pid, rows in by.items():
        assert not _overlaps(rows, any_export.last_contact(pid)), pid


def test_adjuvant_follows_resection_and_precedes_metastasis(any_export: Export) -> None:
    e = any_export
    for r in e.rows("drug_exposures"):
        if r["setting"] != "adjuvant":
            continue
        pid = r["patient_id"]
        res = [D(s["surgery_date"]) for s in e.by_patient("surgeries")[pid] if s["procedure"] == "primary_resection"]
        mets = [D(m["detected_date"]) for m in e.by_patient("metastases").get(pid, [])]
        assert res and min(res) <= D(r["start_date"]), pid
        assert not mets or D(r["start_date"]) < min(mets), pid


def test_ongoing_exposures_end_at_the_last_contact_of_living_patients(any_export: Export) -> None:
    for r in any_export.rows("drug_exposures"):
        if not r["stop_date"]:
            assert any_export.death(r["patient_id"]) is None, r
