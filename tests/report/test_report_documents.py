"""Tables through their text/CSV forms; the HTML is self-contained; the DOCX reads back with the same cells."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from docx import Document

from gistreg.report.methods import methods_text, results_text
from gistreg.report.tables import render_csv, render_markdown, render_text, study_tables, table1_spec
from gistreg.study.run import StudyResult


def test_csv_and_markdown_carry_the_same_rows(study_results: tuple[StudyResult, ...]) -> None:
    for res in study_results:
        for t in study_tables(res):
            rows = list(csv.reader(io.StringIO(render_csv(t))))
            assert rows[0] == list(t.header)
            assert rows[1:] == [[c.strip() for c in r] for r in t.rows]
            md = render_markdown(t).splitlines()
            assert sum(1 for line in md if line.startswith("| ")) == len(t.rows) + 1
            assert render_text(t).splitlines()[0] == t.title


def test_table1_names_the_test_of_every_tested_row(study_results: tuple[StudyResult, ...]) -> None:
    res = study_results[0]
    t = table1_spec(res)
    tested = [r for r in res.table1 if r.p_value is not None]
    assert tested
    for r in tested:
        assert any(n.endswith(f"{r.label}: {r.test_name}") or f"{r.label}: {r.test_name};" in n for n in t.footnotes)


def test_methods_name_every_method_and_option(study_results: tuple[StudyResult, ...]) -> None:
    for res in study_results:
        m = methods_text(res)
        for word in ("Kaplan-Meier", "log-rank", "Efron", res.spec.line_rules.version, "reverse Kaplan-Meier"):
            assert word in m
        assert f"{res.spec.analyses.conf_type} scale" in m or "log-log" in m
        for r in res.table1:
            if r.p_value is not None:
                assert r.test_name in m
        if res.spec.adverse_events is not None:
            assert f"CTCAE version {res.spec.adverse_events.ctcae_version}" in m
        if res.spec.response is not None:
            assert f"{res.spec.response.criteria} criteria" in m
        assert f"{res.attrition.n_final} were included" in results_text(res)


def _patient_ids(res: StudyResult) -> list[str]:
    return [str(p) for p in res.dataset.column("patient_id").to_pylist()]


def test_html_is_self_contained_and_embeds_every_figure(study_results: tuple[StudyResult, ...],
                                                        report_dir: Path) -> None:
    for res in study_results:
        text = (report_dir / f"{res.spec.id}_report.html").read_text(encoding="utf-8")
        assert "<script" not in text.lower()
        assert not re.search(r"<link[^>]+href", text, re.I)
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)
        n_figs = 1 + len(res.outcomes) + (1 if any(o.hazard_ratios for o in res.outcomes) else 0)
        assert text.count("<svg") == n_figs
        assert res.provenance.spec_sha256 in text
        for t in study_tables(res):
            assert f'<table id="{t.key}">' in text
        ids = _patient_ids(res)
        assert not [p for p in ids if re.search(rf"\b{re.escape(p)}\b", text)]


@pytest.mark.parametrize("which", [0, 1])
def test_docx_tables_read_back_equal_the_csv_form(study_results: tuple[StudyResult, ...], report_dir: Path,
                                                  which: int) -> None:
    res = study_results[which]
    doc = Document(str(report_dir / f"{res.spec.id}_report.docx"))
    word_tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    specs = study_tables(res)
    assert len(word_tables) == 1 + len(specs)  # provenance, then the study tables
    assert word_tables[0][0] == ["Spec file", res.provenance.spec_file]
    for wt, t in zip(word_tables[1:], specs, strict=True):
        assert wt == list(csv.reader(io.StringIO(render_csv(t))))
    assert len(doc.inline_shapes) == 1 + len(res.outcomes) + 1
    body = "\n".join(p.text for p in doc.paragraphs)
    assert methods_text(res) in body
    assert not [p for p in _patient_ids(res) if re.search(rf"\b{re.escape(p)}\b", body)]


def test_figure_files_are_written(study_results: tuple[StudyResult, ...], report_dir: Path) -> None:
    for res in study_results:
        for o in res.outcomes:
            for ext in ("svg", "png"):
                assert (report_dir / f"{res.spec.id}_km_{o.endpoint}.{ext}").stat().st_size > 1000
        assert (report_dir / f"{res.spec.id}_flowchart.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
        assert (report_dir / f"{res.spec.id}_forest.png").read_bytes()[:4] == b"\x89PNG"
