"""Boundary audit: a clean grid audits clean; every injected defect is found with its hand-computed area
and location, and nothing else is reported.

Fixture (EPSG:4548, offsets X0/Y0 on multiples of 100 m so the regular lattice gives exact 100 m squares):

    y 200..300   C = 110101 002 001 (street 002), x 0..600   → 6 cells
    y   0..200   A = 110101 001 001, x 0..300 | B = 110101 001 002, x 300..600 → 6 + 6 cells
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from wanmi.core.audit import PROBLEM_COLUMNS, SEVERITY, audit
from wanmi.core.errors import InputError
from wanmi.core.grid import partition
from wanmi.core.responsibility import build_responsibility

from .conftest import SAMPLE

X0, Y0 = 500_000.0, 4_400_000.0
CRS = "EPSG:4548"


def _b(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture(scope="module")
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"district_code": ["110101"] * 3, "street_code": ["001", "001", "002"],
         "community_code": ["001", "002", "001"]},
        geometry=[_b(0, 0, 300, 200), _b(300, 0, 600, 200), _b(0, 200, 600, 300)], crs=CRS)


@pytest.fixture(scope="module")
def clean_cells(communities) -> gpd.GeoDataFrame:
    cells = partition(communities, target_area=10_000.0, valid_from="2026-01-01").cells
    assert len(cells) == 18 and np.allclose(cells["area_m2"], 10_000.0)
    return cells


def _cell_at(cells: gpd.GeoDataFrame, x: float, y: float) -> int:
    """Row of the cell whose interior holds local point (x, y)."""
    hit = np.flatnonzero(shapely.contains_xy(cells.geometry.values, X0 + x, Y0 + y))
    assert len(hit) == 1
    return int(hit[0])


def _only(result, kind: str) -> gpd.GeoDataFrame:
    """The problems, asserting that all are of type ``kind``."""
    p = result.problems
    assert list(p.columns) == [*PROBLEM_COLUMNS, "geometry"]
    assert set(p["type"]) == {kind}, p[["type", "codes", "detail"]].to_string()
    assert (p["severity"] == SEVERITY[kind]).all()
    return p


def _same_shape(a, b, tol: float = 1e-6) -> bool:
    return shapely.area(shapely.symmetric_difference(a, b)) < tol


def _components(cells: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One component per cell at its centre, default 12-digit codes (street segment 01/02)."""
    c = shapely.centroid(cells.geometry.values)
    street2 = cells["street_code"].str[-2:].to_numpy()
    codes = [f"0101{s}{k + 1:06d}" for k, s in enumerate(street2)]
    return gpd.GeoDataFrame({"code": codes, "cell_code": cells["code"].to_numpy()}, geometry=c, crs=CRS)


# --------------------------------------------------------------------------------------------------
# Clean grids
# --------------------------------------------------------------------------------------------------


def test_clean_fixture_audits_clean(clean_cells, communities):
    result = audit(clean_cells, communities, components=_components(clean_cells))
    assert result.clean, result.problems[["type", "detail"]].to_string()
    assert result.checked == {"communities": 3, "cells": 18, "components": 18}
    assert len(result.summary) == 0


@pytest.mark.parametrize("method", ["regular", "street-block"])
def test_partition_of_sample_data_audits_clean(method):
    if method == "regular":
        comm = gpd.read_file(SAMPLE / "dongcheng.gpkg", layer="communities", engine="pyogrio")
        cells = partition(comm, method="regular").cells
    else:
        comm = gpd.read_file(SAMPLE / "helsinki.gpkg", layer="communities", engine="pyogrio")
        roads = gpd.read_file(SAMPLE / "helsinki.gpkg", layer="roads", engine="pyogrio")
        cells = partition(comm, method="street-block", roads=roads).cells
    result = audit(cells, comm)
    assert result.clean, result.problems[["type", "detail"]].head().to_string()


def test_dongcheng_dropped_cell_is_exactly_one_gap():
    comm = gpd.read_file(SAMPLE / "dongcheng.gpkg", layer="communities", engine="pyogrio")
    cells = partition(comm, method="regular").cells
    k = len(cells) // 2
    lost = cells.geometry.iloc[k]
    result = audit(cells.drop(index=k), comm)
    p = _only(result, "gap")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(lost.area, rel=1e-9)
    assert _same_shape(p.geometry.iloc[0], lost, tol=1e-3)
    assert p["codes"].iloc[0] == cells["code"].iloc[k][:12]


# --------------------------------------------------------------------------------------------------
# Injected defects (one at a time, on copies)
# --------------------------------------------------------------------------------------------------


def test_gap(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 150, 50)  # cell [100,200]×[0,100] of A
    hole = _b(180, 0, 200, 10)  # 20 × 10 m notch at its south-east corner
    cells.loc[k, "geometry"] = cells.geometry.iloc[k].difference(hole)
    p = _only(audit(cells, communities), "gap")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(200.0, abs=1e-9)
    assert _same_shape(p.geometry.iloc[0], hole)
    assert p["codes"].iloc[0] == "110101001001"


def test_overlap(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 50, 50)  # [0,100]×[0,100]
    east = _cell_at(cells, 150, 50)
    cells.loc[k, "geometry"] = _b(0, 0, 110, 100)  # 10 m into its east neighbour
    p = _only(audit(cells, communities), "overlap")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(1000.0, abs=1e-9)
    assert _same_shape(p.geometry.iloc[0], _b(100, 0, 110, 100))
    assert set(p["codes"].iloc[0].split(",")) == {cells["code"].iloc[k], cells["code"].iloc[east]}


def test_sliver(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 150, 150)  # [100,200]×[100,200] of A
    small = cells.iloc[[k]].copy()
    cells.loc[k, "geometry"] = _b(100, 100, 200, 180)
    small["geometry"] = [_b(100, 180, 200, 200)]  # 100 × 20 = 2,000 m² < 3,000 m²
    small["code"] = "110101001001050"
    cells = pd.concat([cells, small], ignore_index=True)
    p = _only(audit(cells, communities), "sliver")
    assert len(p) == 1
    assert p["codes"].iloc[0] == "110101001001050"
    assert p["area_m2"].iloc[0] == pytest.approx(2000.0)
    assert _same_shape(p.geometry.iloc[0], _b(100, 180, 200, 200))


def test_crossing_cell(clean_cells, communities):
    cells = clean_cells.copy()
    a = _cell_at(cells, 250, 50)  # A's [200,300]×[0,100]
    b = _cell_at(cells, 350, 50)  # B's [300,400]×[0,100]
    cells.loc[a, "geometry"] = _b(200, 0, 330, 100)  # 30 m into community B
    cells.loc[b, "geometry"] = _b(330, 0, 400, 100)  # 7,000 m², no gap, no overlap
    p = _only(audit(cells, communities), "crosses_community")
    assert len(p) == 1
    assert p["codes"].iloc[0] == cells["code"].iloc[a]
    assert p["area_m2"].iloc[0] == pytest.approx(3000.0)
    assert _same_shape(p.geometry.iloc[0], _b(300, 0, 330, 100))
    assert "110101001002" in p["detail"].iloc[0]


def test_wrong_community_segment(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 50, 150)  # a cell of community A (001) …
    cells.loc[k, "code"] = "110101001002050"  # … coded as if in community B (002)
    p = _only(audit(cells, communities), "code_mismatch")
    assert len(p) == 1
    assert p["codes"].iloc[0] == "110101001002050"
    assert p["area_m2"].iloc[0] == pytest.approx(10_000.0)
    assert _same_shape(p.geometry.iloc[0], _b(0, 100, 100, 200))
    detail = p["detail"].iloc[0]
    assert "community 002 but the cell lies in community 001" in detail
    assert "column community_code = 001 but the code says 002" in detail


def test_malformed_and_duplicate_codes(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 50, 50)
    cells.loc[k, "code"] = "11010100100X001"
    p = _only(audit(cells, communities), "malformed_code")
    assert len(p) == 1 and p["codes"].iloc[0] == "11010100100X001"
    assert "non-digit" in p["detail"].iloc[0]

    cells = clean_cells.copy()
    a, b = _cell_at(cells, 50, 50), _cell_at(cells, 150, 50)
    cells.loc[b, "code"] = cells["code"].iloc[a]
    p = _only(audit(cells, communities), "duplicate_code")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(20_000.0)
    assert _same_shape(p.geometry.iloc[0], _b(0, 0, 200, 100))


def test_invalid_geometry_is_reported_and_repaired(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 50, 50)
    # the square [0,100]² with a zero-width spike from the top edge to the centre: invalid, same area
    spike = Polygon([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0 + 50, Y0 + 100), (X0 + 50, Y0 + 50),
                     (X0 + 50, Y0 + 100), (X0, Y0 + 100)])
    assert not spike.is_valid
    cells.loc[k, "geometry"] = spike
    p = _only(audit(cells, communities), "invalid_geometry")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(10_000.0)
    assert "Self-intersection" in p["detail"].iloc[0] or "Ring" in p["detail"].iloc[0]


def test_outside_jurisdiction(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 50, 50)
    cells.loc[k, "geometry"] = _b(0, -5, 100, 100)  # 5 m south of the jurisdiction
    p = _only(audit(cells, communities), "outside_jurisdiction")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(500.0)
    assert _same_shape(p.geometry.iloc[0], _b(0, -5, 100, 0))


def test_misplaced_components(clean_cells, communities):
    base = _components(clean_cells)
    a = _cell_at(clean_cells, 50, 50)

    outside = base.copy()
    outside.loc[0, "geometry"] = Point(X0 - 10, Y0 - 10)
    p = _only(audit(clean_cells, communities, components=outside), "component_outside")
    assert len(p) == 1 and p["codes"].iloc[0] == base["code"].iloc[0]
    assert p.geometry.iloc[0].equals(Point(X0 - 10, Y0 - 10))

    moved = base.copy()
    moved.loc[a, "geometry"] = Point(X0 + 150, Y0 + 50)  # now in the east neighbour, cell_code unchanged
    p = _only(audit(clean_cells, communities, components=moved), "component_cell_mismatch")
    assert len(p) == 1
    assert p["codes"].iloc[0] == base["code"].iloc[a]
    assert clean_cells["code"].iloc[_cell_at(clean_cells, 150, 50)] in p["detail"].iloc[0]

    recoded = base.copy()
    recoded.loc[a, "code"] = "010102" + "000999"  # street segment 02 in a street-001 cell
    p = _only(audit(clean_cells, communities, components=recoded), "component_code_mismatch")
    assert len(p) == 1 and p["codes"].iloc[0] == "010102000999"
    assert "street segment 02" in p["detail"].iloc[0] and "gives 01" in p["detail"].iloc[0]


# --------------------------------------------------------------------------------------------------
# Responsibility areas
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def clean_areas(clean_cells) -> gpd.GeoDataFrame:
    areas = build_responsibility(clean_cells, 3, weight="area").areas.copy()
    areas["responsible"] = ["Supervisor A", "Supervisor B", "Supervisor C"]
    return areas


def test_clean_areas_audit_clean(clean_cells, communities, clean_areas):
    result = audit(clean_cells, communities, areas=clean_areas)
    assert result.clean, result.problems[["type", "detail"]].to_string()
    assert result.checked["areas"] == 3


def test_area_without_responsible_party(clean_cells, communities, clean_areas):
    areas = clean_areas.copy()
    areas.loc[1, "responsible"] = "  "
    p = _only(audit(clean_cells, communities, areas=areas), "no_responsible")
    assert len(p) == 1
    assert p["codes"].iloc[0] == areas["area_code"].iloc[1]
    assert p["area_m2"].iloc[0] == pytest.approx(areas.geometry.iloc[1].area)


def test_area_covered_by_two_parties(clean_cells, communities, clean_areas):
    areas = clean_areas.copy()
    # area 0 also claims one whole cell of a neighbouring area
    own = areas.geometry.iloc[0]
    touching = [i for i in range(1, 3) if own.intersection(areas.geometry.iloc[i]).length > 0]
    other = touching[0]
    cells = clean_cells.geometry.values
    inside_other = shapely.covered_by(cells, areas.geometry.iloc[other])
    shares = shapely.length(shapely.intersection(cells, own.boundary)) > 0
    k = int(np.flatnonzero(inside_other & shares)[0])
    areas.loc[0, "geometry"] = own.union(cells[k])
    p = _only(audit(clean_cells, communities, areas=areas), "double_coverage")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(10_000.0)
    assert _same_shape(p.geometry.iloc[0], cells[k])
    assert "Supervisor A" in p["detail"].iloc[0]

    named = clean_areas.copy()
    named.loc[2, "responsible"] = "城管一队；城管二队"
    p = _only(audit(clean_cells, communities, areas=named), "double_coverage")
    assert len(p) == 1 and p["codes"].iloc[0] == named["area_code"].iloc[2]


def test_duplicate_area_code(clean_cells, communities, clean_areas):
    areas = clean_areas.copy()
    areas.loc[2, "area_code"] = areas["area_code"].iloc[1]
    p = _only(audit(clean_cells, communities, areas=areas), "duplicate_code")
    assert len(p) == 1 and (p["layer"] == "areas").all()
    assert p["area_m2"].iloc[0] == pytest.approx(areas.geometry.iloc[1].area + areas.geometry.iloc[2].area)


def test_area_splitting_a_cell_and_crossing_street(clean_cells, communities):
    areas = build_responsibility(clean_cells, 1, weight="area", allow_cross_street=True).areas.copy()
    areas["responsible"] = "Team"
    p = _only(audit(clean_cells, communities, areas=areas), "crosses_street")
    assert len(p) == 1
    assert p["area_m2"].iloc[0] == pytest.approx(60_000.0)  # street 002 is the smaller part
    assert _same_shape(p.geometry.iloc[0], _b(0, 200, 600, 300))

    two = gpd.GeoDataFrame({"area_code": ["R1", "R2"], "responsible": ["P", "Q"]},
                           geometry=[_b(0, 0, 150, 200), _b(150, 0, 300, 200)], crs=CRS)
    cells = clean_cells[clean_cells["community_code"] == "001"]
    cells = cells[cells["street_code"] == "001"]
    p = _only(audit(cells, areas=two), "cell_split_by_area")
    # cells [100,200]×[0,100] and [100,200]×[100,200] are halved by x = 150
    assert len(p) == 2
    assert p["area_m2"].to_numpy() == pytest.approx([5000.0, 5000.0])


def test_history_layer_is_audited_as_of_a_day(clean_cells, communities):
    old = clean_cells.iloc[[_cell_at(clean_cells, 50, 50)]].copy()
    old["code"] = "110101001001900"
    old["valid_from"], old["valid_to"] = "2020-01-01", "2026-06-01"  # retired when the grid was redrawn
    history = pd.concat([clean_cells, old], ignore_index=True)
    result = audit(history, communities, as_of="2026-07-01")
    assert result.clean and result.checked["cells_not_current"] == 1 and result.checked["cells"] == 18
    p = _only(audit(history, communities, as_of="2026-03-01"), "overlap")  # both valid in March
    assert len(p) == 1 and p["area_m2"].iloc[0] == pytest.approx(10_000.0)
    assert "110101001001900" in p["codes"].iloc[0]
    with pytest.raises(InputError, match="not a date"):
        audit(history.assign(valid_to="soon"), communities)
    # a day before the grid existed: no cell is valid, so the whole jurisdiction is a gap (not "clean")
    before = audit(clean_cells.assign(valid_from="2025-01-01"), communities, as_of="2024-06-01")
    gaps = _only(before, "gap")
    assert gaps["area_m2"].sum() == pytest.approx(communities.area.sum(), rel=1e-9)


def test_longitude_latitude_layers_are_audited_in_metres(clean_cells, communities):
    cells = clean_cells.copy()
    k = _cell_at(cells, 150, 50)
    cells.loc[k, "geometry"] = cells.geometry.iloc[k].difference(_b(180, 0, 200, 10))
    result = audit(cells.to_crs("EPSG:4326"), communities.to_crs("EPSG:4326"))
    assert result.crs.to_epsg() == 4548
    p = _only(result, "gap")
    assert len(p) == 1 and p["area_m2"].iloc[0] == pytest.approx(200.0, rel=1e-6)


def test_bad_input(clean_cells):
    with pytest.raises(InputError):
        audit()
    with pytest.raises(InputError, match="CRS"):
        audit(gpd.GeoDataFrame({"code": ["x"]}, geometry=[box(0, 0, 1, 1)]))
    with pytest.raises(InputError, match="code field"):
        audit(clean_cells.drop(columns="code"))
