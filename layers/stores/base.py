"""The census store API shared by the GeoPackage and the PostGIS backends.

A store holds one component layer (``components``) plus its class table (``component_class``), status
history (``component_history``), code counters (``code_counters``), metadata (``census_meta``) and the code
registry (``code_registry``: every code ever stored, kept when its component is deleted, filled by database
triggers whoever writes). A code is never issued twice: allocation continues after the largest serial of the
counter, the components and the registry; an import carrying a code of the registry or the history whose
component is gone is rejected ("was retired"). All the
logic (validation, code allocation, status changes) lives here and in :mod:`wanmi.core.census`; a backend
only supplies a :class:`Session`: a transaction with a handful of primitive reads and writes. Both backends
therefore accept, reject and store exactly the same records.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...core.census import (
    RECORD_FIELDS,
    allocate_codes,
    area_key,
    area_segments,
    areas_from_cell_codes,
    change_status,
    validate_components,
)
from ...core.codes import CodeScheme, class_table, get_scheme, scheme_from_template
from ...core.dates import to_date
from ...core.errors import InputError, WanmiError
from ..files import staged_file
from ..schema import map_columns, max_lengths

__all__ = ["CensusStore", "CensusStoreError", "ImportResult", "Session"]

#: Version of the stored layout (tables and columns); kept in ``census_meta``.
SCHEMA_VERSION = "1"
DATE_COLUMNS = ("initial_date", "change_date")
GEOMETRY_TYPES = ("Point", "Geometry")
#: The code registry table (编码登记): one row per code ever stored, never deleted.
REGISTRY = "code_registry"


def class_sql(scheme: CodeScheme) -> str:
    """SQL (SQLite and PostgreSQL alike) for the class code (大类+小类) cut out of ``code``."""
    major, minor = (scheme.segment(name) for name in scheme.class_segments)
    return f"(substr(code, {major.start + 1}, {major.width}) || substr(code, {minor.start + 1}, {minor.width}))"


class CensusStoreError(WanmiError):
    """A store operation failed and was rolled back; the store is unchanged."""


@dataclass
class ImportResult:
    """Outcome of :meth:`CensusStore.import_components`.

    ``inserted``: codes stored, in input order. ``rejected``: the rejected records (all their columns, the
    input index) with ``problems`` (kinds) and ``reason`` (messages). ``problems``: one row per problem
    ``(row, code, field, problem, detail)``. ``allocated``: the codes newly allocated to records without one.
    ``rejects_path``: the reject file written with the import (``import_components(rejects=…)``), if any.
    """

    inserted: list[str]
    rejected: pd.DataFrame
    problems: pd.DataFrame
    allocated: list[str] = field(default_factory=list)
    rejects_path: Path | None = None

    @property
    def n_inserted(self) -> int:
        return len(self.inserted)

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    def write_rejects(self, path: str | Path) -> Path:
        """Write the rejected records to a CSV (UTF-8 with BOM, so Excel shows the Chinese text).

        For records read from a file (:func:`wanmi.layers.importers.read_components`): every column of the
        file with the values as read, then ``problems``, ``reason`` and ``source_line`` (the record's line
        in the file), so a fixed row re-imports with the same command like a correct first import. For
        records built in memory: ``row``, ``problems``, ``reason``, the columns and the WGS 84 ``lon``/``lat``
        (see :func:`wanmi.layers.importers.rejects_table`). Formula text is escaped.
        """
        from ..importers import rejects_table
        from ..safe_tables import write_csv

        rejected = self.rejected
        lines = rejected["source_row"] if "source_row" in rejected.columns else None
        return write_csv(rejects_table(rejected, lines), path)


class Session(ABC):
    """One backend transaction. ``ph`` is the parameter placeholder (``?`` or ``%s``)."""

    ph: str = "?"

    @abstractmethod
    def fetch(self, where: str = "", params: Sequence[Any] = ()) -> tuple[list[tuple], list[bytes | None]]:
        """Rows ``(RECORD_FIELDS…)`` and WKB geometries of the components matching ``where`` (SQL after
        WHERE, may be empty), ordered by code."""

    @abstractmethod
    def near(self, bounds: tuple[float, float, float, float]) -> tuple[list[tuple], list[bytes | None]]:
        """Like :meth:`fetch` for the components whose bounding box meets ``bounds`` (store CRS)."""

    @abstractmethod
    def codes(self) -> list[str]:
        """All component codes, sorted."""

    @abstractmethod
    def retired_codes(self) -> list[str]:
        """Codes of the registry or the history whose component is gone (never to be reissued)."""

    @abstractmethod
    def lock_counters(self, groups: Sequence[tuple[str, str]]) -> None:
        """Create missing ``(class_code, area)`` counters and lock them (sorted order, no deadlocks)."""

    @abstractmethod
    def counter_floor(self, class_code: str, area: str) -> int:
        """max(stored counter, largest serial of that class and area in the components and the registry)."""

    @abstractmethod
    def set_counter(self, class_code: str, area: str, serial: int) -> None:
        """Raise the counter of ``(class_code, area)`` to ``serial`` (never lowers it)."""

    @abstractmethod
    def insert(self, rows: list[tuple], wkb: list[bytes]) -> None:
        """Insert component rows (``RECORD_FIELDS`` order, dates as ``datetime.date``) with WKB geometries."""

    @abstractmethod
    def update_status(self, code: str, status: str, change_date: dt.date) -> None:
        """Set status and change_date of one component."""

    @abstractmethod
    def add_history(self, row: Mapping[str, Any]) -> None:
        """Append one ``component_history`` row (code, old_status, new_status, change_date, note)."""

    @abstractmethod
    def history(self, code: str | None) -> pd.DataFrame:
        """History rows (of one code or all), oldest first."""

    @abstractmethod
    def meta(self) -> dict[str, str]:
        """The ``census_meta`` key/value pairs."""

    def lock_components(self) -> None:  # noqa: B027 - optional hook
        """Serialise writers of the component table (PostGIS); a GeoPackage session is exclusive anyway."""


class CensusStore(ABC):
    """A component census store (部件普查库). Create it once with :meth:`create`, then import, read, change.

    Backends: :class:`~wanmi.layers.stores.geopackage.GeoPackageStore` (one file, transactions inside it) and
    :class:`~wanmi.layers.stores.postgis.PostgisStore` (one schema, constraints in the database).
    """

    #: Seconds to sleep between reading a code counter and writing it back. Zero in production; tests
    #: raise it to widen the window in which unlocked concurrent allocators would collide.
    _allocation_pause: float = 0.0

    def __init__(self) -> None:
        self._meta: dict[str, str] | None = None

    # ---- backend hooks ------------------------------------------------------------------------------
    @abstractmethod
    def _session(self, write: bool) -> Any:
        """Context manager yielding a :class:`Session`; committed on success, rolled back on error."""

    @abstractmethod
    def _create(self, meta: Mapping[str, str], scheme: CodeScheme, classes: pd.DataFrame,
                overwrite: bool) -> None:
        """Create the tables (one transaction) and store ``meta`` and the class table."""

    @abstractmethod
    def exists(self) -> bool:
        """True when the store has been created."""

    # ---- metadata ------------------------------------------------------------------------------------
    def _load_meta(self) -> dict[str, str]:
        if self._meta is None:
            if not self.exists():
                raise InputError(f"{self}: no component census here yet; call create(scheme) first")
            with self._session(write=False) as s:
                self._meta = s.meta()
        return self._meta

    @property
    def scheme(self) -> CodeScheme:
        """The code scheme the store was created with."""
        meta = self._load_meta()
        try:
            scheme = get_scheme(meta["scheme"])
            if scheme.template == meta["template"] and (scheme.directory or "") == meta.get("directory", ""):
                return scheme
        except InputError:
            pass
        return scheme_from_template(meta["template"], name=meta["scheme"],
                                    directory=meta.get("directory") or None,
                                    kind=meta.get("kind", "component"))

    @property
    def srid(self) -> int:
        return int(self._load_meta()["srid"])

    @property
    def crs(self) -> Any:
        import pyproj

        return pyproj.CRS.from_epsg(self.srid)

    @property
    def geometry_type(self) -> str:
        return self._load_meta().get("geometry_type", "Point")

    # ---- creation ------------------------------------------------------------------------------------
    def create(self, scheme: str | CodeScheme, crs: Any = "EPSG:4490", geometry_type: str = "Point",
               overwrite: bool = False) -> CensusStore:
        """Create the census tables for ``scheme`` (name or CodeScheme) storing geometries in ``crs``.

        ``crs`` must have an EPSG code (default EPSG:4490, CGCS2000 longitude/latitude as 表2's spatial data
        requires). ``geometry_type`` is ``Point`` (default; a QGIS point layer) or ``Geometry`` (points,
        lines and polygons). The class table is loaded from the scheme's class directory. An existing census
        is an error unless ``overwrite``.
        """
        import pyproj

        scheme = get_scheme(scheme)
        if not scheme.class_segments or scheme.segment_of_kind("serial") is None or scheme.directory is None:
            raise InputError(f"scheme {scheme.name} cannot number components: it needs major, minor and "
                             f"serial segments and a class directory")
        if scheme.kind != "component":
            raise InputError(f"scheme {scheme.name} codes {scheme.kind}s, not components")
        if geometry_type not in GEOMETRY_TYPES:
            raise InputError(f"geometry_type {geometry_type!r}: use one of {GEOMETRY_TYPES}")
        srid = pyproj.CRS.from_user_input(crs).to_epsg()
        if srid is None:
            raise InputError(f"CRS {crs!r} has no EPSG code; the store needs one (e.g. EPSG:4490)")
        meta = {
            "scheme": scheme.name, "template": scheme.template, "directory": scheme.directory or "",
            "kind": scheme.kind, "srid": str(srid), "geometry_type": geometry_type,
            "schema_version": SCHEMA_VERSION,
            "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        classes = class_table(scheme.directory, scheme.kind)
        self._create(meta, scheme, classes, overwrite)
        self._meta = None
        return self

    def create_if_missing(self, scheme: str | CodeScheme, crs: Any = "EPSG:4490",
                          geometry_type: str = "Point") -> bool:
        """:meth:`create` unless the store exists; True when this call created it. Safe when several
        processes race to create the same store: one creates it, the others use it."""
        if self.exists():
            return False
        try:
            self.create(scheme, crs=crs, geometry_type=geometry_type)
        except WanmiError:
            if self.exists():  # created by another process meanwhile
                self._meta = None
                return False
            raise
        return True

    # ---- reading -------------------------------------------------------------------------------------
    def _frame(self, rows: list[tuple], wkb: list[bytes | None]) -> Any:
        """GeoDataFrame of stored rows: text as object (None for NULL), dates as ``datetime.date``."""
        import geopandas as gpd
        import shapely

        columns = {}
        for i, name in enumerate(RECORD_FIELDS):
            values = np.empty(len(rows), dtype=object)
            values[:] = [r[i] for r in rows]
            if name in DATE_COLUMNS:
                values[:] = [_as_date(v) for v in values]
            columns[name] = pd.Series(values, dtype=object)
        geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if len(wkb) else np.array([], dtype=object)
        return gpd.GeoDataFrame(columns, geometry=gpd.GeoSeries(geoms, crs=self.crs), crs=self.crs)

    def read(self, where: str | Mapping[str, Any] | None = None) -> Any:
        """Components as a GeoDataFrame in the store CRS, ordered by code.

        ``where`` is a mapping ``{field: value or list of values}`` (portable, parameterised) or an SQL
        condition string for the backend (e.g. ``"status = '破损'"``).
        """
        self._load_meta()
        with self._session(write=False) as s:
            sql, params = _where_sql(where, s.ph)
            rows, wkb = s.fetch(sql, params)
        return self._frame(rows, wkb)

    def get(self, code: str) -> pd.Series | None:
        """The component with ``code`` as a Series (fields + geometry), or None."""
        found = self.read({"code": str(code)})
        return None if found.empty else found.iloc[0]

    def codes(self) -> list[str]:
        """All component codes, sorted."""
        self._load_meta()
        with self._session(write=False) as s:
            return s.codes()

    def history(self, code: str | None = None) -> pd.DataFrame:
        """Status history (``code, old_status, new_status, change_date, note, recorded_at``), oldest first."""
        self._load_meta()
        with self._session(write=False) as s:
            out = s.history(code)
        out["change_date"] = out["change_date"].map(_as_date).astype(object)
        return out

    # ---- writing -------------------------------------------------------------------------------------
    @contextmanager
    def _writing(self, what: str) -> Iterator[Session]:
        """A write session whose backend errors become CensusStoreError ("… rolled back")."""
        self._load_meta()
        try:
            with self._session(write=True) as s:
                yield s
        except WanmiError:
            raise
        except Exception as exc:
            if not _is_backend_error(exc):
                raise
            raise CensusStoreError(f"{what} failed and was rolled back; the store is unchanged: "
                                   f"{exc}") from exc

    def import_components(
        self,
        frame: Any,
        jurisdiction: Any = None,
        *,
        allocate: bool = False,
        area: str | int | Mapping[str, str | int] | None = None,
        min_distance: float = 0.5,
        known_admin: Iterable[str] | None = None,
        known_streets: Iterable[str] | None = None,
        today: dt.date | None = None,
        rejects: str | Path | None = None,
    ) -> ImportResult:
        """Validate ``frame`` (a GeoDataFrame of census records, any CRS) and store the valid records.

        Everything happens in one transaction: the checks of :func:`wanmi.core.census.validate_components`
        run against the codes and nearby components already stored, codes are allocated (with
        ``allocate=True``, for records that have a ``class_code`` but no ``code``; the street/admin part comes
        from ``area`` or else from each record's cell code), and the valid records are inserted. Any error
        rolls everything back and leaves the store unchanged. Columns may use Chinese labels, GB/T 47678.5
        abbreviations or CJ/T 214 names (see :func:`wanmi.layers.schema.map_columns`). With ``rejects`` the
        rejected records are written there (:meth:`ImportResult.write_rejects`) with the import: staged before
        the commit, renamed after it, so a reject list that cannot be written stores nothing.
        """
        frame = map_columns(_importable(frame))
        scheme = self.scheme
        with staged_file(rejects) as rejects_tmp, self._writing(f"import of {len(frame)} records") as s:
            s.lock_components()
            near = self._existing_near(s, frame, min_distance)
            report = validate_components(
                frame, scheme, jurisdiction, s.codes(), s.retired_codes(), existing=near,
                min_distance=min_distance, known_admin=known_admin, known_streets=known_streets,
                max_lengths=max_lengths(scheme), allow_missing_code=allocate, today=today,
            )
            if self.geometry_type == "Point":
                _reject_non_points(report)
            allocated = self._allocate_missing(s, report, area) if allocate else []
            if len(report.valid):
                self._insert(s, report.valid)
            result = ImportResult(
                inserted=[str(c) for c in report.valid["code"]],
                rejected=report.rejected,
                problems=report.problems,
                allocated=allocated,
            )
            if rejects_tmp is not None and result.n_rejected:
                _stage_rejects(result, rejects_tmp, Path(rejects))
                result.rejects_path = Path(rejects)
        return result

    def _insert(self, s: Session, valid: Any) -> None:
        """Insert validated records (in the store's CRS) and move the code counters of their classes and
        areas up to the largest serial inserted."""
        groups = _code_groups(self.scheme, valid["code"])
        s.lock_counters(sorted(set(zip(groups["class_code"], groups["area"]))))
        tops = groups.groupby(["class_code", "area"])["serial"].max()
        stored = valid.to_crs(self.crs)
        rows = list(zip(*(stored[name].to_numpy(dtype=object) for name in RECORD_FIELDS)))
        s.insert(rows, _wkb(stored.geometry.to_numpy(dtype=object)))
        for (class_code, key), top in tops.items():
            s.set_counter(class_code, key, int(top))

    def _existing_near(self, s: Session, frame: Any, tol: float) -> Any:
        """Stored components around the batch (its metric bounding box padded by ``2 * tol`` metres, carried
        into the store CRS), for the spacing checks."""
        import geopandas as gpd
        import pyproj

        from ...core.crs import to_metric

        geo = frame.geometry
        geo = geo[~(geo.isna() | geo.is_empty)]
        if not len(geo) or tol is None or tol <= 0:
            return None
        metric, metric_crs = to_metric(gpd.GeoDataFrame(geometry=geo))
        minx, miny, maxx, maxy = metric.total_bounds
        pad = 2.0 * tol
        to_store = pyproj.Transformer.from_crs(metric_crs, self.crs, always_xy=True)
        bounds = to_store.transform_bounds(minx - pad, miny - pad, maxx + pad, maxy + pad, densify_pts=21)
        if np.all(np.isfinite(bounds)):
            rows, wkb = s.near(tuple(float(v) for v in bounds))
        else:  # coordinates outside the projection's domain: compare with everything
            rows, wkb = s.fetch()
        return self._frame(rows, wkb)

    def _allocate_missing(self, s: Session, report: Any, area: Any) -> list[str]:
        """Give codes to valid records without one, grouped by (class, area), inside the session."""
        scheme = self.scheme
        frame = report.frame
        need = report.valid_mask & frame["code"].isna().to_numpy()
        if not need.any():
            return []
        rows = frame.index[need]
        if area is not None:
            keys = pd.Series(area_key(scheme, area), index=rows, dtype=object)
        else:
            keys = areas_from_cell_codes(scheme, frame.loc[rows, "cell_code"])
        missing = keys.isna().to_numpy()
        if missing.any():
            names = "+".join(seg.name for seg in area_segments(scheme))
            report.add_problems(rows[missing], "bad_code", "code",
                                f"no code given and the {names} part of a new code cannot be taken from "
                                f"cell_code; pass area= to allocate")
            rows, keys = rows[~missing], keys[~missing]
        if not len(rows):
            return []
        classes = frame.loc[rows, "class_code"].astype(str)
        groups = sorted(set(zip(classes, keys)))
        # serials already written in the batch (any record, even a rejected one: it may come back fixed)
        given = frame["code"].dropna().astype(str)
        given = given[given.str.fullmatch(f"[0-9]{{{scheme.length}}}")]
        in_batch = _code_groups(scheme, given).groupby(["class_code", "area"])["serial"].max()
        s.lock_counters(groups)
        codes = pd.Series(np.full(len(rows), None, dtype=object), index=rows, dtype=object)
        for class_code, key in groups:
            members = rows[((classes == class_code) & (keys == key)).to_numpy()]
            codes[members] = self._reserve(s, class_code, key, len(members),
                                           int(in_batch.get((class_code, key), 0)))
        frame.loc[rows, "code"] = codes
        return [str(c) for c in codes]

    def _reserve(self, s: Session, class_code: str, key: str, n: int, at_least: int = 0) -> list[str]:
        """Next ``n`` codes of a locked counter, after serial ``at_least``; the counter moves past them."""
        import time

        floor = max(s.counter_floor(class_code, key), at_least)
        if self._allocation_pause:
            time.sleep(self._allocation_pause)
        codes = allocate_codes(self.scheme, class_code, key, n, (), floor=floor)
        s.set_counter(class_code, key, floor + n)
        return codes

    def allocate_codes(self, class_code: str, street_or_admin: str | int | Mapping[str, str | int] | None,
                       n: int) -> list[str]:
        """Reserve the next ``n`` codes of ``class_code`` in a street (12-digit scheme) or district (16/17).

        Safe under concurrency: the ``(class, area)`` counter is locked for the transaction (PostGIS: row
        lock ``SELECT … FOR UPDATE``; GeoPackage: the ``BEGIN IMMEDIATE`` write lock), and serials continue
        after the largest ever used, so reserved and retired codes are never issued twice.
        """
        scheme = self.scheme
        key = area_key(scheme, street_or_admin)
        allocate_codes(scheme, class_code, key, 0)  # checks the class and the area before locking
        with self._writing(f"allocation of {n} codes") as s:
            s.lock_counters([(str(class_code), key)])
            return self._reserve(s, str(class_code), key, n)

    def set_status(self, code: str, status: str, date: Any = None, note: str | None = None,
                   today: dt.date | None = None) -> dict[str, Any]:
        """Change a component's status (状态变更): sets ``status`` and ``change_date`` (default today) and
        appends a ``component_history`` row, in one transaction. Returns the history row."""
        with self._writing(f"status change of {code}") as s:
            rows, _ = s.fetch(f"code = {s.ph}", [str(code)])
            if not rows:
                raise InputError(f"no component with code {code} in the census")
            record = dict(zip(RECORD_FIELDS, rows[0]))
            for name in DATE_COLUMNS:
                record[name] = _as_date(record[name])
            _, history = change_status(record, status, date, note, today=today)
            s.update_status(str(code), history["new_status"], history["change_date"])
            s.add_history(history)
        return history


# ----------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------


def _importable(frame: Any) -> Any:
    """``frame``, after refusing what cannot be imported: not a GeoDataFrame, no CRS, duplicate row labels."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError("import_components needs a GeoDataFrame "
                         "(see wanmi.layers.importers.read_components)")
    if frame.crs is None:
        raise InputError("the records have no CRS; set it (e.g. EPSG:4326 for GPS longitude/latitude)")
    if not frame.index.is_unique:
        raise InputError("the records' index has duplicate labels; reset it so problems can name rows")
    return frame


def _reject_non_points(report: Any) -> None:
    """Valid records that are not points become ``bad_geometry`` problems (a point census layer)."""
    geo = report.frame.geometry
    ok_geom = ~(geo.isna() | geo.is_empty)
    not_point = report.valid_mask & ok_geom.to_numpy() & (geo.geom_type != "Point").to_numpy()
    kinds = geo.geom_type.to_numpy(dtype=object)[not_point]
    report.add_problems(report.frame.index[not_point], "bad_geometry", "geometry",
                        [f"the census layer stores points, this record is a {k} (create the "
                         f"store with geometry_type='Geometry' for lines and polygons)" for k in kinds])


def _stage_rejects(result: ImportResult, tmp: Path, target: Path) -> None:
    """The reject list written to its staged name; a failure is one clear message (nothing is imported)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        result.write_rejects(tmp)
    except OSError as exc:
        raise InputError(f"cannot write the reject list {target} ({exc.strerror or exc}); "
                         f"nothing was imported") from exc


def _as_date(value: Any) -> dt.date | None:
    """Stored date (ISO text, date or datetime) as ``datetime.date``; None for NULL
    (:func:`wanmi.core.dates.to_date`)."""
    return to_date(value, "stored date")


def _wkb(geoms: np.ndarray) -> list[bytes]:
    import shapely

    return list(shapely.to_wkb(geoms, byte_order=1, output_dimension=2, flavor="iso"))


def _code_groups(scheme: CodeScheme, codes: pd.Series) -> pd.DataFrame:
    """Class code, area key and serial of full codes (vectorised string slicing)."""
    text = codes.astype(str).astype(object)  # object, not pandas 3's pyarrow "str" (no object + str)
    major, minor = (scheme.segment(name) for name in scheme.class_segments)
    serial = scheme.segment_of_kind("serial")
    area = pd.Series("", index=text.index, dtype=object)
    for seg in area_segments(scheme):
        area = area + text.str.slice(seg.start, seg.stop)
    return pd.DataFrame({
        "class_code": (text.str.slice(major.start, major.stop)
                       + text.str.slice(minor.start, minor.stop)).astype(object),
        "area": area.astype(object),
        "serial": text.str.slice(serial.start, serial.stop).astype("int64"),
    })


def _where_sql(where: str | Mapping[str, Any] | None, ph: str) -> tuple[str, list[Any]]:
    """SQL condition and parameters from a field mapping (values or lists) or a raw SQL string."""
    if where is None:
        return "", []
    if isinstance(where, str):
        return where, []
    clauses, params = [], []
    for name, value in where.items():
        if name not in RECORD_FIELDS:
            raise InputError(f"cannot filter on {name!r}: not a component field {list(RECORD_FIELDS)}")
        many = isinstance(value, (list, tuple, set, frozenset, np.ndarray, pd.Series))
        values = list(value) if many else [value]
        values = [v.isoformat() if isinstance(v, dt.date) and ph == "?" else v for v in values]
        if any(v is None for v in values):
            rest = [v for v in values if v is not None]
            part = f"{name} IS NULL"
            if rest:
                part = f"({part} OR {name} IN ({', '.join([ph] * len(rest))}))"
            clauses.append(part)
            params.extend(rest)
        elif not values:
            clauses.append("1 = 0")
        else:
            clauses.append(f"{name} IN ({', '.join([ph] * len(values))})")
            params.extend(values)
    return " AND ".join(clauses), params


def _is_backend_error(exc: BaseException) -> bool:
    """True for database errors (sqlite3, psycopg, GDAL/pyogrio) that should read as a rolled-back write."""
    import sqlite3

    if isinstance(exc, sqlite3.Error):
        return True
    module = type(exc).__module__ or ""
    return module.startswith(("psycopg", "pyogrio"))
