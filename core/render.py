"""Static maps and charts of evaluation results with matplotlib (Agg): PNG and PDF (评价专题图).

* :func:`score_map` — choropleth of grades (fixed five colours + grey 无数据) or of a numeric column
  (counts, densities, rates: ColorBrewer YlOrRd, quantile or Jenks classes), with title, legend with
  class bounds and counts, scale bar, north arrow and a data-source line.
* :func:`ranking_chart` — department (or any group) ranking bar chart coloured by grade.
* :func:`trend_chart` — monthly trend lines of closure rates.

Chinese text needs a CJK font: :func:`cjk_font` finds Noto Sans CJK SC (Debian ``fonts-noto-cjk``) and
fails with a clear message when it is absent. Every function returns the ``Figure`` so callers (and tests)
can inspect legend entries; :func:`wanmi.layers.figures.save_figure` writes them (PNG, PDF, SVG): the
engine draws, ``layers`` writes files.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError, WanmiError
from .evaluation import INDICATOR_LABELS_ZH, EvaluationConfig, grade_labels, load_weights

#: ColorBrewer YlOrRd (sequential, colour-blind safe, print friendly), 3–7 classes
YLORRD = {
    3: ["#ffeda0", "#feb24c", "#f03b20"],
    4: ["#ffffb2", "#fecc5c", "#fd8d3c", "#e31a1c"],
    5: ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"],
    6: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"],
    7: ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026"],
}
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans CJK", "Source Han Sans", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei")
LEVEL_ZH = {"cell": "单元网格", "community": "社区", "street": "街道", "district": "区", "department": "专业部门",
            "supervisor": "监督员"}
DEFAULT_SOURCE = "数据来源：Wanmi 万米网格 综合评价"


class FontMissingError(WanmiError):
    """No font with Chinese glyphs is installed."""


def _source_line(frame: Any, extra: str = "") -> str:
    """Default data-source line; says so when the cases were synthetic (合成数据)."""
    synthetic = bool(getattr(frame, "attrs", {}).get("synthetic")) or (
        "synthetic" in getattr(frame, "columns", ()) and bool(pd.to_numeric(frame["synthetic"], errors="coerce")
                                                              .fillna(0).any()))
    parts = [DEFAULT_SOURCE + ("（合成案卷数据，非真实案卷 / synthetic cases）" if synthetic else ""), extra]
    return "；".join(p for p in parts if p)


def cjk_font() -> Any:
    """``FontProperties`` of an installed CJK sans font (Noto Sans CJK SC preferred).

    matplotlib names a ``.ttc`` collection after its first face (Debian's NotoSansCJK-Regular.ttc shows up
    as "Noto Sans CJK JP"); that file also holds the SC face and all the Chinese glyphs, so any "Noto Sans
    CJK" entry is accepted after an exact SC match. Raises :class:`FontMissingError` when none is found.
    """
    from matplotlib import font_manager

    entries = [f for f in font_manager.fontManager.ttflist if f.style == "normal"]
    for family in CJK_FAMILIES:
        hits = [f for f in entries if f.name == family or f.name.startswith(family)]
        if hits:
            regular = [f for f in hits if f.weight in (400, "normal", "regular")] or hits
            return font_manager.FontProperties(fname=regular[0].fname, family=regular[0].name)
    raise FontMissingError(
        "No Chinese (CJK) font found for the map text. Install one, e.g. on Debian/Ubuntu "
        "`apt-get install fonts-noto-cjk`, then remove matplotlib's font cache (~/.cache/matplotlib)."
    )


def rc_params() -> dict[str, Any]:
    """matplotlib settings for drawing and saving Wanmi figures: the CJK font, embedded TrueType text."""
    font = cjk_font()
    return {"font.family": [font.get_name(), "DejaVu Sans"], "axes.unicode_minus": False,
            "pdf.fonttype": 42, "svg.fonttype": "none"}


def _figure(figsize: tuple[float, float]) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


# --- classification -----------------------------------------------------------------------------------------
def quantile_breaks(values: np.ndarray, k: int) -> np.ndarray:
    """Upper class bounds (at most k, the last = max) of quantile classes, by mapclassify ``Quantiles``.

    mapclassify (what geopandas' ``scheme="quantiles"`` uses) takes linearly interpolated percentiles;
    duplicate bounds (ties) are collapsed, and k is at most the number of distinct values."""
    v = values[~np.isnan(values)]
    if v.size == 0:
        return np.array([])
    import mapclassify  # imports scikit-learn (~1 s): only when a numeric column is classed

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "not enough unique values": collapsed bounds expected
        return np.asarray(mapclassify.Quantiles(v, k=min(k, np.unique(v).size)).bins, dtype=float)


def jenks_breaks(values: np.ndarray, k: int, max_values: int = 1000) -> np.ndarray:
    """Upper class bounds of Jenks natural breaks (Fisher's exact optimal classification of sorted values).

    Dynamic programming over the sorted values, vectorised per class; more than ``max_values`` values are
    reduced to evenly spaced order statistics first (QGIS samples likewise).

    Kept by hand rather than mapclassify (measured with mapclassify 2.8.1, no numba): its ``FisherJenks``
    accumulates the sums in float32, so values with a large common offset get far-from-optimal classes
    (15 values around 1e5: within-class squared deviations 362–1911 against the optimum 7.7–19.9 that
    this function and a brute-force search find; see ``test_jenks_is_optimal_with_a_large_offset``), and
    without numba its loops are pure Python (1.2 s for 1000 values, this function 0.025 s);
    ``NaturalBreaks`` is a randomly started k-means heuristic, neither optimal nor reproducible."""
    v = np.sort(values[~np.isnan(values)])
    if v.size == 0:
        return np.array([])
    if v.size > max_values:
        v = v[np.linspace(0, v.size - 1, max_values).round().astype(int)]
    n = v.size
    k = min(k, np.unique(v).size)
    if k <= 1:
        return np.array([v[-1]])
    s1, s2 = np.concatenate([[0.0], np.cumsum(v)]), np.concatenate([[0.0], np.cumsum(v * v)])
    i = np.arange(n)[:, None]
    j = np.arange(n)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        cnt = (j - i + 1).astype(float)
        ssd = (s2[j + 1] - s2[i]) - (s1[j + 1] - s1[i]) ** 2 / cnt  # ssd[i, j]: values i..j in one class
    ssd = np.where(j >= i, ssd, np.inf)
    cost = ssd[0].copy()  # cost[j]: best for v[0..j] in 1 class
    back = np.zeros((k, n), dtype=int)
    for c in range(1, k):
        # cost_new[j] = min over i ≥ c of cost[i-1] + ssd[i, j]
        total = cost[:-1, None] + ssd[1:, :]  # row r ↔ start i = r + 1
        total[: c - 1] = np.inf
        back[c] = np.argmin(total, axis=0) + 1
        cost = total[back[c] - 1, np.arange(n)]
    bounds, end = [], n - 1
    for c in range(k - 1, 0, -1):
        start = back[c, end]
        bounds.append(v[end])
        end = start - 1
    bounds.append(v[end])
    return np.unique(bounds)


def classify(values: np.ndarray, k: int = 5, method: str = "quantile") -> tuple[np.ndarray, np.ndarray]:
    """(class index per value, -1 for NaN; upper bounds) with ``method`` quantile or jenks."""
    values = np.asarray(values, float)
    if method == "quantile":
        breaks = quantile_breaks(values, k)
    elif method == "jenks":
        breaks = jenks_breaks(values, k)
    else:
        raise InputError(f"classification method {method!r}: use 'quantile' or 'jenks'")
    idx = np.searchsorted(breaks, values, side="left")
    idx = np.where(np.isnan(values), -1, np.minimum(idx, max(len(breaks) - 1, 0)))
    return idx, breaks


def _fmt(x: float) -> str:
    if x == 0 or abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


# --- map furniture ------------------------------------------------------------------------------------------
def _nice_length(span: float) -> float:
    """A round scale-bar length (1, 2 or 5 × 10ⁿ metres) of about a fifth of ``span``."""
    target = max(span / 5.0, 1e-9)
    exp = 10 ** math.floor(math.log10(target))
    return max(m * exp for m in (1, 2, 5) if m * exp <= target) if target >= exp else exp


def add_scale_bar(ax: Any, crs_units_m: float = 1.0) -> float:
    """Two-segment black/white scale bar in the lower left; returns its length in metres."""
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) * crs_units_m)
    lu = length / crs_units_m
    h = (y1 - y0) * 0.012
    bx, by = x0 + (x1 - x0) * 0.05, y0 + (y1 - y0) * 0.05
    for k, color in enumerate(("black", "white")):
        ax.add_patch(Rectangle((bx + k * lu / 2, by), lu / 2, h, facecolor=color, edgecolor="black",
                               linewidth=0.8, zorder=5))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, text in ((bx, "0"), (bx + lu, label)):
        ax.text(x, by + 1.8 * h, text, ha="center", va="bottom", fontsize=7, zorder=5)
    ax.scale_bar_length_m = length  # for tests and callers
    return length


def add_north_arrow(ax: Any) -> Any:
    """A north arrow (北 N) in the upper right (axes coordinates; maps are drawn north up)."""
    return ax.annotate("N\n北", xy=(0.95, 0.98), xytext=(0.95, 0.90), xycoords="axes fraction",
                       ha="center", va="center", fontsize=9, fontweight="bold",
                       arrowprops={"facecolor": "black", "width": 3, "headwidth": 9, "headlength": 9},
                       zorder=6, gid="north_arrow")


# --- choropleth ---------------------------------------------------------------------------------------------
def _metric(frame: Any) -> tuple[Any, float]:
    from .crs import to_metric

    if frame.crs is None:
        return frame, 1.0
    metric, _crs = to_metric(frame)
    return metric, 1.0


def score_map(frame: Any, column: str = "grade", *, title: str | None = None, source: str | None = None,
              config: EvaluationConfig | None = None, classes: int = 5, method: str = "quantile",
              figsize: tuple[float, float] = (10.0, 8.0)) -> Any:
    """Choropleth of ``column`` of a GeoDataFrame of evaluation results (one polygon per cell/region).

    ``grade`` (or ``score``, classed into grades): the configured grade colours in fixed order, plus
    无数据 in grey; the legend always lists the five grades with their bounds and the number of units in
    each, and 无数据 when present. Any other numeric column: ``classes`` ColorBrewer YlOrRd classes by
    ``method`` (quantile/jenks), NaN as 无数据. Returns the Figure (``fig.wanmi_classes`` lists the legend
    classes as (label, colour, count)).
    """
    import matplotlib as mpl

    if not hasattr(frame, "geometry"):
        raise InputError("score_map needs polygons (a GeoDataFrame): evaluate by a region key with the cells")
    if column not in frame.columns:
        raise InputError(f"no column {column!r} to map (columns: {', '.join(map(str, frame.columns))})")
    config = config or load_weights()
    metric, units = _metric(frame)
    if column in {"grade", "score"}:
        colors, classes_out, legend_title = _grade_classes(metric, column, config)
    else:
        colors, classes_out, legend_title = _numeric_classes(metric, column, classes, method, config)
    with mpl.rc_context(rc_params()):
        fig = _figure(figsize)
        ax = fig.add_subplot(1, 1, 1)
        metric.plot(ax=ax, color=list(colors), edgecolor="white", linewidth=0.15)
        _decorate_map(fig, ax, frame, classes_out, legend_title, units, title, source)
    return fig


def _grade_classes(metric: Any, column: str, config: EvaluationConfig) -> tuple[np.ndarray, list, str]:
    """(colour per unit, legend classes, legend title) of a grade map: the five grades (and 无数据 when
    present) in fixed order with their bounds; ``score`` is classed into grades first."""
    from .evaluation import grades as to_grades

    g = (metric["grade"].astype(object) if column == "grade" and "grade" in metric.columns
         else pd.Series(to_grades(metric[column].to_numpy(float), config), index=metric.index))
    g = g.where(g.isin(config.grade_names), config.no_data)
    labels = grade_labels(config)
    counts = g.value_counts()
    classes_out = [(labels[name], config.grade_colors[name], int(counts.get(name, 0)))
                   for name in [*config.grade_names, config.no_data]
                   if name != config.no_data or counts.get(name, 0)]
    return g.map(config.grade_colors).to_numpy(), classes_out, "综合评价等级" if column == "grade" else "综合指标值"


def _numeric_classes(metric: Any, column: str, classes: int, method: str,
                     config: EvaluationConfig) -> tuple[np.ndarray, list, str]:
    """(colour per unit, legend classes, legend title) of a numeric field in ``classes`` YlOrRd classes."""
    no_data_color = config.grade_colors[config.no_data]
    values = pd.to_numeric(metric[column], errors="coerce").to_numpy(float)
    idx, breaks = classify(values, classes, method)
    palette = YLORRD.get(len(breaks), YLORRD[5])[: len(breaks)] if len(breaks) else []
    colors = np.array([palette[i] if i >= 0 else no_data_color for i in idx], dtype=object)
    lo = np.nanmin(values) if np.isfinite(values).any() else np.nan
    classes_out = []
    for i, hi in enumerate(breaks):
        low = lo if i == 0 else breaks[i - 1]
        label = f"{_fmt(low)} – {_fmt(hi)}" if i == 0 else f"> {_fmt(low)} – {_fmt(hi)}"
        classes_out.append((label, palette[i], int((idx == i).sum())))
    if (idx < 0).any():
        classes_out.append((config.no_data, no_data_color, int((idx < 0).sum())))
    suffix = "（分位数分级）" if method == "quantile" else "（自然断点分级）"
    return colors, classes_out, INDICATOR_LABELS_ZH.get(column, column) + suffix


def _decorate_map(fig: Any, ax: Any, frame: Any, classes_out: list, legend_title: str, units: str,
                  title: str | None, source: str | None) -> None:
    """Legend (with unit counts), scale bar, north arrow, title and source line of a score map."""
    from matplotlib.patches import Patch

    ax.set_aspect("equal")
    ax.set_axis_off()
    handles = [Patch(facecolor=c, edgecolor="#555555", linewidth=0.5, label=f"{lab}  [{n}]")
               for lab, c, n in classes_out]
    ax.legend(handles=handles, title=legend_title, loc="lower left", bbox_to_anchor=(1.01, 0.0),
              fontsize=8, title_fontsize=9, frameon=True, framealpha=0.9)
    add_scale_bar(ax, units)
    add_north_arrow(ax)
    level = LEVEL_ZH.get(str(frame["level"].iloc[0]) if "level" in frame.columns and len(frame) else "", "")
    period = frame.attrs.get("period", "")
    fig.suptitle(title or f"{level}综合评价 {period}".strip(), fontsize=14)
    fig.supxlabel(source or _source_line(frame, f"评价周期 {period}；单位数 {len(frame)}"), x=0.01,
                  ha="left", fontsize=7, color="#444444")
    fig.wanmi_classes = classes_out
    fig.wanmi_axes = ax


# --- charts ---------------------------------------------------------------------------------------------------
def ranking_chart(frame: pd.DataFrame, value: str = "score", label: str | None = None, *,
                  title: str | None = None, config: EvaluationConfig | None = None, top: int | None = None,
                  source: str | None = None) -> Any:
    """Horizontal bar chart of ``value`` per group, best first, bars in the grade colours; groups without
    data are listed at the bottom as 无数据 (no bar)."""
    import matplotlib as mpl
    from matplotlib.patches import Patch

    config = config or load_weights()
    if value not in frame.columns:
        raise InputError(f"no column {value!r} to rank")
    label = label or ("dept_name" if "dept_name" in frame.columns else "code")
    data = frame.assign(_v=pd.to_numeric(frame[value], errors="coerce"))
    data = data.sort_values("_v", ascending=False, na_position="last")
    if top:
        data = data.head(top)
    names = data[label].fillna(data.get("code", "")).astype(str).tolist()
    vals = data["_v"].to_numpy(float)
    gcol = data["grade"] if "grade" in data.columns else pd.Series(config.no_data, index=data.index)
    colors = [config.grade_colors.get(g, config.grade_colors[config.no_data]) for g in gcol]
    with mpl.rc_context(rc_params()):
        fig = _figure((8.0, max(3.0, 0.32 * len(names) + 1.5)))
        ax = fig.add_subplot(1, 1, 1)
        y = np.arange(len(names))
        ax.barh(y, np.nan_to_num(vals), color=colors, edgecolor="#555555", linewidth=0.4)
        for yi, v in zip(y, vals):
            ax.text((0 if np.isnan(v) else v) + 1, yi, config.no_data if np.isnan(v) else f"{v:.1f}",
                    va="center", fontsize=8)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        top_value = float(np.nanmax(vals)) if np.isfinite(vals).any() else 1.0
        ax.set_xlim(0, 110 if value == "score" else max(1.0, top_value * 1.15))
        ax.set_xlabel(INDICATOR_LABELS_ZH.get(value, value))
        present = [g for g in [*config.grade_names, config.no_data] if g in set(gcol)]
        labels = grade_labels(config)
        ax.legend(handles=[Patch(facecolor=config.grade_colors[g], label=labels[g]) for g in present],
                  loc="lower right", fontsize=8)
        fig.suptitle(title or f"专业部门综合评价排名 {frame.attrs.get('period', '')}".strip(), fontsize=13)
        fig.supxlabel(source or _source_line(frame), x=0.01, ha="left", fontsize=7, color="#444444")
        fig.wanmi_axes = ax
    return fig


def trend_chart(trend: pd.DataFrame, columns: Sequence[str] = ("closure_rate", "on_time_closure_rate",
                                                               "on_time_disposal_rate"),
                *, title: str | None = None, source: str | None = None) -> Any:
    """Monthly trend lines (percent) of ``columns`` of :func:`wanmi.core.evaluation.monthly_trend`."""
    import matplotlib as mpl

    missing = [c for c in ("month", *columns) if c not in trend.columns]
    if missing:
        raise InputError(f"trend table lacks column(s) {', '.join(missing)}")
    with mpl.rc_context(rc_params()):
        fig = _figure((8.0, 4.5))
        ax = fig.add_subplot(1, 1, 1)
        x = np.arange(len(trend))
        for col, color in zip(columns, ("#2c7bb6", "#d7191c", "#fdae61", "#1a9641", "#7b3294")):
            ax.plot(x, trend[col].to_numpy(float), marker="o", color=color, label=INDICATOR_LABELS_ZH.get(col, col))
        ax.set_xticks(x, trend["month"].astype(str).tolist(), rotation=45 if len(x) > 6 else 0)
        ax.set_ylim(0, 105)
        ax.set_ylabel("%")
        ax.grid(True, axis="y", color="#dddddd")
        ax.legend(loc="lower right", fontsize=8)
        fig.suptitle(title or "月度趋势", fontsize=13)
        fig.supxlabel(source or _source_line(trend), x=0.01, ha="left", fontsize=7, color="#444444")
        fig.wanmi_axes = ax
    return fig
