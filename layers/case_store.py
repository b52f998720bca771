"""Case files (案卷) in and out: CSV/XLSX/GeoPackage import with a per-record report, and the ``cases`` layer.

:func:`read_cases` reads a case export as delivered (headers in English, Chinese labels or aliases — see
:func:`wanmi.core.cases.map_case_columns`; lon/lat columns, a WKT column, a vector layer, or no location at
all when the cases name components). :func:`import_cases` validates the records
(:func:`wanmi.core.cases.validate_cases`), appends the valid ones to the ``cases`` layer of a GeoPackage in one
transaction inside the file (:func:`wanmi.layers.gpkg.transaction`; a new store is written to a temporary file
and published only if its name is still free) and writes the rejected ones with their reasons to a CSV, staged
before the commit and renamed after it: a failure (or a cancel) leaves the store and the reject list exactly
as they were, and concurrent importers each store every record once.

The store's ``case_metadata`` table (key, value) records where the cases come from (``data_source``) and
whether they are synthetic (``synthetic`` = 1 for :func:`wanmi.core.cases.synthetic_cases` output).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..core.cases import CASE_FIELDS, TIME_FIELDS, CaseReport, normalize_cases, validate_cases
from ..core.crs import to_metric
from ..core.enums import WEB_COORD_SYSTEMS
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from .files import clean_orphans, publish_new, staged_file, temp_file
from .gpkg import write_gpkg
from .importers import (
    LAT_NAMES,
    LON_NAMES,
    TABLE_SUFFIXES,
    WKT_NAMES,
    _find_column,
    _points_from_table,
    _system,
    read_vector,
    rejects_table,
    vector_source,
)
from .importers import read_table as _read_table
from .safe_tables import write_csv

__all__ = ["CASE_LAYER", "META_LAYER", "CaseImportResult", "import_cases", "load_components", "read_case_metadata",
           "read_case_store", "read_cases", "write_cases"]

CASE_LAYER = "cases"
META_LAYER = "case_metadata"
#: Extra columns kept in the store next to :data:`CASE_FIELDS`.
EXTRA_COLUMNS = ("located_by", "synthetic", "cell_code", "community_code", "street_code", "district_code")


def read_cases(path: str | Path, layer: str | None = None, x: str | None = None, y: str | None = None,
               coords: str = "wgs84", sheet: str | int | None = None, *, encoding: str | None = None,
               metric: bool = True, metric_crs: Any = None) -> Any:
    """Case records from CSV/TSV, XLSX or a vector file (GeoPackage, GeoJSON …) as a GeoDataFrame.

    The index is the record's row in the file (spreadsheet row with the header as row 1; feature number for
    vector files), so validation problems name rows a user can find. Tables take lon/lat (or x/y, 经度/纬度)
    or WKT columns in ``coords`` (wgs84, cgcs2000, gcj02, bd09 or EPSG:<code>); a table without any
    location columns is allowed (cases placed at their components later). Bad coordinates become a message
    in column ``import_problem``. With ``metric`` the result is reprojected to a metric CRS.
    """
    import geopandas as gpd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    system = _system(coords)
    if path.suffix.lower() in TABLE_SUFFIXES:
        raw, rows = _read_table(path, sheet, encoding)
        has_xy = (_find_column(raw, x, LON_NAMES, "longitude/x") is not None
                  and _find_column(raw, y, LAT_NAMES, "latitude/y") is not None)
        if has_xy or _find_column(raw, None, WKT_NAMES, "WKT") is not None:
            geoms, problems, crs = _points_from_table(raw, x, y, system)
            # a case without a location may name a component instead: not an import problem by itself
            empty = np.array([isinstance(p, str) and p.startswith("no location") for p in problems])
            problems[empty] = None
        else:
            geoms = np.full(len(raw), None, dtype=object)
            problems = np.full(len(raw), None, dtype=object)
            crs = {"wgs84": "EPSG:4326", "cgcs2000": "EPSG:4490"}.get(system, "EPSG:4326" if
                                                                       system in WEB_COORD_SYSTEMS else system)
        frame = gpd.GeoDataFrame(raw, geometry=gpd.GeoSeries(geoms, index=raw.index, crs=crs), crs=crs)
        source = raw.attrs["source"]
    else:
        frame = read_vector(path, layer, encoding)
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([None] * len(frame), index=frame.index),
                                     crs=None)
        rows = np.arange(len(frame)) + 1
        problems = np.full(len(frame), None, dtype=object)
        source = vector_source(frame, rows, system)
        if system.startswith("EPSG:"):
            frame = frame.set_crs(system, allow_override=True)
        elif frame.crs is None:
            frame = frame.set_crs({"cgcs2000": "EPSG:4490"}.get(system, "EPSG:4326"))
    frame["import_problem"] = pd.Series(problems, index=frame.index, dtype=object)
    frame.index = pd.Index(rows, name="row")
    frame.attrs["source"] = source
    if metric:
        geo = frame.geometry
        if (~(geo.isna() | geo.is_empty)).any():
            frame, _ = to_metric(frame, metric_crs)
        elif metric_crs is not None:
            frame = frame.set_crs(metric_crs, allow_override=True)
    return frame


def read_case_store(path: str | Path, layer: str = CASE_LAYER) -> Any:
    """The ``cases`` layer of a GeoPackage, normalised (text fields, datetime64 timestamps)."""
    import geopandas as gpd
    import pyogrio

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    layers = [name for name, _ in pyogrio.list_layers(path)]
    if layer not in layers:
        raise InputError(f"{path}: no layer {layer!r} (layers: {', '.join(layers)})")
    frame = pyogrio.read_dataframe(path, layer=layer)
    out = normalize_cases(frame)
    if isinstance(out, gpd.GeoDataFrame):
        out.attrs.update(read_case_metadata(path))
    return out


def read_case_metadata(path: str | Path) -> dict[str, Any]:
    """``case_metadata`` key → value of a case store (``synthetic`` as bool); empty when there is none."""
    import pyogrio

    if META_LAYER not in {name for name, _ in pyogrio.list_layers(path)}:
        return {}
    table = pyogrio.read_dataframe(path, layer=META_LAYER)
    meta: dict[str, Any] = dict(zip(table["key"].astype(str), table["value"].astype(str)))
    if "synthetic" in meta:
        meta["synthetic"] = meta["synthetic"] in ("1", "true", "True")
    return meta


def _store_frame(cases: Any) -> Any:
    """Case columns in storage order (+ extras present, + geometry); datetimes as datetime64[ms]."""
    cols = [c for c in CASE_FIELDS if c in cases.columns] + [c for c in EXTRA_COLUMNS if c in cases.columns]
    out = cases[[*cols, cases.geometry.name]].copy()
    for name in TIME_FIELDS:
        if name in out.columns:
            out[name] = out[name].astype("datetime64[ms]")
    for name in out.columns:
        if name != out.geometry.name and out[name].dtype == object:
            out[name] = out[name].astype(object).where(out[name].notna(), None)
    return out


def _meta_table(meta: Mapping[str, Any], cases: Any, metadata: Mapping[str, Any] | None, count: int) -> pd.DataFrame:
    """The ``case_metadata`` table: stored ``meta`` updated from ``cases.attrs`` and ``metadata``."""
    meta = dict(meta)
    for key in ("synthetic", "data_source", "seed", "directory"):
        if key in getattr(cases, "attrs", {}):
            meta[key] = cases.attrs[key]
    meta.update(metadata or {})
    if "synthetic" in cases.columns and len(cases) and bool((cases["synthetic"] == 1).all()):
        meta["synthetic"] = True  # every record says so, even if the frame lost its attrs on the way
    meta.setdefault("synthetic", False)
    meta["updated"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    meta["count"] = count
    return pd.DataFrame({"key": list(meta), "value": [
        ("1" if v else "0") if isinstance(v, (bool, np.bool_)) else str(v) for v in meta.values()]})


def write_cases(path: str | Path, cases: Any, metadata: Mapping[str, Any] | None = None, *,
                layer: str = CASE_LAYER, extra_layers: Mapping[str, Any] | None = None) -> Path:
    """Write ``cases`` as layer ``layer`` of the GeoPackage ``path`` in one transaction, other layers kept.

    ``metadata`` (merged with ``cases.attrs`` ``synthetic``/``data_source``/``seed``) goes to the
    ``case_metadata`` table; ``extra_layers`` (name → frame, e.g. counts per cell) are written alongside.
    """
    path = Path(path)
    meta = read_case_metadata(path) if path.exists() else {}
    table = _meta_table(meta, cases, metadata, len(cases))
    layers = {layer: _store_frame(cases), META_LAYER: table, **dict(extra_layers or {})}
    return write_gpkg(path, layers)


@dataclass
class CaseImportResult:
    """Outcome of :func:`import_cases`: the validation report, how many records landed, the files."""

    report: CaseReport
    path: Path | None
    n_written: int
    n_rejected: int
    n_total: int
    rejects_path: Path | None = None

    @property
    def problems(self) -> pd.DataFrame:
        return self.report.problems


def _rejects_table(report: CaseReport, source: Any = None) -> pd.DataFrame:
    """Rejected records for the CSV: the file's columns as read + problems, reason, source_line (records
    read from a file: ``source`` is their :class:`~wanmi.layers.importers.SourceRecords`), else row,
    problems, reason, case fields, lon/lat (see :func:`wanmi.layers.importers.rejects_table`)."""
    rej = report.rejected
    return rejects_table(rej, rej.index if source is not None else None, source, fields=CASE_FIELDS)


def _write_rejects(report: CaseReport, source: Any, tmp: Path, target: Path) -> None:
    """The reject list (UTF-8 with BOM, for Excel; formula text escaped) at its staged name ``tmp``; a failure
    is one clear message and nothing is imported."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_csv(_rejects_table(report, source), tmp)
    except OSError as exc:
        raise InputError(f"cannot write the reject list {target} ({exc.strerror or exc}); "
                         f"nothing was imported") from exc


def _strict_check(report: CaseReport, strict: bool) -> None:
    n_bad = int((~report.valid_mask).sum())
    if strict and n_bad:
        first = report.problems.iloc[0]
        raise InputError(f"{n_bad} of {len(report.frame)} case records rejected (nothing written); first: row "
                         f"{first['row']} ({first['case_id']}): {first['detail']}")


def _stored_cases(con: Any) -> tuple[pd.Series | None, dict[str, str], Any]:
    """Inside a store transaction: the stored case ids (None without a ``cases`` layer), the stored
    ``case_metadata`` and the CRS of the ``cases`` layer."""
    from .gpkg import layer_srs

    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    ids = None
    if CASE_LAYER in tables:
        ids = pd.Series([r[0] for r in con.execute(f'SELECT case_id FROM "{CASE_LAYER}" WHERE case_id IS NOT NULL')],
                        dtype=object)
    meta = dict(con.execute(f'SELECT key, value FROM "{META_LAYER}"').fetchall()) if META_LAYER in tables else {}
    srs, crs = layer_srs(con, CASE_LAYER), None
    if srs:
        row = con.execute("SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
                          "WHERE srs_id = ?", (srs,)).fetchone()
        if row is not None:
            crs = f"EPSG:{row[1]}" if str(row[0]).upper() == "EPSG" else row[2]
    return ids, meta, crs


def _stage(tmp: Path, valid: Any, meta: Mapping[str, Any], metadata: Mapping[str, Any], count: int,
           new_store: bool) -> None:
    """The new records (store columns) and the updated ``case_metadata`` in a temporary GeoPackage."""
    from .gpkg import write_layers

    tmp.unlink(missing_ok=True)
    layers = {META_LAYER: _meta_table(meta, valid, metadata, count)}
    if len(valid) or new_store:
        layers = {CASE_LAYER: _store_frame(valid.reset_index(drop=True)), **layers}
    write_layers(tmp, layers)


def _import_new(out: Path, tmp: Path, validate: Any, strict: bool, metadata: Mapping[str, Any],
                fb: Feedback, stage_rejects: Any, source_name: str) -> CaseReport | None:
    """Import into a store that does not exist yet: a complete new file, published only if the name is
    still free. Returns the report, or None when another importer created the store meanwhile."""
    report = validate(None)
    _strict_check(report, strict)
    fb.step(6, 10)
    _stage(tmp, report.valid, {}, {"data_source": source_name, **metadata}, len(report.valid), new_store=True)
    stage_rejects(report)
    fb.check_canceled()
    return report if publish_new(tmp, out) else None


def _import_existing(out: Path, tmp: Path, validate: Any, strict: bool, metadata: Mapping[str, Any],
                     fb: Feedback, stage_rejects: Any, source_name: str) -> CaseReport:
    """Import into an existing file in one transaction: the duplicate check sees every stored id, the new
    records are appended, other layers and other programs' edits are untouched."""
    from .gpkg import copy_layers, transaction

    with transaction(out) as con:
        ids, meta, crs = _stored_cases(con)
        report = validate(ids)
        _strict_check(report, strict)
        fb.step(6, 10)
        valid = report.valid
        if crs is not None and valid.crs is not None and len(valid) and not valid.crs.equals(crs):
            valid = valid.to_crs(crs)
        if ids is None:  # a new cases layer: its data source is this file unless the caller names one
            metadata = {"data_source": source_name, **metadata}
        n_stored = 0 if ids is None else len(ids)
        _stage(tmp, valid, meta, metadata, n_stored + len(valid), new_store=ids is None)
        names = [CASE_LAYER] if len(valid) or ids is None else []
        copy_layers(con, tmp, replace=[META_LAYER], append=names)
        stage_rejects(report)
        fb.check_canceled()
    return report


def _run_import(out: Path | None, validate: Any, strict: bool, metadata: Mapping[str, Any], fb: Feedback,
                stage_rejects: Any, source_name: str) -> CaseReport:
    """Validate only (``out`` None), or import into a new or an existing store."""
    if out is None:
        report = validate(None)
        _strict_check(report, strict)
        stage_rejects(report)
        return report
    out.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(out.parent)
    with temp_file(out) as tmp:
        if not out.exists():
            report = _import_new(out, tmp, validate, strict, metadata, fb, stage_rejects, source_name)
            if report is not None:
                return report
        return _import_existing(out, tmp, validate, strict, metadata, fb, stage_rejects, source_name)


def import_cases(
    source: Any,
    out: str | Path | None,
    components: Any = None,
    jurisdiction: Any = None,
    rejects: str | Path | None = None,
    *,
    class_codes: Any = None,
    columns: Mapping[str, str] | None = None,
    strict: bool = False,
    metadata: Mapping[str, Any] | None = None,
    feedback: Feedback | None = None,
    **read_kwargs: Any,
) -> CaseImportResult:
    """Import case records into the ``cases`` layer of the GeoPackage ``out`` (created if needed).

    ``source``: a file for :func:`read_cases` (``read_kwargs``: layer, x, y, coords, sheet, encoding) or a
    (Geo)DataFrame. ``components``: the census (GeoDataFrame, or a census GeoPackage path) for placement
    and the component checks; ``jurisdiction``: polygons (GeoDataFrame or path). Records already in the
    store (same ``case_id``) are rejected as duplicates. Valid records are appended to the store and the
    rejected ones written to ``rejects`` (CSV: row, problems, reason, fields, lon/lat). With ``strict`` a
    single rejected record stops the import (InputError) and nothing is written. ``out=None`` only
    validates. The inputs are read and checked before anything is written; the store is changed in one
    transaction inside the file (concurrent importers are serialised, each record stored once), and the
    reject list is staged before the commit and renamed after it: either everything is written or nothing.
    """
    import geopandas as gpd

    fb = ensure(feedback)
    fb.step(0, 10)
    frame = read_cases(source, **read_kwargs) if isinstance(source, (str, Path)) else source
    if not len(frame):
        raise InputError(f"{source if isinstance(source, (str, Path)) else 'the table'}: no case records to import")
    components = load_components(components)
    if isinstance(jurisdiction, (str, Path)):
        jurisdiction = gpd.read_file(jurisdiction, engine="pyogrio")
    fb.step(2, 10)

    def validate(ids: Any) -> CaseReport:
        return validate_cases(frame, jurisdiction=jurisdiction, components=components, class_codes=class_codes,
                              existing_ids=ids, columns=columns)

    rejects_path = Path(rejects) if rejects is not None else None
    if rejects_path is not None:
        clean_orphans(rejects_path.parent)
    source_name = str(source) if isinstance(source, (str, Path)) else "imported table"
    out_path = Path(out) if out is not None else None
    with staged_file(rejects_path) as rejects_tmp:  # renamed into place after the store's commit

        def stage_rejects(report: CaseReport) -> None:
            if rejects_tmp is not None and rejects_path is not None:
                _write_rejects(report, frame.attrs.get("source"), rejects_tmp, rejects_path)

        report = _run_import(out_path, validate, strict, dict(metadata or {}), fb, stage_rejects, source_name)
    published = rejects_path if rejects_path is not None and rejects_path.exists() else None
    fb.step(10, 10)
    n_valid = int(report.valid_mask.sum())
    return CaseImportResult(report, out_path, n_valid if out_path is not None else 0, len(report.frame) - n_valid,
                            len(report.frame), published)


def load_components(components: Any) -> Any:
    """A census GeoDataFrame from a GeoDataFrame, a census store (GeoPackage path or PostgreSQL connection
    string: ``postgresql://…``, ``host=… dbname=…``, ``service=…``) or any vector file path."""
    if components is None or not isinstance(components, (str, Path)):
        return components
    from .dsn import is_dsn
    from .stores.geopackage import GeoPackageStore

    if is_dsn(str(components)):  # never a file name: an unreadable connection string is refused
        from .census_store import open_store

        return open_store(str(components)).read()
    path = Path(components)
    if not path.exists():
        raise InputError(f"{path}: no such census file")
    if path.suffix.lower() == ".gpkg":
        store = GeoPackageStore(path)
        if store.exists():
            return store.read()
    import geopandas as gpd

    return gpd.read_file(path, engine="pyogrio")
