"""Small vectorised geometry helpers shared by the partition engine (几何工具).

Everything works on numpy object arrays of shapely 2 geometries and avoids per-geometry Python loops.
"""

from __future__ import annotations

import numpy as np
import shapely

__all__ = [
    "MIN_AREA",
    "compactness",
    "explode_polygons",
    "polygonal",
    "shared_border_lengths",
    "single_polygons",
    "union_groups",
]

#: Pieces below this area (m²) are numerical debris of clipping, not cells.
MIN_AREA = 1e-9

_POLYGON = shapely.GeometryType.POLYGON


def explode_polygons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All polygon parts of ``geoms`` (collections and multi-parts flattened; lines and points dropped).

    Returns ``(polygons, index)`` where ``index`` is the position in ``geoms`` each polygon came from.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, idx = shapely.get_parts(geoms, return_index=True)
    # A GeometryCollection may hold multi-parts: flatten once more.
    nested = shapely.get_type_id(parts) >= 4
    if nested.any():
        sub, sub_idx = shapely.get_parts(parts[nested], return_index=True)
        parts = np.concatenate([parts[~nested], sub])
        idx = np.concatenate([idx[~nested], idx[nested][sub_idx]])
        order = np.argsort(idx, kind="stable")
        parts, idx = parts[order], idx[order]
    keep = shapely.get_type_id(parts) == _POLYGON
    return parts[keep], idx[keep]


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """The polygonal part of each geometry as (Multi)Polygon; None where there is none.

    Used after ``shapely.make_valid``, which may return a GeometryCollection with lines or points.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    if len(geoms) == 0:
        return out
    parts, idx = explode_polygons(geoms)
    if len(parts) == 0:
        return out
    shapely.multipolygons(parts, indices=idx, out=out)
    # Parts that share an edge make an invalid MultiPolygon: dissolve those few (rare, hence the loop).
    bad = np.flatnonzero(~shapely.is_valid(out) & ~shapely.is_missing(out))
    for k in bad:
        out[k] = shapely.union_all(shapely.get_parts(out[k]))
    return single_polygons(out)


def single_polygons(geoms: np.ndarray) -> np.ndarray:
    """Turn one-part MultiPolygons into Polygons (others unchanged)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    one = (shapely.get_type_id(geoms) == shapely.GeometryType.MULTIPOLYGON) & (
        shapely.get_num_geometries(geoms) == 1
    )
    if one.any():
        geoms[one] = shapely.get_geometry(geoms[one], 0)
    return geoms


def shared_border_lengths(geoms: np.ndarray, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Length of the common border of ``geoms[src[k]]`` and ``geoms[dst[k]]`` for each pair ``k``.

    Computed as the length of the part of ``src``'s boundary that lies in (the closure of) ``dst``; this is
    robust to last-digit differences between the two polygons' copies of the shared edge.
    """
    if len(src) == 0:
        return np.zeros(0)
    us, inv = np.unique(src, return_inverse=True)
    bnd = shapely.boundary(geoms[us])
    return shapely.length(shapely.intersection(bnd[inv.reshape(-1)], geoms[dst]))


def union_groups(geoms: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Union the geometries of each group: returns ``(group_labels, unions)`` sorted by label.

    Single-member groups are passed through untouched (so unmerged cells keep their exact coordinates);
    larger groups are unioned with ``shapely.union_all(..., axis=1)`` on padded 2-D arrays, one array per
    power-of-two size bucket, so there is no Python loop over groups.
    """
    geoms = np.asarray(geoms, dtype=object)
    group = np.asarray(group)
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    labels, start, counts = np.unique(g_sorted, return_index=True, return_counts=True)
    out = np.empty(len(labels), dtype=object)
    single = counts == 1
    out[single] = geoms[order[start[single]]]
    multi = np.flatnonzero(~single)
    if len(multi):
        # rank of every member within its group
        rank = np.arange(len(group)) - np.repeat(start, counts)
        gpos = np.repeat(np.arange(len(labels)), counts)
        bucket = np.ceil(np.log2(counts)).astype(int)
        for b in np.unique(bucket[multi]):
            rows = multi[bucket[multi] == b]
            width = int(counts[rows].max())
            table = np.full((len(rows), width), None, dtype=object)
            row_of = np.full(len(labels), -1)
            row_of[rows] = np.arange(len(rows))
            members = np.flatnonzero(row_of[gpos] >= 0)
            table[row_of[gpos[members]], rank[members]] = geoms[order[members]]
            out[rows] = shapely.union_all(table, axis=1)
    return labels, single_polygons(out)


def compactness(geoms: np.ndarray) -> np.ndarray:
    """Polsby–Popper compactness 4πA/P² (1 for a disc, π/4 ≈ 0.785 for a square)."""
    area = shapely.area(geoms)
    perim = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perim > 0, 4.0 * np.pi * area / perim**2, np.nan)
