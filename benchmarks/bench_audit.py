"""Boundary audit vs the QGIS native chain that finds the same coverage problems (same data, same run).

QGIS chain: ``qgis:checkvalidity`` (invalid cells) + ``native:difference`` communities − cells (gaps) +
``native:difference`` cells − communities (outside) + ``native:intersection`` cells × cells (overlaps, the
self pairs included) + ``native:intersection`` cells × communities (cells crossing communities). Wanmi's
timing also includes what the chain does not do: code format, duplicate and segment checks and slivers.
Data: Dongcheng's 4,578 regular cells and 169 communities (bundled sample); without ``--quick`` also the
same grid with 100,000 seeded components, 1 % misplaced and 1 % with a wrong street segment. Median of 3 runs.
"""

from __future__ import annotations

import argparse

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks import RESULTS, ROOT, polygon_layer, start_qgis
from benchmarks import time_median as median_time


def time_median(fn) -> float:
    return median_time(fn, warmup=False)[0]


def memory_layer(frame: gpd.GeoDataFrame, name: str):
    codes = frame["code"].astype(str).to_numpy() if "code" in frame.columns else np.arange(len(frame)).astype(str)
    return polygon_layer(frame.geometry.values, f"EPSG:{frame.crs.to_epsg()}", name, {"code": codes}, multi=True,
                         index=False)


def qgis_chain(cells_layer, comm_layer):
    import processing

    def run():
        processing.run("qgis:checkvalidity", {"INPUT_LAYER": cells_layer, "METHOD": 2, "VALID_OUTPUT": "memory:",
                                              "INVALID_OUTPUT": "memory:", "ERROR_OUTPUT": "memory:"})
        processing.run("native:difference", {"INPUT": comm_layer, "OVERLAY": cells_layer, "OUTPUT": "memory:"})
        processing.run("native:difference", {"INPUT": cells_layer, "OVERLAY": comm_layer, "OUTPUT": "memory:"})
        processing.run("native:intersection", {"INPUT": cells_layer, "OVERLAY": cells_layer, "OUTPUT": "memory:"})
        processing.run("native:intersection", {"INPUT": cells_layer, "OVERLAY": comm_layer, "OUTPUT": "memory:"})

    return run


def random_components(cells: gpd.GeoDataFrame, n: int, seed: int = 6) -> gpd.GeoDataFrame:
    """``n`` seeded points inside the grid with consistent cell_code and 12-digit codes, plus 1 % moved
    outside the grid and 1 % with a wrong street segment (a census with a few problems)."""
    from wanmi.core.geocode import assign_to_cells

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = cells.total_bounds
    union = shapely.union_all(cells.geometry.values)
    xy = rng.uniform([x0, y0], [x1, y1], size=(3 * n, 2))
    xy = xy[shapely.contains_xy(union, xy[:, 0], xy[:, 1])][:n]
    pts = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=cells.crs)
    where = assign_to_cells(pts, cells)
    street = where["street_code"].astype(str).str[-2:].to_numpy(dtype=object)
    wrong = rng.random(len(pts)) < 0.01
    street[wrong] = "99"
    pts["code"] = "0101" + street + pd.Series(np.arange(len(pts))).astype(str).str.zfill(6).to_numpy(dtype=object)
    pts["cell_code"] = where["cell_code"].to_numpy()
    away = np.flatnonzero(rng.random(len(pts)) < 0.01)
    pts.loc[away, "geometry"] = shapely.points(np.full((len(away), 2), [x0 - 100.0, y0 - 100.0]))
    return pts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="cells only, no components")
    args = parser.parse_args(argv)
    app, created = start_qgis()
    from wanmi.core.audit import audit
    from wanmi.core.grid import partition

    comm = gpd.read_file(ROOT / "layers/sample/dongcheng.gpkg", layer="communities", engine="pyogrio")
    cells = partition(comm, method="regular").cells
    cells_layer, comm_layer = memory_layer(cells, "cells"), memory_layer(comm, "communities")
    ours = time_median(lambda: audit(cells, comm))
    theirs = time_median(qgis_chain(cells_layer, comm_layer))
    lines = ["Boundary audit (validity, gaps, outside, overlaps, crossings + codes, slivers) vs QGIS native chain",
             f"{'data':<46}{'Wanmi s':>9}{'QGIS s':>9}{'ratio':>8}",
             f"{'Dongcheng 4,578 cells, 169 communities':<46}{ours:>9.3f}{theirs:>9.3f}{theirs / ours:>7.1f}×"]
    if not args.quick:
        pts = random_components(cells, 100_000)
        with_pts = time_median(lambda: audit(cells, comm, components=pts))
        lines.append(f"{'  + 100,000 components (cell and code checks)':<46}{with_pts:>9.3f}{'—':>9}{'':>8}")
        lines.append("    (no single QGIS algorithm checks component codes; the chain above is the reference)")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "audit.txt").write_text(text + "\n", encoding="utf-8")
    del cells_layer, comm_layer
    if created:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
