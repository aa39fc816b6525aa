"""Every number the synthetic registry is calibrated to, with its source.

Sources are named by seed file and table or section (``seed a`` = 000_f7a449c4dfdf80f2.txt, ``seed b`` =
004_f69f734be47677a9.txt) or by section of the research notes (``domain.md``). Numbers that are a design choice
of the generator (not published) say so in their source (``choice: …``). ``docs/synthetic-registry.md`` explains
how each target is reproduced and which published inconsistencies are kept.

References
----------
.. [1] Seed a: imatinib rechallenge plus best supportive care vs best supportive care after imatinib and
       sunitinib failure, 4 Japanese centres (000_f7a449c4dfdf80f2.txt).
.. [2] Seed b: Dutch GIST Registry, sunitinib vs imatinib dose escalation as second line
       (004_f69f734be47677a9.txt).
.. [3] Research notes ``domain.md`` §1.2 (population frequencies), §4 (calibration targets and generator notes),
       §5 (published outcomes).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

SEED_A = "seed a (000_f7a449c4dfdf80f2.txt)"
SEED_B = "seed b (004_f69f734be47677a9.txt)"
NOTES = "domain.md"

TargetValue = int | float | str | tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Target:
    """One calibration target.

    Parameters
    ----------
    key
        Dotted name, e.g. ``nl.pfs.median_months.sunitinib``.
    value
        The target: a count, a number, a date (ISO text) or a tuple (median, min, max).
    source
        Where the number comes from (seed file and table/section, ``domain.md`` section, or ``choice: why``).
    """

    key: str
    value: TargetValue
    source: str


def _ro(d: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(d))


# ================================================================================================================
# Seed a: Japanese cohort (4 centres), data cut 31 March 2009
# ================================================================================================================

JP_CUT = dt.date(2009, 3, 31)
#: Sunitinib discontinuations are spread over this window (choice: the paper's registration window June 2008 –
#: March 2009 cannot hold 22 months of follow-up; domain.md §4.1 inconsistency 4).
JP_INDEX_WINDOW = (dt.date(2007, 1, 1), dt.date(2009, 2, 28))
JP_SITES: tuple[tuple[str, str], ...] = (
    ("ACC", "Aichi Cancer Center Hospital"),
    ("OSU", "Osaka University Hospital"),
    ("NGT", "Niigata University Hospital"),
    ("HKD", "Hokkaido University Hospital"),
)

JP_FLOW: Mapping[str, int] = _ro({"identified": 47, "ongoing_sunitinib": 8, "trial_entry": 13,
                                  "rechallenge": 14, "bsc": 12})
JP_ARMS = ("rechallenge", "bsc")

JP_SEX: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"M": 8, "F": 6}), "bsc": _ro({"M": 8, "F": 4})})
JP_ECOG_AT_INDEX: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"1": 8, "2": 6, "3": 0, "4": 0}), "bsc": _ro({"1": 4, "2": 5, "3": 1, "4": 2})})
JP_PS_CHANGE: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"better": 1, "worse": 1, "same": 12}), "bsc": _ro({"better": 0, "worse": 8, "same": 4})})
JP_PRIMARY: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"stomach": 5, "small_intestine": 7, "rectum": 1, "other": 1}),
    "bsc": _ro({"stomach": 3, "small_intestine": 7, "rectum": 1, "other": 1})})
JP_METASTASES: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"liver": 5, "peritoneum": 9, "other": 3}),
    "bsc": _ro({"liver": 8, "peritoneum": 9, "other": 2})})
#: Patterns of metastatic sites per patient (a choice that reproduces the multi-select counts above exactly).
JP_METASTASIS_PATTERNS: Mapping[str, tuple[tuple[tuple[str, ...], int], ...]] = MappingProxyType({
    "rechallenge": ((("liver",), 3), (("liver", "peritoneum"), 2), (("peritoneum",), 6),
                    (("peritoneum", "other"), 1), (("other",), 2)),
    "bsc": ((("liver", "peritoneum"), 5), (("liver",), 2), (("peritoneum",), 3), (("liver", "other"), 1),
            (("peritoneum", "other"), 1)),
})
#: (median, min, max) in months.
JP_FIRST_IMATINIB_MONTHS: Mapping[str, tuple[float, float, float]] = MappingProxyType({
    "rechallenge": (41.0, 20.0, 79.0), "bsc": (19.5, 1.0, 49.0)})
JP_BEST_RESPONSE: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"CR": 3, "PR": 3, "SD": 1, "PD": 3, "NE": 4}),
    "bsc": _ro({"CR": 4, "PR": 2, "SD": 2, "PD": 4, "NE": 0})})
JP_FIRST_STOP: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"progression": 14, "toxicity": 0}), "bsc": _ro({"progression": 11, "toxicity": 1})})
JP_SUNITINIB_MONTHS: Mapping[str, tuple[float, float, float]] = MappingProxyType({
    "rechallenge": (7.5, 3.0, 17.0), "bsc": (6.0, 1.0, 34.0)})
#: Age at sunitinib discontinuation (years): median, min, max. The rechallenge maximum is printed "7" (a typo,
#: domain.md §4.1 inconsistency 1); 77 is chosen.
JP_AGE: Mapping[str, tuple[float, float, float]] = MappingProxyType({
    "rechallenge": (54.5, 48.0, 77.0), "bsc": (62.5, 41.0, 73.0)})
JP_CHOI: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "rechallenge": _ro({"responder": 3, "nonresponder": 6, "NE": 5}),
    "bsc": _ro({"responder": 1, "nonresponder": 4, "NE": 7})})
#: Patients by worst CTCAE v3.0 grade per term: (rechallenge G1, rechallenge G2, BSC G1, BSC G2); no grade >= 3.
#: Terms in the wording a site would use; each maps to a CTCAE v3.0 term (gistreg.core.vocab.ctcae_term).
JP_ADVERSE_EVENTS: Mapping[str, tuple[int, int, int, int]] = MappingProxyType({
    "Anaemia": (2, 0, 3, 2),
    "Leukopenia": (2, 4, 1, 0),
    "Neutropenia": (3, 0, 0, 0),
    "Thrombocytopenia": (2, 1, 1, 0),
    "Liver dysfunction": (1, 1, 3, 1),
    "Skin rash": (1, 0, 0, 0),
    "Oedema": (12, 1, 4, 0),
    "Nausea": (3, 1, 2, 0),
    "Anorexia": (3, 0, 2, 0),
    "Diarrhoea": (3, 0, 2, 0),
})
JP_ANY_AE: Mapping[str, int] = _ro({"rechallenge": 14, "bsc": 10})
JP_AE_INTERRUPTIONS = 3
JP_OS_HR = 0.332
JP_OS_HR_CI = (0.103, 1.070)
#: Deaths implied by the HR's confidence interval (4 / SE², domain.md §4.1): about 11; 11–13 accepted.
JP_OS_DEATHS = (11, 13)
JP_OS_MEDIAN: Mapping[str, float] = MappingProxyType({"rechallenge": 22.0, "bsc": 4.0, "all": 11.0})
JP_TTF_MEDIAN = 6.0
JP_FOLLOWUP_MEDIAN = 7.2

# ================================================================================================================
# Seed b: Dutch cohort (5 centres)
# ================================================================================================================

#: Data cut (choice: not stated in the paper; diagnoses January 2009 – July 2020 and the longest follow-up of
#: 140.3 months from diagnosis end in autumn 2020; the study spec uses the same date).
NL_CUT = dt.date(2020, 12, 31)
NL_DX_WINDOW = (dt.date(2009, 1, 1), dt.date(2020, 7, 31))
NL_SITES: tuple[tuple[str, str], ...] = (
    ("NKI", "Netherlands Cancer Institute"),
    ("LUMC", "Leiden University Medical Center"),
    ("EMC", "Erasmus MC Rotterdam"),
    ("RUMC", "Radboudumc Nijmegen"),
    ("UMCG", "University Medical Center Groningen"),
)
NL_ARMS = ("sunitinib", "imatinib800")

NL_FLOW: Mapping[str, int] = _ro({
    "advanced_first_line_im400": 463,
    "eligible": 118,
    "intolerance": 8,
    "analysed": 110,
    "sunitinib": 72,
    "sunitinib_37_5_daily": 42,
    "sunitinib_50_4on2off": 30,
    "imatinib800": 38,
    "imatinib800_then_sunitinib": 27,
    "sunitinib_failure_progression": 46,
    "sunitinib_failure_toxicity": 13,
})
#: Breakdown of the 345 exclusions before the 118, in the order the paper lists them (choice: only the total is
#: recoverable from the text; Fig. 1 is not in the supplied file).
NL_EXCLUSIONS: Mapping[str, int] = _ro({"ongoing_first_line": 132, "no_further_treatment": 141,
                                        "kit_exon9_or_unknown": 72})
#: Background patients of the Dutch centres that a study's first step excludes (choice).
NL_BACKGROUND: Mapping[str, int] = _ro({"localised_no_palliative": 150, "advanced_first_line_other": 10})

NL_SEX: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "sunitinib": _ro({"M": 43, "F": 29}), "imatinib800": _ro({"M": 27, "F": 11})})
#: Age at diagnosis: mean, SD (years).
NL_AGE: Mapping[str, tuple[float, float]] = MappingProxyType({"sunitinib": (61.2, 12.4), "imatinib800": (58.2, 12.7)})
#: Tumour size in mm: median, min, max.
NL_SIZE_MM: Mapping[str, tuple[float, float, float]] = MappingProxyType({
    "sunitinib": (110.0, 30.0, 350.0), "imatinib800": (120.0, 35.0, 260.0)})
NL_STAGE: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "sunitinib": _ro({"localized": 11, "locally_advanced": 6, "metastatic": 54, "multiple_localization": 1}),
    "imatinib800": _ro({"localized": 6, "locally_advanced": 4, "metastatic": 27, "multiple_localization": 1})})
#: Primary site codes ("Small bowel" is written small_bowel_nos so the published level needs no grouping).
NL_SITE: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "sunitinib": _ro({"stomach": 40, "small_bowel_nos": 20, "duodenum": 2, "rectum": 1, "oesophagus": 0,
                      "colon": 2, "pelvis": 0, "peritoneum": 1, "unknown": 6}),
    "imatinib800": _ro({"stomach": 16, "small_bowel_nos": 12, "duodenum": 2, "rectum": 1, "oesophagus": 1,
                        "colon": 1, "pelvis": 1, "peritoneum": 1, "unknown": 3})})
#: Mitoses per 50 HPF: low (<= 5), high (> 5), not reported (mitotic_count empty).
NL_MITOSES: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "sunitinib": _ro({"low": 32, "high": 23, "missing": 17}),
    "imatinib800": _ro({"low": 13, "high": 17, "missing": 8})})
NL_GENOTYPE: Mapping[str, Mapping[str, int]] = MappingProxyType({
    "sunitinib": _ro({"KIT_EX11": 47, "KIT_EX13": 4, "KIT_EX17": 1, "PDGFRA_EX14": 0, "PDGFRA_EX18_D842V": 0,
                      "PDGFRA_EX18_OTHER": 8, "SDH_DEFICIENT": 2, "WT_KIT_PDGFRA_SDH": 6,
                      "WT_KIT_PDGFRA_SDH_NOT_TESTED": 4}),
    "imatinib800": _ro({"KIT_EX11": 27, "KIT_EX13": 3, "KIT_EX17": 1, "PDGFRA_EX14": 1, "PDGFRA_EX18_D842V": 1,
                        "PDGFRA_EX18_OTHER": 3, "SDH_DEFICIENT": 0, "WT_KIT_PDGFRA_SDH": 2,
                        "WT_KIT_PDGFRA_SDH_NOT_TESTED": 0})})
#: First-line imatinib duration in months: median, min, max. Table 1 values, except the escalation arm's
#: implausible minimum of 0.1 month, where the text's 1.1 is used (domain.md §4.2 inconsistency 3).
NL_FIRST_LINE_MONTHS: Mapping[str, tuple[float, float, float]] = MappingProxyType({
    "sunitinib": (18.5, 0.9, 94.3), "imatinib800": (16.3, 1.1, 105.9)})
NL_PFS_MEDIAN: Mapping[str, float] = MappingProxyType({"sunitinib": 8.4, "imatinib800": 5.6})
NL_PFS_EVENTS: Mapping[str, int] = _ro({"sunitinib": 64, "imatinib800": 34})
NL_PFS_LOGRANK_P = 0.88
#: OS from diagnosis (Results assignment; the abstract swaps the arms, domain.md §4.2 inconsistency 2).
NL_OS_MEDIAN: Mapping[str, float] = MappingProxyType({"sunitinib": 63.4, "imatinib800": 63.2})
NL_DEATHS = 65
NL_DEATH_CAUSES: Mapping[str, int] = _ro({"gist_progression": 61, "treatment_toxicity": 1, "non_cancer": 1,
                                          "unknown": 2})
#: Time to sunitinib failure after imatinib 800 mg (months): median, min, max.
NL_SUNITINIB_AFTER_ESCALATION_MONTHS = (8.2, 1.3, 24.7)

# Generator notes (domain.md §4.2): crossing curves.
#: Sunitinib arm PFS: Weibull with this shape and the published median.
NL_PFS_SUNITINIB_SHAPE = 1.3
#: Escalation arm PFS: mixture of fast progressors and durable responders (fraction, median months).
NL_PFS_ESCALATION_MIXTURE = ((0.70, 3.6), (0.30, 30.0))
# Generator notes (domain.md §4.1): non-proportional hazards.
#: Rechallenge arm OS: fraction dying as fast as the BSC arm, and the median of the rest (months).
JP_OS_RECHALLENGE_FAST = (0.42, 30.0)

# ================================================================================================================
# Population model (scaled registry and background patients), domain.md §1.2 and §5
# ================================================================================================================

#: Primary site marginals (domain.md §1.2): stomach, small intestine, colorectum, oesophagus, other.
POP_SITE = (("stomach", 0.556), ("small_intestine", 0.318), ("colorectum", 0.060), ("oesophagus", 0.007),
            ("other", 0.059))
#: Share metastatic at presentation (domain.md §5, NCR ~20%).
POP_METASTATIC_AT_DX = 0.20
POP_MALE = 0.53
POP_AGE_MEAN_SD = (63.0, 12.5)
#: Median first-line imatinib PFS (months; domain.md §5: EORTC 62005 1.7 y, S0033 18 months, B2222 ~20–26).
POP_FIRST_LINE_MEDIAN = 20.0
#: Median time on later lines (months; domain.md §5: sunitinib TTP 8.3, escalation PFS ~5, regorafenib 4.8,
#: ripretinib 6.3, rechallenge 1.8).
POP_LINE_MEDIAN: Mapping[str, float] = MappingProxyType({
    "sunitinib": 8.3, "imatinib800": 5.0, "regorafenib": 4.8, "ripretinib": 6.3, "imatinib_rechallenge": 1.8,
    "avapritinib": 20.0, "investigational": 3.0})
#: Calendar availability (domain.md §5): first date an agent is given in the scaled registry.
POP_AVAILABLE: Mapping[str, dt.date] = MappingProxyType({
    "imatinib": dt.date(2002, 2, 1), "sunitinib": dt.date(2006, 1, 26), "regorafenib": dt.date(2013, 2, 25),
    "avapritinib": dt.date(2020, 1, 9), "ripretinib": dt.date(2020, 5, 15)})
#: Data cut of the scaled registry (choice).
POP_CUT = dt.date(2023, 12, 31)
POP_DX_START = dt.date(2003, 1, 1)


def targets() -> tuple[Target, ...]:
    """Every calibration target of the default registry, with its source."""
    a1, b1 = f"{SEED_A}, Table 1", f"{SEED_B}, Table 1"
    out: list[Target] = [
        Target("jp.data_cut", JP_CUT.isoformat(), f"{SEED_A}, Results (data cutoff March 31, 2009)"),
        Target("jp.index_window", (float(JP_INDEX_WINDOW[0].toordinal()), float(JP_INDEX_WINDOW[1].toordinal())),
               f"choice: {NOTES} §4.1 inconsistency 4 (timeline not reconstructible)"),
    ]
    out += [Target(f"jp.flow.{k}", v, f"{SEED_A}, Results §3") for k, v in JP_FLOW.items()]
    for arm in JP_ARMS:
        for name, table in (("sex", JP_SEX), ("ecog_at_index", JP_ECOG_AT_INDEX), ("ps_change", JP_PS_CHANGE),
                            ("primary_site", JP_PRIMARY), ("metastases", JP_METASTASES),
                            ("best_response_first_imatinib", JP_BEST_RESPONSE),
                            ("first_imatinib_stop", JP_FIRST_STOP)):
            out += [Target(f"jp.{arm}.{name}.{k}", v, a1) for k, v in table[arm].items()]
        out += [
            Target(f"jp.{arm}.age_at_index", JP_AGE[arm], a1 + ("; maximum 77 chosen (printed '7')"
                                                                 if arm == "rechallenge" else "")),
            Target(f"jp.{arm}.first_imatinib_months", JP_FIRST_IMATINIB_MONTHS[arm], a1),
            Target(f"jp.{arm}.sunitinib_months", JP_SUNITINIB_MONTHS[arm], a1),
            Target(f"jp.{arm}.any_ae", JP_ANY_AE[arm], f"{SEED_A}, Results (tolerability)"),
        ]
        out += [Target(f"jp.{arm}.choi.{k}", v, f"{SEED_A}, Table 2") for k, v in JP_CHOI[arm].items()]
    for term, grades in JP_ADVERSE_EVENTS.items():
        out.append(Target(f"jp.ae.{term}", tuple(float(g) for g in grades),
                          f"{SEED_A}, Table 3 (rechallenge G1, G2, BSC G1, G2)"))
    out += [
        Target("jp.ae.interruptions", JP_AE_INTERRUPTIONS, f"{SEED_A}, Results"),
        Target("jp.os.hr", JP_OS_HR, f"{SEED_A}, Results / Figure 3"),
        Target("jp.os.hr_ci", JP_OS_HR_CI, f"{SEED_A}, Results / Figure 3"),
        Target("jp.os.deaths", tuple(float(d) for d in JP_OS_DEATHS), f"{NOTES} §4.1 (implied by the HR's CI)"),
        Target("jp.os.median.rechallenge", JP_OS_MEDIAN["rechallenge"],
               f"{SEED_A}, Figure 3 (unstable KM step, {NOTES} §4.1 generator note)"),
        Target("jp.os.median.bsc", JP_OS_MEDIAN["bsc"], f"{SEED_A}, Figure 3"),
        Target("jp.os.median.all", JP_OS_MEDIAN["all"], f"{SEED_A}, Figure 2"),
        Target("jp.ttf.median", JP_TTF_MEDIAN, f"{SEED_A}, Figure 1 (taken as the rechallenge line's TTF)"),
        Target("jp.os.rechallenge_fast_fraction_and_slow_median", JP_OS_RECHALLENGE_FAST,
               f"{NOTES} §4.1 generator note (non-proportional hazards)"),
        Target("nl.data_cut", NL_CUT.isoformat(), f"choice: {SEED_B} Methods 2.1 (diagnoses Jan 2009 – Jul 2020)"),
    ]
    out += [Target(f"nl.flow.{k}", v, f"{SEED_B}, Results 3.1 / 3.2") for k, v in NL_FLOW.items()]
    out += [Target(f"nl.exclusions.{k}", v, f"choice: total 345 from {SEED_B} Results 3.1")
            for k, v in NL_EXCLUSIONS.items()]
    out += [Target(f"nl.background.{k}", v, "choice: background for the first eligibility step")
            for k, v in NL_BACKGROUND.items()]
    for arm in NL_ARMS:
        for name, table in (("sex", NL_SEX), ("stage_at_dx", NL_STAGE), ("primary_site", NL_SITE),
                            ("mitoses", NL_MITOSES), ("genotype", NL_GENOTYPE)):
            out += [Target(f"nl.{arm}.{name}.{k}", v, b1) for k, v in table[arm].items()]
        out += [
            Target(f"nl.{arm}.age_at_dx_mean_sd", NL_AGE[arm], b1),
            Target(f"nl.{arm}.size_mm", NL_SIZE_MM[arm], b1),
            Target(f"nl.{arm}.first_line_months", NL_FIRST_LINE_MONTHS[arm],
                   b1 + ("; minimum from the text (1.1), the table's 0.1 is implausible"
                         if arm == "imatinib800" else "")),
            Target(f"nl.{arm}.pfs.median", NL_PFS_MEDIAN[arm], f"{SEED_B}, Results 3.2 (8.4 is genuine, {NOTES} §4.2)"),
            Target(f"nl.{arm}.pfs.events", NL_PFS_EVENTS[arm], f"{SEED_B}, Results 3.2"),
            Target(f"nl.{arm}.os.median_from_dx", NL_OS_MEDIAN[arm], f"{SEED_B}, Results 3.3"),
        ]
    out += [
        Target("nl.pfs.logrank_p", NL_PFS_LOGRANK_P, f"{SEED_B}, Abstract / Results 3.2"),
        Target("nl.deaths", NL_DEATHS, f"{SEED_B}, Results 3.3"),
        Target("nl.sunitinib_after_escalation_months", NL_SUNITINIB_AFTER_ESCALATION_MONTHS,
               f"{SEED_B}, Results (after Fig. 2)"),
        Target("nl.pfs.sunitinib_weibull_shape", NL_PFS_SUNITINIB_SHAPE, f"choice: {NOTES} §4.2 generator note"),
        Target("nl.pfs.escalation_mixture", tuple(x for pair in NL_PFS_ESCALATION_MIXTURE for x in pair),
               f"{NOTES} §4.2 generator note (crossing curves)"),
    ]
    out += [Target(f"nl.death_cause.{k}", v, f"{SEED_B}, Results 3.3") for k, v in NL_DEATH_CAUSES.items()]
    out += [
        Target("population.site", tuple(p for _, p in POP_SITE), f"{NOTES} §1.2 (stomach, small intestine, "
               "colorectum, oesophagus, other)"),
        Target("population.metastatic_at_dx", POP_METASTATIC_AT_DX, f"{NOTES} §5 (NCR)"),
        Target("population.first_line_median_months", POP_FIRST_LINE_MEDIAN, f"{NOTES} §5 (EORTC 62005, S0033)"),
        Target("population.data_cut", POP_CUT.isoformat(), "choice: data cut of the scaled registry"),
    ]
    out += [Target(f"population.line_median_months.{k}", v, f"{NOTES} §5") for k, v in POP_LINE_MEDIAN.items()]
    return tuple(out)


__all__ = ["JP_CUT", "NL_CUT", "POP_CUT", "SEED_A", "SEED_B", "Target", "TargetValue", "targets"]
