"""The demo census: real Helsinki OSM objects coded as components, and the demo end to end."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from wanmi.core.grid import partition
from wanmi.layers import SAMPLE_DIR
from wanmi.layers.sample_census import build_sample_census, osm_census_records

HELSINKI = SAMPLE_DIR / "helsinki.gpkg"


@pytest.fixture(scope="module")
def cells():
    comm = gpd.read_file(HELSINKI, layer="communities", engine="pyogrio")
    roads = gpd.read_file(HELSINKI, layer="roads", engine="pyogrio")
    return partition(comm, method="street-block", roads=roads).cells


def test_osm_tags_become_classes_and_places(cells):
    points = gpd.read_file(HELSINKI, layer="points", engine="pyogrio").to_crs(cells.crs)
    records = osm_census_records(points, cells)
    inside = shapely.intersects(shapely.union_all(cells.geometry.values), points.geometry.values)
    assert len(records) == int(inside.sum())  # every mapped kind is mapped; only points outside are left out
    osm = points.set_index("osm_id")
    rec_id = records["note"].str.removeprefix("OpenStreetMap node ").astype(osm.index.dtype)
    kind = osm.loc[rec_id, "kind"].to_numpy()
    sub = osm.loc[rec_id, "subtype"].fillna("").to_numpy()
    cls = records["class_code"].to_numpy()
    assert set(cls[kind == "street_lamp"]) == {"0118"} and set(cls[kind == "tree"]) == {"0402"}
    assert set(cls[(kind == "manhole") & (sub == "heat")]) == {"0110"}
    assert set(records["status"].to_numpy()[(kind == "manhole") & (sub == "missing_gas")]) == {"丢失"}
    assert records["name"].iloc[0]  # a Chinese class name or the OSM name


def test_build_sample_census_allocates_unique_valid_codes(cells, tmp_path):
    store, result = build_sample_census(tmp_path / "census.gpkg", cells)
    stored = store.read()
    assert result.n_inserted == len(stored) > 2000
    assert set(result.problems["problem"]) <= {"too_close"}  # real OSM duplicates within 0.5 m only
    assert stored["code"].is_unique
    assert store.scheme.validate_many(stored["code"])["ok"].all()
    # 12-digit default: class + street "01" (street 001 of the sample) + serials from 1 per class
    assert (stored["code"].str.slice(4, 6) == "01").all()
    assert (stored["code"].str.slice(0, 4) == stored["class_code"]).all()
    lamps = stored[stored["class_code"] == "0118"]["code"].str.slice(6).astype(int).sort_values()
    assert lamps.tolist() == list(range(1, len(lamps) + 1))
