"""Unit-grid partition (wanmi.core.grid): hand-computed cases, exactness invariants, real sample data.

Hand cases use lattice-aligned coordinates so that every piece, merge and number can be worked out on
paper (the expected values are written out below, not produced by the engine). Invariants come from
``conftest.assert_exact_partition``; real data from ``layers/sample`` (Dongcheng 169 communities,
central Helsinki roads).
"""

from __future__ import annotations

import math
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, box

from wanmi.core.errors import GeographicCRSError, InputError
from wanmi.core.feedback import CallbackFeedback, Canceled
from wanmi.core.grid import CELL_COLUMNS, Lattice, jurisdiction_codes, partition, summarize

from .conftest import assert_exact_partition, sample_layer

A = 10_000.0
CRS = "EPSG:4548"  # CGCS2000 / 3-degree Gauss-Kruger CM 117E (Beijing)


def communities(geoms, codes=None, district="110101", street="001", crs=CRS) -> gpd.GeoDataFrame:
    codes = codes or [f"{k + 1:03d}" for k in range(len(geoms))]
    return gpd.GeoDataFrame(
        {"district_code": [district] * len(geoms), "street_code": [street] * len(geoms), "community_code": codes},
        geometry=list(geoms),
        crs=crs,
    )


def bounds_of(cells) -> list[tuple[float, ...]]:
    return [tuple(round(v, 6) for v in b) for b in shapely.bounds(cells.geometry.values)]


# --------------------------------------------------------------------------------------------------
# Regular method: hand cases
# --------------------------------------------------------------------------------------------------


def test_aligned_rectangle_gives_six_full_cells_numbered_from_the_north_west():
    j = communities([box(0, 0, 300, 200)])
    r = partition(j, target_area=A, valid_from="2024-05-01")
    cells = r.cells
    assert list(cells.columns) == [*CELL_COLUMNS, "geometry"]
    assert cells["code"].tolist() == [f"110101001001{k:03d}" for k in range(1, 7)]
    assert cells["seq"].tolist() == [1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(cells["area_m2"], 10_000.0)
    # north row (y 100..200) west -> east, then the south row
    assert bounds_of(cells) == [
        (0, 100, 100, 200), (100, 100, 200, 200), (200, 100, 300, 200),
        (0, 0, 100, 100), (100, 0, 200, 100), (200, 0, 300, 100),
    ]
    assert r.pre_merge_count == 6 and r.pre_merge_boxes == 6
    assert r.lattice == Lattice(100.0)
    assert str(cells["valid_from"].iloc[0]) == "2024-05-01"
    assert cells["valid_to"].isna().all() and cells["note"].isna().all()
    assert (cells.geom_type == "Polygon").all()
    assert r.crs.to_epsg() == 4548 and cells.crs.to_epsg() == 4548
    assert r.problems.empty and r.oversize.empty
    assert_exact_partition(cells, j)


def test_shifted_rectangle_pieces_and_merges_by_hand():
    """x 50..350, y 50..250 on the 100 m lattice.

    Pieces (4 columns x 3 rows = 12): corners 50x50 = 2,500 m² (< 3,000: slivers), edge pieces 50x100 or
    100x50 = 5,000, two inner boxes 10,000. Each corner shares 50 m with two 5,000 m² neighbours: the tie
    goes to the one first in reading order (north → south, west → east): the two northern corners join
    their eastern/western neighbour in the top row, the two southern corners the neighbour above them.
    """
    j = communities([box(50, 50, 350, 250)])
    r = partition(j, target_area=A, combine=False)
    assert r.pre_merge_count == 12 and r.pre_merge_boxes == 12
    got = list(zip(r.cells["seq"], r.cells["area_m2"].round(6), bounds_of(r.cells)))
    assert got == [
        (1, 7500.0, (50, 200, 200, 250)),
        (2, 7500.0, (200, 200, 350, 250)),
        (3, 7500.0, (50, 50, 100, 200)),
        (4, 10000.0, (100, 100, 200, 200)),
        (5, 10000.0, (200, 100, 300, 200)),
        (6, 7500.0, (300, 50, 350, 200)),
        (7, 5000.0, (100, 50, 200, 100)),
        (8, 5000.0, (200, 50, 300, 100)),
    ]
    assert (r.cells.geom_type == "Polygon").all()
    assert_exact_partition(r.cells, j)


def test_fragment_combining_joins_neighbouring_partial_cells_up_to_a():
    """The same rectangle with combining (the default): of the partial cells (four of 7,500 m², two of
    5,000) only the two southern 5,000 m² fragments can join without exceeding A → one 10,000 m² cell."""
    j = communities([box(50, 50, 350, 250)])
    r = partition(j, target_area=A)
    got = list(zip(r.cells["seq"], r.cells["area_m2"].round(6), bounds_of(r.cells)))
    assert got[:6] == [
        (1, 7500.0, (50, 200, 200, 250)),
        (2, 7500.0, (200, 200, 350, 250)),
        (3, 7500.0, (50, 50, 100, 200)),
        (4, 10000.0, (100, 100, 200, 200)),
        (5, 10000.0, (200, 100, 300, 200)),
        (6, 7500.0, (300, 50, 350, 200)),
    ]
    assert got[6:] == [(7, 10000.0, (100, 50, 300, 100))]
    assert r.cells.area.max() <= A + 1e-6
    assert_exact_partition(r.cells, j)


def test_l_shape_by_hand():
    """L = (0,0)-(250,0)-(250,120)-(120,120)-(120,250)-(0,250).

    Pieces: (0,0) (1,0) (0,1) full 10,000; (2,0) 50x100 = 5,000; (0,2) 100x50 = 5,000; (1,1) an L of
    100x20 + 20x80 = 3,600; slivers (2,1) 50x20 = 1,000 and (1,2) 20x50 = 1,000. Sliver (2,1) shares
    50 m with (2,0) and 20 m with (1,1) → joins (2,0) = 6,000; (1,2) shares 50 m with (0,2) → 6,000.
    """
    ell = Polygon([(0, 0), (250, 0), (250, 120), (120, 120), (120, 250), (0, 250)])
    j = communities([ell])
    r = partition(j, target_area=A, combine=False)
    assert r.pre_merge_count == 8 and r.pre_merge_boxes == 8
    got = list(zip(r.cells["seq"], r.cells["area_m2"].round(6), bounds_of(r.cells)))
    assert got == [
        (1, 6000.0, (0, 200, 120, 250)),
        (2, 10000.0, (0, 100, 100, 200)),
        (3, 3600.0, (100, 100, 200, 200)),
        (4, 10000.0, (0, 0, 100, 100)),
        (5, 10000.0, (100, 0, 200, 100)),
        (6, 6000.0, (200, 0, 250, 120)),
    ]
    assert_exact_partition(r.cells, j)


def test_community_with_a_hole():
    """300x200 with a hole [120,180]x[60,140]: boxes (1,0) and (1,1) each lose 60x40 = 2,400 m²."""
    poly = Polygon(box(0, 0, 300, 200).exterior.coords, [box(120, 60, 180, 140).exterior.coords])
    j = communities([poly])
    r = partition(j, target_area=A)
    areas = dict(zip(r.cells["seq"], r.cells["area_m2"].round(6)))
    assert areas == {1: 10000.0, 2: 7600.0, 3: 10000.0, 4: 10000.0, 5: 7600.0, 6: 10000.0}
    assert r.cells["area_m2"].sum() == pytest.approx(60000 - 4800)
    hole_centre = shapely.Point(150, 100)
    assert not shapely.intersects(r.cells.geometry.values, hole_centre).any()
    assert_exact_partition(r.cells, j)


def test_lone_district_polygon_gets_street_and_community_000():
    j = gpd.GeoDataFrame({"district_code": ["110101"]}, geometry=[box(0, 0, 200, 100)], crs=CRS)
    r = partition(j, target_area=A)
    assert r.cells["code"].tolist() == ["110101000000001", "110101000000002"]
    assert set(r.cells["street_code"]) == {"000"} and set(r.cells["community_code"]) == {"000"}
    assert_exact_partition(r.cells, j)


def test_code_forms_12_digit_community_9_digit_street_and_integers():
    g = [box(0, 0, 100, 100), box(100, 0, 200, 100)]
    twelve = gpd.GeoDataFrame({"community_code": ["110101001001", "110101002007"]}, geometry=g, crs=CRS)
    nine = gpd.GeoDataFrame({"street_code": ["110101001", "110101002"], "community_code": ["001", "007"]},
                            geometry=g, crs=CRS)
    ints = gpd.GeoDataFrame({"district_code": [110101, 110101], "street_code": [1, 2], "community_code": [1, 7]},
                            geometry=g, crs=CRS)
    for j in (twelve, nine, ints):
        r = partition(j, target_area=A)
        assert r.cells["code"].tolist() == ["110101001001001", "110101002007001"]
        assert r.cells["street_code"].tolist() == ["001", "002"]


def test_small_and_isolated_pieces_are_kept_and_flagged():
    tiny = box(1000, 1000, 1040, 1040)  # 1,600 m² community < 3,000
    island = MultiPolygon([box(0, 0, 200, 100), box(500, 500, 520, 520)])  # 400 m² island far away
    j = communities([tiny, island])
    r = partition(j, target_area=A)
    notes = dict(zip(r.cells["code"], r.cells["note"]))
    assert "smaller than the sliver threshold" in notes["110101001001001"]
    flagged = [c for c, n in notes.items() if n]
    assert len(flagged) == 2
    island_cell = r.cells[r.cells["area_m2"].round(6) == 400.0]
    assert "isolated part" in island_cell["note"].iloc[0]
    assert_exact_partition(r.cells, j)


def test_box_cells_give_arithmetic_point_lookup():
    rng = np.random.default_rng(7)
    j = communities([Polygon([(13, 7), (480, 40), (420, 390), (160, 460), (30, 300)]),
                     Polygon([(480, 40), (700, 60), (690, 400), (420, 390)])])
    r = partition(j, target_area=2_500.0)
    xy = rng.uniform([0, 0], [700, 460], size=(5000, 2))
    pts = shapely.points(xy)
    tree = shapely.STRtree(r.cells.geometry.values)
    p_idx, c_idx = tree.query(pts, predicate="within")
    truth = np.full(len(pts), -1)
    truth[p_idx] = c_idx
    i, jj = r.lattice.index(xy[:, 0], xy[:, 1])
    full = r.box_cells[r.box_cells["full"]].set_index(["i", "j"])["cell"]
    key = pd.MultiIndex.from_arrays([i, jj])
    hit = key.isin(full.index)
    assert hit.sum() > 1000
    assert (full.reindex(key[hit]).to_numpy() == truth[hit]).all()


def test_codes_are_stable_when_a_neighbour_changes():
    a = Polygon([(13, 7), (480, 40), (420, 390), (160, 460), (30, 300)])
    b = Polygon([(480, 40), (700, 60), (690, 400), (420, 390)])
    alone = partition(communities([a]), target_area=A).cells
    both = partition(communities([a, b]), target_area=A).cells
    mine = both[both["community_code"] == "001"].reset_index(drop=True)
    assert mine["code"].tolist() == alone["code"].tolist()
    assert shapely.equals_exact(mine.geometry.values, alone.geometry.values, tolerance=0).all()


def synthetic_communities(seed: int, n: int = 25) -> gpd.GeoDataFrame:
    """Voronoi communities inside an irregular 'district' around (500 000, 4 400 000)."""
    rng = np.random.default_rng(seed)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 60))
    rad = rng.uniform(900, 1500, 60)
    x0, y0 = 500_123.37, 4_400_071.91
    district = Polygon(np.c_[x0 + rad * np.cos(ang), y0 + rad * np.sin(ang)])
    pts = shapely.points(rng.uniform([x0 - 1500, y0 - 1500], [x0 + 1500, y0 + 1500], size=(n, 2)))
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=district.buffer(10)))
    comms = shapely.intersection(cells, district)
    comms = comms[shapely.area(comms) > 0]
    return communities(comms, [f"{k + 1:03d}" for k in range(len(comms))])


@pytest.mark.parametrize("seed, area, ratio", [(1, 10_000.0, 0.3), (2, 6_400.0, 0.5), (3, 20_000.0, 0.2)])
def test_invariants_on_synthetic_communities(seed, area, ratio):
    j = synthetic_communities(seed)
    r = partition(j, target_area=area, sliver_ratio=ratio)
    assert_exact_partition(r.cells, j, target_area=area, sliver_ratio=ratio)
    assert len(r.cells) < r.pre_merge_count
    assert (r.cells.geom_type == "Polygon").all()
    # a cell is at most 1 box plus slivers, and everything above 1.5 A is reported
    big = r.cells.loc[r.cells["area_m2"] > 1.5 * area, "code"]
    assert set(big) == set(r.oversize["code"])


def test_geographic_input_is_reprojected_and_said_so():
    messages: list[str] = []
    j = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                         geometry=[box(116.40, 39.90, 116.41, 39.91)], crs="EPSG:4326")
    r = partition(j, target_area=A, feedback=CallbackFeedback(log=messages.append))
    assert r.crs.to_epsg() == 4548
    assert any("Reprojected" in m and "4548" in m for m in messages)
    assert_exact_partition(r.cells, j.to_crs(4548), target_area=A)
    # an explicit metric CRS overrides the automatic choice
    r50 = partition(j, target_area=A, crs="EPSG:32650")
    assert r50.crs.to_epsg() == 32650


def test_invalid_and_empty_geometries_are_reported():
    bowtie = Polygon([(0, 0), (100, 100), (100, 0), (0, 100)])  # self-intersecting
    j = communities([bowtie, None, box(200, 0, 300, 100)], ["001", "002", "003"])
    r = partition(j, target_area=A)
    probs = r.problems.set_index("code")
    assert probs.loc["110101001001", "action"].startswith("repaired")
    assert "Self-intersection" in probs.loc["110101001001", "problem"]
    assert probs.loc["110101001002", "problem"] == "empty geometry"
    assert probs.loc["110101001002", "action"] == "dropped"
    assert set(r.cells["community_code"]) == {"001", "003"}
    # the repaired bow-tie: two triangles of 2,500 m² each
    assert r.cells.loc[r.cells["community_code"] == "001", "area_m2"].sum() == pytest.approx(5000.0)


def test_summarize_by_hand():
    r = partition(communities([box(0, 0, 300, 200)]), target_area=A)
    s = summarize(r.cells)
    assert s["count"] == 6 and s["area_mean"] == pytest.approx(10_000.0)
    assert s["area_p5"] == pytest.approx(10_000.0) and s["area_max"] == pytest.approx(10_000.0)
    assert s["compactness_mean"] == pytest.approx(math.pi / 4)  # a square: 4π·1e4 / 400²


def test_cancel_is_honoured():
    with pytest.raises(Canceled):
        partition(communities([box(0, 0, 300, 200)]), feedback=CallbackFeedback(canceled=lambda: True))


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def test_overlapping_communities_are_refused_with_both_codes_and_the_area():
    j = communities([box(0, 0, 100, 100), box(90, 0, 200, 100)])  # overlap 10 x 100 = 1,000 m²
    with pytest.raises(InputError) as err:
        partition(j)
    msg = str(err.value)
    assert "110101001001" in msg and "110101001002" in msg and "1000 m²" in msg
    # touching along an edge is fine
    partition(communities([box(0, 0, 100, 100), box(100, 0, 200, 100)]))


def test_duplicate_codes_are_refused():
    j = communities([box(0, 0, 100, 100), box(100, 0, 200, 100)], ["004", "004"])
    with pytest.raises(InputError, match="duplicate community code 110101001004"):
        partition(j)


@pytest.mark.parametrize(
    "column, value, fragment",
    [("community_code", "0a1", "community_code"), ("street_code", "01", "street_code"),
     ("district_code", "11010", "district_code"), ("community_code", "12345", "community_code")],
)
def test_malformed_codes_are_refused_naming_the_feature(column, value, fragment):
    j = communities([box(0, 0, 100, 100), box(100, 0, 200, 100)])
    j.loc[1, column] = value
    with pytest.raises(InputError) as err:
        partition(j)
    assert f"feature 1: {fragment}" in str(err.value) and value in str(err.value)


def test_missing_code_columns_are_refused():
    j = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(0, 0, 100, 100)], crs=CRS)
    with pytest.raises(InputError, match="code columns"):
        jurisdiction_codes(j)


def test_crs_problems():
    j = communities([box(116.40, 39.90, 116.41, 39.91)], crs="EPSG:4326")
    with pytest.raises(GeographicCRSError):
        partition(j, crs="EPSG:4326")  # asked to work in degrees: impossible
    with pytest.raises(InputError, match="no coordinate reference system"):
        partition(communities([box(0, 0, 100, 100)], crs=None))


def test_more_cells_than_the_scheme_allows():
    # 1,000 m x 1,000 m at A = 900 m² (side 30 m): 34 x 34 = 1,156 pieces; the last column/row is 10 m
    # wide (300 m² ≥ 270 m², not a sliver) except the 10 x 10 corner (100 m²), merged -> 1,155 cells > 999
    j = communities([box(0, 0, 1000, 1000)])
    with pytest.raises(InputError) as err:
        partition(j, target_area=900.0, combine=False)
    assert "110101001001" in str(err.value) and "1155 cells" in str(err.value)
    # 14-digit scheme: 100 cells > 99, but 9 x 11 = 99 cells fit
    with pytest.raises(InputError, match="gbt30428-15"):
        partition(j, target_area=A, code_scheme="cjt213-14")
    ok = partition(communities([box(0, 0, 900, 1100)]), target_area=A, code_scheme="14")
    assert len(ok.cells) == 99 and ok.cells["code"].iloc[-1] == "11010100100199"
    assert_exact_partition(ok.cells, communities([box(0, 0, 900, 1100)]), scheme="cjt213-14")


# --------------------------------------------------------------------------------------------------
# Street-block method: hand cases
# --------------------------------------------------------------------------------------------------


def roads_gdf(lines, crs=CRS):
    return gpd.GeoDataFrame({"highway": ["residential"] * len(lines)}, geometry=list(lines), crs=crs)


def test_street_blocks_split_by_a_road():
    j = communities([box(0, 0, 200, 100)])
    r = partition(j, method="street-block", roads=roads_gdf([LineString([(100, -10), (100, 110)])]))
    assert r.lattice is None and r.pre_merge_count == 2
    assert bounds_of(r.cells) == [(0, 0, 100, 100), (100, 0, 200, 100)]
    assert r.cells["code"].tolist() == ["110101001001001", "110101001001002"]
    assert_exact_partition(r.cells, j)


def test_dangling_road_does_not_split_a_block():
    j = communities([box(0, 0, 150, 100)])  # 15,000 m² = 1.5 A exactly: not subdivided
    r = partition(j, method="street-block", roads=roads_gdf([LineString([(0, 50), (100, 50)])]))
    assert len(r.cells) == 1 and r.cells["area_m2"].iloc[0] == pytest.approx(15_000.0)


def test_small_block_is_merged_across_the_road():
    j = communities([box(0, 0, 120, 100)])  # blocks 10,000 and 2,000 (< 3,000)
    r = partition(j, method="street-block", roads=roads_gdf([LineString([(100, -10), (100, 110)])]))
    assert r.pre_merge_count == 2 and len(r.cells) == 1
    assert r.cells["area_m2"].iloc[0] == pytest.approx(12_000.0)
    assert "merged from 2 street blocks" in r.cells["note"].iloc[0]


def test_large_block_is_bisected_into_equal_compact_parts():
    # 400 x 100 = 4 A, no roads: k = 4; cuts across the long axis at x = 200, then 100 and 300
    j = communities([box(0, 0, 400, 100)])
    r = partition(j, method="street-block", roads=roads_gdf([LineString([(0, 500), (10, 500)])]))
    assert len(r.cells) == 4 and r.oversize.empty
    np.testing.assert_allclose(r.cells["area_m2"], 10_000.0, rtol=0.005)
    minx = np.sort(shapely.bounds(r.cells.geometry.values)[:, 0])
    np.testing.assert_allclose(minx, [0, 100, 200, 300], atol=0.5)
    assert r.cells["seq"].tolist() == [1, 2, 3, 4]
    assert_exact_partition(r.cells, j)
    # an odd count: 300 x 100 -> k = 3, ratio 1:2 then 1:1
    r3 = partition(communities([box(0, 0, 300, 100)]), method="street-block", roads=roads_gdf([]))
    np.testing.assert_allclose(np.sort(r3.cells["area_m2"]), [10_000.0] * 3, rtol=0.005)


@pytest.mark.parametrize("seed, area", [(11, 10_000.0), (12, 4_000.0)])
def test_street_block_invariants_on_synthetic_roads(seed, area):
    """Voronoi communities cut by random bent roads (some leave the district, ten short dangles)."""
    j = synthetic_communities(seed)
    rng = np.random.default_rng(seed)
    x0, y0 = 500_123.37, 4_400_071.91
    a = rng.uniform([x0 - 1600, y0 - 1600], [x0 + 1600, y0 + 1600], (40, 2))
    b = a + rng.normal(0, 800, (40, 2))
    mid = (a + b) / 2 + rng.normal(0, 100, (40, 2))
    lines = np.concatenate([shapely.linestrings(np.stack([a, mid, b], 1)),
                            shapely.linestrings(np.stack([a[:10], a[:10] + rng.normal(0, 60, (10, 2))], 1))])
    r = partition(j, method="street-block", roads=roads_gdf(lines), target_area=area)
    assert_exact_partition(r.cells, j, target_area=area)
    assert set(r.cells.loc[r.cells["area_m2"] > 1.5 * area, "code"]) <= set(r.oversize["code"])
    assert r.pre_merge_count > len(j)  # the roads did cut blocks
    assert abs(r.cells["area_m2"].mean() / area - 1) < 0.10


def test_street_block_needs_roads():
    with pytest.raises(InputError, match="roads"):
        partition(communities([box(0, 0, 100, 100)]), method="street-block")
    with pytest.raises(InputError, match="unknown partition method"):
        partition(communities([box(0, 0, 100, 100)]), method="hexagon")


# --------------------------------------------------------------------------------------------------
# Real sample data
# --------------------------------------------------------------------------------------------------


def test_dongcheng_regular_partition():
    comms = sample_layer("dongcheng", "communities")
    assert len(comms) == 169
    t0 = time.perf_counter()
    r = partition(comms, target_area=A)
    elapsed = time.perf_counter() - t0
    stats = assert_exact_partition(r.cells, comms, target_area=A)
    assert stats["max_overlap"] <= 1e-6
    assert elapsed < 2.0, f"regular partition of Dongcheng took {elapsed:.2f} s"
    mean = r.cells["area_m2"].mean()
    # 169 communities of 0.25 km² mean: many border cells between 0.3 A and A stay, so the mean is below A
    # (≈ 0.88 A); with a 0.5 A sliver threshold it is within 10 % of A
    assert 0.85 * A <= mean <= A
    r5 = partition(comms, target_area=A, sliver_ratio=0.5)
    assert abs(r5.cells["area_m2"].mean() / A - 1) < 0.10
    assert_exact_partition(r5.cells, comms, target_area=A, sliver_ratio=0.5)
    # QGIS creategrid+clip oracle numbers need pre_merge_count >= pre_merge_boxes (multipart clips)
    assert r.pre_merge_count >= r.pre_merge_boxes > len(r.cells)
    assert set(r.cells.loc[r.cells["area_m2"] > 1.5 * A, "code"]) == set(r.oversize["code"])


def test_dongcheng_streets_without_community_codes():
    streets = sample_layer("dongcheng", "streets")
    r = partition(streets, target_area=A)
    assert set(r.cells["community_code"]) == {"000"}
    assert r.cells["street_code"].nunique() == len(streets)
    assert_exact_partition(r.cells, streets, target_area=A)


VEHICLE = ["primary", "secondary", "tertiary", "residential", "unclassified", "pedestrian", "primary_link",
           "tertiary_link", "living_street"]


def _separating_lines(community, roads: np.ndarray):
    """The road lines that bound street blocks of ``community`` (dangles and cut edges excluded).

    Computed independently of the engine: node the community boundary with every road that touches it,
    polygonize, and keep the edges of the faces inside the community.
    """
    near = roads[shapely.intersects(roads, community)]
    noded = shapely.union_all(np.concatenate([[shapely.boundary(community)], near]))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    inside = shapely.contains(community, shapely.point_on_surface(faces))
    return shapely.union_all(shapely.boundary(faces[inside]))


@pytest.mark.parametrize("road_filter", ["vehicle", "all"])
def test_helsinki_street_blocks(road_filter):
    comms = sample_layer("helsinki", "communities")
    roads = sample_layer("helsinki", "roads")
    if road_filter == "vehicle":
        roads = roads[roads["highway"].isin(VEHICLE)]
    r = partition(comms, method="street-block", roads=roads, target_area=A)
    assert_exact_partition(r.cells, comms, target_area=A)
    # no cell above 1.5 A unless reported
    big = set(r.cells.loc[r.cells["area_m2"] > 1.5 * A, "code"])
    assert big <= set(r.oversize["code"])
    # No separating road runs through the interior of a cell that is not a merge of several blocks:
    # interior length = length of (road ∩ cell) farther than 1e-6 m from the cell boundary. Merged cells
    # (noted) join small blocks across a road by design; dangling roads inside a block are allowed (they
    # do not separate blocks, so _separating_lines leaves them out).
    lines = np.asarray(roads.geometry.values, dtype=object)
    keys = comms["district_code"] + comms["street_code"] + comms["community_code"]
    cell_keys = r.cells["district_code"] + r.cells["street_code"] + r.cells["community_code"]
    unmerged = 0
    for key, community in zip(keys, comms.geometry.values):
        sep = _separating_lines(community, lines)
        mine = r.cells[(cell_keys == key).to_numpy()]
        merged = mine["note"].fillna("").str.contains("merged").to_numpy()
        g = np.asarray(mine.geometry.values[~merged], dtype=object)
        unmerged += len(g)
        # collinear lines computed by different operations differ by ~1e-11 m, so "on the boundary" is
        # measured with a 1e-6 m tolerance band (a measuring device only; the engine uses no buffers)
        band = shapely.buffer(shapely.boundary(g), 1e-6)
        inner = shapely.length(shapely.difference(shapely.intersection(g, sep), band))
        worst = float(inner.max()) if len(inner) else 0.0
        assert worst <= 1e-6, f"a road crosses a cell of community {key} for {worst:.3g} m"
    assert unmerged >= 0.1 * len(r.cells)  # the check is not vacuous
    s = summarize(r.cells)
    assert s["compactness_p5"] > 0.15
