"""Study specs parse into typed dataclasses; every mistake names the file, the line and what is allowed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gistreg.cohort.spec import load_spec, parse_spec
from gistreg.core.errors import SpecError

STUDIES = Path(__file__).resolve().parents[2] / "studies"

MINIMAL = """\
id: s
title: A study
data_cut: 2020-12-31
anchor:
  agent: sunitinib
index: anchor_end
eligibility:
  - label: On sunitinib
    include:
      anchor: {exists: true}
arms:
  - name: A
    when:
      next: {agent: imatinib}
  - name: B
    when:
      next: none
"""


def test_minimal_spec_parses_with_defaults() -> None:
    spec = parse_spec(MINIMAL, "s.yaml")
    assert spec.data_cut == dt.date(2020, 12, 31)
    assert spec.anchor.agent == ("sunitinib",) and spec.anchor.setting == "palliative"
    assert spec.steps[0].kind == "include" and spec.steps[0].reason == "Not: On sunitinib"
    assert [a.name for a in spec.arms] == ["A", "B"]
    assert spec.arms[1].criterion.lines[0].exists is False
    assert spec.analyses.reference_arm == "B"
    assert spec.line_rules.escalation_is_new_line is True


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("agent: sunitinib", "agent: sunitnib",
         "s.yaml line 5, anchor.agent: 'sunitnib' is not a agent code (allowed: imatinib, sunitinib"),
        ("index: anchor_end", "index: sunitinib_stop",
         "s.yaml line 6, index: 'sunitinib_stop' is not allowed (allowed: anchor_start, anchor_end, next_start"),
        ("      anchor: {exists: true}", "      anchor: {exist: true}",
         "s.yaml line 10, eligibility[1].include.anchor.exist: unknown key 'exist' (allowed: exists, agent"),
        ("  - name: B\n", "  - name: A\n", "s.yaml line 11, arms: arm names must be unique"),
        ("data_cut: 2020-12-31", "data_cut: 2020-13-31",
         "s.yaml line 3, data_cut: '2020-13-31' cannot be read (month must be in 1..12)"),
        ("    include:", "    inclde:",
         "s.yaml line 9, eligibility[1].inclde: unknown key 'inclde' (allowed: label, include, exclude, reason)"),
    ],
)
def test_mistakes_name_file_line_and_allowed_values(old: str, new: str, message: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    with pytest.raises(SpecError) as err:
        parse_spec(text, "s.yaml")
    assert message in str(err.value)


def test_unknown_variable_and_missing_line_reference_are_refused() -> None:
    bad_var = MINIMAL + "baseline:\n  - {name: Weight, source: weight}\n"
    with pytest.raises(SpecError, match=r"line 19, baseline\[1\]\.source: 'weight' is not allowed \(allowed: sex"):
        parse_spec(bad_var, "s.yaml")
    no_line = MINIMAL + "baseline:\n  - {name: Dur, source: line_duration_months}\n"
    with pytest.raises(SpecError, match="needs 'line'"):
        parse_spec(no_line, "s.yaml")


def test_invalid_yaml_and_duplicate_keys_are_located() -> None:
    with pytest.raises(SpecError, match=r"s\.yaml line 3: not valid YAML"):
        parse_spec("id: s\ntitle: [unclosed\n", "s.yaml")
    with pytest.raises(SpecError, match=r"s\.yaml line 2, : key 'id' appears twice"):
        parse_spec("id: s\nid: t\n", "s.yaml")


@pytest.mark.parametrize("path", sorted(STUDIES.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_study_specs_parse(path: Path) -> None:
    spec = load_spec(path)
    assert spec.steps and len(spec.arms) == 2 and spec.endpoints
