"""The Dutch cohort reproduces seed b (004_f69f734be47677a9.txt): flow, Table 1, PFS, OS, deaths.

The cohort is derived from the CSV files step by step as the paper describes: advanced GIST on first-line
palliative imatinib 400 mg (463) → first line ended → further treatment → mutation known and not KIT exon 9
(118) → first line not stopped for intolerance (110) → second line sunitinib (72) or imatinib 800 mg (38).
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

import pytest

from gistreg.stats import kaplan_meier, logrank, survival_quantiles
from gistreg.synth import calibration as cal

from .conftest import D, Export, Line, months

UNKNOWN = {"KIT_EX9", "NOT_TESTED", "FAILED"}


def _cohort(e: Export) -> dict[str, Any]:
    steps = Counter[str]()
    arms: dict[str, tuple[str, list[Line]]] = {}
    for pid in e.patients("NL"):
        steps["population"] += 1
        lines = e.lines(pid)
        if not lines or lines[0].agent != "imatinib" or lines[0].first_dose != 400:
            continue
        steps["advanced_first_line_im400"] += 1
        if lines[0].end is None:
            steps["ongoing_first_line"] += 1
            continue
        if len(lines) == 1:
            steps["no_further_treatment"] += 1
            continue
        if e.one("mutations", pid)["genotype_class"] in UNKNOWN:
            steps["kit_exon9_or_unknown"] += 1
            continue
        steps["eligible"] += 1
        if lines[0].end_reason == "toxicity":
            steps["intolerance"] += 1
            continue
        steps["analysed"] += 1
        nxt = lines[1]
        arm = "sunitinib" if nxt.agent == "sunitinib" else (
            "imatinib800" if nxt.agent == "imatinib" and nxt.first_dose == 800 else "other")
        arms[pid] = (arm, lines)
    return {"steps": steps, "arms": arms}


@pytest.fixture(scope="module")
def nl(default_export: Export) -> dict[str, Any]:
    return _cohort(default_export)


def test_flow(nl: dict[str, Any]) -> None:
    s = nl["steps"]
    assert s["advanced_first_line_im400"] == cal.NL_FLOW["advanced_first_line_im400"]
    assert s["population"] - s["advanced_first_line_im400"] == sum(cal.NL_BACKGROUND.values())
    for k, v in cal.NL_EXCLUSIONS.items():
        assert s[k] == v, k
    assert s["eligible"] == cal.NL_FLOW["eligible"]
    assert s["intolerance"] == cal.NL_FLOW["intolerance"]
    assert s["analysed"] == cal.NL_FLOW["analysed"]
    arms = Counter(a for a, _ in nl["arms"].values())
    assert dict(arms) == {"sunitinib": 72, "imatinib800": 38}


def test_sunitinib_regimens_and_escalation_encoding(nl: dict[str, Any]) -> None:
    regimens = Counter[tuple[float, str]]()
    then_sunitinib, failure = 0, []
    for arm, lines in nl["arms"].values():
        first, second = lines[0], lines[1]
        assert first.end_reason == "progression"
        if arm == "sunitinib":
            regimens[(second.first_dose, second.first_schedule)] += 1
            continue
        r400, r800 = first.rows[-1], second.rows[0]
        assert (r400["daily_dose_mg"], r800["daily_dose_mg"]) == ("400", "800")
        assert r400["stop_reason"] == "progression" and r800["start_reason"] == "progression"
        assert (D(r800["start_date"]) - D(r400["stop_date"])).days == 1
        if len(lines) > 2 and lines[2].agent == "sunitinib":
            then_sunitinib += 1
            assert lines[2].end is not None and lines[2].end_reason in ("progression", "toxicity")
            failure.append(months(lines[2].start, lines[2].end))
    assert regimens == {(37.5, "daily"): 42, (50.0, "4on2off"): 30}
    assert then_sunitinib == cal.NL_FLOW["imatinib800_then_sunitinib"]
    med = (round(statistics.median(failure), 1), round(min(failure), 1), round(max(failure), 1))
    assert med == cal.NL_SUNITINIB_AFTER_ESCALATION_MONTHS


def test_table1_counts(default_export: Export, nl: dict[str, Any]) -> None:
    e = default_export
    for arm in cal.NL_ARMS:
        pids = [p for p, (a, _) in nl["arms"].items() if a == arm]
        dx = {p: e.one("diagnoses", p) for p in pids}
        assert Counter(e.one("patients", p)["sex"] for p in pids) == cal.NL_SEX[arm]
        assert Counter(dx[p]["stage_at_dx"] for p in pids) == cal.NL_STAGE[arm]
        assert Counter(dx[p]["primary_site"] for p in pids) == {k: v for k, v in cal.NL_SITE[arm].items() if v}
        mit = Counter("missing" if not dx[p]["mitotic_count"] else
                      ("low" if float(dx[p]["mitotic_count"]) <= 5 else "high") for p in pids)
        assert mit == cal.NL_MITOSES[arm]
        assert all(dx[p]["mitotic_unit"] in ("per_50hpf", "per_5mm2") for p in pids if dx[p]["mitotic_count"])
        geno = Counter(e.one("mutations", p)["genotype_class"] for p in pids)
        assert geno == {k: v for k, v in cal.NL_GENOTYPE[arm].items() if v}
        age = [(D(dx[p]["diagnosis_date"]) - D(e.one("patients", p)["birth_date"])).days / 365.25 for p in pids]
        assert (round(statistics.mean(age), 1), round(statistics.stdev(age), 1)) == cal.NL_AGE[arm]
        size = [float(dx[p]["size_mm"]) for p in pids]
        assert (statistics.median(size), min(size), max(size)) == cal.NL_SIZE_MM[arm]
        first = [months(lines[0].start, lines[0].end) for p, (a, lines) in nl["arms"].items() if a == arm]
        med = (round(statistics.median(first), 1), round(min(first), 1), round(max(first), 1))
        assert med == cal.NL_FIRST_LINE_MONTHS[arm]


def _pfs(e: Export, pid: str, index: Any) -> tuple[float, int]:
    prog = sorted(D(r["progression_date"]) for r in e.by_patient("progressions").get(pid, [])
                  if D(r["progression_date"]) > index)
    death = e.death(pid)
    events = [d for d in (prog[0] if prog else None, death) if d is not None]
    if events:
        return (min(events) - index).days / 30.4375, 1
    scans = [D(r["exam_date"]) for r in e.by_patient("tumour_assessments")[pid] if D(r["exam_date"]) >= index]
    return (max(scans) - index).days / 30.4375, 0


def test_progression_free_survival(default_export: Export, nl: dict[str, Any]) -> None:
    t, ev, g = [], [], []
    for pid, (arm, lines) in nl["arms"].items():
        time, event = _pfs(default_export, pid, lines[1].start)
        t.append(time)
        ev.append(event)
        g.append(arm)
    events = Counter(a for a, x in zip(g, ev, strict=True) if x)
    assert dict(events) == dict(cal.NL_PFS_EVENTS)
    km = kaplan_meier(t, ev, group=g)
    med = dict(zip(km.groups, survival_quantiles(km, 0.5).estimate[:, 0], strict=True))
    for arm in cal.NL_ARMS:
        assert abs(med[arm] - cal.NL_PFS_MEDIAN[arm]) <= 0.3, (arm, med[arm])
    p = logrank(t, ev, g).p_value
    assert p > 0.5
    assert abs(p - cal.NL_PFS_LOGRANK_P) < 0.05


def test_overall_survival_from_diagnosis_and_deaths(default_export: Export, nl: dict[str, Any]) -> None:
    e = default_export
    t, ev, g, causes = [], [], [], Counter[str]()
    for pid, (arm, _) in nl["arms"].items():
        dx = D(e.one("diagnoses", pid)["diagnosis_date"])
        death = e.death(pid)
        end = death if death is not None else min(e.last_contact(pid), cal.NL_CUT)
        t.append((end - dx).days / 30.4375)
        ev.append(int(death is not None))
        g.append(arm)
        if death is not None:
            causes[e.one("vital_status", pid)["cause"]] += 1
    assert sum(ev) == cal.NL_DEATHS
    assert causes == cal.NL_DEATH_CAUSES
    km = kaplan_meier(t, ev, group=g)
    med = dict(zip(km.groups, survival_quantiles(km, 0.5).estimate[:, 0], strict=True))
    for arm in cal.NL_ARMS:
        assert abs(med[arm] - cal.NL_OS_MEDIAN[arm]) <= 2.0, (arm, med[arm])


def test_toxicity_death_is_on_regorafenib(default_export: Export, nl: dict[str, Any]) -> None:
    e = default_export
    (pid,) = [p for p in nl["arms"] if e.one("vital_status", p)["cause"] == "treatment_toxicity"]
    death = e.death(pid)
    last = e.lines(pid)[-1]
    assert last.agent == "regorafenib" and last.end == death
    grade5 = [a for a in e.by_patient("adverse_events")[pid] if a["grade"] == "5"]
    assert len(grade5) == 1 and D(grade5[0]["end_date"]) == death


def test_non_progressors_are_censored_late(default_export: Export, nl: dict[str, Any]) -> None:
    times = [
        _pfs(default_export, pid, lines[1].start)[0] for pid, (arm, lines) in nl["arms"].items()
        if _pfs(default_export, pid, lines[1].start)[1] == 0
    ]
    assert len(times) == 110 - sum(cal.NL_PFS_EVENTS.values())
    assert min(times) > max(cal.NL_PFS_MEDIAN.values()) + 3


def test_everything_before_the_seed_b_cut(default_export: Export) -> None:
    nl_ids = set(default_export.patients("NL"))
    dates = [D(r[c]) for t, cols in (("drug_exposures", ("start_date", "stop_date")),
                                      ("tumour_assessments", ("exam_date",)), ("progressions", ("progression_date",)),
                                      ("vital_status", ("last_contact_date", "death_date")))
             for r in default_export.rows(t) if r["patient_id"] in nl_ids for c in cols if r[c]]
    assert max(dates) <= cal.NL_CUT
    dx = [D(r["diagnosis_date"]) for r in default_export.rows("diagnoses") if r["patient_id"] in nl_ids]
    assert min(dx) >= cal.NL_DX_WINDOW[0]
