"""The canonical registry schema: tables, columns, types, units and code lists.

This module is the single source of truth for the canonical import format (documented in
``docs/data-format.md``), the store's DDL and the per-column validation. A canonical export is a folder with
one file per table, named ``<table>.csv``; every row keeps its source file and 1-based source row.

Dates are ISO 8601. A date column may hold a partial date (``YYYY-MM`` or ``YYYY``) when the table has the
matching ``<column>_precision`` column: the stored date is then imputed (mid-month: the 15th; mid-year: 1 July)
and the precision column records ``M`` or ``Y``, never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

ColumnType = Literal["text", "int", "float", "date", "bool", "code"]

#: Column names added by the importer to every table (not present in the files themselves).
PROVENANCE_COLUMNS: tuple[str, ...] = ("source_file", "source_row")


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a canonical table.

    Parameters
    ----------
    name
        Column name, as in the CSV header.
    type
        ``text`` (kept verbatim, IDs never become numbers), ``int``, ``float``, ``date`` (ISO, optionally
        partial), ``bool`` (``true``/``false``, ``yes``/``no``, ``1``/``0``) or ``code`` (a vocabulary code).
    required
        Whether every row must have a value.
    vocab
        For ``code`` columns, the name of the vocabulary in :mod:`gistreg.core.vocab`.
    unit
        Unit of a numeric column (``mg``, ``mm``, ``HU`` …), or ``""``.
    description
        What the column holds, for the data-format reference.
    """

    name: str
    type: ColumnType
    required: bool = False
    vocab: str | None = None
    unit: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True)
class Table:
    """One canonical table: its columns, primary key and the reference to ``patients`` (if any)."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str = ""
    patient_column: str | None = "patient_id"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the columns in file order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """Return the column called ``name`` (KeyError if absent)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def date_precision_columns(self) -> Mapping[str, str]:
        """Date column → its precision column, for dates that may be partial."""
        names = set(self.column_names)
        return {c.name: f"{c.name}_precision" for c in self.columns
                if c.type == "date" and f"{c.name}_precision" in names}


def _c(name: str, type_: ColumnType, description: str, *, required: bool = False, vocab: str | None = None,
       unit: str = "") -> Column:
    return Column(name, type_, required, vocab, unit, description)


def _pid() -> Column:
    return _c("patient_id", "text", "Registry pseudonym of the patient (never a hospital number)", required=True)


def _precision(of: str) -> Column:
    return _c(f"{of}_precision", "code", f"Precision of {of}: D (day), M (month) or Y (year); default D",
              vocab="date_precision")


SITES = Table(
    "sites",
    (
        _c("site_id", "text", "Centre code", required=True),
        _c("name", "text", "Centre name", required=True),
        _c("country", "text", "ISO 3166-1 alpha-2 country code", required=True),
        _c("registry", "text", "Registry the centre reports to"),
    ),
    ("site_id",),
    "Participating centres.",
    patient_column=None,
)

PATIENTS = Table(
    "patients",
    (
        _pid(),
        _c("site_id", "text", "Centre that reports the patient (references sites)", required=True),
        _c("sex", "code", "Sex", required=True, vocab="sex"),
        _c("birth_date", "date", "Date of birth (often only the year is exported)"),
        _precision("birth_date"),
        _c("registry_entry_date", "date", "Date the patient entered the registry"),
    ),
    ("patient_id",),
    "One row per person.",
)

DIAGNOSES = Table(
    "diagnoses",
    (
        _c("diagnosis_id", "text", "Identifier of the primary GIST", required=True),
        _pid(),
        _c("diagnosis_date", "date", "Date of histological diagnosis", required=True),
        _precision("diagnosis_date"),
        _c("primary_site", "code", "Primary tumour site", required=True, vocab="primary_site"),
        _c("size_mm", "float", "Largest tumour diameter", unit="mm"),
        _c("mitotic_count", "float", "Mitotic count in the counted area", unit="mitoses"),
        _c("mitotic_unit", "code", "Area the mitotic count refers to", vocab="mitotic_unit"),
        _c("stage_at_dx", "code", "Extent of disease at diagnosis", required=True, vocab="stage_at_dx"),
        _c("rupture", "code", "Tumour rupture", vocab="rupture"),
    ),
    ("diagnosis_id",),
    "One row per primary GIST.",
)

MUTATIONS = Table(
    "mutations",
    (
        _c("mutation_id", "text", "Identifier of the finding", required=True),
        _pid(),
        _c("test_date", "date", "Date of the sample tested"),
        _c("gene", "code", "Gene (empty when not tested)", vocab="gene"),
        _c("exon", "int", "Exon"),
        _c("variant", "text", "Protein-level HGVS description, e.g. p.D842V"),
        _c("genotype_class", "code", "Primary-driver genotype class", required=True, vocab="genotype_class"),
    ),
    ("mutation_id",),
    "Molecular findings; the primary driver's genotype class per patient.",
)

DRUG_EXPOSURES = Table(
    "drug_exposures",
    (
        _c("exposure_id", "text", "Identifier of the constant-dose period", required=True),
        _pid(),
        _c("agent", "code", "Systemic agent (brand names, code names and ATC codes are mapped)", required=True,
           vocab="agent"),
        _c("daily_dose_mg", "float", "Total daily dose", required=True, unit="mg"),
        _c("schedule", "code", "Dosing schedule", required=True, vocab="schedule"),
        _c("setting", "code", "Treatment setting", required=True, vocab="setting"),
        _c("start_date", "date", "First day of this constant-dose period", required=True),
        _precision("start_date"),
        _c("start_reason", "code", "Why this period's dose/schedule began", vocab="start_reason"),
        _c("stop_date", "date", "Last day of this period (empty when ongoing)"),
        _precision("stop_date"),
        _c("stop_reason", "code", "Why this period ended (empty when ongoing)", vocab="stop_reason"),
        _c("trial_id", "text", "Trial identifier for investigational drugs"),
    ),
    ("exposure_id",),
    "One row per constant-dose period: a dose or schedule change starts a new row.",
)

TUMOUR_ASSESSMENTS = Table(
    "tumour_assessments",
    (
        _c("assessment_id", "text", "Identifier of the imaging assessment", required=True),
        _pid(),
        _c("exam_date", "date", "Date of the examination", required=True),
        _c("modality", "code", "Imaging modality", required=True, vocab="modality"),
        _c("is_baseline", "bool", "Baseline assessment for the treatment that follows", required=True),
        _c("sum_diam_mm", "float", "Sum of target-lesion diameters (RECIST 1.1)", unit="mm"),
        _c("mean_hu", "float", "Mean density of target lesions (Choi)", unit="HU"),
        _c("nontarget", "code", "Non-target lesion status", vocab="nontarget"),
        _c("new_lesion", "code", "New lesions", vocab="new_lesion"),
        _c("tp_response", "code", "Time-point response as recorded by the site", vocab="tp_response"),
    ),
    ("assessment_id",),
    "Imaging assessments with the measurements response criteria need.",
)

PROGRESSIONS = Table(
    "progressions",
    (
        _c("progression_id", "text", "Identifier of the progression event", required=True),
        _pid(),
        _c("progression_date", "date", "Date of documented progression", required=True),
        _c("basis", "code", "Basis of the progression", required=True, vocab="progression_basis"),
    ),
    ("progression_id",),
    "Documented progression events.",
)

PERFORMANCE_STATUS = Table(
    "performance_status",
    (
        _c("ps_id", "text", "Identifier of the assessment", required=True),
        _pid(),
        _c("assessment_date", "date", "Date of the assessment", required=True),
        _c("scale", "code", "Scale", required=True, vocab="ps_scale"),
        _c("value", "int", "Score (ECOG 0–5; Karnofsky 0–100)", required=True),
        _c("context", "code", "Context of the assessment", vocab="ps_context"),
    ),
    ("ps_id",),
    "Performance status over time.",
)

ADVERSE_EVENTS = Table(
    "adverse_events",
    (
        _c("ae_id", "text", "Identifier of the adverse event", required=True),
        _pid(),
        _c("term", "text", "CTCAE term (site wording is mapped per version)", required=True),
        _c("ctcae_version", "code", "CTCAE version used for grading", required=True, vocab="ctcae_version"),
        _c("grade", "int", "CTCAE grade 1–5", required=True),
        _c("onset_date", "date", "Onset", required=True),
        _c("end_date", "date", "Resolution"),
        _c("attribution", "code", "Relation to treatment", vocab="ae_attribution"),
        _c("action", "code", "Action taken", vocab="ae_action"),
    ),
    ("ae_id",),
    "Adverse events graded by CTCAE.",
)

METASTASES = Table(
    "metastases",
    (
        _c("metastasis_id", "text", "Identifier of the metastatic site", required=True),
        _pid(),
        _c("detected_date", "date", "Date the site was first detected", required=True),
        _c("site", "code", "Metastatic site", required=True, vocab="metastasis_site"),
        _c("synchronous", "bool", "Present at diagnosis"),
    ),
    ("metastasis_id",),
    "Metastatic sites; several per patient.",
)

SURGERIES = Table(
    "surgeries",
    (
        _c("surgery_id", "text", "Identifier of the procedure", required=True),
        _pid(),
        _c("surgery_date", "date", "Date of the procedure", required=True),
        _c("procedure", "code", "Procedure", required=True, vocab="procedure"),
        _c("margin", "code", "Resection margin", vocab="margin"),
    ),
    ("surgery_id",),
    "Surgery and other local treatment (does not advance the line of therapy).",
)

VITAL_STATUS = Table(
    "vital_status",
    (
        _pid(),
        _c("last_contact_date", "date", "Last date the patient was known alive (or death date)", required=True),
        _c("last_contact_type", "code", "Kind of the last contact", vocab="contact_type"),
        _c("status", "code", "Vital status at the last contact", required=True, vocab="vital_status"),
        _c("death_date", "date", "Date of death"),
        _precision("death_date"),
        _c("cause", "code", "Cause of death", vocab="cause_of_death"),
    ),
    ("patient_id",),
    "One row per patient: follow-up and vital status.",
)

TABLES: Mapping[str, Table] = MappingProxyType(
    {
        t.name: t
        for t in (SITES, PATIENTS, DIAGNOSES, MUTATIONS, DRUG_EXPOSURES, TUMOUR_ASSESSMENTS, PROGRESSIONS,
                  PERFORMANCE_STATUS, ADVERSE_EVENTS, METASTASES, SURGERIES, VITAL_STATUS)
    }
)

#: Tables a canonical export must contain (the others may be absent and count as empty).
REQUIRED_TABLES: tuple[str, ...] = ("sites", "patients", "diagnoses", "drug_exposures", "vital_status")

__all__ = ["PROVENANCE_COLUMNS", "REQUIRED_TABLES", "TABLES", "Column", "ColumnType", "Table"]
