"""Code → place and place → code on hand-made cells (two streets) with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from wanmi.core.placement import consistency_report, geocode_components, locate_codes

CRS = "EPSG:4548"


@pytest.fixture
def cells():
    # street 001 owns x 0..100, street 002 owns x 100..200 (one community, one cell each)
    return gpd.GeoDataFrame(
        {"code": ["110101001001001", "110101002003001"], "district_code": ["110101", "110101"],
         "street_code": ["001", "002"], "community_code": ["001", "003"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=CRS)


@pytest.fixture
def components():
    # default 12-digit scheme {major:2}{minor:2}{street:2}{serial:6}; 0118 = 路灯, 0402 = 行道树
    return gpd.GeoDataFrame(
        {"code": ["011801000001", "011801000002", "040202000001", "040201000007", "011801000003"],
         "name": ["lamp A", "lamp B", "tree C", "tree D", "lamp E"],
         "status": ["完好", "破损", "完好", "完好", "丢失"],
         "cell_code": ["110101001001001", "110101001001001", "110101002003001", None, "110101002003001"]},
        geometry=[Point(50, 50), Point(150, 50), Point(180, 20), Point(500, 500), Point(100, 50)], crs=CRS)


def test_geocode_sets_cell_community_street(components, cells):
    out = geocode_components(components, cells)
    assert out["cell_code"].tolist() == ["110101001001001", "110101002003001", "110101002003001", None,
                                         "110101002003001"]  # (100, 50) on the shared edge goes east
    assert out["street_code"].tolist() == ["001", "002", "002", None, "002"]
    assert out["community_code"].tolist()[:3] == ["001", "003", "003"]
    assert components["cell_code"].iloc[1] == "110101001001001"  # the input is not modified


def test_consistency_report_names_each_disagreement(components, cells):
    rep = consistency_report(components, cells, "default12")
    def text(col):
        return ["None" if pd.isna(v) else str(v) for v in rep[col]]

    got = sorted(zip(rep["code"], rep["problem"], text("recorded"), text("located")))
    assert got == sorted([
        # lamp B: street segment 01 but stands in street 002's cell; its recorded cell is also wrong
        ("011801000002", "area_mismatch", "01", "02"),
        ("011801000002", "cell_mismatch", "110101001001001", "110101002003001"),
        # tree D: outside every cell
        ("040201000007", "outside_cells", "None", "None"),
        # lamp E on the shared edge x = 100: the tie rule gives it to the eastern cell (street 002)
        ("011801000003", "area_mismatch", "01", "02"),
    ])
    assert "cell 110101002003001" in rep.loc[rep["problem"] == "area_mismatch", "detail"].iloc[0]


def test_consistency_for_national_scheme_compares_admin(cells):
    comp = gpd.GeoDataFrame({"code": ["11010101037000001", "11010201037000001"]},
                            geometry=[Point(10, 10), Point(20, 20)], crs=CRS)
    rep = consistency_report(comp, cells, "gbt47678-17")
    assert rep["code"].tolist() == ["11010201037000001"]
    assert rep["recorded"].tolist() == ["110102"] and rep["located"].tolist() == ["110101"]


def test_clean_components_report_nothing(cells):
    comp = gpd.GeoDataFrame({"code": ["011801000001", "040202000001"], "cell_code": ["110101001001001", None]},
                            geometry=[Point(1, 1), Point(199, 99)], crs=CRS)
    assert consistency_report(comp, cells, "default12").empty


def test_locate_codes_found_unknown_and_malformed(components):
    wgs = components.set_geometry(components.geometry.translate(448000, 4413000)).set_crs(CRS, allow_override=True)
    out = locate_codes(["011801000002", "011801000999", "0118", "99180100000X"], wgs, "default12")
    assert out["found"].tolist() == [True, False, False, False]
    first = out.iloc[0]
    assert (first["name"], first["status"], first["class_name"]) == ("lamp B", "破损", "路灯")
    assert (first["x"], first["y"]) == (448150.0, 4413050.0)
    # EPSG:4548 (CM 117°E): 448150 E / 4413050 N is in central Beijing
    assert 116.39 < first["lon"] < 116.40 and 39.84 < first["lat"] < 39.86
    assert "no component" in out["problem"].iloc[1]
    assert "needs 12" in out["problem"].iloc[2]
    assert out["problem"].iloc[3]
    assert np.isnan(out["x"].iloc[1])
