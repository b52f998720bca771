"""Province- and nation-scale batches: the per-district computations (省级/全国批量处理).

The batch applies the same ``core`` functions as the single-machine path — :func:`wanmi.core.grid.partition`,
:func:`wanmi.core.geocode.assign_to_cells`, :func:`wanmi.core.cases.overlay_cases` and the evaluation — per
district and per chunk of points, so its results are the single-machine results, bit for bit on codes and
counts (tested). This module holds those computations: they take and return frames and never touch files.
The tasks that read and write the batch folder are :mod:`wanmi.layers.batch_tasks` (files:
:mod:`wanmi.layers.batch_io`); the run that starts the dask cluster and submits them is
:func:`wanmi.workflow.batch.run_batch`, where the pipeline is described.

* :func:`locate_chunk` — a chunk of points located in the district polygons (the exact tie rule), each
  district's points Hilbert-sorted; points within :data:`HALO` (1 cm) of a district border go to every
  district the border separates.
* :func:`assign_chunk` — a chunk of one district's points (components or cases, :class:`Kind`) located in
  that district's cells, with additive counts per cell.
* :func:`locate_halo` — the border-halo points given their one cell, exactly as the single-machine tie rule
  does, whatever the float noise between district outlines and cells.
* :func:`with_component_count`, :func:`district_evaluation`, :func:`group_evaluation` — the summed counts
  per cell and the evaluation per cell, community, street, district, department and supervisor.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .enums import GROUP_KEYS as _ALL_GROUP_KEYS
from .enums import REGION_KEYS
from .errors import InputError

__all__ = [
    "HALO",
    "BatchOptions",
    "BatchResult",
    "Kind",
    "assign_chunk",
    "dask_available",
    "district_evaluation",
    "group_evaluation",
    "locate_chunk",
    "locate_halo",
    "prepare_jurisdiction",
    "pyproj_text",
    "with_component_count",
]

_CODE_COLUMNS = REGION_KEYS
_HILBERT_LEVEL = 16
_DISTRICT_INDEX_SIDE = 2_000.0  # m, bucket lattice for point → district (most boxes lie inside one district)
#: Points closer than this (m) to a district border are assigned in every district it separates and the
#: owner is decided afterwards (district outlines and cells may differ by float noise, ~1e-9 m).
HALO = 0.01
#: grouping keys evaluated over the whole batch, not per district (department, supervisor)
GROUP_KEYS = tuple(k for k in _ALL_GROUP_KEYS if k not in REGION_KEYS)


def dask_available() -> bool:
    """True when dask.distributed and dask-geopandas are installed (``pip install wanmi[dask]``)."""
    try:
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def require_dask() -> None:
    """Refuse a batch, saying what to install, when dask is missing."""
    if not dask_available():
        raise InputError("batches need dask: pip install 'wanmi[dask]' (dask[distributed], dask-geopandas, "
                         "pyarrow)")


@dataclass(frozen=True)
class BatchOptions:
    """Partition parameters shared by every district task (as in :func:`wanmi.core.grid.partition`).

    ``crs`` and ``valid_from`` are fixed once per batch (:func:`prepare_jurisdiction` fills them in) so that
    every task uses the same lattice and the same date. The street-block ``method`` needs roads.
    """

    method: str = "regular"
    target_area: float = 10_000.0
    sliver_ratio: float = 0.3
    code_scheme: str = "gbt30428-15"
    valid_from: str | None = None
    crs: str | None = None
    combine: bool = True

    def partition_kwargs(self) -> dict[str, Any]:
        return {"method": self.method, "target_area": self.target_area, "sliver_ratio": self.sliver_ratio,
                "code_scheme": self.code_scheme, "valid_from": self.valid_from, "crs": self.crs,
                "combine": self.combine}


@dataclass
class BatchResult:
    """What a batch wrote. ``districts``: one row per district (cells, components, seconds, worker pid,
    worker peak RSS); ``timings``: wall seconds per stage; ``workers``: peak RSS (MiB) per worker process
    over the run."""

    out_dir: Path
    cells_path: Path
    components_path: Path
    gpkg_path: Path | None
    districts: pd.DataFrame
    n_points: int
    n_outside: int
    timings: dict[str, float] = field(default_factory=dict)
    workers: dict[str, float] = field(default_factory=dict)
    cases_path: Path | None = None
    evaluation_path: Path | None = None
    n_cases: int = 0

    @property
    def n_cells(self) -> int:
        return int(self.districts["cells"].sum())


# --------------------------------------------------------------------------------------------------
# The jurisdiction: one metric CRS, one lattice, one date for the whole batch
# --------------------------------------------------------------------------------------------------


def pyproj_text(crs: Any) -> str:
    """A CRS as text every worker parses the same way (``EPSG:xxxx`` when it has a code, else WKT)."""
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()


def _metric_crs(jurisdiction: gpd.GeoDataFrame, crs: Any) -> Any:
    from .crs import require_metric, to_metric

    if crs is not None:
        return require_metric(crs, "run a batch")
    _, mcrs = to_metric(jurisdiction.iloc[:0] if len(jurisdiction) == 0 else jurisdiction, None)
    return require_metric(mcrs, "run a batch")


def prepare_jurisdiction(jurisdiction: gpd.GeoDataFrame, districts: Sequence[str] | None, options: BatchOptions
                         ) -> tuple[gpd.GeoDataFrame, np.ndarray, BatchOptions]:
    """The communities of the districts to run (all, or ``districts``) in the batch's metric CRS, their
    district codes, and ``options`` with the CRS and the date fixed for every task."""
    from .grid import jurisdiction_codes

    if len(jurisdiction) == 0:
        raise InputError("the jurisdiction layer is empty")
    jur = jurisdiction
    jcodes = jurisdiction_codes(jur)["district_code"].to_numpy()
    if districts is not None:
        wanted = [str(d) for d in districts]
        unknown = sorted(set(wanted) - set(jcodes))
        if unknown:
            raise InputError(f"no communities of district {', '.join(unknown)} in the jurisdiction layer")
        keep = np.isin(jcodes, wanted)
        jur, jcodes = jur[keep].reset_index(drop=True), jcodes[keep]
    crs_text = pyproj_text(_metric_crs(jur, options.crs))
    opts = dataclasses.replace(options, crs=crs_text,
                               valid_from=str(options.valid_from or date.today().isoformat()))
    jur = jur.to_crs(crs_text) if jur.crs is not None and not jur.crs.equals(crs_text) else jur
    if jur.crs is None:
        raise InputError("the jurisdiction layer has no CRS")
    return jur, jcodes, opts


def district_outlines(jurisdiction: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (Multi)Polygon per district: the coverage union of its communities, in code order."""
    from .grid import jurisdiction_codes

    codes = jurisdiction_codes(jurisdiction)["district_code"].to_numpy()
    geoms = np.asarray(jurisdiction.geometry.values, dtype=object)
    names = sorted(set(codes))
    outlines = [shapely.union_all(geoms[codes == c]) for c in names]
    return gpd.GeoDataFrame({"district_code": names}, geometry=outlines, crs=jurisdiction.crs)


def roads_of_districts(roads: gpd.GeoDataFrame, outlines: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """District code → the roads that touch the district (street-block cells of a community depend only on
    the roads touching it, so each district task needs only these)."""
    if roads.crs is None:
        raise InputError("the roads layer has no coordinate reference system: set it first")
    lines = roads.to_crs(outlines.crs) if not roads.crs.equals(outlines.crs) else roads
    lines = lines[lines.geometry.notna()].reset_index(drop=True)
    hit_d, hit_r = shapely.STRtree(lines.geometry.values).query(outlines.geometry.values, predicate="intersects")
    codes = outlines["district_code"].astype(str).to_numpy()
    return {code: lines.iloc[np.sort(hit_r[hit_d == k])] for k, code in enumerate(codes)}


def lattice(options: BatchOptions) -> Any:
    """The batch's cell lattice (regular method), the assignment's fast path; None for street blocks."""
    from .lattice import Lattice

    return Lattice(math.sqrt(options.target_area)) if options.method == "regular" else None


# --------------------------------------------------------------------------------------------------
# Stage 1: the points of a chunk by district, Hilbert-sorted
# --------------------------------------------------------------------------------------------------


def _boundary_segments(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every edge of the (Multi)Polygons ``geoms`` as its own 2-point line, and the polygon it belongs to.

    An STRtree of short segments answers "within HALO of a border?" in microseconds per point; a tree of
    whole district polygons (thousands of vertices each) is ~100× slower.
    """
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    same = vertex_ring[1:] == vertex_ring[:-1]
    segs = shapely.linestrings(np.stack([xy[:-1][same], xy[1:][same]], axis=1))
    return segs, part_of[ring_part[vertex_ring[:-1][same]]]


def locate_chunk(chunk: gpd.GeoDataFrame, k: int, districts: np.ndarray, crs: str,
                 bounds: tuple[float, float, float, float]) -> tuple[gpd.GeoDataFrame, list[tuple[int, np.ndarray]]]:
    """Locate chunk ``k``'s points in the ``districts`` polygons: the chunk (in ``crs``, with ``_pid`` and
    ``_halo``) and, per district position (-1: outside every district), its rows in Hilbert order over
    ``bounds``.

    A point goes to the district :func:`~wanmi.core.geocode.assign_points` gives it (exact tie rule).
    A point within :data:`HALO` of a district border also goes to every district that border belongs to,
    flagged ``_halo``: which cell owns it is decided after all districts have been assigned
    (:func:`locate_halo`). ``_pid`` = chunk·2³² + row identifies a point across its copies.
    """
    from .geocode import assign_points, point_coordinates
    from .lattice import Lattice

    if chunk.crs is None:
        raise InputError(f"points chunk {k}: the points have no CRS (GeoParquet 'geo' metadata)")
    if not chunk.crs.equals(crs):
        chunk = chunk.to_crs(crs)
    chunk = chunk.drop(columns=[c for c in ("_pid", "_halo") if c in chunk.columns]).reset_index(drop=True)
    n = len(chunk)
    chunk["_pid"] = (np.int64(k) << 32) + np.arange(n, dtype=np.int64)
    x, y = point_coordinates(chunk)
    idx = assign_points(x, y, districts, lattice=Lattice(_DISTRICT_INDEX_SIDE))
    segs, seg_district = _boundary_segments(districts)
    near_p, near_s = shapely.STRtree(segs).query(chunk.geometry.values, predicate="dwithin", distance=HALO)
    pairs = pd.DataFrame({"p": np.concatenate([np.flatnonzero(idx >= 0), near_p]),
                          "d": np.concatenate([idx[idx >= 0], seg_district[near_s]])}).drop_duplicates()
    n_dist = np.bincount(pairs["p"].to_numpy(), minlength=n)
    halo = np.zeros(n, dtype=bool)
    halo[pairs["p"].to_numpy()[n_dist[pairs["p"].to_numpy()] > 1]] = True
    chunk["_halo"] = halo
    hilbert = chunk.geometry.hilbert_distance(total_bounds=bounds, level=_HILBERT_LEVEL).to_numpy()
    outside = np.flatnonzero(n_dist == 0)
    groups = [(-1, outside)] if len(outside) else []
    groups += [(int(d), sel.to_numpy()) for d, sel in pairs.groupby("d")["p"]]
    return chunk, [(d, sel[np.argsort(hilbert[sel], kind="stable")]) for d, sel in groups]


# --------------------------------------------------------------------------------------------------
# Stages 2–4: assignment, border halo, totals
# --------------------------------------------------------------------------------------------------


def _with_codes(pts: gpd.GeoDataFrame, codes: pd.DataFrame) -> gpd.GeoDataFrame:
    """The points' own columns, then the four code columns, then the geometry."""
    body = pts.drop(columns=[c for c in (*_CODE_COLUMNS, "_halo") if c in pts.columns])
    frame = pd.concat([body.drop(columns=body.geometry.name), codes, body[[body.geometry.name]]], axis=1)
    return gpd.GeoDataFrame(frame, geometry=body.geometry.name, crs=pts.crs)


@dataclass(frozen=True)
class Kind:
    """What is being located: components (部件, assign_to_cells) or cases (案卷, overlay_cases + counts)."""

    name: str  # output folder and file stem: "components" / "cases"
    period: Any = None
    check_limit_hours: float = 1.0

    def locate(self, frame: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, lattice: Any) -> gpd.GeoDataFrame:
        """``frame`` with the four code columns (the single-machine functions, unchanged)."""
        if self.name == "cases":
            from .cases import overlay_cases

            body = frame.drop(columns=[c for c in _CODE_COLUMNS if c in frame.columns])
            return overlay_cases(body, cells, lattice=lattice)
        from .geocode import assign_to_cells

        return _with_codes(frame, assign_to_cells(frame, cells, lattice=lattice))

    def counts(self, located: pd.DataFrame, cell_codes: pd.Index) -> Any:
        """Additive counts: per cell an int64 array (components); for cases the evaluation counts per cell
        and, by location-free keys, per department and supervisor, plus each department's name at its
        first case (smallest ``_pid``, i.e. input order)."""
        if self.name == "cases":
            return {"cell": _case_counts(located, "cell_code", self), **self.group_counts(located)}
        idx = cell_codes.get_indexer(located["cell_code"])
        return np.bincount(idx + 1, minlength=len(cell_codes) + 1)[1:].astype(np.int64)

    def group_counts(self, located: pd.DataFrame) -> dict[str, Any]:
        out: dict[str, Any] = {by: _case_counts(located, by, self) for by in GROUP_KEYS if by in located.columns}
        if "dept_code" in located.columns and "dept_name" in located.columns and "_pid" in located.columns:
            named = located.loc[located["dept_code"].notna(), ["dept_code", "dept_name", "_pid"]]
            named = named.sort_values("_pid", kind="stable").drop_duplicates("dept_code")
            out["dept_names"] = pd.DataFrame({"dept_code": named["dept_code"].astype(str).to_numpy(),
                                              "dept_name": named["dept_name"].to_numpy(dtype=object),
                                              "_pid": named["_pid"].to_numpy()})
        return out


def _case_counts(located: pd.DataFrame, by: str, kind: Kind) -> pd.DataFrame:
    from .evaluation import count_cases

    return count_cases(located, by, kind.period, kind.check_limit_hours)


COMPONENTS = Kind("components")


def assign_chunk(pts: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, options: BatchOptions, kind: Kind = COMPONENTS
                 ) -> tuple[gpd.GeoDataFrame, np.ndarray, Any]:
    """One chunk of a district's points located in the district's ``cells``: the located points (with
    ``_pid``), the border-halo mask and the additive per-cell counts of the points that are not in the halo
    (those are counted once their owner is known, :func:`locate_halo`)."""
    result = kind.locate(pts, cells, lattice(options))
    halo = pts["_halo"].to_numpy(dtype=bool)
    result = result.drop(columns=[c for c in ("_halo",) if c in result.columns])
    return result, halo, kind.counts(result[~halo], pd.Index(cells["code"]))


def halo_candidates(copies: pd.DataFrame) -> pd.DataFrame:
    """(cell_code, _district) of the cells the border-halo copies found in their districts."""
    return copies.loc[copies["cell_code"].notna(), ["cell_code", "_district"]].drop_duplicates()


def locate_halo(copies: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, kind: Kind = COMPONENTS
                ) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Give every border-halo point its one cell, as the single-machine path would: the located points (one
    per ``_pid``) and the district that owns each.

    Each copy of a point found the cell its district's tie rule gives it. The single-machine winner among
    *all* cells is the winner among these per-district winners (a cell the nudge enters wins in its own
    district too; otherwise the smallest position in code order, which is also the smallest in its
    district), so locating the points once more against the union of those candidate ``cells``
    (:func:`halo_candidates`), in code order, decides.
    """
    first = copies.sort_values(["_pid", "_district"], kind="stable").drop_duplicates("_pid")
    first = gpd.GeoDataFrame(first, geometry=copies.geometry.name, crs=copies.crs).reset_index(drop=True)
    cells = cells.sort_values("code", kind="stable").reset_index(drop=True)
    located = kind.locate(first.drop(columns=list(_CODE_COLUMNS)), cells, None)
    district = located["district_code"].astype(object)
    owner = district.where(district.notna(), located["_district"]).astype(str).to_numpy()
    return located, owner


def sum_case_counts(frames: Sequence[pd.DataFrame | None]) -> pd.DataFrame:
    """Case counts of several parts (index: the grouping key) added up."""
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames).groupby(level=0, sort=True).sum().astype(np.int64)


def with_component_count(cells: gpd.GeoDataFrame, counts: Sequence[np.ndarray]) -> gpd.GeoDataFrame:
    """The district's cells with ``component_count``: the chunk counts (and the resolved halo's) summed."""
    total = np.zeros(len(cells), dtype=np.int64)
    for c in counts:
        total += c
    cells = cells.copy()
    cells.insert(cells.columns.get_loc("geometry"), "component_count", total)
    return cells


def district_evaluation(cells: gpd.GeoDataFrame, counts: Sequence[pd.DataFrame | None], config: Any
                        ) -> pd.DataFrame:
    """Case evaluation of one district from its summed per-cell ``counts``: cell, community, street and
    district results (rates, scores and grades recomputed from the sums, as
    :func:`wanmi.core.evaluation.evaluate` on all cases at once)."""
    from .evaluation import _cell_table, aggregate

    summed = sum_case_counts(counts)
    table = _cell_table(cells)
    cols = list(summed.columns)
    summed = summed.reindex(table.index, fill_value=0) if len(cols) else pd.DataFrame(index=table.index)
    summed = pd.concat([table.drop(columns="cell_code"), summed], axis=1)
    summed.index.name = "cell_code"
    summed = summed.reset_index()
    return pd.concat([aggregate(summed, key, config) for key in REGION_KEYS], ignore_index=True)


def group_evaluation(parts: Sequence[dict[str, Any]], config: Any) -> pd.DataFrame:
    """Department (处置部门) and supervisor (监督员) evaluation of the whole batch from the summed counts of
    ``parts`` (:meth:`Kind.group_counts` of every chunk), as :func:`wanmi.core.evaluation.evaluate` with
    ``by="dept_code"`` / ``"supervisor"``."""
    from .evaluation import KIND_OF_KEY, LEVEL_OF_KEY, score_frame

    frames = []
    for by in GROUP_KEYS:
        counts = sum_case_counts([p[by] for p in parts if by in p])
        if not len(counts.columns):
            continue
        result = score_frame(counts, KIND_OF_KEY[by], config)
        result.insert(0, "code", result.index.astype(str))
        result.insert(1, "level", LEVEL_OF_KEY[by])
        if by == "dept_code":
            names = [p["dept_names"] for p in parts if "dept_names" in p]
            if names:
                first = pd.concat(names).sort_values("_pid", kind="stable").drop_duplicates("dept_code")
                result.insert(2, "dept_name", first.set_index("dept_code")["dept_name"].reindex(
                    result.index.astype(str)).to_numpy())
        frames.append(result.reset_index(drop=True))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
