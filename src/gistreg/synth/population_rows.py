"""Outcomes, truncation and the CSV rows of one chunk of the population model (all vectorised)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from gistreg.synth import population as pop
from gistreg.synth._columns import NA, BoolArray, IntArray, StrArray, const, dates, ids, ints, pick, write_table
from gistreg.synth._util import DAYS_PER_MONTH, day
from gistreg.synth.writer import RegistryWriter

_BIG = 10**9
_V4 = day(dt.date(2010, 6, 14))
_V5 = day(dt.date(2018, 1, 1))
#: AE terms per family (imatinib-like, VEGFR TKI, other) and CTCAE version (3.0, 4.03, 5.0).
_AE_TERMS = {
    "3.0": (("Edema: head and neck", "Diarrhea", "Fatigue", "Nausea", "Rash/desquamation", "Hemoglobin"),
            ("Hand-foot skin reaction", "Hypertension", "Fatigue", "Diarrhea", "Neutrophils"),
            ("Fatigue", "Diarrhea", "Nausea")),
    "4.03": (("Periorbital edema", "Diarrhea", "Fatigue", "Nausea", "Rash maculo-papular", "Anemia"),
             ("Palmar-plantar erythrodysesthesia syndrome", "Hypertension", "Fatigue", "Diarrhea",
              "Neutrophil count decreased"),
             ("Fatigue", "Diarrhea", "Nausea")),
}
_AE_TERMS["5.0"] = _AE_TERMS["4.03"]
_FAMILY = np.array([0, 0, 1, 1, 1, 2, 2, 2, 0])  # per regimen
_MET_SITES = ("liver", "peritoneum", "lung", "bone")


@dataclass(frozen=True, slots=True)
class Sites:
    """Centres of the registry: ids, countries and the share of patients each reports."""

    ids: StrArray
    jp: BoolArray
    weights: np.ndarray


def _order(pat: IntArray, when: IntArray) -> tuple[IntArray, IntArray]:
    """Row order (by patient, then date) and each row's 1-based number within its patient."""
    order = np.lexsort((when, pat))
    p = pat[order]
    first = np.r_[True, p[1:] != p[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(p.size), 0))
    return order, np.arange(p.size) - start + 1


def _outcome(rng: np.random.Generator, p: pop.Patients, last_stop: IntArray) -> tuple[IntArray, BoolArray, StrArray]:
    """End of observation (death or last contact), whether dead, and the cause of death."""
    rate = 0.004 * np.exp(0.085 * (p.age - 60.0))  # non-cancer deaths per person-year
    nc = p.dx + np.round(rng.exponential(1.0, p.n) / rate * 365.25).astype(np.int64)
    gist = np.where(last_stop != NA, last_stop + 14 + np.round(rng.exponential(6.0 / math.log(2), p.n)
                                                              * DAYS_PER_MONTH).astype(np.int64), _BIG)
    death = np.minimum(nc, gist)
    lc = pop.CUT - rng.integers(0, 61, p.n)
    ltfu = rng.random(p.n) < 0.03
    lc = np.where(ltfu, p.dx + (rng.uniform(0.2, 0.9, p.n) * (pop.CUT - p.dx)).astype(np.int64), lc)
    dead = death <= lc
    other = pick(("non_cancer", "other_cancer", "unknown"), rng.choice(3, size=p.n, p=[0.7, 0.2, 0.1]))
    cause = np.where(gist <= nc, "gist_progression", other)
    return np.where(dead, death, lc), dead, cause


def _truncate(s: pop.Segments, end: IntArray, dead: BoolArray) -> pop.Segments:
    keep = s.start < end[s.pat]
    s = pop.Segments(*(getattr(s, f)[keep] for f in pop.Segments.__dataclass_fields__))
    e = end[s.pat]
    over = s.stop > e
    d = dead[s.pat]
    s.stop = np.where(over, np.where(d, e, NA), s.stop)
    s.stop_reason = np.where(over, np.where(d, pop.DEATH, NA), s.stop_reason)
    return s


def write_chunk(writer: RegistryWriter, seed: int, chunk: int, first_index: int, n: int, sites: Sites, *,
                stream: int = 0) -> None:
    """Generate ``n`` patients (numbered from ``first_index``) and append their rows to the files.

    The chunk's generator is seeded by (``seed``, ``stream``, ``chunk``): stream 0 is the scaled registry,
    stream 1 the international centres of the default registry.
    """
    rng = np.random.default_rng([seed, 900 + stream, chunk])
    site = rng.choice(sites.ids.size, size=n, p=sites.weights)
    number = np.char.zfill((np.arange(n) + first_index + 1).astype(str), 7)
    pid = np.char.add(np.char.add(sites.ids[site], "-"), number)
    p = pop.draw_patients(rng, n, pid, site, sites.jp[site])
    adj = pop.adjuvant_and_recurrence(rng, p)
    pal, last_stop = pop.palliative_lines(rng, p)
    end, dead, cause = _outcome(rng, p, last_stop)
    segs = _truncate(pop._concat([adj, pal]), end, dead)
    _patients_rows(writer, rng, p, end)
    _exposure_rows(writer, p, segs)
    _event_rows(writer, rng, p, segs, end)
    vital = {
        "patient_id": p.pid, "last_contact_date": dates(end), "last_contact_type": const("visit", n),
        "status": np.where(dead, "dead", "alive"), "death_date": dates(end, ~dead),
        "death_date_precision": np.where(dead, "D", ""), "cause": np.where(dead, cause, ""),
    }
    write_table(writer, "vital_status", vital, n)


def _patients_rows(writer: RegistryWriter, rng: np.random.Generator, p: pop.Patients, end: IntArray) -> None:
    n = p.n
    birth = p.dx - np.round(p.age * 365.25).astype(np.int64)
    entry = np.minimum(p.dx + rng.integers(0, 61, n), end)
    write_table(writer, "patients", {
        "patient_id": p.pid, "site_id": np.char.partition(p.pid, "-")[:, 0], "sex": np.where(p.male, "M", "F"),
        "birth_date": dates(birth), "birth_date_precision": const("D", n), "registry_entry_date": dates(entry),
    }, n)
    miss_mit = p.mitoses == NA
    write_table(writer, "diagnoses", {
        "diagnosis_id": np.char.add(p.pid, "-D1"), "patient_id": p.pid, "diagnosis_date": dates(p.dx),
        "diagnosis_date_precision": const("D", n), "primary_site": pick(pop.SITE_CODES, p.primary),
        "size_mm": ints(p.size), "mitotic_count": ints(p.mitoses, miss_mit),
        "mitotic_unit": np.where(miss_mit, "", np.where(p.dx >= day(dt.date(2016, 1, 1)), "per_5mm2", "per_50hpf")),
        "stage_at_dx": pick(("localized", "locally_advanced", "metastatic", "multiple_localization"), p.stage),
        "rupture": pick(("no", "unknown", "yes_spontaneous", "yes_intraoperative"),
                        rng.choice(4, size=n, p=[0.9, 0.05, 0.03, 0.02])),
    }, n)
    tested = p.geno != 11
    test = p.dx + rng.integers(10, 41, n)
    t_ok = tested & (test <= end)
    table = pop._VARIANT_TABLE
    gene = np.array([t[0] for t in table])[p.geno]
    exon = np.array([t[1] for t in table])[p.geno]
    flat = [v for t in table for v in t[2]]
    offset = np.cumsum([0] + [len(t[2]) for t in table])[:-1]
    write_table(writer, "mutations", {
        "mutation_id": np.char.add(p.pid, "-M1"), "patient_id": p.pid, "test_date": dates(test, ~t_ok),
        "gene": gene, "exon": exon, "variant": np.array(flat)[offset[p.geno] + p.variant],
        "genotype_class": pick(pop.GENOTYPES, p.geno),
    }, n)


def _exposure_rows(writer: RegistryWriter, p: pop.Patients, s: pop.Segments) -> None:
    order, seq = _order(s.pat, s.start)
    reg = s.reg[order]
    stop = s.stop[order]
    pid = p.pid[s.pat[order]]
    regs = pop.REGIMENS
    write_table(writer, "drug_exposures", {
        "exposure_id": ids(pid, "X", seq), "patient_id": pid, "agent": pick([r[0] for r in regs], reg),
        "daily_dose_mg": pick([r[1] for r in regs], reg), "schedule": pick([r[2] for r in regs], reg),
        "setting": pick(pop.SETTINGS, s.setting[order]), "start_date": dates(s.start[order]),
        "start_date_precision": const("D", reg.size), "start_reason": pick(pop.START_REASONS, s.start_reason[order]),
        "stop_date": dates(stop), "stop_date_precision": np.where(stop == NA, "", "D"),
        "stop_reason": pick(pop.STOP_REASONS, s.stop_reason[order]),
        "trial_id": np.where(s.trial[order], "TRIAL-" + pick(("A", "B", "C"), s.line[order] % 3), ""),
    }, reg.size)


def _event_rows(writer: RegistryWriter, rng: np.random.Generator, p: pop.Patients, s: pop.Segments,
                end: IntArray) -> None:
    pal = s.setting == 0
    prog = pal & (s.stop_reason == pop.PROG) & (s.stop != NA)
    pp = s.pat[prog]
    order, seq = _order(pp, s.stop[prog])
    write_table(writer, "progressions", {
        "progression_id": ids(p.pid[pp[order]], "P", seq), "patient_id": p.pid[pp[order]],
        "progression_date": dates(s.stop[prog][order]), "basis": const("recist11", pp.size)}, pp.size)
    ps_pat, ps_day = s.pat[pal], s.start[pal]
    val = np.clip(s.line[pal] - 1 + (rng.random(ps_pat.size) < 0.35), 0, 3)
    order, seq = _order(ps_pat, ps_day)
    write_table(writer, "performance_status", {
        "ps_id": ids(p.pid[ps_pat[order]], "S", seq), "patient_id": p.pid[ps_pat[order]],
        "assessment_date": dates(ps_day[order]), "scale": const("ECOG", ps_pat.size), "value": ints(val[order]),
        "context": const("line_baseline", ps_pat.size)}, ps_pat.size)
    _scan_rows(writer, rng, p, s, end, pal, prog)
    _ae_rows(writer, rng, p, s, end)
    _metastasis_rows(writer, rng, p, end)
    res = p.resection != NA
    res &= p.resection < end
    write_table(writer, "surgeries", {
        "surgery_id": np.char.add(p.pid[res], "-O1"), "patient_id": p.pid[res],
        "surgery_date": dates(p.resection[res]), "procedure": const("primary_resection", int(res.sum())),
        "margin": np.where(rng.random(int(res.sum())) < 0.88, "R0", "R1")}, int(res.sum()))


def _scan_rows(writer: RegistryWriter, rng: np.random.Generator, p: pop.Patients, s: pop.Segments,
               end: IntArray, pal: BoolArray, prog: BoolArray) -> None:
    k = int(pal.sum())
    pat, start, line = s.pat[pal], s.start[pal], s.line[pal]
    escal = (s.reg[pal] == pop.IM800) & (s.start_reason[pal] == 1) & (line > 1)
    seg_end = np.where(s.stop[pal] == NA, end[pat], s.stop[pal])
    m = np.clip((seg_end - start - 30) // 90, 0, 40)
    base = np.round(rng.lognormal(math.log(110), 0.4, k)).clip(25, 320)
    hu0 = np.round(rng.uniform(45, 95, k))
    pr = rng.random(k) < np.where(line == 1, 0.5, 0.1)
    f = np.where(pr, rng.uniform(0.4, 0.65, k), rng.uniform(0.86, 1.0, k))
    fu = np.round(base * f)
    nadir = np.where(m > 0, np.minimum(base, fu), base)
    off = np.where(line == 1, rng.integers(1, 15, k), rng.integers(1, 10, k))
    # baselines
    b = ~escal
    nb = int(b.sum())
    rows = [(pat[b], start[b] - off[b], base[b], np.round(hu0[b]), np.full(nb, 6), np.ones(nb, dtype=bool))]
    # follow-ups
    rep = np.repeat(np.arange(k), m)
    j = np.arange(rep.size) - np.repeat(np.cumsum(m) - m, m)
    fday = start[rep] + 90 * (j + 1) - rng.integers(0, 11, rep.size)
    resp = np.where(pr[rep], 1, 2)
    hu_f = np.round(hu0[rep] * np.where(pr[rep], 0.75, 0.98))
    rows.append((pat[rep], fday, fu[rep], hu_f, resp, np.zeros(rep.size, bool)))
    # PD scans
    q = prog[pal]
    pd_size = np.maximum(np.round(nadir[q] * 1.3), nadir[q] + 6)
    rows.append((pat[q], s.stop[pal][q], pd_size, np.round(hu0[q] * 1.03), np.full(int(q.sum()), 3),
                 np.zeros(int(q.sum()), bool)))
    pats, days, size, hu, tp, isb = (np.concatenate([r[i] for r in rows]) for i in range(6))
    order, seq = _order(pats, days)
    pid = p.pid[pats[order]]
    n = pats.size
    tp_o = tp[order]
    write_table(writer, "tumour_assessments", {
        "assessment_id": ids(pid, "A", seq), "patient_id": pid, "exam_date": dates(days[order]),
        "modality": const("CT", n), "is_baseline": np.where(isb[order], "true", "false"),
        "sum_diam_mm": ints(size[order].astype(np.int64)), "mean_hu": ints(hu[order].astype(np.int64)),
        "nontarget": const("nonCR_nonPD", n), "new_lesion": const("no", n),
        "tp_response": pick(("CR", "PR", "SD", "PD", "NE", "nonCR_nonPD", ""), np.where(tp_o == 6, NA, tp_o)),
    }, n)


def _ae_rows(writer: RegistryWriter, rng: np.random.Generator, p: pop.Patients, s: pop.Segments,
             end: IntArray) -> None:
    k = s.pat.size
    seg_end = np.where(s.stop == NA, end[s.pat], s.stop)
    onset = s.start + rng.integers(7, 91, k)
    tox = (s.stop_reason == pop.TOX) & (s.stop != NA)
    has = (rng.random(k) < 0.45) & (onset <= seg_end) & ~tox
    t_on = np.maximum(s.start, s.stop - rng.integers(3, 21, k))
    pats = np.concatenate([s.pat[has], s.pat[tox]])
    on = np.concatenate([onset[has], t_on[tox]])
    fam = np.concatenate([_FAMILY[s.reg[has]], _FAMILY[s.reg[tox]]])
    grade = np.concatenate([rng.choice(3, size=int(has.sum()), p=[0.5, 0.35, 0.15]) + 1,
                            np.full(int(tox.sum()), 3)])
    action = np.concatenate([np.where(grade[: int(has.sum())] == 3, 1, 0), np.full(int(tox.sum()), 3)])
    stop_day = np.concatenate([np.where(s.stop == NA, NA, s.stop)[has], s.stop[tox]])
    e = on + rng.integers(7, 61, on.size)
    e = np.where(action == 3, np.maximum(e, stop_day), e)
    e_missing = e > end[pats]
    version = np.where(on < _V4, 0, np.where(on < _V5, 1, 2))
    u = rng.random(on.size)
    term = np.empty(on.size, dtype=object)
    for vi, v in enumerate(("3.0", "4.03", "5.0")):
        for fi, terms in enumerate(_AE_TERMS[v]):
            mask = (version == vi) & (fam == fi)
            term[mask] = np.array(terms, dtype=object)[(u[mask] * len(terms)).astype(np.int64)]
    order, seq = _order(pats, on)
    pid = p.pid[pats[order]]
    n = pats.size
    write_table(writer, "adverse_events", {
        "ae_id": ids(pid, "E", seq), "patient_id": pid, "term": term[order].astype(str),
        "ctcae_version": pick(("3.0", "4.03", "5.0"), version[order]), "grade": ints(grade[order]),
        "onset_date": dates(on[order]), "end_date": dates(e[order], e_missing[order]),
        "attribution": const("probable", n),
        "action": pick(("none", "dose_reduced", "interrupted", "discontinued"), action[order]),
    }, n)


def _metastasis_rows(writer: RegistryWriter, rng: np.random.Generator, p: pop.Patients, end: IntArray) -> None:
    has = (p.adv != NA) & (p.adv <= end) & (p.stage != 1)
    sync = p.stage >= 2
    first = rng.choice(4, size=p.n, p=[0.55, 0.35, 0.05, 0.05])
    two = rng.random(p.n) < 0.3
    second = np.where(first == 0, 1, 0)
    pats = np.concatenate([np.flatnonzero(has), np.flatnonzero(has & two)])
    site = np.concatenate([first[has], second[has & two]])
    order, seq = _order(pats, site)
    pa = pats[order]
    write_table(writer, "metastases", {
        "metastasis_id": ids(p.pid[pa], "T", seq), "patient_id": p.pid[pa], "detected_date": dates(p.adv[pa]),
        "site": pick(_MET_SITES, site[order]), "synchronous": np.where(sync[pa], "true", "false")}, pa.size)


__all__ = ["Sites", "write_chunk"]
