"""Speed of typing and validating a large staged export (``validate_staged``), generated in DuckDB with range().

Each synthetic patient has 18 rows over the 12 canonical tables (4 drug exposures, 4 tumour assessments,
3 progressions, …), dated relative to a per-patient shift; one patient in 1,000 has an invalid date, one in
500 an unusual dose. Run::

    .venv/bin/python benchmarks/validation_speed.py --patients 1000000

and it prints the row count, the time of typing + rules, and the issue counts per rule. ``--today 2016-01-01``
makes most dates lie in the future, to time a report with millions of issues.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections import Counter

import duckdb

from gistreg.ingest.base import SourceFile, StagedExport
from gistreg.registry.schema import TABLES
from gistreg.registry.validate import validate_staged


def _d(offset_days: str, base: str = "2015-01-05") -> str:
    return f"strftime(DATE '{base}' + CAST({offset_days} AS INTEGER), '%Y-%m-%d')"


def _sql(n: int) -> dict[str, str]:
    pid = "'P' || lpad(CAST(i AS VARCHAR), 8, '0')"
    s = "(i % 1500)"  # per-patient shift in days
    pat = f"FROM range({n}) t(i)"
    exp = [  # (suffix, agent, dose, schedule, setting, start offset, stop offset, start reason, stop reason)
        ("a", "imatinib", "400", "daily", "adjuvant", 55, 1151, "initial", "planned_completion"),
        ("b", "imatinib", "CASE WHEN i % 500 = 0 THEN '250' ELSE '400' END", "daily", "palliative", 1622, 2003,
         "initial", "dose_change"),
        ("c", "imatinib", "800", "bid", "palliative", 2004, 2218, "progression", "progression"),
        ("d", "sunitinib", "50", "4on2off", "palliative", 2228, None, "initial", None),
    ]
    exposures = " UNION ALL ".join(
        f"SELECT 'E' || i || '{sfx}' AS exposure_id, {pid} AS patient_id, '{agent}' AS agent, "
        f"{dose if dose.startswith('CASE') else repr(dose)} AS daily_dose_mg, '{sch}' AS schedule, "
        f"'{setting}' AS setting, {_d(f'{s} + {a}')} AS start_date, NULL AS start_date_precision, "
        f"'{sr}' AS start_reason, {_d(f'{s} + {b}') if b is not None else 'NULL'} AS stop_date, "
        f"NULL AS stop_date_precision, {repr(st) if st else 'NULL'} AS stop_reason, NULL AS trial_id, "
        f"'drug_exposures.csv' AS source_file, 4 * i + {k + 2} AS source_row {pat}"
        for k, (sfx, agent, dose, sch, setting, a, b, sr, st) in enumerate(exp)
    )
    ta = [("a", 1617, "true", None, "no"), ("b", 1714, "false", "PR", "no"), ("c", 1993, "false", "PD", "yes"),
          ("d", 2223, "true", None, "no")]
    assessments = " UNION ALL ".join(
        f"SELECT 'T' || i || '{sfx}', {pid}, {_d(f'{s} + {off}')}, 'CT', '{base}', '50', '60', 'none', '{new}', "
        f"{repr(tp) if tp else 'NULL'}, 'tumour_assessments.csv', 4 * i + {k + 2} {pat}"
        for k, (sfx, off, base, tp, new) in enumerate(ta)
    )
    prog = " UNION ALL ".join(
        f"SELECT 'PR' || i || '{sfx}', {pid}, {_d(f'{s} + {off}')}, 'recist11', 'progressions.csv', "
        f"3 * i + {k + 2} {pat}"
        for k, (sfx, off) in enumerate([("a", 1608), ("b", 1998), ("c", 2212)])
    )
    bad_date = f"CASE WHEN i % 1000 = 7 THEN '2019-02-30' ELSE {_d(s)} END"
    return {
        "sites": "SELECT 'S' || i, 'Centre ' || i, 'NL', NULL, 'sites.csv', i + 2 FROM range(10) t(i)",
        "patients": f"SELECT {pid}, 'S' || (i % 10), CASE WHEN i % 2 = 0 THEN 'M' ELSE 'F' END, "
                    f"{_d('i % 20000', '1930-01-01')}, NULL, {_d(s, '2015-01-10')}, 'patients.csv', i + 2 {pat}",
        "diagnoses": f"SELECT 'DX' || i, {pid}, {bad_date}, NULL, 'stomach', CAST(20 + i % 150 AS VARCHAR), "
                     f"CASE WHEN i % 4 = 0 THEN NULL ELSE CAST(i % 12 AS VARCHAR) END, "
                     f"CASE WHEN i % 4 = 0 THEN NULL ELSE 'per_5mm2' END, 'localized', 'no', 'diagnoses.csv', i + 2 "
                     f"{pat}",
        "surgeries": f"SELECT 'SU' || i, {pid}, {_d(f'{s} + 27')}, 'primary_resection', 'R0', 'surgeries.csv', i + 2 "
                     f"{pat}",
        "mutations": f"SELECT 'MU' || i, {pid}, {_d(f'{s} + 15')}, 'KIT', '11', 'p.W557_K558del', 'KIT_EX11', "
                     f"'mutations.csv', i + 2 {pat}",
        "drug_exposures": exposures,
        "tumour_assessments": assessments,
        "progressions": prog,
        "performance_status": f"SELECT 'PS' || i, {pid}, {_d(f'{s} + 1619')}, 'ECOG', '1', 'line_baseline', "
                              f"'performance_status.csv', i + 2 {pat}",
        "adverse_events": f"SELECT 'AE' || i, {pid}, 'Nausea', '5.0', '2', {_d(f'{s} + 1638')}, "
                          f"{_d(f'{s} + 1657')}, 'probable', 'none', 'adverse_events.csv', i + 2 {pat}",
        "metastases": f"SELECT 'M' || i, {pid}, {_d(f'{s} + 1608')}, 'liver', 'false', 'metastases.csv', i + 2 {pat}",
        "vital_status": f"SELECT {pid}, {_d(f'{s} + 2700')}, 'visit', 'alive', NULL, NULL, NULL, 'vital_status.csv', "
                        f"i + 2 {pat}",
    }


def stage(con: duckdb.DuckDBPyConnection, n: int) -> StagedExport:
    """Create ``stage_<table>`` for ``n`` synthetic patients."""
    counts: dict[str, int] = {}
    for name, select in _sql(n).items():
        cols = [*TABLES[name].column_names, "source_file", "source_row"]
        casts = ", ".join(f'CAST(c{k} AS {"BIGINT" if c == "source_row" else "VARCHAR"}) AS "{c}"'
                          for k, c in enumerate(cols))
        aliases = ", ".join(f"c{k}" for k in range(len(cols)))
        con.execute(f'CREATE OR REPLACE TABLE "stage_{name}" AS SELECT {casts} FROM ({select}) s({aliases})')
        row = con.execute(f'SELECT count(*) FROM "stage_{name}"').fetchone()
        counts[name] = int(row[0]) if row else 0
    files = tuple(SourceFile(f"{t}.csv", "0" * 64, "csv", (t,), c) for t, c in counts.items())
    return StagedExport(counts, files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date(2030, 1, 1),
                        help="reference for future dates; an early day makes most dates an issue (D08)")
    args = parser.parse_args()
    con = duckdb.connect()
    t0 = time.perf_counter()
    staged = stage(con, args.patients)
    t1, c1 = time.perf_counter(), time.process_time()
    report = validate_staged(con, staged, cutoff=dt.date(2029, 12, 31), today=args.today)
    t2, c2 = time.perf_counter(), time.process_time()
    print(f"patients: {args.patients:,}; staged rows: {sum(staged.row_counts.values()):,}")
    print(f"staging (generation): {t1 - t0:.1f} s; validate_staged (typing + rules): {t2 - t1:.1f} s wall, "
          f"{c2 - c1:.1f} s CPU (all threads)")
    print(f"issues: {len(report):,}", dict(sorted(Counter(f"{i.rule} {i.severity}" for i in report).items())))


if __name__ == "__main__":
    main()
