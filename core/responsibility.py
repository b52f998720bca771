"""Responsibility grids (责任网格): group unit cells into N contiguous, balanced, compact patrol areas.

A supervisor (监督员) or a department patrols a *responsibility area* made of whole unit cells. The areas
must be contiguous (one can walk through it cell to cell), balanced by a workload (负载均衡: component
count, case count, area or a weighted mix) and compact, and by default never cross a street boundary
(属地管理: each street manages its own areas). Practice gives a reference load of about 12 cells,
180,000 m² and 1,400 components per supervisor (:data:`REFERENCE`).

Method
======
1. **Cell graph.** Two cells are neighbours when they share a border of positive length (STRtree
   ``intersects`` pairs, one vectorised intersection of boundaries with cells for the lengths; touching
   at a corner does not count). Without ``allow_cross_street`` only neighbours in the same street are
   joined. A street whose cells fall into several separate pieces (an exclave) gets *bridge* edges
   between its pieces (nearest cells), so the exclave is patrolled from a neighbouring area; those
   areas are reported with ``parts`` > 1.
2. **Areas per street.** N is shared among the streets (or the connected regions, when crossing streets
   is allowed) by the D'Hondt rule on their workloads: each gets one area, then every further area goes
   to the street with the largest workload per area — this minimises the largest area workload and is
   proportional to workload. ``n`` below the number of streets is refused unless crossing is allowed.
3. **Initial split: recursive bisection.** A region with ``k`` areas is cut perpendicular to the
   principal axis of its cells' centroids at the weighted quantile ``⌊k/2⌋ / k`` of the workload, and
   each side recursively. A cut can leave a side in pieces (concave regions): the smallest piece is
   moved to the other side until both sides are connected (each move lowers the number of pieces, so
   this ends), keeping every area contiguous by construction.
4. **Balancing refinement.** Boundary cells move from an area to a neighbouring area when that lowers
   the sum of squared deviations from the mean workload (``w·(L_from − L_to − w) > 0``), best gain first,
   never emptying an area and never disconnecting it (the source area minus the cell must stay
   connected: ``scipy.sparse.csgraph.connected_components`` on the area's subgraph). It stops when every
   workload is within ``tolerance`` of the mean or no move helps. The sum of squares falls with every
   move, so this ends.
5. **Gathering.** Hartigan moves: a boundary cell goes to a neighbouring area when that lowers the sum of
   squared distances (weighted by cell area) of the cells to their area's centroid, centroids updated —
   the areas become rounder — as long as the balance stays within the tolerance and contiguity holds.
6. **Compaction.** A boundary cell that shares more border with a neighbouring area than with its own
   moves there if the balance stays within the tolerance (or the balance already reached) and contiguity
   holds; the total length of area boundaries falls with every move.

Reported per area: workload, cells, area, components/cases when given, Polsby–Popper compactness
4πA/P² of the dissolved area, its number of polygon parts and whether its cells are connected through
shared borders. Overall: max/mean and min/mean workload, coefficient of variation, mean and minimum
compactness, and the means compared with :data:`REFERENCE`.

Why not spopt (measured, ``benchmarks/bench_responsibility.py``, one run on the Dongcheng sample grid: 4,578
cells, 17 streets, N = 382, workload = area, the same areas per street for each method; spopt 0.6.1):

=========================  ========  ========  =====  ===========  ======
method                     max/mean  min/mean  cv     compactness  s
=========================  ========  ========  =====  ===========  ======
this module                1.085     0.923     0.027  0.48 (0.23)  0.53
spopt SKATER (centroids)   2.039     0.330     0.330  0.53 (0.27)  71.6
spopt max-p (≥ 0.8 mean)   1.239     0.791     0.082  0.60 (0.18)  138
=========================  ========  ========  =====  ===========  ======

(compactness: mean, min in brackets; all areas contiguous in all three). SKATER cuts a spanning tree by
attribute similarity and has only a cell-count floor, so workloads spread 0.3–2×; max-p only guarantees a
floor per area (here 0.8 × the mean) and maximises their number, so nothing holds the largest down. Both
give rounder areas on average, but balance is what a supervisor's load needs, and they take 135–260× longer:
the bisection is kept.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

from .crs import require_metric, to_metric
from .errors import InputError
from .feedback import Feedback, ensure
from .geometry import compactness, polygonal, shared_border_lengths, union_groups

__all__ = [
    "AREA_COLUMNS",
    "REFERENCE",
    "WEIGHTS",
    "CellGraph",
    "ResponsibilityResult",
    "allocate_areas",
    "build_responsibility",
    "cell_graph",
    "drop_slits",
    "suggest_n",
    "workload",
]

#: One supervisor's load in practice (一个监督员约 12 个单元网格、18 万 m²、1,400 个部件).
REFERENCE: dict[str, float] = {"cells": 12.0, "area_m2": 180_000.0, "components": 1_400.0}
#: Workload kinds accepted by :func:`workload` (a cell column name is accepted too).
WEIGHTS = ("area", "components", "cases", "cells", "mix")
#: Columns of the area table, in order (geometry last).
AREA_COLUMNS = [
    "area_code", "district_code", "street_code", "n_cells", "workload", "area_m2", "components", "cases",
    "compactness", "parts", "contiguous", "responsible", "cell_codes",
]
#: Shared borders shorter than this (m) are corner touches, not neighbours.
MIN_BORDER = 1e-6
#: Holes of dissolved areas smaller than this (m²) are slits between cells, removed (see drop_slits).
SLIT_AREA = 1e-3


# ----------------------------------------------------------------------------------------------------
# Cell graph
# ----------------------------------------------------------------------------------------------------


@dataclass
class CellGraph:
    """Undirected cell adjacency: edge ``k`` joins ``src[k] < dst[k]`` with shared border ``length[k]`` (m).

    ``bridge[k]`` marks edges added to join the separate pieces of a street (no shared border).
    """

    n: int
    src: np.ndarray
    dst: np.ndarray
    length: np.ndarray
    bridge: np.ndarray

    def matrix(self) -> csr_matrix:
        """Symmetric CSR adjacency matrix (1 for every edge)."""
        rows = np.concatenate([self.src, self.dst])
        cols = np.concatenate([self.dst, self.src])
        data = np.ones(len(rows), dtype=np.int8)
        return coo_matrix((data, (rows, cols)), shape=(self.n, self.n)).tocsr()

    def directed(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Both directions of every edge: ``(u, v, length)``."""
        return (np.concatenate([self.src, self.dst]), np.concatenate([self.dst, self.src]),
                np.concatenate([self.length, self.length]))


def cell_graph(geoms: np.ndarray, group: np.ndarray | None = None) -> CellGraph:
    """Adjacency of cells sharing a border of positive length; only within ``group`` when given.

    Pieces of one group that share no border with each other are joined by bridge edges (nearest cells),
    so every group is one connected component.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    if group is not None:
        group = np.asarray(group)
        keep &= group[a] == group[b]
    a, b = a[keep], b[keep]
    length = shared_border_lengths(geoms, a, b)
    ok = length > MIN_BORDER
    src, dst, length = a[ok], b[ok], length[ok]
    bridge = np.zeros(len(src), dtype=bool)
    graph = CellGraph(n, src, dst, length, bridge)
    groups = np.zeros(n, dtype=np.int64) if group is None else pd.factorize(group)[0]
    extra = _bridges(geoms, graph, groups)
    if len(extra):
        graph = CellGraph(n, np.concatenate([src, extra[:, 0]]), np.concatenate([dst, extra[:, 1]]),
                          np.concatenate([length, np.zeros(len(extra))]),
                          np.concatenate([bridge, np.ones(len(extra), dtype=bool)]))
    return graph


def _bridges(geoms: np.ndarray, graph: CellGraph, groups: np.ndarray) -> np.ndarray:
    """Edges (nearest cells) that join the separate pieces of each group into one component."""
    _, comp = connected_components(graph.matrix(), directed=False)
    extra: list[tuple[int, int]] = []
    # pieces per group: join each non-largest piece to the nearest cell of another piece, repeatedly
    frame = pd.DataFrame({"g": groups, "c": comp})
    multi = frame.groupby("g")["c"].nunique()
    for g in multi.index[multi.to_numpy() > 1]:
        members = np.flatnonzero(groups == g)
        labels = comp[members].copy()
        while True:
            uniq, counts = np.unique(labels, return_counts=True)
            if len(uniq) <= 1:
                break
            small = uniq[np.argmin(counts)]
            inside, outside = members[labels == small], members[labels != small]
            tree = shapely.STRtree(geoms[outside])
            (qi, ti), dist = tree.query_nearest(geoms[inside], return_distance=True, all_matches=False)
            k = int(np.argmin(dist))
            i, j = int(inside[qi[k]]), int(outside[ti[k]])
            extra.append((min(i, j), max(i, j)))
            labels[labels == small] = labels[members == j][0]
    return np.asarray(extra, dtype=np.int64).reshape(-1, 2)


# ----------------------------------------------------------------------------------------------------
# Workload
# ----------------------------------------------------------------------------------------------------


def workload(
    cells: gpd.GeoDataFrame,
    weight: str = "area",
    *,
    components: Any = None,
    cases: Any = None,
    mix: Mapping[str, float] | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-cell workload (负载) and the raw measures it was made from.

    ``weight``: ``area`` (m²), ``cells`` (1 each), ``components`` / ``cases`` (points counted per cell by the
    tie rule of :mod:`wanmi.core.geocode`, or by their ``cell_code`` column when they have no geometry; the
    layer is required), ``mix`` (a weighted sum of the
    measures, each divided by its mean per cell so that they count alike; ``mix`` maps measure → weight,
    default equal weights of area and whatever point layers are given), or the name of a numeric column
    of ``cells`` (negative or missing values are refused).
    """
    from .geocode import count_points_in_cells

    geoms = np.asarray(cells.geometry.values, dtype=object)
    measures: dict[str, np.ndarray] = {"area": shapely.area(geoms), "cells": np.ones(len(geoms))}
    if components is not None:
        measures["components"] = _count(components, cells, count_points_in_cells)
    if cases is not None:
        measures["cases"] = _count(cases, cells, count_points_in_cells)
    if weight in ("components", "cases"):
        if weight not in measures:
            raise InputError(f"weight {weight!r} needs the {weight} point layer")
        w = measures[weight]
    elif weight in ("area", "cells"):
        w = measures[weight]
    elif weight == "mix":
        mix = dict(mix) if mix else {k: 1.0 for k in ("area", "components", "cases") if k in measures}
        unknown = [k for k in mix if k not in measures and k not in cells.columns]
        if unknown:
            raise InputError(f"mix weights name unknown measures {unknown}; known: {sorted(measures)} or a "
                             "numeric cell column")
        w = np.zeros(len(geoms))
        for key, factor in mix.items():
            values = measures[key] if key in measures else _column(cells, key)
            mean = values.mean() if len(values) else 0.0
            if mean > 0:
                w += float(factor) * values / mean
    elif weight in cells.columns:
        w = _column(cells, weight)
        measures[weight] = w
    else:
        raise InputError(f"unknown weight {weight!r}: use one of {', '.join(WEIGHTS)} or a numeric cell column")
    return np.asarray(w, dtype=float), measures


def _count(points: Any, cells: gpd.GeoDataFrame, by_location: Any) -> np.ndarray:
    """Things per cell: by location (tie rule of :mod:`wanmi.core.geocode`) when they have geometries,
    else by their ``cell_code`` column (e.g. cases already overlaid on the grid)."""
    located = isinstance(points, (gpd.GeoDataFrame, gpd.GeoSeries)) and len(points) > 0 and \
        not np.asarray(points.geometry.isna() | points.geometry.is_empty).all()
    if located or not isinstance(points, pd.DataFrame) or "cell_code" not in points.columns:
        return by_location(points, cells).astype(float)
    counts = points["cell_code"].dropna().astype(str).value_counts()
    return cells["code"].astype(str).map(counts).fillna(0.0).to_numpy(dtype=float)


def _column(cells: pd.DataFrame, name: str) -> np.ndarray:
    values = pd.to_numeric(cells[name], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        code = cells["code"].iloc[k] if "code" in cells.columns else cells.index[k]
        raise InputError(f"cell {code}: weight column {name!r} holds {cells[name].iloc[k]!r}, not a number ≥ 0")
    return values


def suggest_n(measures: Mapping[str, np.ndarray]) -> int:
    """Number of supervisors the practice reference (:data:`REFERENCE`) suggests: the largest of the
    totals of cells, area and components divided by their per-supervisor loads."""
    need = [float(np.sum(measures[k])) / REFERENCE[k] for k in REFERENCE if k in measures]
    return max(1, math.ceil(max(need))) if need else 1


# ----------------------------------------------------------------------------------------------------
# Allocation of areas to streets
# ----------------------------------------------------------------------------------------------------


def allocate_areas(loads: np.ndarray, n: int) -> np.ndarray:
    """Areas per group by the D'Hondt rule: one each, then each next area to the group with the largest
    load per area (minimises the largest per-area load; proportional to the loads)."""
    loads = np.asarray(loads, dtype=float)
    if n < len(loads):
        raise InputError(f"{n} areas cannot cover {len(loads)} streets without crossing a street boundary")
    k = np.ones(len(loads), dtype=np.int64)
    for _ in range(n - len(loads)):
        k[int(np.argmax(loads / k))] += 1
    return k


# ----------------------------------------------------------------------------------------------------
# Partition of one connected region
# ----------------------------------------------------------------------------------------------------


def _weighted_split(coords: np.ndarray, w: np.ndarray, frac: float) -> np.ndarray:
    """True for the cells on the first side of a cut perpendicular to the principal axis at ``frac``."""
    centre = coords.mean(axis=0)
    d = coords - centre
    cov = d.T @ d
    _, vec = np.linalg.eigh(cov)
    proj = d @ vec[:, -1]
    order = np.argsort(proj, kind="stable")
    cum = np.cumsum(w[order])
    total = cum[-1]
    cut = int(np.argmin(np.abs(cum - frac * total))) + 1
    cut = min(max(cut, 1), len(order) - 1)
    side = np.zeros(len(w), dtype=bool)
    side[order[:cut]] = True
    return side


def _connect_sides(adj: csr_matrix, side: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Flip the smallest disconnected pieces of either side until both sides are connected."""
    side = side.copy()
    coo = adj.tocoo()
    r, c = coo.row, coo.col
    n = len(side)
    while True:
        same = side[r] == side[c]
        sub = coo_matrix((np.ones(int(same.sum()), dtype=np.int8), (r[same], c[same])), shape=(n, n))
        ncomp, comp = connected_components(sub, directed=False)
        if ncomp <= 2:
            return side
        size = np.bincount(comp, minlength=ncomp)
        cw = np.bincount(comp, weights=w, minlength=ncomp)
        cside = np.zeros(ncomp, dtype=bool)
        cside[comp] = side
        main = set()
        for s in (True, False):
            ids = np.flatnonzero(cside == s)
            if len(ids):
                main.add(int(ids[np.lexsort((size[ids], cw[ids]))[-1]]))
        others = np.array([k for k in range(ncomp) if k not in main])
        pick = others[np.lexsort((cw[others], size[others]))[0]]
        side[comp == pick] = ~side[comp == pick]


# Measured against spopt SKATER / max-p on the Dongcheng grid (module docstring, bench_responsibility):
# workload max/mean 1.085 here vs 2.04 / 1.24, 0.53 s vs 72 s / 138 s.
def _bisect(adj: csr_matrix, coords: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1 for a connected region by recursive bisection with contiguity repair."""
    labels = np.zeros(len(w), dtype=np.int64)
    stack = [(np.arange(len(w)), k, 0)]
    while stack:
        nodes, kk, base = stack.pop()
        if kk == 1 or len(nodes) == 1:
            labels[nodes] = base
            continue
        k1 = kk // 2
        sub = adj[nodes][:, nodes]
        side = _weighted_split(coords[nodes], w[nodes], k1 / kk)
        side = _connect_sides(sub, side, w[nodes])
        # the repair may shift workload or leave a side with too few cells: share kk by workload again,
        # with at least one cell per area on each side
        n_a, n_b = int(side.sum()), int((~side).sum())
        w_a, w_all = float(w[nodes][side].sum()), float(w[nodes].sum())
        k1 = round(kk * w_a / w_all) if w_all > 0 else k1
        k1 = min(max(k1, 1, kk - n_b), kk - 1, n_a)
        stack.append((nodes[side], k1, base))
        stack.append((nodes[~side], kk - k1, base + k1))
    return labels


class _Refiner:
    """Boundary-cell moves between areas that keep every area connected (see the module docstring).

    Every pass works in batches: the candidate moves (cell, from, to) are ranked by their gain and taken
    greedily such that each area takes part in at most one move of the batch. Moves between disjoint pairs
    of areas do not interact (their gains add up and each contiguity check stays valid), so one batch does
    the work of many single moves for the price of one ranking.
    """

    def __init__(self, graph: CellGraph, adj: csr_matrix, w: np.ndarray, labels: np.ndarray, k: int,
                 feedback: Feedback) -> None:
        self.adj = adj
        self.indptr, self.indices = adj.indptr, adj.indices
        self.u, self.v, self.len = graph.directed()
        self.w = w
        self.labels = labels
        self.k = k
        self.loads = np.bincount(labels, weights=w, minlength=k)
        self.sizes = np.bincount(labels, minlength=k)
        self.version = np.zeros(k, dtype=np.int64)
        self.blocked: dict[tuple[int, int], int] = {}
        self.fb = feedback
        self.moves = 0

    def _neighbours(self, cell: int, area: int) -> np.ndarray:
        nb = self.indices[self.indptr[cell]:self.indptr[cell + 1]]
        return nb[self.labels[nb] == area]

    def _locally_safe(self, cell: int, a: int) -> bool:
        """Sufficient test: the cell's neighbours in its area stay joined within two steps of the cell."""
        first = self._neighbours(cell, a)
        if len(first) <= 1:
            return True
        ball = {int(x) for x in first}
        links: dict[int, list[int]] = {}
        for x in first:
            nb = [int(y) for y in self._neighbours(int(x), a) if y != cell]
            links[int(x)] = nb
            ball.update(nb)
        seen = {int(first[0])}
        stack = [int(first[0])]
        targets = {int(x) for x in first}
        while stack:
            x = stack.pop()
            nxt = links.get(x)
            if nxt is None:
                nxt = [int(y) for y in self._neighbours(x, a) if y != cell and int(y) in ball]
            for y in nxt:
                if y in ball and y not in seen:
                    seen.add(y)
                    stack.append(y)
            if targets <= seen:
                return True
        return targets <= seen

    def _keeps_connected(self, cell: int) -> bool:
        a = int(self.labels[cell])
        if self.sizes[a] <= 1:
            return False
        if self._locally_safe(cell, a):
            return True
        key = (cell, a)
        if self.blocked.get(key) == self.version[a]:
            return False
        members = np.flatnonzero(self.labels == a)
        members = members[members != cell]
        sub = self.adj[members][:, members]
        ok = connected_components(sub, directed=False, return_labels=False) == 1
        if not ok:
            self.blocked[key] = int(self.version[a])
        return ok

    def _move(self, cell: int, b: int) -> None:
        a = int(self.labels[cell])
        self.labels[cell] = b
        self.loads[a] -= self.w[cell]
        self.loads[b] += self.w[cell]
        self.sizes[a] -= 1
        self.sizes[b] += 1
        self.version[a] += 1
        self.version[b] += 1
        self.moves += 1

    def _batch(self, cell: np.ndarray, src: np.ndarray, dst: np.ndarray, score: np.ndarray,
               on_move: Any = None) -> int:
        """Apply the best moves (lowest ``score`` first) on pairwise disjoint pairs of areas."""
        order = np.argsort(score, kind="stable")[: 8 * self.k + 64]
        used = np.zeros(self.k, dtype=bool)
        done = 0
        for t in order:
            a, b, c = int(src[t]), int(dst[t]), int(cell[t])
            if used[a] or used[b]:
                continue
            if self._keeps_connected(c):
                self._move(c, b)
                if on_move is not None:
                    on_move(c, a, b)
                used[a] = used[b] = True
                done += 1
        self.fb.check_canceled()
        return done

    def _cut(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        la, lb = self.labels[self.u], self.labels[self.v]
        cut = la != lb
        return cut, self.u[cut], la[cut], lb[cut]

    def balance(self, tolerance: float, max_rounds: int) -> None:
        """Moves that lower the sum of squared deviations from the mean workload, until within tolerance."""
        mean = self.loads.mean()
        if mean <= 0:
            return
        for _ in range(max_rounds):
            if self.loads.max() <= mean * (1 + tolerance) and self.loads.min() >= mean * (1 - tolerance):
                return
            _, u, a, b = self._cut()
            wu = self.w[u]
            gain = wu * (self.loads[a] - self.loads[b] - wu)
            ok = gain > 1e-12 * mean * mean
            if not ok.any() or self._batch(u[ok], a[ok], b[ok], -gain[ok]) == 0:
                return

    def gather(self, coords: np.ndarray, mass: np.ndarray, tolerance: float, max_rounds: int) -> None:
        """Hartigan moves: a boundary cell goes to the neighbouring area when that lowers the sum of squared
        distances of the cells (weighted by ``mass``, their area) to their area's centroid, with the
        centroids updated — so that sum falls with every move — while the balance stays within the
        tolerance (or the balance already reached) and both areas stay connected."""
        k = self.k
        m_tot = np.bincount(self.labels, weights=mass, minlength=k)
        sx = np.bincount(self.labels, weights=mass * coords[:, 0], minlength=k)
        sy = np.bincount(self.labels, weights=mass * coords[:, 1], minlength=k)
        mean = self.loads.mean()

        def moved(cell: int, src: int, dst: int) -> None:
            for arr, val in ((m_tot, mass[cell]), (sx, mass[cell] * coords[cell, 0]),
                             (sy, mass[cell] * coords[cell, 1])):
                arr[src] -= val
                arr[dst] += val

        for _ in range(max_rounds):
            hi = max(self.loads.max(), mean * (1 + tolerance))
            lo = min(self.loads.min(), mean * (1 - tolerance))
            _, u, a, b = self._cut()
            m = mass[u]
            with np.errstate(divide="ignore", invalid="ignore"):
                ca = np.column_stack([sx[a], sy[a]]) / m_tot[a][:, None]
                cb = np.column_stack([sx[b], sy[b]]) / m_tot[b][:, None]
                da = ((coords[u] - ca) ** 2).sum(axis=1)
                db = ((coords[u] - cb) ** 2).sum(axis=1)
                delta = m * m_tot[b] / (m_tot[b] + m) * db - m * m_tot[a] / (m_tot[a] - m) * da
            wu = self.w[u]
            ok = (np.isfinite(delta) & (delta < -1e-9 * np.maximum(m * da, 1.0)) & (self.loads[a] - wu >= lo)
                  & (self.loads[b] + wu <= hi) & (m_tot[a] > m))
            if not ok.any() or self._batch(u[ok], a[ok], b[ok], delta[ok], moved) == 0:
                return

    def compact(self, tolerance: float, max_rounds: int) -> None:
        """Moves of cells sharing more border with a neighbouring area than with their own."""
        n = len(self.labels)
        mean = self.loads.mean()
        for _ in range(max_rounds):
            hi = max(self.loads.max(), mean * (1 + tolerance))
            lo = min(self.loads.min(), mean * (1 - tolerance))
            cut, cu_all, _, lb = self._cut()
            own = np.bincount(self.u[~cut], weights=self.len[~cut], minlength=n)
            key = cu_all * self.k + lb
            keys, inv = np.unique(key, return_inverse=True)
            border = np.bincount(inv, weights=self.len[cut])
            cu, cb = keys // self.k, keys % self.k
            gain = border - own[cu]
            wu = self.w[cu]
            ca = self.labels[cu]
            ok = (gain > 1e-6) & (self.loads[ca] - wu >= lo) & (self.loads[cb] + wu <= hi)
            if not ok.any() or self._batch(cu[ok], ca[ok], cb[ok], -gain[ok]) == 0:
                return


def _partition_region(graph: CellGraph, coords: np.ndarray, w: np.ndarray, mass: np.ndarray, k: int,
                      tolerance: float, feedback: Feedback) -> np.ndarray:
    adj = graph.matrix()
    split_w = w if w.sum() > 0 else np.ones(len(w))
    if k >= len(w):
        return np.arange(len(w)) % k
    labels = _bisect(adj, coords, split_w, k)
    ref = _Refiner(graph, adj, split_w, labels, k, feedback)
    limit = 20 * len(w) + 100  # rounds (each at least one move); the passes end long before
    ref.balance(tolerance, limit)
    ref.gather(coords, mass, tolerance, limit)
    ref.compact(tolerance, limit)
    ref.balance(tolerance, limit)
    return ref.labels


def _subgraph(graph: CellGraph, nodes: np.ndarray, n: int) -> CellGraph:
    pos = np.full(n, -1)
    pos[nodes] = np.arange(len(nodes))
    keep = (pos[graph.src] >= 0) & (pos[graph.dst] >= 0)
    return CellGraph(len(nodes), pos[graph.src[keep]], pos[graph.dst[keep]], graph.length[keep],
                     graph.bridge[keep])


# ----------------------------------------------------------------------------------------------------
# Public entry point
# ----------------------------------------------------------------------------------------------------


@dataclass
class ResponsibilityResult:
    """What :func:`build_responsibility` returns.

    ``cells``: the input cells with ``area_code`` and ``workload`` columns. ``areas``: one row per area
    (:data:`AREA_COLUMNS` + geometry, the dissolved cells). ``summary``: balance and shape figures
    (``max_mean``, ``min_mean``, ``cv``, ``compactness_mean``, ``compactness_min``, ``all_contiguous``,
    per-area means and their ratios to :data:`REFERENCE`). ``allocation``: areas per street.
    """

    cells: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    summary: dict[str, Any]
    allocation: pd.DataFrame
    weight: str = "area"
    suggested_n: int = 0
    graph: CellGraph | None = field(default=None, repr=False)


def _text_column(cells: pd.DataFrame, name: str, default: str) -> np.ndarray:
    if name in cells.columns:
        s = cells[name]
        return s.where(s.notna(), default).astype(str).to_numpy(dtype=object)
    return np.full(len(cells), default, dtype=object)


def build_responsibility(
    cells: gpd.GeoDataFrame,
    n: int | None = None,
    *,
    weight: str = "area",
    components: Any = None,
    cases: Any = None,
    mix: Mapping[str, float] | None = None,
    allow_cross_street: bool = False,
    tolerance: float = 0.02,
    as_of: Any = None,
    feedback: Feedback | None = None,
) -> ResponsibilityResult:
    """Group unit cells into ``n`` contiguous responsibility areas (责任网格) balanced by ``weight``.

    ``n`` None takes :func:`suggest_n` (the practice reference). ``weight``, ``components``, ``cases`` and
    ``mix`` as in :func:`workload`. Areas stay inside one street (column ``street_code``) unless
    ``allow_cross_street``. Refinement stops once every area's workload is within ``tolerance`` (share)
    of the mean. Cells with ``valid_from``/``valid_to`` columns are taken as they stand on ``as_of``
    (default today; retired and future cells left out). See the module docstring for the method.
    """
    fb = ensure(feedback)
    cells, geoms = _usable_cells(cells, as_of, fb)
    if not (0 <= tolerance < 1):
        raise InputError(f"tolerance must be within [0, 1), got {tolerance!r}")
    fb.window(0, 10)
    w, measures = workload(cells, weight, components=components, cases=cases, mix=mix)
    suggested = suggest_n(measures)
    n = _area_count(suggested if n is None else n, len(cells))
    district = _text_column(cells, "district_code", "000000")
    street = _text_column(cells, "street_code", "000")
    street_key = district + street
    graph = cell_graph(geoms, None if allow_cross_street else street_key)
    fb.step(1, 1)
    regions = _regions(graph, street_key, w, n, allow_cross_street)
    fb.window(10, 85)
    labels = _region_labels(graph, geoms, regions, w, measures, tolerance, fb)
    fb.window(85, 100)
    areas, summary, row_of_label = _assemble(cells, geoms, graph, labels, n, w, measures, district, street,
                                             allow_cross_street)
    out_cells = cells.copy()
    code_of = areas["area_code"].to_numpy()
    out_cells["area_code"] = code_of[row_of_label[labels]]
    out_cells["workload"] = w
    summary.update(weight=weight, n=n, suggested_n=suggested, tolerance=tolerance,
                   allow_cross_street=bool(allow_cross_street))
    fb.step(1, 1)
    fb.info(f"{n} responsibility areas: workload max/mean {summary['max_mean']:.3f}, "
            f"compactness mean {summary['compactness_mean']:.3f}")
    return ResponsibilityResult(out_cells, areas, summary, _allocation_table(regions, street_key), weight,
                                suggested, graph)


def _usable_cells(cells: gpd.GeoDataFrame, as_of: Any, fb: Feedback) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The cells valid on ``as_of`` in a metric CRS, invalid geometries repaired, and their geometries;
    refuses an empty layer, a missing CRS and cells that are not (repairable) polygons."""
    if not isinstance(cells, gpd.GeoDataFrame) or len(cells) == 0:
        raise InputError("the unit cells must be a non-empty polygon layer")
    if cells.crs is None:
        raise InputError("the unit cells have no CRS; areas need a metric CRS")
    from .audit import current_features
    from .grid import as_date

    cells, left = current_features(cells, as_date(as_of))
    if left:
        fb.info(f"{left} cells not valid on {as_date(as_of).isoformat()} (retired or future) left out")
    if len(cells) == 0:
        raise InputError(f"no unit cell is valid on {as_date(as_of).isoformat()}")
    cells, mcrs = to_metric(cells)  # longitude/latitude cells are worked on in an automatic metric CRS
    require_metric(mcrs, "build responsibility areas")
    geoms = np.asarray(cells.geometry.values, dtype=object)
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms) | ~np.isin(shapely.get_type_id(geoms), [3, 6])
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        code = cells["code"].iloc[k] if "code" in cells.columns else cells.index[k]
        raise InputError(f"cell {code}: geometry is empty or not a polygon")
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    if len(invalid):  # repaired (polygonal part of make_valid) so that borders can be measured
        geoms = geoms.copy()
        geoms[invalid] = polygonal(shapely.make_valid(geoms[invalid]))
        if shapely.is_missing(geoms[invalid]).any():
            k = int(invalid[shapely.is_missing(geoms[invalid])][0])
            code = cells["code"].iloc[k] if "code" in cells.columns else cells.index[k]
            raise InputError(f"cell {code}: invalid geometry with no area left after repair")
        codes = cells["code"].iloc[invalid].astype(str).tolist() if "code" in cells.columns else list(invalid)
        fb.warning(f"{len(invalid)} invalid cell geometries repaired (e.g. {codes[0]}); "
                   "run the audit to list them")
        cells = cells.set_geometry(gpd.GeoSeries(geoms, index=cells.index, crs=cells.crs))
    return cells, geoms


def _area_count(n: Any, n_cells: int) -> int:
    """``n`` as the number of areas, refused unless a positive integer of at most ``n_cells``."""
    if not isinstance(n, (int, np.integer)) or n < 1:
        raise InputError(f"the number of areas must be a positive integer, got {n!r}")
    n = int(n)
    if n > n_cells:
        raise InputError(f"{n} areas need at least {n} cells; there are {n_cells}")
    return n


class _Regions(NamedTuple):
    """The regions areas may not cross: region of each cell, workload and cell count per region, and the
    number of areas allocated to each."""

    key: np.ndarray
    load: np.ndarray
    cells: np.ndarray
    k: np.ndarray


def _regions(graph: CellGraph, street_key: np.ndarray, w: np.ndarray, n: int, allow_cross_street: bool) -> _Regions:
    """Streets, or the connected parts of the whole grid when crossing is allowed, with ``n`` areas shared
    among them by workload (never more areas than cells in a region)."""
    if allow_cross_street:
        _, region = connected_components(graph.matrix(), directed=False)
        region_key = np.asarray(region)
    else:
        region_key = pd.factorize(street_key, sort=True)[0]
    n_regions = int(region_key.max()) + 1
    region_load = np.bincount(region_key, weights=w if w.sum() > 0 else np.ones(len(w)), minlength=n_regions)
    region_cells = np.bincount(region_key, minlength=n_regions)
    if n < n_regions:
        what = "separate parts of the grid" if allow_cross_street else "streets"
        hint = "" if allow_cross_street else " (or allow areas to cross street boundaries)"
        raise InputError(f"{n} areas cannot cover {n_regions} {what}: ask for at least {n_regions}{hint}")
    k_region = allocate_areas(region_load, n)
    over = k_region > region_cells
    while over.any():  # a region cannot have more areas than cells: give the surplus to the others
        j = int(np.flatnonzero(over)[0])
        k_region[j] = region_cells[j]
        room = k_region < region_cells
        ratio = np.where(room, region_load / k_region, -np.inf)
        k_region[int(np.argmax(ratio))] += 1
        over = k_region > region_cells
    return _Regions(region_key, region_load, region_cells, k_region)


def _region_labels(graph: CellGraph, geoms: np.ndarray, regions: _Regions, w: np.ndarray,
                   measures: pd.DataFrame, tolerance: float, fb: Feedback) -> np.ndarray:
    """The area label of each cell: every region partitioned into its allocated number of areas."""
    cent = shapely.centroid(geoms)
    coords = np.column_stack([shapely.get_x(cent), shapely.get_y(cent)])
    labels = np.full(len(geoms), -1, dtype=np.int64)
    offset = 0
    n_regions = len(regions.k)
    for r in range(n_regions):
        fb.step(r, n_regions)
        nodes = np.flatnonzero(regions.key == r)
        sub = _subgraph(graph, nodes, len(geoms))
        local = _partition_region(sub, coords[nodes], w[nodes], measures["area"][nodes], int(regions.k[r]),
                                  tolerance, fb)
        labels[nodes] = local + offset
        offset += int(regions.k[r])
    return labels


def _allocation_table(regions: _Regions, street_key: np.ndarray) -> pd.DataFrame:
    """One row per region: its streets, cells, workload and number of areas."""
    n_regions = len(regions.k)
    return pd.DataFrame({
        "region": np.arange(n_regions),
        "street_code": [",".join(sorted(set(street_key[regions.key == r]))) for r in range(n_regions)],
        "n_cells": regions.cells, "workload": regions.load, "n_areas": regions.k,
    })


def drop_slits(geoms: np.ndarray, max_area: float = SLIT_AREA) -> np.ndarray:
    """Remove interior rings smaller than ``max_area`` m² from dissolved areas.

    Cells whose shared edges do not have exactly the same vertices (street blocks cut along roads) dissolve
    into polygons with zero-width holes along those edges (areas ~1e-9 m², lengths of 100 m): numerical
    slits, not holes, that would distort the perimeter and so the compactness.
    """
    geoms = np.asarray(geoms, dtype=object).copy()
    nholes = shapely.get_num_interior_rings(shapely.get_parts(geoms))
    if not (nholes > 0).any():
        return geoms
    for k, g in enumerate(geoms):
        parts = shapely.get_parts(g)
        if not (shapely.get_num_interior_rings(parts) > 0).any():
            continue
        fixed = []
        for part in parts:
            holes = [r for r in part.interiors if shapely.area(shapely.Polygon(r)) >= max_area]
            fixed.append(shapely.Polygon(part.exterior, holes))
        geoms[k] = fixed[0] if len(fixed) == 1 else shapely.MultiPolygon(fixed)
    return geoms


def _assemble(cells: gpd.GeoDataFrame, geoms: np.ndarray, graph: CellGraph, labels: np.ndarray, n: int,
              w: np.ndarray, measures: Mapping[str, np.ndarray], district: np.ndarray, street: np.ndarray,
              cross: bool) -> tuple[gpd.GeoDataFrame, dict[str, Any], np.ndarray]:
    """Dissolve the areas, code them and measure balance, compactness and contiguity; also returns the row
    of ``areas`` for each label."""
    lab_ids, dissolved = union_groups(geoms, labels)
    dissolved = drop_slits(shapely.make_valid(dissolved))
    load = np.bincount(labels, weights=w, minlength=n)[lab_ids]
    ncell = np.bincount(labels, minlength=n)[lab_ids]
    area = shapely.area(dissolved)
    comp = compactness(dissolved)
    parts = shapely.get_num_geometries(dissolved)
    contiguous = _contiguous(graph, labels, lab_ids)

    def _sum(name: str) -> np.ndarray:
        if name not in measures:
            return np.full(len(lab_ids), np.nan)
        return np.bincount(labels, weights=measures[name], minlength=n)[lab_ids]

    dist_of = pd.Series(district).groupby(labels).agg(lambda s: ",".join(sorted(set(s)))).reindex(lab_ids)
    street_of = pd.Series(street).groupby(labels).agg(lambda s: ",".join(sorted(set(s)))).reindex(lab_ids)
    codes = _text_column(cells, "code", "")
    cell_codes = pd.Series(codes).groupby(labels).agg(lambda s: ",".join(sorted(s))).reindex(lab_ids)
    area_code = _area_codes(dissolved, dist_of, street_of, cross)
    areas = gpd.GeoDataFrame({
        "area_code": area_code,
        "district_code": dist_of.to_numpy(dtype=object),
        "street_code": street_of.to_numpy(dtype=object),
        "n_cells": ncell.astype(np.int64),
        "workload": load,
        "area_m2": area,
        "components": _sum("components"),
        "cases": _sum("cases"),
        "compactness": comp,
        "parts": parts.astype(np.int64),
        "contiguous": contiguous,
        "responsible": np.full(len(lab_ids), None, dtype=object),
        "cell_codes": cell_codes.to_numpy(dtype=object),
    }, geometry=dissolved, crs=cells.crs)
    srt = np.argsort(area_code, kind="stable")
    areas = areas.iloc[srt].reset_index(drop=True)
    row_of_label = np.full(int(lab_ids.max()) + 1, -1, dtype=np.int64)
    row_of_label[lab_ids[srt]] = np.arange(len(srt))
    summary = _summary(load, comp, contiguous, parts, ncell, area)
    if "components" in measures:
        summary["components_per_area"] = float(_sum("components").mean())
        summary["components_vs_reference"] = summary["components_per_area"] / REFERENCE["components"]
    return areas, summary, row_of_label


def _contiguous(graph: CellGraph, labels: np.ndarray, lab_ids: np.ndarray) -> np.ndarray:
    """Per area (``lab_ids``): are its cells connected through shared borders (bridges excluded)?"""
    real = ~graph.bridge
    same = labels[graph.src[real]] == labels[graph.dst[real]]
    nn = len(labels)
    sub = coo_matrix((np.ones(int(same.sum())), (graph.src[real][same], graph.dst[real][same])), shape=(nn, nn))
    _, cc = connected_components(sub, directed=False)
    pieces = pd.Series(cc).groupby(labels).nunique().reindex(lab_ids).to_numpy()
    return pieces == 1


def _area_codes(dissolved: np.ndarray, dist_of: pd.Series, street_of: pd.Series, cross: bool) -> np.ndarray:
    """Area codes: district + street (district alone for areas across streets) + "-" + a sequence number of
    at least 2 digits, north → south then west → east per prefix."""
    prefix = np.where(street_of.str.contains(",").to_numpy() | cross,
                      dist_of.str[:6].to_numpy(dtype=object),
                      (dist_of + street_of).to_numpy(dtype=object))
    rp = shapely.point_on_surface(dissolved)
    order = np.lexsort((shapely.get_x(rp), -np.round(shapely.get_y(rp), -2), prefix))
    seq = np.empty(len(prefix), dtype=np.int64)
    pref_sorted = prefix[order]
    first = np.r_[True, pref_sorted[1:] != pref_sorted[:-1]]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    seq[order] = np.arange(len(order)) - run_start + 1
    width = max(2, len(str(int(seq.max()))))
    return np.array([f"{p}-{s:0{width}d}" for p, s in zip(prefix, seq)], dtype=object)


def _summary(load: np.ndarray, comp: np.ndarray, contiguous: np.ndarray, parts: np.ndarray, ncell: np.ndarray,
             area: np.ndarray) -> dict[str, Any]:
    """Balance, shape and size figures of the areas, with the sizes against the practice reference."""
    mean = float(load.mean())
    summary: dict[str, Any] = {
        "areas": len(load),
        "workload_total": float(load.sum()),
        "workload_mean": mean,
        "workload_max": float(load.max()),
        "workload_min": float(load.min()),
        "max_mean": float(load.max() / mean) if mean > 0 else float("nan"),
        "min_mean": float(load.min() / mean) if mean > 0 else float("nan"),
        "cv": float(load.std() / mean) if mean > 0 else float("nan"),
        "compactness_mean": float(np.nanmean(comp)),
        "compactness_min": float(np.nanmin(comp)),
        "all_contiguous": bool(contiguous.all()),
        "multipart_areas": int((parts > 1).sum()),
        "cells_per_area": float(ncell.mean()),
        "area_m2_per_area": float(area.mean()),
    }
    summary["cells_vs_reference"] = summary["cells_per_area"] / REFERENCE["cells"]
    summary["area_vs_reference"] = summary["area_m2_per_area"] / REFERENCE["area_m2"]
    return summary
