"""Evaluation scores (综合评价) per cell, community, street, district, department or supervisor: one declaration
for every front end.

Regions evaluated with the unit cells give polygons (the grade style is applied); departments and supervisors,
or regions without the cells, give a table without geometry (no style: QML renderers draw geometries)."""

from __future__ import annotations

from typing import Any

from ..core.enums import GROUP_KEYS
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from .base import Capability, Output, Param, Result

GRADE_STYLE = "grades.qml"


def has_geometry(frame: Any) -> bool:
    """Whether ``frame`` is a GeoDataFrame (a table read by QGIS has a geometry column of nulls: not one)."""
    return getattr(frame, "_geometry_column_name", None) is not None and bool(frame.geometry.notna().any())


def _table(frame: Any) -> Any:
    """``frame`` as a plain table when none of its rows has a geometry (QGIS reads tables with empty ones),
    so both front ends hand the engine the same thing."""
    import pandas as pd

    if getattr(frame, "_geometry_column_name", None) is None or has_geometry(frame):
        return frame
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table.attrs.update(frame.attrs)
    return table


def grade_summary(grades: Any, no_data: str = "无数据") -> str:
    """``A 3, B 2, 无数据 1``: the units per grade, best first, 无数据 last (grades that occur only)."""
    counts = grades.value_counts()
    order = [*sorted(g for g in counts.index if g != no_data), no_data]
    return ", ".join(f"{g} {int(counts[g])}" for g in order if g in counts.index)


def run(cases: Any, cells: Any = None, code_field: str | None = None, by: str = "cell_code",
        period: str | None = None, weights: str | None = None, feedback: Feedback | None = None) -> Result:
    """Indicators, composite score and grade per ``by`` unit over ``period`` (:func:`wanmi.core.evaluation.evaluate`).

    The cases are normalised first (Chinese headers, source/state spellings, timestamps), so a case table
    read by QGIS is evaluated like a case store read from its file."""
    from ..core.cases import normalize_cases
    from ..core.evaluation import evaluate

    fb = ensure(feedback)
    if by not in GROUP_KEYS:
        raise InputError(f"cannot evaluate by {by!r}; choose one of {', '.join(GROUP_KEYS)}")
    result = evaluate(normalize_cases(_table(cases)), by=by, period=period or None, cells=cells,
                      config=weights or None, code_field=code_field or "code", feedback=fb)
    message = (f"{len(result)} {by} unit(s) evaluated for {result.attrs.get('period')}: "
               f"{grade_summary(result['grade'])}")
    warnings = ()
    if result.attrs.get("unavailable"):
        warnings = ("not in the case table (weights rescaled): " + ", ".join(result.attrs["unavailable"]),)
    return Result({"scores": result}, message, {"UNITS": len(result), "NO_DATA": int(result["score"].isna().sum())},
                  warnings=warnings)


def write(path: str, result: Result, names: list[str]) -> list[str]:
    """The command line's writer: the scores into the GeoPackage ``path``, with the grade style when they
    have polygons (a department table gets none)."""
    from ..layers import STYLES_DIR
    from ..layers.gpkg import write_gpkg

    frame = result.frames["scores"]
    styles = {names[0]: STYLES_DIR / GRADE_STYLE} if has_geometry(frame) else None
    write_gpkg(path, {names[0]: frame}, styles=styles)
    return names[:1]


EVALUATE = Capability(
    name="evaluate",
    title="Compute evaluation scores",
    summary="evaluation indicators, scores and grades per cell/region/department",
    help=(
        "Computes the evaluation indicators of a case table over a period (立案数, 应结案数, 结案数, 结案率, "
        "按期结案率, 按期处置率, 返工率, 超期率, 有效上报率, 按时核查率, 问题发生密度) per unit cell, community, "
        "street, district, department or supervisor, and the composite score (综合指标值, 0–100) with its grade "
        "(A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below). Regions use the region weights, departments and "
        "supervisors their own. Rates of communities and streets are recomputed from summed cell counts. "
        "Units without cases, or without cases due in the period, get the grade 无数据 (no data), never a zero "
        "score.\nCases need a cell_code (overlay them on the grid first) or point locations plus the unit cells. "
        "With the cells every cell (or community/street) is in the output with its polygon. Weights, bands and "
        "grade thresholds can be given as a JSON or TOML file (see core/data/evaluation_default.json).\n"
        "Period: 2025-03 (month), 2025-Q1, 2025, 2025-W10, 2025-03-05 (day) or 2025-03-01/2025-03-15; empty: "
        "all cases.\nEvaluate the overlay of all cases, not one filtered by report date: a case reported in "
        "February can be due, disposed or closed in March."
    ),
    step="evaluation",
    params=(
        Param("cases", "vector", "Cases (overlaid on the grid, or points)", processing="INPUT", cli="cases",
              help="Cases with a cell_code (the overlay of all cases on the grid), or case points to place in "
                   "the unit cells; a case store's cases layer is read by default.",
              geometry="none", layer_option="--cases-layer", preferred_layer="cases"),
        Param("cells", "vector", "Unit cells (for all cells, areas and polygons)", processing="CELLS",
              cli="--cells", optional=True, geometry="polygon", preferred_layer="unit_cells",
              help="The unit grid: every cell (or community/street) is in the output, with its area, density "
                   "and polygon; without it only units with cases are listed, as a table."),
        Param("code_field", "field", "Cell code field", processing="CODE_FIELD", cli="--code-field",
              default="code", optional=True, parent="cells",
              help="The field of the unit cells that holds the cell code (default code)."),
        Param("by", "enum", "Evaluate per", processing="BY", cli="--by", default="cell_code", choices=GROUP_KEYS,
              choice_labels=("Unit cell", "Community", "Street", "District", "Department", "Supervisor"),
              help="The evaluated unit: cells, communities, streets and districts are regions (with the cells: "
                   "polygons); departments and supervisors give a table."),
        Param("period", "string", "Period (e.g. 2025-03, 2025-Q1; empty: all)", processing="PERIOD",
              cli="--period", optional=True,
              help="2025-03, 2025-Q1, 2025, 2025-W10, 2025-03-05 or 2025-03-01/2025-03-15; empty: all cases."),
        Param("weights", "file", "Weights file (JSON or TOML; empty: defaults)", processing="WEIGHTS",
              cli="--weights", optional=True, file_filter="Weights (*.json *.toml)",
              help="Weights, count-to-score bands and grade thresholds overriding the defaults "
                   "(core/data/evaluation_default.json)."),
    ),
    outputs=(Output("scores", "Evaluation scores", layer="scores", style=GRADE_STYLE),),
    numbers=(("UNITS", "Evaluated units"), ("NO_DATA", "Units without data")),
    tags=("综合评价", "考核评价", "评价等级", "结案率", "按期结案率", "返工率", "问题发生密度", "evaluation", "score",
          "grade"),
    write=write,
    run=run,
)
