"""Demo step 综合评价: scores of the (synthetic) Dongcheng cases per cell, community and department, with maps.

Uses the overlaid cases and their cells left by the cases step (``ctx.data["cases"]``,
``ctx.data["case_cells"]``); when that step has not run, generates its own seeded synthetic cases over the
Dongcheng cells. Ends with a coloured grade map of the grid (PNG + PDF).
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd

from ..layers import STYLES_DIR
from ..layers.gpkg import write_gpkg

SEED = 20250301


def _cases(ctx: Any) -> tuple[Any, Any]:
    cases, cells = ctx.data.get("cases"), ctx.data.get("case_cells")
    if cases is not None and cells is not None:
        return cases, cells
    from ..core.cases import overlay_cases, synthetic_cases

    cells = ctx.data["dongcheng_cells"]
    raw = synthetic_cases(ctx.data.get("dongcheng_components"), cells, 60_000, "2025-01-01", "2025-04-01",
                          seed=SEED)
    cases = overlay_cases(raw, cells)
    cases.attrs.update(raw.attrs)
    ctx.say(f"[evaluate] no cases from an earlier step: generated {len(cases):,} synthetic cases (seed {SEED})")
    return cases, cells


def _last_full_month(cases: Any) -> str:
    """The latest calendar month that ends before the last report (the snapshot time)."""
    last = pd.to_datetime(cases["reported_at"]).max()
    month = last.to_period("M")
    if last < (month + 1).start_time - pd.Timedelta(hours=1):
        month -= 1
    return str(month)


def step_evaluation(ctx: Any) -> None:
    """综合评价: indicators, scores and grades of the last full month per cell, community and department;
    grade map (PNG/PDF), density map, department ranking and monthly trend charts."""
    from ..core.evaluation import evaluate, monthly_trend
    from ..core.render import ranking_chart, score_map, trend_chart
    from ..layers.figures import save_figure

    t0 = time.perf_counter()
    cases, cells = _cases(ctx)
    period = _last_full_month(cases)
    by_cell = evaluate(cases, by="cell_code", period=period, cells=cells)
    by_comm = evaluate(cases, by="community_code", period=period, cells=cells)
    by_dept = evaluate(cases, by="dept_code", period=period)
    grade_style = STYLES_DIR / "grades.qml"
    path = write_gpkg(ctx.out_dir / "dongcheng_scores.gpkg",
                      {"scores_cell": by_cell, "scores_community": by_comm, "scores_department": by_dept},
                      styles={"scores_cell": grade_style, "scores_community": grade_style})
    ctx.outputs["Dongcheng evaluation scores (综合评价)"] = path
    synthetic = "（合成案卷）" if by_cell.attrs.get("synthetic") else ""
    fig = score_map(by_cell, "grade", title=f"东城区单元网格综合评价等级 {period}{synthetic}")
    png, _pdf = save_figure(fig, ctx.out_dir / "dongcheng_grades.png", pdf=True)
    ctx.outputs["Dongcheng grade map (PNG + PDF)"] = png
    fig = score_map(by_comm, "density", title=f"东城区社区问题发生密度 {period}{synthetic}")
    ctx.outputs["Dongcheng community density map"] = save_figure(fig, ctx.out_dir / "dongcheng_density.png")[0]
    fig = ranking_chart(by_dept, title=f"专业部门综合评价排名 {period}{synthetic}")
    ctx.outputs["Department ranking chart"] = save_figure(fig, ctx.out_dir / "department_ranking.png")[0]
    trend = monthly_trend(cases)
    fig = trend_chart(trend, title=f"东城区月度结案率趋势{synthetic}")
    ctx.outputs["Monthly trend chart"] = save_figure(fig, ctx.out_dir / "monthly_trend.png")[0]
    counts = by_cell["grade"].value_counts()
    ctx.data.update(scores_cell=by_cell, scores_community=by_comm, scores_department=by_dept)
    ctx.say(f"[evaluate] {period}: {len(by_cell)} cells "
            + ", ".join(f"{g} {int(counts.get(g, 0))}" for g in ("A", "B", "C", "D", "E", "无数据"))
            + f"; {len(by_comm)} communities, {len(by_dept)} departments ({time.perf_counter() - t0:.1f} s) → {png}")
