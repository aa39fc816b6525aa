"""Study specifications: a YAML file a clinical researcher can read, as typed, frozen dataclasses.

The schema is documented in ``docs/study-spec.md``. A spec says who is in (ordered eligibility steps, each with a
label and an exclusion reason), what the arms are, when time starts (the index date), the data cut, what is
measured (endpoints, response, adverse events), which baseline variables go into Table 1 (and with which
test), and which analyses run. Anything unknown — a key, a variable, a code, an arm — fails with the file, the
line and what is allowed.

Lines are referred to relative to each patient's **anchor line** (the treatment line the study is about,
e.g. the first palliative sunitinib line): ``anchor``, ``previous`` (the line before it in the same setting),
``next`` and ``after_next``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from gistreg.cohort.yamlpos import Node, load
from gistreg.core import vocab
from gistreg.core.errors import SpecError
from gistreg.lines.rules import LineRules

LineRef = Literal["anchor", "previous", "next", "after_next"]
IndexEvent = Literal["anchor_start", "anchor_end", "next_start", "diagnosis"]
EndpointKind = Literal["os", "pfs", "ttf", "ttnt", "dot", "pfs2"]
VariableKind = Literal["categorical", "continuous", "multiselect"]
TestName = Literal["auto", "fisher", "chisq", "chisq_yates", "t", "welch", "mann_whitney", "kruskal", "none"]
ResponseCriteria = Literal["choi", "recist11"]

LINE_REFS: tuple[str, ...] = get_args(LineRef)
INDEX_EVENTS: tuple[str, ...] = get_args(IndexEvent)
ENDPOINT_KINDS: tuple[str, ...] = get_args(EndpointKind)
TESTS: tuple[str, ...] = get_args(TestName)

#: Patient-level fields a criterion may test, with the vocabulary of their codes ("" = free text).
PATIENT_FIELDS: dict[str, str] = {
    "country": "",
    "site_id": "",
    "sex": "sex",
    "genotype_class": "genotype_class",
    "primary_site": "primary_site",
    "stage_at_dx": "stage_at_dx",
}

#: Attributes of a line a criterion may test.
LINE_ATTRIBUTES: tuple[str, ...] = (
    "exists", "agent", "dose_mg", "schedule", "ongoing", "end_reason", "is_rechallenge",
    "contains_dose_escalation", "start_cause",
)

#: Baseline variables that can be derived, with the kind they have and whether they need a line reference.
VARIABLES: dict[str, tuple[VariableKind, bool]] = {
    "sex": ("categorical", False),
    "age_at_index": ("continuous", False),
    "age_at_diagnosis": ("continuous", False),
    "primary_site": ("categorical", False),
    "stage_at_dx": ("categorical", False),
    "size_cm": ("continuous", False),
    "mitotic_class": ("categorical", False),
    "genotype_class": ("categorical", False),
    "metastatic_sites": ("multiselect", False),
    "ecog_at_index": ("categorical", False),
    "ecog_change": ("categorical", False),
    "line_duration_months": ("continuous", True),
    "best_response": ("categorical", True),
    "line_end_reason": ("categorical", True),
    "line_regimen": ("categorical", True),
}


@dataclass(frozen=True, slots=True)
class LineCondition:
    """Conditions on one line relative to the anchor; ``None`` means "not tested"."""

    ref: LineRef
    exists: bool | None = None
    agent: tuple[str, ...] | None = None
    dose_mg: tuple[float, ...] | None = None
    schedule: tuple[str, ...] | None = None
    ongoing: bool | None = None
    end_reason: tuple[str, ...] | None = None
    is_rechallenge: bool | None = None
    contains_dose_escalation: bool | None = None
    start_cause: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class FieldCondition:
    """A patient-level field whose value must be one of ``values`` (or, with ``negate``, none of them)."""

    field: str
    values: tuple[str, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Criterion:
    """All of its conditions hold (logical AND)."""

    lines: tuple[LineCondition, ...] = ()
    fields: tuple[FieldCondition, ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class Step:
    """One eligibility step: keep patients meeting ``criterion`` (include) or drop them (exclude)."""

    label: str
    kind: Literal["include", "exclude"]
    criterion: Criterion
    reason: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """How to find each patient's anchor line: the first (or last) line matching the conditions."""

    setting: Literal["palliative", "curative"] = "palliative"
    agent: tuple[str, ...] | None = None
    line_no: int | None = None
    dose_mg: tuple[float, ...] | None = None
    after_agent: tuple[str, ...] | None = None
    occurrence: Literal["first", "last"] = "first"


@dataclass(frozen=True, slots=True)
class Arm:
    """A study arm: its name and the criterion that puts a patient in it (arms must not overlap)."""

    name: str
    criterion: Criterion


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A time-to-event endpoint with its time zero and censoring rules."""

    name: str
    kind: EndpointKind
    origin: IndexEvent | Literal["index"] = "index"
    line: LineRef = "next"
    ltfu_months: float = 12.0
    pfs_censor: Literal["last_assessment", "last_contact"] = "last_assessment"
    label: str = ""


@dataclass(frozen=True, slots=True)
class Variable:
    """A baseline variable for Table 1."""

    name: str
    source: str
    kind: VariableKind
    label: str
    test: TestName = "auto"
    line: LineRef | None = None
    levels: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    summary: Literal["median_range", "mean_sd"] = "median_range"


@dataclass(frozen=True, slots=True)
class ResponseSpec:
    """Tumour response at a landmark after the index date (or best response when ``landmark_days`` is None)."""

    criteria: ResponseCriteria = "choi"
    landmark_days: int | None = 61
    window_days: int = 21
    baseline_window_days: int = 42
    confirm: bool = False
    min_sd_days: int = 42


@dataclass(frozen=True, slots=True)
class AdverseEventSpec:
    """Which adverse events count: onset from the index date up to ``window_days`` after it (None: follow-up)."""

    ctcae_version: str = "3.0"
    window_days: int | None = None
    terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Analyses:
    """Survival analyses on the endpoints."""

    km_endpoints: tuple[str, ...] = ()
    reference_arm: str = ""
    cox_endpoints: tuple[str, ...] = ()
    rmst_tau_months: float | None = None
    conf_type: Literal["log", "log-log", "plain"] = "log"


@dataclass(frozen=True, slots=True)
class StudySpec:
    """A whole study."""

    id: str
    title: str
    source: str
    countries: tuple[str, ...]
    data_cut: dt.date
    line_rules: LineRules
    anchor: Anchor
    index: IndexEvent
    steps: tuple[Step, ...]
    arms: tuple[Arm, ...]
    endpoints: tuple[Endpoint, ...] = ()
    baseline: tuple[Variable, ...] = ()
    response: ResponseSpec | None = None
    adverse_events: AdverseEventSpec | None = None
    analyses: Analyses = field(default_factory=Analyses)
    file: str = ""
    text: str = ""


# ------------------------------------------------------------------------------------------------------
# Parsing
# ------------------------------------------------------------------------------------------------------

_TOP = ("id", "title", "source", "population", "data_cut", "lines", "anchor", "index", "eligibility", "arms",
        "endpoints", "baseline", "response", "adverse_events", "analyses")


def _codes(node: Node, vocab_name: str) -> tuple[str, ...]:
    v = vocab.VOCABULARIES[vocab_name]
    out = []
    for item in node:
        code = v.normalise(item.text())
        if code is None:
            allowed = ", ".join(v.codes)
            raise item.fail(f"{item.value!r} is not a {vocab_name} code (allowed: {allowed})")
        out.append(code)
    return tuple(out)


def _numbers(node: Node) -> tuple[float, ...]:
    return tuple(item.number() for item in node)


def _line_condition(ref: str, node: Node) -> LineCondition:
    if node.value is None or node.value == "none":
        return LineCondition(ref=ref, exists=False)  # type: ignore[arg-type]
    m = node.mapping(allowed=LINE_ATTRIBUTES)
    get = m.get
    return LineCondition(
        ref=ref,  # type: ignore[arg-type]
        exists=get("exists").boolean() if "exists" in m else None,  # type: ignore[union-attr]
        agent=_codes(m["agent"], "agent") if "agent" in m else None,
        dose_mg=_numbers(m["dose_mg"]) if "dose_mg" in m else None,
        schedule=_codes(m["schedule"], "schedule") if "schedule" in m else None,
        ongoing=m["ongoing"].boolean() if "ongoing" in m else None,
        end_reason=_codes(m["end_reason"], "stop_reason") if "end_reason" in m else None,
        is_rechallenge=m["is_rechallenge"].boolean() if "is_rechallenge" in m else None,
        contains_dose_escalation=(m["contains_dose_escalation"].boolean()
                                  if "contains_dose_escalation" in m else None),
        start_cause=tuple(i.text(choices=("first", "agent_switch", "escalation", "gap", "progression_in_gap"))
                          for i in m["start_cause"]) if "start_cause" in m else None,
    )


def _criterion(node: Node) -> Criterion:
    allowed = (*LINE_REFS, *PATIENT_FIELDS, *(f"not_{f}" for f in PATIENT_FIELDS))
    m = node.mapping(allowed=allowed)
    lines: list[LineCondition] = []
    fields: list[FieldCondition] = []
    for key, sub in m.items():
        if key in LINE_REFS:
            lines.append(_line_condition(key, sub))
            continue
        negate = key.startswith("not_")
        name = key[4:] if negate else key
        vname = PATIENT_FIELDS[name]
        values = _codes(sub, vname) if vname else tuple(i.text() for i in sub)
        fields.append(FieldCondition(name, values, negate))
    return Criterion(tuple(lines), tuple(fields), node.line)


def _step(node: Node) -> Step:
    m = node.mapping(allowed=("label", "include", "exclude", "reason"), required=("label",))
    has_inc, has_exc = "include" in m, "exclude" in m
    if has_inc == has_exc:
        raise node.fail("a step needs exactly one of 'include' or 'exclude'")
    kind: Literal["include", "exclude"] = "include" if has_inc else "exclude"
    label = m["label"].text()
    reason = m["reason"].text() if "reason" in m else (f"Not: {label}" if has_inc else label)
    return Step(label, kind, _criterion(m[kind]), reason)


def _anchor(node: Node) -> Anchor:
    m = node.mapping(allowed=("setting", "agent", "line_no", "dose_mg", "after_agent", "occurrence"))
    return Anchor(
        setting=m["setting"].text(choices=("palliative", "curative")) if "setting" in m else "palliative",  # type: ignore[arg-type]
        agent=_codes(m["agent"], "agent") if "agent" in m else None,
        line_no=m["line_no"].integer() if "line_no" in m else None,
        dose_mg=_numbers(m["dose_mg"]) if "dose_mg" in m else None,
        after_agent=_codes(m["after_agent"], "agent") if "after_agent" in m else None,
        occurrence=m["occurrence"].text(choices=("first", "last")) if "occurrence" in m else "first",  # type: ignore[arg-type]
    )


def _endpoint(node: Node) -> Endpoint:
    m = node.mapping(allowed=("name", "kind", "origin", "line", "ltfu_months", "pfs_censor", "label"),
                     required=("name", "kind"))
    return Endpoint(
        name=m["name"].text(),
        kind=m["kind"].text(choices=ENDPOINT_KINDS),  # type: ignore[arg-type]
        origin=m["origin"].text(choices=("index", *INDEX_EVENTS)) if "origin" in m else "index",  # type: ignore[arg-type]
        line=m["line"].text(choices=LINE_REFS) if "line" in m else "next",  # type: ignore[arg-type]
        ltfu_months=m["ltfu_months"].number() if "ltfu_months" in m else 12.0,
        pfs_censor=(m["pfs_censor"].text(choices=("last_assessment", "last_contact"))  # type: ignore[arg-type]
                    if "pfs_censor" in m else "last_assessment"),
        label=m["label"].text() if "label" in m else m["name"].text(),
    )


def _variable(node: Node) -> Variable:
    m = node.mapping(allowed=("name", "source", "label", "test", "line", "levels", "summary"),
                     required=("name",))
    name = m["name"].text()
    src_node = m.get("source", m["name"])
    source = src_node.text(choices=tuple(VARIABLES))
    kind, needs_line = VARIABLES[source]
    line = m["line"].text(choices=LINE_REFS) if "line" in m else None
    if needs_line and line is None:
        raise node.fail(f"variable {source!r} needs 'line' (one of: {', '.join(LINE_REFS)})")
    levels = None
    if "levels" in m:
        levels = tuple((k, tuple(i.text() for i in v)) for k, v in m["levels"].mapping().items())
    return Variable(
        name=name, source=source, kind=kind, label=m["label"].text() if "label" in m else name,
        test=m["test"].text(choices=TESTS) if "test" in m else "auto",  # type: ignore[arg-type]
        line=line, levels=levels,  # type: ignore[arg-type]
        summary=(m["summary"].text(choices=("median_range", "mean_sd"))  # type: ignore[arg-type]
                 if "summary" in m else "median_range"),
    )


def _analyses(node: Node, arms: tuple[Arm, ...], endpoints: tuple[Endpoint, ...]) -> Analyses:
    m = node.mapping(allowed=("km", "cox", "reference_arm", "rmst_tau_months", "conf_type"))
    names = tuple(e.name for e in endpoints)
    arm_names = tuple(a.name for a in arms)
    return Analyses(
        km_endpoints=tuple(i.text(choices=names) for i in m["km"]) if "km" in m else names,
        cox_endpoints=tuple(i.text(choices=names) for i in m["cox"]) if "cox" in m else (),
        reference_arm=m["reference_arm"].text(choices=arm_names) if "reference_arm" in m else arm_names[-1],
        rmst_tau_months=m["rmst_tau_months"].number() if "rmst_tau_months" in m else None,
        conf_type=m["conf_type"].text(choices=("log", "log-log", "plain")) if "conf_type" in m else "log",  # type: ignore[arg-type]
    )


def parse_spec(text: str, file: str = "study.yaml") -> StudySpec:
    """Parse a study spec from YAML ``text``; ``file`` names it in error messages."""
    root = load(text, file)
    m = root.mapping(allowed=_TOP, required=("id", "title", "data_cut", "anchor", "index", "eligibility", "arms"))
    pop = m["population"].mapping(allowed=("countries",)) if "population" in m else {}
    lines_m = m["lines"].mapping(allowed=("escalation_is_new_line", "max_gap_days")) if "lines" in m else {}
    rules = LineRules(
        escalation_is_new_line=lines_m["escalation_is_new_line"].boolean()
        if "escalation_is_new_line" in lines_m else True,
        max_gap_days=lines_m["max_gap_days"].integer() if "max_gap_days" in lines_m else 90,
    )
    arms: list[Arm] = []
    for a in m["arms"]:
        am = a.mapping(allowed=("name", "when"), required=("name", "when"))
        arms.append(Arm(am["name"].text(), _criterion(am["when"])))
    if len({a.name for a in arms}) != len(arms):
        raise m["arms"].fail("arm names must be unique")
    endpoints = tuple(_endpoint(e) for e in m["endpoints"]) if "endpoints" in m else ()
    response = None
    if "response" in m:
        r = m["response"].mapping(allowed=("criteria", "landmark_days", "window_days", "baseline_window_days",
                                           "confirm", "min_sd_days"))
        response = ResponseSpec(
            criteria=r["criteria"].text(choices=("choi", "recist11")) if "criteria" in r else "choi",  # type: ignore[arg-type]
            landmark_days=(None if "landmark_days" in r and r["landmark_days"].value is None
                           else r["landmark_days"].integer() if "landmark_days" in r else 61),
            window_days=r["window_days"].integer() if "window_days" in r else 21,
            baseline_window_days=r["baseline_window_days"].integer() if "baseline_window_days" in r else 42,
            confirm=r["confirm"].boolean() if "confirm" in r else False,
            min_sd_days=r["min_sd_days"].integer() if "min_sd_days" in r else 42,
        )
    aes = None
    if "adverse_events" in m:
        a_m = m["adverse_events"].mapping(allowed=("ctcae_version", "window_days", "terms"))
        aes = AdverseEventSpec(
            ctcae_version=_codes(a_m["ctcae_version"], "ctcae_version")[0] if "ctcae_version" in a_m else "3.0",
            window_days=a_m["window_days"].integer() if "window_days" in a_m else None,
            terms=tuple(i.text() for i in a_m["terms"]) if "terms" in a_m else (),
        )
    arms_t = tuple(arms)
    return StudySpec(
        id=m["id"].text(),
        title=m["title"].text(),
        source=m["source"].text() if "source" in m else "",
        countries=tuple(i.text() for i in pop["countries"]) if "countries" in pop else (),
        data_cut=m["data_cut"].date(),
        line_rules=rules,
        anchor=_anchor(m["anchor"]),
        index=m["index"].text(choices=INDEX_EVENTS),  # type: ignore[arg-type]
        steps=tuple(_step(s) for s in m["eligibility"]),
        arms=arms_t,
        endpoints=endpoints,
        baseline=tuple(_variable(v) for v in m["baseline"]) if "baseline" in m else (),
        response=response,
        adverse_events=aes,
        analyses=_analyses(m["analyses"], arms_t, endpoints) if "analyses" in m else Analyses(
            km_endpoints=tuple(e.name for e in endpoints), reference_arm=arms_t[-1].name),
        file=file,
        text=text,
    )


def load_spec(path: Path) -> StudySpec:
    """Read and parse the study spec at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path.name}: cannot read the study spec ({exc.strerror})") from None
    return parse_spec(text, path.name)


__all__ = [
    "AdverseEventSpec", "Analyses", "Anchor", "Arm", "Criterion", "Endpoint", "FieldCondition", "LineCondition",
    "ResponseSpec", "Step", "StudySpec", "Variable", "load_spec", "parse_spec",
]
