"""Journal figures of a study: Kaplan-Meier curves with a number-at-risk table, attrition flowchart, forest plot.

Each drawing function returns the data it drew (a frozen dataclass) together with the matplotlib figure, so
tests can check a figure through its data (step coordinates, at-risk counts under each tick) and not its
pixels. matplotlib is imported inside the functions (Agg backend), so importing this module stays light.
Colours are the Okabe-Ito colour-blind-safe palette; widths follow journal column sizes (17 cm full width).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gistreg.cohort.attrition import Attrition
from gistreg.report import format as f
from gistreg.study.outcomes import EndpointOutcome

#: Okabe & Ito (2008) colour-blind-safe palette, without black.
OKABE_ITO = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
CM = 1 / 2.54
FULL_WIDTH_CM = 17.0


@dataclass(frozen=True, slots=True)
class KMArmData:
    """What was drawn for one arm: the step function, censor marks, CI band, median and at-risk numbers."""

    arm: str
    colour: str
    step_time: NDArray[np.float64]
    step_survival: NDArray[np.float64]
    ci_lower: NDArray[np.float64]
    ci_upper: NDArray[np.float64]
    censor_time: NDArray[np.float64]
    censor_survival: NDArray[np.float64]
    median: float
    n_at_risk: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class KMPlotData:
    """The data of a Kaplan-Meier figure: per-arm curves, the x ticks, and the annotation text."""

    endpoint: str
    title: str
    arms: tuple[KMArmData, ...]
    ticks: NDArray[np.float64]
    annotation: str
    ci_bands: bool


@dataclass(frozen=True, slots=True)
class FlowchartData:
    """The boxes of an attrition flowchart: main column (top to bottom), side exclusions, and the arms."""

    main_boxes: tuple[str, ...]
    exclusion_boxes: tuple[str, ...]
    arm_boxes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ForestData:
    """The rows of a forest plot of hazard ratios."""

    labels: tuple[str, ...]
    hr: tuple[float, ...]
    ci_lower: tuple[float, ...]
    ci_upper: tuple[float, ...]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "font.family": "DejaVu Sans", "svg.hashsalt": "gistreg",
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def nice_ticks(t_max: float) -> NDArray[np.float64]:
    """Ticks from 0 every 3, 6, 12, 24, … months, at most about 8 intervals, covering ``t_max``."""
    step = 3.0
    while t_max / step > 8:
        step *= 2
    n = max(1, math.ceil(t_max / step))
    return np.arange(n + 1, dtype=np.float64) * step


def km_plot_data(o: EndpointOutcome, *, ticks: NDArray[np.float64] | None = None,
                 ci_bands: bool = False) -> KMPlotData:
    """Collect what a Kaplan-Meier figure of ``o`` shows, without drawing."""
    km = o.km
    present = [a for a in o.arms if a in km.groups]
    t_max = max((float(km.curve(a).time.max()) if km.curve(a).time.size else 0.0) for a in present)
    tk = nice_ticks(t_max) if ticks is None else np.asarray(ticks, dtype=np.float64)
    rt = km.risk_table(tk)
    arms: list[KMArmData] = []
    for k, a in enumerate(present):
        c = km.curve(a)
        cens = c.n_censor_count > 0
        arms.append(KMArmData(
            arm=a, colour=OKABE_ITO[k % len(OKABE_ITO)],
            step_time=np.concatenate([[0.0], c.time]), step_survival=np.concatenate([[1.0], c.survival]),
            ci_lower=np.concatenate([[1.0], c.ci_lower]), ci_upper=np.concatenate([[1.0], c.ci_upper]),
            censor_time=c.time[cens], censor_survival=c.survival[cens],
            median=float(o.median[o.arms.index(a)]),
            n_at_risk=tuple(int(x) for x in rt.n_risk_count[rt.groups.index(a)]),
        ))
    parts = []
    for h in o.hazard_ratios:
        parts.append(f"HR {h.arm} vs {h.reference} {f.hazard_ratio(h.hr, h.ci_lower, h.ci_upper)}")
    if o.logrank is not None:
        parts.append(f"log-rank p = {f.pvalue(o.logrank.p_value)}")
    return KMPlotData(o.endpoint, o.label, tuple(arms), tk, "\n".join(parts), ci_bands)


def km_figure(o: EndpointOutcome, *, ticks: NDArray[np.float64] | None = None, ci_bands: bool = False,
              width_cm: float = FULL_WIDTH_CM, ylabel: str = "Probability") -> tuple[KMPlotData, Any]:
    """Kaplan-Meier step curves per arm with censor marks, medians, HR/p text and a number-at-risk table.

    Returns the plotted data and the matplotlib figure (close it with ``plt.close(fig)`` or :func:`save_figure`).
    """
    plt = _pyplot()
    d = km_plot_data(o, ticks=ticks, ci_bands=ci_bands)
    n_arms = len(d.arms)
    fig = plt.figure(figsize=(width_cm * CM, (9.0 + 0.5 * n_arms) * CM))
    table_h = 0.06 * (n_arms + 1)
    ax = fig.add_axes((0.22, 0.12 + table_h + 0.08, 0.76, 0.78 - table_h - 0.08))
    rt_ax = fig.add_axes((0.22, 0.06, 0.76, table_h), sharex=ax)
    for a in d.arms:
        ax.step(a.step_time, a.step_survival, where="post", color=a.colour, lw=1.3, label=a.arm)
        if ci_bands:
            ax.fill_between(a.step_time, a.ci_lower, a.ci_upper, step="post", color=a.colour, alpha=0.15, lw=0)
        ax.plot(a.censor_time, a.censor_survival, "|", color=a.colour, ms=5, mew=0.9)
        if np.isfinite(a.median):
            ax.plot([0, a.median, a.median], [0.5, 0.5, 0.0], ls=":", lw=0.7, color=a.colour)
    ax.set_xlim(0, float(d.ticks[-1]))
    ax.set_ylim(0, 1.02)
    ax.set_xticks(d.ticks)
    ax.set_xlabel("Months")
    ax.set_ylabel(ylabel)
    ax.set_title(d.title, loc="left", fontsize=9)
    ax.legend(frameon=False, loc="upper right")
    if d.annotation:
        ax.text(0.02, 0.04, d.annotation, transform=ax.transAxes, va="bottom", ha="left", fontsize=7.5)
    rt_ax.set_ylim(-0.5, n_arms - 0.5)
    rt_ax.set_yticks(range(n_arms))
    rt_ax.set_yticklabels([a.arm for a in reversed(d.arms)])
    for k, a in enumerate(reversed(d.arms)):
        rt_ax.get_yticklabels()[k].set_color(a.colour)
        for t, n in zip(d.ticks, a.n_at_risk, strict=True):
            rt_ax.text(float(t), k, str(n), ha="center", va="center", fontsize=7.5, color=a.colour)
    rt_ax.set_title("Number at risk", loc="left", fontsize=7.5)
    rt_ax.tick_params(axis="x", labelbottom=False, length=0)
    rt_ax.tick_params(axis="y", length=0, pad=14)
    for side in ("left", "bottom"):
        rt_ax.spines[side].set_visible(False)
    return d, fig


def flowchart_data(a: Attrition) -> FlowchartData:
    """The flowchart's box texts: population and each step's remaining count, exclusions with reasons, arms."""
    main = [f"{a.population}\nn = {a.n_population}"]
    excl = []
    for s in a.steps:
        main.append(f"{s.label}\nn = {s.n_out}")
        excl.append(f"Excluded n = {s.n_excluded}\n{s.reason}")
    arms = tuple(f"{name}\nn = {n}" for name, n in a.arms)
    return FlowchartData(tuple(main), tuple(excl), arms)


def _wrap(text: str, width: int = 38) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.split("\n"))


def flowchart_figure(a: Attrition, *, width_cm: float = FULL_WIDTH_CM) -> tuple[FlowchartData, Any]:
    """Attrition flowchart: boxes with counts down the middle, exclusion boxes with reasons, split into arms."""
    plt = _pyplot()
    d = flowchart_data(a)
    rows = len(d.main_boxes) + 1
    fig = plt.figure(figsize=(width_cm * CM, (2.2 * rows + 1) * CM))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, rows)
    ax.axis("off")
    box = {"boxstyle": "round,pad=0.4", "fc": "white", "ec": "#333333", "lw": 0.8}
    ebox = {**box, "fc": "#F2F2F2"}
    arrow = {"arrowstyle": "-|>", "lw": 0.8, "color": "#333333"}
    y = [rows - 0.5 - i for i in range(len(d.main_boxes))]
    for i, text in enumerate(d.main_boxes):
        ax.text(0.3, y[i], _wrap(text), ha="center", va="center", bbox=box, fontsize=7.5)
        if i:
            ax.annotate("", xy=(0.3, y[i] + 0.28), xytext=(0.3, y[i - 1] - 0.28), arrowprops=arrow)
            ym = (y[i] + y[i - 1]) / 2
            ax.annotate("", xy=(0.6, ym), xytext=(0.3, ym), arrowprops=arrow)
            ax.text(0.62, ym, _wrap(d.exclusion_boxes[i - 1], 44), ha="left", va="center", bbox=ebox, fontsize=7)
    n_arms = len(d.arm_boxes)
    for k, text in enumerate(d.arm_boxes):
        x = 0.3 + (k - (n_arms - 1) / 2) * min(0.28, 0.56 / max(n_arms, 1))
        ax.annotate("", xy=(x, 0.78), xytext=(0.3, y[-1] - 0.28), arrowprops=arrow)
        ax.text(x, 0.5, _wrap(text, 22), ha="center", va="center", bbox=box, fontsize=7.5)
    return d, fig


def forest_data(outcomes: tuple[EndpointOutcome, ...]) -> ForestData:
    """One row per endpoint and compared arm, with its hazard ratio and 95% CI."""
    labels, hr, lo, hi = [], [], [], []
    for o in outcomes:
        for h in o.hazard_ratios:
            labels.append(f"{o.endpoint}: {h.arm} vs {h.reference}")
            hr.append(h.hr)
            lo.append(h.ci_lower)
            hi.append(h.ci_upper)
    return ForestData(tuple(labels), tuple(hr), tuple(lo), tuple(hi))


def forest_figure(outcomes: tuple[EndpointOutcome, ...], *,
                  width_cm: float = FULL_WIDTH_CM) -> tuple[ForestData, Any]:
    """Forest plot of hazard ratios (log scale) with the formatted HR (95% CI) at the right."""
    plt = _pyplot()
    d = forest_data(outcomes)
    n = max(len(d.labels), 1)
    fig = plt.figure(figsize=(width_cm * CM, (1.0 * n + 2.5) * CM))
    ax = fig.add_axes((0.38, 0.25, 0.4, 0.65))
    ys = np.arange(len(d.labels))[::-1].astype(float)
    for y, h, lo, hi in zip(ys, d.hr, d.ci_lower, d.ci_upper, strict=True):
        ax.plot([lo, hi], [y, y], color=OKABE_ITO[0], lw=1.2)
        ax.plot([h], [y], "s", color=OKABE_ITO[0], ms=5)
        ax.text(1.03, y, f.hazard_ratio(h, lo, hi), transform=ax.get_yaxis_transform(), va="center", fontsize=7.5)
    ax.axvline(1.0, color="#555555", lw=0.7, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(ys)
    ax.set_yticklabels(d.labels)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel("Hazard ratio (95% CI), log scale")
    return d, fig


def save_figure(fig: Any, stem: Path, formats: tuple[str, ...] = ("svg", "png"), *, dpi: int = 300) -> list[Path]:
    """Write ``fig`` as ``stem.<fmt>`` for each format (no creation date, so files are reproducible); close it."""
    import matplotlib.pyplot as plt

    paths = []
    for fmt in formats:
        p = stem.with_suffix(f".{fmt}")
        meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        fig.savefig(p, format=fmt, dpi=dpi, metadata=meta)
        paths.append(p)
    plt.close(fig)
    return paths


def figure_bytes(fig: Any, fmt: str = "svg", *, dpi: int = 200) -> bytes:
    """The figure serialised in memory (for embedding in HTML or DOCX)."""
    import io

    buf = io.BytesIO()
    meta: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    return buf.getvalue()


__all__ = ["OKABE_ITO", "FlowchartData", "ForestData", "KMArmData", "KMPlotData", "figure_bytes",
           "flowchart_data", "flowchart_figure", "forest_data", "forest_figure", "km_figure", "km_plot_data",
           "nice_ticks", "save_figure"]
