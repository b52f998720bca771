"""Case overlay + counting (案卷叠加统计): Wanmi vs QGIS native, same data, same process, same run.

Cells: the Dongcheng unit grid (bundled sample, regular partition at 10,000 m², ~4,600 cells, EPSG:4548).
Cases: ``--cases`` (default 1,000,000; ``--quick`` 100,000) seeded synthetic cases of
``wanmi.core.cases.synthetic_cases`` over those cells, January–March 2025 (synthetic, generated here, not
timed). Inputs are in memory before timing (GeoDataFrames / QGIS memory layers with spatial indexes).

Timed (median of ``--repeat`` runs after a warm-up for Wanmi; QGIS runs ``--qgis-repeat`` times, default 1):

* Wanmi "same output as QGIS": ``overlay_cases`` (cell, community, street, district code per case) +
  ``case_counts(by="cell_code")`` totals + ``counts_on_cells`` (every cell with its count and cases per
  hectare) — the equivalent of the QGIS chain below, plus the per-case codes QGIS does not produce;
* Wanmi "full": the same with counts per stage reached (7), per state (5) and per class (~400 columns);
* Wanmi overlay alone (``overlay_cases``), with the grid's lattice and without (bucket index / STRtree);
* QGIS ``native:countpointsinpolygon`` + ``native:fieldcalculator`` (cases per hectare =
  ``NUMPOINTS * 10000 / $area``).

Per-cell counts are compared with QGIS's (no synthetic case lies on a cell edge, so they must be equal).
Results: ``benchmarks/results/cases.txt``. :func:`dataset` and :func:`qgis_count_density` are reusable by
other benchmarks (e.g. scoring on the same overlaid cases).
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from benchmarks import RESULTS, ROOT, peak_rss_mib, polygon_layer, start_qgis, time_median
from wanmi.core.cases import case_counts, counts_on_cells, overlay_cases, synthetic_cases
from wanmi.core.grid import partition

SEED = 20250301
START, END = "2025-01-01", "2025-04-01"


def dataset(n: int, seed: int = SEED) -> tuple[gpd.GeoDataFrame, Any, gpd.GeoDataFrame]:
    """(cells, their lattice, ``n`` synthetic cases): the Dongcheng regular grid and cases over it."""
    communities = gpd.read_file(ROOT / "layers" / "sample" / "dongcheng.gpkg", layer="communities",
                                engine="pyogrio")
    result = partition(communities, method="regular", target_area=10_000.0)
    cells = result.cells.reset_index(drop=True)
    return cells, result.lattice, synthetic_cases(None, cells, n, START, END, seed=seed)


def wanmi_equivalent(cases: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, lattice: Any = None) -> Any:
    """Overlay + per-cell totals + every cell with count and cases per hectare (the QGIS chain's output)."""
    overlaid = overlay_cases(cases, cells, lattice=lattice)
    return counts_on_cells(case_counts(overlaid, by_class=False, by_stage=False), cells)


def wanmi_full(cases: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, lattice: Any = None) -> Any:
    """Overlay + counts per stage, state and class per cell (what the case maps and tables use)."""
    overlaid = overlay_cases(cases, cells, lattice=lattice)
    return counts_on_cells(case_counts(overlaid, by_class=True, by_stage=True, by_state=True), cells)


def qgis_layers(cases: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, tmp: Path) -> tuple[Any, Any]:
    """Memory layers with spatial indexes: the case points (via a GeoPackage + ``materialize``) and the
    cells (``k`` = position, ``code``)."""
    from qgis.core import QgsFeatureRequest, QgsVectorLayer

    path = tmp / "cases.gpkg"
    pts = gpd.GeoDataFrame({"pid": np.arange(len(cases))}, geometry=cases.geometry.to_numpy(), crs=cases.crs)
    pts.to_file(path, layer="cases", engine="pyogrio", VERSION="1.3")
    ogr = QgsVectorLayer(f"{path}|layername=cases", "cases_ogr", "ogr")
    assert ogr.isValid(), path
    points = ogr.materialize(QgsFeatureRequest())
    del ogr
    points.dataProvider().createSpatialIndex()
    layer = polygon_layer(cells.geometry.values, cells.crs.to_string(), "cells",
                          {"k": np.arange(len(cells)), "code": cells["code"].to_numpy()})
    return points, layer


def qgis_count_density(points: Any, cells: Any) -> tuple[np.ndarray, np.ndarray]:
    """QGIS chain: countpointsinpolygon, then fieldcalculator cases per hectare; (counts, per_ha) by ``k``."""
    import processing

    counted = processing.run("native:countpointsinpolygon", {
        "POLYGONS": cells, "POINTS": points, "FIELD": "NUMPOINTS", "OUTPUT": "memory:"})["OUTPUT"]
    out = processing.run("native:fieldcalculator", {
        "INPUT": counted, "FIELD_NAME": "cases_per_ha", "FIELD_TYPE": 0, "FIELD_LENGTH": 20,
        "FIELD_PRECISION": 6, "FORMULA": '"NUMPOINTS" * 10000.0 / $area', "OUTPUT": "memory:"})["OUTPUT"]
    counts = np.zeros(cells.featureCount(), dtype=np.int64)
    per_ha = np.zeros(cells.featureCount())
    for f in out.getFeatures():
        counts[int(f["k"])] = int(f["NUMPOINTS"])
        per_ha[int(f["k"])] = float(f["cases_per_ha"])
    return counts, per_ha


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_cases", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="number of cases (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 cases")
    parser.add_argument("--no-qgis", action="store_true", help="skip the QGIS timings")
    parser.add_argument("--repeat", type=int, default=3, help="Wanmi runs per timing (median; default 3)")
    parser.add_argument("--qgis-repeat", type=int, default=1, help="QGIS runs (median; default 1)")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.cases
    rep = args.repeat

    t0 = time.perf_counter()
    cells, lattice, cases = dataset(n)
    t_data = time.perf_counter() - t0
    r: dict[str, float] = {}
    r["wanmi same output as QGIS"], eq = time_median(lambda: wanmi_equivalent(cases, cells), rep)
    r["wanmi same output, lattice given"], eq_l = time_median(lambda: wanmi_equivalent(cases, cells, lattice), rep)
    r["wanmi full (stage/state/class)"], full = time_median(lambda: wanmi_full(cases, cells), rep)
    r["wanmi overlay_cases alone"], _ = time_median(lambda: overlay_cases(cases, cells), rep)
    r["wanmi overlay_cases, lattice"], _ = time_median(lambda: overlay_cases(cases, cells, lattice=lattice), rep)
    assert np.array_equal(eq["cases"].to_numpy(), eq_l["cases"].to_numpy())
    assert np.array_equal(eq["cases"].to_numpy(), full["cases"].to_numpy())
    wanmi_peak = peak_rss_mib()

    same = None
    if not args.no_qgis:
        app, created = start_qgis()
        with tempfile.TemporaryDirectory() as tmp:
            points, cell_layer = qgis_layers(cases, cells, Path(tmp))
            runs = []
            for _ in range(max(args.qgis_repeat, 1)):
                t1 = time.perf_counter()
                qc, qd = qgis_count_density(points, cell_layer)
                runs.append(time.perf_counter() - t1)
            r["QGIS countpointsinpolygon + fieldcalculator"] = float(np.median(runs))
            same_counts = bool(np.array_equal(qc, eq["cases"].to_numpy()))
            ours = eq["cases_per_ha"].to_numpy()
            density_rel = float(np.max(np.abs(qd - ours) / np.where(ours > 0, ours, 1.0)))
            same = same_counts and density_rel < 1e-6
            del points, cell_layer
        if created:
            app.exitQgis()
    final_peak = peak_rss_mib()

    lines = [
        "Case overlay + counting: Wanmi vs QGIS (same run; Wanmi median of "
        f"{rep} after a warm-up, QGIS {max(args.qgis_repeat, 1)} run(s); wall seconds)",
        f"{n:,} synthetic cases on {len(cells):,} Dongcheng unit cells (EPSG:4548); inputs built in {t_data:.1f} s "
        f"(not timed); {platform.python_version()}, shapely {shapely.__version__}, geopandas {gpd.__version__}",
        "",
        f"  {'method':<46}{'seconds':>9}",
    ]
    for key, value in r.items():
        lines.append(f"  {key:<46}{value:>9.3f}")
    if "QGIS countpointsinpolygon + fieldcalculator" in r:
        q = r["QGIS countpointsinpolygon + fieldcalculator"]
        lines += [
            "",
            f"  ratio QGIS / Wanmi same output:        {q / r['wanmi same output as QGIS']:7.1f}×",
            f"  ratio QGIS / Wanmi same output+lattice:{q / r['wanmi same output, lattice given']:7.1f}×",
            f"  ratio QGIS / Wanmi full counts:        {q / r['wanmi full (stage/state/class)']:7.1f}×",
            f"  per-cell counts identical to QGIS: {'yes' if same_counts else 'NO'}; cases/ha within "
            f"{density_rel:.1e} (relative) of QGIS's",
        ]
    lines.append(f"Peak RSS: {wanmi_peak:,.0f} MiB after the Wanmi part (before QGIS starts), "
                 f"{final_peak:,.0f} MiB at the end")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("cases.txt" if n == 1_000_000 else f"cases_{n}.txt")
    out.write_text(text + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}")
    return 0 if same in (None, True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
