"""wanmi:responsibility and wanmi:audit in real QGIS, with QGIS native algorithms as the oracle:
qgis:checkvalidity finds the same invalid cells, native:difference the same gap area and
native:intersection (cells × cells) the same overlap area as the audit."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer
from shapely.geometry import Polygon, box

from wanmi.core.audit import audit
from wanmi.core.grid import partition

X0, Y0 = 500_000.0, 4_400_000.0


def _layer(frame: gpd.GeoDataFrame, name: str, kind: str = "MultiPolygon") -> QgsVectorLayer:
    cols = [c for c in frame.columns if c != "geometry"]
    uri = f"{kind}?crs=EPSG:{frame.crs.to_epsg()}" + "".join(f"&field={c}:string" for c in cols)
    layer = QgsVectorLayer(uri, name, "memory")
    feats = []
    for row, geom in zip(frame[cols].itertuples(index=False), frame.geometry.values):
        f = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(shapely.to_wkb(geom))
        f.setGeometry(g)
        f.setAttributes([None if v is None else str(v) for v in row])
        feats.append(f)
    assert layer.dataProvider().addFeatures(feats)
    return layer


@pytest.fixture(scope="module")
def grid():
    comm = gpd.GeoDataFrame(
        {"district_code": ["110101"] * 3, "street_code": ["001", "001", "002"],
         "community_code": ["001", "002", "001"]},
        geometry=[box(X0, Y0, X0 + 300, Y0 + 200), box(X0 + 300, Y0, X0 + 600, Y0 + 200),
                  box(X0, Y0 + 200, X0 + 600, Y0 + 300)], crs="EPSG:4548")
    cells = partition(comm, valid_from="2026-01-01").cells
    return comm, cells[["code", "district_code", "street_code", "community_code", "geometry"]]


def _defective(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A gap of 150 m², an overlap of 800 m² and one invalid (spiked, same area) cell."""
    cells = cells.copy()
    g = cells.geometry.values

    def at(x, y):
        return int(np.flatnonzero(shapely.contains_xy(g, X0 + x, Y0 + y))[0])

    a, b, c = at(50, 50), at(450, 50), at(550, 250)
    cells.loc[a, "geometry"] = g[a].difference(box(X0, Y0, X0 + 15, Y0 + 10))
    cells.loc[b, "geometry"] = box(X0 + 400, Y0, X0 + 500, Y0 + 108)  # 8 m into the cell north of it
    cells.loc[c, "geometry"] = Polygon([(X0 + 500, Y0 + 200), (X0 + 600, Y0 + 200), (X0 + 600, Y0 + 300),
                                        (X0 + 550, Y0 + 300), (X0 + 550, Y0 + 250), (X0 + 550, Y0 + 300),
                                        (X0 + 500, Y0 + 300)])
    return cells


def _total_area(layer) -> float:
    return sum(f.geometry().area() for f in layer.getFeatures())


def test_audit_matches_qgis_native_checks(provider, grid):
    import processing

    comm, clean = grid
    cells = _defective(clean)
    result = audit(cells, comm)
    counts = result.problems["type"].value_counts().to_dict()
    assert counts == {"gap": 1, "overlap": 1, "invalid_geometry": 1}, counts

    cells_layer = _layer(cells, "cells")
    comm_layer = _layer(comm, "communities")
    valid = processing.run("qgis:checkvalidity", {
        "INPUT_LAYER": cells_layer, "METHOD": 2, "IGNORE_RING_SELF_INTERSECTION": False,
        "VALID_OUTPUT": "memory:", "INVALID_OUTPUT": "memory:", "ERROR_OUTPUT": "memory:"})
    assert valid["INVALID_COUNT"] == counts["invalid_geometry"]
    invalid_codes = {f["code"] for f in valid["INVALID_OUTPUT"].getFeatures()}
    assert invalid_codes == set(result.problems.loc[result.problems["type"] == "invalid_geometry", "codes"])

    fixed = processing.run("native:fixgeometries", {"INPUT": cells_layer, "OUTPUT": "memory:"})["OUTPUT"]
    gap = processing.run("native:difference", {"INPUT": comm_layer, "OVERLAY": fixed, "OUTPUT": "memory:"})
    qgis_gap = _total_area(gap["OUTPUT"])
    ours_gap = result.problems.loc[result.problems["type"] == "gap", "area_m2"].sum()
    assert qgis_gap == pytest.approx(150.0, abs=1e-6) and ours_gap == pytest.approx(qgis_gap, abs=1e-6)

    inter = processing.run("native:intersection", {"INPUT": fixed, "OVERLAY": fixed, "OUTPUT": "memory:"})
    # every cell meets itself; each overlapping pair appears twice
    qgis_overlap = (_total_area(inter["OUTPUT"]) - _total_area(fixed)) / 2
    ours_overlap = result.problems.loc[result.problems["type"] == "overlap", "area_m2"].sum()
    assert qgis_overlap == pytest.approx(800.0, abs=1e-6) and ours_overlap == pytest.approx(qgis_overlap, abs=1e-6)


def test_processing_responsibility_then_audit(provider, grid, tmp_path):
    import processing

    comm, cells = grid
    out = processing.run("wanmi:responsibility", {
        "INPUT": _layer(cells, "cells"), "N": 3, "WEIGHT": 0, "OUTPUT": "memory:", "CELLS_OUTPUT": "memory:"})
    areas = out["OUTPUT"]
    assert areas.featureCount() == 3 and out["AREA_COUNT"] == 3
    assert sum(f.geometry().area() for f in areas.getFeatures()) == pytest.approx(180_000.0)
    assert out["MAX_MEAN"] <= 1.15
    with_area = out["CELLS_OUTPUT"]
    assert with_area.featureCount() == len(cells)
    assert {f["area_code"] for f in with_area.getFeatures()} == {f["area_code"] for f in areas.getFeatures()}

    report = tmp_path / "audit.html"
    res = processing.run("wanmi:audit", {
        "INPUT": _layer(cells, "cells"), "JURISDICTION": _layer(comm, "communities"), "AREAS": areas,
        "OUTPUT": "memory:", "POINTS": "memory:", "REPORT": str(report)})
    problems = res["OUTPUT"]
    # the new areas have no responsible party yet: exactly one problem per area, nothing else
    assert res["ERRORS"] == 3 and res["WARNINGS"] == 0
    assert sorted(f["type"] for f in problems.getFeatures()) == ["no_responsible"] * 3
    assert report.exists() and report.with_suffix(".md").exists() and report.with_suffix(".csv").exists()
    assert "无责任主体" in report.read_text(encoding="utf-8")


def test_audit_geopackage_opens_styled_in_qgis(qgis_app, grid, tmp_path):
    from wanmi.layers.audit_report import write_audit_gpkg

    comm, cells = grid
    cells = _defective(cells)
    path = write_audit_gpkg(audit(cells, comm), tmp_path / "audit.gpkg")
    layer = QgsVectorLayer(f"{path}|layername=audit_problems", "audit_problems", "ogr")
    assert layer.isValid() and layer.featureCount() == 3
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "type"
    values = {c.value() for c in renderer.categories()}
    assert {"gap", "overlap", "invalid_geometry", "no_responsible"} <= values
