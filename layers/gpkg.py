"""GeoPackage files as the databases they are: transactions inside the file, layers written and replaced.

* :func:`transaction`: the one way Wanmi writes into an existing GeoPackage — a SQLite transaction inside
  the file (``BEGIN IMMEDIATE``, a busy timeout, all rows or none). Other layers and other programs' committed
  edits are untouched; it works while QGIS or another reader has the file open, in WAL or rollback-journal
  mode. A store that stays locked past :data:`BUSY_TIMEOUT_S` gives one :class:`StoreBusyError`.
* :func:`write_gpkg`: layers (and QGIS styles in ``layer_styles``) into a GeoPackage. A brand-new file is
  written to a temporary file and published under its name only if nothing took that name meanwhile; into an
  existing file the layers are copied in one transaction, replacing the layers of the same name only.
* :func:`copy_layers`: the layer copy used by both (and by the census and case stores): layer tables,
  R-tree, triggers, indexes and ``gpkg_*`` metadata rows from a finished temporary GeoPackage, replacing or
  appending.

GPKG 1.3 is forced for new files because QGIS 3.22's GDAL 3.6 warns on every open of the 1.4 files newer GDAL
writes.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import InputError, StoreBusyError
from .files import clean_orphans, publish_new, temp_file

__all__ = ["BUSY_TIMEOUT_S", "connect", "copy_layers", "layer_srs", "read_styles", "store_styles", "transaction",
           "write_gpkg"]

#: Seconds a write waits for another writer (or, in rollback-journal mode, readers) before giving up.
BUSY_TIMEOUT_S = float(os.environ.get("WANMI_BUSY_TIMEOUT", "60"))
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
#: gpkg_* tables holding one row per layer (``table_name``), parents last.
_META_TABLES = ("gpkg_geometry_columns", "gpkg_extensions", "gpkg_ogr_contents", "gpkg_data_columns",
                "gpkg_metadata_reference", "gpkg_contents")

STYLE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME
)"""


# ----------------------------------------------------------------------------------------------------
# Connections and transactions
# ----------------------------------------------------------------------------------------------------


def blob_wkb(blob: bytes | None) -> bytes | None:
    """The WKB part of a GeoPackage geometry blob."""
    if blob is None:
        return None
    return bytes(blob[8 + _ENVELOPE_BYTES[(blob[3] >> 1) & 7] :])


def _blob_bounds(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob: from its envelope, from a 2D point's WKB, else via shapely.

    Called four times per inserted row by GDAL's R-tree triggers, so points are decoded with ``struct``.
    """
    if blob is None or blob[3] & 0x10:
        return None
    env = (blob[3] >> 1) & 7
    if env:
        order = "<" if blob[3] & 1 else ">"
        minx, maxx, miny, maxy = struct.unpack_from(order + "4d", blob, 8)
        return minx, maxx, miny, maxy
    order = "<" if blob[8] == 1 else ">"
    if struct.unpack_from(order + "I", blob, 9)[0] == 1:  # 2D point
        x, y = struct.unpack_from(order + "2d", blob, 13)
        return None if x != x or y != y else (x, x, y, y)  # NaN coordinates: an empty point
    import shapely

    geom = shapely.from_wkb(blob_wkb(blob))
    if shapely.is_empty(geom):
        return None
    minx, miny, maxx, maxy = shapely.bounds(geom)
    return minx, maxx, miny, maxy


def _st(index: int) -> Any:
    def func(blob: bytes | None) -> float | None:
        bounds = _blob_bounds(blob)
        return None if bounds is None else bounds[index]

    return func


def _st_is_empty(blob: bytes | None) -> int | None:
    if blob is None:
        return None
    return int(_blob_bounds(blob) is None)


def connect(path: str | Path, read_only: bool = False, timeout: float | None = None) -> sqlite3.Connection:
    """SQLite connection (autocommit mode, busy timeout) with the ``ST_*`` functions GDAL's R-tree triggers
    call and foreign keys enforced."""
    wait = BUSY_TIMEOUT_S if timeout is None else timeout
    if read_only:
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None,
                              timeout=wait, check_same_thread=False)
    else:
        con = sqlite3.connect(str(path), isolation_level=None, timeout=wait, check_same_thread=False)
    con.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
    for i, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        con.create_function(name, 1, _st(i), deterministic=True)
    con.execute("PRAGMA foreign_keys = ON")
    return con


def _busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorcode", None) in (5, 6) or "locked" in str(exc) or "busy" in str(exc))


def _busy_error(path: Path, wait: float) -> StoreBusyError:
    return StoreBusyError(f"{path} is busy: another program kept it locked for over {wait:.0f} s "
                          f"(an import or an unsaved edit); nothing was changed, try again later")


@contextmanager
def transaction(path: str | Path, timeout: float | None = None) -> Iterator[sqlite3.Connection]:
    """One write transaction inside the existing GeoPackage ``path``: committed when the block succeeds,
    rolled back on any error. Waits up to ``timeout`` (default :data:`BUSY_TIMEOUT_S`) for other writers,
    then raises :class:`StoreBusyError`."""
    path = Path(path)
    wait = BUSY_TIMEOUT_S if timeout is None else timeout
    if not path.is_file():
        raise InputError(f"{path}: no such GeoPackage")
    con = connect(path, timeout=wait)
    try:
        try:
            con.execute("BEGIN IMMEDIATE")
            is_gpkg = _has_table(con, "gpkg_contents")
        except sqlite3.DatabaseError as exc:
            if _busy(exc):
                raise _busy_error(path, wait) from exc
            raise InputError(f"{path} is not a GeoPackage ({exc}); choose another file name") from exc
        if not is_gpkg:
            raise InputError(f"{path} is not a GeoPackage (no gpkg_contents table); choose another file name")
        try:
            yield con
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:  # rollback-journal mode: readers kept the file past the wait
            if _busy(exc):
                raise _busy_error(path, wait) from exc
            raise
    except BaseException:
        if con.in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        con.close()


def _has_table(con: sqlite3.Connection, name: str, schema: str = "main") -> bool:
    sql = f"SELECT 1 FROM {schema}.sqlite_master WHERE type IN ('table', 'view') AND name = ?"
    return con.execute(sql, (name,)).fetchone() is not None


def _columns(con: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(name, declared type) of a table's columns."""
    return [(r[1], r[2]) for r in con.execute(f'PRAGMA table_info("{table}")')]


def layer_srs(con: sqlite3.Connection, name: str) -> int | None:
    """SRS id of a layer's geometry column (None for an attribute table or a missing layer)."""
    if not _has_table(con, "gpkg_geometry_columns"):
        return None
    row = con.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", (name,)).fetchone()
    return None if row is None else int(row[0])


def _rtrees(con: sqlite3.Connection, name: str) -> list[str]:
    if not _has_table(con, "gpkg_extensions"):
        return []
    rows = con.execute("SELECT column_name FROM gpkg_extensions WHERE table_name = ? "
                       "AND extension_name = 'gpkg_rtree_index'", (name,)).fetchall()
    return [f"rtree_{name}_{r[0]}" for r in rows]


# ----------------------------------------------------------------------------------------------------
# Layers: drop, copy (replace or append)
# ----------------------------------------------------------------------------------------------------


def drop_layer(con: sqlite3.Connection, name: str, keep_style: bool = True) -> None:
    """Remove a layer (table, R-tree, triggers, ``gpkg_*`` rows) inside the caller's transaction."""
    for rtree in _rtrees(con, name):
        con.execute(f'DROP TABLE IF EXISTS "{rtree}"')
    kind = con.execute("SELECT type FROM sqlite_master WHERE name = ? AND type IN ('table', 'view')",
                       (name,)).fetchone()
    if kind is not None:
        con.execute(f'DROP {kind[0].upper()} "{name}"')
    for table in _META_TABLES:
        if _has_table(con, table):
            con.execute(f'DELETE FROM "{table}" WHERE table_name = ?', (name,))
    if not keep_style and _has_table(con, "layer_styles"):
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (name,))


def _copy_rows(con: sqlite3.Connection, src: sqlite3.Connection, table: str, columns: list[str],
               where: str = "", params: tuple = (), rename: Mapping[str, str] | None = None) -> int:
    """Insert ``columns`` of ``src``.``table`` into the same table of ``con`` (``rename``: source column →
    target column) in chunks; returns the row count."""
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor = src.execute(f'SELECT {cols} FROM "{table}"' + (f" WHERE {where}" if where else ""), params)
    targets = ", ".join(f'"{(rename or {}).get(c, c)}"' for c in columns)
    insert = f'INSERT INTO "{table}" ({targets}) VALUES ({", ".join("?" * len(columns))})'
    n = 0
    while rows := cursor.fetchmany(10_000):
        con.executemany(insert, rows)
        n += len(rows)
    return n


def _copy_meta(con: sqlite3.Connection, src: sqlite3.Connection, name: str) -> None:
    """The layer's rows of the ``gpkg_*`` tables (and the SRS it uses), parents first."""
    for table in ("gpkg_spatial_ref_sys", *reversed(_META_TABLES)):
        if not _has_table(src, table):
            continue
        if not _has_table(con, table):
            con.execute(src.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
        cols = [c for c, _ in _columns(src, table) if c in {n for n, _ in _columns(con, table)}]
        if table == "gpkg_spatial_ref_sys":
            used = src.execute("SELECT srs_id FROM gpkg_contents WHERE table_name = ? UNION "
                               "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                               (name, name)).fetchall()
            for (srs_id,) in used:
                if srs_id is not None and con.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?",
                                                      (srs_id,)).fetchone() is None:
                    _copy_rows(con, src, table, cols, where="srs_id = ?", params=(srs_id,))
            continue
        _copy_rows(con, src, table, cols, where="table_name = ?", params=(name,))
    con.execute("UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') "
                "WHERE table_name = ?", (name,))


def _replace_layer(con: sqlite3.Connection, src: sqlite3.Connection, name: str) -> None:
    """Copy layer ``name`` of ``src`` into ``con`` (dropping the layer of that name there first)."""
    if _has_table(con, name) or con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?",
                                            (name,)).fetchone():
        drop_layer(con, name)
    objects = src.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
                          (name,)).fetchall()
    table_sql = [sql for kind, obj, sql in objects if kind == "table" and obj == name]
    if not table_sql:
        raise InputError(f"no layer {name!r} in the file to copy")
    con.execute(table_sql[0])
    _copy_rows(con, src, name, [c for c, _ in _columns(src, name)])
    for rtree in _rtrees(src, name):
        con.execute(src.execute("SELECT sql FROM sqlite_master WHERE name = ?", (rtree,)).fetchone()[0])
        _copy_rows(con, src, rtree, [c for c, _ in _columns(src, rtree)])
    for kind in ("index", "trigger"):  # after the rows: the triggers would redo the R-tree row by row
        for k, _, sql in objects:
            if k == kind:
                con.execute(sql)
    _copy_meta(con, src, name)


def _geometry_column(con: sqlite3.Connection, name: str) -> str | None:
    if not _has_table(con, "gpkg_geometry_columns"):
        return None
    row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (name,)).fetchone()
    return None if row is None else row[0]


def _append_layer(con: sqlite3.Connection, src: sqlite3.Connection, name: str) -> int:
    """Append the features of ``src``.``name`` to the existing layer ``name`` (new fids; columns it lacks are
    added; the layer's triggers keep its R-tree). Returns the number of rows added."""
    if layer_srs(con, name) != layer_srs(src, name):
        raise InputError(f"layer {name}: cannot append features in SRS {layer_srs(src, name)} to a layer in "
                         f"SRS {layer_srs(con, name)}")
    pk = {r[1] for r in src.execute(f'PRAGMA table_info("{name}")') if r[5]}
    geom, src_geom = _geometry_column(con, name), _geometry_column(src, name)
    rename = {src_geom: geom} if geom and src_geom and geom != src_geom else {}
    have = {c.lower() for c, _ in _columns(con, name)}
    for column, decl in _columns(src, name):
        if column.lower() not in have and column not in pk and column not in rename:
            con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {decl}')
    n = _copy_rows(con, src, name, [c for c, _ in _columns(src, name) if c not in pk], rename=rename)
    rtree = f"rtree_{name}_{geom}" if geom else None
    extent = ""
    if rtree and _has_table(con, rtree):
        extent = ", " + ", ".join(f'{col} = (SELECT {fn}({axis}) FROM "{rtree}")' for col, fn, axis in (
            ("min_x", "min", "minx"), ("max_x", "max", "maxx"), ("min_y", "min", "miny"), ("max_y", "max", "maxy")))
    con.execute(f"UPDATE gpkg_contents SET last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now'){extent} "
                f"WHERE table_name = ?", (name,))
    if _has_table(con, "gpkg_ogr_contents"):  # right even where another program dropped GDAL's count triggers
        con.execute(f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT count(*) FROM "{name}") '
                    f"WHERE lower(table_name) = lower(?)", (name,))
    return n


def copy_layers(con: sqlite3.Connection, src_path: str | Path, replace: Iterable[str] = (),
                append: Iterable[str] = (), styles: bool = False) -> None:
    """Inside the caller's transaction on ``con``: copy the layers ``replace`` of the GeoPackage ``src_path``
    (replacing layers of the same name), append the features of ``append`` to existing layers (copied whole
    when the target lacks them), and with ``styles`` copy their ``layer_styles`` rows."""
    src = connect(src_path, read_only=True)
    try:
        replace, append = list(replace), list(append)
        for name in replace:
            _replace_layer(con, src, name)
        for name in append:
            if _has_table(con, name):
                _append_layer(con, src, name)
            else:
                _replace_layer(con, src, name)
        names = replace + append
        if styles and names and _has_table(src, "layer_styles"):
            marks = ", ".join("?" * len(names))
            _ensure_style_table(con)
            con.execute(f"DELETE FROM layer_styles WHERE f_table_name IN ({marks})", names)
            cols = [c for c, _ in _columns(src, "layer_styles") if c != "id"]
            _copy_rows(con, src, "layer_styles", cols, where=f"f_table_name IN ({marks})", params=tuple(names))
    finally:
        src.close()


# ----------------------------------------------------------------------------------------------------
# Writing layers
# ----------------------------------------------------------------------------------------------------


def write_layers(path: Path, layers: Mapping[str, pd.DataFrame]) -> None:
    """Write ``layers`` (name → GeoDataFrame, or DataFrame for a table) into the file ``path`` with GDAL
    (a new GPKG 1.3 file, or replacing layers of a file nobody else uses, e.g. a temporary one)."""
    import pyogrio

    for name, frame in layers.items():
        kwargs: dict = {"layer": name, "driver": "GPKG"}
        if path.exists():
            kwargs["append"] = False
        else:
            kwargs["VERSION"] = "1.3"
        if hasattr(frame, "geometry") and getattr(frame, "_geometry_column_name", None):
            if frame.attrs.get("geometry_type"):  # e.g. "MultiPolygon" for a layer that may be empty
                kwargs["geometry_type"] = frame.attrs["geometry_type"]
            pyogrio.write_dataframe(frame, path, **kwargs)
        else:
            pyogrio.write_dataframe(pd.DataFrame(frame), path, **kwargs)


def write_gpkg(
    path: str | Path,
    layers: Mapping[str, pd.DataFrame],
    styles: Mapping[str, str | Path] | None = None,
    append_to_existing: bool = True,
) -> Path:
    """Write ``layers`` (name → GeoDataFrame, or DataFrame for a table) to the GeoPackage ``path``.

    ``styles`` maps a layer name to a QML file stored as that layer's default style. A new file appears
    complete or not at all. Into an existing GeoPackage the layers are written in one transaction inside the
    file: layers of the same name are replaced, every other layer (and anything other programs stored) is
    kept. ``append_to_existing`` is kept for compatibility: existing layers are always kept.
    """
    del append_to_existing
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_orphans(path.parent)
    with temp_file(path) as tmp:
        write_layers(tmp, layers)
        if styles:
            store_styles(tmp, styles)
        if not path.exists() and publish_new(tmp, path):
            return path
        with transaction(path) as con:
            copy_layers(con, tmp, replace=list(layers), styles=bool(styles))
    return path


# ----------------------------------------------------------------------------------------------------
# QGIS styles
# ----------------------------------------------------------------------------------------------------


def _ensure_style_table(con: sqlite3.Connection) -> None:
    con.execute(STYLE_TABLE_SQL)
    con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
                "VALUES ('layer_styles', 'attributes', 'layer_styles')")


def store_styles(target: str | Path | sqlite3.Connection, styles: Mapping[str, str | Path]) -> None:
    """Store QML files as the default QGIS style of layers of a GeoPackage (a path: its own transaction; a
    connection: inside the caller's transaction)."""
    if not isinstance(target, sqlite3.Connection):
        with transaction(target) as con:
            store_styles(con, styles)
        return
    con = target
    _ensure_style_table(con)
    for layer, qml in styles.items():
        qml_text = Path(qml).read_text(encoding="utf-8")
        geom_col = con.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (layer,)
        ).fetchone()
        con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer,))
        con.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column,"
            " styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, update_time)"
            " VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', '', ?)",
            (
                layer,
                geom_col[0] if geom_col else "",
                Path(qml).stem,
                qml_text,
                "Wanmi default style",
                dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"),
            ),
        )


def read_styles(path: str | Path) -> dict[str, str]:
    """Layer name → default QML stored in the GeoPackage (empty when there are none)."""
    con = connect(path, read_only=True)
    try:
        try:
            rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault").fetchall()
        except sqlite3.OperationalError:
            return {}
    finally:
        con.close()
    return dict(rows)
