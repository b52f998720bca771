"""QGIS as the oracle for point → cell assignment (``wanmi.core.geocode``).

Data: 100 m lattice boxes clipped by the Dongcheng district polygon (bundled sample, EPSG:4548), a few
box pairs merged, and 20,000 points: 18,000 uniform over the district's bounding box and 2,000 placed
exactly on shared edges, lattice vertices and cell vertices of the clipped border.

QGIS 3.22 ``native:countpointsinpolygon`` counts only points strictly inside a polygon, so a point on a
shared edge counts for neither cell; ``native:joinattributesbylocation`` with "intersects" (one-to-many)
lists every cell a point touches, with "within" only the cell holding it in its interior. Hence:

* points strictly inside cells: our counts equal QGIS's exactly;
* all points: our count = QGIS count + the border points our tie rule gives to that cell, our cell is
  always one QGIS lists, and on lattice lines inside the district it is the half-open box's cell.
"""

from __future__ import annotations

from collections import defaultdict

import geopandas as gpd
import numpy as np
import pytest
import shapely
from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

from wanmi.core.geocode import assign_points, count_points_in_cells
from wanmi.core.lattice import Lattice

from .conftest import ROOT

DONGCHENG = ROOT / "layers" / "sample" / "dongcheng.gpkg"
SIDE = 100.0
CRS = "EPSG:4548"


def _layer(kind: str, field: str, geoms: np.ndarray, name: str) -> QgsVectorLayer:
    layer = QgsVectorLayer(f"{kind}?crs={CRS}&field={field}:integer", name, "memory")
    feats = []
    for k, wkb in enumerate(shapely.to_wkb(geoms)):
        feature = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(wkb)
        feature.setGeometry(g)
        feature.setAttributes([k])
        feats.append(feature)
    assert layer.dataProvider().addFeatures(feats)[0]
    assert layer.featureCount() == len(geoms)
    assert layer.dataProvider().createSpatialIndex()
    return layer


def _build():
    district = gpd.read_file(DONGCHENG, layer="district", engine="pyogrio")
    assert district.crs.to_epsg() == 4548
    poly = district.geometry.iloc[0]
    lat = Lattice(SIDE)
    i0, j0, i1, j1 = lat.index_range(poly.bounds)
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    boxes = lat.boxes(ii, jj)
    whole = shapely.contains_properly(poly, boxes)
    pieces = shapely.intersection(boxes, poly)
    parts, src = shapely.get_parts(pieces, return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)
    parts, src = parts[keep], src[keep]
    # merge whole boxes (i, j) + (i + 1, j) for i % 4 == 0, j % 5 == 0 (both whole): irregular cells
    box_at = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(ii, jj))}
    group = np.arange(len(parts))
    part_of_box = {int(s): k for k, s in enumerate(src) if whole[s]}
    for s, k in list(part_of_box.items()):
        a, b = int(ii[s]), int(jj[s])
        east = box_at.get((a + 1, b))
        if a % 4 == 0 and b % 5 == 0 and east in part_of_box:
            group[part_of_box[east]] = group[k]
    uniq, inv = np.unique(group, return_inverse=True)
    cells = np.empty(len(uniq), dtype=object)
    for g in range(len(uniq)):
        members = parts[inv == g]
        cells[g] = members[0] if len(members) == 1 else shapely.union_all(members)
    assert (shapely.get_type_id(cells) == 3).all()
    owner = {(int(ii[s]), int(jj[s])): int(inv[k]) for s, k in part_of_box.items()}

    rng = np.random.default_rng(4548)
    xmin, ymin, xmax, ymax = poly.bounds
    n_rand = 18_000
    rx, ry = rng.uniform(xmin, xmax, n_rand), rng.uniform(ymin, ymax, n_rand)
    # 1,500 on lattice lines/vertices of whole boxes, 500 on vertices of the clipped cells
    whole_ij = np.array(sorted(owner))
    pick = whole_ij[rng.integers(0, len(whole_ij), 1500)]
    kind = rng.integers(0, 3, 1500)  # 0: west edge, 1: south edge, 2: south-west vertex
    x0, y0, _, _ = lat.edges(pick[:, 0], pick[:, 1])
    lx = np.where(kind == 1, x0 + rng.uniform(1, SIDE - 1, 1500), x0)
    ly = np.where(kind == 0, y0 + rng.uniform(1, SIDE - 1, 1500), y0)
    border = cells[shapely.get_num_coordinates(cells) > 5]
    coords = shapely.get_coordinates(border)
    vx, vy = coords[rng.integers(0, len(coords), 500)].T
    x = np.concatenate([rx, lx, vx])
    y = np.concatenate([ry, ly, vy])
    return {"cells": cells, "owner": owner, "lattice": lat, "x": x, "y": y, "n_rand": n_rand,
            "lattice_pts": (pick, kind)}


def _join(qgis_processing, points: QgsVectorLayer, cells: QgsVectorLayer, predicate: int
          ) -> dict[int, set[int]]:
    import processing

    out = processing.run("native:joinattributesbylocation", {
        "INPUT": points, "JOIN": cells, "PREDICATE": [predicate], "JOIN_FIELDS": ["cell"], "METHOD": 0,
        "DISCARD_NONMATCHING": True, "PREFIX": "j_", "OUTPUT": "memory:"})["OUTPUT"]
    hits: dict[int, set[int]] = defaultdict(set)
    for f in out.getFeatures():
        hits[int(f["pid"])].add(int(f["j_cell"]))
    return hits


def _count(qgis_processing, points: QgsVectorLayer, cells: QgsVectorLayer) -> np.ndarray:
    import processing

    out = processing.run("native:countpointsinpolygon", {
        "POLYGONS": cells, "POINTS": points, "FIELD": "NUMPOINTS", "OUTPUT": "memory:"})["OUTPUT"]
    counts = np.full(cells.featureCount(), -1, dtype=np.int64)
    for f in out.getFeatures():
        counts[int(f["cell"])] = int(f["NUMPOINTS"])
    assert (counts >= 0).all()
    return counts


@pytest.fixture(scope="module")
def data(qgis_processing):
    d = _build()
    d["cell_layer"] = _layer("Polygon", "cell", d["cells"], "cells")
    d["pts"] = shapely.points(d["x"], d["y"])
    d["point_layer"] = _layer("Point", "pid", d["pts"], "points")
    d["ours"] = assign_points(d["x"], d["y"], d["cells"], lattice=d["lattice"])
    d["ours_strtree"] = assign_points(d["x"], d["y"], d["cells"], method="strtree")
    yield d
    del d["cell_layer"], d["point_layer"]  # release QGIS layers before the app exits


def test_our_paths_agree(data):
    np.testing.assert_array_equal(data["ours"], data["ours_strtree"])


def test_counts_equal_qgis_for_points_strictly_inside(qgis_processing, data):
    n = data["n_rand"]
    cells = data["cells"]
    pts = data["pts"][:n]
    # the uniform points lie on no cell boundary (a measure-zero event; checked, not assumed)
    assert shapely.STRtree(shapely.boundary(cells)).query(pts, predicate="intersects").size == 0
    layer = _layer("Point", "pid", pts, "uniform")
    try:
        qgis = _count(qgis_processing, layer, data["cell_layer"])
    finally:
        del layer
    ours = count_points_in_cells((data["x"][:n], data["y"][:n]), cells, lattice=data["lattice"])
    assert qgis.sum() > 9_000  # about 60 % of the bounding box is inside the district
    np.testing.assert_array_equal(ours, qgis)


def test_border_points_go_to_one_of_qgis_candidates(qgis_processing, data):
    ours, n_cells = data["ours"], len(data["cells"])
    touching = _join(qgis_processing, data["point_layer"], data["cell_layer"], 0)  # intersects
    inside = _join(qgis_processing, data["point_layer"], data["cell_layer"], 5)  # within (interior)
    qgis_counts = _count(qgis_processing, data["point_layer"], data["cell_layer"])

    # a point gets a cell iff QGIS finds one touching it, and then one of those
    for pid, cell in enumerate(ours):
        if cell < 0:
            assert pid not in touching, pid
        else:
            assert cell in touching[pid], (pid, cell, touching.get(pid))
    # strictly inside: exactly one cell, ours
    for pid, cells in inside.items():
        assert cells == {int(ours[pid])}, (pid, cells, ours[pid])
    border = np.array(sorted(set(touching) - set(inside)), dtype=np.int64)
    assert len(border) > 1_500  # the snapped points (plus none of the uniform ones)
    multi = sum(len(touching[p]) > 1 for p in border)
    assert multi > 1_000
    # our count = QGIS strict count + the border points our rule hands to each cell
    ours_counts = np.bincount(ours[ours >= 0], minlength=n_cells)
    np.testing.assert_array_equal(ours_counts, qgis_counts + np.bincount(ours[border], minlength=n_cells))


def test_lattice_line_points_follow_the_north_east_rule(qgis_processing, data):
    """On the west edge, south edge or south-west vertex of a whole box the point goes to that box's cell."""
    touching = _join(qgis_processing, data["point_layer"], data["cell_layer"], 0)
    pick, kind = data["lattice_pts"]
    start = data["n_rand"]
    owner = data["owner"]
    for k, ((i, j), knd) in enumerate(zip(pick, kind)):
        pid = start + k
        expected = owner[(int(i), int(j))]
        assert data["ours"][pid] == expected, (pid, i, j, knd)
        assert data["ours_strtree"][pid] == expected, (pid, i, j, knd)
        qgis_cells = touching[pid]
        assert expected in qgis_cells
        # QGIS sees the shared edge (2 cells) or vertex (up to 4 cells) unless merged cells coincide
        west = owner.get((int(i) - 1, int(j)))
        south = owner.get((int(i), int(j) - 1))
        if knd == 0 and west is not None and west != expected:
            assert qgis_cells == {expected, west}
        if knd == 1 and south is not None and south != expected:
            assert qgis_cells == {expected, south}
        around = [owner.get((int(i) + di, int(j) + dj)) for di in (-1, 0) for dj in (-1, 0)]
        if knd == 2 and None not in around:  # a vertex inside the district: the 4 boxes' cells
            assert qgis_cells == set(around)
