"""Atomic GeoPackage writing with QGIS styles stored in ``layer_styles``.

A GeoPackage is written to a temporary file next to the target and renamed over it only when every layer
and style is in: a failure never leaves a half-written file, and readers see either the old or the new one.
GPKG 1.3 is forced because QGIS 3.22's GDAL 3.6 warns on every open of the 1.4 files newer GDAL writes.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

STYLE_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256), f_table_schema TEXT(256), f_table_name TEXT(256),
  f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
  useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30), update_time DATETIME
)"""


def write_gpkg(
    path: str | Path,
    layers: Mapping[str, pd.DataFrame],
    styles: Mapping[str, str | Path] | None = None,
    append_to_existing: bool = False,
) -> Path:
    """Write ``layers`` (name → GeoDataFrame, or DataFrame for a table) atomically to ``path``.

    ``styles`` maps a layer name to a QML file stored as that layer's default style. With
    ``append_to_existing`` the layers of an existing file are kept (copied into the new file first).
    """
    import pyogrio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".gpkg", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # a fresh file: pyogrio then creates it with the requested GPKG version
    try:
        if append_to_existing and path.exists():
            import shutil

            shutil.copyfile(path, tmp)
        for name, frame in layers.items():
            kwargs: dict = {"layer": name, "driver": "GPKG"}
            if tmp.exists():
                kwargs["append"] = False
            else:
                kwargs["VERSION"] = "1.3"
            if hasattr(frame, "geometry") and getattr(frame, "_geometry_column_name", None):
                if frame.attrs.get("geometry_type"):  # e.g. "MultiPolygon" for a layer that may be empty
                    kwargs["geometry_type"] = frame.attrs["geometry_type"]
                pyogrio.write_dataframe(frame, tmp, **kwargs)
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), tmp, **kwargs)
        if styles:
            store_styles(tmp, styles)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def store_styles(path: str | Path, styles: Mapping[str, str | Path]) -> None:
    """Store QML files as the default QGIS style of layers of the GeoPackage at ``path``."""
    with sqlite3.connect(path) as con:
        con.execute(STYLE_TABLE_SQL)
        con.execute(
            "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier) "
            "VALUES ('layer_styles', 'attributes', 'layer_styles')"
        )
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
    with sqlite3.connect(path) as con:
        try:
            rows = con.execute("SELECT f_table_name, styleQML FROM layer_styles WHERE useAsDefault").fetchall()
        except sqlite3.OperationalError:
            return {}
    return dict(rows)
