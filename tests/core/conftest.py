"""Shared helpers for the core tests.

``assert_exact_partition(cells, jurisdiction, ...)`` checks the exactness invariants of a unit grid
(docs/algorithms.md): it is a plain function, importable from any test module
(``from .conftest import assert_exact_partition``) and also available as the fixture
``exact_partition``. It recomputes everything from the geometries with plain shapely calls and never
uses the engine's own helpers, so it can catch engine bugs.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "layers" / "sample"

_SEQ_DIGITS = {"gbt30428-15": 3, "15": 3, "cjt213-14": 2, "14": 2}


def _community_keys(jurisdiction: gpd.GeoDataFrame) -> np.ndarray:
    """12-digit community keys of the jurisdiction features (the accepted input forms, computed here)."""
    cols = set(jurisdiction.columns)
    if "community_code" in cols:
        c = jurisdiction["community_code"].astype(str).to_numpy(dtype=object)
        if all(len(v) == 12 for v in c):
            return c
        st = jurisdiction["street_code"].astype(str).to_numpy(dtype=object)
        if all(len(v) == 9 for v in st):
            return st + c
        return jurisdiction["district_code"].astype(str).to_numpy(dtype=object) + st + c
    d = jurisdiction["district_code"].astype(str).to_numpy(dtype=object)
    if "street_code" in cols:
        return d + jurisdiction["street_code"].astype(str).to_numpy(dtype=object) + "000"
    return d + "000000"


def assert_exact_partition(
    cells: gpd.GeoDataFrame,
    jurisdiction: gpd.GeoDataFrame,
    *,
    target_area: float | None = 10_000.0,
    sliver_ratio: float = 0.3,
    scheme: str = "gbt30428-15",
    rel_tol: float = 1e-6,
    overlap_tol: float = 1e-6,
    contiguous_seq: bool = True,
) -> dict[str, float]:
    """Assert that ``cells`` partition ``jurisdiction`` exactly; return the measured errors.

    - every cell is a valid, non-empty (Multi)Polygon;
    - union area = jurisdiction area and sum of cell areas = jurisdiction area (relative error < rel_tol),
      symmetric difference of the unions tiny (< rel_tol · area);
    - pairwise overlaps ≤ overlap_tol m² (STRtree pairs);
    - every cell lies in exactly one community, the one its codes name (representative point inside it
      and in no other; area inside its own community ≥ (1 - 1e-9) of its area);
    - codes unique, all digits, right length, = community key + zero-padded seq, seq ≥ 1; with
      ``contiguous_seq`` the numbers of each community are exactly 1..n;
    - no cell below ``sliver_ratio · target_area`` unless its community is smaller than that or its note
      says it is a kept sliver.
    """
    if jurisdiction.crs != cells.crs:
        jurisdiction = jurisdiction.to_crs(cells.crs)
    g = np.asarray(cells.geometry.values, dtype=object)
    jg = np.asarray(jurisdiction.geometry.values, dtype=object)
    assert len(g) > 0, "no cells"
    assert not shapely.is_missing(g).any() and not shapely.is_empty(g).any(), "empty cell geometry"
    assert np.isin(shapely.get_type_id(g), [3, 6]).all(), "cells must be Polygon or MultiPolygon"
    bad = np.flatnonzero(~shapely.is_valid(g))
    assert len(bad) == 0, f"invalid cells: {shapely.is_valid_reason(g[bad[:3]])}"

    j_area = float(shapely.area(shapely.union_all(jg)))
    area = shapely.area(g)
    union = shapely.union_all(g)
    sum_err = abs(area.sum() - j_area) / j_area
    union_err = abs(shapely.area(union) - j_area) / j_area
    sym = float(shapely.area(shapely.symmetric_difference(union, shapely.union_all(jg))))
    assert sum_err < rel_tol, f"sum of cell areas off by {sum_err:.3g} (relative)"
    assert union_err < rel_tol, f"union of cells off by {union_err:.3g} (relative)"
    assert sym < rel_tol * j_area, f"symmetric difference {sym:.6g} m²"

    tree = shapely.STRtree(g)
    a, b = tree.query(g, predicate="intersects")
    m = a < b
    a, b = a[m], b[m]
    overlap = shapely.area(shapely.intersection(g[a], g[b])) if len(a) else np.zeros(0)
    worst = float(overlap.max()) if len(overlap) else 0.0
    assert worst <= overlap_tol, f"cells {cells['code'].iloc[a[overlap.argmax()]]} and " \
        f"{cells['code'].iloc[b[overlap.argmax()]]} overlap by {worst:.6g} m²"

    keys = _community_keys(jurisdiction)
    key_to_geom = dict(zip(keys, jg))
    cell_keys = (cells["district_code"].astype(str) + cells["street_code"].astype(str)
                 + cells["community_code"].astype(str)).to_numpy(dtype=object)
    unknown = sorted(set(cell_keys) - set(keys))
    assert not unknown, f"cells name unknown communities {unknown[:3]}"
    own = np.array([key_to_geom[k] for k in cell_keys], dtype=object)
    rp = shapely.point_on_surface(g)
    assert shapely.covers(own, rp).all(), "a cell's representative point is outside its community"
    jtree = shapely.STRtree(jg)
    pi, _ = jtree.query(rp, predicate="intersects")
    hits = np.bincount(pi, minlength=len(g))
    assert (hits == 1).all(), f"{int((hits != 1).sum())} cells touch more than one community at their point"
    inside = shapely.area(shapely.intersection(g, own))
    share = inside / area
    assert (share >= 1 - 1e-9).all(), f"a cell lies {1 - share.min():.3g} outside its community"

    seq_digits = _SEQ_DIGITS[scheme]
    length = 12 + seq_digits
    codes = cells["code"].astype(str)
    assert codes.is_unique, f"duplicate codes {codes[codes.duplicated()].head(3).tolist()}"
    pat = re.compile(rf"^[0-9]{{{length}}}$")
    assert all(pat.match(c) for c in codes), "a code is not all digits of the right length"
    seq = cells["seq"].astype(int).to_numpy()
    assert (seq >= 1).all() and (seq < 10**seq_digits).all()
    expect = cell_keys + np.array([str(s).zfill(seq_digits) for s in seq], dtype=object)
    assert (codes.to_numpy(dtype=object) == expect).all(), "code != community key + seq"
    if contiguous_seq:
        for key, grp in cells.assign(_k=cell_keys).groupby("_k")["seq"]:
            assert sorted(grp.astype(int)) == list(range(1, len(grp) + 1)), f"seq of {key} not 1..n"

    if target_area is not None:
        limit = sliver_ratio * target_area
        small = np.flatnonzero(area < limit)
        comm_area = shapely.area(own[small])
        note = cells["note"].iloc[small].fillna("").astype(str).to_numpy()
        flagged = np.array(["sliver" in n for n in note], dtype=bool)
        ok = (comm_area < limit) | flagged
        assert ok.all(), f"unflagged slivers: {codes.iloc[small[~ok]].head(5).tolist()}"
    return {"sum_err": sum_err, "union_err": union_err, "sym_diff": sym, "max_overlap": worst}


@pytest.fixture
def exact_partition():
    """The :func:`assert_exact_partition` checker, as a fixture."""
    return assert_exact_partition


def sample_layer(name: str, layer: str) -> gpd.GeoDataFrame:
    """A layer of the bundled sample data, or skip the test if the sample is not there."""
    path = SAMPLE / f"{name}.gpkg"
    if not path.exists():
        pytest.skip(f"sample data {path} not built yet")
    return gpd.read_file(path, layer=layer)
