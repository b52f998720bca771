"""Parameters shared by the census (部件普查) and case (案卷) imports: code schemes, coordinates, PostGIS
connections (a connection string without password plus a QGIS authentication configuration)."""

from __future__ import annotations

from qgis.core import (
    QgsApplication,
    QgsDataSourceUri,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterString,
)

from ..core.enums import COMPONENT_SCHEME_NAMES, COORD_SYSTEMS
from .base import tr

#: Component code schemes offered in the dialogs (names of :func:`wanmi.core.codes.get_scheme`).
SCHEMES = COMPONENT_SCHEME_NAMES
#: Coordinate systems of imported longitude/latitude.
COORDS = COORD_SYSTEMS


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


# ---- PostGIS census stores: connection string + QGIS authentication configuration --------------------------

POSTGIS, PG_SCHEMA, PG_AUTHCFG = "POSTGIS", "PG_SCHEMA", "PG_AUTHCFG"


def postgis_parameters() -> list[QgsProcessingParameterDefinition]:
    """Connection string (no password), schema and authentication configuration of a PostGIS census."""
    dsn = QgsProcessingParameterString(
        POSTGIS, tr("PostGIS connection string instead (postgresql://user@host/db, service=…; no password)"),
        optional=True)
    dsn.setHelp(tr("Leave the password out: choose an authentication configuration below, or let PostgreSQL "
                   "read it from a service file or .pgpass. A connection string with a password is refused "
                   "because QGIS keeps parameters in the Processing log and history."))
    auth = QgsProcessingParameterAuthConfig(PG_AUTHCFG, tr("PostGIS authentication (user name and password)"),
                                            optional=True)
    return [dsn, QgsProcessingParameterString(PG_SCHEMA, tr("PostGIS schema"), "wanmi", optional=True), auth]


def check_postgis(dsn: str) -> str | None:
    """Why ``dsn`` (the POSTGIS parameter) cannot be used, or None. The reason never shows the password."""
    from ..core.errors import InputError
    from ..layers.dsn import check_dsn

    if not dsn:
        return None
    try:
        params = check_dsn(dsn)
    except InputError as exc:
        return str(exc)
    if params.get("password") or params.get("sslpassword"):
        return tr("The PostGIS connection string contains a password, which QGIS would keep in the Processing "
                  "log and history. Remove it and choose an authentication configuration (or use a service "
                  "file or .pgpass).")
    return None


def _libpq_quote(value: str) -> str:
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def postgis_connection(dsn: str, authcfg: str, schema: str) -> tuple[str, str]:
    """``(connection string for the store, layer URI for QGIS)``. The first has the user name and password of
    ``authcfg`` filled in (it is never shown or returned); the second names ``authcfg`` and has no password."""
    from ..core.errors import InputError
    from ..layers.dsn import parse_dsn

    items = [f"{key}={_libpq_quote(value)}" for key, value in parse_dsn(dsn).items() if value is not None]
    if authcfg:
        ok, expanded = QgsApplication.authManager().updateDataSourceUriItems(items, authcfg, "postgres")
        if not ok:
            raise InputError(tr("The authentication configuration {id} cannot be used (is it a Basic user name "
                                "and password one, and is the QGIS authentication database unlocked?)")
                             .format(id=authcfg))
        store_dsn = " ".join(expanded)
    else:
        store_dsn = dsn
    uri = QgsDataSourceUri(" ".join(i for i in items if not i.startswith(("password=", "sslpassword="))))
    if authcfg:
        uri.setAuthConfigId(authcfg)
    uri.setDataSource(schema, "components", "geom", "", "code")
    return store_dsn, uri.uri(False)
