"""Each line-of-therapy rule on a small hand-made patient history, with the right answer written down."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import ibis
import pytest

from gistreg.core.errors import InputError
from gistreg.lines.derive import assign_lines, summarise_lines
from gistreg.lines.rules import LineRules

D = dt.date.fromisoformat
COLS = ("exposure_id", "patient_id", "agent", "daily_dose_mg", "schedule", "setting", "start_date",
        "start_reason", "stop_date", "stop_reason")


def _lines(rows: list[tuple[Any, ...]], progressions: list[tuple[str, str]] = (), **kw: Any) -> list[dict[str, Any]]:
    con = ibis.duckdb.from_connection(duckdb.connect())
    exp = ibis.memtable(
        [dict(zip(COLS, (*r[:6], D(r[6]), r[7], D(r[8]) if r[8] else None, r[9]), strict=True)) for r in rows],
        schema={"exposure_id": "string", "patient_id": "string", "agent": "string", "daily_dose_mg": "float64",
                "schedule": "string", "setting": "string", "start_date": "date", "start_reason": "string",
                "stop_date": "date", "stop_reason": "string"},
    )
    prog = ibis.memtable(
        [{"patient_id": p, "progression_date": D(d)} for p, d in progressions],
        schema={"patient_id": "string", "progression_date": "date"},
    )
    rules = LineRules(**kw)
    out: list[dict[str, Any]] = con.to_pyarrow(summarise_lines(assign_lines(exp, prog, rules), rules)).to_pylist()
    return out


def _brief(lines: list[dict[str, Any]]) -> list[tuple[str, int, str, bool]]:
    return [(r["line_setting"], r["line_no"], r["agent"], bool(r["is_rechallenge"])) for r in lines]


def test_adjuvant_is_never_palliative_line_one_and_later_imatinib_is_a_rechallenge() -> None:
    lines = _lines([
        ("e1", "p", "imatinib", 400, "daily", "adjuvant", "2015-01-01", "initial", "2018-01-01", "planned_completion"),
        ("e2", "p", "imatinib", 400, "daily", "palliative", "2019-06-01", "progression", "2020-06-01", "progression"),
    ])
    assert _brief(lines) == [("curative", 1, "imatinib", False), ("palliative", 1, "imatinib", True)]


def test_agent_switch_opens_a_new_line_and_keeps_the_stop_reason() -> None:
    lines = _lines([
        ("e1", "p", "imatinib", 400, "daily", "palliative", "2015-01-01", "initial", "2016-01-01", "toxicity"),
        ("e2", "p", "sunitinib", 37.5, "daily", "palliative", "2016-01-10", "toxicity", None, None),
    ])
    assert _brief(lines) == [("palliative", 1, "imatinib", False), ("palliative", 2, "sunitinib", False)]
    assert lines[0]["end_reason"] == "toxicity"
    assert lines[1]["ongoing"] is True and lines[1]["end_date"] is None


def test_dose_reduction_and_schedule_change_stay_in_the_line() -> None:
    lines = _lines([
        ("e1", "p", "sunitinib", 50, "4on2off", "palliative", "2015-01-01", "initial", "2015-03-01", "dose_change"),
        ("e2", "p", "sunitinib", 37.5, "daily", "palliative", "2015-03-02", "toxicity", "2015-09-01", "progression"),
    ])
    assert _brief(lines) == [("palliative", 1, "sunitinib", False)]
    assert lines[0]["n_rows"] == 2 and lines[0]["first_dose_mg"] == 50 and lines[0]["first_schedule"] == "4on2off"
    assert lines[0]["end_date"] == D("2015-09-01") and lines[0]["end_reason"] == "progression"


@pytest.mark.parametrize(("new_line", "expected"), [
    (True, [("palliative", 1, "imatinib", False), ("palliative", 2, "imatinib", False),
            ("palliative", 3, "sunitinib", False)]),
    (False, [("palliative", 1, "imatinib", False), ("palliative", 2, "sunitinib", False)]),
])
def test_progression_driven_escalation_is_a_setting(new_line: bool, expected: list[Any]) -> None:
    lines = _lines([
        ("e1", "p", "imatinib", 400, "daily", "palliative", "2015-01-01", "initial", "2016-01-01", "progression"),
        ("e2", "p", "imatinib", 800, "bid", "palliative", "2016-01-01", "progression", "2016-07-01", "progression"),
        ("e3", "p", "sunitinib", 50, "4on2off", "palliative", "2016-07-05", "progression", None, None),
    ], escalation_is_new_line=new_line)
    assert _brief(lines) == expected
    assert any(r["contains_dose_escalation"] for r in lines)


def test_tdm_driven_escalation_never_opens_a_line() -> None:
    lines = _lines([
        ("e1", "p", "imatinib", 400, "daily", "palliative", "2015-01-01", "initial", "2015-05-01", "tdm_low"),
        ("e2", "p", "imatinib", 600, "daily", "palliative", "2015-05-01", "tdm_low", None, None),
    ])
    assert _brief(lines) == [("palliative", 1, "imatinib", False)]
    assert lines[0]["contains_dose_escalation"] is False


def test_rechallenge_after_another_agent_is_a_new_flagged_line() -> None:
    lines = _lines([
        ("e1", "p", "imatinib", 400, "daily", "palliative", "2010-01-01", "initial", "2013-01-01", "progression"),
        ("e2", "p", "sunitinib", 50, "4on2off", "palliative", "2013-01-10", "progression", "2013-09-01", "progression"),
        ("e3", "p", "imatinib", 400, "daily", "palliative", "2013-09-10", "progression", None, None),
    ])
    assert _brief(lines) == [("palliative", 1, "imatinib", False), ("palliative", 2, "sunitinib", False),
                             ("palliative", 3, "imatinib", True)]


def test_short_interruption_stays_long_interruption_or_progression_in_gap_opens_a_line() -> None:
    history = [
        ("e1", "p", "imatinib", 400, "daily", "palliative", "2015-01-01", "initial", "2015-06-01", "toxicity"),
        ("e2", "p", "imatinib", 400, "daily", "palliative", "2015-08-30", "resumption_after_interruption",
         None, None),
    ]
    # 90 days off drug: same line (the limit is inclusive).
    assert _brief(_lines(history)) == [("palliative", 1, "imatinib", False)]
    # A limit of 60 days makes the same gap a new line, a rechallenge.
    assert _brief(_lines(history, max_gap_days=60)) == [("palliative", 1, "imatinib", False),
                                                         ("palliative", 2, "imatinib", True)]
    # A documented progression during the gap opens a new line whatever the gap's length.
    lines = _lines(history, progressions=[("p", "2015-07-15")])
    assert [(r["line_no"], r["start_cause"]) for r in lines] == [(1, "first"), (2, "progression_in_gap")]


def test_patients_are_independent_and_rule_version_is_recorded() -> None:
    lines = _lines([
        ("a1", "a", "imatinib", 400, "daily", "palliative", "2015-01-01", "initial", None, None),
        ("b1", "b", "sunitinib", 50, "4on2off", "palliative", "2015-01-01", "initial", None, None),
    ])
    assert [(r["patient_id"], r["line_no"], r["line_id"]) for r in lines] == [("a", 1, "a:P1"), ("b", 1, "b:P1")]
    assert {r["rule_version"] for r in lines} == {LineRules().version}
    assert LineRules().version == "gist-lot-1(escalation-new-line, max-gap=90d)"


def test_negative_gap_setting_is_refused_with_its_value() -> None:
    with pytest.raises(InputError, match="max_gap_days is -1"):
        LineRules(max_gap_days=-1)
