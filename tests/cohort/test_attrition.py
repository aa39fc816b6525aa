"""Eligibility steps and arms on a hand-made registry: every patient is counted at the step that drops them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb
import ibis
import ibis.expr.types as ir
import pytest

from gistreg.cohort.attrition import NO_ARM_REASON, build_cohort
from gistreg.cohort.datacut import apply_data_cut
from gistreg.cohort.frame import derive_lines, patient_frame
from gistreg.cohort.spec import parse_spec
from gistreg.core.errors import CohortError

SPEC = """\
id: t
title: Rechallenge
population: {countries: [JP]}
data_cut: 2009-03-31
anchor: {agent: sunitinib, after_agent: imatinib}
index: anchor_end
eligibility:
  - label: Sunitinib after imatinib
    include: {anchor: {exists: true}}
    reason: No sunitinib after imatinib
  - label: Sunitinib stopped
    exclude: {anchor: {ongoing: true}}
    reason: Still on sunitinib
  - label: No other trial
    exclude: {next: {agent: investigational}}
    reason: Entered another trial
arms:
  - name: IM
    when: {next: {agent: imatinib}}
  - name: BSC
    when: {next: none}
"""


def _exp(eid: str, pid: str, agent: str, start: str, stop: str | None, dose: float = 400) -> dict[str, Any]:
    return {"exposure_id": eid, "patient_id": pid, "agent": agent, "daily_dose_mg": dose, "schedule": "daily",
            "setting": "palliative", "start_date": start, "stop_date": stop,
            "stop_reason": "progression" if stop else None, "start_reason": "initial"}


def _registry() -> dict[str, list[dict[str, Any]]]:
    pats = ["p1", "p2", "p3", "p4", "p5", "p6", "p7", "p8"]
    site = {p: "JP1" for p in pats} | {"p6": "NL1"}
    ex = [
        _exp("1a", "p1", "imatinib", "2005-01-01", "2007-01-01"), _exp("1b", "p1", "sunitinib", "2007-01-05",
                                                                      "2008-01-01", 37.5),
        _exp("1c", "p1", "imatinib", "2008-01-10", None),
        _exp("2a", "p2", "imatinib", "2005-01-01", "2007-01-01"), _exp("2b", "p2", "sunitinib", "2007-01-05",
                                                                      "2008-06-01", 37.5),
        _exp("3a", "p3", "imatinib", "2005-01-01", "2007-01-01"), _exp("3b", "p3", "sunitinib", "2007-01-05",
                                                                      None, 37.5),
        # Stops only after the data cut: still on sunitinib at the cut.
        _exp("8a", "p8", "imatinib", "2005-01-01", "2007-01-01"), _exp("8b", "p8", "sunitinib", "2007-01-05",
                                                                      "2009-06-01", 37.5),
        _exp("4a", "p4", "imatinib", "2005-01-01", "2007-01-01"), _exp("4b", "p4", "sunitinib", "2007-01-05",
                                                                      "2008-01-01", 37.5),
        _exp("4c", "p4", "investigational", "2008-01-20", None, 100),
        _exp("5a", "p5", "imatinib", "2005-01-01", None),
        _exp("6a", "p6", "imatinib", "2005-01-01", "2007-01-01"), _exp("6b", "p6", "sunitinib", "2007-01-05",
                                                                      "2008-01-01", 37.5),
        _exp("7a", "p7", "imatinib", "2005-01-01", "2007-01-01"), _exp("7b", "p7", "sunitinib", "2007-01-05",
                                                                      "2008-01-01", 37.5),
        _exp("7c", "p7", "regorafenib", "2008-01-10", None, 160),
    ]
    return {
        "sites": [{"site_id": "JP1", "name": "A", "country": "JP"}, {"site_id": "NL1", "name": "B",
                                                                      "country": "NL"}],
        "patients": [{"patient_id": p, "site_id": site[p], "sex": "M"} for p in pats],
        "drug_exposures": ex,
    }


def _run(tables: Callable[..., dict[str, ir.Table]], spec_text: str = SPEC) -> Any:
    spec = parse_spec(spec_text, "t.yaml")
    t = apply_data_cut(tables(_registry()), spec.data_cut)
    frame = patient_frame(t, derive_lines(t, spec.line_rules), spec.anchor)
    con = ibis.duckdb.from_connection(duckdb.connect())
    cohort, attrition = build_cohort(frame, spec)
    return con.to_pyarrow(cohort.select("patient_id", "arm").order_by("patient_id")).to_pylist(), attrition


def test_each_patient_leaves_at_its_step_and_arms_are_counted(tables: Callable[..., dict[str, ir.Table]]) -> None:
    cohort, att = _run(tables)
    assert att.n_population == 7  # p6 is in NL
    flow = [(s.label, s.n_in, s.n_excluded, s.n_out) for s in att.steps]
    assert flow == [
        ("Sunitinib after imatinib", 7, 1, 6),   # p5 never had sunitinib
        ("Sunitinib stopped", 6, 2, 4),          # p3 ongoing; p8 stops only after the cut
        ("No other trial", 4, 1, 3),             # p4
        ("Assigned to an arm", 3, 1, 2),         # p7 went on to regorafenib
    ]
    assert att.steps[-1].reason == NO_ARM_REASON
    assert att.arms == (("IM", 1), ("BSC", 1))
    assert cohort == [{"patient_id": "p1", "arm": "IM"}, {"patient_id": "p2", "arm": "BSC"}]


def test_overlapping_arms_are_an_error_naming_them(tables: Callable[..., dict[str, ir.Table]]) -> None:
    overlapping = SPEC.replace("when: {next: none}", "when: {anchor: {exists: true}}")
    with pytest.raises(CohortError, match=r"1 patient\(s\) match more than one arm \(IM, BSC\)"):
        _run(tables, overlapping)
