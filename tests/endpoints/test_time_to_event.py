"""Each endpoint's event and censoring rule on hand-made patient histories, with the answer written down."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir

from gistreg.cohort.frame import derive_lines, patient_frame
from gistreg.cohort.spec import Anchor, Endpoint, StudySpec, parse_spec
from gistreg.endpoints.time_to_event import add_endpoint, index_date

CUT = dt.date(2020, 12, 31)

SPEC = parse_spec("""\
id: t
title: t
data_cut: 2020-12-31
anchor: {line_no: 1}
index: next_start
eligibility:
  - label: any
    include: {anchor: {exists: true}}
arms:
  - name: A
    when: {anchor: {exists: true}}
""", "t.yaml")


def _exp(eid: str, pid: str, agent: str, start: str, stop: str | None, reason: str | None) -> dict[str, Any]:
    return {"exposure_id": eid, "patient_id": pid, "agent": agent, "daily_dose_mg": 400, "schedule": "daily",
            "setting": "palliative", "start_date": start, "stop_date": stop, "stop_reason": reason}


def _vital(pid: str, last: str, death: str | None = None) -> dict[str, Any]:
    return {"patient_id": pid, "last_contact_date": last, "status": "dead" if death else "alive",
            "death_date": death}


def _compute(tables: Callable[..., dict[str, ir.Table]], rows: dict[str, list[dict[str, Any]]],
             ep: Endpoint, spec: StudySpec = SPEC) -> dict[str, tuple[Any, ...]]:
    pids = sorted({r["patient_id"] for r in rows["drug_exposures"]})
    rows = {"sites": [{"site_id": "S", "name": "S", "country": "NL"}],
            "patients": [{"patient_id": p, "site_id": "S", "sex": "F"} for p in pids], **rows}
    t = tables(rows)
    frame = patient_frame(t, derive_lines(t, spec.line_rules), Anchor(line_no=1))
    frame = frame.mutate(index_date=index_date(frame, spec))
    out = add_endpoint(frame, t, ep, CUT)
    con = ibis.duckdb.from_connection(duckdb.connect())
    recs = con.to_pyarrow(out.select("patient_id", f"{ep.name}_days", f"{ep.name}_event",
                                     f"{ep.name}_censor").order_by("patient_id")).to_pylist()
    return {r["patient_id"]: (r[f"{ep.name}_days"], r[f"{ep.name}_event"], r[f"{ep.name}_censor"]) for r in recs}


TWO_LINES = [
    _exp("a1", "a", "imatinib", "2015-01-01", "2016-01-01", "progression"),
    _exp("a2", "a", "sunitinib", "2016-01-01", "2016-07-01", "progression"),
    _exp("b1", "b", "imatinib", "2015-01-01", "2016-01-01", "progression"),
    _exp("b2", "b", "sunitinib", "2016-01-01", None, None),
    _exp("c1", "c", "imatinib", "2015-01-01", None, None),
]


def test_os_death_censoring_at_last_contact_and_lost_to_follow_up(tables: Any) -> None:
    res = _compute(tables, {
        "drug_exposures": TWO_LINES,
        "vital_status": [_vital("a", "2016-03-01", "2016-03-01"),    # died 60 days after the index date
                         _vital("b", "2019-06-30"),                  # last seen > 12 months before the cut
                         _vital("c", "2020-12-31")],                 # no second line: no index date
    }, Endpoint("OS", "os"))
    assert res["a"] == (60, 1, None)
    assert res["b"] == (1276, 0, "lost_to_follow_up")
    assert res["c"] == (None, None, None)


def test_os_from_diagnosis_and_censoring_at_the_data_cut(tables: Any) -> None:
    res = _compute(tables, {
        "drug_exposures": TWO_LINES[:4],
        "diagnoses": [{"diagnosis_id": "d", "patient_id": p, "diagnosis_date": "2014-12-01",
                       "primary_site": "stomach", "stage_at_dx": "metastatic"} for p in ("a", "b")],
        "vital_status": [_vital("a", "2016-03-01", "2016-03-01"), _vital("b", "2020-12-31")],
    }, Endpoint("OS", "os", origin="diagnosis"))
    assert res["a"] == (456, 1, None)
    assert res["b"] == (2222, 0, "data_cut")


def test_pfs_first_progression_after_time_zero_or_death_censored_at_last_scan(tables: Any) -> None:
    scans = [{"assessment_id": f"s{i}", "patient_id": "b", "exam_date": d, "modality": "CT", "is_baseline": False}
             for i, d in enumerate(["2015-12-20", "2016-04-01", "2016-09-15"])]
    res = _compute(tables, {
        "drug_exposures": TWO_LINES[:4],
        # a: the progression that triggered the switch (on the index date) does not count; the next one does.
        "progressions": [{"progression_id": "p1", "patient_id": "a", "progression_date": "2016-01-01",
                          "basis": "recist11"},
                         {"progression_id": "p2", "patient_id": "a", "progression_date": "2016-06-20",
                          "basis": "recist11"}],
        "tumour_assessments": scans,
        "vital_status": [_vital("a", "2020-12-31"), _vital("b", "2020-12-31")],
    }, Endpoint("PFS", "pfs"))
    assert res["a"] == (171, 1, None)
    assert res["b"] == (258, 0, "last_assessment")   # 2016-09-15, the last scan after time zero


def test_pfs_death_without_progression_is_an_event(tables: Any) -> None:
    res = _compute(tables, {
        "drug_exposures": TWO_LINES[:2],
        "vital_status": [_vital("a", "2016-02-10", "2016-02-10")],
    }, Endpoint("PFS", "pfs", pfs_censor="last_contact"))
    assert res["a"] == (40, 1, None)


def test_ttf_ttnt_and_dot_of_the_second_line(tables: Any) -> None:
    rows = {"drug_exposures": [*TWO_LINES[:4], _exp("a3", "a", "regorafenib", "2016-08-01", None, None)],
            "vital_status": [_vital("a", "2020-12-31"), _vital("b", "2018-01-01", "2018-01-01")]}
    ttf = _compute(tables, rows, Endpoint("TTF", "ttf", line="next"))
    assert ttf["a"] == (182, 1, None)          # sunitinib stopped 2016-07-01
    assert ttf["b"] == (731, 1, None)          # still on sunitinib when she died: death is the failure
    ttnt = _compute(tables, rows, Endpoint("TTNT", "ttnt", line="next"))
    assert ttnt["a"] == (213, 1, None)         # regorafenib started 2016-08-01
    assert ttnt["b"] == (731, 1, None)
    dot = _compute(tables, rows, Endpoint("DoT", "dot", line="next"))
    assert dot["a"] == (182, 1, None)
    assert dot["b"] == (731, 1, None)
    alive = {**rows, "vital_status": [_vital("a", "2020-12-31"), _vital("b", "2020-06-30")]}
    assert _compute(tables, alive, Endpoint("DoT", "dot", line="next"))["b"] == (1642, 0, "ongoing")
