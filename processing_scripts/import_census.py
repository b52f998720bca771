"""Processing: Import census records (部件普查入库) into a GeoPackage or PostGIS census store."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from ..core.errors import InputError
from .base import WanmiAlgorithm, source_to_gdf, tr
from .census_common import (
    COORDS,
    PG_AUTHCFG,
    PG_SCHEMA,
    POSTGIS,
    SCHEMES,
    check_postgis,
    coords_parameter,
    postgis_connection,
    postgis_parameters,
    scheme_parameter,
    xy_parameters,
)


class ImportCensus(WanmiAlgorithm):
    NAME = "import_census"
    DISPLAY = "Import census"
    GROUP = "Census"
    GROUP_ID = "census"
    HELP = (
        "Imports component census records (部件普查) from CSV, XLSX, GeoJSON, Shapefile or GeoPackage into a "
        "census store: a GeoPackage (default) or a PostGIS schema (give a connection string without password and "
        "an authentication configuration, or let PostgreSQL read the password from a service file or .pgpass; "
        "the password is never shown). Coordinates may be "
        "WGS84, CGCS2000, GCJ-02 (Amap/Tencent) or BD-09 (Baidu) longitude/latitude; columns may use English, "
        "Chinese or GB/T 47678.5 names. Every record is validated (code and class, duplicates, same class within "
        "0.5 m, inside the jurisdiction, mandatory fields, dates, status); valid records are stored in one "
        "transaction, rejected ones are written to the reject CSV with the reason. A failing import leaves the "
        "store unchanged."
    )

    INPUT = "INPUT"
    STORE = "STORE"
    POSTGIS = POSTGIS
    REJECTS = "REJECTS"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.INPUT, tr("Census records file")))
        self.addParameter(coords_parameter())
        for parameter in xy_parameters():
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterFeatureSource(
            "JURISDICTION", tr("Jurisdiction polygons (records must lie inside)"),
            [QgsProcessing.TypeVectorPolygon], optional=True))
        self.addParameter(scheme_parameter())
        self.addParameter(QgsProcessingParameterBoolean(
            "ALLOCATE", tr("Allocate codes to records that only have a class"), defaultValue=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.STORE, tr("Census GeoPackage"), tr("GeoPackage (*.gpkg)")))
        for parameter in postgis_parameters():
            self.addParameter(parameter)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.REJECTS, tr("Rejected records (CSV)"), tr("CSV (*.csv)"), optional=True))
        self.addOutput(QgsProcessingOutputNumber("INSERTED", tr("Records stored")))
        self.addOutput(QgsProcessingOutputNumber("REJECTED", tr("Records rejected")))
        self.addOutput(QgsProcessingOutputString("COMPONENTS", tr("Census layer")))

    def checkParameterValues(self, parameters, context):  # noqa: N802
        """Refuse a PostGIS connection string with a password (or unreadable) before anything is logged."""
        problem = check_postgis(self.parameterAsString(parameters, self.POSTGIS, context))
        if problem:
            return False, problem
        return super().checkParameterValues(parameters, context)

    def execute(self, parameters, context, feedback):
        from ..layers.census_store import GeoPackageStore, PostgisStore
        from ..layers.importers import read_components

        feedback.window(0, 30)
        records = read_components(
            self.parameterAsFile(parameters, self.INPUT, context),
            x=self.parameterAsString(parameters, "X_FIELD", context) or None,
            y=self.parameterAsString(parameters, "Y_FIELD", context) or None,
            coords=COORDS[self.parameterAsEnum(parameters, "COORDS", context)],
        )
        jurisdiction = None
        source = self.parameterAsSource(parameters, "JURISDICTION", context)
        if source is not None:
            jurisdiction = source_to_gdf(source, feedback)
        feedback.step(1, 1)
        dsn = self.parameterAsString(parameters, self.POSTGIS, context)
        if dsn:
            problem = check_postgis(dsn)
            if problem:
                raise InputError(problem)
            schema = self.parameterAsString(parameters, PG_SCHEMA, context) or "wanmi"
            store_dsn, layer_uri = postgis_connection(
                dsn, self.parameterAsString(parameters, PG_AUTHCFG, context), schema)
            store = PostgisStore(store_dsn, schema=schema)
        else:
            path = self.parameterAsFileOutput(parameters, self.STORE, context)
            store = GeoPackageStore(path)
            layer_uri = f"{path}|layername=components"
        store.create_if_missing(SCHEMES[self.parameterAsEnum(parameters, "SCHEME", context)])
        feedback.window(30, 100)
        # the reject list is staged inside the import's transaction: stored records and rejects together
        rejects = self.parameterAsFileOutput(parameters, self.REJECTS, context) or str(
            Path(self.parameterAsFile(parameters, self.INPUT, context)).with_suffix(".rejects.csv"))
        result = store.import_components(records, jurisdiction=jurisdiction, rejects=rejects,
                                         allocate=self.parameterAsBool(parameters, "ALLOCATE", context))
        rejects = rejects if result.n_rejected else ""
        feedback.info(tr("{n} record(s) stored, {m} rejected").format(n=result.n_inserted, m=result.n_rejected))
        for row in result.problems.itertuples():
            feedback.warning(f"{tr('record')} {row.row} ({row.code}): {row.detail}")
        feedback.step(1, 1)
        return {self.STORE: "" if dsn else str(store.path), self.REJECTS: rejects or "", "INSERTED": result.n_inserted,
                "REJECTED": result.n_rejected, "COMPONENTS": layer_uri}
