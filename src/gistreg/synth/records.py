"""Row builder for the small calibrated cohorts: one :class:`PatientRecord` per patient, rows kept in memory.

Dates are day ordinals (``datetime.date.toordinal``) inside the generators and become ISO dates here. Record
identifiers derive from the patient pseudonym (``<patient>-X1`` for the first exposure, …), so they are stable
and unique without a global counter.
"""

from __future__ import annotations

import datetime as dt

from gistreg.registry.schema import TABLES
from gistreg.synth.writer import Cell, format_row


def _d(ordinal: int | None) -> dt.date | None:
    return None if ordinal is None else dt.date.fromordinal(int(ordinal))


class RowBuffer:
    """Formatted rows per canonical table."""

    def __init__(self) -> None:
        self.rows: dict[str, list[tuple[str, ...]]] = {t: [] for t in TABLES}

    def add(self, table: str, **values: Cell) -> None:
        """Append one row of ``table``."""
        self.rows[table].append(format_row(table, values))

    def count(self, table: str) -> int:
        """Rows of ``table`` so far."""
        return len(self.rows[table])


class PatientRecord:
    """Builds the rows of one patient.

    Parameters
    ----------
    buf
        Buffer the rows go to.
    pid
        Registry pseudonym.
    site_id
        Reporting centre.
    """

    def __init__(self, buf: RowBuffer, pid: str, site_id: str) -> None:
        self.buf = buf
        self.pid = pid
        self.site_id = site_id
        self._n: dict[str, int] = {}
        self.last_event = 0  # latest day of any dated row, to keep the last contact after it

    def _id(self, prefix: str) -> str:
        k = self._n.get(prefix, 0) + 1
        self._n[prefix] = k
        return f"{self.pid}-{prefix}{k}"

    def _seen(self, *days: int | None) -> None:
        for d in days:
            if d is not None and d > self.last_event:
                self.last_event = int(d)

    def patient(self, sex: str, birth: int, entry: int) -> None:
        """The ``patients`` row."""
        self.buf.add("patients", patient_id=self.pid, site_id=self.site_id, sex=sex, birth_date=_d(birth),
                     birth_date_precision="D", registry_entry_date=_d(entry))

    def diagnosis(self, when: int, site: str, stage: str, *, size_mm: float | None, mitoses: int | None,
                  unit: str | None, rupture: str = "no") -> None:
        """The ``diagnoses`` row."""
        self._seen(when)
        self.buf.add("diagnoses", diagnosis_id=self._id("D"), patient_id=self.pid, diagnosis_date=_d(when),
                     diagnosis_date_precision="D", primary_site=site, size_mm=size_mm, mitotic_count=mitoses,
                     mitotic_unit=unit if mitoses is not None else None, stage_at_dx=stage, rupture=rupture)

    def mutation(self, when: int | None, gene: str | None, exon: int | None, variant: str | None,
                 genotype_class: str) -> None:
        """The ``mutations`` row (one per patient: the primary driver's class)."""
        self._seen(when)
        self.buf.add("mutations", mutation_id=self._id("M"), patient_id=self.pid, test_date=_d(when), gene=gene,
                     exon=exon, variant=variant, genotype_class=genotype_class)

    def exposure(self, agent: str, dose: float, schedule: str, setting: str, start: int, start_reason: str, *,
                 stop: int | None = None, stop_reason: str | None = None, trial_id: str | None = None) -> str:
        """A constant-dose period; returns its id."""
        self._seen(start, stop)
        eid = self._id("X")
        self.buf.add("drug_exposures", exposure_id=eid, patient_id=self.pid, agent=agent, daily_dose_mg=dose,
                     schedule=schedule, setting=setting, start_date=_d(start), start_date_precision="D",
                     start_reason=start_reason, stop_date=_d(stop), stop_date_precision="D" if stop else None,
                     stop_reason=stop_reason, trial_id=trial_id)
        return eid

    def scan(self, when: int, *, baseline: bool, size: float | None, hu: float | None, response: str | None,
             new_lesion: str | None = "no", nontarget: str | None = "nonCR_nonPD", modality: str = "CT") -> None:
        """A ``tumour_assessments`` row."""
        self._seen(when)
        self.buf.add("tumour_assessments", assessment_id=self._id("A"), patient_id=self.pid, exam_date=_d(when),
                     modality=modality, is_baseline=baseline, sum_diam_mm=size, mean_hu=hu,
                     nontarget=nontarget, new_lesion=new_lesion, tp_response=response)

    def progression(self, when: int, basis: str = "recist11") -> None:
        """A ``progressions`` row."""
        self._seen(when)
        self.buf.add("progressions", progression_id=self._id("P"), patient_id=self.pid,
                     progression_date=_d(when), basis=basis)

    def ps(self, when: int, value: int, context: str = "line_baseline") -> None:
        """An ECOG ``performance_status`` row."""
        self._seen(when)
        self.buf.add("performance_status", ps_id=self._id("S"), patient_id=self.pid, assessment_date=_d(when),
                     scale="ECOG", value=value, context=context)

    def adverse_event(self, term: str, version: str, grade: int, onset: int, end: int | None, *,
                      attribution: str, action: str = "none") -> None:
        """An ``adverse_events`` row."""
        self._seen(onset, end)
        self.buf.add("adverse_events", ae_id=self._id("E"), patient_id=self.pid, term=term, ctcae_version=version,
                     grade=grade, onset_date=_d(onset), end_date=_d(end), attribution=attribution, action=action)

    def metastasis(self, when: int, site: str, synchronous: bool) -> None:
        """A ``metastases`` row."""
        self._seen(when)
        self.buf.add("metastases", metastasis_id=self._id("T"), patient_id=self.pid, detected_date=_d(when),
                     site=site, synchronous=synchronous)

    def surgery(self, when: int, procedure: str, margin: str | None) -> None:
        """A ``surgeries`` row."""
        self._seen(when)
        self.buf.add("surgeries", surgery_id=self._id("O"), patient_id=self.pid, surgery_date=_d(when),
                     procedure=procedure, margin=margin)

    def vital(self, last_contact: int, status: str, *, death: int | None = None, cause: str | None = None,
              contact_type: str = "visit") -> None:
        """The ``vital_status`` row."""
        self.buf.add("vital_status", patient_id=self.pid, last_contact_date=_d(last_contact),
                     last_contact_type=contact_type, status=status, death_date=_d(death),
                     death_date_precision="D" if death else None, cause=cause)


__all__ = ["PatientRecord", "RowBuffer"]
