"""Regular partition vs QGIS ``native:creategrid`` + ``native:clip`` (same lattice, same run).

Wanmi's timing includes what QGIS does not do: sliver merging and 15-digit coding. Jurisdictions:
Dongcheng (42 km², bundled sample) and a seeded synthetic star-shaped district of 400 km² (8,000 vertices,
EPSG:32650 near Beijing — synthetic, generated here). Median of 3 runs each.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
A = 10_000.0


def star_district(area_km2: float = 400.0, vertices: int = 8000, seed: int = 20261122) -> gpd.GeoDataFrame:
    """A seeded irregular star-shaped polygon of exactly ``area_km2`` (synthetic)."""
    rng = np.random.default_rng(seed)
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radius = 1.0 + 0.25 * np.sin(5 * angles) + 0.05 * rng.standard_normal(vertices)
    ring = np.column_stack([radius * np.cos(angles) * 0.56, radius * np.sin(angles)])
    poly = shapely.make_valid(shapely.Polygon(ring))
    poly = max(shapely.get_parts(poly), key=shapely.area)
    scale = math.sqrt(area_km2 * 1e6 / poly.area)
    poly = shapely.affinity.scale(poly, scale, scale, origin=(0, 0))
    poly = shapely.affinity.translate(poly, 440_000.0, 4_420_000.0)
    return gpd.GeoDataFrame({"district_code": ["990001"]}, geometry=[poly], crs="EPSG:32650")


def time_median(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def wanmi_partition(frame: gpd.GeoDataFrame) -> None:
    from wanmi.core.grid import partition

    partition(frame, method="regular", target_area=A)


def qgis_chain(frame: gpd.GeoDataFrame):
    """Return a callable running creategrid + clip on an in-memory copy of ``frame``."""
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer(f"MultiPolygon?crs=EPSG:{frame.crs.to_epsg()}", "j", "memory")
    feats = []
    for geom in frame.geometry.values:
        f = QgsFeature()
        g = QgsGeometry()
        g.fromWkb(shapely.to_wkb(geom))
        f.setGeometry(g)
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    side = math.sqrt(A)
    minx, miny, maxx, maxy = frame.total_bounds
    extent = (f"{math.floor(minx / side) * side},{math.ceil(maxx / side) * side},"
              f"{math.floor(miny / side) * side},{math.ceil(maxy / side) * side} [EPSG:{frame.crs.to_epsg()}]")

    def run():
        grid = processing.run("native:creategrid", {
            "TYPE": 2, "EXTENT": extent, "HSPACING": side, "VSPACING": side, "HOVERLAY": 0, "VOVERLAY": 0,
            "CRS": f"EPSG:{frame.crs.to_epsg()}", "OUTPUT": "memory:"})["OUTPUT"]
        processing.run("native:clip", {"INPUT": grid, "OVERLAY": layer, "OUTPUT": "memory:"})

    return run, layer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Dongcheng only")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    from processing.core.Processing import Processing

    Processing.initialize()

    cases = {"Dongcheng 42 km² (communities)": gpd.read_file(ROOT / "layers/sample/dongcheng.gpkg",
                                                             layer="communities", engine="pyogrio"),
             "Dongcheng 42 km² (district)": gpd.read_file(ROOT / "layers/sample/dongcheng.gpkg",
                                                          layer="district", engine="pyogrio")}
    if not args.quick:
        cases["synthetic star 400 km² (district)"] = star_district()
    lines = ["Regular partition (lattice + clip + sliver merge + codes) vs QGIS creategrid + clip",
             f"{'jurisdiction':<36}{'Wanmi s':>10}{'QGIS s':>10}{'ratio':>8}"]
    layers = []
    for label, frame in cases.items():
        ours = time_median(lambda f=frame: wanmi_partition(f))
        run, layer = qgis_chain(frame)
        layers.append(layer)
        theirs = time_median(run)
        lines.append(f"{label:<36}{ours:>10.3f}{theirs:>10.3f}{theirs / ours:>7.1f}×")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "partition.txt").write_text(text + "\n", encoding="utf-8")
    del layers
    app.exitQgis()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
