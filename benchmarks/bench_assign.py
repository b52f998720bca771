"""Point → cell assignment: Wanmi vs geopandas.sjoin vs QGIS, same data, same process, same run.

Cells: (1) the 100 m lattice clipped to the Dongcheng district polygon (bundled sample, EPSG:4548, 42 km²,
~4,500 cells); (2) irregular cells: a seeded Voronoi diagram of 4,000 sites clipped to the same district
(synthetic, generated here). Points: ``--points`` (default 1,000,000; ``--quick`` 100,000) seeded uniform
points over the district's bounding box (about 50 % fall inside).

Timed (median of 3 after one untimed warm-up run, inputs already in memory as GeoDataFrames / QGIS memory
layers):

* Wanmi ``assign_points`` on coordinate arrays ("raw": the engine alone; ``method="auto"``: the lattice
  path with the cells' lattice, the bucket lattice of ``index_lattice`` for the Voronoi cells);
* Wanmi ``count_points_in_cells`` on the GeoDataFrames (coordinates read from the Point objects first;
  "auto": lattice path for lattice cells, STRtree reusing the Point objects for Voronoi cells; and
  ``method="strtree"`` for both) and ``assign_to_cells`` (four code columns per point);
* ``geopandas.sjoin(points, cells, predicate="intersects")`` + a per-cell count;
* QGIS ``native:countpointsinpolygon`` and ``native:joinattributesbylocation`` (intersects, first match,
  discard non-matching) on memory layers with a spatial index; building the points' index with
  ``native:createspatialindex`` is timed once and reported separately.

Wanmi's and QGIS's per-cell counts are compared (uniform random points lie on no border, so they must be
identical). Peak RSS is reported after the Wanmi/geopandas part (before QGIS starts) and at the end.
Results: ``benchmarks/results/assign.txt``.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from benchmarks import RESULTS, ROOT, peak_rss_mib, polygon_layer, start_qgis, time_median
from wanmi.core.geocode import assign_points, assign_to_cells, count_points_in_cells
from wanmi.core.lattice import Lattice

SIDE = 100.0
CRS = "EPSG:4548"
SEED = 20261122


def district() -> shapely.Geometry:
    frame = gpd.read_file(ROOT / "layers" / "sample" / "dongcheng.gpkg", layer="district", engine="pyogrio")
    return frame.geometry.union_all() if hasattr(frame.geometry, "union_all") else frame.unary_union


def _frame(geoms: np.ndarray) -> gpd.GeoDataFrame:
    codes = [f"110101{k:09d}" for k in range(len(geoms))]  # 15-digit codes, sequential (not a real scheme)
    return gpd.GeoDataFrame({"code": codes}, geometry=geoms, crs=CRS)


def lattice_cells(poly: shapely.Geometry, lattice: Lattice) -> gpd.GeoDataFrame:
    """Lattice boxes clipped to ``poly`` (border boxes intersected, inner boxes kept), single parts."""
    i0, j0, i1, j1 = lattice.index_range(poly.bounds)
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    boxes = lattice.boxes(ii.ravel(), jj.ravel())
    shapely.prepare(poly)
    inside = shapely.contains_properly(poly, boxes)
    border = ~inside & shapely.intersects(poly, boxes)
    pieces = np.concatenate([boxes[inside], shapely.intersection(boxes[border], poly)])
    parts = shapely.get_parts(pieces)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)]
    return _frame(parts)


def voronoi_cells(poly: shapely.Geometry, n: int = 4000) -> gpd.GeoDataFrame:
    """A seeded Voronoi diagram of ``n`` sites inside ``poly``, clipped to it, single parts."""
    rng = np.random.default_rng(SEED)
    xmin, ymin, xmax, ymax = poly.bounds
    sites = shapely.points(rng.uniform(xmin, xmax, 4 * n), rng.uniform(ymin, ymax, 4 * n))
    sites = sites[shapely.contains(poly, sites)][:n]
    diagram = shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=poly.buffer(500))
    regions = shapely.get_parts(diagram)
    parts = shapely.get_parts(shapely.intersection(regions, poly))
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-6)]
    return _frame(parts)


def random_points(poly: shapely.Geometry, n: int) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(SEED + 1)
    xmin, ymin, xmax, ymax = poly.bounds
    xy = np.column_stack([rng.uniform(xmin, xmax, n), rng.uniform(ymin, ymax, n)])
    return gpd.GeoDataFrame({"pid": np.arange(n)}, geometry=shapely.points(xy), crs=CRS)


def sjoin_counts(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame) -> np.ndarray:
    joined = gpd.sjoin(points, cells[["geometry"]], predicate="intersects", how="inner")
    return np.bincount(joined["index_right"].to_numpy(), minlength=len(cells))


# --------------------------------------------------------------------------------------------------
# QGIS
# --------------------------------------------------------------------------------------------------


def qgis_layers(points: gpd.GeoDataFrame, cell_sets: dict[str, gpd.GeoDataFrame], tmp: Path):
    """Memory layers: points via a GeoPackage + ``materialize`` (fast), cells feature by feature."""
    from qgis.core import QgsFeatureRequest, QgsVectorLayer

    path = tmp / "points.gpkg"
    points.to_file(path, layer="points", engine="pyogrio", VERSION="1.3")
    ogr = QgsVectorLayer(f"{path}|layername=points", "points_ogr", "ogr")
    assert ogr.isValid(), path
    mem = ogr.materialize(QgsFeatureRequest())
    del ogr
    assert mem.featureCount() == len(points)
    cells = {name: polygon_layer(frame.geometry.values, CRS, name,
                                 {"cell": np.arange(len(frame)), "code": frame["code"].to_numpy()})
             for name, frame in cell_sets.items()}
    return mem, cells


def qgis_count(points, cells) -> np.ndarray:
    import processing

    out = processing.run("native:countpointsinpolygon", {
        "POLYGONS": cells, "POINTS": points, "FIELD": "NUMPOINTS", "OUTPUT": "memory:"})["OUTPUT"]
    counts = np.zeros(cells.featureCount(), dtype=np.int64)
    for f in out.getFeatures():
        counts[int(f["cell"])] = int(f["NUMPOINTS"])
    return counts


def qgis_join(points, cells) -> int:
    import processing

    out = processing.run("native:joinattributesbylocation", {
        "INPUT": points, "JOIN": cells, "PREDICATE": [0], "JOIN_FIELDS": ["code"], "METHOD": 1,
        "DISCARD_NONMATCHING": True, "PREFIX": "", "OUTPUT": "memory:"})["OUTPUT"]
    return out.featureCount()


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_assign", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=1_000_000, help="number of points (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 points")
    parser.add_argument("--no-qgis", action="store_true", help="skip the QGIS timings")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median; default 3)")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.points
    rep = args.repeat

    poly = district()
    lattice = Lattice(SIDE)
    cell_sets = {"lattice": lattice_cells(poly, lattice), "voronoi": voronoi_cells(poly)}
    points = random_points(poly, n)
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()

    lines = [
        "Point → cell assignment: Wanmi vs geopandas.sjoin vs QGIS (same run, median of "
        f"{rep} after a warm-up run, wall seconds)",
        f"{n:,} uniform points over the Dongcheng bbox ({poly.area / 1e6:.1f} km² district, EPSG:4548); "
        f"{platform.python_version()}, shapely {shapely.__version__}, geopandas {gpd.__version__}",
    ]
    results: dict[str, dict[str, float]] = {}
    counts: dict[str, np.ndarray] = {}
    for name, cells in cell_sets.items():
        lat = lattice if name == "lattice" else None
        r = results[name] = {}
        r["cells"] = len(cells)
        r["wanmi raw assign_points"], idx = time_median(
            lambda c=cells, la=lat: assign_points(x, y, c, la), rep)
        r["wanmi count (auto)"], counts[name] = time_median(
            lambda c=cells, la=lat: count_points_in_cells(points, c, la), rep)
        r["wanmi count (STRtree)"], strtree_counts = time_median(
            lambda c=cells: count_points_in_cells(points, c, method="strtree"), rep)
        r["wanmi assign_to_cells"], table = time_median(
            lambda c=cells, la=lat: assign_to_cells(points, c, lattice=la), rep)
        r["geopandas sjoin + count"], sj = time_median(lambda c=cells: sjoin_counts(points, c), rep)
        assert np.array_equal(counts[name], strtree_counts), name
        assert np.array_equal(counts[name], sj), name  # no border points among uniform points
        assert int(table["cell_code"].notna().sum()) == int((idx >= 0).sum())
        r["inside"] = int((idx >= 0).sum())
    wanmi_peak = peak_rss_mib()

    qgis_index = None
    if not args.no_qgis:
        app, created = start_qgis()
        with tempfile.TemporaryDirectory() as tmp:
            pts_layer, cell_layers = qgis_layers(points, cell_sets, Path(tmp))
            import processing

            t0 = time.perf_counter()
            processing.run("native:createspatialindex", {"INPUT": pts_layer})
            qgis_index = time.perf_counter() - t0
            for name, layer in cell_layers.items():
                r = results[name]
                r["QGIS countpointsinpolygon"], qc = time_median(
                    lambda la=layer: qgis_count(pts_layer, la), rep)
                r["QGIS joinattributesbylocation"], qj = time_median(
                    lambda la=layer: qgis_join(pts_layer, la), rep)
                r["qgis_same_counts"] = bool(np.array_equal(qc, counts[name]))
                r["qgis_joined"] = qj
            del pts_layer, cell_layers, layer
        if created:
            app.exitQgis()
    final_peak = peak_rss_mib()

    for name, r in results.items():
        title = {"lattice": f"Lattice cells: {SIDE:.0f} m lattice clipped to the district",
                 "voronoi": "Irregular cells: Voronoi of 4,000 sites clipped to the district"}[name]
        lines += ["", f"{title} — {r['cells']:,} cells, {r['inside']:,} points inside",
                  f"  {'method':<38}{'seconds':>9}"]
        for key in ("wanmi raw assign_points", "wanmi count (auto)", "wanmi count (STRtree)",
                    "wanmi assign_to_cells", "geopandas sjoin + count", "QGIS countpointsinpolygon",
                    "QGIS joinattributesbylocation"):
            if key in r:
                lines.append(f"  {key:<38}{r[key]:>9.3f}")
        if "QGIS countpointsinpolygon" in r:
            qc, qj = r["QGIS countpointsinpolygon"], r["QGIS joinattributesbylocation"]
            lines += [
                f"  ratio QGIS count / Wanmi raw assign_points: {qc / r['wanmi raw assign_points']:7.1f}×",
                f"  ratio QGIS count / Wanmi count (auto):      {qc / r['wanmi count (auto)']:7.1f}×",
                f"  ratio QGIS count / Wanmi count (STRtree):   {qc / r['wanmi count (STRtree)']:7.1f}×",
                f"  ratio QGIS join  / Wanmi assign_to_cells:   {qj / r['wanmi assign_to_cells']:7.1f}×",
                f"  ratio sjoin      / Wanmi count (auto):      "
                f"{r['geopandas sjoin + count'] / r['wanmi count (auto)']:7.1f}×",
                f"  per-cell counts identical to QGIS: {'yes' if r['qgis_same_counts'] else 'NO'}"
                f" (QGIS join matched {r['qgis_joined']:,} points)",
            ]
    lines.append("")
    if qgis_index is not None:
        lines.append(f"QGIS native:createspatialindex on the {n:,}-point memory layer (once, not in the "
                     f"rows above): {qgis_index:.2f} s")
    lines.append(f"Peak RSS: {wanmi_peak:,.0f} MiB after the Wanmi + geopandas part (before QGIS starts), "
                 f"{final_peak:,.0f} MiB at the end")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("assign.txt" if n == 1_000_000 else f"assign_{n}.txt")
    out.write_text(text + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
