"""Responsibility grids: areas are contiguous, cover every cell exactly once, stay inside their street,
and reach max/mean workload ≤ 1.15 on the sample data for N = 10. Checks are recomputed from the
geometries with plain shapely (unions, point-in-polygon), not with the engine's helpers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

from wanmi.core.errors import InputError
from wanmi.core.grid import partition
from wanmi.core.responsibility import REFERENCE, allocate_areas, build_responsibility, suggest_n, workload

from .conftest import SAMPLE

CRS = "EPSG:4548"


@pytest.fixture(scope="module")
def dongcheng_cells() -> gpd.GeoDataFrame:
    comm = gpd.read_file(SAMPLE / "dongcheng.gpkg", layer="communities", engine="pyogrio")
    return partition(comm, method="regular").cells


def synthetic_components(cells: gpd.GeoDataFrame, n: int = 20_000, seed: int = 6) -> gpd.GeoDataFrame:
    """Clustered points (dense near a few hot spots, like street furniture along busy streets)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = cells.total_bounds
    hot = rng.uniform([x0, y0], [x1, y1], size=(6, 2))
    k = rng.integers(0, len(hot), n)
    pts = hot[k] + rng.normal(scale=0.18 * min(x1 - x0, y1 - y0), size=(n, 2))
    uniform = rng.uniform([x0, y0], [x1, y1], size=(n // 2, 2))
    xy = np.vstack([pts, uniform])
    union = shapely.union_all(cells.geometry.values)
    keep = shapely.contains_xy(union, xy[:, 0], xy[:, 1])
    return gpd.GeoDataFrame(geometry=shapely.points(xy[keep]), crs=cells.crs)


def check_areas(result, cells: gpd.GeoDataFrame, strict_street: bool = True) -> None:
    """Every cell in exactly one area, each area one connected polygon, no area across a street."""
    areas = result.areas
    assert result.cells["area_code"].notna().all()
    listed = np.concatenate([s.split(",") for s in areas["cell_codes"]])
    assert len(listed) == len(cells) and set(listed) == set(cells["code"])  # each cell exactly once
    codes_of = dict(zip(result.cells["code"], result.cells["area_code"]))
    for row in areas.itertuples():
        members = row.cell_codes.split(",")
        assert {codes_of[c] for c in members} == {row.area_code}
        sub = cells[cells["code"].isin(members)]
        union = shapely.union_all(sub.geometry.values)
        # contiguous: cells sharing edges dissolve into one polygon (corner contact would give a multi)
        assert union.geom_type == "Polygon", f"area {row.area_code} is in {shapely.get_num_geometries(union)} parts"
        assert row.parts == 1 and row.contiguous
        assert row.n_cells == len(sub)
        assert row.area_m2 == pytest.approx(sub.area.sum(), rel=1e-9)
        # holes below 1e-3 m² are slits between cells (source polygons whose shared edges differ in the
        # last digits): not part of the perimeter
        holes = [r for r in union.interiors if Polygon(r).area < 1e-3]
        solid = Polygon(union.exterior, [r for r in union.interiors if Polygon(r).area >= 1e-3])
        assert sum(Polygon(r).area for r in holes) < 1e-3 * max(len(holes), 1)
        assert row.geometry.area == pytest.approx(solid.area, rel=1e-12)
        assert row.compactness == pytest.approx(4 * math.pi * solid.area / solid.length**2, rel=1e-9)
        if strict_street:
            assert sub["street_code"].nunique() == 1
    # the areas tile the cells: same total area, no overlaps
    assert areas.area.sum() == pytest.approx(cells.area.sum(), rel=1e-9)
    assert shapely.union_all(areas.geometry.values).area == pytest.approx(cells.area.sum(), rel=1e-9)


def test_allocate_areas_dhondt():
    assert allocate_areas([100.0, 50.0, 30.0], 6).tolist() == [3, 2, 1]
    assert allocate_areas([1.0, 1.0], 2).tolist() == [1, 1]
    with pytest.raises(InputError):
        allocate_areas([1.0, 1.0, 1.0], 2)


def test_one_street_of_dongcheng_by_area(dongcheng_cells):
    cells = dongcheng_cells[dongcheng_cells["street_code"] == "001"].reset_index(drop=True)
    result = build_responsibility(cells, 10, weight="area")
    check_areas(result, cells)
    load = result.areas["workload"].to_numpy()
    assert load.sum() == pytest.approx(cells.area.sum(), rel=1e-9)
    assert load.max() / load.mean() <= 1.15
    assert result.summary["max_mean"] == pytest.approx(load.max() / load.mean())
    assert result.summary["areas"] == 10
    # compact: no area is a snake (a 1 × 32 chain of 100 m cells would score π/66 ≈ 0.05; a square 0.785)
    assert result.summary["compactness_min"] > 0.3


def test_one_street_by_synthetic_components(dongcheng_cells):
    cells = dongcheng_cells[dongcheng_cells["street_code"] == "003"].reset_index(drop=True)
    pts = synthetic_components(cells)
    result = build_responsibility(cells, 10, weight="components", components=pts)
    check_areas(result, cells)
    # independent count: points inside each area's union (points on cell edges are measure-zero here)
    inside = [int(shapely.contains_xy(g, shapely.get_x(pts.geometry.values), shapely.get_y(pts.geometry.values)).sum())
              for g in result.areas.geometry.values]
    assert np.array(inside) == pytest.approx(result.areas["components"].to_numpy())
    assert sum(inside) == len(pts)
    load = result.areas["workload"].to_numpy()
    assert load.max() / load.mean() <= 1.15


def test_whole_dongcheng_mixed_workload_crossing_streets(dongcheng_cells):
    pts = synthetic_components(dongcheng_cells, n=40_000)
    result = build_responsibility(dongcheng_cells, 10, weight="mix", components=pts, allow_cross_street=True)
    check_areas(result, dongcheng_cells, strict_street=False)
    assert result.summary["max_mean"] <= 1.15
    assert result.areas["area_code"].str.fullmatch(r"110101-\d{2}").all()


def test_whole_dongcheng_by_street(dongcheng_cells):
    n_streets = dongcheng_cells["street_code"].nunique()
    result = build_responsibility(dongcheng_cells, 30, weight="area")
    check_areas(result, dongcheng_cells)
    per_street = result.areas.groupby("street_code").size()
    assert len(per_street) == n_streets and per_street.sum() == 30 and (per_street >= 1).all()
    assert result.allocation["n_areas"].sum() == 30
    with pytest.raises(InputError, match="streets"):
        build_responsibility(dongcheng_cells, n_streets - 1, weight="area")


def test_concave_region_stays_contiguous():
    # a U-shaped community: a bisecting cut leaves pieces that must be repaired
    u_shape = Polygon([(0, 0), (900, 0), (900, 700), (600, 700), (600, 200), (300, 200), (300, 700), (0, 700)])
    u_shape = shapely.affinity.translate(u_shape, 500_000, 4_400_000)
    comm = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                            geometry=[u_shape], crs=CRS)
    cells = partition(comm, target_area=10_000.0).cells
    for n in (2, 3, 4, 7):
        result = build_responsibility(cells, n, weight="area")
        check_areas(result, cells)
        assert result.summary["max_mean"] <= 1.15


def test_workload_measures_and_reference():
    cells = gpd.GeoDataFrame({"code": [f"c{i}" for i in range(4)], "load": [1.0, 2.0, 3.0, 4.0]},
                             geometry=[box(i * 100, 0, (i + 1) * 100, 100) for i in range(4)], crs=CRS)
    pts = gpd.GeoDataFrame(geometry=shapely.points([[50, 50], [150, 50], [160, 40], [399, 1]]), crs=CRS)
    w, measures = workload(cells, "components", components=pts)
    assert w.tolist() == [1, 2, 0, 1]
    assert measures["area"] == pytest.approx([10_000.0] * 4) and measures["cells"].tolist() == [1, 1, 1, 1]
    table = pd.DataFrame({"cell_code": ["c1", "c1", "c3", None]})  # cases overlaid on the grid, no geometry
    w, _ = workload(cells, "cases", cases=table)
    assert w.tolist() == [0, 2, 0, 1]
    w, _ = workload(cells, "load")
    assert w.tolist() == [1, 2, 3, 4]
    w, _ = workload(cells, "mix", components=pts)  # area/mean + components/mean
    assert w == pytest.approx([1 + 1, 1 + 2, 1 + 0, 1 + 1])
    assert suggest_n({"cells": np.ones(25)}) == math.ceil(25 / REFERENCE["cells"])
    assert suggest_n({"area_m2": np.full(3, 100_000.0), "components": np.full(3, 1_000.0)}) == 3
    with pytest.raises(InputError, match="components"):
        workload(cells, "components")
    with pytest.raises(InputError):
        workload(cells, "nonsense")


def test_invalid_cell_is_repaired():
    x0, y0 = 500_000, 4_400_000
    comm = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                            geometry=[box(x0, y0, x0 + 400, y0 + 200)], crs=CRS)
    cells = partition(comm, target_area=10_000.0).cells
    k = int(np.flatnonzero(shapely.contains_xy(cells.geometry.values, x0 + 50, y0 + 50))[0])
    # the same square with a zero-width spike: invalid, same area
    cells.loc[k, "geometry"] = Polygon([(x0, y0), (x0 + 100, y0), (x0 + 100, y0 + 100), (x0 + 50, y0 + 100),
                                        (x0 + 50, y0 + 50), (x0 + 50, y0 + 100), (x0, y0 + 100)])
    result = build_responsibility(cells, 2, weight="area")
    check_areas(result, partition(comm, target_area=10_000.0).cells)
    assert result.summary["max_mean"] == pytest.approx(1.0)


def test_retired_cells_are_left_out(dongcheng_cells):
    cells = dongcheng_cells[dongcheng_cells["street_code"] == "002"].reset_index(drop=True)
    retired = cells.head(3).assign(code=lambda f: f["code"].str[:-3] + "9" + f["code"].str[-2:],
                                   valid_from="2020-01-01", valid_to="2021-01-01")
    history = gpd.GeoDataFrame(pd.concat([cells, retired], ignore_index=True), crs=cells.crs)
    result = build_responsibility(history, 5, weight="area")
    check_areas(result, cells)  # exactly the current cells, each once


def test_bad_input(dongcheng_cells):
    small = dongcheng_cells.head(5)
    with pytest.raises(InputError):
        build_responsibility(small, 6)
    lonlat = build_responsibility(small.to_crs("EPSG:4326"), 1, allow_cross_street=True)
    assert lonlat.areas.crs.to_epsg() == 4548  # worked on in metres
    assert lonlat.areas["area_m2"].iloc[0] == pytest.approx(small.area.sum(), rel=1e-6)
    bad = small.copy()
    bad["w"] = [1, 2, -1, 3, 4]
    with pytest.raises(InputError, match="weight column"):
        build_responsibility(bad, 1, weight="w", allow_cross_street=True)


def test_street_with_an_exclave_is_bridged_and_reported():
    # street 001: a 300 × 200 m community and a 100 × 100 m exclave 500 m away; street 002 in between
    x0, y0 = 500_000, 4_400_000
    comm = gpd.GeoDataFrame(
        {"district_code": ["110101"] * 3, "street_code": ["001", "001", "002"],
         "community_code": ["001", "002", "001"]},
        geometry=[box(x0, y0, x0 + 300, y0 + 200), box(x0 + 800, y0, x0 + 900, y0 + 100),
                  box(x0 + 300, y0, x0 + 800, y0 + 100)], crs=CRS)
    cells = partition(comm, target_area=10_000.0).cells
    result = build_responsibility(cells, 3, weight="area")
    areas = result.areas.set_index("area_code")
    per_street = areas.groupby("street_code").size().to_dict()
    assert per_street == {"001": 2, "002": 1}
    street1 = areas[areas["street_code"] == "001"]
    # the exclave joins one of its street's two areas: that area is in two parts and not contiguous
    assert sorted(street1["parts"]) == [1, 2]
    assert street1.loc[street1["parts"] == 2, "contiguous"].iloc[0] == np.False_
    assert result.summary["all_contiguous"] is False and result.summary["multipart_areas"] == 1
    assert street1["n_cells"].sum() == 7 and areas.loc[areas["street_code"] == "002", "n_cells"].iloc[0] == 5
