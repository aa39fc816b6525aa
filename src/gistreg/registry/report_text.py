"""Plain-text and CSV renderings of validation reports, import results and registry summaries.

Every function here is pure: it takes a result object and returns ``str``. The command line prints what they
return; tests compare it. Record identifiers are left out of the text renderings (they go only into the
issues CSV that is sent back to the sites, which own those records).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from gistreg.core.issues import Issue, ValidationReport
from gistreg.registry.store import ImportResult
from gistreg.registry.summary import RegistrySummary

#: Columns of the issues CSV, in order.
ISSUE_CSV_COLUMNS: tuple[str, ...] = (
    "rule", "severity", "table", "file", "row", "column", "value", "message", "record_id",
)


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def format_counts(report: ValidationReport) -> str:
    """One line: ``N errors, N warnings, N notes``."""
    n_info = sum(1 for i in report.issues if i.severity == "info")
    return (f"{_plural(len(report.errors), 'error')}, {_plural(len(report.warnings), 'warning')}, "
            f"{_plural(n_info, 'note')}")


def format_issue(issue: Issue) -> str:
    """``file row N, column C: message (value 'v')`` — the location first, then what is wrong."""
    text = f"{issue.location}: {issue.message}"
    if issue.value is not None and f"'{issue.value}'" not in issue.message and issue.value not in issue.message:
        text += f" (value '{issue.value}')"
    return text


def format_report(
    report: ValidationReport,
    *,
    rule_titles: Mapping[str, str] | None = None,
    max_per_rule: int = 5,
    counts_line: bool = True,
) -> str:
    """The report grouped by rule: a count line, then per rule its severity, count, title and first issues.

    Parameters
    ----------
    report
        The validation report.
    rule_titles
        Rule id → short title, printed next to each rule.
    max_per_rule
        Issues listed per rule (the rest are counted); ``0`` lists none.
    counts_line
        Start with the line ``Validation: N errors, N warnings, N notes.``
    """
    titles = rule_titles or {}
    lines = [f"Validation: {format_counts(report)}."] if counts_line else []
    for rule, issues in report.by_rule().items():
        severities = sorted({i.severity for i in issues})
        title = titles.get(rule, "")
        if lines:
            lines.append("")
        lines.append(f"{rule}  {'/'.join(severities)}  {_plural(len(issues), 'issue')}"
                     + (f"  {title}" if title else ""))
        lines.extend(f"  {format_issue(i)}" for i in issues[:max_per_rule])
        if len(issues) > max_per_rule:
            lines.append(f"  … and {len(issues) - max_per_rule} more")
    return "\n".join(lines) + "\n"


def issues_csv(report: ValidationReport) -> str:
    """Every issue as CSV (comma-separated, RFC 4180 quoting, header first), for sending to the sites."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ISSUE_CSV_COLUMNS)
    for i in report.issues:
        writer.writerow([i.rule, i.severity, i.table, i.file, "" if i.row is None else i.row, i.column or "",
                         "" if i.value is None else i.value, i.message, i.record_id or ""])
    return buf.getvalue()


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> list[str]:
    """Columns padded to equal width: numbers right-aligned, text left-aligned; indented by two spaces."""
    widths = [max(len(r[k]) for r in (header, *rows)) for k in range(len(header))]
    numeric = [bool(rows) and all(r[k].isdigit() or not r[k] for r in rows) for k in range(len(header))]
    out = []
    for r in (header, *rows):
        cells = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(r, widths, numeric, strict=True)]
        out.append(("  " + "  ".join(cells)).rstrip())
    return out


def format_import_result(result: ImportResult) -> str:
    """Per-table counts of an import and the one-line report summary."""
    if result.load_id is None:
        head = (f"Nothing changed: every record of {result.source_name} is already in the registry "
                "with the same data; no load was recorded.")
    else:
        head = (f"Imported {result.source_name} as load {result.load_id} "
                f"({_plural(len(result.files), 'file')}).")
    rows = [
        (t, str(c.inserted), str(c.updated), str(c.unchanged), str(c.not_in_export))
        for t, c in result.changes.items()
    ]
    lines = [head, "", *_table(("table", "inserted", "updated", "unchanged", "not in export"), rows), ""]
    lines.append(f"Validation: {format_counts(result.report)}.")
    return "\n".join(lines) + "\n"


def format_summary(summary: RegistrySummary) -> str:
    """A registry summary as text: counts only, no identifiers."""
    lines = [f"Registry {summary.registry_name}", "", "Records per table"]
    lines += _table(("table", "records"), [(t, str(n)) for t, n in summary.rows.items()])
    lines += ["", "Patients per site"]
    lines += _table(("site", "patients"), [(s, str(n)) for s, n in summary.patients_per_site])
    lines += ["", "Vital status"]
    lines += _table(("status", "patients"), [(s, str(n)) for s, n in summary.vital_status])
    lines += ["", "Agents"]
    lines += _table(("agent", "setting", "patients", "periods"),
                    [(a.agent, a.setting, str(a.patients), str(a.periods)) for a in summary.agents])
    lines += ["", "Date ranges"]
    lines += _table(("table", "column", "first", "last"),
                    [(d.table, d.column, "" if d.first is None else d.first.isoformat(),
                      "" if d.last is None else d.last.isoformat()) for d in summary.date_ranges])
    lines += ["", "Treatment lines" + (f" ({summary.line_rules})" if summary.line_rules else "")]
    if summary.line_rules is None:
        lines.append("  (not derived yet: `gistreg import` derives them after each import that changes data)")
    else:
        lines += _table(("setting", "line", "patients", "with escalation", "rechallenges"),
                        [(c.setting, str(c.line_no), str(c.patients), str(c.with_escalation), str(c.rechallenges))
                         for c in summary.lines])
    lines += ["", "Loads"]
    for load in summary.loads:
        changed = sum(c.get("inserted", 0) + c.get("updated", 0) for c in load.changes.values())
        cutoff = f", cutoff {load.cutoff.isoformat()}" if load.cutoff else ""
        lines.append(f"  {load.load_id}  {load.loaded_at:%Y-%m-%d %H:%M:%S} UTC  {load.source_name} "
                     f"({load.reader_format}{cutoff}): {_plural(changed, 'record')} inserted or updated")
        lines.extend(f"      {f.name}  sha256 {f.sha256}  {_plural(f.n_rows, 'row')}" for f in load.files)
    if not summary.loads:
        lines.append("  (none)")
    lines += ["", "Stored issues"]
    if summary.stored_issues:
        lines += _table(("rule", "severity", "count"), [(r, s, str(n)) for r, s, n in summary.stored_issues])
    else:
        lines.append("  (none)")
    return "\n".join(lines) + "\n"


__all__ = [
    "ISSUE_CSV_COLUMNS",
    "format_counts",
    "format_import_result",
    "format_issue",
    "format_report",
    "format_summary",
    "issues_csv",
]
