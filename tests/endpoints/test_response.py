"""RECIST 1.1 and Choi rules on hand-made scan series, with the right answer written in each test."""

from __future__ import annotations

import numpy as np
import pytest

from gistreg.cohort.spec import ResponseSpec
from gistreg.endpoints.response import Assessments, choi_timepoint, evaluate_patient, recist_timepoint

NAN = float("nan")


def _scans(rows: list[tuple[int, bool, float, float, bool]], nontarget_pd: list[bool] | None = None) -> Assessments:
    day, base, size, hu, new = zip(*rows, strict=True)
    n = len(rows)
    return Assessments(np.array(day, dtype=np.int64), np.array(base), np.array(size, dtype=float),
                       np.array(hu, dtype=float), np.array(new),
                       np.array(nontarget_pd if nontarget_pd else [False] * n))


@pytest.mark.parametrize(
    ("size", "hu", "new", "expected"),
    [
        (90.0, 100.0, False, "PR"),    # size −10 %: PR by size alone
        (95.0, 85.0, False, "PR"),     # HU −15 %: PR by density alone
        (95.0, 86.0, False, "SD"),     # −5 % size, −14 % HU: neither
        (110.0, 100.0, False, "PD"),   # +10 % size, no density drop
        (110.0, 80.0, False, "PR"),    # +10 % size but −20 % HU: Choi calls it PR, not PD
        (90.0, 100.0, True, "PD"),     # a new lesion is PD whatever else
        (0.0, NAN, False, "CR"),       # all lesions gone
        (NAN, NAN, False, "NE"),       # nothing measured
    ],
)
def test_choi_timepoint(size: float, hu: float, new: bool, expected: str) -> None:
    got = choi_timepoint(np.array([100.0]), np.array([100.0]), np.array([size]), np.array([hu]), np.array([new]))
    assert got.tolist() == [expected]


@pytest.mark.parametrize(
    ("nadir", "current", "new", "ntpd", "expected"),
    [
        (100.0, 70.0, False, False, "PR"),    # −30 % from baseline
        (100.0, 71.0, False, False, "SD"),    # −29 %
        (50.0, 60.0, False, False, "PD"),     # +20 % from the nadir and +10 mm
        (20.0, 24.0, False, False, "PR"),     # +4 mm only (5 mm rule): not PD; −76 % from baseline
        (20.0, 25.0, False, False, "PD"),     # +25 % and +5 mm
        (100.0, 0.0, False, False, "CR"),
        (100.0, 80.0, True, False, "PD"),     # new lesion
        (100.0, 80.0, False, True, "PD"),     # unequivocal non-target progression
        (100.0, NAN, False, False, "NE"),
    ],
)
def test_recist_timepoint(nadir: float, current: float, new: bool, ntpd: bool, expected: str) -> None:
    got = recist_timepoint(np.array([100.0]), np.array([nadir]), np.array([current]), np.array([new]),
                           np.array([ntpd]))
    assert got.tolist() == [expected]


def test_choi_at_the_two_month_landmark_uses_the_scan_nearest_to_day_61() -> None:
    spec = ResponseSpec(criteria="choi", landmark_days=61, window_days=21)
    a = _scans([(-10, True, 100, 100, False), (40, False, 80, 100, False), (58, False, 100, 100, False),
                (120, False, 50, 50, False)])
    r = evaluate_patient(a, spec)
    assert (r.category, r.baseline_day, r.followup_day) == ("SD", -10, 58)
    assert r.size_change == pytest.approx(0.0) and r.hu_change == pytest.approx(0.0)


def test_not_evaluable_without_baseline_or_without_a_scan_in_the_window() -> None:
    spec = ResponseSpec(criteria="choi", landmark_days=61, window_days=14)
    no_base = _scans([(-10, False, 100, 100, False), (60, False, 50, 50, False)])
    assert evaluate_patient(no_base, spec).category == "NE"
    too_late = _scans([(-10, True, 100, 100, False), (90, False, 50, 50, False)])
    r = evaluate_patient(too_late, spec)
    assert (r.category, r.baseline_day, r.followup_day) == ("NE", -10, None)
    old_base = _scans([(-60, True, 100, 100, False), (61, False, 50, 50, False)])  # baseline 60 d before
    assert evaluate_patient(old_base, spec).category == "NE"


def test_recist_best_overall_response_with_nadir_and_confirmation() -> None:
    series = _scans([(-5, True, 100, NAN, False), (56, False, 65, NAN, False), (112, False, 60, NAN, False),
                     (168, False, 75, NAN, False)])
    unconfirmed = ResponseSpec(criteria="recist11", landmark_days=None)
    # PR at day 56 and 112; day 168: 75 mm is +25 % and +15 mm from the 60 mm nadir: PD ends the evaluation.
    assert evaluate_patient(series, unconfirmed).category == "PR"
    confirmed = ResponseSpec(criteria="recist11", landmark_days=None, confirm=True)
    assert evaluate_patient(series, confirmed).category == "PR"   # day 112 confirms day 56 (56 days later)
    once = _scans([(-5, True, 100, NAN, False), (56, False, 65, NAN, False), (70, False, 90, NAN, False)])
    # The PR is not confirmed (day 70 is 14 days later and only SD): it becomes SD, measured ≥ 42 days in.
    assert evaluate_patient(once, confirmed).category == "SD"


def test_early_stable_disease_then_progression_is_progression() -> None:
    spec = ResponseSpec(criteria="recist11", landmark_days=None, min_sd_days=42)
    a = _scans([(0, True, 100, NAN, False), (28, False, 100, NAN, False), (84, False, 130, NAN, False)])
    assert evaluate_patient(a, spec).category == "PD"
