"""Text and CSV renderings of reports, import results and summaries (pure functions)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from types import MappingProxyType

from gistreg.core.issues import Issue, ValidationReport
from gistreg.registry.provenance import LoadedFile, LoadRecord
from gistreg.registry.report_text import (
    ISSUE_CSV_COLUMNS,
    format_counts,
    format_import_result,
    format_issue,
    format_report,
    format_summary,
    issues_csv,
)
from gistreg.registry.schema import TABLES
from gistreg.registry.store import ImportResult, TableChanges
from gistreg.registry.summary import AgentUse, DateRange, LineCount, RegistrySummary

ISSUES = [
    Issue("D03", "error", "drug_exposures.csv", 14, "stop_date", "2019-01-01",
          "stop date 2019-01-01 is before the start date 2019-02-01", "drug_exposures", "E14"),
    *(Issue("L05", "warning", "drug_exposures.csv", r, "daily_dose_mg", "450",
            "daily dose 450 mg is not an allowed imatinib dose (100, 200, 300, 400, 600, 800)", "drug_exposures",
            f"E{r}") for r in (3, 9, 4)),
    Issue("T01", "error", "patients.csv", 7, "birth_date", "1950-02-30",
          "is not a valid date (expected YYYY-MM-DD)", "patients", "P7"),
]


def test_counts_line_uses_singular_and_plural() -> None:
    assert format_counts(ValidationReport.of(ISSUES)) == "2 errors, 3 warnings, 0 notes"
    assert format_counts(ValidationReport()) == "0 errors, 0 warnings, 0 notes"


def test_issue_line_names_location_then_message_and_adds_value_only_when_missing() -> None:
    assert format_issue(ISSUES[0]) == ("drug_exposures.csv row 14, column stop_date: stop date 2019-01-01 is "
                                       "before the start date 2019-02-01")
    assert format_issue(ISSUES[4]) == ("patients.csv row 7, column birth_date: is not a valid date "
                                       "(expected YYYY-MM-DD) (value '1950-02-30')")


def test_report_groups_by_rule_errors_first_and_truncates() -> None:
    text = format_report(ValidationReport.of(ISSUES), rule_titles={"L05": "Dose not allowed"}, max_per_rule=2)
    assert text == (
        "Validation: 2 errors, 3 warnings, 0 notes.\n"
        "\n"
        "D03  error  1 issue\n"
        "  drug_exposures.csv row 14, column stop_date: stop date 2019-01-01 is before the start date 2019-02-01\n"
        "\n"
        "T01  error  1 issue\n"
        "  patients.csv row 7, column birth_date: is not a valid date (expected YYYY-MM-DD) (value '1950-02-30')\n"
        "\n"
        "L05  warning  3 issues  Dose not allowed\n"
        "  drug_exposures.csv row 3, column daily_dose_mg: daily dose 450 mg is not an allowed imatinib dose "
        "(100, 200, 300, 400, 600, 800)\n"
        "  drug_exposures.csv row 4, column daily_dose_mg: daily dose 450 mg is not an allowed imatinib dose "
        "(100, 200, 300, 400, 600, 800)\n"
        "  … and 1 more\n"
    )


def test_text_report_leaves_out_record_ids_but_csv_has_them() -> None:
    report = ValidationReport.of(ISSUES)
    assert "E14" not in format_report(report)
    rows = list(csv.DictReader(io.StringIO(issues_csv(report))))
    assert tuple(rows[0]) == ISSUE_CSV_COLUMNS
    assert len(rows) == len(ISSUES)
    assert rows[0] == {"rule": "D03", "severity": "error", "table": "drug_exposures", "file": "drug_exposures.csv",
                       "row": "14", "column": "stop_date", "value": "2019-01-01",
                       "message": "stop date 2019-01-01 is before the start date 2019-02-01", "record_id": "E14"}


def test_csv_quotes_commas_and_leaves_missing_fields_empty() -> None:
    issue = Issue("S01", "info", "", None, None, None, "a, b and \"c\"", "sites")
    assert issues_csv(ValidationReport.of([issue])).splitlines()[1] == 'S01,info,sites,,,,,"a, b and ""c""",'


def _result(load_id: int | None) -> ImportResult:
    changes = {t: TableChanges(0, 0, 0, 0) for t in TABLES}
    changes["patients"] = TableChanges(3, 1, 20, 2)
    return ImportResult(load_id, MappingProxyType(changes), ValidationReport.of(ISSUES[1:4]), "export-2024", ())


def test_import_result_lists_every_table_with_counts() -> None:
    text = format_import_result(_result(4))
    lines = text.splitlines()
    assert lines[0] == "Imported export-2024 as load 4 (0 files)."
    assert lines[2] == "  table               inserted  updated  unchanged  not in export"
    assert "  patients                   3        1         20              2" in lines
    assert sum(1 for line in lines if line.startswith("  ") and line.split()[0] in TABLES) == len(TABLES)
    assert lines[-1] == "Validation: 0 errors, 3 warnings, 0 notes."


def test_import_result_says_when_nothing_changed() -> None:
    assert format_import_result(_result(None)).startswith(
        "Nothing changed: every record of export-2024 is already in the registry with the same data; "
        "no load was recorded.\n"
    )


def test_summary_text_has_counts_hashes_and_no_identifiers() -> None:
    load = LoadRecord(1, datetime(2024, 7, 1, 12, 30, 5), "export-2024", "csv",
                      (LoadedFile("patients.csv", "ab" * 32, 5, ("patients",)),),
                      {"patients": {"inserted": 5, "updated": 0, "unchanged": 0, "not_in_export": 0}},
                      date(2024, 6, 30), "0.1.0")
    summary = RegistrySummary(
        "reg.duckdb", MappingProxyType({"sites": 2, "patients": 5}), (("A01", 3), ("B01", 2)),
        (("alive", 3), ("dead", 2)), (AgentUse("imatinib", "palliative", 4, 6),),
        (DateRange("diagnoses", "diagnosis_date", date(2010, 4, 20), date(2019, 1, 15)),), (load,),
        (("L05", "warning", 3),),
        (LineCount("curative", 1, 2, 0, 0), LineCount("palliative", 2, 10, 3, 1)), "rules-1",
    )
    text = format_summary(summary)
    assert "  A01          3" in text
    assert "  imatinib  palliative         4        6" in text
    assert "  diagnoses  diagnosis_date  2010-04-20  2019-01-15" in text
    assert "  1  2024-07-01 12:30:05 UTC  export-2024 (csv, cutoff 2024-06-30): 5 records inserted or updated" in text
    assert f"      patients.csv  sha256 {'ab' * 32}  5 rows" in text
    assert "  L05   warning       3" in text
    assert (
        "Treatment lines (rules-1)\n"
        "  setting     line  patients  with escalation  rechallenges\n"
        "  curative       1         2                0             0\n"
        "  palliative     2        10                3             1\n"
    ) in text


def test_report_without_counts_line_starts_with_the_first_rule() -> None:
    text = format_report(ValidationReport.of(ISSUES[:2]), counts_line=False, max_per_rule=0)
    assert text == "D03  error  1 issue\n  … and 1 more\n\nL05  warning  1 issue\n  … and 1 more\n"


def test_summary_says_when_no_lines_are_stored() -> None:
    summary = RegistrySummary("reg.duckdb", MappingProxyType({}), (), (), (), (), (), ())
    assert "Treatment lines\n  (not derived yet: `gistreg import` derives them" in format_summary(summary)
