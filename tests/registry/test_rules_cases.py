"""Every validation rule, triggered on one patient of an otherwise valid export, is reported at its location.

All cases live in one export (one patient per case, so the changes cannot interact) that is validated once;
each test then looks for its issue at the exact file, row and column. The valid export itself reports nothing
but the completeness notes (``test_validate_clean.py``).
"""

from __future__ import annotations

import copy
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from gistreg.core.issues import ValidationReport
from gistreg.registry.rules import RULES


def _load_fixtures() -> ModuleType:
    """``fixtures/exports.py`` (tests are imported by path, so the fixtures are too), once per process."""
    name = "gistreg_registry_test_exports"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / "fixtures" / "exports.py")
        assert spec is not None and spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


fx = _load_fixtures()
Rows = dict[str, list[dict[str, Any]]]
Loc = tuple[str, int, str]  # table, index of the row within the patient's rows, column


@dataclass(frozen=True)
class Case:
    id: str
    rule: str
    severity: str
    change: Callable[[Rows], None]
    where: Loc
    dead: bool = False
    message: str | None = None


def _set(*edits: tuple[str, int, dict[str, Any]]) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for table, i, values in edits:
            rows[table][i].update(values)
    return change


def _append(table: str, source: int, **values: Any) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        rows[table].append({**copy.deepcopy(rows[table][source]), **values})
    return change


def _both(*changes: Callable[[Rows], None]) -> Callable[[Rows], None]:
    def change(rows: Rows) -> None:
        for c in changes:
            c(rows)
    return change


def _other_site_person(rows: Rows) -> None:
    p = rows["patients"][0]
    d = rows["diagnoses"][0]
    rows["patients"].append({**p, "patient_id": p["patient_id"] + "x", "site_id": "S2"})
    rows["diagnoses"].append({**d, "diagnosis_id": d["diagnosis_id"] + "x", "patient_id": p["patient_id"] + "x",
                              "diagnosis_date": "2015-01-15"})


def _no_advanced_disease(rows: Rows) -> None:
    rows["metastases"].clear()
    rows["progressions"].clear()


PAT, DX, SU, MU = "patients", "diagnoses", "surgeries", "mutations"
DE, MET, PR, TA = "drug_exposures", "metastases", "progressions", "tumour_assessments"
PS, AE, VS = "performance_status", "adverse_events", "vital_status"
E, W, INFO = "error", "warning", "info"

CASES: tuple[Case, ...] = (
    # typing and codes
    Case("T01", "T01", E, _set((DE, 0, {"stop_date": "2019-02-30"})), (DE, 0, "stop_date"),
         message="2019-02-30 is not a valid date (expected YYYY-MM-DD, YYYY-MM or YYYY)"),
    Case("T02", "T02", E, _set((DX, 0, {"size_mm": "6O"})), (DX, 0, "size_mm")),
    Case("T03", "T03", E, _set((TA, 0, {"is_baseline": "maybe"})), (TA, 0, "is_baseline")),
    Case("T04", "T04", E, _set((PAT, 0, {"sex": None})), (PAT, 0, "sex")),
    Case("C01", "C01", E, _set((DE, 0, {"agent": "aspirin"})), (DE, 0, "agent")),
    # dates
    Case("D01-birth", "D01", E, _set((PAT, 0, {"birth_date": "2016-01-01"})), (DX, 0, "diagnosis_date"),
         message="2015-01-05 is not after the date of birth 2016-01-01 (diagnosis must follow birth)"),
    Case("D01-age", "D01", E, _set((PAT, 0, {"birth_date": "1900-05-05"})), (DX, 0, "diagnosis_date")),
    Case("D01-paediatric", "D01", W, _set((PAT, 0, {"birth_date": "2005-01-01"})), (DX, 0, "diagnosis_date")),
    Case("D01-last-contact", "D01", E, _set((VS, 0, {"last_contact_date": "2014-12-01"})),
         (VS, 0, "last_contact_date")),
    Case("D02", "D02", E, _set((DX, 0, {"diagnosis_date": "2015-04-01"})), (DE, 0, "start_date")),
    Case("D03-stop", "D03", E, _set((DE, 0, {"stop_date": "2015-01-03"})), (DE, 0, "stop_date"),
         message="2015-01-03 is before the start date 2015-03-01 (expected on or after it)"),
    Case("D03-ae-end", "D03", E, _set((AE, 0, {"end_date": "2019-06-01"})), (AE, 0, "end_date")),
    Case("D03-after-death", "D03", E, _set((AE, 0, {"onset_date": "2022-07-01", "end_date": None})),
         (AE, 0, "onset_date"), dead=True,
         message="2022-07-01 is after the date of death 2022-05 (nothing can be dated after death)"),
    Case("D03-contact-after-death", "D03", E, _set((VS, 0, {"last_contact_date": "2022-07-01"})),
         (VS, 0, "last_contact_date"), dead=True),
    Case("D04-contact", "D04", W, _set((VS, 0, {"last_contact_date": "2023-03-01"})), (VS, 0, "last_contact_date")),
    Case("D04-death", "D04", W, _set((VS, 0, {"last_contact_date": "2023-02-01", "death_date": "2023-02-01"})),
         (VS, 0, "death_date"), dead=True),
    Case("D05-resection", "D05", E, _set((SU, 0, {"procedure": "biopsy_only"})), (DE, 0, "setting")),
    Case("D05-metastasis", "D05", E, _set((MET, 0, {"detected_date": "2015-02-20"})), (DE, 0, "setting")),
    Case("D06", "D06", W, _set((MET, 0, {"detected_date": "2019-09-01"}), (PR, 0, {"progression_date": "2019-09-01"})),
         (DE, 1, "start_date")),
    Case("D08-future", "D08", E, _set((PR, 0, {"progression_date": "2027-01-01"})), (PR, 0, "progression_date"),
         message="2027-01-01 is in the future (today is 2026-01-01)"),
    Case("D08-epoch", "D08", E, _set((SU, 0, {"surgery_date": "1900-01-01"})), (SU, 0, "surgery_date")),
    Case("D08-before-1900", "D08", E, _set((MU, 0, {"test_date": "1850-01-01"})), (MU, 0, "test_date")),
    Case("D08-placeholder", "D08", E, _set((MET, 0, {"detected_date": "9999-12-31"})), (MET, 0, "detected_date")),
    Case("D08-swap", "D08", W, _set((AE, 0, {"end_date": "2019-05-07"})), (AE, 0, "end_date")),
    Case("D09-precision", "D09", W, _set((PAT, 0, {"birth_date": "1950", "birth_date_precision": "M"})),
         (PAT, 0, "birth_date_precision")),
    Case("D09-imputed-order", "D09", W, _set((DE, 0, {"start_date": "2015-03", "stop_date": "2015-03-10"})),
         (DE, 0, "stop_date")),
    Case("D09-imputed-death", "D09", W, _set((TA, 3, {"exam_date": "2022-05-20"})), (TA, 3, "exam_date"), dead=True),
    # lines of treatment
    Case("L01", "L01", E, _set((DE, 3, {"start_date": "2020-12-01"})), (DE, 3, "start_date")),
    Case("L02", "L02", E, _set((DE, 2, {"start_date": "2020-06-01"})), (DE, 2, "start_date")),
    Case("L03", "L03", W, _set((DE, 2, {"start_date": "2020-11-01"})), (DE, 2, "start_reason")),
    Case("L05", "L05", W, _set((DE, 1, {"daily_dose_mg": "250"})), (DE, 1, "daily_dose_mg"),
         message="250 mg/day is not a usual daily dose of imatinib (usual: 100, 200, 300, 400, 600, 800 mg)"),
    Case("L06", "L06", W, _set((DE, 3, {"daily_dose_mg": "37.5"})), (DE, 3, "schedule"),
         message="4on2off does not fit sunitinib 37.5 mg/day (expected: daily)"),
    Case("L07-high-dose", "L07", INFO, _set((DE, 1, {"daily_dose_mg": "800", "schedule": "bid"})),
         (DE, 1, "daily_dose_mg")),
    Case("L07-resistant", "L07", INFO, _set((MU, 0, {"genotype_class": "PDGFRA_EX18_D842V"})), (DE, 0, "agent")),
    Case("L07-sunitinib-first", "L07", INFO, _set(*((DE, i, {"agent": "nilotinib"}) for i in range(3))),
         (DE, 3, "agent")),
    Case("L08", "L08", W, _set((DE, 2, {"start_reason": None})), (DE, 2, "start_reason")),
    # values
    Case("V01-error", "V01", E, _set((DX, 0, {"size_mm": "600"})), (DX, 0, "size_mm")),
    Case("V01-warning", "V01", W, _set((DX, 0, {"size_mm": "400"})), (DX, 0, "size_mm")),
    Case("V02-negative", "V02", E, _set((DX, 0, {"mitotic_count": "-1"})), (DX, 0, "mitotic_count")),
    Case("V02-fraction", "V02", E, _set((DX, 0, {"mitotic_count": "2.5"})), (DX, 0, "mitotic_count")),
    Case("V02-unit", "V02", E, _set((DX, 0, {"mitotic_unit": None})), (DX, 0, "mitotic_unit")),
    Case("V02-high", "V02", W, _set((DX, 0, {"mitotic_count": "250"})), (DX, 0, "mitotic_count")),
    Case("V03-range", "V03", E, _set((PS, 0, {"value": "7"})), (PS, 0, "value")),
    Case("V03-ecog5-alive", "V03", E, _set((PS, 0, {"value": "5"})), (PS, 0, "value")),
    Case("V03-karnofsky", "V03", E, _set((PS, 0, {"scale": "KPS", "value": "75"})), (PS, 0, "value")),
    Case("V04-grade", "V04", E, _set((AE, 0, {"grade": "6"})), (AE, 0, "grade")),
    Case("V04-term", "V04", E, _set((AE, 0, {"term": "Headache pain"})), (AE, 0, "term"),
         message="Headache pain is not a CTCAE 5.0 term (use a term of the row's CTCAE version; common site "
                 "wording such as anaemia or hand-foot syndrome is mapped)"),
    Case("V04-grade5-alive", "V04", E, _set((AE, 0, {"grade": "5"})), (AE, 0, "grade")),
    Case("V05-hu", "V05", E, _set((TA, 0, {"mean_hu": "-1200"})), (TA, 0, "mean_hu")),
    Case("V05-hu-soft-tissue", "V05", W, _set((TA, 0, {"mean_hu": "350"})), (TA, 0, "mean_hu")),
    Case("V05-sum", "V05", E, _set((TA, 0, {"sum_diam_mm": "-5"})), (TA, 0, "sum_diam_mm")),
    # genetics
    Case("V07-hgvs", "V07", E, _set((MU, 0, {"variant": "W557_K558del"})), (MU, 0, "variant")),
    Case("V07-d842v", "V07", E, _set((MU, 0, {"variant": "p.D842V"})), (MU, 0, "variant"),
         message="p.D842V is D842V, a PDGFRA exon 18 variant, but the row says KIT exon 11"),
    Case("V07-k642e", "V07", E, _set((MU, 0, {"variant": "p.Lys642Glu"})), (MU, 0, "variant")),
    Case("V07-kit11-codons", "V07", E, _set((MU, 0, {"variant": "p.V530D"})), (MU, 0, "variant")),
    Case("V07-exon", "V07", E, _set((MU, 0, {"exon": "25"})), (MU, 0, "exon")),
    Case("V08", "V08", INFO, _set((MU, 0, {"genotype_class": "KIT_EX9", "exon": "9", "variant": "p.A502_Y503dup"})),
         (MU, 0, "genotype_class")),
    # keys and identities
    Case("P01-patient", "P01", E, _append(PAT, 0), (PAT, 1, "patient_id")),
    Case("P01-exposure", "P01", E, _append(DE, 0), (DE, 4, "exposure_id")),
    Case("P01-person", "P01", W, _other_site_person, (PAT, 1, "patient_id")),
    Case("P02", "P02", W, _append(PR, 0, progression_id="PRdup"), (PR, 3, "progression_date")),
    Case("K01-patient", "K01", E, _set((AE, 0, {"patient_id": "P-unknown"})), (AE, 0, "patient_id")),
    Case("K01-site", "K01", E, _set((PAT, 0, {"site_id": "S9"})), (PAT, 0, "site_id")),
    # cross-table
    Case("X01-no-baseline", "X01", W, _set((TA, 0, {"is_baseline": "false", "tp_response": "SD"})),
         (TA, 0, "exam_date")),
    Case("X01-old-baseline", "X01", W,
         _both(_set((TA, 3, {"exam_date": "2020-11-01"})),
               _append(TA, 1, assessment_id="Tnew", exam_date="2021-05-01")),
         (TA, 4, "exam_date")),
    Case("X02-pd", "X02", W, _set((PR, 1, {"progression_date": "2020-08-01"})), (TA, 2, "exam_date")),
    Case("X02-stop", "X02", W, _set((PR, 2, {"progression_date": "2021-04-01"})), (DE, 2, "stop_reason")),
    Case("X03-dead-without-date", "X03", E, _set((VS, 0, {"status": "dead"})), (VS, 0, "death_date")),
    Case("X03-alive-with-date", "X03", E, _set((VS, 0, {"status": "alive"})), (VS, 0, "status"), dead=True),
    Case("X04", "X04", W, _no_advanced_disease, (VS, 0, "cause"), dead=True),
)


@pytest.fixture(scope="module")
def combined() -> tuple[ValidationReport, dict[str, tuple[str, int, str]]]:
    """Validate one export holding every case; return the report and each case's expected location."""
    parts: list[Rows] = [fx.sites_rows(2)]
    for k, case in enumerate(CASES):
        rows = fx.patient_rows(k, dead=case.dead)
        case.change(rows)
        parts.append(rows)
    rows, offsets = fx.combine(parts)
    expected = {}
    for k, case in enumerate(CASES):
        table, index, column = case.where
        expected[case.id] = (f"{table}.csv", offsets[k + 1][table] + index + 2, column)
    return fx.validate_rows(rows), expected


def test_every_rule_has_a_case() -> None:
    covered = {c.rule for c in CASES} | {"M01"}  # M01 notes are checked in test_validate_clean.py
    assert {r.id for r in RULES} <= covered


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_rule_is_reported_at_the_location(
    case: Case, combined: tuple[ValidationReport, dict[str, tuple[str, int, str]]]
) -> None:
    report, expected = combined
    where = expected[case.id]
    found = [i for i in report if i.rule == case.rule and (i.file, i.row, i.column) == where]
    assert found, (f"no {case.rule} at {where}; {case.rule} issues: "
                   f"{[str(i) for i in report if i.rule == case.rule]}")
    assert {i.severity for i in found} >= {case.severity}
    issue = next(i for i in found if i.severity == case.severity)
    assert issue.table == case.where[0]
    assert issue.message and issue.location in str(issue)
    if case.message is not None:
        assert issue.message == case.message
