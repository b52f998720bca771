"""Case overlay + evaluation scoring vs the QGIS native chain, same data, same process, same run.

Cells: the Dongcheng unit grid (bundled sample, regular partition at 10,000 m², ~4,600 cells, EPSG:4548).
Cases: ``--cases`` (default 1,000,000; ``--quick`` 100,000) seeded synthetic cases from
``wanmi.core.cases.synthetic_cases`` over those cells, reported January–March 2025 (synthetic, generated
here). Scored period: 2025-03. Inputs are in memory before timing (GeoDataFrames / QGIS memory layers).

Timed:

* Wanmi end to end: ``overlay_cases`` (point → cell, community, street, district codes) + ``evaluate(by=
  "cell_code", cells=...)`` (every count of docs/standards.md#41-counts-per-case, all rates, region score and grade);
  also the two parts alone. Median of ``--repeat`` runs after a warm-up.
* QGIS: ``native:refactorfields`` computing the five per-case flags the region score needs (立案 without
  挂账, 监督举报, 应结案, 结案, 按期结案; one pass over the cases, fairer than five field-calculator runs),
  ``native:createspatialindex`` on that output (memory layers have none; without it the counts take
  minutes), five ``native:countpointsinpolygon`` runs summing one flag each (WEIGHT), then
  ``native:refactorfields`` on the cells computing 结案率, 按期结案率, 问题发生密度, the region score (bands,
  weights, rescaling when 监督举报率 has no data) and the grade. One run (it takes minutes at 10⁶).

The QGIS counts, rates, scores and grades are compared with Wanmi's cell by cell (they must be equal).
Results: ``benchmarks/results/evaluate.txt``.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from benchmarks import RESULTS, ROOT, peak_rss_mib, start_qgis, time_median
from wanmi.core.cases import overlay_cases, synthetic_cases
from wanmi.core.evaluation import evaluate, load_weights
from wanmi.core.grid import partition

SEED = 20250301
PERIOD = ("2025-03-01 00:00:00", "2025-04-01 00:00:00")
FLAGS = ("f_reg", "f_pub", "f_due", "f_closed", "f_ontime")


def flag_expressions(start: str, end: str) -> dict[str, str]:
    """QGIS expressions of the evaluation's per-case rules (core/evaluation.py) for the region score."""
    s, e = f"to_datetime('{start}')", f"to_datetime('{end}')"

    def within(col: str) -> str:
        return f'coalesce("{col}" >= {s} AND "{col}" < {e}, false)'

    registered = '"registered_at" IS NOT NULL AND "state" <> \'作废\''
    due = (f"{registered} AND \"state\" <> '缓办' AND ({within('disposed_at')} OR ({within('deadline')} "
           f"AND NOT coalesce(\"disposed_at\" < {s}, false)))")
    closed = f"({due}) AND coalesce(\"closed_at\" < {e}, false) AND \"state\" <> '办理中'"
    ontime = f"({closed}) AND (\"deadline\" IS NULL OR coalesce(\"closed_at\" <= \"deadline\", false))"
    reg = f"{within('registered_at')} AND \"state\" NOT IN ('作废', '挂账')"
    return {"f_reg": f"if({reg}, 1, 0)", "f_pub": f"if({reg} AND \"source\" = '公众举报', 1, 0)",
            "f_due": f"if({due}, 1, 0)", "f_closed": f"if({closed}, 1, 0)", "f_ontime": f"if({ontime}, 1, 0)"}


def score_expressions() -> dict[str, str]:
    """QGIS expressions of the default region score (weights and bands of evaluation_default.json)."""
    cfg = load_weights()
    band = cfg.bands["region_registered"]
    whens = " ".join(f"WHEN \"density\" <= {m} THEN {sc}" for m, sc in zip(band["max"], band["scores"]))
    w = {k: v["weight"] for k, v in cfg.kinds["region"].items()}
    closure = 'if("n_due" > 0, 100.0 * "n_closed" / "n_due", NULL)'
    ontime = 'if("n_due" > 0, 100.0 * "n_ontime" / "n_due", NULL)'
    density = '"n_reg" * 10000.0 / "area_m2"'
    band_score = f"CASE {whens.replace(chr(34) + 'density' + chr(34), '(' + density + ')')} ELSE {band['above']} END"
    public = 'if("n_reg" > 0, 100.0 - 100.0 * "n_pub" / "n_reg", NULL)'
    core = (f"{w['registered']} * ({band_score}) + {w['closure_rate']} * ({closure}) + "
            f"{w['on_time_closure_rate']} * ({ontime})")
    score = (f"if(\"n_due\" > 0, if(\"n_reg\" > 0, ({core} + {w['public_report_rate']} * ({public})), "
             f"({core}) / {1 - w['public_report_rate']}), NULL)")
    grades = " ".join(f"WHEN ({score}) >= {g['min']} THEN '{g['grade']}'" for g in cfg.grades[:-1])
    grade = f"CASE WHEN ({score}) IS NULL THEN '{cfg.no_data}' {grades} ELSE '{cfg.grades[-1]['grade']}' END"
    return {"closure_rate": closure, "on_time_closure_rate": ontime, "density": density, "score": score,
            "grade": grade}


# --------------------------------------------------------------------------------------------------
# QGIS
# --------------------------------------------------------------------------------------------------


def qgis_layers(cases: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, tmp: Path):
    """Memory layers (untimed): cases via a GeoPackage + ``materialize``; cells feature by feature."""
    from qgis.core import QgsFeature, QgsFeatureRequest, QgsGeometry, QgsVectorLayer

    path = tmp / "cases.gpkg"
    cols = ["case_id", "state", "source", "registered_at", "deadline", "disposed_at", "closed_at", "geometry"]
    cases[cols].to_file(path, layer="cases", engine="pyogrio", VERSION="1.3")
    ogr = QgsVectorLayer(f"{path}|layername=cases", "cases_ogr", "ogr")
    assert ogr.isValid(), path
    mem = ogr.materialize(QgsFeatureRequest())
    del ogr
    assert mem.featureCount() == len(cases)
    crs = f"EPSG:{cells.crs.to_epsg()}"
    layer = QgsVectorLayer(f"Polygon?crs={crs}&field=code:string&field=area_m2:double", "cells", "memory")
    feats = []
    for code, area, wkb in zip(cells["code"], cells["area_m2"], shapely.to_wkb(cells.geometry.values)):
        f = QgsFeature(layer.fields())
        g = QgsGeometry()
        g.fromWkb(wkb)
        f.setGeometry(g)
        f.setAttributes([code, float(area)])
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    layer.dataProvider().createSpatialIndex()
    return mem, layer


def _refactor_mapping(layer, extra: dict[str, str], types: dict[str, int]) -> list[dict]:
    mapping = [{"expression": f'"{f.name()}"', "length": f.length(), "name": f.name(), "precision": f.precision(),
                "type": f.type()} for f in layer.fields()]
    for name, expr in extra.items():
        mapping.append({"expression": expr, "length": 0, "name": name, "precision": 0, "type": types[name]})
    return mapping


def qgis_chain(cases_layer, cells_layer, timings: dict[str, float]):
    """The native chain; fills ``timings`` per step and returns the scored cells layer."""
    import processing
    from qgis.PyQt.QtCore import QVariant

    t0 = time.perf_counter()
    flags = processing.run("native:refactorfields", {
        "INPUT": cases_layer, "FIELDS_MAPPING": _refactor_mapping(
            cases_layer, flag_expressions(*PERIOD), dict.fromkeys(FLAGS, QVariant.Int)),
        "OUTPUT": "memory:"})["OUTPUT"]
    t1 = time.perf_counter()
    processing.run("native:createspatialindex", {"INPUT": flags})
    t2 = time.perf_counter()
    out = cells_layer
    for flag, name in zip(FLAGS, ("n_reg", "n_pub", "n_due", "n_closed", "n_ontime")):
        out = processing.run("native:countpointsinpolygon", {
            "POLYGONS": out, "POINTS": flags, "WEIGHT": flag, "FIELD": name, "OUTPUT": "memory:"})["OUTPUT"]
    t3 = time.perf_counter()
    exprs = score_expressions()
    types = {"closure_rate": QVariant.Double, "on_time_closure_rate": QVariant.Double, "density": QVariant.Double,
             "score": QVariant.Double, "grade": QVariant.String}
    scored = processing.run("native:refactorfields", {
        "INPUT": out, "FIELDS_MAPPING": _refactor_mapping(out, exprs, types), "OUTPUT": "memory:"})["OUTPUT"]
    t4 = time.perf_counter()
    timings.update({"QGIS refactorfields: 5 case flags": t1 - t0, "QGIS createspatialindex (cases)": t2 - t1,
                    "QGIS countpointsinpolygon × 5 (WEIGHT)": t3 - t2, "QGIS refactorfields: rates, score, grade":
                    t4 - t3, "QGIS chain total": t4 - t0})
    rows = [{k: f[k] for k in ("code", "n_reg", "n_pub", "n_due", "n_closed", "n_ontime", "closure_rate",
                                "on_time_closure_rate", "score", "grade")} for f in scored.getFeatures()]
    del flags, out
    frame = pd.DataFrame(rows).set_index("code")
    for col in ("closure_rate", "on_time_closure_rate", "score"):
        frame[col] = pd.to_numeric(frame[col].map(lambda v: None if v is None or str(v) == "NULL" else v),
                                   errors="coerce")
    del scored
    return frame


# --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="number of cases (default 1,000,000)")
    parser.add_argument("--quick", action="store_true", help="100,000 cases")
    parser.add_argument("--no-qgis", action="store_true", help="skip the QGIS chain")
    parser.add_argument("--repeat", type=int, default=3, help="runs per Wanmi timing (median; default 3)")
    args = parser.parse_args(argv)
    n = 100_000 if args.quick else args.cases

    communities = gpd.read_file(ROOT / "layers" / "sample" / "dongcheng.gpkg", layer="communities",
                                engine="pyogrio")
    grid = partition(communities, method="regular", target_area=10_000.0)
    cells = grid.cells
    t0 = time.perf_counter()
    cases = synthetic_cases(None, cells, n, "2025-01-01", "2025-04-01", seed=SEED)
    t_gen = time.perf_counter() - t0
    period = "2025-03"

    def wanmi_end_to_end():
        return evaluate(overlay_cases(cases, cells, lattice=grid.lattice), by="cell_code", period=period,
                        cells=cells)

    overlaid = overlay_cases(cases, cells, lattice=grid.lattice)
    timings: dict[str, float] = {}
    timings["Wanmi overlay_cases"], _ = time_median(
        lambda: overlay_cases(cases, cells, lattice=grid.lattice), args.repeat)
    timings["Wanmi evaluate (cells, all indicators, score, grade)"], _ = time_median(
        lambda: evaluate(overlaid, by="cell_code", period=period, cells=cells), args.repeat)
    timings["Wanmi overlay + evaluate (end to end)"], mine = time_median(wanmi_end_to_end, args.repeat)
    timings["Wanmi evaluate by street (aggregated from cells)"], _ = time_median(
        lambda: evaluate(overlaid, by="street_code", period=period, cells=cells.drop(columns="geometry")),
        args.repeat)
    wanmi_peak = peak_rss_mib()
    mine = mine.set_index("code")

    same = None
    if not args.no_qgis:
        app, created = start_qgis()
        with tempfile.TemporaryDirectory() as tmp:
            cases_layer, cells_layer = qgis_layers(cases, cells, Path(tmp))
            qgis = qgis_chain(cases_layer, cells_layer, timings)
            del cases_layer, cells_layer
        if created:
            app.exitQgis()
        qgis = qgis.reindex(mine.index)
        counts_equal = all(np.array_equal(qgis[q].astype(int).to_numpy(), mine[m].to_numpy()) for q, m in (
            ("n_reg", "registered"), ("n_pub", "n_public_reports"), ("n_due", "n_due"), ("n_closed", "n_closed"),
            ("n_ontime", "n_closed_on_time")))
        rates_equal = all(np.allclose(qgis[c].to_numpy(float), mine[c].to_numpy(float), equal_nan=True, atol=1e-9)
                          for c in ("closure_rate", "on_time_closure_rate", "score"))
        differ = qgis["grade"].astype(str) != mine["grade"].astype(str)
        thresholds = np.array([g["min"] for g in load_weights().grades], float)
        near = np.abs(mine["score"].to_numpy(float)[:, None] - thresholds[None, :]).min(axis=1) < 1e-9
        grades_equal = bool((~differ | near).all())  # a score on a threshold may round either way
        same = (counts_equal, rates_equal, grades_equal)
    final_peak = peak_rss_mib()

    lines = [
        "Case overlay + evaluation scoring: Wanmi vs the QGIS native chain (same run, wall seconds; Wanmi median "
        f"of {args.repeat} after a warm-up, QGIS one run)",
        f"{n:,} synthetic cases (seed {SEED}, generated in {t_gen:.1f} s, not timed) on {len(cells):,} Dongcheng "
        f"unit cells (EPSG:4548), period 2025-03; {platform.python_version()}, pandas {pd.__version__}, "
        f"shapely {shapely.__version__}",
        "",
        f"  {'step':<56}{'seconds':>9}",
    ]
    for key, value in timings.items():
        lines.append(f"  {key:<56}{value:>9.3f}")
    if same is not None:
        e2e = timings["Wanmi overlay + evaluate (end to end)"]
        lines += [
            "",
            f"  ratio QGIS chain / Wanmi end to end:                 {timings['QGIS chain total'] / e2e:7.1f}×",
            f"  ratio QGIS countpointsinpolygon × 5 / Wanmi e2e:     "
            f"{timings['QGIS countpointsinpolygon × 5 (WEIGHT)'] / e2e:7.1f}×",
            f"  per-cell counts identical to QGIS: {'yes' if same[0] else 'NO'}; rates and scores equal: "
            f"{'yes' if same[1] else 'NO'}; grades equal: {'yes' if same[2] else 'NO'}",
        ]
    grades = mine["grade"].value_counts()
    lines += ["", "  grades: " + ", ".join(f"{g} {int(grades.get(g, 0))}" for g in ("A", "B", "C", "D", "E", "无数据")),
              f"Peak RSS: {wanmi_peak:,.0f} MiB after the Wanmi part (before QGIS starts), {final_peak:,.0f} MiB "
              "at the end"]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / ("evaluate.txt" if n == 1_000_000 else f"evaluate_{n}.txt")
    out.write_text(text + "\n", encoding="utf-8")
    print(f"written: {out.relative_to(ROOT)}")
    return 0 if same is None or all(same) else 1


if __name__ == "__main__":
    raise SystemExit(main())
