"""Plain-text view of one patient's treatment lines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gistreg.report import format as f


def format_patient_lines(patient: str, rows: Sequence[dict[str, Any]]) -> str:
    """One line per treatment line: setting and number, agent and first dose, dates, end reason, flags."""
    out = [f"Treatment lines of patient {patient} (rules {rows[0]['rule_version']})" if rows else patient]
    for r in rows:
        flags = [name for name, on in (("rechallenge", r["is_rechallenge"]),
                                       ("dose escalation", r["contains_dose_escalation"])) if on]
        end = "ongoing" if r["ongoing"] else f"{r['end_date']} ({r['end_reason'] or 'reason unknown'})"
        out.append(
            f"  {r['line_setting']} line {r['line_no']}: {r['agent']} {f.num(r['first_dose_mg'], 1)} mg "
            f"{r['first_schedule']}, {r['start_date']} → {end}; opened by {r['start_cause']}"
            + (f" [{', '.join(flags)}]" if flags else "")
        )
    return "\n".join(out)


__all__ = ["format_patient_lines"]
