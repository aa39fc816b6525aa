"""The versioned rule set that turns drug exposures into lines of therapy.

A study states the rule set it used (``LineRules.version`` plus every setting), and the report prints it.

The rules (research notes ``domain.md`` §2.3, after Saini & Twelves 2021 and Rajkumar et al. 2015):

1. **Setting first.** Neoadjuvant and adjuvant exposures form curative-intent lines, numbered on their own;
   they are never palliative line 1.
2. **Agent switch ⇒ new line.** A palliative row whose agent differs from the previous palliative row's agent
   opens line n + 1, whatever the reason.
3. **Dose and schedule changes** of the same agent do not open a new line.
4. **Progression-driven escalation** (a higher daily dose of the same agent whose row starts for reason
   ``progression``) opens a new line when ``escalation_is_new_line`` is true (the convention of
   004_f69f734be47677a9.txt, where imatinib 800 mg *is* the second line), and stays in the line otherwise.
   The line records ``contains_dose_escalation`` either way.
5. **Rechallenge** with an agent used in an earlier line (of any setting) is a new line flagged
   ``is_rechallenge``.
6. **Interruptions** of the same agent up to ``max_gap_days`` with no documented progression in the gap stay in
   the line; a longer gap, or a progression during the gap, opens a new line (a rechallenge).

References
----------
.. [1] Saini KS, Twelves C. Determining lines of therapy in patients with solid cancers: a proposed new
       systematic and comprehensive framework. Br J Cancer 2021;125:155-163.
.. [2] Rajkumar SV, Richardson P, San Miguel JF. Guidelines for determination of the number of prior lines of
       therapy in multiple myeloma. Blood 2015;126:921-922.
"""

from __future__ import annotations

from dataclasses import dataclass

from gistreg.core.errors import InputError

#: Version of the rule logic; bump when the derivation changes meaning.
RULES_VERSION = "gist-lot-1"


@dataclass(frozen=True, slots=True)
class LineRules:
    """Settings of the line-of-therapy derivation.

    Parameters
    ----------
    escalation_is_new_line
        Whether a progression-driven dose escalation of the same agent opens a new line (rule 4).
    max_gap_days
        Longest interruption of the same agent, in days, that stays in the line (rule 6).
    """

    escalation_is_new_line: bool = True
    max_gap_days: int = 90

    def __post_init__(self) -> None:
        if self.max_gap_days < 0:
            raise InputError(f"max_gap_days is {self.max_gap_days}; it must be >= 0 days")

    @property
    def version(self) -> str:
        """The rule version with its settings, as printed in reports."""
        esc = "escalation-new-line" if self.escalation_is_new_line else "escalation-same-line"
        return f"{RULES_VERSION}({esc}, max-gap={self.max_gap_days}d)"


__all__ = ["RULES_VERSION", "LineRules"]
