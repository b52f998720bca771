"""Regenerate the QML styles in ``layers/styles`` with PyQGIS (run with the project venv).

Styles are built in code so they are valid for the QGIS version that writes them (3.22, the minimum we
support) and reviewable in one place. Outputs are committed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from wanmi.core.census import FIELD_LABELS_ZH

STYLES = Path(__file__).resolve().parent.parent / "layers" / "styles"


def _code_labels(layer: QgsVectorLayer, field: str = "code", color: str = "#252525") -> None:
    """Cell/region code labels, visible only when zoomed in beyond 1:10,000 (scale-dependent)."""
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.placement = QgsPalLayerSettings.OverPoint
    settings.scaleVisibility = True
    settings.minimumScale = 10000
    settings.maximumScale = 0
    fmt = QgsTextFormat()
    fmt.setFont(QFont("Noto Sans CJK SC"))
    fmt.setSize(7)
    fmt.setColor(QColor(color))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def unit_cells(layer: QgsVectorLayer) -> None:
    """单元网格: magenta outline (DB11/T 2157 boundary colour), no fill, code labels at large scales."""
    symbol = QgsFillSymbol.createSimple(
        {"color": "255,0,255,0", "style": "no", "outline_color": "#d01c8b", "outline_width": "0.4",
         "outline_width_unit": "MM"}
    )
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _code_labels(layer, color="#7a0177")


# 部件状态 → fill colour; the same table as wanmi.layers.schema.STATUS_COLORS (a test compares the QML).
COMPONENT_STATUS_COLORS = {
    "完好": "#1a9641", "破损": "#fdae61", "丢失": "#d7191c", "废弃": "#7b3294", "移除": "#969696",
}
COMPONENT_FIELD_ALIASES = FIELD_LABELS_ZH  # the census field labels (管理部件标识码 …)


def components(layer: QgsVectorLayer) -> None:
    """部件: points categorised by status (完好/破损/丢失/废弃/移除), a grey catch-all, Chinese field
    aliases."""
    categories = []
    for status, color in COMPONENT_STATUS_COLORS.items():
        symbol = QgsMarkerSymbol.createSimple(
            {"name": "circle", "color": color, "outline_color": "#ffffff", "outline_width": "0.3",
             "size": "2.6", "size_unit": "MM"}
        )
        if status == "移除":  # removed components stay in the census, drawn small and hollow
            symbol = QgsMarkerSymbol.createSimple(
                {"name": "circle", "color": "255,255,255,0", "outline_color": color, "outline_width": "0.4",
                 "size": "2.0", "size_unit": "MM"}
            )
        categories.append(QgsRendererCategory(status, symbol, status))
    other = QgsMarkerSymbol.createSimple(
        {"name": "cross2", "color": "#636363", "outline_color": "#636363", "size": "2.4", "size_unit": "MM"}
    )
    categories.append(QgsRendererCategory(None, other, "其他"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("status", categories))
    for index, field in enumerate(layer.fields()):
        if field.name() in COMPONENT_FIELD_ALIASES:
            layer.setFieldAlias(index, COMPONENT_FIELD_ALIASES[field.name()])
    layer.setDisplayExpression('"code"')


COMPONENT_URI = "Point?" + "&".join(f"field={name}:string" for name in COMPONENT_FIELD_ALIASES)

def score_grades(layer: QgsVectorLayer) -> None:
    """综合评价等级: A–E in the fixed colour-blind-safe colours of core/data/evaluation_default.json
    (ColorBrewer RdYlBu, best = blue) plus grey 无数据; the cell code as label at large scales."""
    from wanmi.core.evaluation import grade_labels, load_weights

    cfg = load_weights()
    labels = grade_labels(cfg)
    categories = []
    for grade in [*cfg.grade_names, cfg.no_data]:
        symbol = QgsFillSymbol.createSimple(
            {"color": cfg.grade_colors[grade], "outline_color": "#ffffff", "outline_width": "0.1",
             "outline_width_unit": "MM"})
        categories.append(QgsRendererCategory(grade, symbol, labels[grade]))
    layer.setRenderer(QgsCategorizedSymbolRenderer("grade", categories))
    _code_labels(layer)


def _ylorrd_quantiles(layer: QgsVectorLayer, field: str) -> None:
    """ColorBrewer YlOrRd in 5 quantile classes of ``field``. The ranges stored here are placeholders: the
    Wanmi layer post-processor recomputes the quantiles on the layer's own data."""
    from qgis.core import (
        QgsClassificationQuantile,
        QgsColorBrewerColorRamp,
        QgsGraduatedSymbolRenderer,
        QgsRendererRange,
    )

    colors = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    bounds = [0.0, 1.0, 2.0, 5.0, 10.0, 1e9]
    ranges = []
    for k, color in enumerate(colors):
        symbol = QgsFillSymbol.createSimple(
            {"color": color, "outline_color": "#ffffff", "outline_width": "0.1", "outline_width_unit": "MM"})
        ranges.append(QgsRendererRange(bounds[k], bounds[k + 1], symbol, f"{bounds[k]:g} – {bounds[k + 1]:g}"))
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    renderer.setClassificationMethod(QgsClassificationQuantile())
    renderer.setSourceColorRamp(QgsColorBrewerColorRamp("YlOrRd", 5))
    layer.setRenderer(renderer)


def score_density(layer: QgsVectorLayer) -> None:
    """问题发生密度 (cases per 10,000 m²) in quantile classes, with the cell codes at large scales."""
    _ylorrd_quantiles(layer, "density")
    _code_labels(layer)


SCORE_URI = "Polygon?field=code:string&field=grade:string&field=score:double&field=density:double"

# 审计问题: categorised by problem type; errors drawn with red/magenta outlines, warnings in orange.
AUDIT_POLYGON_COLORS = {
    "gap": "#e31a1c", "outside_jurisdiction": "#ff7f00", "overlap": "#d01c8b", "double_coverage": "#7b3294",
    "no_responsible": "#e31a1c", "crosses_community": "#d01c8b", "crosses_street": "#fdae61",
    "cell_split_by_area": "#d01c8b", "code_mismatch": "#d01c8b", "malformed_code": "#d01c8b",
    "duplicate_code": "#d01c8b", "invalid_geometry": "#e31a1c", "empty_geometry": "#e31a1c",
    "sliver": "#fdae61",
}
AUDIT_POINT_COLORS = {
    "component_outside": ("#e31a1c", "cross2"), "component_cell_mismatch": ("#d01c8b", "triangle"),
    "component_code_mismatch": ("#d01c8b", "square"), "malformed_code": ("#fdae61", "diamond"),
}


def _audit_label(kind: str) -> str:
    from wanmi.core.audit import TYPE_LABELS

    zh, en = TYPE_LABELS.get(kind, (kind, kind))
    return f"{zh} {en}"


def audit_problems(layer: QgsVectorLayer) -> None:
    """审计问题 (polygons): one category per problem type, translucent fill, thick red/magenta outline."""
    categories = []
    for kind, color in AUDIT_POLYGON_COLORS.items():
        fill = QColor(color)
        fill.setAlpha(70)
        symbol = QgsFillSymbol.createSimple(
            {"color": f"{fill.red()},{fill.green()},{fill.blue()},{fill.alpha()}", "outline_color": color,
             "outline_width": "0.8", "outline_width_unit": "MM",
             "outline_style": "dash" if kind in ("sliver", "crosses_street") else "solid"})
        categories.append(QgsRendererCategory(kind, symbol, _audit_label(kind)))
    layer.setRenderer(QgsCategorizedSymbolRenderer("type", categories))
    layer.setDisplayExpression('"type" || \': \' || "detail"')


def audit_points(layer: QgsVectorLayer) -> None:
    """审计问题 (component points): one marker per problem type."""
    categories = []
    for kind, (color, shape) in AUDIT_POINT_COLORS.items():
        symbol = QgsMarkerSymbol.createSimple(
            {"name": shape, "color": color, "outline_color": "#ffffff" if shape != "cross2" else color,
             "outline_width": "0.4", "size": "3.2", "size_unit": "MM"})
        categories.append(QgsRendererCategory(kind, symbol, _audit_label(kind)))
    layer.setRenderer(QgsCategorizedSymbolRenderer("type", categories))
    layer.setDisplayExpression('"type" || \': \' || "detail"')


def responsibility_areas(layer: QgsVectorLayer) -> None:
    """责任网格: thick dark outline, no fill, area code and responsible party as labels."""
    symbol = QgsFillSymbol.createSimple(
        {"color": "0,0,0,0", "style": "no", "outline_color": "#253494", "outline_width": "0.9",
         "outline_width_unit": "MM"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    settings = QgsPalLayerSettings()
    settings.fieldName = "\"area_code\" || coalesce(\'\\n\' || \"responsible\", \'\')"
    settings.isExpression = True
    settings.placement = QgsPalLayerSettings.OverPoint
    fmt = QgsTextFormat()
    fmt.setFont(QFont("Noto Sans CJK SC"))
    fmt.setSize(9)
    fmt.setColor(QColor("#253494"))
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


# 案卷状态 (case state): open cases stand out, closed ones recede; small, semi-transparent markers so 10⁴–10⁵
# cases do not hide the map.
CASE_STATE_COLORS = {"办理中": "#2c7bb6", "挂账": "#fdae61", "缓办": "#d7191c", "已结案": "#878787",
                     "作废": "#d9d9d9"}


def cases(layer: QgsVectorLayer) -> None:
    """案卷: categorised by state, 1.6 mm circles at 70 % opacity; other states in black."""
    categories = []
    for state, color in [*CASE_STATE_COLORS.items(), ("", "#252525")]:
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": color, "size": "1.6",
                                               "outline_color": "#ffffff", "outline_width": "0.1"})
        categories.append(QgsRendererCategory(state, symbol, state or "其他"))
    layer.setRenderer(QgsCategorizedSymbolRenderer("state", categories))
    layer.setOpacity(0.7)


def case_counts(layer: QgsVectorLayer) -> None:
    """案卷数 per cell/community in quantile classes of ``cases``, at 75 % opacity so the base map shows."""
    _ylorrd_quantiles(layer, "cases")
    layer.setOpacity(0.75)


def census_problems(layer: QgsVectorLayer) -> None:
    """普查记录问题: red crosses labelled with the problem kinds."""
    symbol = QgsMarkerSymbol.createSimple({"name": "cross2", "color": "#e31a1c", "size": "3.0",
                                           "outline_color": "#e31a1c", "outline_width": "0.6"})
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    _code_labels(layer, field="problems", color="#e31a1c")


AUDIT_URI = "MultiPolygon?field=type:string&field=severity:string&field=layer:string&field=codes:string" \
    "&field=area_m2:double&field=detail:string"
AREA_URI = "MultiPolygon?field=area_code:string&field=responsible:string&field=workload:double"

STYLE_BUILDERS = {
    "unit_cells.qml": ("Polygon?field=code:string", unit_cells),
    "components.qml": (COMPONENT_URI, components),
    "audit_problems.qml": (AUDIT_URI, audit_problems),
    "audit_points.qml": (AUDIT_URI.replace("MultiPolygon", "Point"), audit_points),
    "responsibility_areas.qml": (AREA_URI, responsibility_areas),
    "grades.qml": (SCORE_URI, score_grades),
    "density.qml": (SCORE_URI, score_density),
    "cases.qml": ("Point?field=case_id:string&field=state:string", cases),
    "case_counts.qml": ("Polygon?field=cell_code:string&field=cases:integer", case_counts),
    "census_problems.qml": ("Point?field=problems:string&field=reason:string", census_problems),
}


def main(argv: list[str] | None = None) -> int:
    """Build every style, or only the ones named on the command line (e.g. ``components.qml``)."""
    names = list(argv if argv is not None else sys.argv[1:]) or list(STYLE_BUILDERS)
    unknown = [n for n in names if n not in STYLE_BUILDERS]
    if unknown:
        print(f"unknown style(s) {unknown}; known: {list(STYLE_BUILDERS)}", file=sys.stderr)
        return 2
    app = QgsApplication([], False)
    app.initQgis()
    STYLES.mkdir(parents=True, exist_ok=True)
    for name in names:
        uri, build = STYLE_BUILDERS[name]
        layer = QgsVectorLayer(uri, name, "memory")
        build(layer)
        msg, ok = layer.saveNamedStyle(str(STYLES / name))
        if not ok:
            print(name, msg, file=sys.stderr)
            return 1
        print(STYLES / name)
        del layer
    app.exitQgis()
    return 0


if __name__ == "__main__":
    sys.exit(main())
