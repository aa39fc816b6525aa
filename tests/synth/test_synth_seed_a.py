"""The Japanese cohort reproduces seed a (000_f7a449c4dfdf80f2.txt): flow, Table 1, Table 2, Table 3, OS.

Every count is derived from the CSV files as the study would derive it: the sunitinib line after imatinib is
the anchor, its stop date the index; the line before it is the first imatinib line.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from typing import Any

import numpy as np
import pytest

from gistreg.core.vocab import ctcae_term
from gistreg.stats import cox, kaplan_meier, survival_quantiles
from gistreg.synth import calibration as cal

from .conftest import D, Export, Line, months

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _cohort(e: Export) -> dict[str, Any]:
    """The study's flow and, per analysed patient, (arm, lines, anchor position)."""
    flow = Counter[str]()
    analysed: dict[str, tuple[str, list[Line], int]] = {}
    for pid in e.patients("JP"):
        flow["identified"] += 1
        lines = e.lines(pid)
        k = next(i for i, ln in enumerate(lines) if ln.agent == "sunitinib" and i > 0
                 and any(x.agent == "imatinib" for x in lines[:i]))
        if lines[k].end is None:
            flow["ongoing_sunitinib"] += 1
            continue
        nxt = lines[k + 1] if k + 1 < len(lines) else None
        if nxt is not None and nxt.agent == "investigational":
            flow["trial_entry"] += 1
            continue
        arm = "bsc" if nxt is None else ("rechallenge" if nxt.agent == "imatinib" else "other")
        flow[arm] += 1
        analysed[pid] = (arm, lines, k)
    return {"flow": flow, "analysed": analysed}


@pytest.fixture(scope="module")
def jp(default_export: Export) -> dict[str, Any]:
    return _cohort(default_export)


def _per_arm(jp: dict[str, Any], fn: Any) -> dict[str, Counter[Any]]:
    out: dict[str, Counter[Any]] = {a: Counter() for a in cal.JP_ARMS}
    for pid, (arm, lines, k) in jp["analysed"].items():
        v = fn(pid, lines, k)
        for x in (v if isinstance(v, (set, tuple)) else (v,)):
            out[arm][x] += 1
    return out


def test_flow(jp: dict[str, Any]) -> None:
    assert dict(jp["flow"]) == {k: v for k, v in cal.JP_FLOW.items()}


def test_trial_entry_is_encoded_by_stop_reason_and_trial_id(default_export: Export, jp: dict[str, Any]) -> None:
    n = 0
    for pid in default_export.patients("JP"):
        lines = default_export.lines(pid)
        for i, ln in enumerate(lines):
            if ln.agent == "investigational":
                assert lines[i - 1].agent == "sunitinib" and lines[i - 1].end_reason == "trial_entry"
                assert all(r["trial_id"] for r in ln.rows)
                n += 1
    assert n == cal.JP_FLOW["trial_entry"]


def test_sex_site_metastases(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export
    sex = _per_arm(jp, lambda pid, lines, k: e.one("patients", pid)["sex"])
    groups = {"stomach": "stomach", "duodenum": "small_intestine", "jejunum_ileum": "small_intestine",
              "small_bowel_nos": "small_intestine", "rectum": "rectum"}
    site = _per_arm(jp, lambda pid, lines, k: groups.get(e.one("diagnoses", pid)["primary_site"], "other"))

    def mets(pid: str, lines: list[Line], k: int) -> set[str]:
        index = lines[k].end
        assert index is not None
        return {m["site"] if m["site"] in ("liver", "peritoneum") else "other"
                for m in e.by_patient("metastases")[pid] if D(m["detected_date"]) <= index}

    met = _per_arm(jp, mets)
    for arm in cal.JP_ARMS:
        assert dict(sex[arm]) == dict(cal.JP_SEX[arm])
        assert dict(site[arm]) == {k: v for k, v in cal.JP_PRIMARY[arm].items() if v}
        assert dict(met[arm]) == dict(cal.JP_METASTASES[arm])


def test_performance_status_at_index_and_change(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export

    def ps(pid: str, lines: list[Line], k: int) -> str:
        index = lines[k].end
        assert index is not None
        v = e.ecog_near(pid, index, 60, 14)
        return str(v)

    def change(pid: str, lines: list[Line], k: int) -> str:
        index = lines[k].end
        assert index is not None
        post, pre = e.ecog_near(pid, index, 60, 14), e.ecog_near(pid, lines[k].start, 30, 30)
        assert post is not None and pre is not None
        return "better" if post < pre else ("worse" if post > pre else "same")

    got_ps, got_change = _per_arm(jp, ps), _per_arm(jp, change)
    for arm in cal.JP_ARMS:
        assert dict(got_ps[arm]) == {k: v for k, v in cal.JP_ECOG_AT_INDEX[arm].items() if v}
        assert dict(got_change[arm]) == {k: v for k, v in cal.JP_PS_CHANGE[arm].items() if v}


def _median_range(values: list[float]) -> tuple[float, float, float]:
    return round(statistics.median(values), 1), round(min(values), 1), round(max(values), 1)


def test_durations_and_age(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export
    for arm in cal.JP_ARMS:
        first, sun, age = [], [], []
        for pid, (a, lines, k) in jp["analysed"].items():
            if a != arm:
                continue
            prev, anchor = lines[k - 1], lines[k]
            assert prev.agent == "imatinib" and prev.end is not None and anchor.end is not None
            first.append(months(prev.start, prev.end))
            sun.append(months(anchor.start, anchor.end))
            age.append((anchor.end - D(e.one("patients", pid)["birth_date"])).days / 365.25)
        assert _median_range(first) == cal.JP_FIRST_IMATINIB_MONTHS[arm]
        assert _median_range(sun) == cal.JP_SUNITINIB_MONTHS[arm]
        assert _median_range(age) == cal.JP_AGE[arm]


def test_first_imatinib_best_response_and_stop_reason(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export

    def best(pid: str, lines: list[Line], k: int) -> str:
        prev = lines[k - 1]
        assert prev.end is not None
        return e.best_response(pid, prev.start, prev.end)

    br = _per_arm(jp, best)
    stop = _per_arm(jp, lambda pid, lines, k: lines[k - 1].end_reason)
    for arm in cal.JP_ARMS:
        assert dict(br[arm]) == {k: v for k, v in cal.JP_BEST_RESPONSE[arm].items() if v}
        assert dict(stop[arm]) == {k: v for k, v in cal.JP_FIRST_STOP[arm].items() if v}


def test_choi_response_at_two_months(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export

    def choi(pid: str, lines: list[Line], k: int) -> str:
        index = lines[k].end
        assert index is not None
        return e.choi(pid, index)

    got = _per_arm(jp, choi)
    for arm in cal.JP_ARMS:
        assert dict(got[arm]) == dict(cal.JP_CHOI[arm])


def test_adverse_events_worst_grade_per_term(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export
    worst: dict[tuple[str, str, str], int] = {}
    for pid, (arm, lines, k) in jp["analysed"].items():
        index = lines[k].end
        assert index is not None
        for ae in e.by_patient("adverse_events").get(pid, []):
            if D(ae["onset_date"]) < index:
                continue
            assert ae["ctcae_version"] == "3.0" and int(ae["grade"]) <= 2
            term = ctcae_term("3.0", ae["term"])
            assert term is not None, ae["term"]
            key = (arm, pid, term)
            worst[key] = max(worst.get(key, 0), int(ae["grade"]))
    counts = Counter((arm, term, g) for (arm, _, term), g in worst.items())
    for site_term, (r1, r2, b1, b2) in cal.JP_ADVERSE_EVENTS.items():
        term = ctcae_term("3.0", site_term)
        assert term is not None
        assert [counts[("rechallenge", term, 1)], counts[("rechallenge", term, 2)], counts[("bsc", term, 1)],
                counts[("bsc", term, 2)]] == [r1, r2, b1, b2], site_term
    with_any = Counter(arm for arm, _, _ in {(a, p, 0) for a, p, _ in worst})
    assert dict(with_any) == dict(cal.JP_ANY_AE)
    interrupted = sum(1 for pid, (arm, _, _) in jp["analysed"].items() if arm == "rechallenge"
                      and any(ae["action"] == "interrupted" for ae in e.by_patient("adverse_events").get(pid, [])))
    assert interrupted == cal.JP_AE_INTERRUPTIONS


def test_overall_survival_calibration(default_export: Export, jp: dict[str, Any]) -> None:
    e = default_export
    t, ev, x = [], [], []
    for pid, (arm, lines, k) in jp["analysed"].items():
        index = lines[k].end
        assert index is not None
        death = e.death(pid)
        end = death if death is not None else min(e.last_contact(pid), cal.JP_CUT)
        t.append((end - index).days / 30.4375)
        ev.append(int(death is not None))
        x.append(int(arm == "rechallenge"))
    lo, hi = cal.JP_OS_DEATHS
    assert lo <= sum(ev) <= hi
    hr = float(cox(t, ev, np.array(x, dtype=float).reshape(-1, 1)).hr[0])
    assert 0.25 <= hr <= 0.42
    km = kaplan_meier(t, ev, group=x)
    med = dict(zip(km.groups, survival_quantiles(km, 0.5).estimate[:, 0], strict=True))
    assert abs(med[0] - cal.JP_OS_MEDIAN["bsc"]) <= 1.0
    assert med[1] > 2 * med[0]


def test_everything_before_the_seed_a_cut(default_export: Export) -> None:
    cut = cal.JP_CUT
    jp = set(default_export.patients("JP"))
    for table, cols in (("drug_exposures", ("start_date", "stop_date")), ("tumour_assessments", ("exam_date",)),
                        ("adverse_events", ("onset_date",)), ("vital_status", ("last_contact_date", "death_date"))):
        for r in default_export.rows(table):
            if r["patient_id"] in jp:
                assert all(not r[c] or D(r[c]) <= cut for c in cols), (table, r)
    index = [D(r["stop_date"]) for r in default_export.rows("drug_exposures")
             if r["patient_id"] in jp and r["agent"] == "sunitinib" and r["stop_date"]]
    assert min(index) >= cal.JP_INDEX_WINDOW[0] - dt.timedelta(days=200)
