"""GeoPackage census store: one file, QGIS-native, every write one transaction inside the file.

Each write (import, allocation, status change) is one SQLite transaction in the file itself
(:func:`wanmi.layers.gpkg.transaction`: ``BEGIN IMMEDIATE`` with a busy timeout): concurrent writers in any
number of processes are serialised by SQLite, all rows go in or none, and other layers and other programs'
committed edits are untouched (QGIS may have the file open, in WAL or rollback-journal mode). A new census is
built in a temporary file and published under the store's name only if nothing took it meanwhile; a census
added to an existing project file is created inside that file in one transaction.

Layout: layer ``components`` (GDAL-created, R-tree spatial index, unique index on ``code``, CHECK constraints
on code format, class/code agreement, status, dates and lengths, foreign key to ``component_class``), the
attribute tables ``component_class``, ``component_history``, ``code_counters``, ``census_meta`` and
``code_registry`` (every code ever stored, filled by triggers on ``components`` so that deletions by any
program keep it: a retired code is never issued again), and the default QGIS style in ``layer_styles``.
Rows are written with plain :mod:`sqlite3`; the GeoPackage geometry blobs are encoded here and the ``ST_*``
functions used by GDAL's R-tree triggers are registered on each connection.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import struct
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...core.census import RECORD_FIELDS, STATUSES, area_segments
from ...core.codes import CodeScheme
from ...core.errors import InputError
from ..files import clean_orphans, publish_new, temp_file
from ..gpkg import blob_wkb, connect, copy_layers, drop_layer, store_styles, transaction, write_layers
from ..schema import FIELDS_BY_NAME, max_lengths
from .base import REGISTRY, CensusStore, Session, class_sql

__all__ = ["GeoPackageStore", "blob_wkb", "connect", "encode_blobs"]

TABLE = "components"
GEOM = "geom"
CENSUS_TABLES = (TABLE, "component_class", "component_history", "code_counters", "census_meta", REGISTRY)


# ----------------------------------------------------------------------------------------------------
# GeoPackage geometry blobs
# ----------------------------------------------------------------------------------------------------


def encode_blobs(wkb: Sequence[bytes], geoms: np.ndarray, srid: int) -> list[bytes]:
    """GeoPackage geometry blobs: ``GP`` header (little-endian, SRS id, XY envelope except for points)
    followed by the WKB."""
    import shapely

    bounds = shapely.bounds(geoms)
    points = shapely.get_type_id(geoms) == 0
    point_header = b"GP\x00\x01" + struct.pack("<i", srid)
    env_header = b"GP\x00\x03" + struct.pack("<i", srid)
    out = []
    for i, blob in enumerate(wkb):
        if points[i]:
            out.append(point_header + blob)
        else:
            minx, miny, maxx, maxy = bounds[i]
            out.append(env_header + struct.pack("<4d", minx, maxx, miny, maxy) + blob)
    return out


# ----------------------------------------------------------------------------------------------------
# Session
# ----------------------------------------------------------------------------------------------------

_SELECT = ", ".join(f'"{c}"' for c in RECORD_FIELDS) + f', "{GEOM}"'


class _GpkgSession(Session):
    ph = "?"

    def __init__(self, con: sqlite3.Connection, store: GeoPackageStore) -> None:
        self.con = con
        self.store = store

    def _rows(self, sql: str, params: Sequence[Any]) -> tuple[list[tuple], list[bytes | None]]:
        rows = self.con.execute(sql, list(params)).fetchall()
        return [r[:-1] for r in rows], [blob_wkb(r[-1]) for r in rows]

    def fetch(self, where: str = "", params: Sequence[Any] = ()) -> tuple[list[tuple], list[bytes | None]]:
        sql = f"SELECT {_SELECT} FROM {TABLE}" + (f" WHERE {where}" if where else "") + " ORDER BY code"
        return self._rows(sql, params)

    def near(self, bounds: tuple[float, float, float, float]) -> tuple[list[tuple], list[bytes | None]]:
        minx, miny, maxx, maxy = bounds
        sql = (f"SELECT {_SELECT} FROM {TABLE} WHERE fid IN (SELECT id FROM rtree_{TABLE}_{GEOM} "
               f"WHERE minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?) ORDER BY code")
        return self._rows(sql, [maxx, minx, maxy, miny])

    def codes(self) -> list[str]:
        return [r[0] for r in self.con.execute(f"SELECT code FROM {TABLE} ORDER BY code")]

    def retired_codes(self) -> list[str]:
        sql = (f"SELECT code FROM {REGISTRY} UNION SELECT code FROM component_history "
               f"EXCEPT SELECT code FROM {TABLE} ORDER BY 1")
        return [r[0] for r in self.con.execute(sql)]

    def lock_counters(self, groups: Sequence[tuple[str, str]]) -> None:
        self.con.executemany("INSERT OR IGNORE INTO code_counters (class_code, area, last_serial) "
                             "VALUES (?, ?, 0)", sorted(groups))

    def counter_floor(self, class_code: str, area: str) -> int:
        stored = self.con.execute("SELECT last_serial FROM code_counters WHERE class_code = ? AND area = ?",
                                  (class_code, area)).fetchone()
        area_expr, serial = self.store._code_parts()
        used = [self.con.execute(f"SELECT max(CAST({serial} AS INTEGER)) FROM {table} "
                                 f"WHERE class_code = ? AND {area_expr} = ?", (class_code, area)).fetchone()[0]
                for table in (TABLE, REGISTRY)]  # deleted components' codes count too
        return max([int(stored[0]) if stored else 0, *(int(u) for u in used if u)])

    def set_counter(self, class_code: str, area: str, serial: int) -> None:
        self.con.execute("UPDATE code_counters SET last_serial = max(last_serial, ?) "
                         "WHERE class_code = ? AND area = ?", (serial, class_code, area))

    def insert(self, rows: list[tuple], wkb: list[bytes]) -> None:
        """Insert rows; the R-tree is filled in one batch from vectorised bounds instead of by GDAL's
        per-row trigger (4x faster). The trigger is dropped and recreated inside the same transaction."""
        import shapely

        if not rows:
            return
        geoms = shapely.from_wkb(np.array(wkb, dtype=object))
        blobs = encode_blobs(wkb, geoms, self.store.srid)
        date_pos = [RECORD_FIELDS.index(c) for c in ("initial_date", "change_date")]
        values = []
        for row, blob in zip(rows, blobs):
            row = list(row)
            for p in date_pos:
                row[p] = row[p].isoformat() if isinstance(row[p], dt.date) else row[p]
            values.append((*row, blob))
        cols = ", ".join(f'"{c}"' for c in (*RECORD_FIELDS, GEOM))
        marks = ", ".join("?" * (len(RECORD_FIELDS) + 1))
        rtree, trigger = f"rtree_{TABLE}_{GEOM}", f"rtree_{TABLE}_{GEOM}_insert"
        trigger_sql = self.con.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?",
                                       (trigger,)).fetchone()
        last_fid = self.con.execute(f"SELECT coalesce(max(fid), 0) FROM {TABLE}").fetchone()[0]
        if trigger_sql is not None:
            self.con.execute(f'DROP TRIGGER "{trigger}"')
        self.con.executemany(f"INSERT INTO {TABLE} ({cols}) VALUES ({marks})", values)
        if trigger_sql is not None:
            fids = [r[0] for r in self.con.execute(f"SELECT fid FROM {TABLE} WHERE fid > ? ORDER BY fid",
                                                   (last_fid,))]
            if len(fids) != len(values):
                raise RuntimeError(f"expected {len(values)} new features, found {len(fids)}")
            bounds = shapely.bounds(geoms)
            keep = ~shapely.is_empty(geoms)
            self.con.executemany(
                f'INSERT OR REPLACE INTO "{rtree}" (id, minx, maxx, miny, maxy) VALUES (?, ?, ?, ?, ?)',
                ((fid, b[0], b[2], b[1], b[3]) for fid, b, k in zip(fids, bounds.tolist(), keep) if k))
            self.con.execute(trigger_sql[0])
        self.store._touch_contents(self.con)

    def update_status(self, code: str, status: str, change_date: dt.date) -> None:
        self.con.execute(f"UPDATE {TABLE} SET status = ?, change_date = ? WHERE code = ?",
                         (status, change_date.isoformat(), code))

    def add_history(self, row: Mapping[str, Any]) -> None:
        self.con.execute("INSERT INTO component_history (code, old_status, new_status, change_date, note) "
                         "VALUES (?, ?, ?, ?, ?)",
                         (row["code"], row["old_status"], row["new_status"], row["change_date"].isoformat(),
                          row.get("note")))

    def history(self, code: str | None) -> pd.DataFrame:
        sql = ("SELECT code, old_status, new_status, change_date, note, recorded_at FROM component_history"
               + (" WHERE code = ?" if code is not None else "") + " ORDER BY fid")
        rows = self.con.execute(sql, [code] if code is not None else []).fetchall()
        cols = ["code", "old_status", "new_status", "change_date", "note", "recorded_at"]
        return pd.DataFrame({c: pd.Series([r[i] for r in rows], dtype=object) for i, c in enumerate(cols)})

    def meta(self) -> dict[str, str]:
        return dict(self.con.execute("SELECT key, value FROM census_meta").fetchall())


# ----------------------------------------------------------------------------------------------------
# Store
# ----------------------------------------------------------------------------------------------------


class GeoPackageStore(CensusStore):
    """Component census in a GeoPackage file (the project's file may already hold other layers)."""

    def __init__(self, path: str | Path) -> None:
        super().__init__()
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"GeoPackageStore({str(self.path)!r})"

    def exists(self) -> bool:
        if not self.path.exists():
            return False
        con = connect(self.path, read_only=True)
        try:
            return con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'census_meta'"
                               ).fetchone() is not None
        except sqlite3.DatabaseError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            raise InputError(f"{self.path} is not a GeoPackage ({exc}); choose another file name") from exc
        finally:
            con.close()

    def _code_parts(self) -> tuple[str, str]:
        """SQLite expressions for the area digits and the serial of ``code``."""
        scheme = self.scheme
        parts = [f"substr(code, {s.start + 1}, {s.width})" for s in area_segments(scheme)]
        serial = scheme.segment_of_kind("serial")
        return (" || ".join(parts) or "''"), f"substr(code, {serial.start + 1}, {serial.width})"

    @staticmethod
    def _touch_contents(con: sqlite3.Connection) -> None:
        """Refresh the layer extent and change time in gpkg_contents (QGIS reads the extent from there)."""
        con.execute(
            f"UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), "
            f"min_x = (SELECT min(minx) FROM rtree_{TABLE}_{GEOM}), "
            f"max_x = (SELECT max(maxx) FROM rtree_{TABLE}_{GEOM}), "
            f"min_y = (SELECT min(miny) FROM rtree_{TABLE}_{GEOM}), "
            f"max_y = (SELECT max(maxy) FROM rtree_{TABLE}_{GEOM}) WHERE table_name = '{TABLE}'"
        )

    @contextmanager
    def _session(self, write: bool) -> Iterator[_GpkgSession]:
        if not write:
            con = connect(self.path, read_only=True)
            try:
                yield _GpkgSession(con, self)
            finally:
                con.close()
            return
        clean_orphans(self.path.parent)
        with transaction(self.path) as con:
            ensure_registry(con, self.scheme)
            yield _GpkgSession(con, self)

    def _create(self, meta: Mapping[str, str], scheme: CodeScheme, classes: pd.DataFrame,
                overwrite: bool) -> None:
        """Build the census in a temporary file; publish it as a new file, or copy its tables into the
        existing file in one transaction (after checking, under the lock, that no census is there yet)."""
        import geopandas as gpd

        from .. import STYLES_DIR

        self.path.parent.mkdir(parents=True, exist_ok=True)
        clean_orphans(self.path.parent)
        with temp_file(self.path) as tmp:
            empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=f"EPSG:{meta['srid']}"))
            empty.attrs["geometry_type"] = "Point" if meta["geometry_type"] == "Point" else "Unknown"
            write_layers(tmp, {TABLE: empty})  # GDAL defaults: geometry "geom", FID "fid", R-tree
            qml = STYLES_DIR / "components.qml"
            with transaction(tmp) as con:
                _create_tables(con, scheme, meta, classes)
                if qml.exists():
                    store_styles(con, {TABLE: qml})
            if not self.path.exists() and publish_new(tmp, self.path):
                return
            with transaction(self.path) as con:
                tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                found = sorted(tables & set(CENSUS_TABLES))
                if found and not overwrite:
                    raise InputError(f"{self.path} already holds a component census (tables {found}); "
                                     f"open it with GeoPackageStore(path) or pass overwrite=True")
                for name in (REGISTRY, "component_history", "code_counters", "census_meta", TABLE,
                             "component_class"):
                    if name in tables:
                        drop_layer(con, name, keep_style=False)
                copy_layers(con, tmp, replace=["component_class", TABLE, "component_history", "code_counters",
                                               "census_meta", REGISTRY], styles=True)


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _create_tables(con: sqlite3.Connection, scheme: CodeScheme, meta: Mapping[str, str],
                   classes: pd.DataFrame) -> None:
    """Attribute tables, the census columns with their constraints, indexes and metadata (one transaction)."""
    major, minor = (scheme.segment(n) for n in scheme.class_segments)
    width = major.width + minor.width
    con.execute(f"""CREATE TABLE component_class (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        class_code TEXT({width}) NOT NULL UNIQUE CHECK (length(class_code) = {width}
            AND class_code NOT GLOB '*[^0-9]*'),
        major TEXT({major.width}) NOT NULL, minor TEXT({minor.width}) NOT NULL,
        name_zh TEXT NOT NULL, major_name_zh TEXT,
        CHECK (class_code = major || minor))""")
    con.executemany("INSERT INTO component_class (class_code, major, minor, name_zh, major_name_zh) "
                    "VALUES (?, ?, ?, ?, ?)",
                    classes[["code", "major", "minor", "name_zh", "major_name_zh"]].itertuples(index=False))
    lengths = max_lengths(scheme)
    for name in RECORD_FIELDS:
        con.execute(f"ALTER TABLE {TABLE} ADD COLUMN {_column_sql(name, scheme, lengths)}")
    con.execute(f"CREATE UNIQUE INDEX {TABLE}_code_uq ON {TABLE} (code)")
    con.execute(f"CREATE INDEX {TABLE}_class_idx ON {TABLE} (class_code)")
    con.execute(f"""CREATE TABLE component_history (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        code TEXT({scheme.length}) NOT NULL REFERENCES {TABLE} (code),
        old_status TEXT(10), new_status TEXT(10) NOT NULL CHECK (new_status IN ({_sql_list(STATUSES)})),
        change_date DATE NOT NULL, note TEXT(1000),
        recorded_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))""")
    con.execute("CREATE INDEX component_history_code_idx ON component_history (code)")
    con.execute(f"""CREATE TABLE code_counters (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
        class_code TEXT({width}) NOT NULL REFERENCES component_class (class_code),
        area TEXT NOT NULL, last_serial INTEGER NOT NULL DEFAULT 0 CHECK (last_serial >= 0),
        UNIQUE (class_code, area))""")
    con.execute("""CREATE TABLE census_meta (
        fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, key TEXT NOT NULL UNIQUE, value TEXT NOT NULL)""")
    con.executemany("INSERT INTO census_meta (key, value) VALUES (?, ?)", sorted(meta.items()))
    _describe_tables(con, scheme)
    ensure_registry(con, scheme)


def _column_sql(name: str, scheme: CodeScheme, lengths: Mapping[str, int]) -> str:
    """Definition of census column ``name``: type, class reference and CHECK (mandatory, length or ISO date,
    code format, class agreeing with the code, known status, change not before the initial date)."""
    major, minor = (scheme.segment(n) for n in scheme.class_segments)
    serial = scheme.segment_of_kind("serial")
    spec = FIELDS_BY_NAME[name]
    checks = []
    if spec.mandatory or name == "class_code":
        checks.append(f'"{name}" IS NOT NULL')
    if spec.type == "date":
        sql_type = "DATE"
        iso = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
        checks.append(f"\"{name}\" IS NULL OR \"{name}\" GLOB '{iso}'")
    else:
        sql_type = f"TEXT({lengths[name]})"
        checks.append(f'length("{name}") <= {lengths[name]}')
    if name == "code":
        checks.append(f"length(code) = {scheme.length} AND code NOT GLOB '*[^0-9]*' "
                      f"AND substr(code, {serial.start + 1}, {serial.width}) <> '{'0' * serial.width}'")
    elif name == "class_code":
        checks.append(f"class_code = substr(code, {major.start + 1}, {major.width}) || "
                      f"substr(code, {minor.start + 1}, {minor.width})")
    elif name == "status":
        checks.append(f"status IN ({_sql_list(STATUSES)})")
    elif name == "change_date":
        checks.append("change_date IS NULL OR change_date >= initial_date")
    check = " AND ".join(f"({c})" for c in checks)
    ref = " REFERENCES component_class (class_code)" if name == "class_code" else ""
    return f'"{name}" {sql_type}{ref} CHECK ({check})'


def _describe_tables(con: sqlite3.Connection, scheme: CodeScheme) -> None:
    """Register the attribute tables in ``gpkg_contents`` and describe the components table."""
    descriptions = {
        "component_class": "部件分类 (class directory of the code scheme)",
        "component_history": "部件状态变更记录 (status history)",
        "code_counters": "部件编码流水号计数器 (last serial per class and street/district)",
        "census_meta": "部件普查库元数据 (code scheme, CRS, schema version)",
    }
    for name, text in descriptions.items():
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES (?, 'attributes', ?, ?)", (name, name, text))
    con.execute("UPDATE gpkg_contents SET description = ? WHERE table_name = ?",
                (f"管理部件 (components), code scheme {scheme.name}", TABLE))


def ensure_registry(con: sqlite3.Connection, scheme: CodeScheme) -> None:
    """The code registry (编码登记) inside the caller's transaction: every code ever stored in ``components``,
    never deleted. Triggers fill it on insert and on a code change, whoever writes (Wanmi, QGIS, any SQLite
    client); a store made before the registry gets it here, filled from the components and the history."""
    if con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (REGISTRY,)).fetchone() is None:
        con.execute(f"""CREATE TABLE {REGISTRY} (
            fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
            code TEXT({scheme.length}) NOT NULL UNIQUE, class_code TEXT NOT NULL,
            first_stored DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))""")
        con.execute(f"CREATE INDEX {REGISTRY}_class_idx ON {REGISTRY} (class_code)")
        con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
                    "VALUES (?, 'attributes', ?, ?)",
                    (REGISTRY, REGISTRY, "部件编码登记 (every component code ever stored; never issued again)"))
        con.execute(f"INSERT OR IGNORE INTO {REGISTRY} (code, class_code) SELECT code, class_code FROM {TABLE} "
                    f"UNION SELECT code, {class_sql(scheme)} FROM component_history")
    for name, event in (("insert", "INSERT"), ("code_update", "UPDATE OF code")):
        con.execute(f"CREATE TRIGGER IF NOT EXISTS {REGISTRY}_{name} AFTER {event} ON {TABLE} BEGIN "
                    f"INSERT OR IGNORE INTO {REGISTRY} (code, class_code) VALUES (NEW.code, NEW.class_code); END")
