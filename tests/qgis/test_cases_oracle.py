"""QGIS as the oracle for case counts (wanmi.core.cases), and the case Processing algorithms in real QGIS.

Data: the Dongcheng regular grid (169 synthetic communities of the bundled sample, ~4,600 cells, EPSG:4548),
12,000 seeded synthetic cases over it plus 1,500 cases placed exactly on cell edges and vertices.

QGIS 3.22 ``native:countpointsinpolygon`` counts only points strictly inside a polygon (see
tests/qgis/test_geocode_oracle.py), so:

* cases strictly inside cells: Wanmi's per-cell counts equal QGIS's exactly — all cases, and the event
  (事件) cases alone (the sum of the ``sj_`` class columns) against QGIS on a filtered layer; per community
  against QGIS on the community polygons;
* all cases: Wanmi's count = QGIS's + the border cases the tie rule hands to that cell, each of them to a
  cell QGIS lists for it (``native:joinattributesbylocation``, intersects).
"""

from __future__ import annotations

import csv
from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

from wanmi.core.cases import case_counts, overlay_cases, synthetic_cases
from wanmi.core.grid import partition
from wanmi.layers.case_store import read_case_store, write_cases
from wanmi.layers.gpkg import write_gpkg

from .conftest import ROOT

DONGCHENG = ROOT / "layers" / "sample" / "dongcheng.gpkg"
CRS = "EPSG:4548"


def _layer(kind: str, fields: dict[str, str], geoms: np.ndarray, values: list[list], name: str) -> QgsVectorLayer:
    spec = "&".join(f"field={k}:{v}" for k, v in fields.items())
    layer = QgsVectorLayer(f"{kind}?crs={CRS}&{spec}", name, "memory")
    feats = []
    for wkb, vals in zip(shapely.to_wkb(geoms), values):
        f = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(wkb)
        f.setGeometry(g)
        f.setAttributes(vals)
        feats.append(f)
    assert layer.dataProvider().addFeatures(feats)[0]
    assert layer.featureCount() == len(geoms)
    assert layer.dataProvider().createSpatialIndex()
    return layer


def _count(points: QgsVectorLayer, polygons: QgsVectorLayer, key: str = "k") -> np.ndarray:
    import processing

    out = processing.run("native:countpointsinpolygon", {
        "POLYGONS": polygons, "POINTS": points, "FIELD": "NUMPOINTS", "OUTPUT": "memory:"})["OUTPUT"]
    counts = np.full(polygons.featureCount(), -1, dtype=np.int64)
    for f in out.getFeatures():
        counts[int(f[key])] = int(f["NUMPOINTS"])
    assert (counts >= 0).all()
    return counts


@pytest.fixture(scope="module")
def data(qgis_processing):
    communities = gpd.read_file(DONGCHENG, layer="communities", engine="pyogrio")
    cells = partition(communities, method="regular", target_area=10_000.0).cells.reset_index(drop=True)
    cases = synthetic_cases(None, cells, 12_000, "2025-01-01", "2025-04-01", seed=20250301)
    # 1,500 more on cell edges and vertices: vertices of the cells, and midpoints of their straight edges
    rng = np.random.default_rng(11)
    coords = shapely.get_coordinates(shapely.get_exterior_ring(cells.geometry.to_numpy(dtype=object)))
    pick = rng.integers(0, len(coords) - 1, 1500)
    a, b = coords[pick], coords[pick + 1]
    # midpoints only of axis-parallel edges (exactly on them); other edges: their vertex
    mid = (rng.random(1500) < 0.5) & ((a[:, 0] == b[:, 0]) | (a[:, 1] == b[:, 1]))
    xy = np.where(mid[:, None], (coords[pick] + coords[pick + 1]) / 2.0, coords[pick])
    edge = cases.iloc[:1500].copy()
    edge["case_id"] = [f"E{k:05d}" for k in range(1500)]
    edge = edge.set_geometry(shapely.points(xy), crs=CRS)
    allc = pd.concat([cases, edge], ignore_index=True)
    allc = gpd.GeoDataFrame(allc, geometry="geometry", crs=CRS)
    boundary_tree = shapely.STRtree(shapely.boundary(cells.geometry.to_numpy(dtype=object)))
    hit, _ = boundary_tree.query(allc.geometry.to_numpy(dtype=object), predicate="intersects")
    on_border = np.zeros(len(allc), dtype=bool)
    on_border[hit] = True
    d = {"cells": cells, "cases": allc, "on_border": on_border, "communities": communities}
    d["cell_layer"] = _layer("Polygon", {"k": "integer"}, cells.geometry.to_numpy(dtype=object),
                             [[k] for k in range(len(cells))], "cells")
    d["point_layer"] = _layer("Point", {"pid": "integer", "kind": "string"}, allc.geometry.to_numpy(dtype=object),
                              [[k, allc["kind"].iat[k]] for k in range(len(allc))], "cases")
    yield d
    del d["cell_layer"], d["point_layer"]


def test_generated_cases_lie_off_the_edges_and_snapped_ones_on_them(data):
    on = data["on_border"]
    assert on[-1500:].all()
    assert on[:-1500].sum() == 0  # uniform points never land on an edge (checked, not assumed)


def test_counts_per_cell_equal_qgis_for_cases_strictly_inside(qgis_processing, data):
    cells, cases = data["cells"], data["cases"]
    inner = cases[~data["on_border"]]
    layer = _layer("Point", {"pid": "integer", "kind": "string"}, inner.geometry.to_numpy(dtype=object),
                   [[k, v] for k, v in enumerate(inner["kind"])], "inner")
    events = _layer("Point", {"pid": "integer"}, inner.geometry.to_numpy(dtype=object)[inner["kind"] == "事件"],
                    [[k] for k in range(int((inner["kind"] == "事件").sum()))], "events")
    try:
        qgis_all = _count(layer, data["cell_layer"])
        qgis_events = _count(events, data["cell_layer"])
    finally:
        del layer, events
    counts = case_counts(overlay_cases(inner, cells), by="cell_code", keys=cells["code"])
    counts = counts.reindex(cells["code"])
    assert qgis_all.sum() == len(inner)  # every synthetic case lies in a cell
    np.testing.assert_array_equal(counts["cases"].to_numpy(), qgis_all)
    sj = counts[[c for c in counts.columns if c.startswith("sj_")]].sum(axis=1).to_numpy()
    np.testing.assert_array_equal(sj, qgis_events)


def test_counts_per_community_equal_qgis_on_the_community_polygons(qgis_processing, data):
    comm = data["communities"]
    inner = data["cases"][~data["on_border"]]
    ring = shapely.STRtree(shapely.boundary(comm.geometry.to_numpy(dtype=object)))
    assert ring.query(inner.geometry.to_numpy(dtype=object), predicate="intersects")[0].size == 0
    layer = _layer("Point", {"pid": "integer"}, inner.geometry.to_numpy(dtype=object),
                   [[k] for k in range(len(inner))], "inner")
    polys = _layer("MultiPolygon", {"k": "integer"}, comm.geometry.to_numpy(dtype=object),
                   [[k] for k in range(len(comm))], "communities")
    try:
        qgis = _count(layer, polys)
    finally:
        del layer, polys
    keys = (comm["district_code"] + comm["street_code"] + comm["community_code"]).tolist()
    ours = case_counts(overlay_cases(inner, data["cells"]), by="community_code", by_class=False, keys=keys)
    np.testing.assert_array_equal(ours.reindex(keys)["cases"].to_numpy(), qgis)


def test_border_cases_go_to_one_of_the_cells_qgis_lists(qgis_processing, data):
    import processing

    cells, cases = data["cells"], data["cases"]
    ov = overlay_cases(cases, cells)
    code_to_k = {c: k for k, c in enumerate(cells["code"])}
    ours = ov["cell_code"].map(code_to_k).fillna(-1).astype(int).to_numpy()
    assert (ours >= 0).all()  # cell edges and vertices are inside or on the grid
    out = processing.run("native:joinattributesbylocation", {
        "INPUT": data["point_layer"], "JOIN": data["cell_layer"], "PREDICATE": [0], "JOIN_FIELDS": ["k"],
        "METHOD": 0, "DISCARD_NONMATCHING": True, "PREFIX": "j_", "OUTPUT": "memory:"})["OUTPUT"]
    touching: dict[int, set[int]] = defaultdict(set)
    for f in out.getFeatures():
        touching[int(f["pid"])].add(int(f["j_k"]))
    border = np.flatnonzero(data["on_border"])
    assert sum(len(touching[p]) > 1 for p in border) > 1000  # most sit on shared edges/vertices
    for p in border:
        assert ours[p] in touching[p], (p, ours[p], touching[p])
    qgis = _count(data["point_layer"], data["cell_layer"])
    n = len(cells)
    ours_counts = case_counts(ov, by="cell_code", by_class=False, keys=cells["code"]).reindex(cells["code"])
    np.testing.assert_array_equal(ours_counts["cases"].to_numpy(),
                                  qgis + np.bincount(ours[border], minlength=n))


# --- the Processing algorithms ---------------------------------------------------------------------------
def test_overlay_cases_algorithm_matches_qgis_counts(provider, data, tmp_path):
    import processing

    inner = data["cases"][~data["on_border"]].iloc[::4]  # 3,000 cases over the quarter
    path = write_cases(tmp_path / "cases.gpkg", inner)
    cells_path = tmp_path / "cells.gpkg"
    write_gpkg(cells_path, {"unit_cells": data["cells"]})
    cases_layer = QgsVectorLayer(f"{path}|layername=cases", "cases", "ogr")
    cells_layer = QgsVectorLayer(f"{cells_path}|layername=unit_cells", "cells", "ogr")
    assert cases_layer.isValid() and cells_layer.isValid()
    try:
        res = processing.run("wanmi:overlay_cases", {
            "CASES": cases_layer, "CELLS": cells_layer, "CODE_FIELD": "code", "PERIOD": "2025-02", "BY": 0,
            "BY_CLASS": False, "OUTPUT": "memory:", "COUNTS": "memory:"})
        feb = inner[(inner["reported_at"] >= "2025-02-01") & (inner["reported_at"] < "2025-03-01")]
        assert len(feb) > 500 and res["CASE_COUNT"] == len(feb) and res["INSIDE"] == len(feb)
        out = res["OUTPUT"]
        names = out.fields().names()
        assert {"cell_code", "community_code", "street_code", "reported_at", "closed_at"} <= set(names)
        first = next(out.getFeatures())
        assert first["reported_at"].time().hour() == feb["reported_at"].iloc[0].hour  # times survive
        counts = res["COUNTS"]
        assert counts.featureCount() == len(data["cells"])
        ours = {f["cell_code"]: int(f["cases"]) for f in counts.getFeatures()}
        feb_layer = _layer("Point", {"pid": "integer"}, feb.geometry.to_numpy(dtype=object),
                           [[k] for k in range(len(feb))], "feb")
        cell_layer = data["cell_layer"]
        qgis = _count(feb_layer, cell_layer)
        del feb_layer
        np.testing.assert_array_equal([ours[c] for c in data["cells"]["code"]], qgis)
    finally:
        del cases_layer, cells_layer


def test_import_cases_algorithm_stores_valid_and_rejects_with_reason(provider, tmp_path):
    import processing

    src = tmp_path / "cases.csv"
    with open(src, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["案卷编号", "案卷类型", "小类代码", "案卷来源", "上报时间", "立案时间", "案卷状态", "经度", "纬度"])
        times = ["2025-03-01 08:00", "2025-03-01 08:10"]
        w.writerow(["A1", "事件", "0102", "监督员", *times, "办理中", "116.40", "39.91"])
        w.writerow(["A2", "事件", "9999", "监督员", *times, "办理中", "116.40", "39.91"])
        w.writerow(["A3", "事件", "0102", "公众举报", "2025-03-01 09:00", times[1], "办理中", "116.40", "39.91"])
    store, rejects = tmp_path / "store.gpkg", tmp_path / "rejects.csv"
    res = processing.run("wanmi:import_cases", {"INPUT": str(src), "COORDS": 0, "STORE": str(store),
                                                "REJECTS": str(rejects)})
    assert (res["WRITTEN"], res["REJECTED"]) == (1, 2)
    assert read_case_store(store)["case_id"].tolist() == ["A1"]
    with open(rejects, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["案卷编号"], r["problems"], r["source_line"]) for r in rows] == [("A2", "unknown_class", "3"),
                                                                           ("A3", "time_order", "4")]
    layer = QgsVectorLayer(res["CASES"], "c", "ogr")
    assert layer.isValid() and layer.featureCount() == 1
    del layer
