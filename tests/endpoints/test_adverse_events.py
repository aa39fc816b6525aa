"""Adverse events: worst grade per patient and term, counted per arm, versions never mixed."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import pyarrow as pa

from gistreg.cohort.spec import AdverseEventSpec
from gistreg.endpoints.adverse_events import summarise_adverse_events


def _ae(i: int, pid: str, term: str, grade: int, onset: str, version: str = "3.0") -> dict[str, Any]:
    return {"ae_id": str(i), "patient_id": pid, "term": term, "ctcae_version": version, "grade": grade,
            "onset_date": dt.date.fromisoformat(onset)}


def test_worst_grade_per_patient_and_term(tables: Any) -> None:
    cohort = ibis.memtable(pa.table({
        "patient_id": ["a", "b", "c"], "arm": ["IM", "IM", "BSC"],
        "index_date": [dt.date(2008, 1, 1)] * 3,
    }))
    t = tables({"adverse_events": [
        _ae(1, "a", "Oedema", 1, "2008-02-01"), _ae(2, "a", "oedema", 2, "2008-03-01"),   # worst: grade 2
        _ae(3, "b", "Edema", 1, "2008-02-01"),
        _ae(4, "b", "Anaemia", 3, "2008-02-01"),
        _ae(5, "c", "Anaemia", 1, "2007-12-01"),           # before the index date: not counted
        _ae(6, "c", "Anemia", 2, "2008-02-01", "4.03"),    # other CTCAE version: counted apart
        _ae(7, "c", "Hiccups", 1, "2008-02-01"),           # not a v3.0 term we know: listed as unmapped
    ]})
    table = summarise_adverse_events(cohort, t["adverse_events"], AdverseEventSpec("3.0"), {"IM": 2, "BSC": 1})
    got = {(c.arm, c.term, c.grade_group): (c.n, c.n_arm) for c in table.counts}
    assert got == {
        ("IM", "Edema", "1"): (1, 2), ("IM", "Edema", "2"): (1, 2), ("IM", "Edema", "any"): (2, 2),
        ("IM", "Hemoglobin", "3-4"): (1, 2), ("IM", "Hemoglobin", "any"): (1, 2),
    }
    assert table.n_other_version == 1
    assert table.unmapped_terms == ("Hiccups",)
