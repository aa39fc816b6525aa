"""A Word (DOCX) report of one study with real Word tables and PNG figures (python-docx, imported lazily)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from gistreg.report.html import provenance_rows
from gistreg.report.methods import methods_text, results_text
from gistreg.report.tables import study_tables
from gistreg.study.run import StudyResult


def write_docx(res: StudyResult, figures: Sequence[tuple[str, bytes]], path: Path) -> Path:
    """Write the report to ``path``; ``figures`` are (caption, PNG bytes) pairs. Table cells equal the CSV form."""
    from docx import Document
    from docx.shared import Cm, Pt

    doc = Document()
    doc.add_heading(res.spec.title, level=0)
    doc.add_heading("Provenance", level=1)
    prov = provenance_rows(res)
    pt = doc.add_table(rows=len(prov), cols=2)
    pt.style = "Table Grid"
    for i, (k, v) in enumerate(prov):
        pt.cell(i, 0).text = k
        pt.cell(i, 1).text = v
    doc.add_heading("Methods", level=1)
    doc.add_paragraph(methods_text(res))
    doc.add_heading("Results", level=1)
    doc.add_paragraph(results_text(res))
    for t in study_tables(res):
        doc.add_paragraph(t.title).runs[0].bold = True
        wt = doc.add_table(rows=1 + len(t.rows), cols=len(t.header))
        wt.style = "Table Grid"
        for j, h in enumerate(t.header):
            wt.cell(0, j).text = h
        for i, r in enumerate(t.rows, start=1):
            for j, c in enumerate(r):
                wt.cell(i, j).text = c.strip()
        for i, row in enumerate(wt.rows):
            for cell in row.cells:
                for run in (r for par in cell.paragraphs for r in par.runs):
                    run.font.size = Pt(8)
                    run.bold = i == 0
        for n in t.footnotes:
            doc.add_paragraph(n).runs[0].font.size = Pt(8)
    doc.add_heading("Figures", level=1)
    for cap, png in figures:
        doc.add_picture(io.BytesIO(png), width=Cm(16))
        doc.add_paragraph(cap)
    doc.save(str(path))
    return path


__all__ = ["write_docx"]
