"""Regular partition vs QGIS ``native:creategrid`` + ``native:clip`` (same lattice, same run).

Wanmi's timing includes what QGIS does not do: sliver merging, fragment combining and 15-digit coding.
Jurisdictions: Dongcheng (42 km², bundled sample, 169 communities) and a seeded synthetic star-shaped district
of 400 km² (8,000 vertices, EPSG:32650 near Beijing — synthetic, generated here) cut into 2.5 km square
communities (a 3-digit cell sequence holds at most 999 cells per community, so a whole district cannot be one
community at 10,000 m²). QGIS clips the same lattice by the same polygons. Median of 3 runs each.
"""

from __future__ import annotations

import argparse
import math

import geopandas as gpd
import numpy as np
import shapely

from benchmarks import RESULTS, ROOT, polygon_layer, start_qgis
from benchmarks import time_median as median_time

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


def square_communities(district: gpd.GeoDataFrame, side: float = 2500.0) -> gpd.GeoDataFrame:
    """``district`` cut by a ``side``-metre square lattice into coded communities (street 001, 002 … of 999)."""
    poly = district.geometry.iloc[0]
    minx, miny, maxx, maxy = poly.bounds
    xs = np.arange(math.floor(minx / side) * side, maxx, side)
    ys = np.arange(math.floor(miny / side) * side, maxy, side)
    gx, gy = np.meshgrid(xs, ys)
    parts = shapely.intersection(shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + side, gy.ravel() + side), poly)
    parts = parts[shapely.area(parts) > 0]
    k = np.arange(len(parts))
    return gpd.GeoDataFrame({"district_code": district["district_code"].iloc[0],
                             "street_code": [f"{v:03d}" for v in k // 999 + 1],
                             "community_code": [f"{v:03d}" for v in k % 999 + 1]},
                            geometry=parts, crs=district.crs)


def time_median(fn) -> float:
    return median_time(fn, warmup=False)[0]


def wanmi_partition(frame: gpd.GeoDataFrame) -> None:
    from wanmi.core.grid import partition

    partition(frame, method="regular", target_area=A)


def qgis_chain(frame: gpd.GeoDataFrame):
    """Return a callable running creategrid + clip on an in-memory copy of ``frame``."""
    import processing

    layer = polygon_layer(frame.geometry.values, f"EPSG:{frame.crs.to_epsg()}", "j", multi=True, index=False)
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


def qgis_per_community(frame: gpd.GeoDataFrame):
    """The QGIS equivalent of what Wanmi does (cells never cross a community): creategrid + clip once per
    community (the chain the oracle test runs), as one callable."""
    runs = [qgis_chain(frame.iloc[[k]]) for k in range(len(frame))]

    def run():
        for fn, _layer in runs:
            fn()

    return run, [layer for _fn, layer in runs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="Dongcheng only")
    args = parser.parse_args(argv)
    app, created = start_qgis()

    cases = {"Dongcheng 42 km² (169 communities)": gpd.read_file(ROOT / "layers/sample/dongcheng.gpkg",
                                                                 layer="communities", engine="pyogrio")}
    if not args.quick:
        star = square_communities(star_district())
        cases[f"synthetic star 400 km² ({len(star)} comm.)"] = star
    lines = ["Regular partition (lattice + clip per community + sliver merge + codes) vs QGIS creategrid + clip",
             "  (a) QGIS clips the lattice once by all communities together (cells may cross communities)",
             "  (b) QGIS clips the lattice once per community (the equivalent result)",
             f"{'jurisdiction':<38}{'Wanmi s':>9}{'QGIS(a) s':>11}{'ratio':>7}{'QGIS(b) s':>11}{'ratio':>7}"]
    layers = []
    for label, frame in cases.items():
        ours = time_median(lambda f=frame: wanmi_partition(f))
        run, layer = qgis_chain(frame)
        layers.append(layer)
        theirs = time_median(run)
        run_b, layers_b = qgis_per_community(frame)
        layers += layers_b
        theirs_b = time_median(run_b)
        lines.append(f"{label:<38}{ours:>9.3f}{theirs:>11.3f}{theirs / ours:>6.1f}×{theirs_b:>11.3f}"
                     f"{theirs_b / ours:>6.1f}×")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "partition.txt").write_text(text + "\n", encoding="utf-8")
    del layers
    if created:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
