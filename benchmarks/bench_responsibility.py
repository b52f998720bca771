"""Responsibility areas (责任网格): Wanmi's bisection + refinement against spopt regionalisation, same run.

Cells: the Dongcheng unit grid (bundled sample, regular partition, 4,578 cells in 17 streets, EPSG:4548).
N: the practice reference (``suggest_n``: about 12 cells / 180,000 m² per area → 382 areas), workload =
cell area, areas inside one street (Wanmi's default, 属地管理). Each street gets the same number of areas in
every method (Wanmi's D'Hondt allocation), so all three solve the same per-street problems:

* **Wanmi** ``build_responsibility`` (recursive bisection, balancing, gathering and compaction moves; the
  time includes the cell graph, the dissolve and the per-area report).
* **SKATER** (``spopt.region.Skater``): minimum spanning tree of the rook-contiguity graph (libpysal
  ``Rook``, built inside the timing) cut into k trees by the within-cluster sum of squares of the cell
  centroids (so it aims at compact areas); ``floor`` half the mean cell count per area.
* **max-p** (``spopt.region.MaxPHeuristic``): as many regions as possible whose workload reaches a threshold,
  here 0.8 × the street's mean workload per area so that p comes out near k; dissimilarity on the centroids;
  one construction (spopt's default of 99 takes minutes per street and mainly adds time); seeded.

Measured for each, with one function: areas, workload max/mean, min/mean and coefficient of variation,
Polsby–Popper compactness 4πA/P² (mean, min) of the dissolved areas, whether every area is contiguous
(shared borders), seconds. spopt is not a Wanmi dependency: ``pip install spopt`` (without it only Wanmi
runs). ``--quick``: the first 4 streets only. Results: ``benchmarks/results/responsibility.txt``.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from benchmarks import RESULTS, ROOT
from wanmi.core.geometry import compactness, union_groups
from wanmi.core.grid import partition
from wanmi.core.responsibility import build_responsibility, cell_graph, drop_slits

SEED = 20250301
MAXP_THRESHOLD = 0.8  # of the street's mean workload per area
QUICK_STREETS = 4


def measure(geoms: np.ndarray, street: np.ndarray, w: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    """Balance, compactness and contiguity of one labelling of the cells (labels any integers)."""
    labels = pd.factorize(labels, sort=True)[0]
    load = np.bincount(labels, weights=w)
    _ids, dissolved = union_groups(geoms, labels)
    comp = compactness(drop_slits(shapely.make_valid(dissolved)))
    graph = cell_graph(geoms, street)
    real = ~graph.bridge
    same = labels[graph.src[real]] == labels[graph.dst[real]]
    n = len(labels)
    sub = coo_matrix((np.ones(int(same.sum())), (graph.src[real][same], graph.dst[real][same])), shape=(n, n))
    _, cc = connected_components(sub, directed=False)
    pieces = pd.Series(cc).groupby(labels).nunique().to_numpy()
    mean = load.mean()
    return {"areas": len(load), "max_mean": load.max() / mean, "min_mean": load.min() / mean,
            "cv": load.std() / mean, "comp_mean": float(np.nanmean(comp)), "comp_min": float(np.nanmin(comp)),
            "contiguous": float((pieces == 1).mean())}


def per_street(cells: gpd.GeoDataFrame, k_of: dict[str, int],
               solve: Callable[[gpd.GeoDataFrame, int], np.ndarray]) -> tuple[np.ndarray, float]:
    """Labels over all cells from ``solve(street cells, k)`` per street, and the seconds it took."""
    labels = np.full(len(cells), -1, dtype=np.int64)
    offset, t0 = 0, time.perf_counter()
    for key, k in k_of.items():
        rows = np.flatnonzero(cells["street_key"].to_numpy() == key)
        local = pd.factorize(np.asarray(solve(cells.iloc[rows].reset_index(drop=True), k)), sort=True)[0]
        labels[rows] = local + offset
        offset += int(local.max()) + 1
    return labels, time.perf_counter() - t0


def _prepared(street: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, object]:
    import libpysal

    street = street.assign(x=street.geometry.centroid.x, y=street.geometry.centroid.y, load=street.geometry.area)
    return street, libpysal.weights.Rook.from_dataframe(street, use_index=False, silence_warnings=True)


def skater(street: gpd.GeoDataFrame, k: int) -> np.ndarray:
    """SKATER on the centroids with k clusters (islands of the contiguity graph become clusters too)."""
    from spopt.region import Skater

    street, w = _prepared(street)
    model = Skater(street, w, ["x", "y"], n_clusters=k, floor=max(1, int(0.5 * len(street) / k)),
                   islands="increase")
    model.solve()
    return np.asarray(model.labels_)


def maxp(street: gpd.GeoDataFrame, k: int) -> np.ndarray:
    """max-p with a workload threshold of MAXP_THRESHOLD × the mean per area, one seeded construction."""
    from spopt.region import MaxPHeuristic

    street, w = _prepared(street)
    random.seed(SEED)
    np.random.seed(SEED)
    threshold = MAXP_THRESHOLD * street["load"].sum() / k
    model = MaxPHeuristic(street, w, ["x", "y"], "load", threshold, top_n=2, max_iterations_construction=1)
    model.solve()
    return np.asarray(model.labels_)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_responsibility", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_STREETS} streets only")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")  # libpysal/spopt warn about islands and deprecations
    communities = gpd.read_file(ROOT / "layers" / "sample" / "dongcheng.gpkg", layer="communities",
                                engine="pyogrio")
    cells = partition(communities, method="regular").cells
    cells["street_key"] = cells["district_code"].astype(str) + cells["street_code"].astype(str)
    if args.quick:
        keep = sorted(cells["street_key"].unique())[:QUICK_STREETS]
        cells = cells[cells["street_key"].isin(keep)].reset_index(drop=True)
    geoms = np.asarray(cells.geometry.values, dtype=object)
    street = cells["street_key"].to_numpy(dtype=object)
    w = shapely.area(geoms)

    t0 = time.perf_counter()
    ours = build_responsibility(cells)
    t_ours = time.perf_counter() - t0
    k_of = dict(zip(ours.allocation["street_code"], ours.allocation["n_areas"].astype(int)))
    rows = [("Wanmi bisection + refinement", measure(geoms, street, w, ours.cells["area_code"].to_numpy()), t_ours)]
    try:
        import spopt  # noqa: F401
    except ImportError:
        print("spopt is not installed (pip install spopt): only Wanmi measured")
    else:
        for name, solve in (("spopt SKATER (centroids)", skater), (f"spopt max-p (≥ {MAXP_THRESHOLD} mean)", maxp)):
            labels, seconds = per_street(cells, k_of, solve)
            rows.append((name, measure(geoms, street, w, labels), seconds))

    lines = [f"Responsibility areas, Dongcheng {len(cells):,} cells in {len(k_of)} streets, N = {ours.summary['n']}"
             f" (practice reference), workload = area, areas within streets",
             f"{'method':<34}{'areas':>6}{'max/mean':>9}{'min/mean':>9}{'cv':>7}{'comp.':>7}{'min':>6}"
             f"{'contig.':>8}{'s':>8}"]
    for name, m, seconds in rows:
        lines.append(f"{name:<34}{m['areas']:>6}{m['max_mean']:>9.3f}{m['min_mean']:>9.3f}{m['cv']:>7.3f}"
                     f"{m['comp_mean']:>7.3f}{m['comp_min']:>6.2f}{m['contiguous']:>8.0%}{seconds:>8.2f}")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "responsibility.txt").write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
