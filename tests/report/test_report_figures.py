"""Figures are checked through the data they drew, against the statistics they came from."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gistreg.report.figures import OKABE_ITO, flowchart_figure, forest_figure, km_figure, nice_ticks
from gistreg.stats import kaplan_meier
from gistreg.study.outcomes import DAYS_PER_MONTH
from gistreg.study.run import StudyResult


def test_km_steps_equal_kaplan_meier_and_at_risk_equals_risk_table(study_results: tuple[StudyResult, ...]) -> None:
    for res in study_results:
        for o in res.outcomes:
            data, fig = km_figure(o, ci_bands=True)
            plt.close(fig)
            assert [a.arm for a in data.arms] == [a for a in o.arms if a in o.km.groups]
            rt = o.km.risk_table(data.ticks)
            for k, a in enumerate(data.arms):
                c = o.km.curve(a.arm)
                np.testing.assert_array_equal(a.step_time[1:], c.time)
                np.testing.assert_array_equal(a.step_survival[1:], c.survival)
                assert a.step_time[0] == 0.0 and a.step_survival[0] == 1.0
                assert a.n_at_risk == tuple(int(x) for x in rt.n_risk_count[rt.groups.index(a.arm)])
                assert a.colour == OKABE_ITO[k]
                np.testing.assert_array_equal(a.censor_time, c.time[c.n_censor_count > 0])
            assert data.ticks[-1] >= max(float(a.step_time[-1]) for a in data.arms)


def test_km_plot_matches_an_independent_fit_from_the_dataset(study_results: tuple[StudyResult, ...]) -> None:
    res = study_results[0]
    o = res.outcomes[0]
    days = np.array(res.dataset.column(f"{o.endpoint}_days").to_pylist(), dtype=float)
    ev = np.array(res.dataset.column(f"{o.endpoint}_event").to_pylist(), dtype=float)
    arm = np.array(res.dataset.column("arm").to_pylist(), dtype=str)
    ok = ~np.isnan(days)
    km = kaplan_meier(days[ok] / DAYS_PER_MONTH, ev[ok], group=arm[ok], conf_type=res.spec.analyses.conf_type)
    data, fig = km_figure(o)
    plt.close(fig)
    for a in data.arms:
        np.testing.assert_allclose(a.step_survival[1:], km.curve(a.arm).survival, rtol=1e-12)
        at0 = int((arm[ok] == a.arm).sum())
        assert a.n_at_risk[0] == at0


def test_nice_ticks_cover_the_range() -> None:
    np.testing.assert_array_equal(nice_ticks(25.7), [0, 6, 12, 18, 24, 30])
    np.testing.assert_array_equal(nice_ticks(10.0), [0, 3, 6, 9, 12])


def test_flowchart_boxes_carry_the_attrition_counts(study_results: tuple[StudyResult, ...]) -> None:
    for res in study_results:
        a = res.attrition
        data, fig = flowchart_figure(a)
        plt.close(fig)
        assert len(data.main_boxes) == len(a.steps) + 1
        assert data.main_boxes[0].endswith(f"n = {a.n_population}")
        for s, box, ex in zip(a.steps, data.main_boxes[1:], data.exclusion_boxes, strict=True):
            assert box.endswith(f"n = {s.n_out}")
            assert ex == f"Excluded n = {s.n_excluded}\n{s.reason}"
        assert data.arm_boxes == tuple(f"{name}\nn = {n}" for name, n in a.arms)


def test_forest_rows_are_the_hazard_ratios(study_results: tuple[StudyResult, ...]) -> None:
    for res in study_results:
        data, fig = forest_figure(res.outcomes)
        plt.close(fig)
        hrs = [h for o in res.outcomes for h in o.hazard_ratios]
        assert data.hr == tuple(h.hr for h in hrs)
        assert data.ci_lower == tuple(h.ci_lower for h in hrs)
        assert len(data.labels) == len(hrs) > 0
