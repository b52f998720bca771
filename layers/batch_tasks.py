"""The tasks of a province batch (省级批量) as they run on the dask workers: read their files, compute with
:mod:`wanmi.core.batch`, write their files (:mod:`wanmi.layers.batch_io`) and return small values (counts,
summaries, timings) to the run (:func:`wanmi.workflow.batch.run_batch`).

Every task writes under deterministic names through a temporary file and an atomic rename, so when a worker
dies mid-run the scheduler re-runs its tasks on another (or the restarted) worker and the output is the
same. Arguments named ``_after`` only order a task after others (dask passes their results).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..core.batch import COMPONENTS, BatchOptions, Kind
from . import batch_io as io


def _stats(t0: float, name: str) -> dict[str, Any]:
    """The task's seconds (as ``name``), worker pid and peak memory."""
    return {name: time.perf_counter() - t0, "pid": os.getpid(), "peak_rss_mib": io.peak_rss_mib()}


def split_chunk(chunk: gpd.GeoDataFrame, k: int, districts_wkb: list[bytes], codes: list[str], crs: str,
                bounds: tuple[float, float, float, float], out: str, subdir: str = io.POINTS_DIR) -> pd.DataFrame:
    """Stage 1: locate chunk ``k``'s points in the districts (:func:`~wanmi.core.batch.locate_chunk`) and
    write them per district, Hilbert-sorted. One row per file written: district_code (or ``"outside"``),
    chunk, path, n, halo, plus the chunk's points, seconds, pid and peak RSS."""
    from ..core.batch import locate_chunk

    t0 = time.perf_counter()
    chunk, groups = locate_chunk(chunk, k, shapely.from_wkb(districts_wkb), crs, bounds)
    halo = chunk["_halo"].to_numpy()
    rows = []
    for d, sel in groups:
        code = io.OUTSIDE if d < 0 else codes[d]
        path = io.point_dir(Path(out), code, subdir) / f"part-{k:05d}.parquet"
        part = chunk.iloc[sel]
        io.points_parquet(part.drop(columns=["_halo"]) if code == io.OUTSIDE else part, path)
        rows.append((code, k, str(path), len(sel), int(halo[sel].sum())))
    frame = pd.DataFrame(rows, columns=["district_code", "chunk", "path", "n", "halo"])
    frame["points"] = len(chunk)
    for key, value in _stats(t0, "seconds").items():
        frame[key] = value
    return frame


def partition_task(code: str, jurisdiction_path: str, out: str, options: BatchOptions) -> dict[str, Any]:
    """Stage 2: partition one district (its communities only, read with a pyarrow filter; its roads for the
    street-block method)."""
    from ..core.grid import partition

    t0 = time.perf_counter()
    comm = gpd.read_parquet(jurisdiction_path, filters=[("_district", "==", code)]).drop(columns="_district")
    roads_path = io.work_dir(Path(out)) / "roads" / f"{code}.parquet"
    roads = gpd.read_parquet(roads_path) if options.method != "regular" else None
    result = partition(comm, roads=roads, **options.partition_kwargs())
    ddir = io.district_dir(Path(out), code)
    io.atomic_parquet(result.cells, ddir / io.BASE_CELLS_FILE)
    if len(result.problems):
        io.atomic_parquet(result.problems.astype(str), ddir / io.PROBLEMS_FILE)
    return {"district_code": code, "cells": len(result.cells), "communities": len(comm),
            **_stats(t0, "partition_s")}


def assign_task(code: str, chunk_path: str, k: int, out: str, options: BatchOptions, _after: Any,
                hook: Callable[[str, int], None] | None, kind: Kind = COMPONENTS) -> dict[str, Any]:
    """Stage 3: locate one chunk of one district's points (components or cases) in that district's cells.

    Returns the chunk's additive per-cell counts. Border-halo points are written to
    ``<kind>_halo/part-<k>.parquet`` with their codes in *this* district and are not counted here
    (see :func:`resolve_halo_task`). ``hook(district, chunk)`` runs first (instrumentation, fault injection).
    """
    from ..core.batch import assign_chunk

    if hook is not None:
        hook(code, k)
    t0 = time.perf_counter()
    base = Path(out)
    cells = io.read_cells(base, code, ["code", "community_code", "street_code", "district_code", "geometry"])
    result, halo, counts = assign_chunk(gpd.read_parquet(chunk_path), cells, options, kind)
    own = result[~halo].drop(columns="_pid")
    ddir = io.district_dir(base, code)
    io.points_parquet(own, ddir / kind.name / f"part-{k:05d}.parquet")
    halo_path = ddir / f"{kind.name}_halo" / f"part-{k:05d}.parquet"
    if halo.any():
        io.points_parquet(result[halo].assign(_district=code), halo_path)
    else:
        halo_path.unlink(missing_ok=True)
    return {"district_code": code, "chunk": k, "n": len(own), "halo": int(halo.sum()), "counts": counts,
            **_stats(t0, "assign_s")}


def resolve_halo_task(out: str, codes: Sequence[str], _after: Any, kind: Kind = COMPONENTS) -> dict[str, Any]:
    """Stage 3b: give every border-halo point its one cell (:func:`~wanmi.core.batch.locate_halo`), write
    them to their owner's ``<kind>/halo.parquet`` and return the counts to add per district."""
    from ..core.batch import halo_candidates, locate_halo

    t0 = time.perf_counter()
    base = Path(out)
    files = [p for c in codes for p in io.own_files(io.district_dir(base, c) / f"{kind.name}_halo")]
    for c in codes:
        (io.district_dir(base, c) / kind.name / "halo.parquet").unlink(missing_ok=True)
    if not files:
        return {"points": 0, "counts": {}, **_stats(t0, "resolve_s")}
    copies = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    cols = ["code", "community_code", "street_code", "district_code", "geometry"]
    parts = [io.read_cells(base, d, cols, filters=[("code", "in", list(g["cell_code"]))])
             for d, g in halo_candidates(copies).groupby("_district")]
    # no copy found a cell: locate against an empty cell table (every code missing)
    cells = pd.concat(parts, ignore_index=True) if parts else \
        io.read_cells(base, str(copies["_district"].iloc[0]), cols).iloc[:0]
    located, owner = locate_halo(copies, cells, kind)
    counts: dict[str, Any] = {}
    for d, part in located.groupby(owner):
        own = pd.read_parquet(io.district_dir(base, str(d)) / io.BASE_CELLS_FILE, columns=["code"])
        counts[str(d)] = kind.counts(part.drop(columns="_district"), pd.Index(own["code"]))
        io.points_parquet(part.drop(columns=["_pid", "_district"]),
                          io.district_dir(base, str(d)) / kind.name / "halo.parquet")
    return {"points": int(copies["_pid"].nunique()), "counts": counts, **_stats(t0, "resolve_s")}


def count_outside_task(path: str, kind: Kind) -> dict[str, Any]:
    """Department/supervisor counts of cases outside every district (they still count for those)."""
    return kind.group_counts(gpd.read_parquet(path))


def evaluate_groups_task(out: str, assigned: Sequence[dict[str, Any]], halo: dict[str, Any],
                         outside: Sequence[dict[str, Any]], config: Any) -> int:
    """Stage 5: department and supervisor evaluation of the whole batch
    (:func:`~wanmi.core.batch.group_evaluation`) into ``_work/evaluation_groups.parquet``."""
    from ..core.batch import group_evaluation

    parts = [*(a["counts"] for a in assigned), *halo["counts"].values(), *outside]
    table = group_evaluation(parts, config)
    io.atomic_parquet(table, io.work_dir(Path(out)) / io.GROUPS_FILE)
    return len(table)


def evaluate_district_task(code: str, out: str, parts: Sequence[dict[str, Any]], halo: dict[str, Any],
                           config: Any, _after: Any) -> dict[str, Any]:
    """Stage 5: case evaluation of one district (:func:`~wanmi.core.batch.district_evaluation`)."""
    from ..core.batch import district_evaluation

    t0 = time.perf_counter()
    ddir = io.district_dir(Path(out), code)
    cells = gpd.read_parquet(ddir / io.BASE_CELLS_FILE, columns=[
        "code", "area_m2", "district_code", "street_code", "community_code", "geometry"])
    counts = [*(p["counts"]["cell"] for p in parts), halo["counts"][code]["cell"] if code in halo["counts"] else None]
    io.atomic_parquet(district_evaluation(cells, counts, config), ddir / io.EVALUATION_FILE)
    n_cases = int(sum(p["n"] for p in parts)) + io.rows(ddir / "cases" / "halo.parquet")
    return {"district_code": code, "cases": n_cases, **_stats(t0, "evaluation_s")}


def finalize_task(code: str, out: str, parts: Sequence[dict[str, Any]], partitioned: dict[str, Any],
                  halo: dict[str, Any]) -> dict[str, Any]:
    """Stage 4: sum the chunk counts (and the resolved halo points) into the district's cells
    (``component_count``, :func:`~wanmi.core.batch.with_component_count`)."""
    from ..core.batch import with_component_count

    t0 = time.perf_counter()
    ddir = io.district_dir(Path(out), code)
    extra = halo["counts"].get(code)
    counts = [p["counts"] for p in parts] + ([extra] if extra is not None else [])
    cells = with_component_count(gpd.read_parquet(ddir / io.BASE_CELLS_FILE), counts)
    io.atomic_parquet(cells, ddir / io.CELLS_FILE)
    n_halo_rows = io.rows(ddir / "components" / "halo.parquet")
    n = int(sum(p["n"] for p in parts)) + n_halo_rows
    assigned = int(cells["component_count"].sum())
    return {**{k: v for k, v in partitioned.items() if k not in ("pid", "peak_rss_mib")},
            "components": n, "assigned": assigned, "unassigned": n - assigned,
            "border_points": n_halo_rows, "chunks": len(parts),
            "assign_s": float(sum(p["assign_s"] for p in parts)), **_stats(t0, "finalize_s")}


def merge_task(out: str, codes: Sequence[str], gpkg: bool, gpkg_components: bool, summary: pd.DataFrame,
               with_cases: bool) -> dict[str, Any]:
    """Stage 6: write the single-file outputs (on a worker, streaming file by file): the GeoParquet files and
    the styled GeoPackage."""
    from . import STYLES_DIR

    t0 = time.perf_counter()
    base = Path(out)
    cell_files = [io.district_dir(base, c) / io.CELLS_FILE for c in codes]

    def files(kind: str) -> list[Path]:
        return [p for c in codes for p in io.own_files(io.district_dir(base, c) / kind)]

    comp_files = files("components")
    n_cells = io.concat_geoparquet(cell_files, base / io.CELLS_FILE)
    n_comp = io.concat_geoparquet(comp_files, base / io.COMPONENTS_FILE) if comp_files else 0
    case_files = files("cases") if with_cases else []
    n_cases = io.concat_geoparquet(case_files, base / io.CASES_FILE) if case_files else 0
    if with_cases:
        groups = io.work_dir(base) / io.GROUPS_FILE
        evaluation = [*(io.district_dir(base, c) / io.EVALUATION_FILE for c in codes),
                      *([groups] if groups.exists() else [])]
        io.concat_geoparquet(evaluation, base / io.EVALUATION_FILE)  # streamed: one row per cell adds up
    gpkg_path = None
    if gpkg:
        layers: list[tuple[str, Any]] = [("unit_cells", cell_files)]
        if gpkg_components and comp_files:
            layers.append(("components", comp_files))
        if case_files:
            layers.append(("cases", case_files))
        if with_cases:
            layers.append(("evaluation", [base / io.EVALUATION_FILE]))
        layers.append(("districts", summary))
        styles = {"unit_cells": STYLES_DIR / "unit_cells.qml", "components": STYLES_DIR / "components.qml"}
        gpkg_path = str(io.write_gpkg_streamed(base / io.GPKG_FILE, layers, styles))
    return {"cells": n_cells, "components": n_comp, "cases": n_cases, "gpkg": gpkg_path,
            **_stats(t0, "merge_s")}


__all__ = ["assign_task", "count_outside_task", "evaluate_district_task", "evaluate_groups_task", "finalize_task",
           "merge_task", "partition_task", "resolve_halo_task", "split_chunk"]
