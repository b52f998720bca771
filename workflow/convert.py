"""Convert coordinates from Chinese web maps (GCJ-02 / BD-09) to WGS 84: one declaration for every front end."""

from __future__ import annotations

from typing import Any

from ..core.enums import WEB_COORD_SYSTEMS
from ..core.errors import InputError
from ..core.feedback import Feedback, ensure
from .base import Capability, Output, Param, Result, layer_name


def run(layer: Any, source: str, feedback: Feedback | None = None) -> Result:
    """``layer`` (longitude/latitude as the web map gave them) with the offset of ``source`` removed.

    A layer in a projected CRS is refused: its coordinates are metres, and labelling converted metres as
    EPSG:4326 would silently put every feature in the wrong place."""
    from ..core.crs import convert_geometries  # the engine loads with the run, not with the declaration

    fb = ensure(feedback)
    if source not in WEB_COORD_SYSTEMS:
        raise InputError(f"unknown source system {source!r}; choose {', '.join(WEB_COORD_SYSTEMS)}")
    if layer.crs is not None and not layer.crs.is_geographic:
        raise InputError(
            f"{layer_name(layer)}: the layer is in {_crs_label(layer.crs)}, a projected system in metres; "
            f"GCJ-02/BD-09 conversion needs longitudes/latitudes as the web map gave them (EPSG:4326). "
            f"Nothing was written.")
    converted = convert_geometries(layer.geometry.values, source, "wgs84")
    frame = layer.set_geometry(converted, crs="EPSG:4326")
    fb.step(1, 1)
    return Result({"output": frame}, f"{len(frame)} features converted {source} → WGS84",
                  {"FEATURES": len(frame)})


def _crs_label(crs: Any) -> str:
    epsg = crs.to_epsg(min_confidence=70)  # QGIS hands layers over as WKT
    return f"EPSG:{epsg} ({crs.name})" if epsg else crs.name


CONVERT = Capability(
    name="convert_coordinates",
    command="convert-coords",
    title="Convert GCJ-02 / BD-09 coordinates to WGS84",
    summary="convert GCJ-02/BD-09 (phone map) coordinates to WGS84",
    help=(
        "Chinese web maps and phone apps (Amap/Tencent: GCJ-02, Baidu: BD-09) shift coordinates by several "
        "hundred metres. This removes the shift from a layer whose longitudes/latitudes were collected in such "
        "an app and writes true WGS84 (≈ CGCS2000) coordinates. The inverse is iterative and accurate to "
        "better than a centimetre. Points outside China are left unchanged, as the offset is only applied there."
    ),
    step="census",
    params=(
        Param("layer", "vector", "Layer with web-map longitude/latitude", processing="INPUT", cli="input",
              help="A layer (or a CSV/XLSX table with lon/lat columns) in longitude/latitude; layers in metres "
                   "are refused.", geographic=True),
        Param("source", "enum", "Coordinates were collected in", processing="SOURCE", cli="--from",
              choices=WEB_COORD_SYSTEMS,
              choice_labels=("GCJ-02 (Amap, Tencent, Google China)", "BD-09 (Baidu)"),
              help="The web map's coordinate system: GCJ-02 for Amap, Tencent and Google China; BD-09 for Baidu."),
    ),
    outputs=(Output("output", "Converted (WGS84)", layer="converted"),),
    numbers=(("FEATURES", "Features converted"),),
    tags=("GCJ-02", "BD-09", "WGS84", "火星坐标", "百度坐标", "坐标转换", "纠偏"),
    run=run,
)
