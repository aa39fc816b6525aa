"""The two seed studies run over the synthetic registry reproduce the published flow and Table 1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gistreg.cohort.spec import load_spec
from gistreg.study.records import study_records
from gistreg.study.run import StudyResult, open_registry, run_study

STUDIES = Path(__file__).resolve().parents[2] / "studies"


@pytest.fixture(scope="module")
def rechallenge(synthetic_registry: Path) -> StudyResult:
    return run_study(load_spec(STUDIES / "imatinib_rechallenge.yaml"), open_registry(str(synthetic_registry)))


@pytest.fixture(scope="module")
def escalation(synthetic_registry: Path) -> StudyResult:
    spec = load_spec(STUDIES / "sunitinib_vs_imatinib_escalation.yaml")
    return run_study(spec, open_registry(str(synthetic_registry)))


def _flow(res: StudyResult) -> list[tuple[int, int, str, int]]:
    return [(s.n_in, s.n_excluded, s.reason, s.n_out) for s in res.attrition.steps]


def test_rechallenge_attrition_is_47_to_26(rechallenge: StudyResult) -> None:
    assert rechallenge.attrition.n_population == 47
    assert _flow(rechallenge) == [
        (47, 0, "No palliative sunitinib after imatinib", 47),
        (47, 8, "Still on sunitinib at the data cut", 39),
        (39, 13, "Entered another clinical trial", 26),
    ]
    assert rechallenge.attrition.arms == (("Imatinib + BSC", 14), ("BSC", 12))


# Published Table 1 of 000_f7a449c4dfdf80f2.txt: counts per arm and Fisher p-values.
PUBLISHED_A: dict[str, tuple[dict[str, tuple[int, int]], float]] = {
    "Sex": ({"Male": (8, 8), "Female": (6, 4)}, 0.701),
    "ECOG PS": ({"1": (8, 4), "2": (6, 5), "3": (0, 1), "4": (0, 2)}, 0.220),
    "Change in PS": ({"Better": (1, 0), "Worse": (1, 8), "No change": (12, 4)}, 0.003),
    "Primary site": ({"Stomach": (5, 3), "Small intestine": (7, 7), "Rectum": (1, 1), "Other": (1, 1)}, 0.913),
    "Metastatic sites": ({"Liver": (5, 8), "Peritoneum": (9, 9), "Other": (3, 2)}, 0.728),
    "Best response to imatinib": ({"CR": (3, 4), "PR": (3, 2), "SD": (1, 2), "PD": (3, 4), "NE": (4, 0)}, 0.351),
    "Reason imatinib stopped": ({"Resistance": (14, 11), "Intolerance": (0, 1)}, 0.462),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_A))
def test_rechallenge_table1_equals_the_published_counts_and_p_values(rechallenge: StudyResult, name: str) -> None:
    row = next(r for r in rechallenge.table1 if r.name == name)
    counts, p = PUBLISHED_A[name]
    assert {lc.level: lc.n for lc in row.levels if any(lc.n)} == counts
    assert row.test == "fisher"
    assert row.p_value is not None and round(row.p_value, 3) == p


def test_rechallenge_outcomes_response_and_adverse_events(rechallenge: StudyResult) -> None:
    os_ = next(o for o in rechallenge.outcomes if o.endpoint == "OS")
    (hr,) = os_.hazard_ratios
    assert 0.25 < hr.hr < 0.45 and hr.ci_lower < 1 < hr.ci_upper      # published 0.332 (0.103-1.070)
    assert 3.0 < os_.median[1] < 5.0                                    # BSC median ≈ 4 months
    assert os_.followup is not None
    resp = dict(rechallenge.response.counts) if rechallenge.response else {}
    responders = [resp["CR"][i] + resp["PR"][i] for i in range(2)]
    non_responders = [resp["SD"][i] + resp["PD"][i] for i in range(2)]
    assert (responders, non_responders, list(resp["NE"])) == ([3, 1], [6, 4], [5, 7])
    ae = rechallenge.adverse_events
    assert ae is not None and ae.unmapped_terms == ()
    worst = {(c.arm, c.term, c.grade_group): c.n for c in ae.counts}
    assert worst[("Imatinib + BSC", "Edema", "1")] == 12 and worst[("Imatinib + BSC", "Edema", "2")] == 1
    assert worst[("BSC", "Hemoglobin", "2")] == 2
    assert not any(c.grade_group in ("3-4", "5") for c in ae.counts)


def test_escalation_attrition_is_463_to_118_to_110(escalation: StudyResult) -> None:
    flow = _flow(escalation)
    assert flow[0][3] == 463
    assert [f[2] for f in flow[1:]] == [
        "First-line imatinib ongoing at the data cut",
        "No further treatment after first-line imatinib",
        "KIT exon 9 or unknown mutation status",
        "Stopped imatinib 400 mg for intolerance",
    ]
    assert flow[3][3] == 118 and flow[4][1:] == (8, "Stopped imatinib 400 mg for intolerance", 110)
    assert escalation.attrition.arms == (("Sunitinib", 72), ("Imatinib 800 mg", 38))


def test_escalation_pfs_as_published(escalation: StudyResult) -> None:
    pfs = next(o for o in escalation.outcomes if o.endpoint == "PFS")
    assert pfs.events == (64, 34)
    assert abs(pfs.median[0] - 8.4) <= 0.3 and abs(pfs.median[1] - 5.6) <= 0.3
    assert pfs.logrank is not None and pfs.logrank.p_value > 0.5


def test_records_carry_every_table1_p_value_and_provenance(rechallenge: StudyResult) -> None:
    recs = study_records(rechallenge)
    p = {r.variable: r.value for r in recs if r.analysis == "table1" and r.statistic == "p_value"}
    assert p["Sex"] == pytest.approx(next(r.p_value for r in rechallenge.table1 if r.name == "Sex"))
    prov: dict[str, Any] = {r.statistic: r.value for r in recs if r.analysis == "provenance" and not r.variable}
    assert prov["data_cut"] == "2009-03-31" and len(str(prov["spec_sha256"])) == 64
    assert any(r.variable == "input_file" for r in recs)
