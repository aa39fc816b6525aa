"""Fixtures of the synthetic-registry tests: the default and a scaled export, read back as plain CSV rows.

The derivations here (lines of therapy, best response, Choi response) are written independently of the
library, in plain Python over the CSV files, as a study analyst would compute them.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gistreg.synth import SynthSummary, write_registry

Row = dict[str, str]
D = dt.date.fromisoformat
MONTH = 30.4375


def months(a: dt.date, b: dt.date) -> float:
    return (b - a).days / MONTH


@dataclass
class Line:
    """A palliative line: consecutive exposure rows of one agent (a progression-driven escalation opens a line)."""

    agent: str
    rows: list[Row] = field(default_factory=list)

    @property
    def start(self) -> dt.date:
        return D(self.rows[0]["start_date"])

    @property
    def end(self) -> dt.date | None:
        s = self.rows[-1]["stop_date"]
        return D(s) if s else None

    @property
    def end_reason(self) -> str:
        return self.rows[-1]["stop_reason"]

    @property
    def first_dose(self) -> float:
        return float(self.rows[0]["daily_dose_mg"])

    @property
    def first_schedule(self) -> str:
        return self.rows[0]["schedule"]


class Export:
    """A written export, read with the csv module."""

    def __init__(self, path: Path, summary: SynthSummary) -> None:
        self.path = path
        self.summary = summary
        self._rows: dict[str, list[Row]] = {}
        self._by: dict[str, dict[str, list[Row]]] = {}

    def rows(self, table: str) -> list[Row]:
        if table not in self._rows:
            with (self.path / f"{table}.csv").open(encoding="utf-8", newline="") as f:
                self._rows[table] = list(csv.DictReader(f))
        return self._rows[table]

    def by_patient(self, table: str) -> dict[str, list[Row]]:
        if table not in self._by:
            out: dict[str, list[Row]] = defaultdict(list)
            for r in self.rows(table):
                out[r["patient_id"]].append(r)
            self._by[table] = out
        return self._by[table]

    def patients(self, country: str) -> list[str]:
        countries = {s["site_id"]: s["country"] for s in self.rows("sites")}
        return [p["patient_id"] for p in self.rows("patients") if countries[p["site_id"]] == country]

    def one(self, table: str, pid: str) -> Row:
        (r,) = self.by_patient(table)[pid]
        return r

    def lines(self, pid: str) -> list[Line]:
        """Palliative lines: a new line at an agent switch, a progression-driven dose increase, or a gap > 90 days."""
        rows = sorted((r for r in self.by_patient("drug_exposures").get(pid, []) if r["setting"] == "palliative"),
                      key=lambda r: (r["start_date"], r["exposure_id"]))
        out: list[Line] = []
        for r in rows:
            prev = out[-1].rows[-1] if out else None
            new = (prev is None or r["agent"] != prev["agent"]
                   or (float(r["daily_dose_mg"]) > float(prev["daily_dose_mg"]) and r["start_reason"] == "progression")
                   or (prev["stop_date"] != "" and (D(r["start_date"]) - D(prev["stop_date"])).days > 90))
            if new:
                out.append(Line(r["agent"]))
            out[-1].rows.append(r)
        return out

    def death(self, pid: str) -> dt.date | None:
        v = self.one("vital_status", pid)
        return D(v["death_date"]) if v["death_date"] else None

    def last_contact(self, pid: str) -> dt.date:
        return D(self.one("vital_status", pid)["last_contact_date"])

    def best_response(self, pid: str, start: dt.date, end: dt.date) -> str:
        order = ["CR", "PR", "SD", "PD", "NE"]
        got = [r["tp_response"] or "NE" for r in self.by_patient("tumour_assessments").get(pid, [])
               if start <= D(r["exam_date"]) <= end]
        return min(got, key=order.index) if got else "NE"

    def ecog_near(self, pid: str, at: dt.date, before: int, after: int) -> int | None:
        cand = [(abs((D(r["assessment_date"]) - at).days), (D(r["assessment_date"]) - at).days, int(r["value"]))
                for r in self.by_patient("performance_status").get(pid, [])
                if -before <= (D(r["assessment_date"]) - at).days <= after]
        return min(cand)[2] if cand else None

    def choi(self, pid: str, index: dt.date, landmark: int = 61, window: int = 21) -> str:
        """Choi response at the landmark: responder (size −10 % or HU −15 %), non-responder, or NE."""
        scans = sorted(self.by_patient("tumour_assessments").get(pid, []), key=lambda r: r["exam_date"])

        def day(r: Row) -> int:
            return (D(r["exam_date"]) - index).days

        base = [r for r in scans if r["is_baseline"] == "true" and -42 <= day(r) <= 7
                and (r["sum_diam_mm"] or r["mean_hu"])]
        if not base:
            return "NE"
        b = min(base, key=lambda r: abs(day(r)))
        fu = [r for r in scans if r["is_baseline"] == "false" and day(r) > day(b) and abs(day(r) - landmark) <= window]
        if not fu:
            return "NE"
        f = min(fu, key=lambda r: abs(day(r) - landmark))
        if not f["sum_diam_mm"] and not f["mean_hu"]:
            return "NE"
        ds = (float(f["sum_diam_mm"]) - float(b["sum_diam_mm"])) / float(b["sum_diam_mm"]) if f["sum_diam_mm"] else None
        dh = (float(f["mean_hu"]) - float(b["mean_hu"])) / float(b["mean_hu"]) if f["mean_hu"] else None
        new = f["new_lesion"] == "yes"
        responder = not new and ((ds is not None and ds <= -0.10) or (dh is not None and dh <= -0.15))
        return "responder" if responder else "nonresponder"


@pytest.fixture(scope="session")
def default_export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    path = tmp_path_factory.mktemp("default") / "export"
    return Export(path, write_registry(path))


@pytest.fixture(scope="session")
def scaled_export(tmp_path_factory: pytest.TempPathFactory) -> Export:
    path = tmp_path_factory.mktemp("scaled") / "export"
    return Export(path, write_registry(path, patients=5000, chunk_patients=700))


@pytest.fixture(params=["default", "scaled"])
def any_export(request: pytest.FixtureRequest) -> Iterator[Export]:
    yield request.getfixturevalue(f"{request.param}_export")
