"""The PostGIS side of a store parameter (``workflow_adapter``): a connection string without password, its
schema and a QGIS authentication configuration, checked before anything is logged."""

from __future__ import annotations

from qgis.core import (
    QgsApplication,
    QgsDataSourceUri,
    QgsProcessingParameterAuthConfig,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterString,
)

from .base import tr

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
