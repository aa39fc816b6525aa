"""Input errors of kaplan_meier, logrank, rmst and median_followup name the argument, the position and the value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gistreg.core.errors import InputError
from gistreg.stats import kaplan_meier, logrank, median_followup, rmst

TIME = [5.0, 3.0, 8.0, 1.0]
EVENT = [1, 0, 1, 1]
GROUP = ["a", "b", "a", "b"]

FRONT_ENDS: dict[str, Callable[..., Any]] = {
    "kaplan_meier": lambda t, e, g: kaplan_meier(t, e, group=g),
    "logrank": lambda t, e, g: logrank(t, e, g),
    "rmst": lambda t, e, g: rmst(t, e, tau=4.0, group=g),
    "median_followup": lambda t, e, g: median_followup(t, e, group=g),
}


@pytest.fixture(params=sorted(FRONT_ENDS))
def front_end(request: pytest.FixtureRequest) -> Callable[..., Any]:
    return FRONT_ENDS[request.param]


def test_negative_time_names_argument_position_and_value(front_end: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match=r"^time: position 2 is -8\.0; times must be >= 0$"):
        front_end([5.0, 3.0, -8.0, 1.0], EVENT, GROUP)


def test_nan_time_names_position(front_end: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match=r"^time: position 1 is nan; expected a finite number"):
        front_end([5.0, np.nan, 8.0, 1.0], EVENT, GROUP)


def test_event_not_zero_or_one(front_end: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match=r"^event: position 3 is 2\.0; expected 0 \(censored\) or 1 \(event\)$"):
        front_end(TIME, [1, 0, 1, 2], GROUP)


def test_length_mismatch_names_argument_and_lengths(front_end: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match=r"^event: has 3 entries but time has 4; they must be equally long$"):
        front_end(TIME, [1, 0, 1], GROUP)
    with pytest.raises(InputError, match=r"^group: has 5 entries but time has 4"):
        front_end(TIME, EVENT, [*GROUP, "a"])


def test_missing_group_names_position(front_end: Callable[..., Any]) -> None:
    with pytest.raises(InputError, match=r"^group: position 1 is missing; every row needs a group value$"):
        front_end(TIME, EVENT, [1.0, np.nan, 2.0, 2.0])
    with pytest.raises(InputError, match=r"^group: position 3 is missing"):
        front_end(TIME, EVENT, ["a", "b", "a", None])


def test_weights_and_strata_errors() -> None:
    with pytest.raises(InputError, match=r"^weights: position 0 is -1\.0; weights must be >= 0$"):
        kaplan_meier(TIME, EVENT, weights=[-1, 1, 1, 1])
    with pytest.raises(InputError, match=r"^weights: has 2 entries but time has 4"):
        logrank(TIME, EVENT, GROUP, weights=[1, 1])
    with pytest.raises(InputError, match=r"^strata: position 2 is missing"):
        logrank(TIME, EVENT, GROUP, strata=[1.0, 2.0, np.nan, 1.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"conf_level": 1.0}, r"^conf_level: got 1\.0; expected a number strictly between 0 and 1$"),
        ({"conf_level": True}, r"^conf_level: got True"),
        ({"conf_type": "loglog"}, r"^conf_type: got 'loglog'; expected one of 'log', 'log-log', 'plain'$"),
    ],
)
def test_invalid_options_name_option_and_allowed_values(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        kaplan_meier(TIME, EVENT, **kwargs)


def test_empty_input_and_bad_requests() -> None:
    with pytest.raises(InputError, match=r"^time: is empty"):
        kaplan_meier([], [])
    fit = kaplan_meier(TIME, EVENT, group=GROUP)
    with pytest.raises(InputError, match=r"^probs: position 1 is 1\.5; expected a probability in \[0, 1\]$"):
        fit.quantile([0.5, 1.5])
    with pytest.raises(InputError, match=r"^times: position 0 is inf"):
        fit.at([np.inf])
    with pytest.raises(InputError, match=r"^group: 'c' is not one of the groups \['a', 'b'\]$"):
        fit.curve("c")
