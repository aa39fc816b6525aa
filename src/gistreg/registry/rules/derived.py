"""Relations several rules share, computed once per validation run as temporary tables.

``exposure_seq`` holds every drug exposure with a start date and an agent, in the patient's order (start date,
then exposure id), with:

- the columns of ``drug_exposures`` the rules need;
- ``s_lo``/``s_hi``: the earliest and latest day the (possibly partial) start can stand for; ``e_lo``/``e_hi``
  likewise for the stop, where an ongoing row (no stop) runs until the patient's last contact (or today, and
  never before its start);
- ``seq``: 1, 2, … in the patient's order; ``p_*``: the previous row's agent, setting, dose (``p_dose``),
  ``e_hi`` (``p_end_hi``), stop date and precision (``p_stop``, ``p_stop_precision``) and source row
  (``p_row``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from gistreg.registry.rules._sql import fmt_date, hi, lo
from gistreg.registry.rules.base import RuleContext

__all__ = ["DERIVED", "first_rows", "period_starts", "start_text", "stop_text"]


#: Columns of ``drug_exposures`` kept in ``exposure_seq`` (a narrow table keeps the window sort cheap).
_KEPT = ("exposure_id", "patient_id", "agent", "daily_dose_mg", "setting", "start_date", "start_date_precision",
         "start_reason", "stop_date", "stop_date_precision", "trial_id", "source_file", "source_row")


def _exposure_seq(ctx: RuleContext) -> str:
    lc = f"(SELECT patient_id, max(last_contact_date) AS lc FROM {ctx.t('vital_status')} GROUP BY patient_id)"
    open_end = f"greatest(coalesce(v.lc, {ctx.today_sql}), x.start_date)"
    bounds = (
        f"SELECT {', '.join('x.' + c for c in _KEPT)}, {lo('x.start_date', 'x.start_date_precision')} AS s_lo, "
        f"{hi('x.start_date', 'x.start_date_precision')} AS s_hi, "
        f"coalesce({lo('x.stop_date', 'x.stop_date_precision')}, {open_end}) AS e_lo, "
        f"coalesce({hi('x.stop_date', 'x.stop_date_precision')}, {open_end}) AS e_hi "
        f"FROM {ctx.t('drug_exposures')} x LEFT JOIN {lc} v ON v.patient_id = x.patient_id "
        "WHERE x.start_date IS NOT NULL AND x.agent IS NOT NULL"
    )
    w = "OVER (PARTITION BY patient_id ORDER BY start_date, exposure_id)"
    lags = ", ".join(f"lag({c}) {w} AS p_{n}" for c, n in (
        ("agent", "agent"), ("setting", "setting"), ("daily_dose_mg", "dose"), ("e_hi", "end_hi"),
        ("stop_date", "stop"), ("stop_date_precision", "stop_precision"), ("source_row", "row")))
    return f"SELECT e.*, row_number() {w} AS seq, {lags} FROM ({bounds}) e"


def start_text(alias: str) -> str:
    """The start date of ``exposure_seq`` row ``alias`` as given."""
    return fmt_date(f"{alias}.start_date", f"{alias}.start_date_precision")


def stop_text(alias: str, prefix: str = "") -> str:
    """The stop date of ``exposure_seq`` row ``alias`` as given, or ``ongoing``."""
    if prefix:
        return f"coalesce({fmt_date(f'{alias}.{prefix}stop', f'{alias}.{prefix}stop_precision')}, 'ongoing')"
    return f"coalesce({fmt_date(f'{alias}.stop_date', f'{alias}.stop_date_precision')}, 'ongoing')"


def first_rows(ctx: RuleContext, where: str) -> str:
    """Each patient's first ``exposure_seq`` row among those matching ``where`` (found by aggregation)."""
    e = ctx.t("exposure_seq")
    return (f"(SELECT e.* FROM {e} e JOIN (SELECT patient_id, min(seq) AS s FROM {e} WHERE {where} "
            "GROUP BY patient_id) f ON f.patient_id = e.patient_id AND f.s = e.seq)")


def period_starts(ctx: RuleContext) -> str:
    """``patient_id, start_date, period_start`` of the rows that start a treatment period (a run of one agent
    in one setting). The latest of these on or before a date is the start of the period running then."""
    return (f"(SELECT patient_id, start_date, start_date AS period_start FROM {ctx.t('exposure_seq')} "
            "WHERE p_agent IS DISTINCT FROM agent OR p_setting IS DISTINCT FROM setting)")


#: Derived relation name → builder of its SELECT.
DERIVED: Mapping[str, Callable[[RuleContext], str]] = MappingProxyType({"exposure_seq": _exposure_seq})
