"""Genetics rules: consistency of gene, exon and protein variant (V07); genotype–site plausibility (V08)."""

from __future__ import annotations

from gistreg.core.vocab import VALID_EXONS
from gistreg.registry.rules._sql import lit, msg
from gistreg.registry.rules.base import Check, QueryBuilder, Rule, RuleContext, issue_columns, rule_of

__all__ = ["HGVS_PROTEIN_RE", "RULES"]

_AA3 = "(?:Ala|Arg|Asn|Asp|Cys|Gln|Glu|Gly|His|Ile|Leu|Lys|Met|Phe|Pro|Ser|Thr|Trp|Tyr|Val|Sec|Pyl|Xaa)"
_AA1 = "[ACDEFGHIKLMNPQRSTVWYUOX]"
_AA = f"(?:{_AA3}|{_AA1})"
_TER = r"(?:\*|Ter)"
_POS = f"{_AA}[0-9]+"
_BODY = (
    "(?:"
    f"{_POS}(?:{_AA}|{_TER}|=|\\?)"  # substitution, nonsense, silent, unknown
    f"|{_POS}(?:_{_POS})?(?:del|dup)"  # deletion, duplication
    f"|{_POS}_{_POS}ins(?:{_AA}|{_TER})+"  # insertion
    f"|{_POS}(?:_{_POS})?delins(?:{_AA}|{_TER})+"  # deletion-insertion
    f"|{_POS}(?:{_AA})?fs(?:{_TER}(?:[0-9]+|\\?))?"  # frameshift
    ")"
)
#: Protein-level HGVS accepted in ``mutations.variant`` (one change; predicted changes in parentheses).
HGVS_PROTEIN_RE = f"p\\.(?:{_BODY}|\\({_BODY}\\)|\\?|0|=|\\(=\\))"

_POSITIONS_RE = f"(?:^p\\.\\(?|_){_AA}([0-9]+)"

_V = "x.variant"
_LOC = "concat(coalesce(x.gene, 'no gene'), ' exon ', coalesce(CAST(x.exon AS VARCHAR), '?'))"


def _check(cond: str, message: str, value: str = _V) -> QueryBuilder:
    def build(ctx: RuleContext) -> str:
        return (f"SELECT {issue_columns('mutations', 'x', value, message)} FROM {ctx.t('mutations')} x "
                f"WHERE {cond}")
    return build


_PARSES = f"regexp_full_match({_V}, {lit(HGVS_PROTEIN_RE)})"
_V07_PARSE = _check(
    f"{_V} IS NOT NULL AND NOT {_PARSES}",
    msg("%s is not a protein-level HGVS description (expected e.g. p.D842V, p.W557_K558del, p.(Asp842Val))", _V),
)
_V07_D842V = _check(
    f"{_V} IS NOT NULL AND regexp_matches({_V}, '(?:D|Asp)842(?:V|Val)') "
    "AND NOT (x.gene IS NOT DISTINCT FROM 'PDGFRA' AND x.exon IS NOT DISTINCT FROM 18)",
    msg("%s is D842V, a PDGFRA exon 18 variant, but the row says %s", _V, _LOC),
)
_V07_K642E = _check(
    f"{_V} IS NOT NULL AND regexp_matches({_V}, '(?:K|Lys)642(?:E|Glu)') "
    "AND NOT (x.gene IS NOT DISTINCT FROM 'KIT' AND x.exon IS NOT DISTINCT FROM 13)",
    msg("%s is K642E, a KIT exon 13 variant, but the row says %s", _V, _LOC),
)
_CODONS = f"CAST(regexp_extract_all({_V}, {lit(_POSITIONS_RE)}, 1) AS INTEGER[])"
_V07_KIT11 = _check(
    f"x.gene = 'KIT' AND x.exon = 11 AND {_V} IS NOT NULL AND {_PARSES} "
    f"AND (list_min({_CODONS}) < 550 OR list_max({_CODONS}) > 592)",
    msg("%s lies outside KIT exon 11 (codons 550–592)", _V),
)


def _exon_values() -> str:
    rows = [f"({lit(g)}, [{', '.join(str(e) for e in sorted(ex))}], {min(ex)}, {max(ex)})"
            for g, ex in VALID_EXONS.items()]
    return f"(VALUES {', '.join(rows)}) AS ve(gene, exons, lo, hi)"


def _v07_exon(ctx: RuleContext) -> str:
    m = msg("%s is not an exon of %s (expected %s)", "x.exon", "coalesce(x.gene, 'the gene')",
            "coalesce(CAST(ve.lo AS VARCHAR) || '–' || CAST(ve.hi AS VARCHAR), 'an exon number of 1 or more')")
    return (f"SELECT {issue_columns('mutations', 'x', 'x.exon', m)} FROM {ctx.t('mutations')} x "
            f"LEFT JOIN {_exon_values()} ON ve.gene = x.gene "
            "WHERE x.exon IS NOT NULL AND (x.exon < 1 OR NOT coalesce(list_contains(ve.exons, x.exon), true))")


def _v08(ctx: RuleContext) -> str:
    sites = (f"(SELECT patient_id, list(DISTINCT primary_site) AS sites FROM {ctx.t('diagnoses')} "
             "WHERE primary_site IS NOT NULL GROUP BY patient_id)")
    small_bowel = "['duodenum', 'jejunum_ileum', 'small_bowel_nos']"
    stomach_ex9 = "x.genotype_class = 'KIT_EX9' AND list_contains(d.sites, 'stomach')"
    pdgfra_bowel = f"x.genotype_class LIKE 'PDGFRA%' AND list_has_any(d.sites, {small_bowel})"
    m = msg("%s with a primary tumour in the %s is rare (KIT exon 9 is mostly small-bowel, PDGFRA mostly "
            "gastric); please confirm", "x.genotype_class",
            f"CASE WHEN {stomach_ex9} THEN 'stomach' ELSE 'small bowel' END")
    return (f"SELECT {issue_columns('mutations', 'x', 'x.genotype_class', m)} FROM {ctx.t('mutations')} x "
            f"JOIN {sites} d ON d.patient_id = x.patient_id WHERE ({stomach_ex9}) OR ({pdgfra_bowel})")


RULES: tuple[Rule, ...] = (
    rule_of(
        "V07", "Consistent genetics",
        "Error when the variant is not a protein-level HGVS description (p.D842V, p.W557_K558del, "
        "p.(Asp842Val), …); when D842V is not PDGFRA exon 18 or K642E not KIT exon 13; when a KIT exon 11 "
        "variant names codons outside 550–592; when the exon does not exist in the gene (KIT 1–21, PDGFRA 1–23, "
        "BRAF 1–18, KRAS 1–5, NRAS 1–7, HRAS 1–6; other genes: 1 or more).",
        (
            Check("V07", "error", "mutations", "variant", _V07_PARSE),
            Check("V07", "error", "mutations", "variant", _V07_D842V),
            Check("V07", "error", "mutations", "variant", _V07_K642E),
            Check("V07", "error", "mutations", "variant", _V07_KIT11),
            Check("V07", "error", "mutations", "exon", _v07_exon),
        ),
    ),
    rule_of(
        "V08", "Genotype–site plausibility (notes)",
        "Info: KIT exon 9 genotype with a gastric primary, or a PDGFRA genotype with a small-bowel primary "
        "(duodenum, jejunum/ileum, small bowel): rare, not impossible.",
        (Check("V08", "info", "mutations", "genotype_class", _v08),),
    ),
)
