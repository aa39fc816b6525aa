"""Write every report artefact of a study into a folder: figures (SVG, PNG), the HTML and the DOCX report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from gistreg.report.docx import write_docx
from gistreg.report.figures import figure_bytes, flowchart_figure, forest_figure, km_figure
from gistreg.report.html import render_html
from gistreg.study.run import StudyResult


def write_report(res: StudyResult, out: Path) -> list[Path]:
    """Write ``<id>_km_<endpoint>.svg/.png``, ``<id>_flowchart.svg/.png``, ``<id>_forest.svg/.png``,
    ``<id>_report.html`` and ``<id>_report.docx`` into ``out``; return the paths written."""
    import matplotlib.pyplot as plt

    out.mkdir(parents=True, exist_ok=True)
    sid = res.spec.id
    figs = [("Figure 1. Patient selection", f"{sid}_flowchart", flowchart_figure(res.attrition)[1])]
    for k, o in enumerate(res.outcomes, start=2):
        figs.append((f"Figure {k}. Kaplan-Meier estimate: {o.label or o.endpoint}", f"{sid}_km_{o.endpoint}",
                     km_figure(o, ci_bands=True)[1]))
    if any(o.hazard_ratios for o in res.outcomes):
        figs.append((f"Figure {len(figs) + 1}. Hazard ratios", f"{sid}_forest", forest_figure(res.outcomes)[1]))
    written: list[Path] = []
    svgs, pngs = [], []
    for cap, stem, fig in figs:
        svgs.append((cap, figure_bytes(fig, "svg")))
        pngs.append((cap, figure_bytes(fig, "png")))
        for fmt, data in (("svg", svgs[-1][1]), ("png", pngs[-1][1])):
            p = out / f"{stem}.{fmt}"
            p.write_bytes(data)
            written.append(p)
        plt.close(fig)
    html_path = out / f"{sid}_report.html"
    html_path.write_text(render_html(res, svgs), encoding="utf-8")
    written.append(html_path)
    written.append(write_docx(res, pngs, out / f"{sid}_report.docx"))
    return written



def bundled_study_specs() -> list[Path]:
    """The study specs shipped with the package (copies of the repository's ``studies/`` folder)."""
    from importlib.resources import files

    root = Path(str(files("gistreg") / "data" / "studies"))
    return sorted(root.glob("*.yaml"))


def run_bundled_studies(registry: Path, out: Path, *, say: Callable[[str], None]) -> list[Path]:
    """Run every bundled study over ``registry``; write its records and the full report into ``out``."""
    from gistreg.cohort.spec import load_spec
    from gistreg.study.output import write_study_outputs
    from gistreg.study.run import open_registry, run_study

    written: list[Path] = []
    for path in bundled_study_specs():
        spec = load_spec(path)
        say(f"running study {spec.id} …")
        sid = spec.id

        def progress(m: str, sid: str = sid) -> None:
            say(f"{sid}: {m}")

        res = run_study(spec, open_registry(str(registry)), progress=progress)
        written += write_study_outputs(res, out)
        say(f"{spec.id}: writing the report")
        written += write_report(res, out)
    return written


__all__ = ["bundled_study_specs", "run_bundled_studies", "write_report"]
