"""Parameters shared by the census (部件普查) and case (案卷) imports: code schemes, coordinates."""

from __future__ import annotations

from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterString

from .base import tr

#: Component code schemes offered in the dialogs (names of :func:`wanmi.core.codes.get_scheme`).
SCHEMES = ("default12", "cjt214-16", "gbt47678-17")
#: Coordinate systems of imported longitude/latitude.
COORDS = ("wgs84", "cgcs2000", "gcj02", "bd09")


def scheme_parameter(name: str = "SCHEME") -> QgsProcessingParameterEnum:
    return QgsProcessingParameterEnum(
        name, tr("Component code scheme"),
        [tr("12 digits, district-local (major 2 + minor 2 + street 2 + serial 6)"),
         tr("16 digits (CJ/T 214: admin 6 + major 2 + minor 2 + serial 6)"),
         tr("17 digits (GB/T 47678.5: admin 6 + major 2 + minor 3 + serial 6)")], defaultValue=0)


def coords_parameter(name: str = "COORDS") -> QgsProcessingParameterEnum:
    return QgsProcessingParameterEnum(
        name, tr("Coordinates of the records"),
        [tr("WGS84 (GPS)"), tr("CGCS2000"), tr("GCJ-02 (Amap, Tencent)"), tr("BD-09 (Baidu)")], defaultValue=0)


def xy_parameters() -> list[QgsProcessingParameterString]:
    """The optional longitude/latitude column names of a table import (found automatically when empty)."""
    return [QgsProcessingParameterString("X_FIELD", tr("Longitude/easting column (empty: automatic)"), optional=True),
            QgsProcessingParameterString("Y_FIELD", tr("Latitude/northing column (empty: automatic)"), optional=True)]
