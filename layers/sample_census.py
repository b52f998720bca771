"""The demo census (部件普查示例): real OpenStreetMap objects of central Helsinki coded as components.

OSM tags become component classes of the CJ/T 214 directory through ``sample/osm_component_classes.csv``
(street lamps → 0118 路灯, trees → 0402 行道树, manholes by utility → 0101 上水井盖 / 0103 雨水井盖 / 0110 热力井盖
…; a manhole OSM marks as missing gets status 丢失). The geometry and the OSM id are real (© OpenStreetMap
contributors, ODbL); the departments are invented and labelled "(synthetic)".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from . import SAMPLE_DIR

CLASS_TABLE = SAMPLE_DIR / "osm_component_classes.csv"
HELSINKI = SAMPLE_DIR / "helsinki.gpkg"


def osm_census_records(points: Any, cells: Any) -> Any:
    """Census records (without codes: they are allocated on import) for OSM ``points`` inside ``cells``.

    Every record gets its class from the table, the cell, community and street it stands in, status,
    department, initial date and the OSM id in ``note``. Points outside every cell and kinds the table does
    not know are left out.
    """
    from ..core.codes import class_table
    from ..core.placement import geocode_components

    table = pd.read_csv(CLASS_TABLE, dtype=str, keep_default_na=False)
    pts = points.to_crs(cells.crs).copy()
    pts["subtype"] = pts["subtype"].fillna("").astype(str) if "subtype" in pts else ""
    by_kind = table[table["subtype"] == ""].drop(columns="subtype")
    by_sub = table[table["subtype"] != ""]
    exact = pts.merge(by_sub, on=["kind", "subtype"], how="inner")
    rest = pts[~pts["kind"].isin(by_sub["kind"])].merge(by_kind, on="kind", how="inner")
    merged = pd.concat([exact, rest], ignore_index=True).sort_values("osm_id", kind="stable")
    placed = geocode_components(merged.set_geometry("geometry").set_crs(cells.crs, allow_override=True), cells)
    placed = placed[placed["cell_code"].notna()].reset_index(drop=True)
    records = placed[["class_code", "status", "dept_code", "dept_name", "cell_code", "street_code",
                      "community_code", "geometry"]].copy()
    names = class_table("cjt214", "component").set_index("code")["name_zh"]
    osm_name = placed["name"] if "name" in placed else pd.Series(None, index=placed.index, dtype=object)
    records["name"] = placed["class_code"].map(names).where(osm_name.isna(), osm_name)
    records["initial_date"] = "2024-01-01"
    records["data_source"] = "实测"  # OSM survey data: field-collected
    records["note"] = "OpenStreetMap node " + placed["osm_id"].astype(str)
    records["code"] = None
    return records


def build_sample_census(path: str | Path, cells: Any, scheme: str = "default12") -> Any:
    """Create the census GeoPackage ``path`` from the Helsinki OSM points in ``cells``, allocating codes
    (serials per class and street); returns the import result."""
    import geopandas as gpd

    from .census_store import GeoPackageStore

    points = gpd.read_file(HELSINKI, layer="points", engine="pyogrio")
    records = osm_census_records(points, cells)
    store = GeoPackageStore(path).create(scheme, crs=f"EPSG:{cells.crs.to_epsg()}", overwrite=True)
    return store, store.import_components(records, allocate=True)
