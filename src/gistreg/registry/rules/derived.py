"""Relations several rules share, computed once per validation run as temporary tables.

``exposure_seq`` holds every drug exposure with a start date and an agent, in the patient's order (start date,
then exposure id), with:

- ``s_lo``/``s_hi``: the earliest and latest day the (possibly partial) start can stand for; ``e_lo``/``e_hi``
  likewise for the stop, where an ongoing row (no stop) runs until the patient's last contact (or today, and
  never before its start);
- ``start_txt``/``stop_txt``: the dates as given (``ongoing`` when there is no stop);
- ``seq``: 1, 2, … in the patient's order; ``p_*``: the previous row's agent, setting, dose, ``e_hi``, stop
  date, ``stop_txt`` and source row;
- ``period_start``: start of the treatment period the row belongs to (a run of consecutive rows of one agent
  in one setting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from gistreg.registry.rules._sql import fmt_date, hi, lo
from gistreg.registry.rules.base import RuleContext

__all__ = ["DERIVED"]


def _exposure_seq(ctx: RuleContext) -> str:
    lc = f"(SELECT patient_id, max(last_contact_date) AS lc FROM {ctx.t('vital_status')} GROUP BY patient_id)"
    open_end = f"greatest(coalesce(v.lc, {ctx.today_sql}), x.start_date)"
    bounds = (
        f"SELECT x.*, {lo('x.start_date', 'x.start_date_precision')} AS s_lo, "
        f"{hi('x.start_date', 'x.start_date_precision')} AS s_hi, "
        f"coalesce({lo('x.stop_date', 'x.stop_date_precision')}, {open_end}) AS e_lo, "
        f"coalesce({hi('x.stop_date', 'x.stop_date_precision')}, {open_end}) AS e_hi, "
        f"{fmt_date('x.start_date', 'x.start_date_precision')} AS start_txt, "
        f"coalesce({fmt_date('x.stop_date', 'x.stop_date_precision')}, 'ongoing') AS stop_txt "
        f"FROM {ctx.t('drug_exposures')} x LEFT JOIN {lc} v ON v.patient_id = x.patient_id "
        "WHERE x.start_date IS NOT NULL AND x.agent IS NOT NULL"
    )
    w = "OVER (PARTITION BY patient_id ORDER BY start_date, exposure_id)"
    lags = (
        f"SELECT e.*, row_number() {w} AS seq, lag(agent) {w} AS p_agent, lag(setting) {w} AS p_setting, "
        f"lag(daily_dose_mg) {w} AS p_dose, lag(e_hi) {w} AS p_end_hi, lag(stop_date) {w} AS p_stop, "
        f"lag(stop_txt) {w} AS p_stop_txt, lag(source_row) {w} AS p_row FROM ({bounds}) e"
    )
    run_start = "CASE WHEN p_agent IS DISTINCT FROM agent OR p_setting IS DISTINCT FROM setting THEN start_date END"
    return (f"SELECT l.*, max({run_start}) OVER (PARTITION BY patient_id ORDER BY seq ROWS UNBOUNDED PRECEDING) "
            f"AS period_start FROM ({lags}) l")


#: Derived relation name → builder of its SELECT.
DERIVED: Mapping[str, Callable[[RuleContext], str]] = MappingProxyType({"exposure_seq": _exposure_seq})
