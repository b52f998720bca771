"""Score maps (评价专题图) and ranking charts of evaluation results as PNG/PDF/SVG: one declaration for every
front end.

Polygons (cells, communities, streets) become a choropleth; a table without geometry (departments,
supervisors) becomes a ranking bar chart. The engine draws (:mod:`wanmi.core.render`), ``layers`` writes the
files (:func:`wanmi.layers.figures.save_figure`)."""

from __future__ import annotations

from typing import Any

from ..core.enums import CLASSIFICATION_METHODS
from ..core.feedback import Feedback, ensure
from .base import ENGINE, Capability, Param, Result
from .evaluate import has_geometry

CLASSES = (3, 7)  #: fewest and most classes of a numeric field (ColorBrewer YlOrRd has 3–7)
DPI = (50, 1200)  #: lowest and highest image resolution offered


def run(scores: Any, out: str, column: str | None = "grade", title: str | None = None, source: str | None = None,
        method: str = "quantile", classes: int = 5, pdf: bool = False, dpi: int = 200,
        feedback: Feedback | None = None) -> Result:
    """Draw ``column`` of ``scores`` (a map of polygons, else a ranking chart) and write it to ``out`` (and a
    PDF next to it with ``pdf``); the message lists the legend classes with their unit counts."""
    from ..core.render import ranking_chart, score_map
    from ..layers.figures import save_figure

    fb = ensure(feedback)
    column = column or "grade"
    if "period" in scores.columns and len(scores):
        scores.attrs["period"] = str(scores["period"].iloc[0])
    fb.step(0, 2)
    if has_geometry(scores):
        fig = score_map(scores, column, title=title or None, source=source or None, method=method, classes=classes)
    else:  # departments / supervisors: a ranking chart
        fig = ranking_chart(scores, "score" if column == "grade" else column, title=title or None,
                            source=source or None)
    fb.step(1, 2)
    written = save_figure(fig, out, pdf=pdf, dpi=dpi)
    fb.step(2, 2)
    lines = [f"{label}: {n}" for label, _color, n in getattr(fig, "wanmi_classes", ())]
    lines.append("wrote " + ", ".join(str(p) for p in written))
    return Result({}, "\n".join(lines), {"OUTPUT": str(written[0]), "PDF": str(written[1]) if len(written) > 1
                                         else ""})


RENDER = Capability(
    requires=(*ENGINE, "matplotlib", "mapclassify"),
    name="render_map",
    command="render",
    title="Render score map",
    summary="static score map (PNG/PDF) or ranking chart of an evaluation result",
    help=(
        "Draws a static map (PNG, optionally also PDF) of an evaluation score layer, as made by Compute "
        "evaluation scores: the grade field in the five fixed grade colours with grey for no data (无数据), or a "
        "numeric field (counts, density, rates) in ColorBrewer YlOrRd classes (quantile or Jenks). The map has "
        "a title, a legend with the class bounds and the number of units per class, a scale bar, a north arrow "
        "and a data-source line; Chinese text needs a CJK font (e.g. Noto Sans CJK SC, Debian fonts-noto-cjk). "
        "A table without geometry (departments, supervisors) is drawn as a ranking bar chart of the score "
        "(or of the numeric field chosen)."
    ),
    step="evaluation",
    params=(
        Param("scores", "vector", "Evaluation scores", processing="INPUT", cli="scores",
              help="An evaluation result: polygons give a map; a department or supervisor table gives a ranking "
                   "chart. The scores layer is read by default.", geometry="none", preferred_layer="scores"),
        # optional: qgis_process 3.22 ignores the default of a mandatory field parameter
        Param("column", "field", "Field to map", processing="FIELD", cli="--column", default="grade", optional=True,
              parent="scores",
              help="grade (default), score, density or any numeric field; numeric fields are classed."),
        Param("title", "string", "Title (empty: automatic)", processing="TITLE", cli="--title", optional=True,
              help="The map title; empty: the evaluated level and period."),
        Param("method", "enum", "Classes of numeric fields", processing="METHOD", cli="--method",
              default=CLASSIFICATION_METHODS[0], choices=CLASSIFICATION_METHODS,
              choice_labels=("Quantile", "Jenks natural breaks"),
              help="How a numeric field is classed: quantiles (equal counts) or Jenks natural breaks."),
        Param("source", "string", "Data-source line (empty: automatic)", processing="SOURCE", cli="--source",
              optional=True, help="The data-source line under the map; empty: Wanmi, the period and the number "
                                  "of units (and a synthetic-data notice where the cases were generated)."),
        Param("pdf", "bool", "Also write a PDF", processing="PDF", cli="--pdf", default=False,
              help="Also write the map as a PDF next to the image (same name, .pdf)."),
        Param("classes", "integer", "Number of classes", processing="CLASSES", cli="--classes", default=5,
              minimum=CLASSES[0], maximum=CLASSES[1], advanced=True,
              help="Classes of a numeric field, 3 to 7 (default 5); grades always have their own five."),
        Param("dpi", "integer", "Resolution (dpi)", processing="DPI", cli="--dpi", default=200, minimum=DPI[0],
              maximum=DPI[1], advanced=True, help="Dots per inch of a PNG image (default 200)."),
        Param("out", "output_file", "Map image", processing="OUTPUT", cli="--out",
              file_filter="PNG image (*.png);;PDF document (*.pdf);;SVG image (*.svg)",
              help="The image file: .png, .pdf or .svg (another suffix becomes .png)."),
    ),
    outputs=(),
    tags=("评价专题图", "专题图", "综合评价", "评价等级", "排名", "地图", "map", "PNG", "PDF"),
    run=run,
)
