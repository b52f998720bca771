"""Unit-grid partition (万米单元网格划分): split communities into ~10,000 m² cells and number them.

Two methods, one pipeline (clean input → pieces → sliver merge → numbering):

``regular``
    A lattice of squares with side ``s = √A`` anchored at the origin (0, 0) of the metric CRS, so a cell's
    position does not depend on the extent of the data and codes stay stable when a neighbour is redrawn.
    Lattice box ``(i, j)`` is ``[i·s, (i+1)·s) × [j·s, (j+1)·s)``. For every community the boxes meeting
    its bounding box are built at once with ``shapely.box``; boxes the (prepared) community
    ``contains_properly`` are kept as they are and only the border boxes are intersected, the fast path
    measured in docs/algorithms.md#regular-partition (never ``gpd.clip`` or a full overlay). Multipart clip
    results are exploded: every piece is its own pre-merge cell.

    ``pre_merge_count`` = number of pieces (polygons), ``pre_merge_boxes`` = number of non-empty
    (box, community) intersections. QGIS ``native:creategrid`` + ``native:clip`` on the same lattice
    yields ``pre_merge_boxes`` (multipart) features, and ``pre_merge_count`` after "Multipart to
    singleparts".

``street-block``
    Each community is cut by the road (or river) lines into blocks: ``polygonize`` of the noded union of
    the community boundary and the roads touching it; faces whose representative point is inside the
    community are blocks, and any area polygonize leaves uncovered (≥ 1e-6 m²) is added back as blocks, so
    the blocks cover the community exactly. Small blocks are merged (below), then blocks larger than
    1.5·A are cut into ``k = round(area / A)`` compact parts of near-equal area by recursive bisection:
    the cut is perpendicular to the longer side of the part's minimum rotated rectangle, at the position
    (binary search) where the two sides have areas in the ratio ``k//2 : k - k//2`` (to 0.01 %, accepted
    within 0.5 %). If a cut leaves a side in several pieces, the pieces become separate cells and those
    below the sliver threshold are merged inside their block. A block that cannot be cut is kept whole and
    listed in ``oversize`` with the reason. Roads dangling inside a block (dead ends) do not split it.

Sliver merge (both methods)
    A piece smaller than ``sliver_ratio · A`` is merged into the neighbour *of the same community* with
    which it shares the longest border (ties: the smaller neighbour, then the one first in reading order,
    north → south, west → east). Merges are done smallest sliver first, in vectorised rounds: the shared
    border lengths between pieces are computed once (STRtree query + one vectorised intersection), every
    round then works on the piece graph with numpy, and the geometry of each merged cell is one
    ``shapely.union_all`` of its pieces at the end (unions, not buffers: no gaps or overlaps are made).
    A sliver that has no neighbour in its community (the whole community, or an island of it, is smaller
    than the threshold) stays, with a note saying so.

Fragment combining (regular method, ``combine=True``)
    After the sliver merge, neighbouring partial lattice cells of one community are joined while their
    union stays ≤ A (:func:`combine_fragments`): border fragments pair up into near-full cells, the mean
    cell area approaches A and no cell grows beyond A by it.

Numbering: see :mod:`wanmi.core.cellcode` (west → east, north → south within each community; lattice
cells use their lattice row and column, street-block cells bands of height √A from the community's north
edge).

Input checks: geometries are made valid (``shapely.make_valid``, polygonal part kept) and reported in
``problems``; empty ones are reported and dropped; overlapping communities, duplicate codes and malformed
codes raise :class:`~wanmi.core.errors.InputError` naming the features.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .cellcode import CellCodeScheme, band_rows, check_capacity, get_cell_scheme, sequence_numbers
from .crs import require_metric, to_metric
from .dates import as_date
from .enums import PARTITION_METHODS
from .errors import InputError
from .feedback import Feedback, ensure
from .geometry import (
    MIN_AREA,
    compactness,
    explode_polygons,
    polygonal,
    shared_border_lengths,
    single_polygons,
    union_groups,
)
from .lattice import Lattice
from .regions import derive_keys

__all__ = [
    "CELL_COLUMNS",
    "METHODS",
    "OVERLAP_TOLERANCE",
    "Lattice",
    "MergeResult",
    "PartitionResult",
    "as_date",
    "combine_fragments",
    "jurisdiction_codes",
    "merge_small",
    "partition",
    "summarize",
]

#: Columns of the cell table, in order (geometry last).
CELL_COLUMNS = [
    "code",
    "area_m2",
    "district_code",
    "street_code",
    "community_code",
    "seq",
    "valid_from",
    "valid_to",
    "land_use",
    "mgmt_level",
    "responsible",
    "note",
]
PROBLEM_COLUMNS = ["feature", "code", "problem", "action"]
OVERSIZE_COLUMNS = ["code", "area_m2", "ratio", "reason"]
BOX_CELL_COLUMNS = ["i", "j", "cell", "full"]
METHODS = PARTITION_METHODS
_METHOD_ALIASES = {"regular": "regular", "lattice": "regular", "street-block": "street-block",
                   "street_block": "street-block", "streetblock": "street-block", "block": "street-block"}
#: Communities overlapping by more than this (m²) are refused.
OVERLAP_TOLERANCE = 1e-6
#: Gaps left by polygonize smaller than this (m²) are numerical noise, not added back.
GAP_TOLERANCE = 1e-6
OVERSIZE_FACTOR = 1.5
_BOXES_PER_CHUNK = 50_000
_STRIP_MIN_VERTICES = 100  # communities with more vertices are clipped row by row (see _clip_boxes)


# ----------------------------------------------------------------------------------------------------
# Result types
# ----------------------------------------------------------------------------------------------------


@dataclass
class PartitionResult:
    """What :func:`partition` returns.

    ``cells``: the cell table (:data:`CELL_COLUMNS` + geometry) in the metric ``crs``, sorted by code.
    ``lattice``: the regular lattice (None for street-block). ``pre_merge_count``: pieces after clipping,
    before sliver merging; ``pre_merge_boxes``: non-empty (box, community) intersections for the regular
    method (QGIS clip's multipart feature count), the number of street blocks otherwise.
    ``problems``: per-feature input reports (feature, code, problem, action). ``oversize``: cells larger
    than 1.5·A left as they are, with the reason. ``box_cells`` (regular only): lattice box (i, j) → row
    of ``cells`` it overlaps, ``full`` = the box lies wholly inside that one cell (arithmetic point → cell
    needs no geometry test there).
    """

    cells: gpd.GeoDataFrame
    crs: pyproj.CRS
    lattice: Lattice | None
    pre_merge_count: int
    problems: pd.DataFrame
    oversize: pd.DataFrame
    pre_merge_boxes: int = 0
    method: str = "regular"
    target_area: float = 10_000.0
    sliver_ratio: float = 0.3
    box_cells: pd.DataFrame | None = None
    scheme: CellCodeScheme = field(default_factory=get_cell_scheme)

    @property
    def sliver_area(self) -> float:
        """Area (m²) below which a cell counts as a sliver."""
        return self.sliver_ratio * self.target_area


@dataclass
class MergeResult:
    """Outcome of :func:`merge_small`: ``root[p]`` is the piece whose cell piece ``p`` ends up in;
    ``stuck[r]`` is True for roots of cells still below the limit (no neighbour to merge with)."""

    root: np.ndarray
    stuck: np.ndarray
    rounds: int


# ----------------------------------------------------------------------------------------------------
# Input: codes, CRS, geometry checks
# ----------------------------------------------------------------------------------------------------


def _labels(gdf: pd.DataFrame) -> np.ndarray:
    """Feature labels for messages: the index value, plus the name when there is a name column."""
    idx = np.asarray(gdf.index.astype(str), dtype=object)
    for col in ("name", "community_name", "street_name", "NAME", "name_zh", "mc", "MC"):
        if col in gdf.columns:
            names = gdf[col].astype(str).to_numpy(dtype=object)
            return np.array([f"{i} ({n})" for i, n in zip(idx, names)], dtype=object)
    return idx


def _code_text(gdf: pd.DataFrame, col: str, labels: np.ndarray) -> tuple[pd.Series, bool]:
    """A code column as stripped text; ``True`` if it was numeric (leading zeros may have been lost)."""
    s = gdf[col]
    null = s.isna().to_numpy()
    if null.any():
        k = int(np.flatnonzero(null)[0])
        raise InputError(f"feature {labels[k]}: {col} is empty")
    if pd.api.types.is_bool_dtype(s):
        raise InputError(f"column {col} holds booleans, not codes")
    if pd.api.types.is_integer_dtype(s):
        return s.astype(np.int64).astype(str).reset_index(drop=True), True
    if pd.api.types.is_float_dtype(s):
        frac = (s != np.floor(s)).to_numpy()
        if frac.any():
            k = int(np.flatnonzero(frac)[0])
            raise InputError(f"feature {labels[k]}: {col} {s.iloc[k]!r} is not a whole-number code")
        return s.astype(np.int64).astype(str).reset_index(drop=True), True
    return s.astype(str).str.strip().reset_index(drop=True), False


def _pad(text: pd.Series, numeric: bool, widths: tuple[int, ...]) -> pd.Series:
    """Numeric codes lost their leading zeros: pad each to the smallest allowed width that fits."""
    if not numeric:
        return text
    out = text.copy()
    length = text.str.len()
    done = np.zeros(len(text), dtype=bool)
    for w in sorted(widths):
        m = (length <= w).to_numpy() & ~done
        out[m] = text[m].str.zfill(w)
        done |= m
    return out


def _check_digits(text: pd.Series, width: int, col: str, labels: np.ndarray, mask: np.ndarray | None = None) -> None:
    ok = text.str.fullmatch(rf"[0-9]{{{width}}}").fillna(False).to_numpy(dtype=bool)
    if mask is not None:
        ok = ok | ~mask
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise InputError(f"feature {labels[k]}: {col} {text.iloc[k]!r} must be {width} digits (0-9)")


def _jurisdiction_column(gdf: pd.DataFrame, col: str, labels: np.ndarray, widths: tuple[int, ...],
                         short_hint: str = "") -> pd.Series | None:
    """A code column of the jurisdiction layer as checked text (``widths``: part and full width), or None."""
    if col not in gdf.columns:
        return None
    text, numeric = _code_text(gdf, col, labels)
    text = _pad(text, numeric, widths)
    full = (text.str.len() == widths[-1]).to_numpy()
    if len(widths) > 1:
        _check_digits(text, widths[-1], col, labels, full)
    _check_digits(text, widths[0], col + short_hint, labels, ~full)
    return text


def jurisdiction_codes(gdf: pd.DataFrame) -> pd.DataFrame:
    """District (6), street (3) and community (3) codes of each jurisdiction feature, as text.

    Accepted forms: ``district_code`` + ``street_code`` + ``community_code`` (6/3/3 digits); a 12-digit
    ``community_code`` (split; other code columns, if present, must agree); a 9-digit ``street_code`` with
    a 3-digit ``community_code``; a lone ``district_code`` (street and community "000"); a
    ``district_code`` + ``street_code`` without communities (community "000"). Integer columns are
    zero-padded. The keys follow the one rule of :func:`wanmi.core.regions.derive_keys`; here every
    disagreement between the columns is refused. Raises :class:`InputError` naming the feature for
    non-digit or wrong-width codes, disagreeing columns or a missing level.
    Returns columns ``district_code, street_code, community_code, community_key`` (positional index).
    """
    labels = _labels(gdf)
    cols = set(gdf.columns)
    if not {"community_code", "district_code"} & cols:
        raise InputError(
            "the jurisdiction layer needs code columns: district_code + street_code + community_code, a "
            "12-digit community_code, or district_code alone for a whole district"
        )
    community = _jurisdiction_column(gdf, "community_code", labels, (3, 12),
                                     " (3 digits, or 12 with district and street)")
    street = _jurisdiction_column(gdf, "street_code", labels, (3, 9), " (3 digits, or 9 with the district)")
    district = _jurisdiction_column(gdf, "district_code", labels, (6,))
    keys = derive_keys(district, street, community)
    _refuse_missing_levels(keys, community, labels)
    street_part = keys["street_code"].str[6:9].fillna("000")
    community_part = keys["community_code"].str[9:12].fillna("000")
    out = pd.DataFrame(
        {
            "district_code": keys["district_code"].to_numpy(dtype=object),
            "street_code": street_part.to_numpy(dtype=object),
            "community_code": community_part.to_numpy(dtype=object),
        }
    )
    out["community_key"] = out["district_code"] + out["street_code"] + out["community_code"]
    return out


def _refuse_missing_levels(keys: pd.DataFrame, community: pd.Series | None, labels: np.ndarray) -> None:
    """Raise for the first feature whose code columns disagree or leave its district or street unknown."""
    clash = keys["conflict"].notna().to_numpy()
    if clash.any():
        k = int(np.flatnonzero(clash)[0])
        raise InputError(f"feature {labels[k]}: {keys['conflict'].iloc[k]}")
    missing = keys["district_code"].isna().to_numpy()
    if missing.any():
        k = int(np.flatnonzero(missing)[0])
        raise InputError(
            f"feature {labels[k]}: no district code (give district_code, a 9-digit street_code or a "
            "12-digit community_code)"
        )
    if community is not None:
        orphan = keys["community_code"].isna().to_numpy()
        if orphan.any():
            k = int(np.flatnonzero(orphan)[0])
            raise InputError(
                f"feature {labels[k]}: community_code {community.iloc[k]!r} has 3 digits but there is no "
                "street_code column (give street_code, or a 12-digit community_code)"
            )


@dataclass
class _Communities:
    geoms: np.ndarray  # (Multi)Polygons in the metric CRS
    codes: pd.DataFrame  # district_code, street_code, community_code, community_key
    labels: np.ndarray
    area: np.ndarray


def _prepare(
    jurisdiction: gpd.GeoDataFrame | gpd.GeoSeries, crs: Any, feedback: Feedback
) -> tuple[_Communities, pyproj.CRS, pd.DataFrame]:
    """CRS → metric, codes parsed, geometries repaired/dropped, duplicates and overlaps refused."""
    gdf, mcrs = _metric_jurisdiction(jurisdiction, crs, feedback)
    labels = _labels(gdf)
    codes = jurisdiction_codes(gdf)
    geoms, ok, area, problems = _usable_polygons(gdf, labels, codes["community_key"])
    for p in problems:
        feedback.warning(f"feature {p[0]} ({p[1]}): {p[2]} — {p[3]}")
    keep = np.flatnonzero(ok)
    if len(keep) == 0:
        raise InputError("the jurisdiction layer has no usable polygon")
    comm = _Communities(geoms[keep], codes.iloc[keep].reset_index(drop=True), labels[keep], area[keep])
    _check_duplicates(comm)
    _check_overlaps(comm)
    problems_df = pd.DataFrame(problems, columns=PROBLEM_COLUMNS)
    return comm, mcrs, problems_df


def _metric_jurisdiction(jurisdiction: gpd.GeoDataFrame | gpd.GeoSeries, crs: Any,
                         feedback: Feedback) -> tuple[gpd.GeoDataFrame, pyproj.CRS]:
    """The jurisdiction as a GeoDataFrame in a metric CRS (``crs``, or one chosen for it), and that CRS."""
    if isinstance(jurisdiction, gpd.GeoSeries):
        jurisdiction = jurisdiction.to_frame("geometry")
    if not isinstance(jurisdiction, gpd.GeoDataFrame):
        raise InputError("jurisdiction must be a GeoDataFrame of community (or district) polygons")
    if len(jurisdiction) == 0:
        raise InputError("the jurisdiction layer is empty")
    src_crs = jurisdiction.crs
    gdf, mcrs = to_metric(jurisdiction, crs)
    mcrs = require_metric(mcrs, "partition the jurisdiction into cells")
    if gdf is not jurisdiction:
        src_name = pyproj.CRS.from_user_input(src_crs).name
        feedback.info(f"Reprojected the jurisdiction from {src_name} to {mcrs.name} (EPSG:{mcrs.to_epsg()}) "
                      "to compute areas in metres.")
    return gdf, mcrs


def _usable_polygons(gdf: gpd.GeoDataFrame, labels: np.ndarray, keys: pd.Series
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[str, str, str, str]]]:
    """Geometries in 2D with invalid ones repaired, the mask of usable ones, their areas, and one problem row
    ``(feature, community key, problem, action)`` per geometry dropped or repaired."""
    problems: list[tuple[str, str, str, str]] = []
    geoms = np.asarray(gdf.geometry.values, dtype=object).copy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    problems += [(labels[k], keys[k], "empty geometry", "dropped") for k in np.flatnonzero(missing)]
    ok = ~missing
    geoms[ok] = shapely.force_2d(geoms[ok])
    wrong = ok & ~np.isin(shapely.get_type_id(geoms), [3, 6, 7])
    problems += [(labels[k], keys[k], f"not a polygon ({geoms[k].geom_type})", "dropped")
                 for k in np.flatnonzero(wrong)]
    ok &= ~wrong
    _repair_invalid(geoms, ok, labels, keys, problems)
    collections = ok & (shapely.get_type_id(geoms) == 7)
    if collections.any():
        geoms[collections] = polygonal(geoms[collections])
        problems += [(labels[k], keys[k], "geometry collection without polygons", "dropped")
                     for k in np.flatnonzero(collections & shapely.is_missing(geoms))]
        ok &= ~shapely.is_missing(geoms)
    area = np.zeros(len(geoms))
    area[ok] = shapely.area(geoms[ok])
    flat = ok & (area < MIN_AREA)
    problems += [(labels[k], keys[k], "zero area", "dropped") for k in np.flatnonzero(flat)]
    ok &= ~flat
    return geoms, ok, area, problems


def _repair_invalid(geoms: np.ndarray, ok: np.ndarray, labels: np.ndarray, keys: pd.Series,
                    problems: list[tuple[str, str, str, str]]) -> None:
    """Repair the invalid ones among the ``ok`` geometries in place (their polygonal part), dropping from
    ``ok`` those without area left; a problem row for each."""
    invalid = ok & ~shapely.is_valid(geoms)
    if not invalid.any():
        return
    idx = np.flatnonzero(invalid)
    reasons = shapely.is_valid_reason(geoms[idx])
    repaired = polygonal(shapely.make_valid(geoms[idx]))
    for k, why, g in zip(idx, reasons, repaired):
        if g is None or shapely.area(g) < MIN_AREA:
            problems.append((labels[k], keys[k], f"invalid geometry: {why}",
                             "refused: no area left after repair, dropped"))
            ok[k] = False
        else:
            problems.append((labels[k], keys[k], f"invalid geometry: {why}",
                             "repaired (shapely.make_valid, polygonal part kept)"))
            geoms[k] = g


def _check_duplicates(comm: _Communities) -> None:
    """Refuse a community code given to more than one feature."""
    dup = comm.codes["community_key"].duplicated(keep=False).to_numpy()
    if dup.any():
        key = comm.codes["community_key"][dup].iloc[0]
        which = comm.labels[(comm.codes["community_key"] == key).to_numpy()]
        raise InputError(
            f"duplicate community code {key} (district {key[:6]}, street {key[6:9]}, community {key[9:]}) "
            f"on features {', '.join(map(str, which))}: each community must be one feature"
        )


def _check_overlaps(comm: _Communities) -> None:
    """Refuse communities whose interiors overlap by more than :data:`OVERLAP_TOLERANCE` m²."""
    if len(comm.geoms) < 2:
        return
    tree = shapely.STRtree(comm.geoms)
    a, b = tree.query(comm.geoms, predicate="intersects")
    m = a < b
    a, b = a[m], b[m]
    if len(a) == 0:
        return
    inter = shapely.area(shapely.intersection(comm.geoms[a], comm.geoms[b]))
    bad = np.flatnonzero(inter > OVERLAP_TOLERANCE)
    if len(bad):
        k = bad[np.argmax(inter[bad])]
        ka, kb = comm.codes["community_key"][a[k]], comm.codes["community_key"][b[k]]
        more = f" ({len(bad) - 1} more overlapping pairs)" if len(bad) > 1 else ""
        raise InputError(
            f"communities {ka} (feature {comm.labels[a[k]]}) and {kb} (feature {comm.labels[b[k]]}) overlap "
            f"by {inter[k]:.6g} m²{more}: fix the jurisdiction layer so that communities do not overlap"
        )


# ----------------------------------------------------------------------------------------------------
# Regular lattice pieces
# ----------------------------------------------------------------------------------------------------


def _clip_boxes(boxes: np.ndarray, polys: np.ndarray, comm: np.ndarray, jj: np.ndarray, i0: np.ndarray,
                i1: np.ndarray, lattice: Lattice) -> np.ndarray:
    """``boxes ∩ polys``; polygons with many vertices are first cut into lattice rows (one strip per
    community and row) so that each box is intersected with the few vertices of its strip, not with the
    whole community (GEOS overlay cost grows with the vertex count). Same result to ~1e-8 m²."""
    out = np.empty(len(boxes), dtype=object)
    heavy = shapely.get_num_coordinates(polys) > _STRIP_MIN_VERTICES
    light = np.flatnonzero(~heavy)
    out[light] = shapely.intersection(boxes[light], polys[light])
    rows = np.flatnonzero(heavy)
    if len(rows):
        key = comm[rows] * (np.int64(1) << 32) + (jj[rows] - jj.min())
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        sc, sj = comm[rows][first], jj[rows][first]
        side, ox, oy = lattice.side, lattice.origin_x, lattice.origin_y
        strips = shapely.intersection(polys[rows][first], shapely.box(
            ox + i0[sc] * side, oy + sj * side, ox + i1[sc] * side, oy + (sj + 1) * side))
        out[rows] = shapely.intersection(boxes[rows], strips[inv.reshape(-1)])
    return out


def _lattice_pieces(
    geoms: np.ndarray, lattice: Lattice, feedback: Feedback
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Clip the lattice to every community.

    Returns ``(pieces, community, i, j, full, n_boxes)``: one row per polygon piece (multipart clip results
    exploded, debris < :data:`MIN_AREA` dropped); ``full`` marks boxes kept whole (contains_properly);
    ``n_boxes`` counts non-empty (box, community) intersections.
    """
    side, ox, oy = lattice.side, lattice.origin_x, lattice.origin_y
    b = shapely.bounds(geoms)
    # boxes meeting each bounding box (one extra row/column where rounding is in doubt is harmless: it is
    # either contained, clipped, or found empty)
    i0 = np.floor((b[:, 0] - ox) / side).astype(np.int64)
    j0 = np.floor((b[:, 1] - oy) / side).astype(np.int64)
    i1 = np.maximum(np.ceil((b[:, 2] - ox) / side).astype(np.int64), i0 + 1)
    j1 = np.maximum(np.ceil((b[:, 3] - oy) / side).astype(np.int64), j0 + 1)
    counts = (i1 - i0) * (j1 - j0)
    shapely.prepare(geoms)
    columns: list[list[np.ndarray]] = [[], [], [], [], []]  # pieces, community, i, j, full
    n_boxes = 0
    # chunks of whole communities, so progress/cancel are honoured on big inputs
    cum = np.cumsum(counts)
    chunk_id = (cum - 1) // _BOXES_PER_CHUNK
    bounds_chunks = np.flatnonzero(np.r_[True, chunk_id[1:] != chunk_id[:-1], True])
    n_chunks = len(bounds_chunks) - 1
    for ci in range(n_chunks):
        comm = np.arange(bounds_chunks[ci], bounds_chunks[ci + 1])
        parts, boxes_hit = _chunk_pieces(geoms, comm, counts[comm], i0, j0, i1, lattice)
        for column, part in zip(columns, parts):
            column += part
        n_boxes += boxes_hit
        feedback.step(ci + 1, n_chunks)
    return (*(np.concatenate(column) for column in columns), n_boxes)


def _chunk_pieces(geoms: np.ndarray, communities: np.ndarray, counts: np.ndarray, i0: np.ndarray, j0: np.ndarray,
                  i1: np.ndarray, lattice: Lattice) -> tuple[list[list[np.ndarray]], int]:
    """The lattice pieces of some communities (``counts`` candidate boxes each, from column ``i0`` and row
    ``j0``): per output column the boxes kept whole then the clipped pieces, and the non-empty box count."""
    comm = np.repeat(communities, counts)
    offs = np.repeat(np.cumsum(counts) - counts, counts)
    k = np.arange(len(comm)) - offs
    ni = i1 - i0
    ii = i0[comm] + k % ni[comm]
    jj = j0[comm] + k // ni[comm]
    boxes = lattice.boxes(ii, jj)
    cg = geoms[comm]
    inside = shapely.contains_properly(cg, boxes)
    cand = np.flatnonzero(~inside)
    hit = cand[shapely.intersects(cg[cand], boxes[cand])]
    clipped = _clip_boxes(boxes[hit], cg[hit], comm[hit], jj[hit], i0, i1, lattice)
    parts, pidx = explode_polygons(clipped)
    big = shapely.area(parts) >= MIN_AREA
    parts, pidx = parts[big], pidx[big]
    src = hit[pidx]
    full_idx = np.flatnonzero(inside)
    columns = [[boxes[full_idx], parts], [comm[full_idx], comm[src]], [ii[full_idx], ii[src]],
               [jj[full_idx], jj[src]], [np.ones(len(full_idx), bool), np.zeros(len(src), bool)]]
    return columns, int(inside.sum()) + len(np.unique(pidx))


# ----------------------------------------------------------------------------------------------------
# Sliver merge on the piece graph
# ----------------------------------------------------------------------------------------------------


def _less(area: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Order of merge priority: smaller area first, then lower index."""
    return (area[a] < area[b]) | ((area[a] == area[b]) & (a < b))


def merge_small(
    geoms: np.ndarray,
    group: np.ndarray,
    limit: float,
    *,
    feedback: Feedback | None = None,
    max_rounds: int = 100_000,
) -> MergeResult:
    """Merge pieces smaller than ``limit`` into the same-``group`` neighbour with the longest shared border.

    Sequential "smallest first" semantics, computed in vectorised rounds on the piece adjacency graph:
    each small cell picks its longest-border neighbour (ties: smaller neighbour, then lower index); a
    merge s → t is done in this round unless a smaller small cell wants s, or t is itself a small cell
    that is larger than s or wanted by a smaller one. Merges of one round therefore form stars around
    targets that do not move, and the smallest small cell always merges, so the rounds terminate. Cells
    grown by merging are re-examined in the next round. Pieces must be in the order used for ties.
    """
    fb = ensure(feedback)
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    area = shapely.area(geoms)
    root = np.arange(n)
    stuck = np.zeros(n, dtype=bool)
    small = np.flatnonzero(area < limit)
    if len(small) == 0:
        return MergeResult(root, stuck, 0)
    tree = shapely.STRtree(geoms)
    qa, qb = tree.query(geoms[small], predicate="intersects")
    src, dst = small[qa], qb
    m = (src != dst) & (group[src] == group[dst])
    src, dst = src[m], dst[m]
    length = shared_border_lengths(geoms, src, dst)
    m = length > 1e-9
    src, dst, length = src[m], dst[m], length[m]
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        mapping = _merge_round(root, area, limit, stuck, small, src, dst, length)
        if mapping is None:
            break
        root = mapping[root]
        fb.step(min(rounds, 20), 20)
    return MergeResult(root, stuck, rounds)


def _merge_round(root: np.ndarray, area: np.ndarray, limit: float, stuck: np.ndarray, small: np.ndarray,
                 src: np.ndarray, dst: np.ndarray, length: np.ndarray) -> np.ndarray | None:
    """One round of :func:`merge_small` on the cells ``root`` groups pieces into (border pieces ``src`` →
    ``dst`` of ``length``): the mapping of the cells that merge, or None when none can any more. Small cells
    left without a neighbour are marked in ``stuck``."""
    n = len(root)
    garea = np.bincount(root, weights=area, minlength=n)
    live = (garea < limit) & ~stuck
    live_roots = np.unique(root[small])
    live_roots = live_roots[live[live_roots]]
    if len(live_roots) == 0:
        return None
    gs, gd = root[src], root[dst]
    e = (gs != gd) & live[gs]
    if not e.any():  # no live cell has a neighbour left
        stuck[live_roots] = True
        return None
    bs, bt = _best_neighbours(gs[e], gd[e], length[e], garea)
    has_edge = np.zeros(n, dtype=bool)
    has_edge[bs] = True
    stuck[live_roots[~has_edge[live_roots]]] = True
    if len(bs) == 0:
        return None
    # the smallest source wanting each target
    o = np.lexsort((bs, garea[bs], bt))
    bt_o, bs_o = bt[o], bs[o]
    f = np.r_[True, bt_o[1:] != bt_o[:-1]]
    min_src = np.full(n, -1)
    min_src[bt_o[f]] = bs_o[f]
    ms = min_src[bs]
    cond1 = ~_less(garea, np.where(ms < 0, bs, ms), bs)  # no smaller small cell wants bs
    cond2 = ~has_edge[bt] | (_less(garea, bs, bt) & (min_src[bt] == bs))
    acc = cond1 & cond2
    if not acc.any():  # cannot happen (the smallest source always merges); guard against a hang
        return None
    mapping = np.arange(n)
    mapping[bs[acc]] = bt[acc]
    return mapping


def _best_neighbours(es: np.ndarray, ed: np.ndarray, el: np.ndarray, garea: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
    """The best neighbour of each source cell among the border pieces ``es`` → ``ed`` (length ``el``):
    longest total border, then smaller area, then lower index (rounded to 1e-6 m / m² so that equal
    borders computed by different operations tie). Returns ``(sources, targets)``."""
    n = len(garea)
    key, inv = np.unique(es * n + ed, return_inverse=True)
    tot = np.bincount(inv.reshape(-1), weights=el)
    us, ud = key // n, key % n
    order = np.lexsort((ud, np.round(garea[ud], 6), -np.round(tot, 6), us))
    us, ud = us[order], ud[order]
    first = np.r_[True, us[1:] != us[:-1]]
    return us[first], ud[first]


def combine_fragments(
    geoms: np.ndarray, group: np.ndarray, root: np.ndarray, full_area: float, *, max_rounds: int = 64
) -> np.ndarray:
    """Join neighbouring partial cells of one community while their joint area stays ≤ ``full_area``.

    Border fragments of a lattice clipped to a community are often 30–90 % of A: each is a legal cell, but
    pairs of them make cells far below A and drive the mean down. This pass (边角网格合并) merges adjacent
    cells (after the sliver merge, ``root`` maps pieces to cells) of the same ``group`` when the union is
    no larger than ``full_area``, so it never creates an oversize cell. Rounds of mutual-best matching on
    the cell graph: every cell names the eligible neighbour with the longest shared border (ties by the
    pair's indices, a total order, so the globally best pair is always mutual and every round makes
    progress). Returns the new piece → cell root mapping.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    area = shapely.area(geoms)
    root = np.asarray(root).copy()
    cap = full_area * (1.0 + 1e-9)
    garea = np.bincount(root, weights=area, minlength=n)
    partial = np.flatnonzero(garea[root] < full_area * (1.0 - 1e-9))
    if len(partial) < 2:
        return root
    tree = shapely.STRtree(geoms[partial])
    qa, qb = tree.query(geoms[partial], predicate="intersects")
    src, dst = partial[qa], partial[qb]
    m = (src < dst) & (group[src] == group[dst]) & (root[src] != root[dst])
    src, dst = src[m], dst[m]
    length = shared_border_lengths(geoms, src, dst)
    m = length > 1e-6
    src, dst, length = src[m], dst[m], length[m]
    for _ in range(max_rounds):
        garea = np.bincount(root, weights=area, minlength=n)
        gs, gd = root[src], root[dst]
        lo, hi = np.minimum(gs, gd), np.maximum(gs, gd)
        e = (lo != hi) & (garea[lo] + garea[hi] <= cap)
        if not e.any():
            break
        key, inv = np.unique(lo[e] * n + hi[e], return_inverse=True)
        tot = np.round(np.bincount(inv.reshape(-1), weights=length[e]), 6)
        a, b = key // n, key % n
        # each pair listed from both ends, best first: longest border, then the pair's indices
        ends = np.r_[a, b]
        other = np.r_[b, a]
        w = np.r_[tot, tot]
        order = np.lexsort((np.r_[b, b], np.r_[a, a], -w, ends))
        first = np.r_[True, ends[order][1:] != ends[order][:-1]]
        best = np.full(n, -1)
        best[ends[order][first]] = other[order][first]
        mutual = np.flatnonzero((best >= 0) & (best[np.maximum(best, 0)] == np.arange(n)))
        mutual = mutual[mutual < best[mutual]]
        if len(mutual) == 0:
            break
        mapping = np.arange(n)
        mapping[best[mutual]] = mutual
        root = mapping[root]
    return root


# ----------------------------------------------------------------------------------------------------
# Street blocks and subdivision
# ----------------------------------------------------------------------------------------------------


def _road_lines(roads: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS) -> np.ndarray:
    """Road/river linework in ``crs``: line parts of lines, boundaries of polygons; points dropped."""
    if isinstance(roads, gpd.GeoDataFrame):
        roads = roads.geometry
    if not isinstance(roads, gpd.GeoSeries):
        raise InputError("roads must be a GeoDataFrame or GeoSeries of lines")
    if roads.crs is None:
        raise InputError("the roads layer has no coordinate reference system: set it first")
    if pyproj.CRS.from_user_input(roads.crs) != crs:
        roads = roads.to_crs(crs)
    g = np.asarray(roads.values, dtype=object)
    g = g[~(shapely.is_missing(g) | shapely.is_empty(g))]
    g = shapely.force_2d(g)
    poly = np.isin(shapely.get_type_id(g), [3, 6])
    g[poly] = shapely.boundary(g[poly])
    parts = shapely.get_parts(g)
    nested = shapely.get_type_id(parts) >= 4
    if nested.any():
        parts = np.concatenate([parts[~nested], shapely.get_parts(parts[nested])])
    parts = parts[np.isin(shapely.get_type_id(parts), [1, 2])]
    return parts[shapely.length(parts) > 0]


def _blocks(cg: Any, lines: np.ndarray, tree: shapely.STRtree | None) -> tuple[np.ndarray, int]:
    """Street blocks of one community; returns ``(blocks, n_added_gaps)``."""
    parts, _ = explode_polygons(np.array([cg], dtype=object))
    if tree is None:
        return parts, 0
    cand = tree.query(cg, predicate="intersects")
    if len(cand) == 0:
        return parts, 0
    linework = np.concatenate([shapely.get_parts(shapely.boundary(cg)), lines[cand]])
    noded = shapely.union_all(linework)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    shapely.prepare(cg)
    inside = shapely.contains(cg, shapely.point_on_surface(faces))
    blocks = faces[inside]
    if len(blocks) == 0:
        return parts, 0
    covered = shapely.coverage_union_all(blocks)
    gap, _ = explode_polygons(np.array([shapely.difference(cg, covered)], dtype=object))
    gap = gap[shapely.area(gap) >= GAP_TOLERANCE]
    return np.concatenate([blocks, gap]), len(gap)


def _halfplanes(center: np.ndarray, u: np.ndarray, v: np.ndarray, t_lo: np.ndarray, t: np.ndarray,
                s_lo: np.ndarray, s_hi: np.ndarray) -> np.ndarray:
    """Rectangles {p : t_lo ≤ (p-c)·u ≤ t, s_lo ≤ (p-c)·v ≤ s_hi} (the 'low' side of a cut at ``t``)."""
    c = center[:, None, :]
    uu, vv = u[:, None, :], v[:, None, :]
    tt = np.stack([t_lo, t, t, t_lo], axis=1)[:, :, None]
    ss = np.stack([s_lo, s_lo, s_hi, s_hi], axis=1)[:, :, None]
    ring = c + uu * tt + vv * ss
    ring = np.concatenate([ring, ring[:, :1]], axis=1)
    return shapely.polygons(ring)


class _CutAxes(NamedTuple):
    """Per rectangle: centre, long axis ``u``, cross axis ``v``, extent along ``u`` and the bounds of the
    half-plane rectangles (with a margin beyond the shape)."""

    center: np.ndarray
    u: np.ndarray
    v: np.ndarray
    t_min: np.ndarray
    t_max: np.ndarray
    t_lo: np.ndarray
    s_lo: np.ndarray
    s_hi: np.ndarray


def _cut_axes(rectangles: np.ndarray) -> _CutAxes:
    """The axes of minimum rotated rectangles (polygons of 5 coordinates)."""
    c = shapely.get_coordinates(rectangles).reshape(-1, 5, 2)[:, :4]
    e1 = c[:, 1] - c[:, 0]
    e2 = c[:, 2] - c[:, 1]
    l1 = np.hypot(e1[:, 0], e1[:, 1])
    l2 = np.hypot(e2[:, 0], e2[:, 1])
    u = np.where((l1 >= l2)[:, None], e1 / l1[:, None], e2 / l2[:, None])
    v = np.stack([-u[:, 1], u[:, 0]], axis=1)
    center = c.mean(axis=1)
    rel = c - center[:, None, :]
    pu = (rel * u[:, None, :]).sum(-1)
    pv = (rel * v[:, None, :]).sum(-1)
    t_min, t_max = pu.min(1), pu.max(1)
    s_min, s_max = pv.min(1), pv.max(1)
    margin = 1.0 + 0.01 * ((t_max - t_min) + (s_max - s_min))
    return _CutAxes(center, u, v, t_min, t_max, t_min - margin, s_min - margin, s_max + margin)


def _bisect_cuts(g: np.ndarray, fr: np.ndarray, ax: _CutAxes, tol: float, max_iter: int) -> np.ndarray:
    """Position along ``u`` of the cut of each shape whose low side has ``fr`` of its area (bisection, all
    shapes at once, until within ``tol`` or ``max_iter`` steps)."""
    total = shapely.area(g)
    lo, hi = ax.t_min.copy(), ax.t_max.copy()
    t_best = (lo + hi) / 2
    active = np.arange(len(g))
    for _ in range(max_iter):
        if len(active) == 0:
            break
        mid = (lo[active] + hi[active]) / 2
        h = _halfplanes(ax.center[active], ax.u[active], ax.v[active], ax.t_lo[active], mid, ax.s_lo[active],
                        ax.s_hi[active])
        a = shapely.area(shapely.intersection(g[active], h)) / total[active]
        below = a < fr[active]
        lo[active] = np.where(below, mid, lo[active])
        hi[active] = np.where(below, hi[active], mid)
        t_best[active] = mid
        conv = np.abs(a - fr[active]) <= tol * fr[active]
        active = active[~conv]
    return t_best


def _cut(parts: np.ndarray, frac: np.ndarray, tol: float = 1e-4, max_iter: int = 80
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Cut each part across the longer axis of its minimum rotated rectangle so that the 'low' side has
    ``frac`` of its area. Returns ``(low, high, ok, reason)``."""
    m = len(parts)
    low = np.full(m, None, dtype=object)
    high = np.full(m, None, dtype=object)
    ok = np.zeros(m, dtype=bool)
    reason = [""] * m
    env = shapely.oriented_envelope(parts)
    good = (shapely.get_type_id(env) == 3) & (shapely.get_num_coordinates(env) == 5)
    for k in np.flatnonzero(~good):
        reason[k] = "degenerate shape (no minimum rotated rectangle)"
    idx = np.flatnonzero(good)
    if len(idx) == 0:
        return low, high, ok, reason
    g = parts[idx]
    fr = frac[idx]
    ax = _cut_axes(env[idx])
    t_best = _bisect_cuts(g, fr, ax, tol, max_iter)
    h = _halfplanes(ax.center, ax.u, ax.v, ax.t_lo, t_best, ax.s_lo, ax.s_hi)
    lo_g = shapely.intersection(g, h)
    hi_g = shapely.difference(g, h)
    lo_a, hi_a = shapely.area(lo_g), shapely.area(hi_g)
    total = shapely.area(g)
    valid = shapely.is_valid(lo_g) & shapely.is_valid(hi_g)
    ratio_ok = np.abs(lo_a / total - fr) <= 0.005 * fr
    fine = valid & (lo_a > MIN_AREA) & (hi_a > MIN_AREA) & ratio_ok
    for k in np.flatnonzero(~fine):
        if not valid[k]:
            reason[idx[k]] = "the cut produced an invalid polygon"
        elif not ratio_ok[k]:
            reason[idx[k]] = f"no cut reaches the area ratio (best {lo_a[k] / total[k]:.4f} vs {fr[k]:.4f})"
        else:
            reason[idx[k]] = "the cut left an empty side"
    low[idx] = lo_g
    high[idx] = hi_g
    ok[idx] = fine
    return low, high, ok, reason


def _subdivide(blocks: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Recursive bisection of ``blocks[b]`` into ``k[b]`` parts (level-synchronous, vectorised per level).

    Returns ``(parts, origin, failed)``: polygon parts (multipart sides exploded), the block each came
    from, and ``{block: reason}`` for blocks (or sub-parts) that could not be cut.
    """
    geoms = np.asarray(blocks, dtype=object)
    counts = np.asarray(k, dtype=np.int64)
    origin = np.arange(len(geoms))
    done_g: list[np.ndarray] = []
    done_o: list[np.ndarray] = []
    failed: dict[int, str] = {}
    while len(geoms):
        fin = counts <= 1
        done_g.append(geoms[fin])
        done_o.append(origin[fin])
        geoms, counts, origin = geoms[~fin], counts[~fin], origin[~fin]
        if len(geoms) == 0:
            break
        n1 = counts // 2
        low, high, ok, reason = _cut(geoms, n1 / counts)
        for kk in np.flatnonzero(~ok):
            failed.setdefault(int(origin[kk]), reason[kk])
        done_g.append(geoms[~ok])
        done_o.append(origin[~ok])
        geoms = np.concatenate([low[ok], high[ok]])
        counts = np.concatenate([n1[ok], (counts - n1)[ok]])
        origin = np.concatenate([origin[ok], origin[ok]])
    allg = np.concatenate(done_g) if done_g else np.zeros(0, dtype=object)
    allo = np.concatenate(done_o) if done_o else np.zeros(0, dtype=np.int64)
    parts, pidx = explode_polygons(allg)
    keep = shapely.area(parts) >= MIN_AREA
    return parts[keep], allo[pidx[keep]], failed


def _reading_order(geoms: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Order by group, then north → south, west → east (representative points): the tie order of merges."""
    rp = shapely.point_on_surface(geoms)
    return np.lexsort((shapely.get_x(rp), -shapely.get_y(rp), group))


def _split_large(geoms: np.ndarray, area_a: float, limit: float) -> tuple[np.ndarray, np.ndarray, dict[int, str]]:
    """Cut every geometry larger than 1.5·A into ``round(area / A)`` parts, then merge cut fragments
    smaller than ``limit`` into a neighbour from the same geometry.

    Returns ``(parts, source, failed)``: ``source`` indexes ``geoms``; ``failed`` maps a source to the reason
    it could not be (fully) cut.
    """
    a = shapely.area(geoms)
    k = np.where(a > OVERSIZE_FACTOR * area_a, np.floor(a / area_a + 0.5), 1).astype(np.int64)
    parts, src, failed = _subdivide(geoms, k)
    order = _reading_order(parts, src)
    parts, src = parts[order], src[order]
    merged = merge_small(parts, src, limit)
    roots, out = union_groups(parts, merged.root)
    return out, src[roots], failed


def _street_block_cells(
    comm: _Communities,
    roads: gpd.GeoDataFrame | gpd.GeoSeries,
    crs: pyproj.CRS,
    area_a: float,
    limit: float,
    fb: Feedback,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, str]], int]:
    """Street-block cells: blocks → cut blocks > 1.5·A → merge small cells across roads → cut merged
    cells that grew beyond 1.5·A. Returns ``(geoms, community index, notes, oversize rows, n_blocks)``.

    Cutting before merging keeps small blocks from being merged into a huge block (a park, a rail yard)
    and then lost in its straight cuts: a small block joins a cell of about A across one road.
    """
    blocks, bc = _street_blocks(comm, roads, crs, fb)
    n_blocks = len(blocks)
    fb.window(50, 70)
    p1, src1, failed1 = _split_large(blocks, area_a, limit)
    c1 = bc[src1]
    order = _reading_order(p1, c1)
    p1, src1, c1 = p1[order], src1[order], c1[order]
    fb.step(1, 1)
    # merge small cells (small blocks, stuck fragments) across roads, within the community
    fb.window(70, 78)
    m2 = merge_small(p1, c1, limit, feedback=fb)
    roots2, g2 = union_groups(p1, m2.root)
    pair_root = np.unique(m2.root * n_blocks + src1) // n_blocks
    nblk = np.bincount(np.searchsorted(roots2, pair_root), minlength=len(roots2))
    # merged cells that grew beyond 1.5 A: cut again
    fb.window(78, 85)
    big = (shapely.area(g2) > OVERSIZE_FACTOR * area_a) & (nblk > 1)
    big_idx = np.flatnonzero(big)
    p3, src3, failed3 = _split_large(g2[big_idx], area_a, limit)
    geoms = np.concatenate([g2[~big], p3])
    cell_src = np.concatenate([np.flatnonzero(~big), big_idx[src3]])
    recut = np.r_[np.zeros(int((~big).sum()), bool), np.ones(len(p3), bool)]
    c_idx = c1[roots2][cell_src]
    fb.step(1, 1)
    nb = nblk[cell_src]
    notes = _street_cell_notes(nb, recut, m2.stuck[roots2][cell_src], comm.area[c_idx], limit)
    recut_failures = {int(big_idx[k]): why for k, why in failed3.items()}
    first_block = src1[roots2]
    over = [(int(k), _oversize_reason(int(cell_src[k]), bool(recut[k]), int(nb[k]), int(first_block[cell_src[k]]),
                                      recut_failures, failed1))
            for k in np.flatnonzero(shapely.area(geoms) > OVERSIZE_FACTOR * area_a)]
    return geoms, c_idx, notes, over, n_blocks


def _street_blocks(comm: _Communities, roads: gpd.GeoDataFrame | gpd.GeoSeries, crs: pyproj.CRS,
                   fb: Feedback) -> tuple[np.ndarray, np.ndarray]:
    """The blocks between the roads in each community, in reading order, and their community index."""
    lines = _road_lines(roads, crs)
    tree = shapely.STRtree(lines) if len(lines) else None
    n_comm = len(comm.geoms)
    blk, blk_c = [], []
    n_gaps = 0
    fb.window(10, 50)
    for c in range(n_comm):
        b, ng = _blocks(comm.geoms[c], lines, tree)
        blk.append(b)
        blk_c.append(np.full(len(b), c))
        n_gaps += ng
        fb.step(c + 1, n_comm)
    if n_gaps:
        fb.info(f"{n_gaps} area(s) not enclosed by roads were added back as blocks")
    blocks = np.concatenate(blk)
    bc = np.concatenate(blk_c)
    order = _reading_order(blocks, bc)
    return blocks[order], bc[order]


def _street_cell_notes(n_blocks: np.ndarray, recut: np.ndarray, stuck: np.ndarray, comm_area: np.ndarray,
                       limit: float) -> np.ndarray:
    """The note of each street-block cell: merged from several blocks (part of one, when cut again), or
    left small with nothing to merge into."""
    notes = np.full(len(n_blocks), None, dtype=object)
    for k in np.flatnonzero(n_blocks > 1):
        if recut[k]:
            notes[k] = f"part of a cell merged from {n_blocks[k]} street blocks (small blocks joined across a road)"
        else:
            notes[k] = f"merged from {n_blocks[k]} street blocks (small blocks joined across a road)"
    for k in np.flatnonzero(stuck):
        notes[k] = _stuck_note(comm_area[k], limit)
    return notes


def _oversize_reason(merged_cell: int, recut: bool, n_blocks: int, block: int, recut_failures: dict[int, str],
                     block_failures: dict[int, str]) -> str:
    """Why a street-block cell is above 1.5·A: its merged cell or its block could not be subdivided, or a
    cut fragment was merged into it."""
    if recut and merged_cell in recut_failures:
        return "merged cell could not be subdivided: " + recut_failures[merged_cell]
    if n_blocks == 1 and block in block_failures:
        return "block could not be subdivided: " + block_failures[block]
    return "grew above 1.5×A when a cut fragment was merged into it"


# ----------------------------------------------------------------------------------------------------
# Assembly
# ----------------------------------------------------------------------------------------------------


def _method(method: str) -> str:
    key = str(method).strip().lower()
    if key not in _METHOD_ALIASES:
        raise InputError(f"unknown partition method {method!r}; use one of {METHODS}")
    return _METHOD_ALIASES[key]


def _stuck_note(comm_area: float, limit: float) -> str:
    if comm_area < limit:
        return f"sliver kept: the whole community is smaller than the sliver threshold ({limit:,.0f} m²)"
    return f"sliver kept: an isolated part of the community with no neighbour to merge with (< {limit:,.0f} m²)"


def _cells_frame(
    geoms: np.ndarray,
    comm_idx: np.ndarray,
    comm: _Communities,
    seq: np.ndarray,
    notes: np.ndarray,
    scheme: CellCodeScheme,
    valid_from: date,
    crs: pyproj.CRS,
) -> gpd.GeoDataFrame:
    keys = comm.codes["community_key"].to_numpy()[comm_idx]
    codes = scheme.format_many(keys, seq)
    n = len(geoms)
    df = pd.DataFrame(
        {
            "code": codes,
            "area_m2": shapely.area(geoms),
            "district_code": comm.codes["district_code"].to_numpy()[comm_idx],
            "street_code": comm.codes["street_code"].to_numpy()[comm_idx],
            "community_code": comm.codes["community_code"].to_numpy()[comm_idx],
            "seq": np.asarray(seq, dtype=np.int64),
            "valid_from": pd.Series([valid_from] * n, dtype=object),
            "valid_to": pd.Series([None] * n, dtype=object),
            "land_use": pd.Series([None] * n, dtype=object),
            "mgmt_level": pd.Series([None] * n, dtype=object),
            "responsible": pd.Series([None] * n, dtype=object),
            "note": pd.Series(notes, dtype=object),
        }
    )
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=crs).values, crs=crs)


def partition(
    jurisdiction: gpd.GeoDataFrame,
    *,
    method: str = "regular",
    target_area: float = 10_000.0,
    sliver_ratio: float = 0.3,
    roads: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    crs: Any = None,
    code_scheme: str | CellCodeScheme = "gbt30428-15",
    valid_from: date | str | None = None,
    combine: bool = True,
    feedback: Feedback | None = None,
) -> PartitionResult:
    """Partition communities into unit cells (单元网格) of about ``target_area`` m² and code them.

    ``method`` "regular" (origin-anchored lattice of √A squares) or "street-block" (blocks between
    ``roads``, merged/subdivided towards A). Cells below ``sliver_ratio · target_area`` are merged into
    their longest-border neighbour in the same community. ``crs`` overrides the automatic metric CRS;
    ``code_scheme`` is "gbt30428-15" (15 digits) or "cjt213-14"; ``valid_from`` defaults to today.
    ``combine`` (regular method) also joins neighbouring border fragments whose union is ≤ A
    (:func:`combine_fragments`). See the module docstring for the rules.
    """
    fb = ensure(feedback)
    meth = _partition_method(method, target_area, sliver_ratio, roads)
    scheme = get_cell_scheme(code_scheme)
    vfrom = as_date(valid_from, "valid_from")
    area_a = float(target_area)
    limit = sliver_ratio * area_a
    fb.window(0, 10)
    comm, mcrs, problems = _prepare(jurisdiction, crs, fb)
    fb.step(1, 1)
    if meth == "regular":
        drawn = _regular_cells(comm, area_a, limit, combine, fb)
    else:
        drawn = _street_cells(comm, roads, mcrs, area_a, limit, fb)
    fb.window(85, 100)
    cells, box_cells, oversize = _coded_cells(drawn, comm, scheme, vfrom, mcrs, area_a)
    fb.step(1, 1)
    fb.info(
        f"{len(cells)} cells in {len(comm.geoms)} communities ({drawn.pre_count} pieces before merging slivers "
        f"< {limit:,.0f} m²)"
    )
    return PartitionResult(
        cells=cells,
        crs=mcrs,
        lattice=drawn.lattice,
        pre_merge_count=int(drawn.pre_count),
        problems=problems,
        oversize=oversize,
        pre_merge_boxes=int(drawn.pre_boxes),
        method=meth,
        target_area=area_a,
        sliver_ratio=float(sliver_ratio),
        box_cells=box_cells,
        scheme=scheme,
    )


def _partition_method(method: str, target_area: float, sliver_ratio: float, roads: Any) -> str:
    """The canonical method name, after refusing settings :func:`partition` cannot work with."""
    meth = _method(method)
    if not (isinstance(target_area, (int, float)) and math.isfinite(target_area) and target_area > 0):
        raise InputError(f"target_area must be a positive number of m², got {target_area!r}")
    if not (0 <= sliver_ratio < 1.5):
        raise InputError(f"sliver_ratio must be within [0, 1.5), got {sliver_ratio!r}")
    if meth == "street-block" and roads is None:
        raise InputError("the street-block method needs a roads (line) layer")
    return meth


@dataclass
class _DrawnCells:
    """Cell geometries before coding: community index ``c_idx`` and sequence number of each cell, notes,
    (cell position, reason) of oversize cells, piece and box counts before merging; for the regular method
    also the lattice and the lattice box → cell table."""

    geoms: np.ndarray
    c_idx: np.ndarray
    seq: np.ndarray
    notes: np.ndarray
    oversize_rows: list[tuple[int, str]]
    pre_count: int
    pre_boxes: int
    lattice: Lattice | None = None
    box_cells: pd.DataFrame | None = None


def _regular_cells(comm: _Communities, area_a: float, limit: float, combine: bool, fb: Feedback) -> _DrawnCells:
    """Lattice cells: the communities cut by the lattice, slivers merged, numbered in reading order."""
    lattice = Lattice(math.sqrt(area_a))
    fb.window(10, 60)
    pieces, pc, pi, pj, pfull, n_boxes = _lattice_pieces(comm.geoms, lattice, fb)
    pfull |= shapely.area(pieces) >= area_a * (1.0 - 1e-9)  # clipped but whole (touches the border)
    # reading order: community, north → south (j desc), west → east, then representative point
    rp = shapely.point_on_surface(pieces)
    order = np.lexsort((shapely.get_x(rp), -shapely.get_y(rp), pi, -pj, pc))
    pieces, pc, pi, pj, pfull = pieces[order], pc[order], pi[order], pj[order], pfull[order]
    fb.window(60, 85)
    merged = merge_small(pieces, pc, limit, feedback=fb)
    if combine:
        merged.root = combine_fragments(pieces, pc, merged.root, area_a)
    roots, geoms = union_groups(pieces, merged.root)
    c_idx = pc[roots]
    rp = shapely.point_on_surface(geoms)
    seq = sequence_numbers(c_idx, -pj[roots], shapely.get_x(rp), col=pi[roots], y=shapely.get_y(rp))
    notes = np.full(len(roots), None, dtype=object)
    for k in np.flatnonzero(merged.stuck[roots]):
        notes[k] = _stuck_note(comm.area[c_idx[k]], limit)
    cell_of_root = np.full(len(pieces), -1)
    cell_of_root[roots] = np.arange(len(roots))
    big = np.flatnonzero(shapely.area(geoms) > OVERSIZE_FACTOR * area_a)
    oversize_rows = [(int(k), "lattice cell enlarged by merged slivers (the regular method does not split cells)")
                     for k in big]
    box_cells = pd.DataFrame({"i": pi, "j": pj, "cell": cell_of_root[merged.root], "full": pfull})
    return _DrawnCells(geoms, c_idx, seq, notes, oversize_rows, len(pieces), n_boxes, lattice, box_cells)


def _street_cells(comm: _Communities, roads: Any, mcrs: pyproj.CRS, area_a: float, limit: float,
                  fb: Feedback) -> _DrawnCells:
    """Street-block cells, numbered in bands of √A from the top of each community."""
    fb.window(10, 85)
    geoms, c_idx, notes, over, pre_count = _street_block_cells(comm, roads, mcrs, area_a, limit, fb)
    top = shapely.bounds(comm.geoms)[:, 3]
    rp = shapely.point_on_surface(geoms)
    rows = band_rows(shapely.get_y(rp), top[c_idx], math.sqrt(area_a))
    seq = sequence_numbers(c_idx, rows, shapely.get_x(rp), y=shapely.get_y(rp))
    return _DrawnCells(geoms, c_idx, seq, notes, list(over), pre_count, pre_count)


def _coded_cells(drawn: _DrawnCells, comm: _Communities, scheme: CellCodeScheme, vfrom: date, mcrs: pyproj.CRS,
                 area_a: float) -> tuple[gpd.GeoDataFrame, pd.DataFrame | None, pd.DataFrame]:
    """The coded cells sorted by code, the box → cell table and the oversize report, both on that order."""
    geoms = single_polygons(drawn.geoms)
    check_capacity(comm.codes["community_key"].to_numpy()[drawn.c_idx], drawn.seq, scheme, area_a)
    cells = _cells_frame(geoms, drawn.c_idx, comm, drawn.seq, drawn.notes, scheme, vfrom, mcrs)
    order = np.argsort(cells["code"].to_numpy(), kind="stable")
    new_pos = np.empty(len(order), dtype=np.int64)
    new_pos[order] = np.arange(len(order))
    cells = cells.iloc[order].reset_index(drop=True)
    box_cells = drawn.box_cells
    if box_cells is not None:
        box_cells["cell"] = new_pos[box_cells["cell"].to_numpy()]
        box_cells = box_cells.drop_duplicates(["i", "j", "cell"]).reset_index(drop=True)
    oversize = pd.DataFrame(
        [
            (cells["code"][new_pos[k]], cells["area_m2"][new_pos[k]],
             cells["area_m2"][new_pos[k]] / area_a, why)
            for k, why in drawn.oversize_rows
        ],
        columns=OVERSIZE_COLUMNS,
    ).sort_values("code").reset_index(drop=True)
    return cells, box_cells, oversize


def summarize(cells: gpd.GeoDataFrame | gpd.GeoSeries) -> dict[str, float]:
    """Size and shape statistics of a cell layer (metric CRS required).

    Keys: ``count``, ``area_total``, ``area_mean``, ``area_median``, ``area_p5``, ``area_p95``,
    ``area_min``, ``area_max`` (m²), ``compactness_mean``, ``compactness_p5`` (Polsby–Popper 4πA/P²).
    """
    geo = cells.geometry if isinstance(cells, gpd.GeoDataFrame) else cells
    if geo.crs is not None:
        require_metric(geo.crs, "summarize cell areas")
    g = np.asarray(geo.values, dtype=object)
    g = g[~shapely.is_missing(g)]
    if len(g) == 0:
        nan = float("nan")
        return {"count": 0, "area_total": 0.0, "area_mean": nan, "area_median": nan, "area_p5": nan,
                "area_p95": nan, "area_min": nan, "area_max": nan, "compactness_mean": nan,
                "compactness_p5": nan}
    a = shapely.area(g)
    cp = compactness(g)
    return {
        "count": len(g),
        "area_total": float(a.sum()),
        "area_mean": float(a.mean()),
        "area_median": float(np.median(a)),
        "area_p5": float(np.percentile(a, 5)),
        "area_p95": float(np.percentile(a, 95)),
        "area_min": float(a.min()),
        "area_max": float(a.max()),
        "compactness_mean": float(np.nanmean(cp)),
        "compactness_p5": float(np.nanpercentile(cp, 5)),
    }
