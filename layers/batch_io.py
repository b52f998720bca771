"""The files of a province batch (省级批量): its output folder, chunk files and the merged outputs.

Layout of the batch folder ``out``:

* ``partitioned_points/district=<code>/part-<chunk>.parquet`` (``outside/`` for points outside every
  district), the same under ``partitioned_cases/``: the input split by district, Hilbert-sorted;
* ``districts/<code>/``: ``cells_base.parquet`` (the partition), ``unit_cells.parquet`` (with
  ``component_count``), ``components/`` and ``cases/`` (``part-<chunk>.parquet`` and the resolved border
  points ``halo.parquet``), ``components_halo/``/``cases_halo/`` (the border points' copies),
  ``evaluation.parquet`` and ``partition_problems.parquet``;
* ``_work/``: the jurisdiction and roads as the tasks read them, the department/supervisor evaluation;
* the merged outputs: ``unit_cells.parquet``, ``components.parquet``, ``cases.parquet``,
  ``evaluation.parquet``, the GeoPackage ``wanmi_batch.gpkg`` (through :mod:`wanmi.layers.gpkg`, with the
  QGIS styles), ``districts.csv`` and ``unassigned_components.parquet``/``unassigned_cases.parquet``.

Every file is written under a deterministic name through a temporary file and an atomic rename, so a task
that is re-run (its worker died) simply replaces it; and the batch only ever removes files it recognises as
its own (:func:`is_own_file`), never a user's.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import shutil
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..core.errors import InputError

POINTS_DIR = "partitioned_points"
CASES_DIR = "partitioned_cases"
CASES_FILE = "cases.parquet"
EVALUATION_FILE = "evaluation.parquet"
DISTRICTS_DIR = "districts"
CELLS_FILE = "unit_cells.parquet"
BASE_CELLS_FILE = "cells_base.parquet"
COMPONENTS_FILE = "components.parquet"
GPKG_FILE = "wanmi_batch.gpkg"
SUMMARY_FILE = "districts.csv"
OUTSIDE = "outside"
PROBLEMS_FILE = "partition_problems.parquet"
WORK_DIR = "_work"
GROUPS_FILE = "evaluation_groups.parquet"
#: the layers of the batch GeoPackage; one a run does not write (no cases this time) is dropped from it
GPKG_LAYERS = ("unit_cells", "components", "cases", "evaluation", "districts")
_OWN_PARQUET = re.compile(r"(?:part-\d{5,}|halo)\.parquet")
_OWN_TEMP = re.compile(r"\.(?:part-\d{5,}|halo)\.parquet\.[0-9a-f]{32}\.tmp")


def peak_rss_mib() -> float:
    """Peak resident memory of this process (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def district_dir(out: Path, code: str) -> Path:
    return out / DISTRICTS_DIR / code


def point_dir(out: Path, code: str, subdir: str = POINTS_DIR) -> Path:
    return out / subdir / (OUTSIDE if code == OUTSIDE else f"district={code}")


def work_dir(out: Path) -> Path:
    return out / WORK_DIR


def atomic_parquet(frame: pd.DataFrame, path: Path, **kwargs: Any) -> None:
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


def points_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Point tables (components, cases) as GeoParquet with the native GeoArrow point encoding: about twice as
    fast to write and read as WKB. Other geometry types (lines, polygons) stay WKB."""
    types = shapely.get_type_id(frame.geometry.values)
    points = bool(len(frame)) and bool(np.isin(types, [-1, 0]).all())
    atomic_parquet(frame, path, geometry_encoding="geoarrow" if points else "WKB")


def is_own_file(path: Path, temporary: bool = True) -> bool:
    """A name the batch writes in its chunk folders: ``part-<k>.parquet``, ``halo.parquet`` or (with
    ``temporary``) the temporary file of one (see :func:`atomic_parquet`)."""
    own = _OWN_PARQUET.fullmatch(path.name) or (temporary and _OWN_TEMP.fullmatch(path.name))
    return bool(own) and not path.is_dir()


def own_files(folder: Path, pattern: str = "*.parquet") -> list[Path]:
    """The batch's own finished files in ``folder``, sorted."""
    return sorted(p for p in folder.glob(pattern) if is_own_file(p, temporary=False))


def remove_own_files(folder: Path) -> None:
    """Remove the batch's own files in ``folder`` (:func:`is_own_file`), then the folder if that left it
    empty. Anything else in it (a user's notes, another program's files) stays, and so does the folder."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if is_own_file(entry):
            entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()


def clean_run_outputs(out: Path, codes: Sequence[str]) -> None:
    """Before a run: remove what an earlier run of the districts ``codes`` wrote that this run may not write
    again (chunk files, evaluation, partition problems) and the batch-wide case outputs. Never anything of
    another district, and only files the batch recognises as its own."""
    for c in codes:
        ddir = district_dir(out, c)
        for sub in ("components", "components_halo", "cases", "cases_halo"):
            remove_own_files(ddir / sub)
        for name in (EVALUATION_FILE, PROBLEMS_FILE):
            (ddir / name).unlink(missing_ok=True)
    for path in (out / CASES_FILE, out / EVALUATION_FILE, work_dir(out) / GROUPS_FILE):
        path.unlink(missing_ok=True)


def read_vector(path: str | Path, layer: str | None, what: str) -> gpd.GeoDataFrame:
    """A layer the batch reads whole (the jurisdiction, the roads): GeoParquet, or any OGR file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{what} file {path} does not exist")
    if path.suffix.lower() == ".parquet" or path.is_dir():
        return gpd.read_parquet(path)
    return gpd.read_file(path, layer=layer, engine="pyogrio")


def read_cells(out: Path, code: str, columns: Sequence[str] | None = None, filters: Any = None
               ) -> gpd.GeoDataFrame:
    """A district's partition (``cells_base.parquet``), or some of its columns/rows."""
    return gpd.read_parquet(district_dir(out, code) / BASE_CELLS_FILE, columns=columns, filters=filters)


def rows(path: Path) -> int:
    """Rows of a Parquet file (0 when it does not exist)."""
    import pyarrow.parquet as pq

    return int(pq.read_metadata(path).num_rows) if path.exists() else 0


def read_points_dataset(src: str | Path) -> Any:
    """A GeoParquet file or directory of points as a dask-geopandas frame, one partition per row group (the
    batch streams it: no process holds more than one chunk)."""
    import dask_geopandas

    path = Path(src)
    if not path.exists():
        raise InputError(f"points file {path} does not exist")
    try:
        return dask_geopandas.read_parquet(str(path), split_row_groups=True)
    except Exception as exc:  # pyarrow/dask raise many exception types for a bad file
        raise InputError(f"{path}: not a readable GeoParquet file or dataset ({exc})") from exc


# --------------------------------------------------------------------------------------------------
# The merged outputs: one GeoParquet / GeoPackage (streamed, never all rows in memory)
# --------------------------------------------------------------------------------------------------


def _merged_schema(schemas: Sequence[Any], drop: Sequence[str]) -> Any:
    """The unified schema of GeoParquet files (a chunk whose codes are all missing has null-typed columns)
    with the "geo" metadata of the first, its bbox widened to all files."""
    import pyarrow as pa

    schema = pa.unify_schemas([s.remove_metadata() for s in schemas], promote_options="permissive")
    for name in drop:
        if name in schema.names:
            schema = schema.remove(schema.get_field_index(name))
    meta = [json.loads(s.metadata[b"geo"]) for s in schemas if s.metadata and b"geo" in s.metadata]
    if not (schemas[0].metadata and b"geo" in schemas[0].metadata):
        return schema
    geo = meta[0]
    col = geo["columns"][geo["primary_column"]]
    boxes = np.asarray([b for m in meta if (b := m["columns"][geo["primary_column"]].get("bbox"))], dtype=float)
    if len(boxes):
        col["bbox"] = [boxes[:, 0].min(), boxes[:, 1].min(), boxes[:, 2].max(), boxes[:, 3].max()]
    col["geometry_types"] = sorted({t for m in meta for t in m["columns"][geo["primary_column"]]
                                    .get("geometry_types", [])})
    return schema.with_metadata({b"geo": json.dumps(geo).encode()})


def concat_geoparquet(files: Sequence[Path], target: Path, drop: Sequence[str] = ()) -> int:
    """Stream GeoParquet ``files`` (same columns) into one file, row group by row group; returns rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = list(files)
    if not files:
        raise InputError(f"nothing to write to {target}")
    try:
        schema = _merged_schema([pq.read_schema(f) for f in files], drop)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # point files (GeoArrow) mixed with other geometries (WKB)
        return _concat_as_wkb(files, target, drop)
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
    """Slow path of :func:`concat_geoparquet`: re-encode every file as WKB, then stream them."""
    tmp_dir = target.with_name(f".{target.name}.{uuid.uuid4().hex}.wkb")
    tmp_dir.mkdir()
    try:
        wkb = []
        for i, f in enumerate(files):
            p = tmp_dir / f"{i:06d}.parquet"
            gpd.read_parquet(f).to_parquet(p, index=False, geometry_encoding="WKB")
            wkb.append(p)
        return concat_geoparquet(wkb, target, drop)
    finally:
        shutil.rmtree(tmp_dir, ignore_errors=True)


def iter_geoparquet(files: Iterable[Path]) -> Iterator[pd.DataFrame]:
    """One (Geo)DataFrame per file (the batch writes files of at most one points chunk each); a plain table
    (the evaluation) row group by row group. Missing files are skipped."""
    import pyarrow.parquet as pq

    for f in files:
        if not f.exists():
            continue
        pf = pq.ParquetFile(f)
        if b"geo" in (pf.schema_arrow.metadata or {}):
            yield gpd.read_parquet(f)
        else:
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


def _build_layer(tmp: Path, name: str, pieces: Iterable[pd.DataFrame]) -> bool:
    """Write the layer ``name`` into the private temporary GeoPackage ``tmp`` piece by piece: the first piece
    with :func:`~wanmi.layers.gpkg.write_layers`, every further one appended with
    :func:`~wanmi.layers.gpkg.copy_layers` (one piece in memory at a time). False when there was none."""
    from .files import temp_file
    from .gpkg import copy_layers, transaction, write_layers

    first = True
    for frame in pieces:
        if first:
            write_layers(tmp, {name: _dates_as_text(frame)})
            first = False
            continue
        with temp_file(tmp) as part:
            write_layers(part, {name: _dates_as_text(frame)})
            with transaction(tmp) as con:
                copy_layers(con, part, append=[name])
    return not first


def write_gpkg_streamed(target: Path, layers: Sequence[tuple[str, Sequence[Path] | pd.DataFrame]],
                        styles: Mapping[str, str | Path] | None = None) -> Path:
    """Write the batch GeoPackage ``target``: each layer from a table or streamed from GeoParquet files, with
    the QGIS ``styles``, through :mod:`wanmi.layers.gpkg` (a new file appears complete or not at all; into
    an existing one the layers are written in one transaction, and batch layers this run did not write are
    dropped so that no stale result of an earlier run remains)."""
    from .files import clean_orphans, publish_new, temp_file
    from .gpkg import copy_layers, drop_layer, store_styles, transaction

    target.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(target.parent)
    with temp_file(target) as tmp:
        names = [name for name, source in layers if _build_layer(
            tmp, name, [source] if isinstance(source, pd.DataFrame) else iter_geoparquet(source))]
        if styles:
            store_styles(tmp, {k: v for k, v in styles.items() if k in names})
        if not target.exists() and publish_new(tmp, target):
            return target
        with transaction(target) as con:
            for stale in set(GPKG_LAYERS) - set(names):
                drop_layer(con, stale, keep_style=False)
            copy_layers(con, tmp, replace=names, styles=bool(styles))
    return target


def write_summary(out: Path, summary: pd.DataFrame) -> Path:
    """``districts.csv``: the per-district summary. Numbers and digit-checked district codes only
    (jurisdiction_codes): no text a spreadsheet could run as a formula, so no escaping."""
    path = out / SUMMARY_FILE
    summary.to_csv(path, index=False)
    return path


def merge_unassigned(out: Path) -> None:
    """``unassigned_components.parquet`` / ``unassigned_cases.parquet``: the points outside every district
    (removed when there are none)."""
    for subdir, name in ((POINTS_DIR, "unassigned_components.parquet"), (CASES_DIR, "unassigned_cases.parquet")):
        outside = own_files(out / subdir / OUTSIDE, "part-*.parquet")
        if outside:
            concat_geoparquet(outside, out / name, drop=("_pid",))
        else:
            (out / name).unlink(missing_ok=True)
