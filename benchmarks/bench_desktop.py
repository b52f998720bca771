"""Desktop look-ups on the GUI thread: the cursor read-out and the code locator vs plain QGIS feature requests.

Data: the Dongcheng sample partitioned by ``wanmi.core.grid.partition`` (~4,600 unit cells, EPSG:4548) in a
QGIS memory layer. Inputs: ``--moves`` (default 20,000; ``--quick`` 2,000) seeded cursor positions over the
district's bounding box, and ``--queries`` (default 500; ``--quick`` 100) code prefixes of 10–15 digits.

Timed (median of 3 after a warm-up, everything in one process; the slow QGIS variants once):

* read-out: ``CellIndex.cell_at`` (what ``CellReadout`` does per mouse move: spatial index with stored
  geometries + point-in-polygon on the candidates) vs the feature request a plugin would otherwise send per
  move (``getFeatures(QgsFeatureRequest().setFilterRect(...))`` + ``contains``), on the memory layer without
  and with a provider spatial index. Building the index (done once per layer change, in a background task) is
  reported separately. Every method must return the same cell for every position.
* locator: ``CodeTable.prefix`` (binary search in the snapshot) vs ``QgsFeatureRequest`` with the expression
  ``"code" LIKE '<prefix>%'`` (what the built-in feature locator sends) on the first 20 prefixes, same
  matches required.

Results: ``benchmarks/results/desktop.txt``.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from benchmarks import RESULTS, ROOT, start_qgis, time_median

SEED = 20261201


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_desktop", description=__doc__)
    parser.add_argument("--moves", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    moves, queries = (2_000, 100) if args.quick else (args.moves, args.queries)

    app, created = start_qgis()
    import geopandas as gpd
    import shapely
    from qgis.core import (
        QgsFeature,
        QgsFeatureRequest,
        QgsGeometry,
        QgsPointXY,
        QgsRectangle,
        QgsVectorLayer,
        QgsVectorLayerFeatureSource,
    )

    from wanmi.core.grid import partition
    from wanmi.plugin.snapshots import read_cell_index, read_code_table

    communities = gpd.read_file(ROOT / "layers" / "sample" / "dongcheng.gpkg", layer="communities",
                                engine="pyogrio")
    cells = partition(communities).cells
    layer = QgsVectorLayer("MultiPolygon?crs=EPSG:4548&field=code:string&field=district_code:string"
                           "&field=street_code:string&field=community_code:string", "cells", "memory")
    features = []
    for code, d, s, c, wkb in zip(cells["code"], cells["district_code"], cells["street_code"],
                                  cells["community_code"], shapely.to_wkb(cells.geometry.values)):
        feature = QgsFeature(layer.fields())
        geom = QgsGeometry()
        geom.fromWkb(wkb)
        feature.setGeometry(geom)
        feature.setAttributes([code, d, s, c])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    code_of = {f.id(): f["code"] for f in layer.getFeatures()}

    rng = np.random.default_rng(SEED)
    x0, y0, x1, y1 = cells.total_bounds
    points = [QgsPointXY(x, y) for x, y in zip(rng.uniform(x0, x1, moves), rng.uniform(y0, y1, moves))]

    def build():
        return read_cell_index(layer.id(), layer.crs(), QgsVectorLayerFeatureSource(layer), layer.fields(), [])

    t_build, index = time_median(build)

    def wanmi_readout():
        out = []
        for p in points:
            hit = index.cell_at(p)
            out.append(hit[1].code if hit else None)
        return out

    def qgis_request():
        out = []
        for p in points:
            rect = QgsRectangle(p.x(), p.y(), p.x(), p.y())
            probe = QgsGeometry.fromPointXY(p)
            hits = [f.id() for f in layer.getFeatures(QgsFeatureRequest().setFilterRect(rect))
                    if f.geometry().intersects(probe)]
            out.append(min(code_of[h] for h in hits) if hits else None)
        return out

    t_wanmi, ours = time_median(wanmi_readout)
    t_qgis_noindex, theirs = time_median(qgis_request, repeat=1)
    assert ours == theirs, "read-out differs from the QGIS feature request"
    layer.dataProvider().createSpatialIndex()
    t_qgis_index, theirs_idx = time_median(qgis_request)
    assert ours == theirs_idx

    # locator
    table = read_code_table([("cells", layer.id(), QgsVectorLayerFeatureSource(layer), layer.fields())])
    all_codes = sorted(code_of.values())
    picks = rng.choice(len(all_codes), queries)
    prefixes = [all_codes[i][: int(rng.integers(10, 16))] for i in picks]

    def wanmi_locator():
        return [sorted(e.code for e in table.prefix(p, 10_000)) for p in prefixes]

    qgis_prefixes = prefixes[:20]  # ~0.2 s each: a sample is enough

    def qgis_locator():
        out = []
        for p in qgis_prefixes:
            request = QgsFeatureRequest().setFilterExpression(f"\"code\" LIKE '{p}%'")
            request.setFlags(QgsFeatureRequest.NoGeometry)
            out.append(sorted(f["code"] for f in layer.getFeatures(request)))
        return out

    t_loc_wanmi, found = time_median(wanmi_locator)
    t_loc_qgis, found_qgis = time_median(qgis_locator, repeat=1)
    assert found[: len(qgis_prefixes)] == found_qgis, "locator matches differ"
    per_query_qgis, per_query_wanmi = t_loc_qgis / len(qgis_prefixes), t_loc_wanmi / queries

    inside = sum(c is not None for c in ours)
    lines = [
        f"bench_desktop — {platform.node()} {time.strftime('%Y-%m-%d %H:%M')} — {len(cells)} cells, "
        f"{moves} cursor positions ({inside} in a cell), {queries} code prefixes",
        f"read-out index build (once per layer change, background task): {t_build * 1e3:8.1f} ms",
        f"read-out Wanmi CellIndex.cell_at           : {t_wanmi / moves * 1e6:8.1f} µs per move",
        f"read-out QGIS filterRect request, no index : {t_qgis_noindex / moves * 1e6:8.1f} µs per move "
        f"({t_qgis_noindex / t_wanmi:5.1f}× Wanmi)",
        f"read-out QGIS filterRect request, indexed  : {t_qgis_index / moves * 1e6:8.1f} µs per move "
        f"({t_qgis_index / t_wanmi:5.1f}× Wanmi)",
        f"locator Wanmi CodeTable.prefix             : {per_query_wanmi * 1e6:8.1f} µs per query",
        f"locator QGIS LIKE expression request       : {per_query_qgis * 1e6:8.1f} µs per query "
        f"({per_query_qgis / per_query_wanmi:5.0f}× Wanmi; {len(qgis_prefixes)} prefixes)",
        "same cell for every position and same matches for every prefix: yes",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "desktop.txt").write_text(text + "\n", encoding="utf-8")
    layer = features = index = table = None  # no QgsVectorLayer may outlive exitQgis
    if created:
        app.exitQgis()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
