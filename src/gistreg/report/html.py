"""A self-contained HTML report of one study: inline CSS and inline SVG figures, no scripts, no network."""

from __future__ import annotations

import html
from collections.abc import Sequence

from gistreg.report.methods import methods_text, results_text
from gistreg.report.tables import TableSpec, study_tables
from gistreg.study.run import StudyResult

_CSS = """body{font-family:Georgia,serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{padding:0.2em 0.6em;text-align:left;
vertical-align:top}thead th{border-top:2px solid #222;border-bottom:1px solid #222}
tbody tr:last-child td{border-bottom:2px solid #222}td.indent{padding-left:1.8em}
.notes{font-size:0.8em;color:#444}figure{margin:1em 0}dl.prov dt{font-weight:bold}"""


def render_html_table(t: TableSpec) -> str:
    """One table as HTML (the same header, rows and footnotes as every other form)."""
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in t.header)
    body = []
    for r in t.rows:
        cells = "".join(f'<td class="indent">{e(c.strip())}</td>' if c.startswith("  ") else f"<td>{e(c)}</td>"
                        for c in r)
        body.append(f"<tr>{cells}</tr>")
    notes = "".join(f"<p>{e(n)}</p>" for n in t.footnotes)
    return (f'<table id="{e(t.key)}"><caption>{e(t.title)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>" + (f'<div class="notes">{notes}</div>' if notes else ""))


def provenance_rows(res: StudyResult) -> list[tuple[str, str]]:
    """The provenance block as (label, value) pairs."""
    p = res.provenance
    rows = [("Spec file", p.spec_file), ("Spec SHA-256", p.spec_sha256), ("gistreg version", p.gistreg_version),
            ("Data cut", p.data_cut.isoformat()), ("Line rules", p.line_rules), ("Run at (UTC)", p.run_at)]
    rows += [(f"Input file {name}", sha) for name, sha in p.input_files]
    return rows


def _svg_inline(svg: bytes) -> str:
    text = svg.decode("utf-8")
    start = text.find("<svg")
    return text[start:] if start >= 0 else text


def render_html(res: StudyResult, figures: Sequence[tuple[str, bytes]]) -> str:
    """The whole report; ``figures`` are (caption, SVG bytes) pairs embedded inline."""
    e = html.escape
    tables = study_tables(res)
    prov = "".join(f"<dt>{e(k)}</dt><dd><code>{e(v)}</code></dd>" for k, v in provenance_rows(res))
    figs = "".join(f"<figure>{_svg_inline(svg)}<figcaption>{e(cap)}</figcaption></figure>" for cap, svg in figures)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{e(res.spec.title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{e(res.spec.title)}</h1>"
        f"<h2>Provenance</h2><dl class=\"prov\">{prov}</dl>"
        f"<h2>Methods</h2><p>{e(methods_text(res))}</p>"
        f"<h2>Results</h2><p>{e(results_text(res))}</p>"
        + "".join(render_html_table(t) for t in tables)
        + f"<h2>Figures</h2>{figs}</body></html>\n"
    )


__all__ = ["provenance_rows", "render_html", "render_html_table"]
