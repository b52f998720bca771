"""Grade/density styles in real QGIS, applied by the layer post-processor of wanmi:evaluate; wanmi:render_map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsFeature,
    QgsGeometry,
    QgsGraduatedSymbolRenderer,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingUtils,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDateTime

from wanmi.core.evaluation import evaluate, grade_labels, load_weights

CRS = "EPSG:4548"
X0, Y0 = 447_000.0, 4_420_000.0
MARCH = "2025-03"


def _cells() -> gpd.GeoDataFrame:
    """6 × 5 cells of 100 m in two communities (columns 0–2 and 3–5) of street 001."""
    geoms, codes, comms = [], [], []
    for j in range(5):
        for i in range(6):
            geoms.append(shapely.box(X0 + i * 100, Y0 + j * 100, X0 + i * 100 + 100, Y0 + j * 100 + 100))
            comm = "001" if i < 3 else "002"
            comms.append(comm)
            codes.append(f"110101001{comm}{len([c for c in comms if c == comm]):03d}")
    return gpd.GeoDataFrame({"code": codes, "district_code": "110101", "street_code": "001",
                             "community_code": comms, "area_m2": 10_000.0}, geometry=geoms, crs=CRS)


def _cases(n: int = 600, seed: int = 5) -> gpd.GeoDataFrame:
    """Seeded cases over the west 5 columns (column 6 stays empty → 无数据), varied closure behaviour."""
    rng = np.random.default_rng(seed)
    x = X0 + rng.uniform(0, 500, n)
    y = Y0 + rng.uniform(0, 500, n)
    reg = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.uniform(0, 30, n), unit="D")
    deadline = reg + pd.Timedelta(hours=24)
    # closure quality worsens from west to east so the cells spread over several grades
    late = rng.uniform(0, 1, n) < (x - X0) / 500
    disposed = np.where(late, deadline + pd.Timedelta(hours=6), reg + pd.Timedelta(hours=4))
    open_ = rng.uniform(0, 1, n) < 0.25 * (x - X0) / 500
    closed = pd.Series(disposed + pd.Timedelta(hours=1)).where(~open_)
    frame = pd.DataFrame({
        "case_id": [f"C{k:04d}" for k in range(n)], "kind": "事件", "class_code": "06010",
        "source": np.where(rng.uniform(0, 1, n) < 0.1, "公众举报", "监督员"), "dept_code": "D1",
        "dept_name": "环卫中心", "supervisor": "S1", "reported_at": reg - pd.Timedelta(minutes=10),
        "registered_at": reg, "dispatched_at": reg, "disposed_at": disposed, "feedback_at": pd.NaT,
        "checked_at": pd.NaT, "closed_at": closed, "deadline": deadline, "rework_count": 0,
        "state": np.where(open_, "办理中", "已结案")})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(x, y), crs=CRS)


def _layer(frame: gpd.GeoDataFrame, geom: str, name: str) -> QgsVectorLayer:
    fields = []
    for col in frame.columns:
        if col == "geometry":
            continue
        kind = frame[col].dtype.kind
        fields.append(f"field={col}:" + {"M": "datetime", "f": "double", "i": "integer"}.get(kind, "string"))
    layer = QgsVectorLayer(f"{geom}?crs={CRS}&" + "&".join(fields), name, "memory")
    feats = []
    cols = [c for c in frame.columns if c != "geometry"]
    for row, wkb in zip(frame[cols].itertuples(index=False), shapely.to_wkb(frame.geometry.values)):
        f = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(wkb)
        f.setGeometry(g)
        values = []
        for v in row:
            if isinstance(v, pd.Timestamp):
                values.append(None if pd.isna(v) else QDateTime(v.to_pydatetime(warn=False)))
            elif v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
                values.append(None)
            elif hasattr(v, "item"):
                values.append(v.item())
            else:
                values.append(v)
        f.setAttributes(values)
        feats.append(f)
    assert layer.dataProvider().addFeatures(feats)
    return layer


def _hex(color) -> str:
    return color.name().lower()


def _run_loaded(alg_id: str, params: dict, output: str = "OUTPUT"):
    """Run like the GUI does: the output goes to the project, so Processing keeps its post-processor."""
    from qgis.core import QgsApplication

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    params = {**params, output: QgsProcessingOutputLayerDefinition("memory:", QgsProject.instance())}
    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    result, ok = alg.run(params, context, QgsProcessingFeedback())
    assert ok, result
    dest = result[output]
    assert context.willLoadLayerOnCompletion(dest)
    details = context.layerToLoadOnCompletionDetails(dest)
    layer = QgsProcessingUtils.mapLayerFromString(dest, context)
    return result, layer, details.postProcessor(), context


def test_evaluate_output_gets_the_grade_style_with_five_classes_and_no_data(provider):
    cfg = load_weights()
    cells, cases = _cells(), _cases()
    result, layer, post, context = _run_loaded("wanmi:evaluate", {
        "INPUT": _layer(cases, "Point", "cases"), "CELLS": _layer(cells, "Polygon", "cells"), "CODE_FIELD": "code",
        "BY": 0, "PERIOD": MARCH})
    assert post is not None, "wanmi:evaluate did not attach a layer post-processor"
    post.postProcessLayer(layer, context, QgsProcessingFeedback())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "grade"
    cats = renderer.categories()
    assert [c.value() for c in cats] == ["A", "B", "C", "D", "E", "无数据"]
    assert [_hex(c.symbol().color()) for c in cats] == [cfg.grade_colors[g] for g in ["A", "B", "C", "D", "E",
                                                                                          "无数据"]]
    labels = grade_labels(cfg)
    assert [c.label() for c in cats] == [labels[c.value()] for c in cats]
    # cell-code labels only at large scales
    assert layer.labelsEnabled()
    settings = layer.labeling().settings()
    assert settings.fieldName == "code" and settings.scaleVisibility and settings.minimumScale == 10000
    # every feature falls in exactly one category; the values are the engine's
    expected = evaluate(cases, by="cell_code", period=MARCH, cells=cells).set_index("code")
    got = {f["code"]: (f["grade"], f["n_registered_all"]) for f in layer.getFeatures()}
    assert len(got) == len(cells) == result["UNITS"]
    for code, (grade, n) in got.items():
        assert grade == expected.loc[code, "grade"] and n == expected.loc[code, "n_registered_all"]
    assert {g for g, _ in got.values()} <= {c.value() for c in cats}
    assert result["NO_DATA"] == 5 and sum(g == "无数据" for g, _ in got.values()) == 5  # the empty east column
    assert len({g for g, _ in got.values()}) >= 3


def test_registered_counts_equal_qgis_countpointsinpolygon(provider):
    """Per-cell 立案数 (all cases registered in March, none void) = native:countpointsinpolygon."""
    import processing

    cells, cases = _cells(), _cases()
    mine = evaluate(cases, by="cell_code", period=MARCH, cells=cells).set_index("code")["n_registered_all"]
    out = processing.run("native:countpointsinpolygon", {
        "POLYGONS": _layer(cells, "Polygon", "cells"), "POINTS": _layer(cases, "Point", "cases"),
        "FIELD": "NUMPOINTS", "OUTPUT": "memory:"})["OUTPUT"]
    qgis = {f["code"]: int(f["NUMPOINTS"]) for f in out.getFeatures()}
    assert qgis == mine.to_dict()
    assert sum(qgis.values()) == len(cases)


def test_density_style_recomputes_quantile_classes_on_the_data(qgis_processing):
    from wanmi.processing_scripts.base import QmlStyler
    from wanmi.processing_scripts.score_styles import DENSITY_STYLE

    cells = _cells()
    scores = evaluate(_cases(), by="cell_code", period=MARCH, cells=cells)
    layer = _layer(scores[["code", "grade", "score", "density", "geometry"]], "Polygon", "scores")
    QmlStyler(DENSITY_STYLE).postProcessLayer(layer, QgsProcessingContext(), QgsProcessingFeedback())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsGraduatedSymbolRenderer) and renderer.classAttribute() == "density"
    ranges = renderer.ranges()
    values = scores["density"].to_numpy()
    assert len(ranges) == 5
    assert ranges[0].lowerValue() == pytest.approx(values.min()) and ranges[-1].upperValue() == pytest.approx(
        values.max())
    assert [_hex(r.symbol().color()) for r in ranges] == ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    upper = np.array([r.upperValue() for r in ranges])
    per_class = np.bincount(np.searchsorted(upper, values, side="left"), minlength=5)  # (lower, upper] classes
    assert sum(per_class) == len(values)
    assert max(per_class) - min(per_class) <= 6  # quantiles of 30 values (ties on 0)


def test_render_map_algorithm_writes_png_and_pdf(provider, tmp_path):
    import processing

    scores = evaluate(_cases(), by="cell_code", period=MARCH, cells=_cells())
    layer = _layer(scores[["code", "period", "grade", "score", "density", "geometry"]], "Polygon", "scores")
    out = processing.run("wanmi:render_map", {"INPUT": layer, "FIELD": "grade", "TITLE": "单元网格综合评价",
                                              "PDF": True, "OUTPUT": str(tmp_path / "map.png")})
    assert out["OUTPUT"] == str(tmp_path / "map.png") and out["PDF"] == str(tmp_path / "map.pdf")
    assert (tmp_path / "map.png").stat().st_size > 30_000
    assert (tmp_path / "map.pdf").read_bytes().startswith(b"%PDF")


def test_algorithms_are_in_the_provider_menu(provider):
    from qgis.core import QgsApplication

    p = QgsApplication.processingRegistry().providerById("wanmi")
    ids = [alg_id for alg_id, _ in p.menu_entries()]
    assert "wanmi:evaluate" in ids and "wanmi:render_map" in ids
    assert p.algorithm("evaluate").displayName() == "Compute evaluation scores"
    assert p.algorithm("render_map").displayName() == "Render score map"


def test_evaluate_per_department_gives_a_table(provider):
    """Departments have no polygons: the output is a table with the engine's rates (no grade style)."""
    cases = _cases()
    cases.loc[cases.index[:200], ["dept_code", "dept_name"]] = ["D2", "园林所"]
    result, layer, post, _context = _run_loaded("wanmi:evaluate", {
        "INPUT": _layer(cases, "Point", "cases"), "BY": 4, "PERIOD": MARCH})
    assert post is None and not layer.isSpatial()
    expected = evaluate(cases, by="dept_code", period=MARCH).set_index("code")
    got = {f["code"]: (f["dept_name"], f["closure_rate"], f["grade"]) for f in layer.getFeatures()}
    assert set(got) == {"D1", "D2"} and result["UNITS"] == 2
    for code, (name, rate, grade) in got.items():
        assert name == expected.loc[code, "dept_name"] and grade == expected.loc[code, "grade"]
        assert rate == pytest.approx(expected.loc[code, "closure_rate"])


def test_evaluate_honours_cancel(provider):
    """A canceled run stops before writing anything and returns no outputs."""
    from qgis.core import QgsApplication

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    alg = QgsApplication.processingRegistry().createAlgorithmById("wanmi:evaluate")
    context = QgsProcessingContext()
    result, _ok = alg.run({"INPUT": _layer(_cases(50), "Point", "cases"), "CELLS": _layer(_cells(), "Polygon", "c"),
                           "BY": 0, "PERIOD": MARCH, "OUTPUT": "memory:"}, context, feedback)
    assert result == {}


def test_a_grid_with_history_draws_and_labels_only_the_current_cells(qgis_new_project):
    """Retired cells (valid_to set) stay in a renumbered grid under their successors; the unit-cell style
    must not draw or label them, or the map shows two codes in one place."""
    from qgis.core import (
        QgsExpressionContext,
        QgsExpressionContextUtils,
        QgsFeature,
        QgsGeometry,
        QgsPalLayerSettings,
        QgsRectangle,
        QgsRenderContext,
        QgsVectorLayer,
    )

    from wanmi.processing_scripts.base import apply_style

    layer = QgsVectorLayer("Polygon?crs=EPSG:4548&field=code:string&field=valid_to:date", "history", "memory")
    features = []
    from qgis.PyQt.QtCore import QDate

    for code, valid_to in (("110101001001007", QDate(2025, 1, 1)), ("110101001001009", None)):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(0, 0, 100, 100)))
        feature.setAttributes([code, valid_to])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    assert apply_style(layer, "unit_cells.qml")
    context = QgsRenderContext()
    expressions = QgsExpressionContext()
    expressions.appendScope(QgsExpressionContextUtils.layerScope(layer))
    context.setExpressionContext(expressions)
    renderer = layer.renderer().clone()
    renderer.startRender(context, layer.fields())
    drawn = [f["code"] for f in layer.getFeatures() if renderer.willRenderFeature(f, context)]
    renderer.stopRender(context)
    assert drawn == ["110101001001009"]
    settings = QgsPalLayerSettings(layer.labeling().settings())  # a copy: the chain's temporaries die early
    properties = settings.dataDefinedProperties()
    show = properties.property(QgsPalLayerSettings.Show)
    assert show.isActive()
    for feature in layer.getFeatures():
        expressions.setFeature(feature)
        assert show.valueAsBool(expressions, True)[0] is (feature["code"] == "110101001001009")
    plain = QgsVectorLayer("Polygon?crs=EPSG:4548&field=code:string", "plain", "memory")  # no history field
    assert apply_style(plain, "unit_cells.qml") and plain.renderer().type() == "singleSymbol"
