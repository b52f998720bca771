"""Province- and nation-scale batches on dask (省级/全国批量处理: dask-geopandas + dask.distributed).

The same ``core`` functions as the single-machine path — :func:`wanmi.core.grid.partition`,
:func:`wanmi.core.geocode.assign_to_cells` — applied per district on a ``dask.distributed`` cluster (a
``LocalCluster`` by default, any scheduler address when given), so the results are the single-machine
results, bit for bit on codes and counts (tested).

Pipeline (:func:`run_batch`), every arrow a set of independent dask tasks:

1. **Spatial partitioning of the points** (按区空间分区). The input GeoParquet (file or directory) is read
   with ``dask_geopandas.read_parquet``, one dask partition per row group. Each chunk task locates
   its points in the district polygons (:func:`~wanmi.core.geocode.assign_points`, the exact tie rule),
   computes their Hilbert distance over the province extent and writes, per district, the chunk's points
   **Hilbert-sorted** to ``partitioned_points/district=<code>/part-<chunk>.parquet`` (points outside
   every district to ``partitioned_points/outside/``). No process ever holds more than one chunk.
2. **Partition** (网格划分), one task per district: that district's communities → unit cells
   (``districts/<code>/unit_cells.parquet``). All districts use one metric CRS and one lattice, chosen
   once for the whole input, so cell codes do not depend on how the work is split.
3. **Component assignment** (部件赋码), one task per (district, chunk file): the chunk's points → cell,
   community, street and district codes (``districts/<code>/components/part-<chunk>.parquet``) and the
   number of points per cell. A task reads only its district's cells and its own chunk.
   Points within :data:`HALO` (1 cm) of a district border are located in every district the border
   separates and one task then gives each its single cell (:func:`_resolve_halo_task`), exactly as the
   single-machine tie rule does, whatever the float noise between district outlines and cells.
4. **Per-district totals** (汇总): counts summed into ``component_count`` of the district's cells.
5. **Cases** (案卷, optional): split like the points, overlaid per (district, chunk) with
   :func:`wanmi.core.cases.overlay_cases`, counted per cell with :func:`wanmi.core.evaluation.count_cases`
   (additive integer counts), summed per district and evaluated per cell, community, street and district
   with :func:`wanmi.core.evaluation.aggregate` — rates, scores and grades recomputed from the summed
   counts, so they equal :func:`wanmi.core.evaluation.evaluate` on all cases at once (tested). Department
   (处置部门) and supervisor (监督员) results come from counts summed over the whole batch (cases outside
   every district included).
6. **One output**: the per-district files streamed (file by file) into ``unit_cells.parquet``,
   ``components.parquet``, ``cases.parquet``, ``evaluation.parquet`` and one GeoPackage
   ``wanmi_batch.gpkg`` (layers ``unit_cells``, ``components``, ``cases``, ``evaluation``, ``districts``),
   plus ``districts.csv`` (per-district summary) and ``unassigned_components.parquet`` /
   ``unassigned_cases.parquet`` (outside every district).

Fault tolerance: every task writes its files under deterministic names through a temporary file and an
atomic rename, and returns only small values (counts, summaries), so when a worker dies mid-run the
scheduler re-runs its tasks on another (or the restarted) worker and the output is the same (tested by
killing a worker process). A remote cluster needs ``out_dir`` (and the inputs) on a file system every
worker sees.

dask, distributed and dask-geopandas are imported inside the functions (``pip install wanmi[dask]``), so
``wanmi.core`` stays importable without them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import resource
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
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
from .feedback import Feedback, ensure

__all__ = [
    "BatchOptions",
    "BatchResult",
    "dask_available",
    "partition_points",
    "run_batch",
    "single_machine",
]

POINTS_DIR = "partitioned_points"
CASES_DIR = "partitioned_cases"
CASES_FILE = "cases.parquet"
EVALUATION_FILE = "evaluation.parquet"
DISTRICTS_DIR = "districts"
CELLS_FILE = "unit_cells.parquet"
COMPONENTS_FILE = "components.parquet"
GPKG_FILE = "wanmi_batch.gpkg"
SUMMARY_FILE = "districts.csv"
OUTSIDE = "outside"
PROBLEMS_FILE = "partition_problems.parquet"
_OWN_PARQUET = re.compile(r"(?:part-\d{5,}|halo)\.parquet")
_OWN_TEMP = re.compile(r"\.(?:part-\d{5,}|halo)\.parquet\.[0-9a-f]{32}\.tmp")
_CODE_COLUMNS = REGION_KEYS
_HILBERT_LEVEL = 16
_DISTRICT_INDEX_SIDE = 2_000.0  # m, bucket lattice for point → district (most boxes lie inside one district)
#: Points closer than this (m) to a district border are assigned in every district it separates and the
#: owner is decided afterwards (district outlines and cells may differ by float noise, ~1e-9 m).
HALO = 0.01


def dask_available() -> bool:
    """True when dask.distributed and dask-geopandas are installed (``pip install wanmi[dask]``)."""
    try:
        import dask_geopandas  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _require_dask() -> None:
    if not dask_available():
        raise InputError("batches need dask: pip install 'wanmi[dask]' (dask[distributed], dask-geopandas, "
                         "pyarrow)")


@dataclass(frozen=True)
class BatchOptions:
    """Partition parameters shared by every district task (as in :func:`wanmi.core.grid.partition`).

    ``crs`` and ``valid_from`` are fixed once per batch (:func:`run_batch` fills them in) so that every
    task uses the same lattice and the same date.
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
    """What :func:`run_batch` wrote. ``districts``: one row per district (cells, components, seconds,
    worker pid, worker peak RSS); ``timings``: wall seconds per stage; ``workers``: peak RSS (MiB) per
    worker process over the run."""

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
# Small helpers (run on the workers)
# --------------------------------------------------------------------------------------------------


def _peak_rss_mib() -> float:
    """Peak resident memory of this process (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _atomic_parquet(frame: pd.DataFrame, path: Path, **kwargs: Any) -> None:
    """Write ``frame`` to ``path`` via a unique temporary file and a rename (readers never see half a file;
    a retried task simply replaces it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        frame.to_parquet(tmp, index=False, **kwargs)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _points_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Point tables (components, cases) as GeoParquet with the native GeoArrow point encoding: about twice as
    fast to write and read as WKB. Other geometry types (lines, polygons) stay WKB."""
    types = shapely.get_type_id(frame.geometry.values)
    points = bool(len(frame)) and bool(np.isin(types, [-1, 0]).all())
    _atomic_parquet(frame, path, geometry_encoding="geoarrow" if points else "WKB")


def _district_dir(out: Path, code: str) -> Path:
    return out / DISTRICTS_DIR / code


def _point_dir(out: Path, code: str, subdir: str = POINTS_DIR) -> Path:
    return out / subdir / (OUTSIDE if code == OUTSIDE else f"district={code}")


def _is_own_file(path: Path, temporary: bool = True) -> bool:
    """A name the batch writes in its chunk folders: ``part-<k>.parquet``, ``halo.parquet`` or (with
    ``temporary``) the temporary file of one (see :func:`_atomic_parquet`)."""
    own = _OWN_PARQUET.fullmatch(path.name) or (temporary and _OWN_TEMP.fullmatch(path.name))
    return bool(own) and not path.is_dir()


def _remove_own_files(folder: Path) -> None:
    """Remove the batch's own files in ``folder`` (:func:`_is_own_file`), then the folder if that left it
    empty. Anything else in it (a user's notes, another program's files) stays, and so does the folder."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if _is_own_file(entry):
            entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def _clean_run_outputs(out: Path, codes: Sequence[str]) -> None:
    """Before a run: remove what an earlier run of the districts ``codes`` wrote that this run may not write
    again (chunk files, evaluation, partition problems) and the batch-wide case outputs. Never anything of
    another district, and only files the batch recognises as its own."""
    for c in codes:
        ddir = _district_dir(out, c)
        for sub in ("components", "components_halo", "cases", "cases_halo"):
            _remove_own_files(ddir / sub)
        for name in (EVALUATION_FILE, PROBLEMS_FILE):
            (ddir / name).unlink(missing_ok=True)
    for name in (CASES_FILE, EVALUATION_FILE, "_work/evaluation_groups.parquet"):
        (out / name).unlink(missing_ok=True)


def _metric_crs(jurisdiction: gpd.GeoDataFrame, crs: Any) -> Any:
    from .crs import require_metric, to_metric

    if crs is not None:
        return require_metric(crs, "run a batch")
    _, mcrs = to_metric(jurisdiction.iloc[:0] if len(jurisdiction) == 0 else jurisdiction, None)
    return require_metric(mcrs, "run a batch")


def _district_outlines(jurisdiction: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One (Multi)Polygon per district: the coverage union of its communities, in code order."""
    from .grid import jurisdiction_codes

    codes = jurisdiction_codes(jurisdiction)["district_code"].to_numpy()
    geoms = np.asarray(jurisdiction.geometry.values, dtype=object)
    names = sorted(set(codes))
    outlines = [shapely.union_all(geoms[codes == c]) for c in names]
    return gpd.GeoDataFrame({"district_code": names}, geometry=outlines, crs=jurisdiction.crs)


# --------------------------------------------------------------------------------------------------
# Stage 1: spatial partitioning of the points by district, Hilbert-sorted
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


def _split_chunk(chunk: gpd.GeoDataFrame, k: int, districts_wkb: list[bytes], codes: list[str],
                 crs: str, bounds: tuple[float, float, float, float], out: str, subdir: str = POINTS_DIR
                 ) -> pd.DataFrame:
    """Locate one chunk's points in the districts and write them per district, Hilbert-sorted.

    A point goes to the district :func:`~wanmi.core.geocode.assign_points` gives it (exact tie rule).
    A point within :data:`HALO` of a district border also goes to every district that border belongs to,
    flagged ``_halo``: which cell owns it is decided after all districts have been assigned
    (:func:`_resolve_halo_task`), exactly as the single-machine path would, whatever the floating-point
    differences between the district outlines and the cells. ``_pid`` = chunk·2³² + row identifies a
    point across its copies.
    """
    from .geocode import assign_points, point_coordinates
    from .lattice import Lattice

    t0 = time.perf_counter()
    out_path = Path(out)
    if chunk.crs is None:
        raise InputError(f"points chunk {k}: the points have no CRS (GeoParquet 'geo' metadata)")
    if not chunk.crs.equals(crs):
        chunk = chunk.to_crs(crs)
    chunk = chunk.drop(columns=[c for c in ("_pid", "_halo") if c in chunk.columns]).reset_index(drop=True)
    n = len(chunk)
    chunk["_pid"] = (np.int64(k) << 32) + np.arange(n, dtype=np.int64)
    x, y = point_coordinates(chunk)
    geoms = shapely.from_wkb(districts_wkb)
    idx = assign_points(x, y, geoms, lattice=Lattice(_DISTRICT_INDEX_SIDE))
    segs, seg_district = _boundary_segments(geoms)
    near_p, near_s = shapely.STRtree(segs).query(chunk.geometry.values, predicate="dwithin", distance=HALO)
    pairs = pd.DataFrame({"p": np.concatenate([np.flatnonzero(idx >= 0), near_p]),
                          "d": np.concatenate([idx[idx >= 0], seg_district[near_s]])}).drop_duplicates()
    n_dist = np.bincount(pairs["p"].to_numpy(), minlength=n)
    halo = np.zeros(n, dtype=bool)
    halo[pairs["p"].to_numpy()[n_dist[pairs["p"].to_numpy()] > 1]] = True
    chunk["_halo"] = halo
    hilbert = chunk.geometry.hilbert_distance(total_bounds=bounds, level=_HILBERT_LEVEL).to_numpy()
    rows = []
    outside = np.flatnonzero(n_dist == 0)
    groups = [(OUTSIDE, outside)] if len(outside) else []
    for d, sel in pairs.groupby("d")["p"]:
        groups.append((codes[int(d)], sel.to_numpy()))
    for code, sel in groups:
        sel = sel[np.argsort(hilbert[sel], kind="stable")]
        path = _point_dir(out_path, code, subdir) / f"part-{k:05d}.parquet"
        part = chunk.iloc[sel]
        _points_parquet(part.drop(columns=["_halo"]) if code == OUTSIDE else part, path)
        rows.append((code, k, str(path), len(sel), int(halo[sel].sum())))
    frame = pd.DataFrame(rows, columns=["district_code", "chunk", "path", "n", "halo"])
    frame["points"] = n
    frame["seconds"] = time.perf_counter() - t0
    frame["pid"] = os.getpid()
    frame["peak_rss_mib"] = _peak_rss_mib()
    return frame


def partition_points(client: Any, points: str | Path, districts: gpd.GeoDataFrame, out_dir: str | Path,
                     crs: Any, subdir: str = POINTS_DIR) -> pd.DataFrame:
    """Stage 1 on ``client``: spatially partition ``points`` (GeoParquet) by ``districts``.

    Returns one row per written file: district_code (or ``"outside"``), chunk, path, n, plus the worker's
    pid and peak RSS. The chunk files an earlier run wrote for these districts (and for the points outside
    them) are removed first; other districts' folders and files the batch did not write stay.
    """
    import dask
    import dask_geopandas

    out = Path(out_dir)
    for code in [*districts["district_code"].astype(str), OUTSIDE]:
        _remove_own_files(_point_dir(out, code, subdir))
    src = Path(points)
    if not src.exists():
        raise InputError(f"points file {src} does not exist")
    try:
        ddf = dask_geopandas.read_parquet(str(src), split_row_groups=True)  # a chunk = a row group: streaming
    except Exception as exc:  # pyarrow/dask raise many exception types for a bad file
        raise InputError(f"{src}: not a readable GeoParquet file or dataset ({exc})") from exc
    crs_text = pyproj_text(crs)
    d = districts.to_crs(crs_text) if not districts.crs.equals(crs_text) else districts
    bounds = tuple(float(v) for v in d.total_bounds)
    wkb = list(shapely.to_wkb(d.geometry.values))
    codes = list(d["district_code"].astype(str))
    [wkb_f] = client.scatter([wkb], broadcast=True)
    tasks = [dask.delayed(_split_chunk)(part, k, wkb_f, codes, crs_text, bounds, str(out), subdir,
                                        dask_key_name=f"split-{subdir}-{k}")
             for k, part in enumerate(ddf.to_delayed())]
    frames = client.compute(tasks, sync=True)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["district_code", "chunk", "path", "n", "halo", "points", "seconds", "pid", "peak_rss_mib"])


def pyproj_text(crs: Any) -> str:
    """A CRS as text every worker parses the same way (``EPSG:xxxx`` when it has a code, else WKT)."""
    import pyproj

    c = pyproj.CRS.from_user_input(crs)
    epsg = c.to_epsg()
    return f"EPSG:{epsg}" if epsg else c.to_wkt()


# --------------------------------------------------------------------------------------------------
# Stages 2–4: partition, assignment, totals (one task per district / per district chunk)
# --------------------------------------------------------------------------------------------------


def _partition_task(code: str, jurisdiction_path: str, out: str, options: BatchOptions) -> dict[str, Any]:
    """Partition one district (its communities only, read with a pyarrow filter)."""
    from .grid import partition

    t0 = time.perf_counter()
    comm = gpd.read_parquet(jurisdiction_path, filters=[("_district", "==", code)]).drop(columns="_district")
    result = partition(comm, **options.partition_kwargs())
    ddir = _district_dir(Path(out), code)
    _atomic_parquet(result.cells, ddir / "cells_base.parquet")
    if len(result.problems):
        _atomic_parquet(result.problems.astype(str), ddir / PROBLEMS_FILE)
    return {"district_code": code, "cells": len(result.cells), "communities": len(comm),
            "partition_s": time.perf_counter() - t0, "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


def _lattice(options: BatchOptions) -> Any:
    from .lattice import Lattice

    return Lattice(math.sqrt(options.target_area)) if options.method == "regular" else None


def _read_cells(out: Path, code: str, columns: Sequence[str] | None = None, filters: Any = None
                ) -> gpd.GeoDataFrame:
    return gpd.read_parquet(_district_dir(out, code) / "cells_base.parquet", columns=columns, filters=filters)


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows)


def _with_codes(pts: gpd.GeoDataFrame, codes: pd.DataFrame) -> gpd.GeoDataFrame:
    """The points' own columns, then the four code columns, then the geometry."""
    body = pts.drop(columns=[c for c in (*_CODE_COLUMNS, "_halo") if c in pts.columns])
    frame = pd.concat([body.drop(columns=body.geometry.name), codes, body[[body.geometry.name]]], axis=1)
    return gpd.GeoDataFrame(frame, geometry=body.geometry.name, crs=pts.crs)


@dataclass(frozen=True)
class _Kind:
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


GROUP_KEYS = tuple(k for k in _ALL_GROUP_KEYS if k not in REGION_KEYS)  # whole batch, not per district


def _case_counts(located: pd.DataFrame, by: str, kind: _Kind) -> pd.DataFrame:
    from .evaluation import count_cases

    return count_cases(located, by, kind.period, kind.check_limit_hours)


COMPONENTS = _Kind("components")


def _assign_task(code: str, chunk_path: str, k: int, out: str, options: BatchOptions, _partitioned: Any,
                 hook: Callable[[str, int], None] | None, kind: _Kind = COMPONENTS) -> dict[str, Any]:
    """Locate one chunk of one district's points (components or cases) in that district's cells.

    Returns the chunk's additive per-cell counts. Border-halo points are written to
    ``<kind>_halo/part-<k>.parquet`` with their codes in *this* district and are not counted here
    (see :func:`_resolve_halo_task`).
    """
    if hook is not None:
        hook(code, k)
    t0 = time.perf_counter()
    base = Path(out)
    cells = _read_cells(base, code, ["code", "community_code", "street_code", "district_code", "geometry"])
    pts = gpd.read_parquet(chunk_path)
    result = kind.locate(pts, cells, _lattice(options))
    halo = pts["_halo"].to_numpy(dtype=bool)
    result = result.drop(columns=[c for c in ("_halo",) if c in result.columns])
    counts = kind.counts(result[~halo], pd.Index(cells["code"]))
    own = result[~halo].drop(columns="_pid")
    ddir = _district_dir(base, code)
    _points_parquet(own, ddir / kind.name / f"part-{k:05d}.parquet")
    halo_path = ddir / f"{kind.name}_halo" / f"part-{k:05d}.parquet"
    if halo.any():
        _points_parquet(result[halo].assign(_district=code), halo_path)
    else:
        halo_path.unlink(missing_ok=True)
    return {"district_code": code, "chunk": k, "n": len(own), "halo": int(halo.sum()),
            "counts": counts, "assign_s": time.perf_counter() - t0,
            "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


def _resolve_halo_task(out: str, codes: Sequence[str], _assigned: Any, kind: _Kind = COMPONENTS
                       ) -> dict[str, Any]:
    """Give every border-halo point its one cell, as the single-machine path would.

    Each copy of a point found the cell its district's tie rule gives it. The single-machine winner among
    *all* cells is the winner among these per-district winners (a cell the nudge enters wins in its own
    district too; otherwise the smallest position in code order, which is also the smallest in its
    district), so locating the halo points once more against the union of those candidate cells, in code
    order, decides. Returns the counts to add per district.
    """
    t0 = time.perf_counter()
    base = Path(out)
    files = sorted(p for c in codes for p in (_district_dir(base, c) / f"{kind.name}_halo").glob("part-*.parquet"))
    for c in codes:
        (_district_dir(base, c) / kind.name / "halo.parquet").unlink(missing_ok=True)
    if not files:
        return {"points": 0, "counts": {}, "resolve_s": time.perf_counter() - t0}
    copies = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    cand = copies.loc[copies["cell_code"].notna(), ["cell_code", "_district"]].drop_duplicates()
    cols = ["code", "community_code", "street_code", "district_code", "geometry"]
    parts = [_read_cells(base, d, cols, filters=[("code", "in", list(g["cell_code"]))])
             for d, g in cand.groupby("_district")]
    first = copies.sort_values(["_pid", "_district"], kind="stable").drop_duplicates("_pid")
    first = gpd.GeoDataFrame(first, geometry=copies.geometry.name, crs=copies.crs).reset_index(drop=True)
    if parts:
        cells = pd.concat(parts, ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)
    else:  # no copy found a cell: locate against an empty cell table (every code missing)
        cells = _read_cells(base, str(first["_district"].iloc[0]), cols).iloc[:0]
    located = kind.locate(first.drop(columns=list(_CODE_COLUMNS)), cells, None)
    district = located["district_code"].astype(object)
    owner = district.where(district.notna(), located["_district"]).astype(str)
    counts: dict[str, Any] = {}
    for d, part in located.groupby(owner.to_numpy()):
        own = pd.read_parquet(_district_dir(base, str(d)) / "cells_base.parquet", columns=["code"])
        counts[str(d)] = kind.counts(part.drop(columns="_district"), pd.Index(own["code"]))
        part = part.drop(columns=["_pid", "_district"])
        _points_parquet(part, _district_dir(base, str(d)) / kind.name / "halo.parquet")
    return {"points": len(first), "counts": counts, "resolve_s": time.perf_counter() - t0,
            "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


def _sum_case_counts(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames).groupby(level=0, sort=True).sum().astype(np.int64)


def _count_outside_task(path: str, kind: _Kind) -> dict[str, Any]:
    """Department/supervisor counts of cases outside every district (they still count for those)."""
    return kind.group_counts(gpd.read_parquet(path))


def _evaluate_groups(out: str, assigned: Sequence[dict[str, Any]], halo: dict[str, Any],
                     outside: Sequence[dict[str, Any]], config: Any) -> int:
    """Department (处置部门) and supervisor (监督员) evaluation of the whole batch from summed counts,
    as :func:`wanmi.core.evaluation.evaluate` with ``by="dept_code"`` / ``"supervisor"``."""
    from .evaluation import KIND_OF_KEY, LEVEL_OF_KEY, score_frame

    parts = [*(a["counts"] for a in assigned), *halo["counts"].values(), *outside]
    frames = []
    for by in GROUP_KEYS:
        counts = _sum_case_counts([p[by] for p in parts if by in p])
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
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    _atomic_parquet(table, Path(out) / "_work" / "evaluation_groups.parquet")
    return len(table)


def _evaluate_district(code: str, out: str, parts: Sequence[dict[str, Any]], halo: dict[str, Any],
                       config: Any, _partitioned: Any) -> dict[str, Any]:
    """Case evaluation of one district: summed per-cell counts → cell/community/street/district results
    (rates, scores and grades recomputed from the sums, as :func:`wanmi.core.evaluation.evaluate`)."""
    from .evaluation import _cell_table, aggregate

    t0 = time.perf_counter()
    ddir = _district_dir(Path(out), code)
    cells = gpd.read_parquet(ddir / "cells_base.parquet", columns=[
        "code", "area_m2", "district_code", "street_code", "community_code", "geometry"])
    counts = _sum_case_counts([*(p["counts"]["cell"] for p in parts),
                               halo["counts"][code]["cell"] if code in halo["counts"] else None])
    table = _cell_table(cells)
    cols = list(counts.columns)
    counts = counts.reindex(table.index, fill_value=0) if len(cols) else pd.DataFrame(index=table.index)
    counts = pd.concat([table.drop(columns="cell_code"), counts], axis=1)
    counts.index.name = "cell_code"
    counts = counts.reset_index()
    levels = [aggregate(counts, key, config) for key in REGION_KEYS]
    result = pd.concat(levels, ignore_index=True)
    _atomic_parquet(result, ddir / EVALUATION_FILE)
    n_cases = int(sum(p["n"] for p in parts))
    halo_file = ddir / "cases" / "halo.parquet"
    n_cases += _rows(halo_file) if halo_file.exists() else 0
    return {"district_code": code, "cases": n_cases, "evaluation_s": time.perf_counter() - t0,
            "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


def _finalize_task(code: str, out: str, parts: Sequence[dict[str, Any]], partitioned: dict[str, Any],
                   halo: dict[str, Any]) -> dict[str, Any]:
    """Sum the chunk counts (and the resolved halo points) into the district's cells (``component_count``)."""
    t0 = time.perf_counter()
    ddir = _district_dir(Path(out), code)
    cells = gpd.read_parquet(ddir / "cells_base.parquet")
    total = np.zeros(len(cells), dtype=np.int64)
    for p in parts:
        total += p["counts"]
    extra = halo["counts"].get(code)
    if extra is not None:
        total += extra
    halo_file = ddir / "components" / "halo.parquet"
    n_halo_rows = _rows(halo_file) if halo_file.exists() else 0
    cells.insert(cells.columns.get_loc("geometry"), "component_count", total)
    _atomic_parquet(cells, ddir / CELLS_FILE)
    n = int(sum(p["n"] for p in parts)) + n_halo_rows
    return {**{k: v for k, v in partitioned.items() if k not in ("pid", "peak_rss_mib")},
            "components": n, "assigned": int(total.sum()), "unassigned": n - int(total.sum()),
            "border_points": n_halo_rows, "chunks": len(parts),
            "assign_s": float(sum(p["assign_s"] for p in parts)), "finalize_s": time.perf_counter() - t0,
            "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


# --------------------------------------------------------------------------------------------------
# Stage 5: one GeoParquet / GeoPackage (streamed, never all rows in memory)
# --------------------------------------------------------------------------------------------------


def _parquet_files(paths: Sequence[Path]) -> list[Path]:
    return [p for p in paths if p.exists()]


def _concat_geoparquet(files: Sequence[Path], target: Path, drop: Sequence[str] = ()) -> int:
    """Stream GeoParquet ``files`` (same columns) into one file, row group by row group; returns rows.

    The schemas are unified (a chunk whose codes are all missing has null-typed columns) and the "geo"
    metadata of the first file is kept with the bbox widened to all files.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = list(files)
    if not files:
        raise InputError(f"nothing to write to {target}")
    schemas = [pq.read_schema(f) for f in files]
    try:
        schema = pa.unify_schemas([s.remove_metadata() for s in schemas], promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # point files (GeoArrow) mixed with other geometries (WKB)
        return _concat_as_wkb(files, target, drop)
    for name in drop:
        if name in schema.names:
            schema = schema.remove(schema.get_field_index(name))
    geo = json.loads(schemas[0].metadata[b"geo"]) if schemas[0].metadata and b"geo" in schemas[0].metadata \
        else None
    if geo is not None:
        boxes = [json.loads(s.metadata[b"geo"])["columns"][geo["primary_column"]].get("bbox") for s in schemas
                 if s.metadata and b"geo" in s.metadata]
        boxes = np.asarray([b for b in boxes if b], dtype=float)
        col = geo["columns"][geo["primary_column"]]
        if len(boxes):
            col["bbox"] = [boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()]
        types = sorted({t for s in schemas if s.metadata and b"geo" in s.metadata
                        for t in json.loads(s.metadata[b"geo"])["columns"][geo["primary_column"]]
                        .get("geometry_types", [])})
        col["geometry_types"] = types
        schema = schema.with_metadata({b"geo": json.dumps(geo).encode()})
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    n = 0
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            for f in files:
                pf = pq.ParquetFile(f)
                for g in range(pf.num_row_groups):
                    t = pf.read_row_group(g)
                    for field_ in schema:  # a column some files do not have (e.g. dept_name): nulls
                        if field_.name not in t.column_names:
                            t = t.append_column(field_.name, pa.nulls(t.num_rows, field_.type))
                    t = t.select(schema.names).cast(schema)
                    writer.write_table(t)
                    n += t.num_rows
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return n


def _concat_as_wkb(files: Sequence[Path], target: Path, drop: Sequence[str] = ()) -> int:
    """Slow path of :func:`_concat_geoparquet`: re-encode every file as WKB, then stream them."""
    tmp_dir = target.with_name(f".{target.name}.{uuid.uuid4().hex}.wkb")
    tmp_dir.mkdir()
    try:
        wkb = []
        for i, f in enumerate(files):
            p = tmp_dir / f"{i:06d}.parquet"
            gpd.read_parquet(f).to_parquet(p, index=False, geometry_encoding="WKB")
            wkb.append(p)
        return _concat_geoparquet(wkb, target, drop)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def _iter_geoparquet(files: Sequence[Path]) -> Iterator[pd.DataFrame]:
    """One (Geo)DataFrame per file (the batch writes files of at most one points chunk each)."""
    import pyarrow.parquet as pq

    for f in files:
        pf = pq.ParquetFile(f)
        if b"geo" in (pf.schema_arrow.metadata or {}):
            yield gpd.read_parquet(f)
        else:  # a plain table (the evaluation): row group by row group
            for g in range(pf.num_row_groups):
                yield pf.read_row_group(g).to_pandas()


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``datetime.date`` columns (valid_from/valid_to) as ISO text for the GeoPackage writer."""
    out = frame
    for col in frame.columns:
        if col == getattr(frame, "_geometry_column_name", None) or frame[col].dtype != object:
            continue
        sample = frame[col].dropna()
        if len(sample) and isinstance(sample.iloc[0], date):
            out = out.copy() if out is frame else out
            out[col] = frame[col].map(lambda v: v.isoformat() if isinstance(v, date) else v)
    return out


def _write_gpkg_streamed(target: Path, layers: Sequence[tuple[str, Sequence[Path] | pd.DataFrame]]) -> Path:
    """Write a GeoPackage layer by layer, appending file after file, then rename over ``target``."""
    import pyogrio

    tmp = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.tmp.gpkg")
    try:
        created = False
        for name, source in layers:
            chunks = [source] if isinstance(source, pd.DataFrame) else _iter_geoparquet(_parquet_files(source))
            first = True
            for frame in chunks:
                kw: dict[str, Any] = {"layer": name, "driver": "GPKG"}
                if not created:
                    kw["dataset_options"] = {"VERSION": "1.3"}
                if not first:
                    kw["append"] = True
                pyogrio.write_dataframe(_dates_as_text(frame), tmp, **kw)
                created = True
                first = False
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def _merge_task(out: str, codes: Sequence[str], gpkg: bool, gpkg_components: bool, summary: pd.DataFrame,
                with_cases: bool) -> dict[str, Any]:
    """Write the single-file outputs (runs on a worker, streaming file by file)."""
    t0 = time.perf_counter()
    base = Path(out)
    cell_files = [_district_dir(base, c) / CELLS_FILE for c in codes]

    def files(kind: str) -> list[Path]:
        return sorted(p for c in codes for p in (_district_dir(base, c) / kind).glob("*.parquet")
                      if _is_own_file(p, temporary=False))

    comp_files = files("components")
    n_cells = _concat_geoparquet(cell_files, base / CELLS_FILE)
    n_comp = _concat_geoparquet(comp_files, base / COMPONENTS_FILE) if comp_files else 0
    case_files = files("cases") if with_cases else []
    eval_files = [_district_dir(base, c) / EVALUATION_FILE for c in codes] if with_cases else []
    n_cases = _concat_geoparquet(case_files, base / CASES_FILE) if case_files else 0
    evaluation = None
    if eval_files:
        groups = base / "_work" / "evaluation_groups.parquet"
        evaluation = [*eval_files, *([groups] if groups.exists() else [])]
        _concat_geoparquet(evaluation, base / EVALUATION_FILE)  # streamed: one row per cell adds up
    gpkg_path = None
    if gpkg:
        layers: list[tuple[str, Any]] = [("unit_cells", cell_files)]
        if gpkg_components and comp_files:
            layers.append(("components", comp_files))
        if case_files:
            layers.append(("cases", case_files))
        if evaluation is not None:
            layers.append(("evaluation", [base / EVALUATION_FILE]))
        layers.append(("districts", summary))
        gpkg_path = str(_write_gpkg_streamed(base / GPKG_FILE, layers))
    return {"cells": n_cells, "components": n_comp, "cases": n_cases, "gpkg": gpkg_path,
            "merge_s": time.perf_counter() - t0, "pid": os.getpid(), "peak_rss_mib": _peak_rss_mib()}


# --------------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _client(scheduler: str | Any | None, workers: int, threads_per_worker: int, memory_limit: str | None
            ) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler`` (address or Client) or on a new LocalCluster of
    ``workers`` worker processes (with nannies, so a dead worker is restarted)."""
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # an existing Client
        return
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=threads_per_worker, processes=True,
                      memory_limit=memory_limit or "auto", dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        yield client


def _read_jurisdiction(jurisdiction: gpd.GeoDataFrame | str | Path, layer: str | None) -> gpd.GeoDataFrame:
    if isinstance(jurisdiction, gpd.GeoDataFrame):
        return jurisdiction
    path = Path(jurisdiction)
    if not path.exists():
        raise InputError(f"jurisdiction file {path} does not exist")
    if path.suffix.lower() == ".parquet":
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio")


def run_batch(
    jurisdiction: gpd.GeoDataFrame | str | Path,
    points: str | Path,
    out_dir: str | Path,
    *,
    layer: str | None = None,
    districts: Sequence[str] | None = None,
    options: BatchOptions | None = None,
    scheduler: str | Any | None = None,
    workers: int = 2,
    threads_per_worker: int = 1,
    memory_limit: str | None = None,
    gpkg: bool = True,
    gpkg_components: bool = True,
    cases: str | Path | None = None,
    period: Any = None,
    evaluation_config: Any = None,
    task_hook: Callable[[str, int], None] | None = None,
    feedback: Feedback | None = None,
) -> BatchResult:
    """Partition many districts and assign a large point set to their cells on dask.distributed.

    ``jurisdiction``: communities (or whole districts) with codes as for :func:`~wanmi.core.grid.partition`
    — a GeoDataFrame or a file (GeoPackage/any OGR file, or GeoParquet). ``points``: a GeoParquet file or
    directory of component points (any columns; ``cell_code``/``community_code``/``street_code``/
    ``district_code`` are recomputed). ``districts``: only these district codes (the merged files then hold
    these districts; other districts' results under ``districts/`` and any file the batch did not write are
    kept). ``scheduler``: address of
    a running scheduler (``tcp://host:8786``) or a ``distributed.Client``; default a LocalCluster of
    ``workers`` processes. ``gpkg_components``: also put every component in the GeoPackage (slow for
    10⁷ points; the GeoParquet always has them). ``cases``: a GeoParquet file/directory of cases (案卷, the
    columns of core/cases.py) — overlaid on the cells (:func:`~wanmi.core.cases.overlay_cases`) and evaluated
    over ``period`` per cell, community, street and district (:mod:`wanmi.core.evaluation`, weights from
    ``evaluation_config``: a path or an EvaluationConfig). ``task_hook(district, chunk)`` runs at the start
    of every assignment task (instrumentation, fault injection). Outputs: see the module docstring.
    """
    _require_dask()
    fb = ensure(feedback)
    opts = options or BatchOptions()
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    jur = _read_jurisdiction(jurisdiction, layer)
    if len(jur) == 0:
        raise InputError("the jurisdiction layer is empty")
    from .grid import jurisdiction_codes

    jcodes = jurisdiction_codes(jur)["district_code"].to_numpy()
    if districts is not None:
        wanted = [str(d) for d in districts]
        unknown = sorted(set(wanted) - set(jcodes))
        if unknown:
            raise InputError(f"no communities of district {', '.join(unknown)} in the jurisdiction layer")
        keep = np.isin(jcodes, wanted)
        jur, jcodes = jur[keep].reset_index(drop=True), jcodes[keep]
    mcrs = _metric_crs(jur, opts.crs)
    crs_text = pyproj_text(mcrs)
    opts = dataclasses.replace(opts, crs=crs_text, valid_from=str(opts.valid_from or date.today().isoformat()))
    jur = jur.to_crs(crs_text) if jur.crs is not None and not jur.crs.equals(crs_text) else jur
    if jur.crs is None:
        raise InputError("the jurisdiction layer has no CRS")
    codes = sorted(set(jcodes))
    work = out / "_work"
    work.mkdir(exist_ok=True)
    jur_path = work / "jurisdiction.parquet"
    _atomic_parquet(jur.assign(_district=jcodes), jur_path)
    outlines = _district_outlines(jur)
    _clean_run_outputs(out, codes)
    timings["setup_s"] = time.perf_counter() - t_start

    case_kind = None
    if cases is not None:
        from .evaluation import load_weights, parse_period

        config = evaluation_config if hasattr(evaluation_config, "kinds") else load_weights(evaluation_config)
        case_kind = _Kind("cases", parse_period(period), config.check_limit_hours)

    with _client(scheduler, workers, threads_per_worker, memory_limit) as client:
        fb.info(f"batch: {len(codes)} districts on {len(client.scheduler_info()['workers'])} dask workers")
        fb.window(0, 40)
        t0 = time.perf_counter()
        parts_of = {c: client.submit(_partition_task, c, str(jur_path), str(out), opts,
                                     key=f"partition-{c}", pure=False)
                    for c in codes}  # partitions start while the points are being split
        files = partition_points(client, points, outlines, out, crs_text)
        case_files = partition_points(client, cases, outlines, out, crs_text, CASES_DIR) \
            if case_kind is not None else None
        timings["split_points_s"] = time.perf_counter() - t0
        fb.step(1, 1)
        fb.window(40, 90)

        def submit_assign(table: pd.DataFrame, kind: _Kind) -> dict[str, list[Any]]:
            futures: dict[str, list[Any]] = {c: [] for c in codes}
            for row in table[table["district_code"] != OUTSIDE].itertuples():
                futures[row.district_code].append(client.submit(
                    _assign_task, row.district_code, row.path, int(row.chunk), str(out), opts,
                    parts_of[row.district_code], task_hook, kind,
                    key=f"assign-{kind.name}-{row.district_code}-{row.chunk}", pure=False))
            return futures

        assigned = submit_assign(files, COMPONENTS)
        halo = client.submit(_resolve_halo_task, str(out), codes, [f for fs in assigned.values() for f in fs],
                             COMPONENTS, key="resolve-halo-components", pure=False)
        finals = [client.submit(_finalize_task, c, str(out), assigned[c], parts_of[c], halo, key=f"finalize-{c}",
                                pure=False) for c in codes]
        evals: list[Any] = []
        if case_kind is not None:
            overlaid = submit_assign(case_files, case_kind)
            case_halo = client.submit(_resolve_halo_task, str(out), codes,
                                      [f for fs in overlaid.values() for f in fs], case_kind,
                                      key="resolve-halo-cases", pure=False)
            evals = [client.submit(_evaluate_district, c, str(out), overlaid[c], case_halo, config, parts_of[c],
                                   key=f"evaluate-{c}", pure=False) for c in codes]
            outside_counts = [client.submit(_count_outside_task, row.path, case_kind, key=f"count-outside-{row.chunk}",
                                            pure=False)
                              for row in case_files[case_files["district_code"] == OUTSIDE].itertuples()]
            evals.append(client.submit(_evaluate_groups, str(out), [f for fs in overlaid.values() for f in fs],
                                       case_halo, outside_counts, config, key="evaluate-groups", pure=False))
        summaries = []
        from distributed import as_completed, wait

        for n_done, fut in enumerate(as_completed(finals), 1):
            summaries.append(fut.result())
            fb.step(n_done, len(finals))
        wait(evals)
        timings["partition_assign_s"] = time.perf_counter() - t0 - timings["split_points_s"]
        summary = pd.DataFrame(summaries).sort_values("district_code").reset_index(drop=True)
        task_stats = [f.result() for fs in assigned.values() for f in fs] + [halo.result()]
        if evals:
            ev = pd.DataFrame([f.result() for f in evals[:-1]]).set_index("district_code")
            summary["cases"] = ev["cases"].reindex(summary["district_code"]).to_numpy()
            summary["evaluation_s"] = ev["evaluation_s"].reindex(summary["district_code"]).to_numpy()
            task_stats += [f.result() for fs in overlaid.values() for f in fs] + [case_halo.result()]
            task_stats += ev.reset_index().to_dict("records")
        fb.window(90, 100)
        t1 = time.perf_counter()
        merged = client.submit(_merge_task, str(out), codes, gpkg, gpkg_components,
                               summary.drop(columns=["pid", "peak_rss_mib"]), case_kind is not None,
                               key="merge", pure=False).result()
        timings["merge_s"] = time.perf_counter() - t1
        fb.step(1, 1)

    n_outside = int(files.loc[files["district_code"] == OUTSIDE, "n"].sum())
    n_points = int(files.drop_duplicates("chunk")["points"].sum()) if len(files) else 0
    for subdir, name in ((POINTS_DIR, "unassigned_components.parquet"), (CASES_DIR, "unassigned_cases.parquet")):
        outside_files = sorted((out / subdir / OUTSIDE).glob("part-*.parquet"))
        if outside_files:
            _concat_geoparquet(outside_files, out / name, drop=("_pid",))
        else:
            (out / name).unlink(missing_ok=True)
    # numbers and digit-checked district codes only (jurisdiction_codes): no text a spreadsheet could run as a
    # formula, so no escaping (layers.safe_tables is out of core's reach)
    summary.drop(columns=["pid"]).to_csv(out / SUMMARY_FILE, index=False)
    rss: dict[str, float] = {}
    stats = [*zip(files["pid"], files["peak_rss_mib"]), *zip(summary["pid"], summary["peak_rss_mib"]),
             (merged["pid"], merged["peak_rss_mib"]), *((t["pid"], t["peak_rss_mib"]) for t in task_stats
                                                       if "pid" in t)]
    if case_files is not None:
        stats += list(zip(case_files["pid"], case_files["peak_rss_mib"]))
    for pid, mib in stats:
        rss[str(pid)] = max(rss.get(str(pid), 0.0), float(mib))
    timings["total_s"] = time.perf_counter() - t_start
    n_cases = int(case_files.drop_duplicates("chunk")["points"].sum()) if case_files is not None and len(case_files) \
        else 0
    fb.info(f"batch: {summary['cells'].sum():,} cells, {n_points:,} points "
            f"({n_outside:,} outside every district), {n_cases:,} cases in {timings['total_s']:.1f} s")
    return BatchResult(
        out_dir=out, cells_path=out / CELLS_FILE, components_path=out / COMPONENTS_FILE,
        gpkg_path=Path(merged["gpkg"]) if merged["gpkg"] else None, districts=summary,
        n_points=n_points, n_outside=n_outside, timings=timings, workers=rss,
        cases_path=out / CASES_FILE if case_kind is not None else None,
        evaluation_path=out / EVALUATION_FILE if case_kind is not None else None, n_cases=n_cases,
    )


def single_machine(jurisdiction: gpd.GeoDataFrame, points: gpd.GeoDataFrame, options: BatchOptions
                   ) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The single-process reference: one :func:`partition` of the whole jurisdiction, one
    :func:`assign_to_cells` of all points. Returns (cells with ``component_count``, point codes)."""
    from .geocode import assign_to_cells
    from .grid import partition

    result = partition(jurisdiction, **options.partition_kwargs())
    cells = result.cells
    codes = assign_to_cells(points, cells, lattice=result.lattice)
    idx = pd.Index(cells["code"]).get_indexer(codes["cell_code"])
    cells = cells.copy()
    cells.insert(cells.columns.get_loc("geometry"), "component_count",
                 np.bincount(idx + 1, minlength=len(cells) + 1)[1:].astype(np.int64))
    return cells, codes
