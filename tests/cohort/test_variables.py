"""Baseline variables derived relative to the index date, on a hand-made registry."""

from __future__ import annotations

from typing import Any

import duckdb
import ibis
import pytest

from gistreg.cohort.frame import derive_lines, patient_frame
from gistreg.cohort.spec import parse_spec
from gistreg.cohort.variables import add_variables, multiselect_levels
from gistreg.endpoints.time_to_event import index_date

SPEC = parse_spec("""\
id: t
title: t
data_cut: 2009-03-31
anchor: {agent: sunitinib}
index: anchor_end
eligibility:
  - label: any
    include: {anchor: {exists: true}}
arms:
  - name: A
    when: {anchor: {exists: true}}
baseline:
  - {name: PS, source: ecog_at_index}
  - {name: PS change, source: ecog_change}
  - {name: Best response, source: best_response, line: previous}
  - {name: Imatinib months, source: line_duration_months, line: previous}
  - name: Site
    source: primary_site
    levels: {Stomach: [stomach], Small intestine: [jejunum_ileum, small_bowel_nos], Other: ["*"]}
  - {name: Mitoses, source: mitotic_class}
  - {name: Age, source: age_at_index}
  - {name: Why imatinib stopped, source: line_end_reason, line: previous}
  - name: Metastases
    source: metastatic_sites
    levels: {Liver: [liver], Peritoneum: [peritoneum], Other: ["*"]}
""", "t.yaml")


def _rows() -> dict[str, list[dict[str, Any]]]:
    def exp(eid: str, pid: str, agent: str, start: str, stop: str, reason: str) -> dict[str, Any]:
        return {"exposure_id": eid, "patient_id": pid, "agent": agent, "daily_dose_mg": 400,
                "schedule": "daily", "setting": "palliative", "start_date": start, "stop_date": stop,
                "stop_reason": reason}

    def ps(i: str, pid: str, date: str, value: int) -> dict[str, Any]:
        return {"ps_id": i, "patient_id": pid, "assessment_date": date, "scale": "ECOG", "value": value}

    def scan(i: str, pid: str, date: str, resp: str | None) -> dict[str, Any]:
        return {"assessment_id": i, "patient_id": pid, "exam_date": date, "modality": "CT",
                "is_baseline": False, "tp_response": resp}

    return {
        "sites": [{"site_id": "S", "name": "S", "country": "JP"}],
        "patients": [{"patient_id": "a", "site_id": "S", "sex": "M", "birth_date": "1950-01-01"},
                     {"patient_id": "b", "site_id": "S", "sex": "F", "birth_date": "1960-07-01"}],
        "diagnoses": [
            {"diagnosis_id": "da", "patient_id": "a", "diagnosis_date": "2000-01-01", "primary_site": "jejunum_ileum",
             "stage_at_dx": "metastatic", "mitotic_count": 7, "mitotic_unit": "per_50hpf"},
            {"diagnosis_id": "db", "patient_id": "b", "diagnosis_date": "2000-01-01", "primary_site": "mesentery",
             "stage_at_dx": "metastatic"},
        ],
        "drug_exposures": [
            exp("a1", "a", "imatinib", "2004-01-01", "2007-01-01", "progression"),
            exp("a2", "a", "sunitinib", "2007-01-01", "2008-01-01", "progression"),
            exp("b1", "b", "imatinib", "2005-01-01", "2006-01-01", "toxicity"),
            exp("b2", "b", "sunitinib", "2006-01-01", "2008-07-01", "progression"),
        ],
        "performance_status": [
            ps("1", "a", "2006-12-20", 1), ps("2", "a", "2007-12-20", 2), ps("3", "a", "2008-01-05", 1),
            ps("4", "b", "2006-01-01", 2), ps("5", "b", "2008-02-01", 1),   # b: 151 days before index: too early
        ],
        "tumour_assessments": [
            scan("s1", "a", "2004-06-01", "SD"), scan("s2", "a", "2005-01-01", "PR"),
            scan("s3", "a", "2007-06-01", "CR"),          # during sunitinib: not the imatinib line
            scan("s4", "b", "2005-06-01", "NE"),
        ],
        "metastases": [
            {"metastasis_id": "m1", "patient_id": "a", "detected_date": "2000-01-01", "site": "liver"},
            {"metastasis_id": "m2", "patient_id": "a", "detected_date": "2001-01-01", "site": "lung"},
            {"metastasis_id": "m3", "patient_id": "a", "detected_date": "2009-01-01", "site": "peritoneum"},
            {"metastasis_id": "m4", "patient_id": "b", "detected_date": "2000-01-01", "site": "peritoneum"},
        ],
        "vital_status": [{"patient_id": p, "last_contact_date": "2009-03-31", "status": "alive"} for p in "ab"],
    }


def test_baseline_variables_per_patient(tables: Any) -> None:
    t = tables(_rows())
    frame = patient_frame(t, derive_lines(t, SPEC.line_rules), SPEC.anchor)
    frame = frame.mutate(index_date=index_date(frame, SPEC))
    out = add_variables(frame, t, SPEC.baseline)
    con = ibis.duckdb.from_connection(duckdb.connect())
    cols = [f"bl_{i}" for i in range(8)]
    recs = {r["patient_id"]: r for r in con.to_pyarrow(out.select("patient_id", *cols)).to_pylist()}
    a, b = recs["a"], recs["b"]
    # a: index 2008-01-01; the PS nearest the index is 2008-01-05 (4 days after) over 2007-12-20 (12 before).
    assert (a["bl_0"], a["bl_1"]) == ("1", "No change")          # 1 at sunitinib start, 1 at index
    assert (b["bl_0"], b["bl_1"]) == ("Not reported", "Not reported")
    assert (a["bl_2"], b["bl_2"]) == ("PR", "NE")                # best during imatinib only
    assert a["bl_3"] == pytest.approx(1096 / 30.4375) and b["bl_3"] == pytest.approx(365 / 30.4375)
    assert (a["bl_4"], b["bl_4"]) == ("Small intestine", "Other")
    assert (a["bl_5"], b["bl_5"]) == (">5", "Not reported")
    assert a["bl_6"] == pytest.approx(21184 / 365.25)            # 1950-01-01 to 2008-01-01: 21,184 days
    assert (a["bl_7"], b["bl_7"]) == ("Progression", "Toxicity / intolerance")
    ms = con.to_pyarrow(multiselect_levels(frame, t, SPEC.baseline[8])).to_pylist()
    assert sorted((r["patient_id"], r["level"]) for r in ms) == [("a", "Liver"), ("a", "Other"),
                                                                 ("b", "Peritoneum")]
