"""Controlled vocabularies of the canonical registry format.

Every coded column of the canonical tables draws its allowed values from one vocabulary here; the
validation rule C01 checks them after synonym mapping. Vocabularies are plain data so that
``docs/data-format.md`` can list them and the importer can map synonyms (brand names, old ATC codes,
labels used by the sites) onto the canonical codes.

References
----------
.. [1] research notes, ``domain.md`` §1.2–1.3 (clinical content and proposed model).
.. [2] National Cancer Institute. Common Terminology Criteria for Adverse Events v3.0 (2006), v4.03 (2010),
       v5.0 (2017).
.. [3] WHO Collaborating Centre for Drug Statistics Methodology. ATC classification index (2024).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """A named set of allowed codes with labels and synonyms.

    Parameters
    ----------
    name
        The vocabulary's name, as referenced by schema columns.
    codes
        Canonical code → human-readable label, in display order.
    synonyms
        Lower-cased synonym → canonical code (labels and codes themselves always map, case-insensitively).
    """

    name: str
    codes: Mapping[str, str]
    synonyms: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def normalise(self, value: str) -> str | None:
        """Map ``value`` (code, label or synonym; case and surrounding spaces ignored) to its code, or ``None``."""
        key = value.strip()
        if key in self.codes:
            return key
        low = key.lower()
        for code, label in self.codes.items():
            if low in (code.lower(), label.lower()):
                return code
        return self.synonyms.get(low)

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and value in self.codes


def _vocab(name: str, codes: dict[str, str], synonyms: dict[str, str] | None = None) -> Vocabulary:
    return Vocabulary(
        name,
        MappingProxyType(dict(codes)),
        MappingProxyType({k.lower(): v for k, v in (synonyms or {}).items()}),
    )


# --------------------------------------------------------------------------------------------------
# Agents, doses and schedules
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Agent:
    """A systemic agent with its ATC code, allowed daily doses (mg) and the schedules allowed per dose.

    ``schedules_by_dose`` maps a daily dose to the schedules that are plausible for it (rule L06); a dose not
    listed accepts any schedule in ``schedules``.
    """

    code: str
    label: str
    atc: tuple[str, ...]
    doses_mg: tuple[float, ...]
    schedules: tuple[str, ...]
    schedules_by_dose: Mapping[float, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    synonyms: tuple[str, ...] = ()


AGENTS: Mapping[str, Agent] = MappingProxyType(
    {
        a.code: a
        for a in (
            Agent(
                "imatinib", "Imatinib", ("L01EA01", "L01XE01"), (100, 200, 300, 400, 600, 800),
                ("daily", "bid"),
                MappingProxyType({800.0: ("bid", "daily")}),
                ("glivec", "gleevec", "sti571", "sti-571"),
            ),
            Agent(
                "sunitinib", "Sunitinib", ("L01EX01", "L01XE04"), (12.5, 25, 37.5, 50),
                ("daily", "4on2off"),
                MappingProxyType({50.0: ("4on2off",), 37.5: ("daily",), 25.0: ("daily", "4on2off"),
                                  12.5: ("daily",)}),
                ("sutent", "su11248", "su-11248"),
            ),
            Agent(
                "regorafenib", "Regorafenib", ("L01EX05", "L01XE21"), (40, 80, 120, 160),
                ("3on1off", "daily"),
                MappingProxyType({160.0: ("3on1off",)}),
                ("stivarga", "bay 73-4506", "bay73-4506"),
            ),
            Agent("ripretinib", "Ripretinib", ("L01EX19",), (50, 100, 150, 300), ("daily", "bid"),
                  MappingProxyType({300.0: ("bid",)}), ("qinlock", "dcc-2618")),
            Agent("avapritinib", "Avapritinib", ("L01EX18",), (100, 200, 300, 400), ("daily",),
                  synonyms=("ayvakit", "ayvakyt", "blu-285")),
            Agent("nilotinib", "Nilotinib", ("L01EA03", "L01XE08"), (400, 600, 800), ("bid", "daily"),
                  synonyms=("tasigna", "amn107")),
            Agent("sorafenib", "Sorafenib", ("L01EX02", "L01XE05"), (400, 800), ("bid", "daily"),
                  synonyms=("nexavar",)),
            Agent("pazopanib", "Pazopanib", ("L01EX03", "L01XE11"), (400, 600, 800), ("daily",),
                  synonyms=("votrient",)),
            Agent("dasatinib", "Dasatinib", ("L01EA02", "L01XE06"), (70, 100, 140), ("daily", "bid"),
                  synonyms=("sprycel",)),
            Agent("masitinib", "Masitinib", (), (), ("daily", "bid"), synonyms=("masivet", "ab1010")),
            Agent("larotrectinib", "Larotrectinib", ("L01EX12",), (200,), ("bid",), synonyms=("vitrakvi",)),
            Agent("entrectinib", "Entrectinib", ("L01EX14",), (600,), ("daily",), synonyms=("rozlytrek",)),
            Agent("investigational", "Investigational (trial) drug", (), (), ("daily", "bid", "4on2off",
                  "3on1off", "alternating", "other"), synonyms=("trial", "study drug", "trial drug")),
            Agent("other", "Other systemic agent", (), (), ("daily", "bid", "4on2off", "3on1off",
                  "alternating", "other")),
        )
    }
)

AGENT = _vocab(
    "agent",
    {a.code: a.label for a in AGENTS.values()},
    {s: a.code for a in AGENTS.values() for s in (*a.synonyms, *a.atc)},
)

SCHEDULE = _vocab(
    "schedule",
    {
        "daily": "Continuous once daily",
        "bid": "Continuous twice daily",
        "4on2off": "4 weeks on / 2 weeks off",
        "3on1off": "3 weeks on / 1 week off",
        "alternating": "Alternating agents",
        "other": "Other schedule",
    },
    {"cdd": "daily", "continuous": "daily", "qd": "daily", "od": "daily", "4/2": "4on2off",
     "ids": "4on2off", "3/1": "3on1off", "b.i.d.": "bid", "twice daily": "bid"},
)

SETTING = _vocab(
    "setting",
    {"neoadjuvant": "Neoadjuvant", "adjuvant": "Adjuvant", "palliative": "Palliative (advanced disease)"},
    {"advanced": "palliative", "metastatic": "palliative"},
)

START_REASON = _vocab(
    "start_reason",
    {
        "initial": "Initial start of the agent",
        "progression": "Progression",
        "toxicity": "Toxicity",
        "tdm_low": "Drug level below target (TDM)",
        "tdm_high": "Drug level above target (TDM)",
        "resumption_after_interruption": "Resumption after interruption",
        "protocol": "Per protocol",
        "other": "Other",
        "unknown": "Unknown",
    },
)

STOP_REASON = _vocab(
    "stop_reason",
    {
        "dose_change": "Dose or schedule change (same agent continues)",
        "progression": "Progression",
        "toxicity": "Toxicity / intolerance",
        "tdm_low": "Drug level below target (TDM)",
        "tdm_high": "Drug level above target (TDM)",
        "patient_choice": "Patient choice",
        "surgery": "Surgery",
        "planned_completion": "Planned completion",
        "death": "Death",
        "trial_entry": "Entry into a clinical trial",
        "nonadherence": "Non-adherence",
        "lost_to_follow_up": "Lost to follow-up",
        "other": "Other",
        "unknown": "Unknown",
    },
    {"intolerance": "toxicity", "pd": "progression", "resistance": "progression"},
)

# --------------------------------------------------------------------------------------------------
# Patient, diagnosis and molecular vocabularies
# --------------------------------------------------------------------------------------------------

SEX = _vocab("sex", {"M": "Male", "F": "Female", "U": "Unknown"}, {"man": "M", "vrouw": "F", "woman": "F"})

DATE_PRECISION = _vocab("date_precision", {"D": "Day", "M": "Month", "Y": "Year"})

PRIMARY_SITE = _vocab(
    "primary_site",
    {
        "oesophagus": "Oesophagus",
        "stomach": "Stomach",
        "duodenum": "Duodenum",
        "jejunum_ileum": "Jejunum / ileum",
        "small_bowel_nos": "Small bowel, not otherwise specified",
        "colon": "Colon",
        "rectum": "Rectum",
        "appendix": "Appendix",
        "mesentery": "Mesentery",
        "omentum": "Omentum",
        "retroperitoneum": "Retroperitoneum",
        "pelvis": "Pelvis",
        "peritoneum": "Peritoneum",
        "multiple": "Multiple",
        "unknown": "Unknown",
    },
    {"gastric": "stomach", "esophagus": "oesophagus", "small intestine": "small_bowel_nos",
     "small bowel": "small_bowel_nos", "duodenal": "duodenum", "pelvic": "pelvis", "c16": "stomach",
     "c15": "oesophagus", "c17.0": "duodenum", "c20.9": "rectum", "c20": "rectum", "c18": "colon"},
)

STAGE_AT_DX = _vocab(
    "stage_at_dx",
    {
        "localized": "Localised",
        "locally_advanced": "Locally advanced",
        "metastatic": "Metastatic",
        "multiple_localization": "Multiple localisations",
        "unknown": "Unknown",
    },
    {"localised": "localized", "metastasised": "metastatic"},
)

MITOTIC_UNIT = _vocab(
    "mitotic_unit",
    {"per_5mm2": "per 5 mm²", "per_50hpf": "per 50 HPF", "per_10mm2": "per 10 mm²", "other": "other"},
    {"/5mm2": "per_5mm2", "/50hpf": "per_50hpf", "50 hpf": "per_50hpf", "5 mm2": "per_5mm2"},
)

RUPTURE = _vocab(
    "rupture",
    {"no": "No", "yes_spontaneous": "Yes, spontaneous", "yes_intraoperative": "Yes, intra-operative",
     "yes_unspecified": "Yes, unspecified", "unknown": "Unknown"},
)

GENE = _vocab(
    "gene",
    {g: g for g in ("KIT", "PDGFRA", "SDHA", "SDHB", "SDHC", "SDHD", "NF1", "BRAF", "KRAS", "NRAS", "HRAS",
                    "NTRK1", "NTRK2", "NTRK3", "FGFR1", "other")},
)

GENOTYPE_CLASS = _vocab(
    "genotype_class",
    {
        "KIT_EX9": "KIT exon 9",
        "KIT_EX11": "KIT exon 11",
        "KIT_EX13": "KIT exon 13",
        "KIT_EX17": "KIT exon 17",
        "KIT_OTHER": "KIT, other exon",
        "PDGFRA_EX12": "PDGFRA exon 12",
        "PDGFRA_EX14": "PDGFRA exon 14",
        "PDGFRA_EX18_D842V": "PDGFRA exon 18 D842V",
        "PDGFRA_EX18_OTHER": "PDGFRA exon 18, non-D842V",
        "SDH_DEFICIENT": "SDH-deficient",
        "NF1": "NF1-associated",
        "BRAF": "BRAF",
        "RAS": "RAS",
        "NTRK_FUSION": "NTRK fusion",
        "WT_KIT_PDGFRA_SDH": "Wild type KIT/PDGFRA/SDH",
        "WT_KIT_PDGFRA_SDH_NOT_TESTED": "Wild type KIT/PDGFRA (SDH not tested)",
        "NOT_TESTED": "Not tested",
        "FAILED": "Test failed",
    },
)

#: Exons that exist per gene, for the genetics consistency rule (V07).
VALID_EXONS: Mapping[str, frozenset[int]] = MappingProxyType(
    {"KIT": frozenset(range(1, 22)), "PDGFRA": frozenset(range(1, 24)), "BRAF": frozenset(range(1, 19)),
     "KRAS": frozenset(range(1, 6)), "NRAS": frozenset(range(1, 8)), "HRAS": frozenset(range(1, 7))}
)

METASTASIS_SITE = _vocab(
    "metastasis_site",
    {"liver": "Liver", "peritoneum": "Peritoneum", "lung": "Lung", "bone": "Bone", "lymph_node": "Lymph node",
     "soft_tissue": "Soft tissue", "other": "Other"},
    {"peritoneal": "peritoneum", "hepatic": "liver"},
)

# --------------------------------------------------------------------------------------------------
# Assessments, performance status, adverse events, vital status
# --------------------------------------------------------------------------------------------------

MODALITY = _vocab(
    "modality",
    {"CT": "CT", "MRI": "MRI", "PET_CT": "PET-CT", "US": "Ultrasound", "clinical": "Clinical"},
    {"pet-ct": "PET_CT", "mr": "MRI"},
)

NEW_LESION = _vocab("new_lesion", {"yes": "Yes", "no": "No", "equivocal": "Equivocal"})

NONTARGET = _vocab(
    "nontarget",
    {"CR": "Complete response", "nonCR_nonPD": "Non-CR/non-PD", "PD": "Progression", "NE": "Not evaluable",
     "none": "No non-target lesions"},
)

TIMEPOINT_RESPONSE = _vocab(
    "tp_response",
    {"CR": "Complete response", "PR": "Partial response", "SD": "Stable disease", "PD": "Progressive disease",
     "NE": "Not evaluable", "nonCR_nonPD": "Non-CR/non-PD"},
)

PROGRESSION_BASIS = _vocab(
    "progression_basis",
    {"recist11": "RECIST 1.1", "choi": "Choi", "clinical": "Clinical", "symptomatic": "Symptomatic"},
    {"recist": "recist11", "recist 1.1": "recist11"},
)

PS_SCALE = _vocab("ps_scale", {"ECOG": "ECOG / WHO", "KPS": "Karnofsky"}, {"who": "ECOG"})

PS_CONTEXT = _vocab(
    "ps_context",
    {"line_baseline": "At the start of a treatment line", "follow_up": "Follow-up", "other": "Other"},
)

CTCAE_VERSION = _vocab("ctcae_version", {"3.0": "CTCAE v3.0", "4.0": "CTCAE v4.0", "4.03": "CTCAE v4.03",
                                         "5.0": "CTCAE v5.0"}, {"3": "3.0", "4": "4.0", "5": "5.0"})

#: CTCAE terms per version (the terms GIST registries record most; the term list is extensible by version).
CTCAE_TERMS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "3.0": frozenset({
            "Hemoglobin", "Leukocytes", "Neutrophils", "Platelets", "Edema: head and neck", "Edema: limb",
            "Edema", "Nausea", "Vomiting", "Anorexia", "Diarrhea", "Fatigue", "Rash/desquamation",
            "Hand-foot skin reaction", "Hypertension", "Hypothyroidism", "ALT", "AST", "Bilirubin",
            "Liver dysfunction/failure (clinical)", "Muscle cramps", "Mucositis/stomatitis",
            "Hemorrhage, GI", "Perforation, GI", "Dysgeusia", "Death",
        }),
        "4.0": frozenset(),
        "4.03": frozenset(),
        "5.0": frozenset(),
    }
)
_V4_TERMS = frozenset({
    "Anemia", "White blood cell decreased", "Neutrophil count decreased", "Platelet count decreased",
    "Periorbital edema", "Edema limbs", "Edema face", "Nausea", "Vomiting", "Anorexia", "Diarrhea", "Fatigue",
    "Rash maculo-papular", "Palmar-plantar erythrodysesthesia syndrome", "Hypertension", "Hypothyroidism",
    "Alanine aminotransferase increased", "Aspartate aminotransferase increased", "Blood bilirubin increased",
    "Muscle cramp", "Mucositis oral", "Gastrointestinal hemorrhage", "Small intestinal perforation",
    "Dysgeusia", "Death NOS", "Hepatic failure",
})
CTCAE_TERMS = MappingProxyType({**CTCAE_TERMS, "4.0": _V4_TERMS, "4.03": _V4_TERMS, "5.0": _V4_TERMS})

#: Synonyms mapping site-level AE wording to the CTCAE term of each version family.
CTCAE_SYNONYMS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "3.0": MappingProxyType({
            "anaemia": "Hemoglobin", "anemia": "Hemoglobin", "leukopenia": "Leukocytes",
            "neutropenia": "Neutrophils", "thrombocytopenia": "Platelets", "oedema": "Edema",
            "periorbital oedema": "Edema: head and neck", "periorbital edema": "Edema: head and neck",
            "skin rash": "Rash/desquamation", "rash": "Rash/desquamation", "diarrhoea": "Diarrhea",
            "liver dysfunction": "Liver dysfunction/failure (clinical)",
        }),
        "4": MappingProxyType({
            "anaemia": "Anemia", "leukopenia": "White blood cell decreased",
            "neutropenia": "Neutrophil count decreased", "thrombocytopenia": "Platelet count decreased",
            "oedema": "Edema limbs", "periorbital oedema": "Periorbital edema", "diarrhoea": "Diarrhea",
            "hand-foot syndrome": "Palmar-plantar erythrodysesthesia syndrome",
            "skin rash": "Rash maculo-papular",
        }),
    }
)

CTCAE_GRADES: tuple[int, ...] = (1, 2, 3, 4, 5)

AE_ATTRIBUTION = _vocab(
    "ae_attribution",
    {"unrelated": "Unrelated", "unlikely": "Unlikely", "possible": "Possible", "probable": "Probable",
     "definite": "Definite", "unknown": "Unknown"},
)

AE_ACTION = _vocab(
    "ae_action",
    {"none": "None", "dose_reduced": "Dose reduced", "interrupted": "Interrupted",
     "discontinued": "Discontinued"},
)

VITAL_STATUS = _vocab("vital_status", {"alive": "Alive", "dead": "Dead", "unknown": "Unknown"},
                      {"deceased": "dead", "overleden": "dead", "levend": "alive"})

CAUSE_OF_DEATH = _vocab(
    "cause_of_death",
    {
        "gist_progression": "Progressive GIST",
        "treatment_toxicity": "Treatment toxicity",
        "other_cancer": "Other cancer",
        "non_cancer": "Non-cancer cause",
        "unknown": "Unknown",
    },
    {"progressive disease": "gist_progression", "gist": "gist_progression", "toxicity": "treatment_toxicity"},
)

PROCEDURE = _vocab(
    "procedure",
    {"primary_resection": "Resection of the primary tumour", "metastasectomy": "Metastasectomy",
     "debulking": "Debulking / cytoreduction", "ablation": "Ablation", "embolization": "Embolisation",
     "radiotherapy": "Radiotherapy", "biopsy_only": "Biopsy only", "other": "Other"},
)

MARGIN = _vocab("margin", {"R0": "R0", "R1": "R1", "R2": "R2", "RX": "RX"})

CONTACT_TYPE = _vocab(
    "contact_type",
    {"visit": "Visit", "imaging": "Imaging", "lab": "Laboratory", "phone": "Phone",
     "registry_linkage": "Population registry linkage"},
)

#: Every vocabulary by name, as referenced by the schema.
VOCABULARIES: Mapping[str, Vocabulary] = MappingProxyType(
    {
        v.name: v
        for v in (
            AGENT, SCHEDULE, SETTING, START_REASON, STOP_REASON, SEX, DATE_PRECISION, PRIMARY_SITE, STAGE_AT_DX,
            MITOTIC_UNIT, RUPTURE, GENE, GENOTYPE_CLASS, METASTASIS_SITE, MODALITY, NEW_LESION, NONTARGET,
            TIMEPOINT_RESPONSE, PROGRESSION_BASIS, PS_SCALE, PS_CONTEXT, CTCAE_VERSION, AE_ATTRIBUTION,
            AE_ACTION, VITAL_STATUS, CAUSE_OF_DEATH, CONTACT_TYPE, PROCEDURE, MARGIN,
        )
    }
)


def ctcae_term(version: str, value: str) -> str | None:
    """Return the CTCAE term for ``value`` under ``version`` (after synonym mapping), or ``None`` if unknown."""
    terms = CTCAE_TERMS.get(version)
    if terms is None:
        return None
    stripped = value.strip()
    for term in terms:
        if term.lower() == stripped.lower():
            return term
    family = "3.0" if version == "3.0" else "4"
    return CTCAE_SYNONYMS[family].get(stripped.lower())


__all__ = [
    "AGENT",
    "AGENTS",
    "CAUSE_OF_DEATH",
    "CTCAE_GRADES",
    "CTCAE_TERMS",
    "CTCAE_VERSION",
    "GENOTYPE_CLASS",
    "PRIMARY_SITE",
    "SCHEDULE",
    "STOP_REASON",
    "VALID_EXONS",
    "VOCABULARIES",
    "Agent",
    "Vocabulary",
    "ctcae_term",
]
