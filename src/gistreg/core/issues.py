"""Validation issues and the report that collects them.

Readers (``ingest``) report what they cannot read; the registry's rules report what is wrong with what was
read. Both speak in :class:`Issue` objects, collected in one :class:`ValidationReport`, so a data manager sees
every problem of an import at once, each located by file, row and column.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning", "info"]

_SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an export.

    Parameters
    ----------
    rule
        Rule identifier, e.g. ``"D03"`` (see ``docs/data-format.md``), or a reader code such as ``"R01"``.
    severity
        ``error`` blocks the import; ``warning`` is stored with the data and sent to the site; ``info`` is a note.
    file
        Source file name (no directory), e.g. ``drug_exposures.csv``.
    row
        Row number in the source as a spreadsheet shows it (header = row 1), or ``None`` for file-level issues.
    column
        Column name, or ``None`` when the issue concerns a whole row or file.
    value
        The offending value as text (``None`` when there is none, e.g. a missing column).
    message
        A sentence a data manager understands, naming what was expected.
    table
        Canonical table the issue concerns (``""`` if unknown).
    record_id
        Primary key of the record concerned, when known (a pseudonym, never a direct identifier).
    """

    rule: str
    severity: Severity
    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    table: str = ""
    record_id: str | None = None

    @property
    def location(self) -> str:
        """``file row N, column C`` (parts omitted when unknown)."""
        parts = [self.file or self.table or "(input)"]
        if self.row is not None:
            parts.append(f"row {self.row}")
        loc = " ".join(parts)
        if self.column:
            loc += f", column {self.column}"
        return loc

    def __str__(self) -> str:
        return f"[{self.rule} {self.severity}] {self.location}: {self.message}"

    def sort_key(self) -> tuple[int, str, str, int, str]:
        """Order by severity, rule, file, row, column."""
        return (_SEVERITY_ORDER[self.severity], self.rule, self.file, self.row or 0, self.column or "")


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Every issue of an import, with counts per rule and severity."""

    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, issues: Iterable[Issue]) -> ValidationReport:
        """Build a report with issues in a stable order (severity, rule, file, row, column)."""
        return cls(tuple(sorted(issues, key=Issue.sort_key)))

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues)

    def __len__(self) -> int:
        return len(self.issues)

    def merged(self, other: ValidationReport) -> ValidationReport:
        """A report with the issues of both."""
        return ValidationReport.of((*self.issues, *other.issues))

    @property
    def errors(self) -> tuple[Issue, ...]:
        """Error-level issues (any of them blocks an import)."""
        return tuple(i for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """Warning-level issues."""
        return tuple(i for i in self.issues if i.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error-level issue."""
        return not self.errors

    def counts(self) -> dict[tuple[str, Severity], int]:
        """Number of issues per (rule, severity)."""
        return dict(Counter((i.rule, i.severity) for i in self.issues))

    def by_rule(self) -> dict[str, tuple[Issue, ...]]:
        """Issues grouped by rule id, in report order."""
        out: dict[str, list[Issue]] = {}
        for i in self.issues:
            out.setdefault(i.rule, []).append(i)
        return {k: tuple(v) for k, v in out.items()}


__all__ = ["Issue", "Severity", "ValidationReport"]
