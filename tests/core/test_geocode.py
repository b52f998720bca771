"""Point → cell assignment: the tie rule by hand, lattice vs STRtree paths, invariants, CRS handling.

Expected cells are worked out by hand from the documented rule (nudge towards (1, 1/π), else the smallest
index) or from how the test grid was built (which lattice box went into which cell), never from the
functions under test.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from wanmi.core.errors import GeographicCRSError, InputError
from wanmi.core.geocode import (
    assign_points,
    assign_to_cells,
    count_points_in_cells,
    detect_lattice,
    index_lattice,
    point_coordinates,
)
from wanmi.core.lattice import Lattice

ALL_METHODS = ("strtree", "lattice", "auto")


def _all_ways(x, y, cells, lattices=()):
    """Results of every path: STRtree, lattice on each given lattice, the bucket lattice, auto."""
    out = {"strtree": assign_points(x, y, cells, method="strtree"),
           "bucket": assign_points(x, y, cells, method="lattice"),
           "auto": assign_points(x, y, cells)}
    for k, lat in enumerate(lattices):
        out[f"lattice{k}"] = assign_points(x, y, cells, lattice=lat)
    return out


def _assert_all_equal(x, y, cells, expected, lattices=()):
    for name, got in _all_ways(x, y, cells, lattices).items():
        np.testing.assert_array_equal(got, expected, err_msg=name)


# --------------------------------------------------------------------------------------------------
# Lattice arithmetic
# --------------------------------------------------------------------------------------------------


def test_lattice_for_area_and_validation():
    assert Lattice.for_area(10_000).side == 100.0
    assert Lattice.for_area(2_500, 5.0, 7.0) == Lattice(50.0, 5.0, 7.0)
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError):
            Lattice(bad)
    with pytest.raises(ValueError):
        Lattice.for_area(-4)


def test_lattice_index_half_open():
    lat = Lattice(10.0, origin_x=100.0, origin_y=-5.0)
    x = np.array([100.0, 109.999, 110.0, 99.999, 95.0, 130.0])
    y = np.array([-5.0, 4.999, 5.0, -5.001, -15.0, 25.0])
    i, j = lat.index(x, y)
    np.testing.assert_array_equal(i, [0, 0, 1, -1, -1, 3])
    np.testing.assert_array_equal(j, [0, 0, 1, -1, -1, 3])
    assert i.dtype == np.int64
    xmin, ymin, xmax, ymax = lat.boxes([2], [-3])[0].bounds
    assert (xmin, ymin, xmax, ymax) == (120.0, -35.0, 130.0, -25.0)


@pytest.mark.parametrize("side,ox,oy", [(0.1, 0.0, 0.0), (100.0, 446174.736, 4413852.466), (1 / 3, 0.7, -1e6),
                                        (math.pi, 1e5, 4.4e6)])
def test_lattice_index_matches_box_edges_exactly(side, ox, oy):
    """A coordinate equal to a box edge as ``boxes`` computes it lies in that box, despite rounding."""
    lat = Lattice(side, ox, oy)
    rng = np.random.default_rng(7)
    i = rng.integers(-50_000, 50_000, 20_000)
    j = rng.integers(-50_000, 50_000, 20_000)
    x0, y0, x1, y1 = lat.edges(i, j)
    gi, gj = lat.index(x0, y0)
    np.testing.assert_array_equal(gi, i)
    np.testing.assert_array_equal(gj, j)
    # one ulp below the west/south edge: the neighbouring box
    gi, gj = lat.index(np.nextafter(x0, -np.inf), np.nextafter(y0, -np.inf))
    np.testing.assert_array_equal(gi, i - 1)
    np.testing.assert_array_equal(gj, j - 1)
    # one ulp below the east/north edge: still this box
    gi, gj = lat.index(np.nextafter(x1, -np.inf), np.nextafter(y1, -np.inf))
    np.testing.assert_array_equal(gi, i)
    np.testing.assert_array_equal(gj, j)
    _, _, west, south = lat.locate(x0, np.nextafter(y0, np.inf))
    assert west.all() and not south.any()


@pytest.mark.parametrize("side,origin", [(100.0, 0.0), (0.1, 446174.736), (7.3, -4.4e6), (1e-3, 1e5)])
def test_fast_axis_equals_exact_axis(side, origin):
    """The float shortcut away from box edges gives the same boxes and edge flags as exact arithmetic."""
    lat = Lattice(side, origin, 0.0)
    rng = np.random.default_rng(11)
    k = rng.integers(-40_000, 40_000, 30_000)
    edge = lat.edges(k, k)[0]
    v = np.concatenate([
        rng.uniform(edge.min(), edge.max(), 30_000), edge,
        np.nextafter(edge, np.inf), np.nextafter(edge, -np.inf),
        edge + side * rng.choice([1e-13, -1e-13, 1e-11, -1e-11, 1e-9, -1e-9], len(edge)),
    ])
    fast_k, fast_edge = lat._axis(v, origin)
    exact_k, exact_edge = lat._exact_axis(v, origin)
    np.testing.assert_array_equal(fast_k, exact_k)
    np.testing.assert_array_equal(fast_edge, exact_edge)
    assert exact_edge.sum() >= len(edge)  # the edge values themselves are flagged


# --------------------------------------------------------------------------------------------------
# The tie rule by hand
# --------------------------------------------------------------------------------------------------

# Four 10 m squares with lower-left corner (100, 200): 0 = SW, 1 = SE, 2 = NW, 3 = NE.
GRID_LAT = Lattice(10.0, 100.0, 200.0)
GRID = np.array([box(100, 200, 110, 210), box(110, 200, 120, 210), box(100, 210, 110, 220),
                 box(110, 210, 120, 220)], dtype=object)
HAND = [  # (x, y, expected cell, why)
    (105, 205, 0, "interior SW"), (115, 215, 3, "interior NE"),
    (110, 205, 1, "shared edge SW|SE: nudge east"), (110, 215, 3, "shared edge NW|NE: east"),
    (105, 210, 2, "shared edge SW|NW: nudge north"), (115, 210, 3, "shared edge SE|NE: north"),
    (110, 210, 3, "4-cell vertex: north-east"),
    (100, 205, 0, "west outer edge: only SW"), (120, 205, 1, "east outer edge: only SE"),
    (105, 200, 0, "south outer edge"), (105, 220, 2, "north outer edge"),
    (100, 200, 0, "SW outer corner"), (120, 220, 3, "NE outer corner"),
    (120, 200, 1, "SE outer corner"), (100, 220, 2, "NW outer corner"),
    (110, 200, 1, "south outer vertex SW|SE: nudge enters SE"),
    (100, 210, 2, "west outer vertex SW|NW: nudge enters NW"),
    (110, 220, 2, "north outer vertex NW|NE: nudge leaves, smallest index 2"),
    (120, 210, 1, "east outer vertex SE|NE: nudge leaves, smallest index 1"),
    (99.999, 205, -1, "just west"), (125, 225, -1, "outside NE"), (110, 220.001, -1, "just north"),
]


@pytest.mark.parametrize("lattices", [(), (GRID_LAT,), (Lattice(3.7, 0.3, 0.9), Lattice(10.0))])
def test_hand_grid(lattices):
    x, y, expected, _ = map(np.array, zip(*HAND))
    _assert_all_equal(x, y, GRID, expected, lattices)


def test_hand_grid_order_does_not_matter_inside():
    """Reversed cell order: interior ties are decided by the nudge, so the same squares win."""
    x, y, expected, _ = map(np.array, zip(*HAND))
    rev = GRID[::-1]
    got = assign_points(x, y, rev, lattice=GRID_LAT)
    mapped = np.where(got >= 0, 3 - got, -1)
    nudge_decided = np.array([not why.endswith(("index 2", "index 1")) for *_, why in HAND])
    np.testing.assert_array_equal(mapped[nudge_decided], expected[nudge_decided])
    # on the outer boundary where the nudge leaves, the smallest index of the *reversed* list wins
    np.testing.assert_array_equal(mapped[~nudge_decided], [3, 3])


def test_triangles_meeting_at_centre():
    """Square [0, 2]² cut by its diagonals: S, E, N, W triangles (indices 0..3)."""
    c = (1, 1)
    tri = np.array([Polygon([(0, 0), (2, 0), c]), Polygon([(2, 0), (2, 2), c]),
                    Polygon([(2, 2), (0, 2), c]), Polygon([(0, 2), (0, 0), c])], dtype=object)
    pts = [
        ((1, 1), 1),  # centre: d has angle 17.7°, inside E's sector (-45°, 45°)
        ((1.5, 0.5), 1),  # S|E diagonal y = 2 - x: nudge makes x + y - 2 > 0 → E
        ((1.5, 1.5), 1),  # E|N diagonal y = x: nudge makes y - x < 0 → E
        ((0.5, 1.5), 2),  # W|N diagonal y = 2 - x: nudge above → N
        ((0.5, 0.5), 0),  # W|S diagonal y = x: nudge below → S
        ((0.2, 0.1), 0), ((1.9, 1.0), 1), ((1.0, 1.9), 2), ((0.1, 1.0), 3),
    ]
    x, y = np.array([p for p, _ in pts], dtype=float).T
    _assert_all_equal(x, y, tri, np.array([e for _, e in pts]), [Lattice(0.5), Lattice(0.37, 0.05, 0.11)])


@pytest.mark.parametrize("slope,expected", [(1 / math.pi + 1e-4, 0), (1 / math.pi - 1e-4, 1),
                                            (0.0, 1), (-3.0, 1), (5.0, 0)])
def test_slanted_edge_against_the_nudge_direction(slope, expected):
    """Cell 0 below the line y = slope·x through (0, 0), cell 1 above; the point (0, 0) is on the edge.

    The nudge (1, 1/π) ends below a line steeper than 1/π (→ 0) and above a flatter one (→ 1)."""
    lower = Polygon([(-1, -10), (1, -10), (1, slope), (-1, -slope)])
    upper = Polygon([(-1, -slope), (1, slope), (1, 10), (-1, 10)])
    cells = np.array([lower, upper], dtype=object)
    _assert_all_equal([0.0], [0.0], cells, np.array([expected]), [Lattice(0.25)])


def test_reflex_vertex_beats_index():
    """An L-shaped cell whose reflex corner is the point: the nudge enters the L, not the notch cell."""
    notch = box(0, 0, 1, 1)
    ell = Polygon([(1, 0), (2, 0), (2, 2), (0, 2), (0, 1), (1, 1)])  # [0,2]² minus the SW notch
    cells = np.array([notch, ell], dtype=object)
    _assert_all_equal([1.0, 1.0, 0.5], [1.0, 0.5, 1.0], cells, np.array([1, 1, 1]), [Lattice(1.0)])
    # notch in the north-east: the nudge from the L's reflex corner enters the notch
    notch2 = box(1, 1, 2, 2)
    ell2 = Polygon([(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)])
    cells2 = np.array([ell2, notch2], dtype=object)
    _assert_all_equal([1.0, 1.0, 1.5], [1.0, 1.5, 1.0], cells2, np.array([1, 1, 1]), [Lattice(1.0)])


@pytest.mark.parametrize("inner_first", [True, False])
def test_cell_with_hole_filled_by_another(inner_first):
    outer = Polygon([(0, 0), (3, 0), (3, 3), (0, 3)], [[(1, 1), (1, 2), (2, 2), (2, 1)]])
    inner = box(1, 1, 2, 2)
    cells = np.array([inner, outer] if inner_first else [outer, inner], dtype=object)
    i_in, i_out = (0, 1) if inner_first else (1, 0)
    pts = [((1, 1.5), i_in), ((2, 1.5), i_out), ((1.5, 2), i_out), ((1.5, 1), i_in),
           ((2, 2), i_out), ((1, 1), i_in), ((1, 2), i_out), ((2, 1), i_out), ((0.5, 0.5), i_out)]
    x, y = np.array([p for p, _ in pts], dtype=float).T
    _assert_all_equal(x, y, cells, np.array([e for _, e in pts]), [Lattice(1.0), Lattice(0.6, 0.1)])


def test_multipart_cells_touching_at_a_vertex():
    """Checkerboard of two multipolygons meeting at (1, 1)."""
    m = shapely.MultiPolygon([box(0, 0, 1, 1), box(1, 1, 2, 2)])
    n = shapely.MultiPolygon([box(1, 0, 2, 1), box(0, 1, 1, 2)])
    cells = np.array([n, m], dtype=object)
    pts = [((1, 1), 1), ((1, 0.5), 0), ((0.5, 1), 0), ((1, 1.5), 1), ((1.5, 1), 1), ((0.5, 0.5), 1)]
    x, y = np.array([p for p, _ in pts], dtype=float).T
    _assert_all_equal(x, y, cells, np.array([e for _, e in pts]), [Lattice(1.0), Lattice(0.7)])


def test_overlapping_cells_smallest_index_among_nudge_interior():
    a, b = box(0, 0, 2, 2), box(1, 0, 3, 2)  # overlap [1, 2] × [0, 2]
    pts = [((1.5, 1), 0),  # inside both: smallest index
           ((2, 1), 1),  # on a's east edge inside b: nudge leaves a, enters b
           ((1, 1), 0),  # on b's west edge inside a: both contain the nudged point → 0
           ((0.5, 1), 0), ((2.5, 1), 1), ((3, 2), 1),
           ((2, 2), 0)]  # a's NE corner on b's north edge: the nudge leaves both → smallest index
    x, y = np.array([p for p, _ in pts], dtype=float).T
    cells = np.array([a, b], dtype=object)
    _assert_all_equal(x, y, cells, np.array([e for _, e in pts]), [Lattice(1.0), Lattice(2.0), Lattice(0.3)])


def test_sparse_table_and_too_fine_lattice():
    """Cells 10,000 km apart (sparse box table) and a lattice far too fine to index (STRtree fallback)."""
    cells = np.array([box(0, 0, 1, 1), box(1, 0, 2, 1), box(1e7, 0, 1e7 + 1, 1)], dtype=object)
    x = np.array([0.5, 1.0, 1e7 + 0.5, 1e7, 5e6, 2.0, 1e7 + 1])
    y = np.array([0.5, 0.5, 0.5, 1.0, 0.5, 1.0, 0.0])
    expected = np.array([0, 1, 2, 2, -1, 1, 2])
    _assert_all_equal(x, y, cells, expected, [Lattice(0.5), Lattice(0.25, 0.1, 0.1), Lattice(1e-4)])


def test_nan_points_empty_and_missing_cells():
    cells = np.array([None, box(0, 0, 1, 1), shapely.Polygon(), box(1, 0, 2, 1)], dtype=object)
    x = np.array([0.5, np.nan, 1.0, 1.5, 5.0])
    y = np.array([0.5, 0.5, 0.5, np.inf, 0.5])
    _assert_all_equal(x, y, cells, np.array([1, -1, 3, -1, -1]), [Lattice(1.0)])
    assert assign_points([], [], cells).shape == (0,)
    np.testing.assert_array_equal(assign_points([0.5], [0.5], np.array([], dtype=object)), [-1])


def test_bad_inputs():
    with pytest.raises(InputError, match="not a Polygon"):
        assign_points([0], [0], np.array([Point(0, 0)], dtype=object))
    with pytest.raises(InputError, match="same length"):
        assign_points([0, 1], [0], GRID)
    with pytest.raises(InputError, match="method"):
        assign_points([0], [0], GRID, method="fast")
    with pytest.raises(InputError, match="Lattice"):
        assign_points([0], [0], GRID, lattice=100.0)


# --------------------------------------------------------------------------------------------------
# Irregular clipped grid: paths agree, invariants hold
# --------------------------------------------------------------------------------------------------


def _clipped_grid():
    """10 m lattice clipped by a disc, some box pairs merged into one cell, and one L of three boxes.

    Returns ``(cells, owner, disc)``: ``owner[(i, j)]`` = the cell made (in part) of box (i, j) for boxes
    wholly inside the disc.
    """
    side, cx, cy, r = 10.0, 503.0, 497.0, 150.0
    disc = Point(cx, cy).buffer(r, 64)
    lat = Lattice(side)
    i0, j0, i1, j1 = lat.index_range(disc.bounds)
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    boxes = lat.boxes(ii, jj)
    whole = shapely.contains_properly(disc, boxes)
    group = np.arange(len(boxes))  # box → group id (merged boxes share one)
    pos = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(ii, jj))}
    for k in np.flatnonzero(whole):
        a, b = int(ii[k]), int(jj[k])
        if a % 2 == 0 and b % 3 == 0:  # merge with the east neighbour
            east = pos.get((a + 1, b))
            if east is not None and whole[east]:
                group[east] = group[k]
    el = [pos[(50, 49)], pos[(51, 49)], pos[(50, 50)]]  # an L of three boxes, rows not merged above
    assert all(whole[el])
    group[el] = group[el[0]]
    geoms = shapely.intersection(boxes, disc)
    keep = ~shapely.is_empty(geoms) & (shapely.area(geoms) > 0)
    uniq, inv = np.unique(group[keep], return_inverse=True)
    parts = geoms[keep]
    cells = np.empty(len(uniq), dtype=object)
    for g in range(len(uniq)):
        cells[g] = shapely.union_all(parts[inv == g])
    owner = {(int(a), int(b)): int(g) for a, b, g, w in zip(ii[keep], jj[keep], inv, whole[keep]) if w}
    return cells, owner, disc, lat


@pytest.fixture(scope="module")
def clipped():
    return _clipped_grid()


def test_clipped_grid_is_a_partition(clipped):
    cells, _, disc, _ = clipped
    assert shapely.is_valid(cells).all()
    assert abs(shapely.area(cells).sum() - disc.area) < 1e-6 * disc.area


def test_paths_agree_on_random_and_snapped_points(clipped):
    cells, owner, disc, lat = clipped
    rng = np.random.default_rng(20261122)
    xmin, ymin, xmax, ymax = disc.bounds
    n = 100_000
    x = rng.uniform(xmin - 20, xmax + 20, n)
    y = rng.uniform(ymin - 20, ymax + 20, n)
    # 10k points exactly on lattice lines and vertices (integer multiples of 10: exact floats)
    m = 10_000
    gi = rng.integers(int(xmin // 10) - 1, int(xmax // 10) + 2, m)
    gj = rng.integers(int(ymin // 10) - 1, int(ymax // 10) + 2, m)
    kind = rng.integers(0, 3, m)  # 0: vertical line, 1: horizontal line, 2: vertex
    sx = np.where(kind != 1, gi * 10.0, rng.uniform(xmin, xmax, m))
    sy = np.where(kind != 0, gj * 10.0, rng.uniform(ymin, ymax, m))
    # 2k points exactly on cell vertices (the disc-clipped border included)
    coords = shapely.get_coordinates(cells)
    vx, vy = coords[rng.integers(0, len(coords), 2000)].T
    xs, ys = np.concatenate([x, sx, vx]), np.concatenate([y, sy, vy])

    res = _all_ways(xs, ys, cells, [lat, Lattice(7.3, 1.1, 2.2), Lattice(40.0, -5.0)])
    ref = res.pop("strtree")
    for name, got in res.items():
        np.testing.assert_array_equal(got, ref, err_msg=name)

    pts = shapely.points(xs, ys)
    hit = ref >= 0
    # the chosen cell's closure holds the point
    assert shapely.intersects(cells[ref[hit]], pts[hit]).all()
    # assigned iff some cell holds it (union for random/lattice points; any cell for vertex points)
    union = shapely.union_all(cells)
    any_cell = np.zeros(len(xs), bool)
    any_cell[shapely.STRtree(cells).query(pts, predicate="intersects")[0]] = True
    np.testing.assert_array_equal(hit, any_cell)
    np.testing.assert_array_equal(hit[: n + m], shapely.intersects(union, pts[: n + m]))
    # points on lattice lines/vertices in boxes wholly inside the disc: half-open arithmetic
    bi, bj = np.floor(sx / 10).astype(int), np.floor(sy / 10).astype(int)
    expect = np.array([owner.get((a, b), -2) for a, b in zip(bi, bj)])
    known = expect >= 0
    assert known.sum() > 3000
    np.testing.assert_array_equal(ref[n:n + m][known], expect[known])
    # counts add up to the points held by the grid
    counts = count_points_in_cells((xs, ys), cells, lattice=lat)
    assert counts.sum() == hit.sum()
    np.testing.assert_array_equal(counts, np.bincount(ref[hit], minlength=len(cells)))


def test_index_lattice():
    cells = np.array([box(0, 0, 30, 20), box(30, 0, 40, 15), box(30, 15, 45, 20)], dtype=object)  # rectangles
    assert detect_lattice(cells) is None
    assert index_lattice(cells).side == pytest.approx(np.sqrt(150) / 4)  # median area 150 m², a quarter side
    assert index_lattice(np.array([box(0, 0, 0, 1)], dtype=object)) is None


def test_detect_lattice_of_a_regular_partition():
    from wanmi.core.grid import partition

    comm = gpd.GeoDataFrame({"district_code": ["110101"], "street_code": ["001"], "community_code": ["001"]},
                            geometry=[shapely.Polygon([(3, 7), (940, 20), (900, 610), (15, 580)])], crs="EPSG:4548")
    cells = partition(comm, target_area=10_000).cells
    assert detect_lattice(cells) == Lattice(100.0)
    assert index_lattice(cells) == Lattice(100.0)
    shifted = cells.geometry.translate(50, 0)  # squares off the origin-anchored lattice
    assert detect_lattice(shifted.values) is None


# --------------------------------------------------------------------------------------------------
# GeoDataFrame API: codes, CRS
# --------------------------------------------------------------------------------------------------

X0, Y0 = 448_000.0, 4_418_000.0  # Dongcheng, EPSG:4548


def _cells_gdf(crs="EPSG:4548"):
    geoms = [box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100),
             box(X0, Y0 + 100, X0 + 100, Y0 + 200)]
    return gpd.GeoDataFrame(
        {"code": ["110101001001001", "110101001001002", "110101001002001"],
         "community_code": ["001", "001", "002"], "street_code": ["001", "001", "001"]},
        geometry=geoms, crs=crs)


def test_assign_to_cells_codes_and_index():
    cells = _cells_gdf()
    pts = gpd.GeoDataFrame(
        {"name": ["a", "b", "c", "d", "e"]},
        geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 100, Y0 + 50), Point(X0 + 50, Y0 + 150),
                  Point(X0 + 500, Y0), shapely.LineString([(X0 + 110, Y0 + 10), (X0 + 190, Y0 + 90)])],
        crs="EPSG:4548", index=[10, 20, 30, 40, 50])
    out = assign_to_cells(pts, cells)
    assert list(out.columns) == ["cell_code", "community_code", "street_code", "district_code"]
    assert list(out.index) == [10, 20, 30, 40, 50]
    assert out["cell_code"].isna().tolist() == [False, False, False, True, False]  # d is outside
    assert out["cell_code"].dropna().tolist() == ["110101001001001", "110101001001002", "110101001002001",
                                                  "110101001001002"]
    assert out["community_code"].dropna().tolist() == ["001", "001", "002", "001"]
    assert out["district_code"].isna().all()  # no such column in the cells
    np.testing.assert_array_equal(count_points_in_cells(pts, cells), [1, 2, 1])


def test_points_in_another_crs_are_reprojected():
    cells = _cells_gdf()
    pts = gpd.GeoSeries([Point(X0 + 150, Y0 + 50), Point(X0 + 50, Y0 + 150)], crs="EPSG:4548").to_crs(4326)
    out = assign_to_cells(gpd.GeoDataFrame(geometry=pts), cells)
    assert list(out["cell_code"]) == ["110101001001002", "110101001002001"]
    np.testing.assert_array_equal(count_points_in_cells(pts, cells), [0, 1, 1])


def test_crs_errors():
    pts = gpd.GeoDataFrame(geometry=[Point(116.4, 39.9)], crs=4326)
    with pytest.raises(GeographicCRSError):
        assign_to_cells(pts, _cells_gdf().to_crs(4326))
    with pytest.raises(InputError, match="no coordinate reference system"):
        assign_to_cells(gpd.GeoDataFrame(geometry=[Point(X0, Y0)]), _cells_gdf())
    with pytest.raises(InputError, match="no code field 'cell'"):
        assign_to_cells(pts, _cells_gdf(), code_field="cell")


def test_point_coordinates_inputs():
    x, y = point_coordinates(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert list(x) == [1, 3] and list(y) == [2, 4]
    geoms = np.array([Point(1, 2), None, Point(), box(0, 0, 2, 2)], dtype=object)
    x, y = point_coordinates(geoms)
    assert (x[0], y[0]) == (1, 2) and np.isnan(x[1:3]).all()
    assert 0 < x[3] < 2 and 0 < y[3] < 2
    x, y = point_coordinates((pd.Series([1.0]), [2.0]))
    assert (x[0], y[0]) == (1.0, 2.0)
