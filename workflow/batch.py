"""Province- and nation-scale batches on dask (省级/全国批量处理: dask-geopandas + dask.distributed).

One declaration (:data:`BATCH`, the ``wanmi batch`` command) and the run that starts the cluster and submits
the tasks (:func:`run_batch`). The same ``core`` functions as the single-machine path —
:func:`wanmi.core.grid.partition`, :func:`wanmi.core.geocode.assign_to_cells` — are applied per district on a
``dask.distributed`` cluster (a ``LocalCluster`` by default, any scheduler address when given), so the
results are the single-machine results, bit for bit on codes and counts (tested). The computations are
:mod:`wanmi.core.batch`, the worker tasks :mod:`wanmi.layers.batch_tasks`, the files :mod:`wanmi.layers.batch_io`.

Pipeline, every arrow a set of independent dask tasks:

1. **Spatial partitioning of the points** (按区空间分区). The input GeoParquet (file or directory) is read
   with ``dask_geopandas.read_parquet``, one dask partition per row group. Each chunk task locates its points
   in the district polygons and writes, per district, the chunk's points **Hilbert-sorted** to
   ``partitioned_points/district=<code>/part-<chunk>.parquet`` (points outside every district to
   ``partitioned_points/outside/``). No process ever holds more than one chunk.
2. **Partition** (网格划分), one task per district: that district's communities (and, for the street-block
   method, the roads touching it) → unit cells. All districts use one metric CRS and one lattice, chosen once
   for the whole input, so cell codes do not depend on how the work is split.
3. **Component assignment** (部件赋码), one task per (district, chunk file): the chunk's points → cell,
   community, street and district codes and the number of points per cell. Points within 1 cm of a district
   border are located in every district the border separates and one task then gives each its single cell,
   exactly as the single-machine tie rule does.
4. **Per-district totals** (汇总): counts summed into ``component_count`` of the district's cells.
5. **Cases** (案卷, optional): split like the points, overlaid per (district, chunk), counted per cell and
   evaluated per cell, community, street and district from the summed counts (equal to
   :func:`wanmi.core.evaluation.evaluate` on all cases at once); departments and supervisors from counts
   summed over the whole batch (cases outside every district included).
6. **One output**: ``unit_cells.parquet``, ``components.parquet``, ``cases.parquet``, ``evaluation.parquet``,
   the GeoPackage ``wanmi_batch.gpkg`` (styled), ``districts.csv`` and the points outside every district.

A killed worker's tasks are re-run by the scheduler and the output is the same (tested). A remote cluster
needs the output folder (and the inputs) on a file system every worker sees. dask, distributed and
dask-geopandas are imported inside the run (``pip install wanmi[dask]``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.enums import CELL_SCHEME_NAMES, DEFAULT_CELL_SCHEME, PARTITION_METHODS
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from .base import Capability, Param, Result

__all__ = ["BATCH", "partition_points", "run", "run_batch"]


@dataclass
class _Batch:
    """One batch run: where it writes, what it runs, and the stage results as they arrive."""

    out: Path
    codes: list[str]
    options: Any
    jurisdiction_path: Path
    outlines: Any
    crs: str
    case_kind: Any = None
    config: Any = None
    timings: dict[str, float] = field(default_factory=dict)
    futures: dict[str, Any] = field(default_factory=dict)


def _setup(jurisdiction: Any, layer: str | None, districts: Sequence[str] | None, options: Any, out: Path,
           roads: Any, roads_layer: str | None) -> _Batch:
    """Read and check the jurisdiction (and roads), fix the CRS, lattice and date once, and write what the
    tasks read into ``<out>/_work``; remove the run districts' stale outputs."""
    import geopandas as gpd

    from ..core.batch import district_outlines, prepare_jurisdiction, roads_of_districts
    from ..layers import batch_io as io

    out.mkdir(parents=True, exist_ok=True)
    jur = jurisdiction if isinstance(jurisdiction, gpd.GeoDataFrame) else \
        io.read_vector(jurisdiction, layer, "jurisdiction")
    jur, jcodes, opts = prepare_jurisdiction(jur, districts, options)
    work = io.work_dir(out)
    work.mkdir(exist_ok=True)
    jur_path = work / "jurisdiction.parquet"
    io.atomic_parquet(jur.assign(_district=jcodes), jur_path)
    outlines = district_outlines(jur)
    if opts.method != "regular":
        if roads is None:
            raise InputError("the street-block method needs the roads (road/river lines): give --roads")
        lines = roads if isinstance(roads, gpd.GeoDataFrame) else io.read_vector(roads, roads_layer, "roads")
        for code, part in roads_of_districts(lines, outlines).items():
            io.atomic_parquet(part, work / "roads" / f"{code}.parquet")
    codes = sorted(set(jcodes))
    io.clean_run_outputs(out, codes)
    return _Batch(out=out, codes=codes, options=opts, jurisdiction_path=jur_path, outlines=outlines,
                  crs=opts.crs)


def _case_kind(batch: _Batch, cases: Any, period: Any, evaluation_config: Any) -> None:
    """With cases: what the case tasks count (the period, the check limit of the weights)."""
    if cases is None:
        return
    from ..core.batch import Kind
    from ..core.evaluation import load_weights, parse_period

    config = evaluation_config if hasattr(evaluation_config, "kinds") else load_weights(evaluation_config)
    batch.case_kind = Kind("cases", parse_period(period), config.check_limit_hours)
    batch.config = config


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


def partition_points(client: Any, points: str | Path, districts: Any, out_dir: str | Path, crs: Any,
                     subdir: str | None = None) -> Any:
    """Stage 1 on ``client``: spatially partition ``points`` (GeoParquet) by ``districts``.

    Returns one row per written file: district_code (or ``"outside"``), chunk, path, n, plus the worker's
    pid and peak RSS. The chunk files an earlier run wrote for these districts (and for the points outside
    them) are removed first; other districts' folders and files the batch did not write stay.
    """
    import dask
    import pandas as pd
    import shapely

    from ..core.batch import pyproj_text
    from ..layers import batch_io as io
    from ..layers.batch_tasks import split_chunk

    subdir = subdir or io.POINTS_DIR
    out = Path(out_dir)
    for code in [*districts["district_code"].astype(str), io.OUTSIDE]:
        io.remove_own_files(io.point_dir(out, code, subdir))
    ddf = io.read_points_dataset(points)
    crs_text = pyproj_text(crs)
    d = districts.to_crs(crs_text) if not districts.crs.equals(crs_text) else districts
    bounds = tuple(float(v) for v in d.total_bounds)
    [wkb] = client.scatter([list(shapely.to_wkb(d.geometry.values))], broadcast=True)
    codes = list(d["district_code"].astype(str))
    tasks = [dask.delayed(split_chunk)(part, k, wkb, codes, crs_text, bounds, str(out), subdir,
                                       dask_key_name=f"split-{subdir}-{k}")
             for k, part in enumerate(ddf.to_delayed())]
    frames = client.compute(tasks, sync=True)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["district_code", "chunk", "path", "n", "halo", "points", "seconds", "pid", "peak_rss_mib"])


def _submit_assign(client: Any, batch: _Batch, table: Any, kind: Any, hook: Callable[[str, int], None] | None
                   ) -> dict[str, list[Any]]:
    """One assignment task per (district, chunk file) of ``table``, after the district's partition."""
    from ..layers.batch_io import OUTSIDE
    from ..layers.batch_tasks import assign_task

    futures: dict[str, list[Any]] = {c: [] for c in batch.codes}
    for row in table[table["district_code"] != OUTSIDE].itertuples():
        futures[row.district_code].append(client.submit(
            assign_task, row.district_code, row.path, int(row.chunk), str(batch.out), batch.options,
            batch.futures["partition"][row.district_code], hook, kind,
            key=f"assign-{kind.name}-{row.district_code}-{row.chunk}", pure=False))
    return futures


def _submit_components(client: Any, batch: _Batch, files: Any, hook: Callable[[str, int], None] | None) -> None:
    """Stages 3–4 for the components: assignment, the border halo, the per-district totals."""
    from ..core.batch import COMPONENTS
    from ..layers.batch_tasks import finalize_task, resolve_halo_task

    f = batch.futures
    f["assigned"] = _submit_assign(client, batch, files, COMPONENTS, hook)
    f["halo"] = client.submit(resolve_halo_task, str(batch.out), batch.codes,
                              [x for xs in f["assigned"].values() for x in xs], COMPONENTS,
                              key="resolve-halo-components", pure=False)
    f["finals"] = [client.submit(finalize_task, c, str(batch.out), f["assigned"][c], f["partition"][c], f["halo"],
                                 key=f"finalize-{c}", pure=False) for c in batch.codes]


def _submit_cases(client: Any, batch: _Batch, case_files: Any) -> None:
    """Stage 5: the cases overlaid per (district, chunk), evaluated per district and per department and
    supervisor over the whole batch (the cases outside every district counted for those too)."""
    from ..layers.batch_io import OUTSIDE
    from ..layers.batch_tasks import (
        count_outside_task,
        evaluate_district_task,
        evaluate_groups_task,
        resolve_halo_task,
    )

    f, kind, out = batch.futures, batch.case_kind, str(batch.out)
    f["overlaid"] = _submit_assign(client, batch, case_files, kind, None)
    overlaid = [x for xs in f["overlaid"].values() for x in xs]
    f["case_halo"] = client.submit(resolve_halo_task, out, batch.codes, overlaid, kind, key="resolve-halo-cases",
                                   pure=False)
    f["evals"] = [client.submit(evaluate_district_task, c, out, f["overlaid"][c], f["case_halo"], batch.config,
                                f["partition"][c], key=f"evaluate-{c}", pure=False) for c in batch.codes]
    outside = [client.submit(count_outside_task, row.path, kind, key=f"count-outside-{row.chunk}", pure=False)
               for row in case_files[case_files["district_code"] == OUTSIDE].itertuples()]
    f["groups"] = client.submit(evaluate_groups_task, out, overlaid, f["case_halo"], outside, batch.config,
                                key="evaluate-groups", pure=False)


def _collect(batch: _Batch, fb: Feedback) -> tuple[Any, list[dict[str, Any]]]:
    """Wait for the districts (progress per finished district): the per-district summary and the task
    statistics (worker pids and memory)."""
    import pandas as pd
    from distributed import as_completed, wait

    f = batch.futures
    summaries = []
    for n_done, fut in enumerate(as_completed(f["finals"]), 1):
        summaries.append(fut.result())
        fb.step(n_done, len(f["finals"]))
    wait([*f.get("evals", []), *([f["groups"]] if "groups" in f else [])])
    summary = pd.DataFrame(summaries).sort_values("district_code").reset_index(drop=True)
    stats = [x.result() for xs in f["assigned"].values() for x in xs] + [f["halo"].result()]
    if "evals" in f:
        ev = pd.DataFrame([x.result() for x in f["evals"]]).set_index("district_code")
        summary["cases"] = ev["cases"].reindex(summary["district_code"]).to_numpy()
        summary["evaluation_s"] = ev["evaluation_s"].reindex(summary["district_code"]).to_numpy()
        stats += [x.result() for xs in f["overlaid"].values() for x in xs] + [f["case_halo"].result()]
        stats += ev.reset_index().to_dict("records")
    return summary, stats


def _peak_memory(tables: Sequence[Any], stats: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Peak RSS (MiB) per worker process, over every task result."""
    rss: dict[str, float] = {}
    pairs = [pair for t in tables if t is not None for pair in zip(t["pid"], t["peak_rss_mib"])]
    pairs += [(s["pid"], s["peak_rss_mib"]) for s in stats if "pid" in s]
    for pid, mib in pairs:
        rss[str(pid)] = max(rss.get(str(pid), 0.0), float(mib))
    return rss


def _run_on_cluster(client: Any, batch: _Batch, points: Any, cases: Any, gpkg: tuple[bool, bool],
                    hook: Callable[[str, int], None] | None, fb: Feedback) -> dict[str, Any]:
    """Stages 1–6 on ``client``; the stage tables and results the summary is made of."""
    from ..layers.batch_io import CASES_DIR
    from ..layers.batch_tasks import merge_task, partition_task

    fb.info(f"batch: {len(batch.codes)} districts on {len(client.scheduler_info()['workers'])} dask workers")
    fb.window(0, 40)
    t0 = time.perf_counter()
    batch.futures["partition"] = {c: client.submit(partition_task, c, str(batch.jurisdiction_path), str(batch.out),
                                                   batch.options, key=f"partition-{c}", pure=False)
                                  for c in batch.codes}  # partitions start while the points are being split
    files = partition_points(client, points, batch.outlines, batch.out, batch.crs)
    case_files = partition_points(client, cases, batch.outlines, batch.out, batch.crs, CASES_DIR) \
        if batch.case_kind is not None else None
    batch.timings["split_points_s"] = time.perf_counter() - t0
    fb.step(1, 1)
    fb.window(40, 90)
    _submit_components(client, batch, files, hook)
    if case_files is not None:
        _submit_cases(client, batch, case_files)
    summary, stats = _collect(batch, fb)
    batch.timings["partition_assign_s"] = time.perf_counter() - t0 - batch.timings["split_points_s"]
    fb.window(90, 100)
    t1 = time.perf_counter()
    merged = client.submit(merge_task, str(batch.out), batch.codes, gpkg[0], gpkg[1],
                           summary.drop(columns=["pid", "peak_rss_mib"]), case_files is not None,
                           key="merge", pure=False).result()
    batch.timings["merge_s"] = time.perf_counter() - t1
    fb.step(1, 1)
    return {"files": files, "case_files": case_files, "summary": summary, "stats": [*stats, merged],
            "merged": merged}


def _result(batch: _Batch, stages: dict[str, Any], t_start: float, fb: Feedback) -> Any:
    """Write the points outside every district and ``districts.csv``; the :class:`BatchResult`."""
    from ..core.batch import BatchResult
    from ..layers import batch_io as io

    files, case_files, summary = stages["files"], stages["case_files"], stages["summary"]
    out = batch.out
    n_outside = int(files.loc[files["district_code"] == io.OUTSIDE, "n"].sum())
    n_points = int(files.drop_duplicates("chunk")["points"].sum()) if len(files) else 0
    io.merge_unassigned(out)
    io.write_summary(out, summary.drop(columns=["pid"]))
    rss = _peak_memory([files, summary, case_files], stages["stats"])
    batch.timings["total_s"] = time.perf_counter() - t_start
    n_cases = int(case_files.drop_duplicates("chunk")["points"].sum()) \
        if case_files is not None and len(case_files) else 0
    fb.info(f"batch: {summary['cells'].sum():,} cells, {n_points:,} points "
            f"({n_outside:,} outside every district), {n_cases:,} cases in {batch.timings['total_s']:.1f} s")
    with_cases = batch.case_kind is not None
    return BatchResult(
        out_dir=out, cells_path=out / io.CELLS_FILE, components_path=out / io.COMPONENTS_FILE,
        gpkg_path=Path(stages["merged"]["gpkg"]) if stages["merged"]["gpkg"] else None, districts=summary,
        n_points=n_points, n_outside=n_outside, timings=batch.timings, workers=rss,
        cases_path=out / io.CASES_FILE if with_cases else None,
        evaluation_path=out / io.EVALUATION_FILE if with_cases else None, n_cases=n_cases)


def run_batch(
    jurisdiction: Any,
    points: str | Path,
    out_dir: str | Path,
    *,
    layer: str | None = None,
    districts: Sequence[str] | None = None,
    options: Any = None,
    scheduler: str | Any | None = None,
    workers: int = 2,
    threads_per_worker: int = 1,
    memory_limit: str | None = None,
    gpkg: bool = True,
    gpkg_components: bool = True,
    cases: str | Path | None = None,
    period: Any = None,
    evaluation_config: Any = None,
    roads: Any = None,
    roads_layer: str | None = None,
    task_hook: Callable[[str, int], None] | None = None,
    feedback: Feedback | None = None,
) -> Any:
    """Partition many districts and assign a large point set to their cells on dask.distributed.

    ``jurisdiction``: communities (or whole districts) with codes as for :func:`~wanmi.core.grid.partition`
    — a GeoDataFrame or a file (GeoPackage/any OGR file, or GeoParquet). ``points``: a GeoParquet file or
    directory of component points (any columns; ``cell_code``/``community_code``/``street_code``/
    ``district_code`` are recomputed). ``districts``: only these district codes (the merged files then hold
    these districts; other districts' results under ``districts/`` and any file the batch did not write are
    kept). ``options``: a :class:`~wanmi.core.batch.BatchOptions`; its street-block ``method`` needs ``roads``
    (a GeoDataFrame or a file, ``roads_layer`` inside it). ``scheduler``: address of a running scheduler
    (``tcp://host:8786``) or a ``distributed.Client``; default a LocalCluster of ``workers`` processes.
    ``gpkg_components``: also put every component in the GeoPackage (slow for 10⁷ points; the GeoParquet
    always has them). ``cases``: a GeoParquet file/directory of cases (案卷) — overlaid on the cells and
    evaluated over ``period`` per cell, community, street and district (weights from ``evaluation_config``:
    a path or an EvaluationConfig). ``task_hook(district, chunk)`` runs at the start of every assignment task
    (instrumentation, fault injection). Returns a :class:`~wanmi.core.batch.BatchResult`.
    """
    from ..core.batch import BatchOptions, require_dask

    require_dask()
    fb = ensure(feedback)
    t_start = time.perf_counter()
    batch = _setup(jurisdiction, layer, districts, options or BatchOptions(), Path(out_dir), roads, roads_layer)
    _case_kind(batch, cases, period, evaluation_config)
    batch.timings["setup_s"] = time.perf_counter() - t_start
    with _client(scheduler, workers, threads_per_worker, memory_limit) as client:
        stages = _run_on_cluster(client, batch, points, cases, (gpkg, gpkg_components), task_hook, fb)
    return _result(batch, stages, t_start, fb)


# --------------------------------------------------------------------------------------------------
# The declaration: ``wanmi batch`` (command line only)
# --------------------------------------------------------------------------------------------------


def run(districts: str, points: str, out: str, layer: str | None = None, cases: str | None = None,
        period: str | None = None, weights: str | None = None, scheduler: str | None = None, workers: int = 2,
        only: str | None = None, method: str = "regular", roads: str | None = None, roads_layer: str | None = None,
        target_area: float = 10_000.0, sliver_ratio: float = 0.3, crs: str | None = None,
        scheme: str = DEFAULT_CELL_SCHEME, valid_from: str | None = None, no_gpkg: bool = False,
        no_gpkg_components: bool = False, feedback: Feedback | None = None) -> Result:
    """The batch of the command line: options checked, :func:`run_batch`, a summary of what it wrote."""
    from ..core.batch import BatchOptions

    if method not in PARTITION_METHODS:
        raise InputError(f"unknown partition method {method!r}; choose {', '.join(PARTITION_METHODS)}")
    if method != "regular" and not roads:
        raise InputError(f"the {method} method cuts the cells along roads: give the road/river lines with --roads")
    if workers < 1:
        raise InputError(f"--workers must be at least 1, got {workers}")
    warnings = (f"--roads is used only by the street-block method, not by {method}: ignored",) \
        if roads and method == "regular" else ()
    options = BatchOptions(method=method, target_area=target_area, sliver_ratio=sliver_ratio, code_scheme=scheme,
                           valid_from=valid_from, crs=crs)
    only_codes = [c.strip() for c in only.split(",") if c.strip()] if only else None
    result = run_batch(districts, points, out, layer=layer, options=options, districts=only_codes,
                       scheduler=scheduler, workers=workers, gpkg=not no_gpkg, gpkg_components=not no_gpkg_components,
                       cases=cases, period=period, evaluation_config=weights, roads=roads, roads_layer=roads_layer,
                       feedback=feedback)
    message = (f"wrote {result.n_cells:,} unit cells and {result.n_points - result.n_outside:,} components of "
               f"{len(result.districts)} districts to {result.out_dir} ({result.n_outside:,} points outside every "
               f"district) in {result.timings['total_s']:.1f} s")
    if result.evaluation_path is not None:
        message += f"\n  {result.n_cases:,} cases overlaid and evaluated: {result.cases_path}, {result.evaluation_path}"
    return Result({}, message, {"CELLS": result.n_cells, "COMPONENTS": result.n_points - result.n_outside,
                                "OUTSIDE": result.n_outside, "CASES": result.n_cases}, warnings=warnings)


def _p(name: str, kind: str, label: str, cli: str, help: str, **kw: Any) -> Param:
    """A command-line parameter (the batch has no Processing front end; its Processing name is the
    upper-case name, for completeness)."""
    return Param(name, kind, label, processing=name.upper(), cli=cli, help=help, **kw)


BATCH = Capability(
    name="batch",
    title="Province batch: partition many districts and assign components on dask",
    summary="partition many districts and assign components on dask (省级批量)",
    help=(
        "Partitions the communities of many districts into unit cells and assigns a large set of component "
        "points (and optionally cases, which are then evaluated) to them on a dask cluster, district by district, "
        "with results identical to the single-machine tools. Writes a folder: per-district results, one "
        "GeoParquet per output, a styled GeoPackage and districts.csv. Command line only: it starts a dask "
        "cluster and writes a folder of Parquet/GeoPackage files, while Processing runs on a QGIS worker thread."
    ),
    step="grid",
    fronts=("cli",),  # it starts a dask cluster and writes a folder of files; Processing runs on a QGIS worker thread
    params=(
        _p("districts", "file", "Jurisdiction", "districts",
           "the communities (or whole districts) of many districts, with their codes: a GeoPackage, any "
           "vector file or GeoParquet"),
        _p("layer", "string", "Layer", "--layer",
           "the layer inside the jurisdiction file (default: its first layer)", optional=True),
        _p("points", "file", "Component points", "--points",
           "a GeoParquet file or directory of component points (部件)"),
        _p("out", "folder", "Output folder", "--out",
           "the folder the batch writes: per district results, one GeoParquet per output, wanmi_batch.gpkg"),
        _p("cases", "file", "Cases", "--cases",
           "a GeoParquet file or directory of cases (案卷) to overlay and evaluate",
           optional=True),
        _p("period", "string", "Evaluation period", "--period",
           "the cases' evaluation period, e.g. 2025, 2025-Q1, 2025-03 (default all)", optional=True),
        _p("weights", "file", "Evaluation weights", "--weights",
           "a weights/grades file (JSON/TOML; default the built-in ones)", optional=True),
        _p("scheduler", "string", "Dask scheduler", "--scheduler",
           "the address of a running scheduler, e.g. tcp://host:8786 (default: a local cluster)", optional=True),
        _p("workers", "integer", "Workers", "--workers", "worker processes of the local cluster (default 2)", default=2,
           minimum=1),
        _p("only", "string", "Only these districts", "--only",
           "district codes (comma-separated); the merged files hold these, other districts' results "
           "under <out>/districts/ and files the batch did not write stay", optional=True),
        _p("method", "enum", "Partition method", "--method",
           "regular: squares of the lattice inside each community (default); street-block: blocks between "
           "roads (needs --roads)", default=PARTITION_METHODS[0], choices=PARTITION_METHODS,
           choice_labels=("Regular lattice", "Street blocks (needs roads)")),
        _p("roads", "file", "Roads", "--roads",
           "road/river lines for the street-block method: a GeoPackage, any vector file or GeoParquet",
           optional=True),
        _p("roads_layer", "string", "Roads layer", "--roads-layer",
           "the layer inside the roads file (default: its first layer)",
           optional=True),
        _p("target_area", "number", "Target cell area (m²)", "--target-area",
           "the cells' target area in m² (default 10000)",
           default=10_000.0, minimum=1.0),
        _p("sliver_ratio", "number", "Sliver ratio", "--sliver-ratio",
           "cells smaller than this share of the target area are merged (default 0.3)", default=0.3,
           minimum=0.0, maximum=1.5),
        _p("crs", "crs", "Metric CRS", "--crs",
           "one metric CRS for all districts (default: chosen once for the whole input)", optional=True),
        _p("scheme", "enum", "Cell code scheme", "--scheme",
           f"{' or '.join(CELL_SCHEME_NAMES)} (default {DEFAULT_CELL_SCHEME})",
           default=DEFAULT_CELL_SCHEME, choices=CELL_SCHEME_NAMES,
           choice_labels=("GB/T 30428 (15 digits)", "CJ/T 213 (14 digits)")),
        _p("valid_from", "string", "Valid from", "--valid-from",
           "the date the cells take effect (YYYY-MM-DD; default today)", optional=True),
        _p("no_gpkg", "bool", "No GeoPackage", "--no-gpkg", "write GeoParquet only, no wanmi_batch.gpkg"),
        _p("no_gpkg_components", "bool", "No components in the GeoPackage", "--no-gpkg-components",
           "leave the components out of the GeoPackage (they stay in components.parquet)"),
    ),
    outputs=(),
    numbers=(("CELLS", "Unit cells"), ("COMPONENTS", "Components assigned"),
             ("OUTSIDE", "Points outside every district"), ("CASES", "Cases")),
    tags=("省级批量", "全国批量", "单元网格", "网格划分", "部件赋码", "dask", "GeoParquet"),
    run=run,
)
