"""The parameters of a records file (census records, cases) that the run reads itself: declared once for the
census and case imports, so both spell and explain them alike."""

from __future__ import annotations

from .base import Param

#: a CRS that replaces the coordinate choice (projected x/y columns, or a vector file whose CRS is wrong)
COORDS_CRS = Param(
    "coords_crs", "crs", "CRS of projected coordinates (instead of the choice above)", processing="COORDS_CRS",
    cli="--coords-crs", optional=True, advanced=True,
    help="For records with eastings/northings, or a file whose CRS is wrong: the EPSG CRS their coordinates are "
         "in (e.g. EPSG:4548); replaces the coordinate choice.")
#: the layer, sheet and text encoding of the file
FILE_OPTIONS = (
    Param("layer", "string", "Layer inside the records file", processing="LAYER", cli="--layer", optional=True,
          advanced=True, help="The layer to read from a multi-layer file such as a GeoPackage (default: its "
                              "first layer)."),
    Param("sheet", "string", "XLSX sheet", processing="SHEET", cli="--sheet", optional=True, advanced=True,
          help="Name or number (0: the first) of the XLSX sheet with the records (default: the first sheet)."),
    Param("encoding", "string", "CSV encoding", processing="ENCODING", cli="--encoding", optional=True,
          advanced=True, help="Text encoding of a CSV file, e.g. gbk (default: UTF-8, then GB18030)."),
)
